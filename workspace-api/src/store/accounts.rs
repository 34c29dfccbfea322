//! Accounts, sign-in, browser sessions and personal API tokens.
//!
//! Sign-in: a login that is locked (too many failures) is refused before any password work;
//! otherwise the password is verified against the account's hash, or against a dummy hash
//! when no account has that login, so both failures cost the same and answer the same.
//! Failures count per login text (existing or not) in `login_throttle`; from the fifth
//! consecutive one the login is locked for 30 s, doubling up to 15 min. Every outcome is
//! audited, in the transaction that records it.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{CredentialProblem, Entity, Store, StoreError, Tx, audit, audit_as, now_ms, unique_as};
use crate::auth::{
    Account, AccountId, Credential, IssuedToken, NewSession, Principal, Role, RoleName, Scopes,
    SessionId, TokenId, TokenInfo, new_secret, normalise_login, secret_hash,
};
use crate::extract::Actor;
use crate::model::{AgencyId, EmployeeId};

pub(super) const ACCOUNT_COLUMNS: &str = "id, login, display_name, role, agency_id, employee_id, created_ms, password_hash, disabled_ms, version";
const TOKEN_COLUMNS: &str = "id, name, scopes, created_ms, expires_ms, revoked_ms";
/// Failures allowed before the first lock.
const FREE_FAILURES: i64 = 5;
const FIRST_LOCK_MS: i64 = 30_000;
const MAX_LOCK_MS: i64 = 15 * 60_000;

/// A validated account to create (see `routes::auth` for the checks).
#[derive(Debug, Clone)]
pub struct AccountSpec {
    pub login: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
    pub employee_id: Option<EmployeeId>,
}

