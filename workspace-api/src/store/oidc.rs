//! OpenID Connect sign-in on the store side: flows in progress (`oidc_flows`) and the
//! identities linked to accounts (`oidc_links`).
//!
//! A verified identity (issuer + subject) signs in as the account it is linked to; on its
//! first sign-in it is linked by a verified e-mail when the provider allows that (to an
//! enabled, non-system-admin account of the provider's agency whose login or employee
//! e-mail it is, and only when exactly one matches), else it gets a new `member` account
//! when the provider auto-provisions, else it is refused. System admin accounts are never
//! reached by e-mail: a provider asserting an address must not be able to take over the hub.

use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use super::accounts::{ACCOUNT_COLUMNS, account_from_row};
use super::{Entity, Store, StoreError, Tx, audit_as, now_ms, unique_as};
use crate::auth::{Account, AccountId, NewSession, Role, normalise_login, secret_hash};
use crate::model::{AgencyId, EmployeeId};

/// No password hashes to this, so a provisioned account signs in only through its provider
/// until an administrator sets a password.
const NO_PASSWORD: &str = "!oidc";

/// A flow started by `/start`, as its callback finds it.
#[derive(Debug, Clone)]
pub struct OidcFlow {
    pub provider: String,
    pub browser_hash: String,
    pub nonce: String,
    pub code_verifier: String,
}

/// A verified identity and what its provider allows.
#[derive(Debug, Clone)]
pub struct OidcIdentity {
    pub provider: String,
    pub issuer: String,
    pub subject: String,
    pub verified_email: Option<String>,
    pub name: Option<String>,
    pub agency_code: Option<String>,
    pub link_by_email: bool,
    pub auto_provision: bool,
}

/// How an OpenID Connect sign-in ended on the store side.
#[derive(Debug)]
pub enum OidcOutcome {
    SignedIn(NewSession),
    NoAccount,
    Disabled(AccountId),
    UnknownAgency,
}

impl Store {
    /// Records a started flow (and drops expired ones).
    pub async fn save_oidc_flow(
        &self,
        state: &str,
        flow: &OidcFlow,
        ttl_ms: i64,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM oidc_flows WHERE expires_ms <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_flows (state_hash, browser_hash, provider, nonce, code_verifier, \
             created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(secret_hash(state))
        .bind(&flow.browser_hash)
        .bind(&flow.provider)
        .bind(&flow.nonce)
        .bind(&flow.code_verifier)
        .bind(now)
        .bind(now + ttl_ms)
        .execute(&mut *tx)
        .await?;
        self.commit(tx).await
    }

    /// Removes and answers the flow of `state`, if it exists and has not expired: a state
    /// works once, whatever happens next.
    pub async fn take_oidc_flow(&self, state: &str) -> Result<Option<OidcFlow>, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "DELETE FROM oidc_flows WHERE state_hash = $1 \
             RETURNING provider, browser_hash, nonce, code_verifier, expires_ms",
        )
        .bind(secret_hash(state))
        .fetch_optional(&mut *tx)
        .await?;
        self.commit(tx).await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<i64, _>("expires_ms")? <= now_ms() {
            return Ok(None);
        }
        Ok(Some(OidcFlow {
            provider: row.try_get("provider")?,
            browser_hash: row.try_get("browser_hash")?,
            nonce: row.try_get("nonce")?,
            code_verifier: row.try_get("code_verifier")?,
        }))
    }

    /// Signs a verified identity in (see the module docs for how it finds its account).
    pub async fn oidc_sign_in(
        &self,
        id: &OidcIdentity,
        session_ttl_ms: i64,
    ) -> Result<OidcOutcome, StoreError> {
        let mut tx = self.begin().await?;
        let account = match linked_account(&mut tx, id).await? {
            Some(a) => a,
            None => match self.first_sign_in(&mut tx, id).await? {
                Ok(a) => a,
                Err(outcome) => return Ok(outcome),
            },
        };
        if account.disabled_ms.is_some() {
            return Ok(OidcOutcome::Disabled(account.id));
        }
        self.commit(tx).await?;
        let login = account.login.clone();
        let session = self
            .open_session(account, &login, session_ttl_ms, Some(&id.provider))
            .await?;
        Ok(OidcOutcome::SignedIn(session))
    }

    /// Links by e-mail or provisions; `Err` carries the refusal.
    async fn first_sign_in(
        &self,
        tx: &mut Tx,
        id: &OidcIdentity,
    ) -> Result<Result<Account, OidcOutcome>, StoreError> {
        let agency = match &id.agency_code {
            None => None,
            Some(code) => match agency_by_code(tx, code).await? {
                Some(a) => Some(a),
                None => return Ok(Err(OidcOutcome::UnknownAgency)),
            },
        };
        if let (true, Some(email)) = (id.link_by_email, &id.verified_email) {
            let found = accounts_by_email(tx, email, agency).await?;
            match found.as_slice() {
                [one] => {
                    link(tx, id, one, "email").await?;
                    return Ok(Ok(one.clone()));
                }
                [] => {}
                _ => return Ok(Err(OidcOutcome::NoAccount)),
            }
        }
        if !id.auto_provision {
            return Ok(Err(OidcOutcome::NoAccount));
        }
        let account = provision(tx, id, agency).await?;
        link(tx, id, &account, "provisioned").await?;
        Ok(Ok(account))
    }

    /// Audits a refused OpenID Connect sign-in.
    pub async fn audit_oidc_failure(
        &self,
        provider: &str,
        reason: &str,
        account: Option<AccountId>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let detail = json!({"provider": provider, "reason": reason});
        let entity_id = account.map_or(0, |a| a.0);
        audit_as(
            &mut tx,
            "anonymous",
            None,
            "login_failed",
            Entity::Account,
            entity_id,
            detail,
        )
        .await?;
        self.commit(tx).await
    }
}

