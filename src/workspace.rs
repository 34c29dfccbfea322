//! Opening the workspace API for `serve`: the database (embedded SQLite unless a PostgreSQL URL
//! is given), the OpenID Connect providers of `--oidc-config` and, on a hub with no accounts
//! yet, the first administrator.

use std::path::Path;

use anyhow::Context;
use axum::Router;
use serde::Deserialize;
use tracing::warn;
use workspace_api::ApiConfig;
use workspace_api::auth::oidc::{OidcProvider, check_providers};

use crate::config::ServeArgs;

/// The first administrator's login on a new hub.
pub const ADMIN_LOGIN: &str = "admin";
/// On a development hub the first administrator gets this well-known password, so a new user
/// can sign in at once (it is in the README). Elsewhere the password is random and logged once.
pub const DEV_ADMIN_PASSWORD: &str = "govhub-demo-admin";

pub async fn open(args: &ServeArgs, https: bool) -> anyhow::Result<Router> {
    let mut config = match &args.data.database_url {
        Some(url) => ApiConfig::postgres(url.clone()),
        None => ApiConfig::sqlite_in(&args.data.data_dir),
    };
    config.secure_cookies = https;
    if let Some(path) = &args.oidc_config {
        config.oidc = oidc_providers(path)?;
    }
    let store = workspace_api::connect(&config)
        .await
        .context("opening the workspace database")?;
    if store.account_count().await.context("counting accounts")? == 0 {
        let password = if args.dev_mode {
            DEV_ADMIN_PASSWORD.to_owned()
        } else {
            random_password()
        };
        workspace_api::bootstrap_admin(&store, ADMIN_LOGIN, &password)
            .await
            .context("creating the first administrator")?;
        warn!(login = ADMIN_LOGIN, %password, "created the first administrator; change this password");
    }
    Ok(workspace_api::router_with(store, &config))
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
