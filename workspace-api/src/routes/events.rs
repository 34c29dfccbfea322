//! `GET /api/v1/events`: the live-update stream of one signed-in user (server-sent events).
//!
//! Each event is `id: <n>`, `event: <kind>` (e.g. `task.moved`) and `data:` the JSON of
//! [`Event`]. A client that reconnects sends the last id it received in `Last-Event-ID`
//! (browsers' `EventSource` does so by itself) or `?last_event_id=`, and gets every event it
//! may see after that one, so nothing is lost across a dropped connection or a hub restart.
//! Without either it starts with the events after the moment it connected.
//!
//! The stream wakes when a write commits on this hub and also polls, so that writes made by
//! another hub on the same PostgreSQL database arrive too. It re-checks the credential every
//! [`RECHECK`] and ends when the session or token no longer signs anyone in (a signed-out
//! browser's reconnect then gets 401, which stops `EventSource`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::Stream;
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use tokio::sync::Notify;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::auth::{Principal, Scope};
use crate::error::ApiError;
use crate::extract::{Actor, ApiQuery, presented};
use crate::store::{Event, Store};

/// How often a quiet stream looks for events committed by other hubs.
const POLL: Duration = Duration::from_secs(2);
/// How often a stream checks that its credential still signs the user in.
const RECHECK: Duration = Duration::from_secs(30);
/// Events sent per database read.
const BATCH: i64 = 100;
const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventParams {
    /// Resume after this event id (for clients that cannot set `Last-Event-ID`).
    last_event_id: Option<i64>,
}

/// `GET /events`.
#[utoipa::path(
    get,
    path = "/events",
    tag = "events",
    params(
        EventParams,
        ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event id")
    ),
    responses((
        status = 200,
        description = "`text/event-stream`; each event's data is an `Event`",
        content_type = "text/event-stream",
        body = Event
    ))
)]
pub async fn stream_events(
    State(st): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    ApiQuery(p): ApiQuery<EventParams>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    let principal = actor.signed_in(Scope::WorkspaceRead)?.clone();
    let after = match resume_point(&headers, p.last_event_id)? {
        Some(id) => id,
        None => st.store.last_event_id().await?,
    };
    let tail = Tail {
        notify: st.store.event_notifier(),
        store: st.store,
        principal,
        credentials: credential_headers(&headers),
        after,
        checked: Instant::now(),
    };
    let events = stream::unfold(tail, Tail::next_batch).flat_map(stream::iter);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// `Last-Event-ID` wins over the query parameter, as it is what a reconnecting
/// `EventSource` sends.
fn resume_point(headers: &HeaderMap, query: Option<i64>) -> Result<Option<i64>, ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_last_event_id",
            "Invalid Last-Event-ID",
            "Last-Event-ID는 0 이상의 이벤트 번호여야 합니다.",
            "Last-Event-ID must be a non-negative event id.",
        )
    };
    let from_header = match headers.get(LAST_EVENT_ID) {
        None => None,
        Some(v) => {
            let text = v.to_str().map_err(|_| invalid())?.trim();
            Some(text.parse::<i64>().map_err(|_| invalid())?)
        }
    };
    match from_header.or(query) {
        Some(id) if id < 0 => Err(invalid()),
        other => Ok(other),
    }
}

/// The headers that carry the request's credential, kept to re-check it later.
fn credential_headers(headers: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in [header::AUTHORIZATION, header::COOKIE] {
        for v in headers.get_all(&name) {
            kept.append(name.clone(), v.clone());
        }
    }
    kept
}

/// One open stream.
struct Tail {
    store: Store,
    notify: Arc<Notify>,
    principal: Principal,
    credentials: HeaderMap,
    after: i64,
    checked: Instant,
}

type Batch = Vec<Result<SseEvent, Infallible>>;

impl Tail {
    /// Waits for the next events the user may see; `None` ends the stream.
    async fn next_batch(mut self) -> Option<(Batch, Tail)> {
        loop {
            // Registered before the read, so a commit between read and wait still wakes us.
            let notify = self.notify.clone();
            let woken = notify.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            if self.checked.elapsed() >= RECHECK {
                if !self.still_signed_in().await {
                    return None;
                }
                self.checked = Instant::now();
            }
            match self
                .store
                .events_for(&self.principal, self.after, BATCH)
                .await
            {
                Ok(events) if !events.is_empty() => {
                    self.after = events.last().map_or(self.after, |e| e.id);
                    let batch = events.iter().map(|e| Ok(to_sse(e))).collect();
                    return Some((batch, self));
                }
                Ok(_) => {}
                Err(e) => {
                    // The client reconnects with Last-Event-ID and loses nothing.
                    tracing::warn!(error = %e, "event stream ends on a store error");
                    return None;
                }
            }
            tokio::select! {
                _ = &mut woken => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    async fn still_signed_in(&self) -> bool {
        match presented(&self.credentials) {
            Ok(Some(p)) => self
                .store
                .authenticate(p)
                .await
                .is_ok_and(|now| now.account == self.principal.account),
            _ => false,
        }
    }
}

fn to_sse(e: &Event) -> SseEvent {
    let event = SseEvent::default().id(e.id.to_string()).event(&e.kind);
    event
        .json_data(e)
        .unwrap_or_else(|_| SseEvent::default().id(e.id.to_string()))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream_events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_header(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(LAST_EVENT_ID, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn resume_point_prefers_the_header_and_refuses_garbage() {
        assert_eq!(resume_point(&HeaderMap::new(), None).unwrap(), None);
        assert_eq!(resume_point(&HeaderMap::new(), Some(4)).unwrap(), Some(4));
        assert_eq!(resume_point(&with_header(" 7 "), Some(4)).unwrap(), Some(7));
        for bad in ["x", "-1", "1.5", "99999999999999999999"] {
            let err = resume_point(&with_header(bad), None).unwrap_err();
            assert_eq!(err.code, "invalid_last_event_id", "{bad}");
        }
        assert!(resume_point(&HeaderMap::new(), Some(-3)).is_err());
    }
}
