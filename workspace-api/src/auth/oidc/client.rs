//! The hub's calls to identity providers: discovery, JWKS and the token endpoint.
//!
//! Discovery documents and key sets are cached per provider for an hour, so a sign-in costs
//! one call (the code exchange) when the provider is warm. A token signed with a key id the
//! cached set lacks refetches the set (at most every ten seconds), which follows a key
//! rotation without letting forged key ids hammer the provider. Every response is read up to
//! a size cap and every call has a timeout: a slow or broken provider costs a `502`, never a
//! stuck request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use super::id_token::{self, IdClaims};
use super::{OidcError, OidcProvider, TokenProblem, pkce_challenge};

const METADATA_TTL: Duration = Duration::from_secs(3600);
const JWKS_REFETCH_GAP: Duration = Duration::from_secs(10);
const MAX_RESPONSE_BYTES: usize = 512 * 1024;

/// The parts of the discovery document the flow uses.
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Vec<String>,
}

#[derive(Debug, Clone)]
struct Metadata {
    discovery: Arc<Discovery>,
    jwks: Arc<JwkSet>,
    fetched: Instant,
    jwks_fetched: Instant,
}

#[derive(Debug)]
struct Provider {
    config: OidcProvider,
    cache: Mutex<Option<Metadata>>,
}

/// The configured providers and the HTTP client that talks to them.
#[derive(Debug)]
pub struct Oidc {
    providers: Vec<Provider>,
    http: reqwest::Client,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenError {
    error: Option<String>,
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> OidcError {
    OidcError::Unavailable(format!("{what}: {e}"))
}

impl Oidc {
    /// The providers that pass [`OidcProvider::check`]; invalid ones are logged and left out
    /// (the binary refuses to start with them, so this only matters to library callers).
    pub fn new(providers: &[OidcProvider]) -> Oidc {
        let mut kept: Vec<Provider> = Vec::new();
        for p in providers {
            let dup = kept.iter().any(|k| k.config.id == p.id);
            match p.check() {
                Ok(()) if !dup => kept.push(Provider {
                    config: p.clone(),
                    cache: Mutex::new(None),
                }),
                Ok(()) => tracing::error!(id = %p.id, "OpenID Connect provider configured twice"),
                Err(e) => tracing::error!(error = %e, "OpenID Connect provider left out"),
            }
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("govhub/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Oidc {
            providers: kept,
            http,
        }
    }

    /// The providers in configuration order.
    pub fn providers(&self) -> impl Iterator<Item = &OidcProvider> {
        self.providers.iter().map(|p| &p.config)
    }

    fn find(&self, id: &str) -> Result<&Provider, OidcError> {
        self.providers
            .iter()
            .find(|p| p.config.id == id)
            .ok_or(OidcError::UnknownProvider)
    }

    pub fn provider(&self, id: &str) -> Result<&OidcProvider, OidcError> {
        self.find(id).map(|p| &p.config)
    }

    /// Where to send the browser to sign in at provider `id`.
    pub async fn authorization_url(
        &self,
        id: &str,
        state: &str,
        nonce: &str,
        verifier: &str,
    ) -> Result<String, OidcError> {
        let p = self.find(id)?;
        let meta = self.metadata(p, false).await?;
        let mut url = url::Url::parse(&meta.discovery.authorization_endpoint)
            .map_err(|e| unavailable("authorization_endpoint", e))?;
        let mut scopes = vec!["openid"];
        scopes.extend(
            p.config
                .scopes
                .iter()
                .map(String::as_str)
                .filter(|s| *s != "openid"),
        );
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &p.config.client_id)
            .append_pair("redirect_uri", &p.config.redirect_uri())
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &pkce_challenge(verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(url.into())
    }

    /// Exchanges an authorization code and returns the verified ID token's claims.
    pub async fn exchange(
        &self,
        id: &str,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<IdClaims, OidcError> {
        let p = self.find(id)?;
        let meta = self.metadata(p, false).await?;
        let id_token = self.redeem(p, &meta.discovery, code, verifier).await?;
        let cfg = &p.config;
        match id_token::verify(&id_token, &meta.jwks, &cfg.issuer, &cfg.client_id, nonce) {
            Err(TokenProblem::UnknownKey) if meta.jwks_fetched.elapsed() > JWKS_REFETCH_GAP => {
                let meta = self.metadata(p, true).await?;
                id_token::verify(&id_token, &meta.jwks, &cfg.issuer, &cfg.client_id, nonce)
                    .map_err(OidcError::Token)
            }
            other => other.map_err(OidcError::Token),
        }
    }

    /// POSTs the code to the token endpoint; answers the raw ID token.
    async fn redeem(
        &self,
        p: &Provider,
        discovery: &Discovery,
        code: &str,
        verifier: &str,
    ) -> Result<String, OidcError> {
        let cfg = &p.config;
        let redirect_uri = cfg.redirect_uri();
        let methods = &discovery.token_endpoint_auth_methods_supported;
        let post_only = !methods.is_empty()
            && !methods.iter().any(|m| m == "client_secret_basic")
            && methods.iter().any(|m| m == "client_secret_post");
        // The serializer is not `Send`, so the body is finished before any await.
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "authorization_code")
                .append_pair("code", code)
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair("code_verifier", verifier);
            if post_only {
                form.append_pair("client_id", &cfg.client_id)
                    .append_pair("client_secret", &cfg.client_secret.0);
            }
            form.finish()
        };
        let mut req = self.http.post(&discovery.token_endpoint);
        if !post_only {
            // RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            req = req.basic_auth(enc(&cfg.client_id), Some(enc(&cfg.client_secret.0)));
        }
        let res = req
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| unavailable("token endpoint", e))?;
        let status = res.status();
        let body = read_capped(res).await?;
        if status.is_client_error() {
            let error = serde_json::from_slice::<TokenError>(&body)
                .ok()
                .and_then(|e| e.error)
                .unwrap_or_default();
            return Err(match error.as_str() {
                "invalid_grant" => OidcError::CodeRejected,
                _ => OidcError::Misconfigured(format!("token endpoint answered {status} {error}")),
            });
        }
        if !status.is_success() {
            return Err(unavailable("token endpoint", status));
        }
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| unavailable("token response", e))?;
        parsed
            .id_token
            .ok_or(OidcError::Token(TokenProblem::Malformed))
    }

