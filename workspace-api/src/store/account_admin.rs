//! Account administration: listing, changing, disabling accounts and setting passwords.
//!
//! Who may change which account is decided by the routes (`routes/accounts.rs`) on the
//! version the change is conditioned on; this file keeps the invariants that hold whoever
//! asks: references exist, an employee has one account, and at least one enabled system
//! administrator remains. That last check and the write run under one lock (an advisory
//! lock on PostgreSQL; SQLite's single writer otherwise), so two administrators demoting
//! each other at the same moment cannot both succeed.

use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use super::accounts::{ACCOUNT_COLUMNS, account_from_row, check_account_refs};
use super::{Backend, Entity, Store, StoreError, Tx, audit, now_ms};
use crate::auth::{Account, AccountId, Credential, Principal, Role, SessionId};
use crate::extract::Actor;
use crate::model::{AgencyId, EmployeeId};

/// Key of the advisory lock around changes that could remove the last system admin.
const ADMIN_LOCK_KEY: i64 = 0x676f_7668_6164;

/// Which accounts a listing covers.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    /// Only this agency's accounts (what an agency admin sees).
    pub agency: Option<AgencyId>,
    /// Part of the login or display name, any case.
    pub q: Option<String>,
}

/// The whole new state of an account after a validated, authorised PATCH.
#[derive(Debug, Clone)]
pub struct AccountUpdate {
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub employee_id: Option<EmployeeId>,
    pub disabled: bool,
}

