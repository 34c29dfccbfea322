//! Handlers for e-Memos (`/memos`, `/memos/{id}`) and their share lists
//! (`/memos/{id}/shares`). Input is checked here; who may do what is decided by the store in
//! the same statement or transaction as the act (see `store/memos.rs`).

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::agencies::created;
use crate::auth::{Principal, Scope};
use crate::error::ApiError;
use crate::extract::{Actor, ApiJson, ApiPath, ApiQuery, IfMatch, with_etag};
use crate::model::{Memo, MemoId, MemoPatch, MemoShareList, MemoShares, MemoSummary, NewMemo};
use crate::paging::{Page, PageRequest};
use crate::richtext;
use crate::store::{MAX_SHARES, MemoQuery};
use crate::validate::{self, Check};

const TITLE_MAX: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MemoListParams {
    /// Part of the title (case-insensitive), at most 100 characters.
    q: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

/// Checks a rich-text body: at most [`richtext::MAX_INPUT_CHARS`] characters as sent.
/// Control characters other than line breaks and tabs are refused like in any text field.
pub(super) fn check_body(c: &mut Check, field: &str, body: &str) {
    if body.chars().count() > richtext::MAX_INPUT_CHARS {
        let max = richtext::MAX_INPUT_CHARS;
        let en = format!("At most {max} characters.");
        c.fail(field, &format!("{max}자 이하로 입력하세요."), &en);
    } else if body
        .chars()
        .any(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
    {
        c.fail(
            field,
            "제어 문자는 쓸 수 없습니다.",
            "Control characters are not allowed.",
        );
    }
}

#[utoipa::path(
    get,
    path = "/memos",
    tag = "memos",
    params(MemoListParams),
    responses((status = 200, description = "Memos the caller wrote or that are shared with them, most recently changed first", body = Page<MemoSummary>))
)]
pub async fn list(
    State(st): State<AppState>,
    actor: Actor,
    ApiQuery(p): ApiQuery<MemoListParams>,
) -> Result<Json<Page<MemoSummary>>, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let q = validate::search_text(p.q.as_deref().unwrap_or(""))?;
    let scope = format!("memos?q={q}");
    let paging = PageRequest::<(i64, i64)>::new(scope, p.cursor.as_deref(), p.limit)?;
    let query = MemoQuery {
        q,
        after: paging.after,
        limit: paging.fetch(),
    };
    let rows = st.store.list_memos(who, &query).await?;
    Ok(Json(paging.page(rows, |m| (m.updated_ms, m.id.0))))
}

#[utoipa::path(
    get,
    path = "/memos/{id}",
    tag = "memos",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The memo; ETag header", body = Memo))
)]
pub async fn get_one(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MemoId>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let memo = st.store.get_memo(who, id).await?;
    Ok(with_etag(memo.version, memo))
}

#[utoipa::path(
    post,
    path = "/memos",
    tag = "memos",
    request_body = NewMemo,
    responses((status = 201, description = "Created, private to the caller; Location and ETag headers", body = Memo))
)]
pub async fn create(
    State(st): State<AppState>,
    actor: Actor,
    ApiJson(mut new): ApiJson<NewMemo>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    c.text("title", &mut new.title, TITLE_MAX, true);
    check_body(&mut c, "body", &new.body);
    c.finish()?;
    let memo = st.store.create_memo(&actor, who, &new).await?;
    Ok(created(
        format!("/api/v1/memos/{}", memo.id),
        memo.version,
        memo,
    ))
}

#[utoipa::path(
    patch,
    path = "/memos/{id}",
    tag = "memos",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    request_body = MemoPatch,
    responses((status = 200, description = "Updated (author or editor); new ETag", body = Memo))
)]
pub async fn update(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MemoId>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<MemoPatch>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    let mut c = Check::default();
    if let Some(t) = &mut patch.title {
        c.text("title", t, TITLE_MAX, true);
    }
    if let Some(b) = &patch.body {
        check_body(&mut c, "body", b);
    }
    c.finish()?;
    let memo = st
        .store
        .update_memo(&actor, who, id, version, &patch)
        .await?;
    Ok(with_etag(memo.version, memo))
}

#[utoipa::path(
    delete,
    path = "/memos/{id}",
    tag = "memos",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The ETag last read, e.g. \"v3\"")),
    responses((status = 204, description = "Deleted (author only)"))
)]
pub async fn delete(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MemoId>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    st.store.delete_memo(&actor, who, id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/memos/{id}/shares",
    tag = "memos",
    params(("id" = i64, Path, description = "Numeric id")),
    responses((status = 200, description = "The share list; the memo's ETag header", body = MemoShareList))
)]
pub async fn get_shares(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MemoId>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceRead)?;
    let (version, items) = st.store.memo_shares(who, id).await?;
    let list = MemoShareList { memo_id: id, items };
    Ok(with_etag(version, list))
}

#[utoipa::path(
    put,
    path = "/memos/{id}/shares",
    tag = "memos",
    params(("id" = i64, Path, description = "Numeric id"), ("If-Match" = String, Header, description = "The memo's ETag last read, e.g. \"v3\"")),
    request_body = MemoShares,
    responses((status = 200, description = "The new share list (author only); the memo's new ETag", body = MemoShareList))
)]
pub async fn put_shares(
    State(st): State<AppState>,
    actor: Actor,
    ApiPath(id): ApiPath<MemoId>,
    IfMatch(version): IfMatch,
    ApiJson(body): ApiJson<MemoShares>,
) -> Result<Response, ApiError> {
    let who = actor.signed_in(Scope::WorkspaceWrite)?;
    check_shares(who, &body)?;
    let (version, items) = st
        .store
        .replace_memo_shares(&actor, who, id, version, &body.shares)
        .await?;
    let list = MemoShareList { memo_id: id, items };
    Ok(with_etag(version, list))
}

/// At most [`MAX_SHARES`] entries, each target once, and not the author themself.
fn check_shares(who: &Principal, body: &MemoShares) -> Result<(), ApiError> {
    let mut c = Check::default();
    if body.shares.len() > MAX_SHARES {
        let en = format!("At most {MAX_SHARES} entries.");
        c.fail("shares", &format!("{MAX_SHARES}개 이하로 지정하세요."), &en);
    }
    let mut seen = HashSet::new();
    for (i, share) in body.shares.iter().enumerate() {
        let field = format!("shares[{i}]");
        if !seen.insert(share.target) {
            c.fail(
                &field,
                "같은 대상이 두 번 있습니다.",
                "The same target appears twice.",
            );
        } else if share.target == crate::model::ShareTarget::Account(who.account) {
            c.fail(
                &field,
                "작성자는 항상 메모를 볼 수 있습니다.",
                "The author always has the memo; do not share it with yourself.",
            );
        }
    }
    c.finish()
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(get_shares, put_shares))
}