    /// The provider's discovery document and keys, from the cache while fresh.
    async fn metadata(&self, p: &Provider, refetch_keys: bool) -> Result<Metadata, OidcError> {
        let mut cache = p.cache.lock().await;
        match cache.as_mut() {
            Some(m) if m.fetched.elapsed() < METADATA_TTL && !refetch_keys => return Ok(m.clone()),
            Some(m) if m.fetched.elapsed() < METADATA_TTL => {
                m.jwks = Arc::new(self.jwks(&m.discovery.jwks_uri).await?);
                m.jwks_fetched = Instant::now();
                return Ok(m.clone());
            }
            _ => {}
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            p.config.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&url, "discovery").await?;
        if discovery.issuer != p.config.issuer {
            return Err(OidcError::Misconfigured(format!(
                "discovery names issuer {:?}, configured {:?}",
                discovery.issuer, p.config.issuer
            )));
        }
        let jwks = self.jwks(&discovery.jwks_uri).await?;
        let now = Instant::now();
        let meta = Metadata {
            discovery: Arc::new(discovery),
            jwks: Arc::new(jwks),
            fetched: now,
            jwks_fetched: now,
        };
        *cache = Some(meta.clone());
        Ok(meta)
    }

    /// The key set; keys this library cannot use (other types, encryption keys) are skipped
    /// rather than failing the whole set.
    async fn jwks(&self, url: &str) -> Result<JwkSet, OidcError> {
        #[derive(Deserialize)]
        struct RawSet {
            keys: Vec<serde_json::Value>,
        }
        let raw: RawSet = self.get_json(url, "jwks").await?;
        let keys = raw
            .keys
            .into_iter()
            .filter_map(|k| serde_json::from_value::<Jwk>(k).ok())
            .collect();
        Ok(JwkSet { keys })
    }

    async fn get_json<T: DeserializeOwned>(&self, url: &str, what: &str) -> Result<T, OidcError> {
        let res = self
            .http
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| unavailable(what, e))?;
        if !res.status().is_success() {
            return Err(unavailable(what, res.status()));
        }
        let body = read_capped(res).await?;
        serde_json::from_slice(&body).map_err(|e| unavailable(what, e))
    }
}

/// The body, refusing more than [`MAX_RESPONSE_BYTES`].
async fn read_capped(mut res: reqwest::Response) -> Result<Vec<u8>, OidcError> {
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| unavailable("response", e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(unavailable("response", "too large"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
