//! The browser app: files of `web-client/` under `/app/`, the landing page at `/`, the meeting
//! page at `/m/<room>`, the workspace app at `/app/` whose client-side routes (`/app/projects/5`)
//! all answer its `app.html`, with a strict Content-Security-Policy and no caching surprises.
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
        .route("/app", get(|| async { page(WORKSPACE_APP) }))
        .route("/app/", get(|| async { page(WORKSPACE_APP) }))
        .route(
            "/app/{*path}",
            get(|Path(path): Path<String>| async move { app_path(&path) }),
        )
        .route("/healthz", get(|| async { "ok" }))
}

/// The single page of the workspace app; its router draws the screen the path names.
const WORKSPACE_APP: &str = "app.html";

/// A file when one exists; otherwise a path without a file extension is a route of the
/// workspace app (so reloads and shared links work), and anything else is 404.
fn app_path(path: &str) -> Response {
    if Assets::get(path).is_some() {
        return asset(path);
    }
    if is_app_route(path) {
        return page(WORKSPACE_APP);
    }
    asset(path)
}

fn is_app_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !last.contains('.') && !path.starts_with("js/") && !path.starts_with("css/")
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

#[cfg(test)]
mod tests {
    use super::is_app_route;

    #[test]
    fn routes_without_extension_fall_back_to_the_app() {
        assert!(is_app_route("projects/5"));
        assert!(is_app_route("memos/new"));
        assert!(is_app_route("directory"));
        assert!(!is_app_route("js/ws/app.js"));
        assert!(!is_app_route("js/missing"));
        assert!(!is_app_route("favicon.svg"));
        assert!(!is_app_route("nope.png"));
    }
}