/// How a request presented itself.
#[derive(Debug, Clone, Copy)]
pub enum Presented<'a> {
    SessionCookie(&'a str),
    BearerToken(&'a str),
}

pub(super) fn role_from(name: &str, agency: Option<AgencyId>) -> Role {
    match (name, agency) {
        ("system_admin", _) => Role::SystemAdmin,
        ("agency_admin", Some(a)) => Role::AgencyAdmin(a),
        // Unknown names fail closed to the least role.
        _ => Role::Member,
    }
}

pub(super) fn account_from_row(row: &AnyRow) -> Result<Account, sqlx::Error> {
    let agency_id = row.try_get::<Option<i64>, _>("agency_id")?.map(AgencyId);
    Ok(Account {
        id: AccountId(row.try_get("id")?),
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role: role_from(&row.try_get::<String, _>("role")?, agency_id),
        agency_id,
        employee_id: row
            .try_get::<Option<i64>, _>("employee_id")?
            .map(EmployeeId),
        created_ms: row.try_get("created_ms")?,
        disabled_ms: row.try_get("disabled_ms")?,
        version: row.try_get("version")?,
    })
}

fn token_from_row(row: &AnyRow) -> Result<TokenInfo, sqlx::Error> {
    Ok(TokenInfo {
        id: TokenId(row.try_get("id")?),
        name: row.try_get("name")?,
        scopes: Scopes::parse_stored(&row.try_get::<String, _>("scopes")?),
        created_ms: row.try_get("created_ms")?,
        expires_ms: row.try_get("expires_ms")?,
        revoked_ms: row.try_get("revoked_ms")?,
    })
}

fn lock_ms(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = (failures - FREE_FAILURES).min(10) as u32;
    (FIRST_LOCK_MS << doublings).min(MAX_LOCK_MS)
}

impl Store {
    /// How many accounts exist (the binary bootstraps an admin when there are none).
    pub async fn account_count(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM accounts")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn get_account(&self, id: AccountId) -> Result<Account, StoreError> {
        self.account_where("id = $1", id.0).await
    }

    /// The account a condition on `$1` selects; `NotFound` when none does. `condition` is
    /// SQL text of ours, never input.
    pub(super) async fn account_where(
        &self,
        condition: &'static str,
        value: i64,
    ) -> Result<Account, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE {condition}");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(value)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref()
            .map(account_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound(Entity::Account))
    }

    /// Creates an account; the password is hashed here, never stored as given.
    pub async fn create_account(
        &self,
        actor: &Actor,
        spec: &AccountSpec,
    ) -> Result<Account, StoreError> {
        let hash = self
            .passwords()
            .hash(spec.password.clone())
            .await
            .map_err(StoreError::Password)?;
        let mut tx = self.begin().await?;
        check_account_refs(&mut tx, spec.agency_id, spec.employee_id, None).await?;
        let sql = format!(
            "INSERT INTO accounts (login, display_name, password_hash, role, agency_id, employee_id, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ACCOUNT_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(&spec.login)
            .bind(&spec.display_name)
            .bind(&hash)
            .bind(spec.role.as_str())
            .bind(spec.agency_id.map(|a| a.0))
            .bind(spec.employee_id.map(|e| e.0))
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await
            .map_err(unique_as("login"))?;
        let account = account_from_row(&row)?;
        let detail = json!({"login": account.login, "role": account.role.as_str(),
            "agency_id": account.agency_id, "employee_id": account.employee_id});
        audit(
            &mut tx,
            actor,
            account.agency_id,
            "create",
            Entity::Account,
            account.id.0,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(account)
    }

    /// Signs in with a login and password; see the module docs for the rules.
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        session_ttl_ms: i64,
    ) -> Result<NewSession, StoreError> {
        let login = normalise_login(login);
        let key = login.clone().unwrap_or_default();
        if let Some(secs) = self.locked_for(&key).await? {
            let mut tx = self.begin().await?;
            let detail = json!({"login": key, "reason": "locked"});
            audit_as(
                &mut tx,
                "anonymous",
                None,
                "login_failed",
                Entity::Account,
                0,
                detail,
            )
            .await?;
            tx.commit().await?;
            return Err(StoreError::LoginThrottled(secs));
        }
        let found = match &login {
            Some(l) => self.account_with_hash(l).await?,
            None => None,
        };
        let stored = found.as_ref().map(|(_, h)| h.clone());
        let ok = self.passwords().verify(stored, password.to_owned()).await;
        match found {
            Some((account, _)) if ok => {
                self.open_session(account, &key, session_ttl_ms, None).await
            }
            found => {
                let account = found.map(|(a, _)| a);
                self.record_failure(&key, account.as_ref()).await?;
                Err(StoreError::InvalidCredentials)
            }
        }
    }

    pub(super) async fn locked_for(&self, login: &str) -> Result<Option<u64>, StoreError> {
        let row = sqlx::query("SELECT locked_until_ms FROM login_throttle WHERE login = $1")
            .bind(login)
            .fetch_optional(self.pool())
            .await?;
        let until: i64 = match row {
            Some(r) => r.try_get("locked_until_ms")?,
            None => return Ok(None),
        };
        let left = until - now_ms();
        Ok((left > 0).then(|| (left as u64).div_ceil(1000)))
    }

    /// An enabled account with that (normalised) login, and its password hash.
    pub(super) async fn account_with_hash(
        &self,
        login: &str,
    ) -> Result<Option<(Account, String)>, StoreError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = $1 AND disabled_ms IS NULL"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(login)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some((
            account_from_row(&row)?,
            row.try_get("password_hash")?,
        )))
    }

    pub(super) async fn record_failure(
        &self,
        login: &str,
        account: Option<&Account>,
    ) -> Result<(), StoreError> {
        let account_id = account.map_or(0, |a| a.id.0);
        let agency = account.and_then(|a| a.agency_id);
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO login_throttle (login, failures, locked_until_ms) VALUES ($1, 1, 0) \
             ON CONFLICT (login) DO UPDATE SET failures = login_throttle.failures + 1 \
             RETURNING failures",
        )
        .bind(login)
        .fetch_one(&mut *tx)
        .await?;
        let failures: i64 = row.try_get("failures")?;
        let lock = lock_ms(failures);
        if lock > 0 {
            tracing::warn!(
                failures,
                lock_ms = lock,
                "sign-in locked after repeated failures"
            );
            sqlx::query("UPDATE login_throttle SET locked_until_ms = $1 WHERE login = $2")
                .bind(now_ms() + lock)
                .bind(login)
                .execute(&mut *tx)
                .await?;
        }
        let reason = if account_id == 0 {
            "unknown_login"
        } else {
            "wrong_password"
        };
        let detail = json!({"login": login, "reason": reason, "failures": failures});
        audit_as(
            &mut tx,
            "anonymous",
            agency,
            "login_failed",
            Entity::Account,
            account_id,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a session for a signed-in account; `provider` names the OpenID Connect
    /// provider that vouched for it (none for a password sign-in).
    pub(super) async fn open_session(
        &self,
        account: Account,
        login: &str,
        ttl_ms: i64,
        provider: Option<&str>,
    ) -> Result<NewSession, StoreError> {
        let secret = new_secret();
        let now = now_ms();
        let expires_ms = now.saturating_add(ttl_ms);
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_throttle WHERE login = $1")
            .bind(login)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "INSERT INTO sessions (account_id, secret_hash, created_ms, expires_ms) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(account.id.0)
        .bind(secret_hash(&secret))
        .bind(now)
        .bind(expires_ms)
        .fetch_one(&mut *tx)
        .await?;
        let session: i64 = row.try_get("id")?;
        let actor = format!("account:{}", account.id);
        let mut detail = json!({"session_id": session});
        if let Some(p) = provider {
            detail["provider"] = json!(p);
        }
        audit_as(
            &mut tx,
            &actor,
            account.agency_id,
            "login",
            Entity::Account,
            account.id.0,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(NewSession {
            account,
            secret,
            expires_ms,
        })
    }

    /// The principal a session cookie or bearer token stands for.
    pub async fn authenticate(&self, presented: Presented<'_>) -> Result<Principal, StoreError> {
        let (table, scopes, secret) = match presented {
            Presented::SessionCookie(s) => ("sessions", "''", s),
            Presented::BearerToken(s) => ("api_tokens", "c.scopes", s),
        };
        let sql = format!(
            "SELECT c.id AS cred_id, c.expires_ms, c.revoked_ms, {scopes} AS scopes, \
             a.id AS account_id, a.login, a.role, a.agency_id, a.employee_id, a.disabled_ms \
             FROM {table} c JOIN accounts a ON a.id = c.account_id WHERE c.secret_hash = $1"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(secret_hash(secret))
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Err(StoreError::Credential(CredentialProblem::Unknown));
        };
        let revoked: Option<i64> = row.try_get("revoked_ms")?;
        let disabled: Option<i64> = row.try_get("disabled_ms")?;
        let expired = row.try_get::<i64, _>("expires_ms")? <= now_ms();
        let cred_id: i64 = row.try_get("cred_id")?;
        let (credential, problem) = match presented {
            Presented::SessionCookie(_) => {
                let problem = if revoked.is_some() || disabled.is_some() {
                    Some(CredentialProblem::Unknown)
                } else {
                    expired.then_some(CredentialProblem::SessionExpired)
                };
                (Credential::Session(SessionId(cred_id)), problem)
            }
            Presented::BearerToken(_) => {
                let problem = if disabled.is_some() {
                    Some(CredentialProblem::Unknown)
                } else if revoked.is_some() {
                    Some(CredentialProblem::TokenRevoked)
                } else {
                    expired.then_some(CredentialProblem::TokenExpired)
                };
                let scopes = Scopes::parse_stored(&row.try_get::<String, _>("scopes")?);
                (Credential::Token(TokenId(cred_id), scopes), problem)
            }
        };
        if let Some(p) = problem {
            return Err(StoreError::Credential(p));
        }
        let agency = row.try_get::<Option<i64>, _>("agency_id")?.map(AgencyId);
        Ok(Principal {
            account: AccountId(row.try_get("account_id")?),
            login: row.try_get("login")?,
            role: role_from(&row.try_get::<String, _>("role")?, agency),
            agency,
            employee: row
                .try_get::<Option<i64>, _>("employee_id")?
                .map(EmployeeId),
            credential,
        })
    }

    /// Ends a session (sign-out). Revoking twice is harmless and audited once.
    pub async fn logout(&self, actor: &Actor, session: SessionId) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let done =
            sqlx::query("UPDATE sessions SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
                .bind(now_ms())
                .bind(session.0)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() > 0 {
            let detail = json!({"session_id": session.0});
            let account = actor.principal().map_or(0, |p| p.account.0);
            audit(
                &mut tx,
                actor,
                None,
                "logout",
                Entity::Account,
                account,
                detail,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Issues a personal API token for `owner`; the secret is returned once, never stored.
    pub async fn create_token(
        &self,
        actor: &Actor,
        owner: AccountId,
        name: &str,
        scopes: Scopes,
        expires_ms: i64,
    ) -> Result<IssuedToken, StoreError> {
        let secret = format!("{}{}", crate::auth::TOKEN_PREFIX, new_secret());
        let mut tx = self.begin().await?;
        let sql = format!(
            "INSERT INTO api_tokens (account_id, name, secret_hash, scopes, created_ms, expires_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TOKEN_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(owner.0)
            .bind(name)
            .bind(secret_hash(&secret))
            .bind(scopes.to_stored())
            .bind(now_ms())
            .bind(expires_ms)
            .fetch_one(&mut *tx)
            .await?;
        let info = token_from_row(&row)?;
        let detail = json!({"account_id": owner, "name": name, "scopes": info.scopes,
            "expires_ms": expires_ms});
        audit(
            &mut tx,
            actor,
            None,
            "create",
            Entity::ApiToken,
            info.id.0,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedToken {
            info,
            token: secret,
        })
    }

    /// An account's tokens, newest first (revoked and expired ones included).
    pub async fn list_tokens(&self, owner: AccountId) -> Result<Vec<TokenInfo>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY id DESC LIMIT 1000"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(owner.0)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(token_from_row).collect::<Result<_, _>>()?)
    }

    /// Revokes one of `owner`'s tokens; another account's token is `NotFound`, not a hint
    /// that it exists.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        owner: AccountId,
        id: TokenId,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let row =
            sqlx::query("SELECT revoked_ms FROM api_tokens WHERE id = $1 AND account_id = $2")
                .bind(id.0)
                .bind(owner.0)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(Entity::ApiToken));
        };
        if row.try_get::<Option<i64>, _>("revoked_ms")?.is_none() {
            sqlx::query("UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2")
                .bind(now_ms())
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            audit(
                &mut tx,
                actor,
                None,
                "revoke",
                Entity::ApiToken,
                id.0,
                json!({"account_id": owner}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The agency and employee an account names must exist; an employee has one account
/// (`except`: the account being changed, which may keep its own employee).
pub(super) async fn check_account_refs(
    tx: &mut Tx,
    agency_id: Option<AgencyId>,
    employee_id: Option<EmployeeId>,
    except: Option<AccountId>,
) -> Result<(), StoreError> {
    if let Some(a) = agency_id {
        let found = sqlx::query("SELECT id FROM agencies WHERE id = $1")
            .bind(a.0)
            .fetch_optional(&mut **tx)
            .await?;
        if found.is_none() {
            return Err(StoreError::UnknownReference(Entity::Agency, "agency_id"));
        }
    }
    if let Some(e) = employee_id {
        let row = sqlx::query("SELECT agency_id FROM employees WHERE id = $1")
            .bind(e.0)
            .fetch_optional(&mut **tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::UnknownReference(
                Entity::Employee,
                "employee_id",
            ));
        };
        let agency: i64 = row.try_get("agency_id")?;
        if agency_id.is_some_and(|a| a.0 != agency) {
            return Err(StoreError::CrossAgency("employee_id"));
        }
        let taken = sqlx::query("SELECT id FROM accounts WHERE employee_id = $1 AND id <> $2")
            .bind(e.0)
            .bind(except.map_or(0, |a| a.0))
            .fetch_optional(&mut **tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Duplicate("employee_id"));
        }
    }
    Ok(())
}

/// Creates the first system administrator (the binary's bootstrap and the tests use it).
/// A taken login is `Duplicate("login")`; call [`Store::account_count`] first to bootstrap
/// only an empty installation.
pub async fn bootstrap_admin(
    store: &Store,
    login: &str,
    password: &str,
) -> Result<Account, StoreError> {
    let login = normalise_login(login).ok_or(StoreError::InvalidInput("login"))?;
    if password.chars().count() < crate::auth::MIN_PASSWORD_CHARS {
        return Err(StoreError::InvalidInput("password"));
    }
    let spec = AccountSpec {
        login,
        password: password.to_owned(),
        display_name: "System administrator".into(),
        role: Role::SystemAdmin,
        agency_id: None,
        employee_id: None,
    };
    store.create_account(&Actor::System, &spec).await
}

/// Keeps `RoleName` → `Role` in one place for the routes.
pub(crate) fn role_of(name: RoleName, agency: Option<AgencyId>) -> Option<Role> {
    match name {
        RoleName::SystemAdmin => Some(Role::SystemAdmin),
        RoleName::AgencyAdmin => agency.map(Role::AgencyAdmin),
        RoleName::Member => Some(Role::Member),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_grows_then_caps() {
        assert_eq!(lock_ms(4), 0);
        assert_eq!(lock_ms(5), 30_000);
        assert_eq!(lock_ms(6), 60_000);
        assert_eq!(lock_ms(50), MAX_LOCK_MS);
    }

    #[test]
    fn unknown_roles_fail_closed() {
        assert_eq!(role_from("root", Some(AgencyId(1))), Role::Member);
        assert_eq!(role_from("agency_admin", None), Role::Member);
    }
}
