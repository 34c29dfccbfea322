//! A small OpenID Connect provider for the tests, served by axum on 127.0.0.1:0: discovery,
//! JWKS, an authorization endpoint that approves the configured user at once (302 back with
//! a code) and a token endpoint that checks client authentication, the redirect URI, PKCE
//! and single use of codes, then signs an ES256 ID token with a P-256 key made at start.
//!
//! [`Knobs`] bend what it answers so the tests can produce each failure: another audience,
//! another nonce, an expired token, a signature by a key not in its JWKS, or being down.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "govhub-test";
pub const CLIENT_SECRET: &str = "test-secret:with/odd chars";
const KID: &str = "k1";

/// What the provider answers; tests change it between steps.
#[derive(Debug, Clone)]
pub struct Knobs {
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// Replaces `aud`.
    pub audience: Option<String>,
    /// Replaces the nonce the client sent.
    pub nonce: Option<String>,
    /// `exp` is now plus this.
    pub exp_in_secs: i64,
    /// Sign with a key the JWKS does not hold (same key id).
    pub sign_with_stranger: bool,
    /// Every endpoint answers 503.
    pub down: bool,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            sub: "user-1".into(),
            email: Some("kim@mois.go.kr".into()),
            email_verified: true,
            name: Some("김민수".into()),
            audience: None,
            nonce: None,
            exp_in_secs: 300,
            sign_with_stranger: false,
            down: false,
        }
    }
}

struct Grant {
    redirect_uri: String,
    nonce: String,
    challenge: String,
    used: bool,
}

struct Inner {
    issuer: String,
    key: EncodingKey,
    stranger: EncodingKey,
    jwk: Value,
    codes: Mutex<HashMap<String, Grant>>,
    knobs: Arc<Mutex<Knobs>>,
}

/// A running test provider; stops when dropped.
pub struct TestIdp {
    pub issuer: String,
    pub knobs: Arc<Mutex<Knobs>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn p256_key() -> (EncodingKey, Value) {
    let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).expect("P-256 key");
    let pkcs8 = pair.to_pkcs8v1().expect("pkcs8");
    // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
    let point = pair.public_key().as_ref().to_vec();
    let jwk = json!({"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": KID,
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])});
    (EncodingKey::from_ec_der(pkcs8.as_ref()), jwk)
}

impl TestIdp {
    pub async fn start() -> TestIdp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let (key, jwk) = p256_key();
        let (stranger, _) = p256_key();
        let knobs = Arc::new(Mutex::new(Knobs::default()));
        let inner = Arc::new(Inner {
            issuer: issuer.clone(),
            key,
            stranger,
            jwk,
            codes: Mutex::new(HashMap::new()),
            knobs: knobs.clone(),
        });
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(inner);
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        TestIdp {
            issuer,
            knobs,
            task,
        }
    }

    pub fn set(&self, f: impl FnOnce(&mut Knobs)) {
        f(&mut self.knobs.lock().unwrap());
    }
}

fn down(st: &Inner) -> Option<Response> {
    st.knobs
        .lock()
        .unwrap()
        .down
        .then(|| (StatusCode::SERVICE_UNAVAILABLE, "down").into_response())
}

async fn discovery(State(st): State<Arc<Inner>>) -> Response {
    if let Some(r) = down(&st) {
        return r;
    }
    let i = &st.issuer;
    Json(json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
    }))
    .into_response()
}

async fn jwks(State(st): State<Arc<Inner>>) -> Response {
    if let Some(r) = down(&st) {
        return r;
    }
    // An encryption key and a key of an unknown type must not spoil the set.
    Json(
        json!({"keys": [st.jwk, {"kty": "EC", "crv": "P-256", "use": "enc", "kid": "e1",
        "x": st.jwk["x"], "y": st.jwk["y"]}, {"kty": "weird", "kid": "w"}]}),
    )
    .into_response()
}

fn bad(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": error}))).into_response()
}

async fn authorize(
    State(st): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = |k: &str| q.get(k).cloned().unwrap_or_default();
    let scopes = p("scope");
    if p("client_id") != CLIENT_ID
        || p("response_type") != "code"
        || p("code_challenge_method") != "S256"
        || !scopes.split(' ').any(|s| s == "openid")
        || p("nonce").is_empty()
        || p("state").is_empty()
    {
        return bad("invalid_request");
    }
    let code = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let grant = Grant {
        redirect_uri: p("redirect_uri"),
        nonce: p("nonce"),
        challenge: p("code_challenge"),
        used: false,
    };
    st.codes.lock().unwrap().insert(code.clone(), grant);
    let mut back = url::Url::parse(&p("redirect_uri")).unwrap();
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &p("state"))
        .append_pair("iss", &st.issuer);
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

fn client_authenticated(headers: &HeaderMap) -> bool {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", enc(CLIENT_ID), enc(CLIENT_SECRET)))
    );
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str())
}

async fn token(
    State(st): State<Arc<Inner>>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    if let Some(r) = down(&st) {
        return r;
    }
    if !client_authenticated(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let p = |k: &str| f.get(k).cloned().unwrap_or_default();
    let nonce = {
        let mut codes = st.codes.lock().unwrap();
        let Some(grant) = codes.get_mut(&p("code")) else {
            return bad("invalid_grant");
        };
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(p("code_verifier").as_bytes()));
        if grant.used || grant.redirect_uri != p("redirect_uri") || grant.challenge != challenge {
            return bad("invalid_grant");
        }
        grant.used = true;
        grant.nonce.clone()
    };
    let k = st.knobs.lock().unwrap().clone();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = json!({
        "iss": st.issuer, "sub": k.sub, "aud": k.audience.unwrap_or(CLIENT_ID.into()),
        "exp": now + k.exp_in_secs, "iat": now, "nonce": k.nonce.unwrap_or(nonce),
        "email": k.email, "email_verified": k.email_verified, "name": k.name,
    });
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(KID.into());
    let key = if k.sign_with_stranger {
        &st.stranger
    } else {
        &st.key
    };
    let id_token = jsonwebtoken::encode(&header, &claims, key).unwrap();
    Json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}))
        .into_response()
}
