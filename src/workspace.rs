//! Opening the workspace API for `serve`: the database (embedded SQLite unless a PostgreSQL URL
//! is given) and, on a hub with no accounts yet, the first administrator and (on a
//! development hub) the demo, so a new user can sign in at once.

use anyhow::Context;
use axum::Router;
use tracing::warn;
use workspace_api::{ApiConfig, Store};

use crate::config::{DataArgs, ServeArgs};

/// The first administrator's login on a new hub.
pub const ADMIN_LOGIN: &str = "admin";
/// On a development hub the first administrator gets this well-known password, so a new user
/// can sign in at once (it is in the README). Elsewhere the password is random and logged once.
pub const DEV_ADMIN_PASSWORD: &str = "govhub-demo-admin";

/// The workspace database of a data directory (or `--database-url`).
pub fn api_config(data: &DataArgs) -> ApiConfig {
    match &data.database_url {
        Some(url) => ApiConfig::postgres(url.clone()),
        None => ApiConfig::sqlite_in(&data.data_dir),
    }
}

pub async fn open(args: &ServeArgs, https: bool) -> anyhow::Result<Router> {
    let mut config = api_config(&args.data);
    config.secure_cookies = https;
    let store = workspace_api::connect(&config)
        .await
        .context("opening the workspace database")?;
    if ensure_admin(&store, args.dev_mode).await? && args.dev_mode {
        crate::seed_cmd::first_run_demo(&store).await;
    }
    Ok(workspace_api::router_with(store, &config))
}

/// Creates the first administrator on a hub without accounts; true when it did. A
/// development hub's administrator gets [`DEV_ADMIN_PASSWORD`], any other a random one,
/// logged once.
pub async fn ensure_admin(store: &Store, dev_mode: bool) -> anyhow::Result<bool> {
    if store.account_count().await.context("counting accounts")? > 0 {
        return Ok(false);
    }
    let password = if dev_mode {
        DEV_ADMIN_PASSWORD.to_owned()
    } else {
        random_password()
    };
    workspace_api::bootstrap_admin(store, ADMIN_LOGIN, &password)
        .await
        .context("creating the first administrator")?;
    warn!(login = ADMIN_LOGIN, %password, "created the first administrator; change this password");
    Ok(true)
}

fn random_password() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
