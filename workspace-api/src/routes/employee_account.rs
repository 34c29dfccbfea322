//! `GET /employees/{id}/account`: the account of a directory person. Name pickers (adding
//! project members, sharing memos, inviting to meetings) search the directory, which every
//! signed-in user may read and which has the Korean search, and then ask here for the chosen
//! person's account id. `GET /accounts` is no substitute: it is for administrators and
//! lists logins, not people.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::auth::{PersonAccount, Scope};
use crate::error::ApiError;
use crate::extract::{Actor, ApiPath};
use crate::model::EmployeeId;

#[utoipa::path(
    get,
    path = "/employees/{id}/account",
    operation_id = "get_employee_account",
    tag = "directory",
    params(("id" = i64, Path, description = "Numeric id of the directory entry")),
    responses((status = 200, description = "The person's enabled account; 404 account_not_found when they have none", body = PersonAccount))
)]
pub async fn get_account(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<EmployeeId>,
) -> Result<Json<PersonAccount>, ApiError> {
    actor.require(Scope::DirectoryRead)?;
    let a = st.store.account_of_employee(id).await?;
    Ok(Json(PersonAccount {
        account_id: a.id,
        employee_id: id,
        display_name: a.display_name,
        agency_id: a.agency_id,
    }))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_account))
}
