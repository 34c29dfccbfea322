//! The axum routes: `GET /ws` (the signaling websocket) and, in development mode only,
//! `POST /api/v1/dev/tokens` (a join token for anyone). Errors are RFC 9457
//! `application/problem+json` with a stable `code`, like the rest of `/api/v1`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sfu::RoomId;
use tracing::info;

use crate::hub::Signaling;
use crate::input::{clean_display_name, validate_room_name};
use crate::session;

/// The signaling routes, ready to merge into the hub's router.
pub fn router(state: Arc<Signaling>) -> Router {
    Router::new()
        .route("/ws", get(websocket))
        .route("/api/v1/dev/tokens", post(dev_token))
        .with_state(state)
}

async fn websocket(State(hub): State<Arc<Signaling>>, upgrade: WebSocketUpgrade) -> Response {
    // The session refuses text over `max_frame_bytes` itself, after reading it, so that the
    // error frame reaches the client; the transport limit above it bounds what is buffered
    // and cuts off grosser abuse (then the error frame may be lost with the connection).
    let max = hub.config.max_frame_bytes.saturating_mul(2).max(1024);
    upgrade
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| session::run(hub, socket))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DevTokenRequest {
    room: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Serialize)]
struct DevTokenResponse {
    token: String,
    room: RoomId,
    name: Option<String>,
    /// Seconds.
    expires_in: u64,
}

async fn dev_token(State(hub): State<Arc<Signaling>>, body: Bytes) -> Response {
    if !hub.config.dev_mode {
        return problem(
            StatusCode::NOT_FOUND,
            "dev_mode_off",
            "development tokens are turned off",
        );
    }
    let req: DevTokenRequest = match serde_json::from_slice(&body) {
        Ok(req) => req,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("bad JSON body: {e}"),
            );
        }
    };
    if let Err(why) = validate_room_name(&req.room) {
        return problem(StatusCode::BAD_REQUEST, "invalid_room", &why);
    }
    let name = req.name.as_deref().and_then(clean_display_name);
    let room = RoomId(req.room);
    let ttl = hub.config.token_ttl;
    let token = hub.issuer.issue(&room, name.as_deref(), ttl);
    info!(%room, "issued a development join token");
    Json(DevTokenResponse {
        token,
        room,
        name,
        expires_in: ttl.as_secs(),
    })
    .into_response()
}

#[derive(Debug, Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    code: &'static str,
}

fn problem(status: StatusCode, code: &'static str, title: &str) -> Response {
    let body = Problem {
        kind: "about:blank",
        title,
        status: status.as_u16(),
        code,
    };
    let json = serde_json::to_vec(&body).expect("problem details always serialize");
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json,
    )
        .into_response()
}
