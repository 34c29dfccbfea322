//! HTTPS: browsers give pages camera and microphone beyond loopback only over HTTPS. The hub
//! serves a given certificate, or makes a self-signed one for trials on a LAN.

use std::path::Path;

use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;

pub async fn from_files(cert: &Path, key: &Path) -> anyhow::Result<RustlsConfig> {
    RustlsConfig::from_pem_file(cert, key)
        .await
        .with_context(|| {
            format!(
                "loading TLS certificate {} and key {}",
                cert.display(),
                key.display()
            )
        })
}

/// A certificate for `localhost`, the loopback addresses and `extra` (the addresses the hub
/// is reached at), valid for a year; browsers will ask the user to accept it once.
pub async fn self_signed(extra: &[String]) -> anyhow::Result<RustlsConfig> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(extra.iter().cloned());
    let cert =
        rcgen::generate_simple_self_signed(names).context("making a self-signed certificate")?;
    RustlsConfig::from_pem(
        cert.cert.pem().into_bytes(),
        cert.signing_key.serialize_pem().into_bytes(),
    )
    .await
    .context("loading the self-signed certificate")
}
