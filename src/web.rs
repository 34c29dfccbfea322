//! The browser app: files of `web-client/` under `/app/`, the landing page at `/`, the meeting
//! page at `/m/<room>`, with a strict Content-Security-Policy and no caching surprises.
//!
//! Release builds embed the files; debug builds read them from disk so edits show on reload.

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "web-client/"]
struct Assets;

/// No inline script or style, media only from our own origin and local streams.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; media-src 'self' blob: mediastream:; \
    connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
    form-action 'self'";

pub fn router() -> Router {
    Router::new()
        .route("/", get(|| async { page("index.html") }))
        .route(
            "/m/{room}",
            get(|_room: Path<String>| async { page("meeting.html") }),
        )
        .route(
            "/app/{*path}",
            get(|Path(path): Path<String>| async move { asset(&path) }),
        )
        .route("/healthz", get(|| async { "ok" }))
}

fn page(name: &str) -> Response {
    let mut response = asset(name);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn asset(path: &str) -> Response {
    let Some(file) = Assets::get(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mime = file.metadata.mimetype().to_owned();
    let mut response = Response::new(Body::from(file.data.into_owned()));
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&mime) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), microphone=(self), display-capture=(self)"),
    );
    response
}