async fn linked_account(tx: &mut Tx, id: &OidcIdentity) -> Result<Option<Account>, StoreError> {
    let sql = format!(
        "SELECT {} FROM accounts a JOIN oidc_links l ON l.account_id = a.id \
         WHERE l.issuer = $1 AND l.subject = $2",
        prefixed_columns()
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(&id.issuer)
        .bind(&id.subject)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    sqlx::query("UPDATE oidc_links SET last_login_ms = $1 WHERE issuer = $2 AND subject = $3")
        .bind(now_ms())
        .bind(&id.issuer)
        .bind(&id.subject)
        .execute(&mut **tx)
        .await?;
    Ok(Some(account_from_row(&row)?))
}

fn prefixed_columns() -> String {
    ACCOUNT_COLUMNS
        .split(", ")
        .map(|c| format!("a.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn agency_by_code(tx: &mut Tx, code: &str) -> Result<Option<AgencyId>, StoreError> {
    let row = sqlx::query("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?.map(AgencyId))
}

/// Accounts an e-mail may link to: login or employee e-mail, not system admins, in `agency`
/// when the provider has one. Disabled accounts count, so that they are refused, not
/// shadowed by a fresh account.
async fn accounts_by_email(
    tx: &mut Tx,
    email: &str,
    agency: Option<AgencyId>,
) -> Result<Vec<Account>, StoreError> {
    let sql = format!(
        "SELECT {} FROM accounts a LEFT JOIN employees e ON e.id = a.employee_id \
         WHERE (a.login = $1 OR e.email = $1) AND a.role <> 'system_admin' \
         AND ($2 < 0 OR a.agency_id = $2) ORDER BY a.id LIMIT 2",
        prefixed_columns()
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(email)
        .bind(agency.map_or(-1, |a| a.0))
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows
        .iter()
        .map(account_from_row)
        .collect::<Result<_, _>>()?)
}

async fn link(
    tx: &mut Tx,
    id: &OidcIdentity,
    account: &Account,
    via: &str,
) -> Result<(), StoreError> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO oidc_links (issuer, subject, provider, account_id, email, created_ms, \
         last_login_ms) VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(&id.issuer)
    .bind(&id.subject)
    .bind(&id.provider)
    .bind(account.id.0)
    .bind(id.verified_email.as_deref())
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(unique_as("subject"))?;
    let detail = json!({"provider": id.provider, "issuer": id.issuer, "subject": id.subject,
        "via": via});
    let actor = format!("oidc:{}", id.provider);
    audit_as(
        tx,
        &actor,
        account.agency_id,
        "oidc_link",
        Entity::Account,
        account.id.0,
        detail,
    )
    .await
}

/// A login for a new account: the verified e-mail when free, else `<provider>:<subject>`
/// (hashed when the subject is no valid login).
async fn free_login(tx: &mut Tx, id: &OidcIdentity) -> Result<String, StoreError> {
    if let Some(email) = id.verified_email.as_deref().and_then(normalise_login) {
        let taken = sqlx::query("SELECT id FROM accounts WHERE login = $1")
            .bind(&email)
            .fetch_optional(&mut **tx)
            .await?;
        if taken.is_none() {
            return Ok(email);
        }
    }
    Ok(normalise_login(&format!("{}:{}", id.provider, id.subject))
        .filter(|l| l.len() <= 200)
        .unwrap_or_else(|| format!("{}:{}", id.provider, &secret_hash(&id.subject)[..32])))
}

async fn provision(
    tx: &mut Tx,
    id: &OidcIdentity,
    agency: Option<AgencyId>,
) -> Result<Account, StoreError> {
    let login = free_login(tx, id).await?;
    let employee = match (&id.verified_email, agency) {
        (Some(email), Some(a)) => free_employee(tx, email, a).await?,
        _ => None,
    };
    let name: String = id
        .name
        .as_deref()
        .unwrap_or("")
        .trim()
        .chars()
        .take(100)
        .collect();
    let sql = format!(
        "INSERT INTO accounts (login, display_name, password_hash, role, agency_id, employee_id, \
         created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ACCOUNT_COLUMNS}"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(&login)
        .bind(name.replace(char::is_control, ""))
        .bind(NO_PASSWORD)
        .bind(Role::Member.as_str())
        .bind(agency.map(|a| a.0))
        .bind(employee.map(|e| e.0))
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await
        .map_err(unique_as("login"))?;
    let account = account_from_row(&row)?;
    let detail = json!({"login": account.login, "role": "member", "agency_id": agency,
        "employee_id": employee, "provider": id.provider});
    let actor = format!("oidc:{}", id.provider);
    audit_as(
        tx,
        &actor,
        agency,
        "create",
        Entity::Account,
        account.id.0,
        detail,
    )
    .await?;
    Ok(account)
}

/// The agency's employee with this e-mail who has no account yet, if exactly one.
async fn free_employee(
    tx: &mut Tx,
    email: &str,
    agency: AgencyId,
) -> Result<Option<EmployeeId>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.id FROM employees e WHERE e.email = $1 AND e.agency_id = $2 \
         AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.employee_id = e.id) LIMIT 2",
    )
    .bind(email)
    .bind(agency.0)
    .fetch_all(&mut **tx)
    .await?;
    match rows.as_slice() {
        [one] => Ok(Some(EmployeeId(one.try_get("id")?))),
        _ => Ok(None),
    }
}
