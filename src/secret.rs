//! The secret that signs join tokens: given, or made once and kept in the data directory so
//! `govhub token` on the same server signs tokens the running hub accepts.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};

use crate::config::DataArgs;

const SECRET_FILE: &str = "token-secret";

pub fn load_or_create(data: &DataArgs) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &data.token_secret {
        if secret.len() < 32 {
            bail!("GOVHUB_TOKEN_SECRET must be at least 32 characters");
        }
        return Ok(secret.as_bytes().to_vec());
    }
    fs::create_dir_all(&data.data_dir)
        .with_context(|| format!("creating data directory {}", data.data_dir.display()))?;
    let path = data.data_dir.join(SECRET_FILE);
    match fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => Ok(bytes),
        Ok(_) => bail!(
            "{} is shorter than 32 bytes; delete it to make a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn create(path: &Path) -> anyhow::Result<Vec<u8>> {
    let secret: [u8; 32] = rand::random();
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(hex.as_bytes())?;
    Ok(hex.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(dir: &Path, secret: Option<&str>) -> DataArgs {
        DataArgs {
            data_dir: dir.to_path_buf(),
            database_url: None,
            token_secret: secret.map(str::to_owned),
        }
    }

    #[test]
    fn made_once_then_reused() {
        let dir = std::env::temp_dir().join(format!("govhub-secret-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let first = load_or_create(&args(&dir, None)).unwrap();
        let second = load_or_create(&args(&dir, None)).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn short_given_secret_is_refused() {
        let dir = std::env::temp_dir();
        assert!(load_or_create(&args(&dir, Some("short"))).is_err());
        let long = "x".repeat(40);
        assert_eq!(
            load_or_create(&args(&dir, Some(&long))).unwrap(),
            long.as_bytes()
        );
    }
}
