//! `GET /audit`: the audit log for administrators, oldest or newest first, filtered by
//! actor, entity, action and time, in cursor pages. System admins read every row, agency
//! admins the rows of their agency, members nothing.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::auth::{Role, Scope};
use crate::error::ApiError;
use crate::extract::{Actor, ApiQuery};
use crate::model::AuditEntry;
use crate::paging::{Page, PageRequest};
use crate::store::{AuditOrder, AuditQuery};

/// Longest filter value: actors, entity kinds and actions are short names.
const FILTER_MAX: usize = 100;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    #[default]
    Oldest,
    Newest,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// `oldest` (default) or `newest` first.
    #[param(inline)]
    order: Option<Order>,
    /// Exact actor: `account:<id>`, `system`, `guest:<link id>`, `anonymous`.
    #[param(max_length = 100)]
    actor: Option<String>,
    /// Exact entity kind, e.g. `memo`, `account`, `guest_link`.
    #[param(max_length = 100)]
    entity: Option<String>,
    /// The entity's id.
    entity_id: Option<i64>,
    /// Exact action, e.g. `create`, `update`, `delete`, `login_failed`.
    #[param(max_length = 100)]
    action: Option<String>,
    /// Rows at or after this time (Unix ms).
    from_ms: Option<i64>,
    /// Rows before this time (Unix ms).
    to_ms: Option<i64>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// A filter value: at most [`FILTER_MAX`] characters, no control characters.
fn filter(name: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.chars().count() > FILTER_MAX || v.chars().any(char::is_control) => {
            Err(ApiError::invalid_query(format!(
                "{name} must be at most {FILTER_MAX} printable characters."
            )))
        }
        other => Ok(other.filter(|v| !v.is_empty())),
    }
}

/// `GET /audit`: see the module docs.
#[utoipa::path(
    get,
    path = "/audit",
    tag = "auth",
    params(AuditParams),
    responses((status = 200, description = "Audit log rows in the order asked for (oldest first by default), filtered", body = Page<AuditEntry>))
)]
pub async fn audit(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    actor.require(Scope::AuditRead)?;
    let agency = match actor.role() {
        None | Some(Role::SystemAdmin) => None,
        Some(Role::AgencyAdmin(a)) => Some(a),
        Some(Role::Member) => {
            actor.require_system_admin()?;
            None
        }
    };
    let mut query = AuditQuery {
        agency,
        actor: filter("actor", p.actor)?,
        entity: filter("entity", p.entity)?,
        entity_id: p.entity_id,
        action: filter("action", p.action)?,
        from_ms: p.from_ms,
        to_ms: p.to_ms,
        order: match p.order.unwrap_or_default() {
            Order::Oldest => AuditOrder::OldestFirst,
            Order::Newest => AuditOrder::NewestFirst,
        },
        ..AuditQuery::default()
    };
    // The cursor only continues the view it came from: the caller's reach and every filter.
    let scope = format!(
        "audit|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        agency.map_or(0, |a| a.0),
        query.order,
        query.actor,
        query.entity,
        query.entity_id,
        query.action,
        query.from_ms,
        query.to_ms,
    );
    let paging = PageRequest::<i64>::new(scope, p.cursor.as_deref(), p.limit)?;
    query.after_id = paging.after;
    query.limit = paging.fetch();
    let rows = st.store.audit_query(&query).await?;
    Ok(Json(paging.page(rows, |e| e.id)))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(audit))
}