/// `LIKE` pattern for "contains `q`", with the wildcards of `q` escaped.
fn contains_pattern(q: &str) -> String {
    let mut p = String::with_capacity(q.len() + 2);
    p.push('%');
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// The enabled account linked to a directory person: `NotFound(Employee)` when there is
    /// no such person, `NotFound(Account)` when they have no enabled account.
    pub async fn account_of_employee(&self, id: EmployeeId) -> Result<Account, StoreError> {
        self.get_employee(id).await?;
        self.account_where("employee_id = $1 AND disabled_ms IS NULL", id.0)
            .await
    }

    /// The principal of an enabled account, for the hub to act on its behalf (the demo seed
    /// writes memos, announcements and meetings as their authors). The store functions take
    /// it beside the [`Actor`] that is audited, as the meeting and booking ones always did,
    /// so such a write is audited as `system` but checked and attributed as the account.
    pub async fn principal_for(&self, id: AccountId) -> Result<Principal, StoreError> {
        let account = self.get_account(id).await?;
        if account.disabled_ms.is_some() {
            return Err(StoreError::NotFound(Entity::Account));
        }
        Ok(Principal {
            account: account.id,
            login: account.login,
            role: account.role,
            agency: account.agency_id,
            employee: account.employee_id,
            credential: Credential::OnBehalf,
        })
    }

    /// Accounts in id order after `after` (exclusive).
    pub async fn list_accounts(
        &self,
        filter: &AccountFilter,
        after: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<Account>, StoreError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id > $1 \
             AND ($2 < 0 OR agency_id = $2) \
             AND ($3 = '' OR LOWER(login) LIKE $3 ESCAPE '\\' OR LOWER(display_name) LIKE $3 ESCAPE '\\') \
             ORDER BY id LIMIT $4"
        );
        let pattern = filter
            .q
            .as_deref()
            .map(contains_pattern)
            .unwrap_or_default();
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after.map_or(0, |a| a.0))
            .bind(filter.agency.map_or(-1, |a| a.0))
            .bind(pattern)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(account_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Applies `new` to the account if it is still at `expected_version`. Disabling revokes
    /// every session and token of the account in the same transaction.
    pub async fn update_account(
        &self,
        actor: &Actor,
        id: AccountId,
        expected_version: i64,
        new: &AccountUpdate,
        detail: serde_json::Value,
    ) -> Result<Account, StoreError> {
        let mut tx = self.begin().await?;
        self.lock_admins(&mut tx).await?;
        let current = fetch_account(&mut tx, id).await?;
        if current.version != expected_version {
            return Err(StoreError::Stale);
        }
        check_account_refs(&mut tx, new.agency_id, new.employee_id, Some(id)).await?;
        let was_admin = current.role == Role::SystemAdmin && current.disabled_ms.is_none();
        if was_admin && (new.role != Role::SystemAdmin || new.disabled) {
            ensure_other_admin(&mut tx, id).await?;
        }
        let now = now_ms();
        let disabled_ms = new.disabled.then(|| current.disabled_ms.unwrap_or(now));
        let sql = format!(
            "UPDATE accounts SET display_name = $1, role = $2, agency_id = $3, employee_id = $4, \
             disabled_ms = $5, version = version + 1 WHERE id = $6 AND version = $7 \
             RETURNING {ACCOUNT_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(&new.display_name)
            .bind(new.role.as_str())
            .bind(new.agency_id.map(|a| a.0))
            .bind(new.employee_id.map(|e| e.0))
            .bind(disabled_ms)
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await?;
        let account = account_from_row(&row.ok_or(StoreError::Stale)?)?;
        let action = match (current.disabled_ms.is_some(), new.disabled) {
            (false, true) => {
                revoke_credentials(&mut tx, id, None, now).await?;
                "disable"
            }
            (true, false) => "enable",
            _ => "update",
        };
        let agency = account.agency_id.or(current.agency_id);
        audit(
            &mut tx,
            actor,
            agency,
            action,
            Entity::Account,
            id.0,
            detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(account)
    }

    /// Sets a new password chosen by an administrator and signs the account out everywhere
    /// (its API tokens stay: disabling is the tool for a compromised account).
    pub async fn reset_password(
        &self,
        actor: &Actor,
        id: AccountId,
        new_password: String,
    ) -> Result<(), StoreError> {
        let account = self.get_account(id).await?;
        self.set_password(actor, &account, new_password, None, "password_reset")
            .await
    }

    /// The signed-in user's own change: the current password must match (failures count
    /// towards the sign-in lock like a failed sign-in); every other session ends.
    pub async fn change_own_password(
        &self,
        who: &Principal,
        session: SessionId,
        current: String,
        new_password: String,
    ) -> Result<(), StoreError> {
        if let Some(secs) = self.locked_for(&who.login).await? {
            return Err(StoreError::LoginThrottled(secs));
        }
        let found = self.account_with_hash(&who.login).await?;
        let Some((account, hash)) = found.filter(|(a, _)| a.id == who.account) else {
            return Err(StoreError::NotFound(Entity::Account));
        };
        if !self.passwords().verify(Some(hash), current).await {
            self.record_failure(&who.login, Some(&account)).await?;
            return Err(StoreError::WrongPassword);
        }
        let actor = Actor::Account(who.clone());
        self.set_password(
            &actor,
            &account,
            new_password,
            Some(session),
            "password_change",
        )
        .await
    }

    async fn set_password(
        &self,
        actor: &Actor,
        account: &Account,
        new_password: String,
        keep: Option<SessionId>,
        action: &str,
    ) -> Result<(), StoreError> {
        let hash = self
            .passwords()
            .hash(new_password)
            .await
            .map_err(StoreError::Password)?;
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(account.id.0)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(Entity::Account));
        }
        let now = now_ms();
        let ended = revoke_sessions(&mut tx, account.id, keep, now).await?;
        sqlx::query("DELETE FROM login_throttle WHERE login = $1")
            .bind(&account.login)
            .execute(&mut *tx)
            .await?;
        let detail = json!({"sessions_ended": ended});
        audit(
            &mut tx,
            actor,
            account.agency_id,
            action,
            Entity::Account,
            account.id.0,
            detail,
        )
        .await?;
        self.commit(tx).await
    }

    /// Serialises the changes that could leave no system admin (see the module docs).
    async fn lock_admins(&self, tx: &mut Tx) -> Result<(), StoreError> {
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(ADMIN_LOCK_KEY)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

async fn fetch_account(tx: &mut Tx, id: AccountId) -> Result<Account, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref()
        .map(account_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound(Entity::Account))
}

async fn ensure_other_admin(tx: &mut Tx, id: AccountId) -> Result<(), StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM accounts WHERE role = 'system_admin' \
         AND disabled_ms IS NULL AND id <> $1",
    )
    .bind(id.0)
    .fetch_one(&mut **tx)
    .await?;
    let others: i64 = row.try_get("n")?;
    if others == 0 {
        return Err(StoreError::LastSystemAdmin);
    }
    Ok(())
}

/// Ends the account's sessions (but `keep`); answers how many ended.
async fn revoke_sessions(
    tx: &mut Tx,
    account: AccountId,
    keep: Option<SessionId>,
    now: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_ms = $1 WHERE account_id = $2 AND id <> $3 \
         AND revoked_ms IS NULL",
    )
    .bind(now)
    .bind(account.0)
    .bind(keep.map_or(0, |s| s.0))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}

/// Ends every session and API token of the account.
async fn revoke_credentials(
    tx: &mut Tx,
    account: AccountId,
    keep: Option<SessionId>,
    now: i64,
) -> Result<(), StoreError> {
    revoke_sessions(tx, account, keep, now).await?;
    sqlx::query(
        "UPDATE api_tokens SET revoked_ms = $1 WHERE account_id = $2 AND revoked_ms IS NULL",
    )
    .bind(now)
    .bind(account.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Kim"), "%kim%");
        assert_eq!(contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
