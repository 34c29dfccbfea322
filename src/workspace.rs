//! Opening the workspace API for `serve`: the database (embedded SQLite unless a PostgreSQL URL
//! is given), the room tokens of meetings (signed by signaling's [`TokenIssuer`], so the `/ws`
//! join accepts them) and, on a hub with no accounts yet, the first administrator.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use axum::Router;
use sfu::RoomId;
use signaling::Signaling;
use signaling::input::{clean_display_name, validate_room_name};
use tracing::{info, warn};
use workspace_api::{ApiConfig, RoomTokenError, RoomTokenIssuer};

use crate::config::ServeArgs;

/// The first administrator's login on a new hub.
pub const ADMIN_LOGIN: &str = "admin";

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
    let mut config = match &args.data.database_url {
        Some(url) => ApiConfig::postgres(url.clone()),
        None => ApiConfig::sqlite_in(&args.data.data_dir),
    };
    config.secure_cookies = https;
    config.room_tokens = Some(Arc::new(HubRoomTokens(signaling)));
    let store = workspace_api::connect(&config)
        .await
        .context("opening the workspace database")?;
    if store.account_count().await.context("counting accounts")? == 0 {
        let password = match &args.admin_password {
            Some(p) if p.chars().count() < workspace_api::auth::MIN_PASSWORD_CHARS => {
                bail!("--admin-password must have at least 10 characters")
            }
            Some(p) => p.clone(),
            None => random_password(),
        };
        workspace_api::bootstrap_admin(&store, ADMIN_LOGIN, &password)
            .await
            .context("creating the first administrator")?;
        if args.admin_password.is_some() {
            warn!(
                login = ADMIN_LOGIN,
                "created the first administrator with the given password"
            );
        } else {
            warn!(login = ADMIN_LOGIN, %password, "created the first administrator; change this password");
        }
    }
    Ok(workspace_api::router_with(store, &config))
}

fn random_password() -> String {
    let bytes: [u8; 12] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
