//! HTTPS: browsers allow camera and microphone beyond loopback only on HTTPS, so the hub must
//! serve a given certificate, or one it makes itself for trials on a LAN.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use common::spawn_hub;
use rustls::pki_types::{CertificateDer, ServerName};

fn client_config() -> rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
}

/// A TLS client connection to `localhost` at `addr`, not yet handshaken.
fn connect(addr: &str, config: rustls::ClientConfig) -> (rustls::ClientConnection, TcpStream) {
    let name = ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    (conn, TcpStream::connect(addr).unwrap())
}

/// GET `/healthz` over TLS, trusting exactly `roots`; returns the response text.
fn get_healthz(addr: &str, roots: rustls::RootCertStore) -> String {
    let config = client_config()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let (mut conn, mut sock) = connect(addr, config);
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    write!(
        tls,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    // A peer closing without close_notify is fine for this check.
    let _ = tls.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Records the certificate a server presents and then refuses it, so a test can learn which
/// certificate a hub made for itself without trusting anything.
#[derive(Debug, Default)]
struct Capture(std::sync::Mutex<Option<CertificateDer<'static>>>);

impl rustls::client::danger::ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        *self.0.lock().unwrap() = Some(end_entity.clone().into_owned());
        Err(rustls::Error::General("captured".into()))
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("captured".into()))
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("captured".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn served_cert(addr: &str) -> CertificateDer<'static> {
    let capture = Arc::new(Capture::default());
    let config = client_config()
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    let (mut conn, mut sock) = connect(addr, config);
    while conn.complete_io(&mut sock).is_ok() && conn.is_handshaking() {}
    capture
        .0
        .lock()
        .unwrap()
        .take()
        .expect("the server sent a certificate")
}

#[test]
fn serves_a_given_certificate() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = std::env::temp_dir().join(format!("govhub-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let hub = spawn_hub(&[
        "--tls-cert",
        cert_path.to_str().unwrap(),
        "--tls-key",
        key_path.to_str().unwrap(),
    ]);
    assert!(hub.http.starts_with("https://"), "{}", hub.http);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).unwrap();
    let reply = get_healthz(hub.http.trim_start_matches("https://"), roots);
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.ends_with("ok"),
        "{reply}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn makes_a_self_signed_certificate_for_localhost() {
    let hub = spawn_hub(&["--tls-self-signed"]);
    assert!(hub.http.starts_with("https://"), "{}", hub.http);
    let addr = hub.http.trim_start_matches("https://");
    let mut roots = rustls::RootCertStore::empty();
    roots.add(served_cert(addr)).unwrap();
    // Verification against the served certificate succeeds only if it names `localhost`.
    let reply = get_healthz(addr, roots);
    assert!(
        reply.starts_with("HTTP/1.1 200") && reply.ends_with("ok"),
        "{reply}"
    );
}
