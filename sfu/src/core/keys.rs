//! The SRTP keying material of each participant's DTLS handshake, for the forwarding fast
//! path (`fast`).
//!
//! str0m keeps its SRTP keys to itself, but its crypto is pluggable: every `Rtc` is built
//! with a [`CryptoProvider`], whose DTLS provider makes the DTLS instance of that `Rtc`.
//! The hub's provider is the default one except for DTLS: it makes the same DTLS (dimpl,
//! configured as str0m's provider does) itself, which lets it
//! - copy the keying material (RFC 5764 §4.2) into the participant's [`KeySlot`] when the
//!   handshake exports it, and
//! - retransmit a handshake flight first after [`DTLS_FLIGHT_RTO`] instead of dimpl's 1 s.
//!   The hub is the DTLS client and sends its ClientHello the moment ICE connects on its
//!   side; over a 20 ms link the peer often drops that one (it arrives before the peer's own
//!   ICE has finished), and with 1 s to the retransmission most joins then took ~1 s longer
//!   (`govhub-load --impair`, docs/benchmarks.md). Later retransmissions still double.
//!
//! The provider is shared by every `Rtc` (str0m takes `&'static` references), so the slot
//! reaches the instance through a thread-local that [`build_with_slot`] fills for the one
//! synchronous `RtcConfig::build` call that creates the instance.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use str0m::crypto::dtls::{
    DtlsCert, DtlsImplError, DtlsInstance, DtlsOutput, DtlsProvider, DtlsVersion, ProtocolVersion,
    SrtpProfile,
};
use str0m::crypto::{CryptoError, CryptoProvider};
use str0m::{Rtc, RtcConfig};

use crate::media::srtp;

/// First retransmission of a DTLS handshake flight (dimpl's default is 1 s, RFC 6347
/// §4.2.4.1's suggestion); twice the hub's first STUN retransmission.
const DTLS_FLIGHT_RTO: Duration = Duration::from_millis(100);
/// Retransmissions per flight: with [`DTLS_FLIGHT_RTO`] doubling, a flight is given up
/// after ~51 s (dimpl's 4 from 1 s: 31 s), and dimpl's 40 s handshake limit comes first,
/// so a handshake still outlives the core's 30 s connect deadline.
const DTLS_FLIGHT_RETRIES: usize = 8;

/// What one handshake exported.
#[derive(Clone)]
pub(crate) struct Exported {
    pub profile: SrtpProfile,
    pub material: Vec<u8>,
    /// The hub was the DTLS client: it sends with the client's keys.
    pub active: bool,
}

impl std::fmt::Debug for Exported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key bytes.
        f.debug_struct("Exported")
            .field("profile", &self.profile)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl Exported {
    /// The profile as the fast path knows it; `None` for profiles it does not implement
    /// (the participant then stays on str0m's send path).
    pub fn fast_profile(&self) -> Option<srtp::SrtpProfile> {
        match self.profile {
            SrtpProfile::AES128_CM_SHA1_80 => Some(srtp::SrtpProfile::Aes128CmSha1_80),
            SrtpProfile::AEAD_AES_128_GCM => Some(srtp::SrtpProfile::AeadAes128Gcm),
            SrtpProfile::AEAD_AES_256_GCM => Some(srtp::SrtpProfile::AeadAes256Gcm),
            _ => None,
        }
    }
}

/// Filled once by the participant's DTLS instance when the handshake completes.
pub(crate) type KeySlot = Arc<Mutex<Option<Exported>>>;

thread_local! {
    /// The slot for the DTLS instance about to be created on this thread.
    static PENDING: RefCell<Option<KeySlot>> = const { RefCell::new(None) };
}

/// Builds `config` with the hub's provider, so that the `Rtc`'s handshake fills `slot`
/// (and retransmits its flights after [`DTLS_FLIGHT_RTO`]).
pub(crate) fn build_with_slot(config: RtcConfig, slot: &KeySlot, now: Instant) -> Rtc {
    PENDING.with(|p| *p.borrow_mut() = Some(slot.clone()));
    let rtc = config.set_crypto_provider(provider()).build(now);
    // Not taken when str0m made no DTLS instance: never leave it for another Rtc.
    PENDING.with(|p| p.borrow_mut().take());
    rtc
}

