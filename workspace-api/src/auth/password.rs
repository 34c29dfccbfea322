//! argon2id password hashes (PHC strings). Hashing is CPU- and memory-heavy by design, so
//! it runs on tokio's blocking pool, never on a request's async worker.
//!
//! A sign-in for a login that has no account verifies the password against a dummy hash
//! made with the same parameters, so both failures take about as long.

use std::sync::{Arc, OnceLock};

use argon2::password_hash::SaltString;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordVerifier, Version};

/// How expensive new hashes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordStrength {
    /// argon2id with 19 MiB, 2 passes, 1 lane (the OWASP baseline); for every deployment.
    Standard,
    /// The cheapest argon2id parameters, so test suites stay quick. Never in production.
    InsecureFastForTests,
}

/// Hashes and verifies passwords; shared by the store (cheap to clone behind an `Arc`).
#[derive(Debug)]
pub struct PasswordHasher {
    params: Params,
    dummy: OnceLock<String>,
}

impl PasswordHasher {
    pub fn new(strength: PasswordStrength) -> Arc<Self> {
        let params = match strength {
            PasswordStrength::Standard => Params::default(),
            PasswordStrength::InsecureFastForTests => {
                Params::new(Params::MIN_M_COST, Params::MIN_T_COST, 1, None)
                    .expect("argon2's minimum parameters are valid")
            }
        };
        Arc::new(Self {
            params,
            dummy: OnceLock::new(),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    fn hash_now(&self, password: &str) -> Result<String, argon2::password_hash::Error> {
        use argon2::PasswordHasher as _;
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())?;
        Ok(self
            .argon2()
            .hash_password(password.as_bytes(), &salt)?
            .to_string())
    }

    fn verify_now(&self, stored: Option<&str>, password: &str) -> bool {
        let dummy = || {
            self.dummy
                .get_or_init(|| self.hash_now("no such account").unwrap_or_default())
                .as_str()
        };
        let target = stored.unwrap_or_else(dummy);
        // The parameters come from the stored string, so old hashes keep verifying after
        // the defaults change.
        let ok = PasswordHash::new(target).is_ok_and(|h| {
            self.argon2()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        });
        ok && stored.is_some()
    }

    /// A new PHC string for `password`.
    pub async fn hash(self: &Arc<Self>, password: String) -> Result<String, String> {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || me.hash_now(&password).map_err(|e| e.to_string()))
            .await
            .map_err(|e| e.to_string())?
    }

    /// Whether `password` matches `stored`; with `None` (no such account) it does the same
    /// work against a dummy hash and answers `false`.
    pub async fn verify(self: &Arc<Self>, stored: Option<String>, password: String) -> bool {
        let me = Arc::clone(self);
        tokio::task::spawn_blocking(move || me.verify_now(stored.as_deref(), &password))
            .await
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ_by_salt() {
        let h = PasswordHasher::new(PasswordStrength::InsecureFastForTests);
        let a = h.hash("correct horse".into()).await.unwrap();
        let b = h.hash("correct horse".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(h.verify(Some(a.clone()), "correct horse".into()).await);
        assert!(!h.verify(Some(a), "wrong horse".into()).await);
        assert!(!h.verify(None, "no such account".into()).await);
        assert!(!h.verify(Some("garbage".into()), "x".into()).await);
    }
}
