//! Handlers for account administration (`/accounts`, `/accounts/{id}`,
//! `/accounts/{id}/password`) and the user's own password (`/me/password`).
//!
//! Reach: system admins manage every account; an agency admin manages the accounts of its
//! agency (never a system admin's, never making one, never moving one out of the agency);
//! a member reads only its own account. An account outside the caller's reach answers 404,
//! so listing ids cannot probe other agencies; one inside it that the rules protect
//! answers 403. The store keeps at least one enabled system admin (409 otherwise).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use super::auth::session_owner;
use crate::auth::{
    Account, AccountId, AccountPatch, Credential, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS,
    NewAccount, PasswordChange, PasswordReset, Role, RoleName, Scope, normalise_login,
};
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::AgencyId;
use crate::paging::{self, Page};
use crate::store::{AccountFilter, AccountSpec, AccountUpdate, role_of};
use crate::validate::Check;

const NAME_MAX: usize = 100;

fn forbidden(ko: &str, en: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", ko, en)
}

fn check_password(c: &mut Check, field: &str, password: &str) {
    let len = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&len) {
        c.fail(
            field,
            "비밀번호는 10자 이상 1024자 이하여야 합니다.",
            "Use 10 to 1024 characters.",
        );
    }
}

/// Whether `actor` may read `account` at all (404 otherwise).
fn within_reach(actor: &Actor, account: &Account) -> bool {
    match actor.role() {
        None | Some(Role::SystemAdmin) => true,
        Some(Role::AgencyAdmin(a)) => account.agency_id == Some(a),
        Some(Role::Member) => actor.principal().is_some_and(|p| p.account == account.id),
    }
}

/// Reads an account the actor may see; others are 404 whether or not they exist.
async fn reachable(st: &AppState, actor: &Actor, id: AccountId) -> Result<Account, ApiError> {
    let account = st.store.get_account(id).await?;
    if !within_reach(actor, &account) {
        return Err(ApiError::not_found(crate::store::Entity::Account));
    }
    Ok(account)
}

