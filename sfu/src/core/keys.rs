//! The SRTP keying material of each participant's DTLS handshake, for the forwarding fast
//! path (`fast`).
//!
//! str0m keeps its SRTP keys to itself, but its crypto is pluggable: every `Rtc` is built
//! with a [`CryptoProvider`], whose DTLS provider makes the DTLS instance of that `Rtc`.
//! The hub's provider wraps the default one; the instance it makes copies the keying
//! material (RFC 5764 §4.2) into the participant's [`KeySlot`] when the handshake exports
//! it, and otherwise passes everything through unchanged.
//!
//! The provider is shared by every `Rtc` (str0m takes `&'static` references), so the slot
//! reaches the instance through a thread-local that [`build_with_slot`] fills for the one
//! synchronous `RtcConfig::build` call that creates the instance.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use str0m::crypto::dtls::{
    DtlsCert, DtlsImplError, DtlsInstance, DtlsOutput, DtlsProvider, DtlsVersion, ProtocolVersion,
    SrtpProfile,
};
use str0m::crypto::{CryptoError, CryptoProvider};
use str0m::{Rtc, RtcConfig};

use crate::media::srtp;

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

/// Builds `config` with the hub's provider, so that the `Rtc`'s handshake fills `slot`.
pub(crate) fn build_with_slot(config: RtcConfig, slot: &KeySlot, now: Instant) -> Rtc {
    PENDING.with(|p| *p.borrow_mut() = Some(slot.clone()));
    let rtc = config.set_crypto_provider(provider()).build(now);
    // Not taken when str0m made no DTLS instance: never leave it for another Rtc.
    PENDING.with(|p| p.borrow_mut().take());
    rtc
}

/// The default provider with its DTLS wrapped (built once).
fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    static BASE: OnceLock<CryptoProvider> = OnceLock::new();
    static CAPTURING: OnceLock<Capturing> = OnceLock::new();
    PROVIDER
        .get_or_init(|| {
            let base = BASE.get_or_init(str0m::crypto::from_feature_flags);
            let dtls = CAPTURING.get_or_init(|| Capturing {
                inner: base.dtls_provider,
            });
            let mut p = base.clone();
            p.dtls_provider = dtls;
            Arc::new(p)
        })
        .clone()
}

#[derive(Debug)]
struct Capturing {
    inner: &'static dyn DtlsProvider,
}

impl DtlsProvider for Capturing {
    fn generate_certificate(&self) -> Option<DtlsCert> {
        self.inner.generate_certificate()
    }

    fn new_dtls(
        &self,
        cert: &DtlsCert,
        now: Instant,
        dtls_version: DtlsVersion,
        mtu: Option<usize>,
    ) -> Result<Box<dyn DtlsInstance>, CryptoError> {
        let inner = self.inner.new_dtls(cert, now, dtls_version, mtu)?;
        match PENDING.with(|p| p.borrow_mut().take()) {
            Some(slot) => Ok(Box::new(CapturingInstance { inner, slot })),
            None => Ok(inner),
        }
    }

    fn is_test(&self) -> bool {
        self.inner.is_test()
    }
}

struct CapturingInstance {
    inner: Box<dyn DtlsInstance>,
    slot: KeySlot,
}

impl std::fmt::Debug for CapturingInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapturingInstance")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl DtlsInstance for CapturingInstance {
    fn set_active(&mut self, active: bool) {
        self.inner.set_active(active);
    }

    fn handle_packet(&mut self, packet: &[u8]) -> Result<(), DtlsImplError> {
        self.inner.handle_packet(packet)
    }

    fn poll_output<'a>(&mut self, buf: &'a mut [u8]) -> DtlsOutput<'a> {
        let out = self.inner.poll_output(buf);
        if let DtlsOutput::KeyingMaterial(km, profile) = &out {
            let exported = Exported {
                profile: *profile,
                material: km.to_vec(),
                active: self.inner.is_active(),
            };
            if let Ok(mut slot) = self.slot.lock() {
                *slot = Some(exported);
            }
        }
        out
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), DtlsImplError> {
        self.inner.handle_timeout(now)
    }

    fn send_application_data(&mut self, data: &[u8]) -> Result<usize, DtlsImplError> {
        self.inner.send_application_data(data)
    }

    fn is_active(&self) -> bool {
        self.inner.is_active()
    }

    fn protocol_version(&self) -> Option<ProtocolVersion> {
        self.inner.protocol_version()
    }

    fn is_closing(&self) -> bool {
        self.inner.is_closing()
    }

    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    fn close(&mut self) -> Result<(), DtlsImplError> {
        self.inner.close()
    }
}
