//! Opening the workspace API for `serve`: the database (embedded SQLite unless a PostgreSQL URL
//! is given) and, on a hub with no accounts yet, the first administrator.

use anyhow::Context;
use axum::Router;
use tracing::warn;
use workspace_api::ApiConfig;

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