/// What an agency admin may not do to an account of its own agency; members change nothing.
fn may_manage(
    actor: &Actor,
    current: &Account,
    new: Option<(Role, Option<AgencyId>)>,
) -> Result<(), ApiError> {
    match actor.role() {
        None | Some(Role::SystemAdmin) => Ok(()),
        Some(Role::Member) => Err(forbidden(
            "관리자만 계정을 변경할 수 있습니다.",
            "Only an administrator may change accounts.",
        )),
        Some(Role::AgencyAdmin(a)) => {
            if current.role == Role::SystemAdmin {
                return Err(forbidden(
                    "시스템 관리자 계정은 시스템 관리자만 변경할 수 있습니다.",
                    "Only a system administrator may change a system administrator's account.",
                ));
            }
            match new {
                Some((Role::SystemAdmin, _)) => Err(forbidden(
                    "시스템 관리자 권한은 시스템 관리자만 줄 수 있습니다.",
                    "Only a system administrator may make someone a system administrator.",
                )),
                Some((_, agency)) if agency != Some(a) => Err(forbidden(
                    "계정을 다른 기관으로 옮길 수 없습니다.",
                    "An agency administrator cannot move an account to another agency.",
                )),
                _ => Ok(()),
            }
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountListParams {
    /// Part of the login or display name (any case).
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// `GET /accounts?q=&cursor=&limit=`: system admins list every account, agency admins their
/// agency's, members get 403.
#[utoipa::path(
    get,
    path = "/accounts",
    tag = "accounts",
    params(AccountListParams),
    responses((status = 200, description = "One page of accounts, in id order", body = Page<Account>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(mut p): ApiQuery<AccountListParams>,
) -> Result<Json<Page<Account>>, ApiError> {
    actor.require(Scope::AccountsRead)?;
    let agency = match actor.role() {
        None | Some(Role::SystemAdmin) => None,
        Some(Role::AgencyAdmin(a)) => Some(a),
        Some(Role::Member) => {
            return Err(forbidden(
                "관리자만 계정 목록을 볼 수 있습니다.",
                "Only an administrator may list accounts.",
            ));
        }
    };
    let mut c = Check::default();
    c.opt_text("q", &mut p.q, NAME_MAX);
    c.finish()?;
    let limit = paging::limit(p.limit)?;
    let scope = format!(
        "accounts|{}|{}",
        agency.map_or(0, |a| a.0),
        p.q.as_deref().unwrap_or("")
    );
    let after = p
        .cursor
        .as_deref()
        .map(|c| paging::decode_cursor::<AccountId>(&scope, c))
        .transpose()?;
    let filter = AccountFilter { agency, q: p.q };
    let rows = st.store.list_accounts(&filter, after, limit + 1).await?;
    Ok(Json(paging::page(rows, limit, &scope, |a| a.id, |a| a)))
}

#[utoipa::path(
    get,
    path = "/accounts/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The account; ETag header", body = Account))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AccountId>,
) -> Result<Response, ApiError> {
    actor.require(Scope::AccountsRead)?;
    let account = reachable(&st, &actor, id).await?;
    Ok(with_etag(account.version, account))
}

/// `PATCH /accounts/{id}`: display name, role, agency, linked employee, disabled.
#[utoipa::path(
    patch,
    path = "/accounts/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = AccountPatch,
    responses((status = 200, description = "Updated; new ETag", body = Account))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AccountId>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<AccountPatch>,
) -> Result<Response, ApiError> {
    actor.require(Scope::AccountsWrite)?;
    let current = reachable(&st, &actor, id).await?;
    // The rules below judge this version; the store writes only if it is still current.
    if current.version != version {
        return Err(ApiError::precondition_failed());
    }
    let (new, detail) = resolve(&current, patch)?;
    may_manage(&actor, &current, Some((new.role, new.agency_id)))?;
    let account = st
        .store
        .update_account(&actor, id, version, &new, detail)
        .await?;
    Ok(with_etag(account.version, account))
}

/// The account's state after `patch`, validated, and the audit detail of the change.
fn resolve(
    current: &Account,
    mut patch: AccountPatch,
) -> Result<(AccountUpdate, serde_json::Value), ApiError> {
    let mut c = Check::default();
    if let Some(name) = &mut patch.display_name {
        c.text("display_name", name, NAME_MAX, false);
    }
    let agency_id = patch.agency_id.unwrap_or(current.agency_id);
    let role_name = patch.role.unwrap_or(match current.role {
        Role::SystemAdmin => RoleName::SystemAdmin,
        Role::AgencyAdmin(_) => RoleName::AgencyAdmin,
        Role::Member => RoleName::Member,
    });
    let role = role_of(role_name, agency_id);
    if role.is_none() {
        c.fail(
            "agency_id",
            "기관 관리자에게는 기관이 필요합니다.",
            "An agency admin needs an agency.",
        );
    }
    c.finish()?;
    let mut detail = json!({});
    if let Some(v) = &patch.display_name {
        detail["display_name"] = json!(v);
    }
    if let Some(v) = patch.role {
        detail["role"] = json!(v);
    }
    if let Some(v) = patch.agency_id {
        detail["agency_id"] = json!(v);
    }
    if let Some(v) = patch.employee_id {
        detail["employee_id"] = json!(v);
    }
    if let Some(v) = patch.disabled {
        detail["disabled"] = json!(v);
    }
    let new = AccountUpdate {
        display_name: patch
            .display_name
            .unwrap_or_else(|| current.display_name.clone()),
        role: role.unwrap_or(Role::Member),
        agency_id,
        employee_id: patch.employee_id.unwrap_or(current.employee_id),
        disabled: patch.disabled.unwrap_or(current.disabled_ms.is_some()),
    };
    Ok((new, detail))
}

/// `POST /accounts/{id}/password`: an administrator sets a new password; the account's
/// sessions end.
#[utoipa::path(
    post,
    path = "/accounts/{id}/password",
    tag = "accounts",
    params(("id" = i64, Path, description = "Numeric id")),
    request_body = PasswordReset,
    responses((status = 204, description = "Password set; the account's sessions ended"))
)]
pub async fn reset_password(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<AccountId>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    actor.require(Scope::AccountsWrite)?;
    let current = reachable(&st, &actor, id).await?;
    may_manage(&actor, &current, None)?;
    let mut c = Check::default();
    check_password(&mut c, "new_password", &body.new_password);
    c.finish()?;
    st.store
        .reset_password(&actor, id, body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /me/password`: from a browser session, with the current password; the user's
/// other sessions end.
#[utoipa::path(
    post,
    path = "/me/password",
    tag = "accounts",
    request_body = PasswordChange,
    responses((status = 204, description = "Password changed; other sessions ended"))
)]
pub async fn change_password(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    session_owner(&actor)?;
    let Some(p) = actor.principal() else {
        return Err(ApiError::unauthenticated());
    };
    let Credential::Session(session) = p.credential else {
        return Err(ApiError::unauthenticated());
    };
    let mut c = Check::default();
    check_password(&mut c, "new_password", &body.new_password);
    if body.current_password.chars().count() > MAX_PASSWORD_CHARS {
        c.fail("current_password", "너무 깁니다.", "Too long.");
    }
    c.finish()?;
    st.store
        .change_own_password(p, session, body.current_password, body.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /accounts`. System admins create any account; an agency admin creates members and
/// agency admins of their own agency.
#[utoipa::path(
    post,
    path = "/accounts",
    tag = "accounts",
    request_body = NewAccount,
    responses((status = 201, description = "Created", body = Account))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewAccount>,
) -> Result<Response, ApiError> {
    actor.require(Scope::AccountsWrite)?;
    let spec = account_spec(&mut new)?;
    match spec.role {
        Role::SystemAdmin => actor.require_system_admin()?,
        _ => match spec.agency_id {
            Some(agency) => actor.require_agency_admin(agency)?,
            None => actor.require_system_admin()?,
        },
    }
    let account = st.store.create_account(&actor, &spec).await?;
    Ok(created(
        format!("/api/v1/accounts/{}", account.id),
        account.version,
        account,
    ))
}

fn account_spec(new: &mut NewAccount) -> Result<AccountSpec, ApiError> {
    let mut c = Check::default();
    let login = normalise_login(&new.login);
    if login.is_none() {
        c.fail(
            "login",
            "공백 없이 1~254자여야 합니다.",
            "1 to 254 characters, no spaces.",
        );
    }
    check_password(&mut c, "password", &new.password);
    c.text("display_name", &mut new.display_name, NAME_MAX, false);
    let role = role_of(new.role, new.agency_id);
    if role.is_none() {
        c.fail(
            "agency_id",
            "기관 관리자에게는 기관이 필요합니다.",
            "An agency admin needs an agency.",
        );
    }
    c.finish()?;
    Ok(AccountSpec {
        login: login.unwrap_or_default(),
        password: std::mem::take(&mut new.password),
        display_name: std::mem::take(&mut new.display_name),
        role: role.unwrap_or(Role::Member),
        agency_id: new.agency_id,
        employee_id: new.employee_id,
    })
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update))
        .routes(routes!(reset_password))
        .routes(routes!(change_password))
}
