//! Opening the workspace API for `serve`: the database (embedded SQLite unless a PostgreSQL URL
//! is given), the OpenID Connect providers of `--oidc-config`, the room tokens of meetings
//! (signed by signaling's [`TokenIssuer`], so the `/ws` join accepts them) and, on a hub with
//! no accounts yet, the first administrator and (unless `--demo false`) the demo, so a new
//! user can sign in at once.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use serde::Deserialize;
use sfu::RoomId;
use signaling::Signaling;
use signaling::input::{clean_display_name, validate_room_name};
use tracing::{info, warn};
use workspace_api::auth::oidc::{OidcProvider, check_providers};
use workspace_api::{ApiConfig, RoomTokenError, RoomTokenIssuer, Store};

use crate::config::{DataArgs, ServeArgs};

/// The first administrator's login on a new hub.
pub const ADMIN_LOGIN: &str = "admin";
/// The first administrator's password on a new demo hub, so a new user can sign in at once
/// (it is in the README and the log). Other hubs get a given or a random password.
pub const DEMO_ADMIN_PASSWORD: &str = "govhub-demo-admin";

/// The workspace database of a data directory (or `--database-url`).
pub fn api_config(data: &DataArgs) -> ApiConfig {
    match &data.database_url {
        Some(url) => ApiConfig::postgres(url.clone()),
        None => ApiConfig::sqlite_in(&data.data_dir),
    }
}

/// Room tokens for the workspace API, signed with the running hub's join-token secret.
pub struct HubRoomTokens(pub Arc<Signaling>);

impl std::fmt::Debug for HubRoomTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HubRoomTokens")
    }
}

impl RoomTokenIssuer for HubRoomTokens {
    fn issue(
        &self,
        room: &str,
        identity: &str,
        display_name: &str,
        ttl: Duration,
    ) -> Result<String, RoomTokenError> {
        validate_room_name(room).map_err(RoomTokenError)?;
        let name = clean_display_name(display_name);
        let token = self
            .0
            .issuer()
            .issue(&RoomId(room.to_owned()), name.as_deref(), ttl);
        info!(%room, %identity, "issued a room token");
        Ok(token)
    }
}

pub async fn open(
    args: &ServeArgs,
    https: bool,
    signaling: Arc<Signaling>,
) -> anyhow::Result<Router> {
    let mut config = api_config(&args.data);
    config.secure_cookies = https;
    if let Some(path) = &args.oidc_config {
        config.oidc = oidc_providers(path)?;
    }
    config.room_tokens = Some(Arc::new(HubRoomTokens(signaling)));
    let store = workspace_api::connect(&config)
        .await
        .context("opening the workspace database")?;
    let admin_password = args.admin_password.as_deref();
    if ensure_admin(&store, admin_password, args.demo).await? && args.demo {
        crate::seed_cmd::first_run_demo(&store).await;
    }
    Ok(workspace_api::router_with(store, &config))
}

/// Creates the first administrator on a hub without accounts; true when it did. The password
/// is the given one, else on a demo hub [`DEMO_ADMIN_PASSWORD`] (it is in the README), else a
/// random one printed once in the log.
pub async fn ensure_admin(store: &Store, given: Option<&str>, demo: bool) -> anyhow::Result<bool> {
    if store.account_count().await.context("counting accounts")? > 0 {
        return Ok(false);
    }
    let password = match given {
        Some(p) if p.chars().count() < workspace_api::auth::MIN_PASSWORD_CHARS => {
            bail!("--admin-password must have at least 10 characters")
        }
        Some(p) => p.to_owned(),
        None if demo => DEMO_ADMIN_PASSWORD.to_owned(),
        None => random_password(),
    };
    workspace_api::bootstrap_admin(store, ADMIN_LOGIN, &password)
        .await
        .context("creating the first administrator")?;
    if given.is_some() {
        warn!(
            login = ADMIN_LOGIN,
            "created the first administrator with the given password"
        );
    } else {
        warn!(login = ADMIN_LOGIN, %password, "created the first administrator; change this password");
    }
    Ok(true)
}

fn random_password() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `--oidc-config` file: `[[provider]]` tables, one per identity provider.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcFile {
    #[serde(default)]
    provider: Vec<OidcProvider>,
}

fn parse_oidc(text: &str) -> anyhow::Result<Vec<OidcProvider>> {
    let file: OidcFile = toml::from_str(text)?;
    check_providers(&file.provider).map_err(anyhow::Error::msg)?;
    Ok(file.provider)
}

/// Reads and checks the providers file; a bad file stops the hub at start, not at sign-in.
fn oidc_providers(path: &Path) -> anyhow::Result<Vec<OidcProvider>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading --oidc-config {}", path.display()))?;
    parse_oidc(&text).with_context(|| format!("in --oidc-config {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[[provider]]
id = "mois"
name_ko = "행정안전부 통합인증"
name_en = "MOIS single sign-on"
issuer = "https://sso.mois.go.kr"
client_id = "govhub"
client_secret = "s3cret"
redirect_base = "https://govhub.example.go.kr"
agency = "mois"
link_by_email = true
"#;

    #[test]
    fn oidc_file_parses_with_defaults_and_rejects_mistakes() {
        let p = parse_oidc(EXAMPLE).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].scopes, ["openid", "email", "profile"]);
        assert!(p[0].auto_provision && p[0].link_by_email);
        assert_eq!(
            p[0].redirect_uri(),
            "https://govhub.example.go.kr/api/v1/auth/oidc/mois/callback"
        );
        assert!(parse_oidc("").unwrap().is_empty());
        let typo = EXAMPLE.replace("link_by_email", "link_by_mail");
        assert!(parse_oidc(&typo).is_err());
        let plain = EXAMPLE.replace("https://sso", "http://sso");
        assert!(parse_oidc(&plain).is_err());
        let twice = format!("{EXAMPLE}{EXAMPLE}");
        assert!(parse_oidc(&twice).is_err());
    }
}
