//! Stored responses of `Idempotency-Key` requests (see `crate::idempotency`).

use sqlx::Row;

use super::{Store, StoreError, now_ms};
use crate::auth::AccountId;

/// How long a key is remembered.
pub const KEY_TTL_MS: i64 = 24 * 3600 * 1000;
/// A first request that has not finished after this long is taken as abandoned (the hub
/// stopped mid-request), so a retry may run it again rather than wait for ever.
pub const ABANDONED_MS: i64 = 60 * 1000;

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What a request carrying a key should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// First use: run the request, then [`Store::idempotency_finish`] or
    /// [`Store::idempotency_release`].
    Fresh,
    /// The same request already ran: answer this.
    Replay(StoredResponse),
    /// The first request with this key has not finished yet.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

impl Store {
    /// Claims `key` for `account`'s request with this fingerprint, or tells what it was used for.
    pub async fn idempotency_begin(
        &self,
        account: AccountId,
        key: &str,
        fingerprint: &str,
    ) -> Result<KeyState, StoreError> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE created_ms < $1 \
             OR (account_id = $2 AND key = $3 AND status IS NULL AND created_ms < $4)",
        )
        .bind(now - KEY_TTL_MS)
        .bind(account.0)
        .bind(key)
        .bind(now - ABANDONED_MS)
        .execute(&mut *tx)
        .await?;
        let claimed = sqlx::query(
            "INSERT INTO idempotency_keys (account_id, key, fingerprint, created_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, key) DO NOTHING",
        )
        .bind(account.0)
        .bind(key)
        .bind(fingerprint)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let state = if claimed {
            KeyState::Fresh
        } else {
            let row = sqlx::query(
                "SELECT fingerprint, status, headers, body FROM idempotency_keys \
                 WHERE account_id = $1 AND key = $2",
            )
            .bind(account.0)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
            let status: Option<i64> = row.try_get("status")?;
            let stored_fingerprint: String = row.try_get("fingerprint")?;
            match status {
                None => KeyState::InProgress,
                Some(_) if stored_fingerprint != fingerprint => KeyState::Mismatch,
                Some(status) => {
                    let headers: Option<String> = row.try_get("headers")?;
                    KeyState::Replay(StoredResponse {
                        status: u16::try_from(status).unwrap_or(200),
                        headers: headers
                            .and_then(|h| serde_json::from_str(&h).ok())
                            .unwrap_or_default(),
                        body: row
                            .try_get::<Option<String>, _>("body")?
                            .unwrap_or_default(),
                    })
                }
            }
        };
        tx.commit().await?;
        Ok(state)
    }

    /// Keeps the response of a claimed key for replay.
    pub async fn idempotency_finish(
        &self,
        account: AccountId,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let headers = serde_json::to_string(&response.headers).unwrap_or_default();
        sqlx::query(
            "UPDATE idempotency_keys SET status = $1, headers = $2, body = $3 \
             WHERE account_id = $4 AND key = $5",
        )
        .bind(i64::from(response.status))
        .bind(headers)
        .bind(&response.body)
        .bind(account.0)
        .bind(key)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forgets a claimed key whose request failed, so that a corrected retry may use it.
    pub async fn idempotency_release(
        &self,
        account: AccountId,
        key: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2")
            .bind(account.0)
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}