/// The default provider with the hub's DTLS (built once).
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    // str0m keeps `&'static` providers: the hub's DTLS lives in a static too.
    static HUB_DTLS: OnceLock<HubDtls> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            let mut p = str0m::crypto::from_feature_flags();
            p.dtls_provider = HUB_DTLS.get_or_init(|| HubDtls {
                base: p.dtls_provider,
            });
            Arc::new(p)
        })
        .clone()
}

/// Makes dimpl DTLS instances configured like str0m's aws-lc-rs provider does, with
/// [`DTLS_FLIGHT_RTO`]; certificates come from the default provider.
#[derive(Debug)]
struct HubDtls {
    base: &'static dyn DtlsProvider,
}

impl DtlsProvider for HubDtls {
    fn generate_certificate(&self) -> Option<DtlsCert> {
        self.base.generate_certificate()
    }

    fn new_dtls(
        &self,
        cert: &DtlsCert,
        now: Instant,
        dtls_version: DtlsVersion,
        mtu: Option<usize>,
    ) -> Result<Box<dyn DtlsInstance>, CryptoError> {
        // ICE has checked the peer's address before DTLS starts: no cookie exchange.
        let mut config = dimpl::Config::builder()
            .use_server_cookie(false)
            .flight_start_rto(DTLS_FLIGHT_RTO)
            .flight_retries(DTLS_FLIGHT_RETRIES);
        if let Some(mtu) = mtu {
            config = config.mtu(mtu);
        }
        let config = Arc::new(
            config
                .build()
                .map_err(|e| CryptoError::Other(format!("DTLS config: {e}")))?,
        );
        let cert = dimpl::DtlsCertificate {
            certificate: cert.certificate.clone(),
            private_key: cert.private_key.clone(),
        };
        let dtls = match dtls_version {
            DtlsVersion::Dtls12 => dimpl::Dtls::new_12(config, cert, now),
            DtlsVersion::Dtls13 => dimpl::Dtls::new_13(config, cert, now),
            DtlsVersion::Auto => dimpl::Dtls::new_auto(config, cert, now),
            other => {
                return Err(CryptoError::Other(format!(
                    "DTLS version {other} not supported"
                )));
            }
        };
        let slot = PENDING.with(|p| p.borrow_mut().take());
        Ok(Box::new(CapturingInstance { dtls, slot }))
    }
}

/// dimpl's DTLS, copying the exported keys into the participant's slot (if it has one).
struct CapturingInstance {
    dtls: dimpl::Dtls,
    slot: Option<KeySlot>,
}

impl std::fmt::Debug for CapturingInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapturingInstance").finish_non_exhaustive()
    }
}

impl DtlsInstance for CapturingInstance {
    fn set_active(&mut self, active: bool) {
        self.dtls.set_active(active);
    }

    fn handle_packet(&mut self, packet: &[u8]) -> Result<(), DtlsImplError> {
        self.dtls.handle_packet(packet)
    }

    fn poll_output<'a>(&mut self, buf: &'a mut [u8]) -> DtlsOutput<'a> {
        let out = self.dtls.poll_output(buf);
        if let (DtlsOutput::KeyingMaterial(km, profile), Some(slot)) = (&out, &self.slot) {
            let exported = Exported {
                profile: *profile,
                material: km.to_vec(),
                active: self.dtls.is_active(),
            };
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(exported);
            }
        }
        out
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), DtlsImplError> {
        self.dtls.handle_timeout(now)
    }

    fn send_application_data(&mut self, data: &[u8]) -> Result<usize, DtlsImplError> {
        self.dtls.send_application_data(data)
    }

    fn is_active(&self) -> bool {
        self.dtls.is_active()
    }

    fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.dtls.protocol_version()
    }

    fn is_closing(&self) -> bool {
        self.dtls.is_closing()
    }

    fn is_closed(&self) -> bool {
        self.dtls.is_closed()
    }

    fn close(&mut self) -> Result<(), DtlsImplError> {
        self.dtls.close()
    }
}
