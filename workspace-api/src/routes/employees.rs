//! Handlers for the directory: `/employees` (search, create) and `/employees/{id}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use crate::auth::Scope;
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, etag_headers};
use crate::model::{
    AgencyId, Employee, EmployeeId, EmployeePatch, ExtraField, ExtraKind, NewEmployee, UnitId,
};
use crate::paging::{self, Page};
use crate::store::SearchQuery;
use crate::validate::{self, Check};

const NAME_MAX: usize = 100;
const FIELD_MAX: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    q: Option<String>,
    agency: Option<AgencyId>,
    /// Only people of this unit or of any unit below it (a 국 with its 과).
    unit: Option<UnitId>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /employees?q=&agency=&unit=&cursor=&limit=`.
#[utoipa::path(
    get,
    path = "/employees",
    tag = "directory",
    params(SearchParams),
    responses((status = 200, description = "Directory search results, best match first", body = Page<Employee>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<Page<Employee>>, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let limit = paging::limit(p.limit)?;
    let q =
        p.q.as_deref()
            .map(validate::search_text)
            .transpose()?
            .map(|q| crate::hangul::phone_query(&q).into_owned())
            .filter(|q| !q.is_empty());
    if let Some(agency) = p.agency {
        st.store.get_agency(agency).await?;
    }
    if let Some(unit) = p.unit {
        st.store.get_unit(unit).await?;
    }
    // The cursor only continues the query it came from.
    let mut scope = format!(
        "employees|{}|{}",
        q.as_deref().unwrap_or(""),
        p.agency.map_or(0, |a| a.0)
    );
    if let Some(unit) = p.unit {
        scope.push_str(&format!("|unit{}", unit.0));
    }
    let after = p
        .cursor
        .as_deref()
        .map(|c| paging::decode_cursor::<(i64, String, i64)>(&scope, c))
        .transpose()?;
    // Cursors can be forged; a name no row can have (PostgreSQL refuses NUL) is not ours.
    if after
        .as_ref()
        .is_some_and(|(_, name, _)| name.chars().any(char::is_control))
    {
        return Err(ApiError::invalid_cursor());
    }
    let query = SearchQuery {
        q,
        agency: p.agency,
        unit: p.unit,
        after,
        limit: limit + 1,
    };
    let hits = st.store.search_employees(&query).await?;
    let key = |h: &crate::store::SearchHit| (h.rank, h.sort_name.clone(), h.employee.id.0);
    Ok(Json(paging::page(hits, limit, &scope, key, |h| h.employee)))
}

#[utoipa::path(
    get,
    path = "/employees/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The directory entry; ETag header", body = Employee))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<EmployeeId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let e = st.store.get_employee(id).await?;
    Ok((etag_headers(e.version), Json(e)).into_response())
}

#[utoipa::path(
    post,
    path = "/employees",
    tag = "directory",
    request_body = NewEmployee,
    responses((status = 201, description = "Created; Location and ETag headers", body = Employee))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewEmployee>,
) -> Result<Response, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    actor.require_agency_admin(new.agency_id)?;
    let mut c = Check::default();
    c.text("name_ko", &mut new.name_ko, NAME_MAX, true);
    c.text("name_en", &mut new.name_en, NAME_MAX, false);
    c.text("title", &mut new.title, FIELD_MAX, false);
    c.text("grade", &mut new.grade, FIELD_MAX, false);
    c.phone("office_phone", &mut new.office_phone);
    c.phone("mobile", &mut new.mobile);
    c.email("email", &mut new.email);
    c.opt_text("location", &mut new.location, FIELD_MAX);
    c.url("photo_url", &mut new.photo_url);
    derived_text(
        &mut c,
        new.position_id.is_some(),
        "title",
        !new.title.is_empty(),
    );
    derived_text(
        &mut c,
        new.grade_id.is_some(),
        "grade",
        !new.grade.is_empty(),
    );
    if !new.extra.is_empty() {
        let fields = st.store.list_extra_fields().await?;
        let values = new.extra.iter_mut().map(|(k, v)| (k.as_str(), Some(v)));
        check_extra(&mut c, &fields, values);
        new.extra.retain(|_, v| !v.is_empty());
    }
    c.finish()?;
    let e = st.store.create_employee(&actor, &new).await?;
    Ok(created(format!("/api/v1/employees/{}", e.id), e.version, e))
}

#[utoipa::path(
    patch,
    path = "/employees/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = EmployeePatch,
    responses((status = 200, description = "Updated; new ETag", body = Employee))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<EmployeeId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<EmployeePatch>,
) -> Result<Response, ApiError> {
    let current = authorise_change(&st, &actor, id, version).await?;
    if let Some(agency) = patch.agency_id {
        actor.require_agency_admin(agency)?;
    }
    let fields = match &patch.extra {
        Some(extra) if !extra.is_empty() => st.store.list_extra_fields().await?,
        _ => Vec::new(),
    };
    check_patch(&mut patch, &current, &fields)?;
    let e = st
        .store
        .update_employee(&actor, id, version, &patch)
        .await?;
    Ok((etag_headers(e.version), Json(e)).into_response())
}

#[utoipa::path(
    delete,
    path = "/employees/{id}",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Deleted"))
)]
pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<EmployeeId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    authorise_change(&st, &actor, id, version).await?;
    st.store.delete_employee(&actor, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The actor must administer the employee's agency. The check reads the row, so it must be
/// the version the write will be conditioned on: otherwise a concurrent move to another
/// agency could slip between the check and the write. A different version is stale (412)
/// either way, so it is refused here without writing.
async fn authorise_change(
    st: &AppState,
    actor: &Actor,
    id: EmployeeId,
    version: i64,
) -> Result<Employee, ApiError> {
    actor.require(Scope::DirectoryWrite)?;
    let current = st.store.get_employee(id).await?;
    actor.require_agency_admin(current.agency_id)?;
    if current.version != version {
        return Err(ApiError::precondition_failed());
    }
    Ok(current)
}

/// `title` / `grade` are copied from a linked position / grade, so a request that links one
/// and also writes the text contradicts itself.
fn derived_text(c: &mut Check, linked: bool, field: &str, written: bool) {
    if linked && written {
        let en = format!(
            "Leave {field} out: it comes from {field}'s catalogue entry (position_id / grade_id)."
        );
        c.fail(
            field,
            "직위·직급 목록의 항목을 지정하면 이 값은 그 이름으로 정해집니다.",
            &en,
        );
    }
}

/// Extra values: the key must be a defined field and the value of its kind. `None` (a
/// removal in a PATCH) and empty strings need no check.
fn check_extra<'a>(
    c: &mut Check,
    fields: &[ExtraField],
    values: impl Iterator<Item = (&'a str, Option<&'a mut String>)>,
) {
    for (key, value) in values {
        let field = format!("extra.{key}");
        let Some(def) = fields.iter().find(|f| f.key == key) else {
            c.fail(
                &field,
                "정의되지 않은 추가 항목입니다.",
                "No extra field has this key.",
            );
            continue;
        };
        let Some(value) = value else { continue };
        let mut opt = Some(std::mem::take(value));
        match def.kind {
            ExtraKind::Text => c.opt_text(&field, &mut opt, FIELD_MAX),
            ExtraKind::Phone => c.phone(&field, &mut opt),
            ExtraKind::Email => c.email(&field, &mut opt),
            ExtraKind::Url => c.url(&field, &mut opt),
        }
        *value = opt.unwrap_or_default();
    }
}

fn check_patch(
    p: &mut EmployeePatch,
    current: &Employee,
    fields: &[ExtraField],
) -> Result<(), ApiError> {
    let mut c = Check::default();
    let position = p.position_id.unwrap_or(current.position_id);
    derived_text(&mut c, position.is_some(), "title", p.title.is_some());
    let grade = p.grade_id.unwrap_or(current.grade_id);
    derived_text(&mut c, grade.is_some(), "grade", p.grade.is_some());
    if let Some(extra) = &mut p.extra {
        check_extra(
            &mut c,
            fields,
            extra.iter_mut().map(|(k, v)| (k.as_str(), v.as_mut())),
        );
    }
    if let Some(v) = &mut p.name_ko {
        c.text("name_ko", v, NAME_MAX, true);
    }
    for (field, value, max) in [
        ("name_en", &mut p.name_en, NAME_MAX),
        ("title", &mut p.title, FIELD_MAX),
        ("grade", &mut p.grade, FIELD_MAX),
    ] {
        if let Some(v) = value {
            c.text(field, v, max, false);
        }
    }
    // `Some(None)` clears the field; `Some(Some(..))` is checked like on create.
    if let Some(v) = &mut p.office_phone {
        c.phone("office_phone", v);
    }
    if let Some(v) = &mut p.mobile {
        c.phone("mobile", v);
    }
    if let Some(v) = &mut p.email {
        c.email("email", v);
    }
    if let Some(v) = &mut p.location {
        c.opt_text("location", v, FIELD_MAX);
    }
    if let Some(v) = &mut p.photo_url {
        c.url("photo_url", v);
    }
    c.finish()
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}
