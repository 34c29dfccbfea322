//! SRTP for the forwarding fast path: protecting the RTP we send and unprotecting the
//! SRTCP we receive, keyed from DTLS-SRTP.
//!
//! Two protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2):
//! - [`SrtpProfile::Aes128CmSha1_80`]: AES-128 in counter mode with an HMAC-SHA1 tag
//!   truncated to 80 bits (RFC 3711).
//! - [`SrtpProfile::AeadAes128Gcm`]: AES-128-GCM with a 16-byte tag (RFC 7714).
//! - [`SrtpProfile::AeadAes256Gcm`]: the same with AES-256, whose keys come from the
//!   AES-256 counter-mode PRF (RFC 7714 §11, RFC 6188 §7). Chrome and str0m pick it when
//!   offered.
//!
//! Keys: the DTLS exporter yields `client key | server key | client salt | server salt`
//! (RFC 5764 §4.2); the side that was the DTLS client sends with the client half. Session
//! keys come from the AES-CM PRF of RFC 3711 §4.3 with a key derivation rate of 0, so they
//! are derived once, in [`from_keying_material`], and never again.
//!
//! Per packet: [`SrtpSender::protect_rtp`] encrypts in the caller's buffer and appends the
//! tag; [`SrtcpReceiver::unprotect_rtcp`] writes into a caller-owned buffer. Neither
//! allocates as long as the buffers have the capacity (reserve
//! [`SrtpProfile::rtp_overhead`] extra bytes for `protect_rtp`). Replay protection and
//! rollover-counter tracking are the caller's: the sender is handed the packet index, the
//! receiver checks authenticity only.
//!
//! No MKI (DTLS-SRTP does not use one), no header-extension encryption (RFC 6904), no
//! cryptex.

use aws_lc_rs::aead::{AES_128_GCM, AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{AES_128, AES_256, EncryptingKey, EncryptionContext, UnboundCipherKey};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::hmac;
use aws_lc_rs::iv::FixedLength;

/// Master and session cipher keys: AES-128 keys, except AES-256's in `AeadAes256Gcm`.
const KEY_LEN: usize = 16;
const KEY_LEN_256: usize = 32;
/// AES-CM salts, master and session (RFC 3711 §8.2: 112 bits).
const CM_SALT_LEN: usize = 14;
/// AES-GCM salts, master and session (RFC 7714 §12: 96 bits).
const GCM_SALT_LEN: usize = 12;
/// HMAC-SHA1 session authentication key (RFC 3711 §8.2: 160 bits).
const CM_AUTH_KEY_LEN: usize = 20;
/// HMAC-SHA1 truncated to 80 bits.
const CM_TAG_LEN: usize = 10;
/// AES-GCM tag (RFC 7714 §12: 16 octets).
const GCM_TAG_LEN: usize = 16;
/// Fixed RTP header up to and including the SSRC (RFC 3550 §5.1).
const RTP_MIN_HEADER_LEN: usize = 12;
/// First RTCP header up to and including the sender's SSRC, never encrypted.
const RTCP_HEADER_LEN: usize = 8;
/// The `E || SRTCP index` word that SRTCP appends (RFC 3711 §3.4).
const SRTCP_TRAILER_LEN: usize = 4;
/// The `E` bit of that word: the packet's body is encrypted.
const SRTCP_E_FLAG: u32 = 1 << 31;
/// The SRTP packet index is 48 bits (RFC 3711 §3.3.1).
const INDEX_MASK: u64 = (1 << 48) - 1;

/// Key derivation labels of RFC 3711 §4.3.1 (0–2 for SRTP); SRTCP's are these plus 3.
const LABEL_CIPHER: u8 = 0;
const LABEL_AUTH: u8 = 1;
const LABEL_SALT: u8 = 2;
const SRTP_LABELS: u8 = 0;
const SRTCP_LABELS: u8 = 3;

/// A DTLS-SRTP protection profile this module implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SrtpProfile {
    /// `SRTP_AES128_CM_HMAC_SHA1_80` (RFC 5764 §4.1.2).
    Aes128CmSha1_80,
    /// `SRTP_AEAD_AES_128_GCM` (RFC 7714 §14.2).
    AeadAes128Gcm,
    /// `SRTP_AEAD_AES_256_GCM` (RFC 7714 §14.2).
    AeadAes256Gcm,
}

impl SrtpProfile {
    /// Bytes of DTLS-SRTP keying material this profile needs (two keys and two salts).
    pub fn material_len(self) -> usize {
        2 * (self.key_len() + self.salt_len())
    }

    /// Bytes [`SrtpSender::protect_rtp`] appends to a packet (the tag).
    pub fn rtp_overhead(self) -> usize {
        match self {
            Self::Aes128CmSha1_80 => CM_TAG_LEN,
            Self::AeadAes128Gcm | Self::AeadAes256Gcm => GCM_TAG_LEN,
        }
    }

    /// Length of the master salt and of the session salts.
    fn salt_len(self) -> usize {
        match self {
            Self::Aes128CmSha1_80 => CM_SALT_LEN,
            Self::AeadAes128Gcm | Self::AeadAes256Gcm => GCM_SALT_LEN,
        }
    }

    /// Length of the master key and of the session cipher keys.
    fn key_len(self) -> usize {
        match self {
            Self::AeadAes256Gcm => KEY_LEN_256,
            _ => KEY_LEN,
        }
    }
}

/// Our sending direction's session keys for SRTP.
pub(crate) struct SrtpSender {
    keys: SessionKeys,
}

/// The peer's sending direction's session keys for SRTCP (we only read its RTCP).
pub(crate) struct SrtcpReceiver {
    keys: SessionKeys,
}

/// Our SRTP sender and SRTCP receiver from DTLS-SRTP keying material (RFC 5764 §4.2).
///
/// `active` is true when we were the DTLS client. `None` if `material` is not
/// [`SrtpProfile::material_len`] bytes long.
pub(crate) fn from_keying_material(
    profile: SrtpProfile,
    material: &[u8],
    active: bool,
) -> Option<(SrtpSender, SrtcpReceiver)> {
    let (ours, theirs) = split_material(profile, material, active)?;
    let sender = SrtpSender {
        keys: SessionKeys::derive(profile, &ours, SRTP_LABELS),
    };
    let receiver = SrtcpReceiver {
        keys: SessionKeys::derive(profile, &theirs, SRTCP_LABELS),
    };
    Some((sender, receiver))
}

impl SrtpSender {
    /// Protects the plain RTP packet in `buf` in place: `header_len` bytes of header
    /// (CSRCs and extensions included) then the payload.
    ///
    /// Encrypts the payload and appends the tag: for AES-CM, HMAC-SHA1 over
    /// `header | ciphertext | ROC` truncated to 80 bits (RFC 3711 §4.2); for AES-GCM, the
    /// 16-byte tag with the header as associated data (RFC 7714 §8). `index` is the 48-bit
    /// SRTP packet index, `ROC << 16 | seq`; the SSRC is read from the header.
    ///
    /// # Panics
    /// If `header_len` is shorter than a fixed RTP header or longer than `buf`.
    pub fn protect_rtp(&self, buf: &mut Vec<u8>, header_len: usize, index: u64) {
        assert!(
            (RTP_MIN_HEADER_LEN..=buf.len()).contains(&header_len),
            "RTP header length {header_len} does not fit a {}-byte packet",
            buf.len()
        );
        debug_assert!(index <= INDEX_MASK, "SRTP index {index:#x} exceeds 48 bits");
        let index = index & INDEX_MASK;
        let ssrc = read_u32(&buf[8..12]);
        match &self.keys {
            SessionKeys::Cm { cipher, auth, salt } => {
                aes_cm(cipher, cm_iv(salt, ssrc, index), &mut buf[header_len..]);
                let roc = ((index >> 16) as u32).to_be_bytes();
                let tag = hmac_sha1(auth, &[buf, &roc]);
                buf.extend_from_slice(&tag.as_ref()[..CM_TAG_LEN]);
            }
            SessionKeys::Gcm { aead, salt } => {
                let (header, payload) = buf.split_at_mut(header_len);
                let tag = aead
                    .seal_in_place_separate_tag(
                        gcm_nonce(salt, ssrc, index),
                        Aad::from(&*header),
                        payload,
                    )
                    .expect("AES-GCM seals anything shorter than 64 GiB");
                buf.extend_from_slice(tag.as_ref());
            }
        }
    }
}

impl SrtcpReceiver {
    /// Authenticates and decrypts one SRTCP packet (a compound) into `out`: the plain RTCP
    /// compound, without the SRTCP index word and tag.
    ///
    /// `None` (and `out` empty) when the packet is too short or does not authenticate.
    /// A packet sent unencrypted (`E` bit clear) is authenticated and returned as is.
    pub fn unprotect_rtcp(&self, packet: &[u8], out: &mut Vec<u8>) -> Option<()> {
        out.clear();
        let opened = match &self.keys {
            SessionKeys::Cm { cipher, auth, salt } => cm_open_rtcp(cipher, auth, salt, packet, out),
            SessionKeys::Gcm { aead, salt } => gcm_open_rtcp(aead, salt, packet, out),
        };
        if opened.is_none() {
            out.clear();
        }
        opened
    }
}

/// SRTCP with AES-CM (RFC 3711 §3.4): `header | body | E, index | tag`, where the tag
/// covers everything before it and the body is encrypted when `E` is set.
fn cm_open_rtcp(
    cipher: &EncryptingKey,
    auth: &hmac::Key,
    salt: &[u8; CM_SALT_LEN],
    packet: &[u8],
    out: &mut Vec<u8>,
) -> Option<()> {
    let tag_at = packet.len().checked_sub(CM_TAG_LEN)?;
    let trailer_at = tag_at.checked_sub(SRTCP_TRAILER_LEN)?;
    if trailer_at < RTCP_HEADER_LEN {
        return None;
    }
    let (authenticated, tag) = packet.split_at(tag_at);
    let expected = hmac_sha1(auth, &[authenticated]);
    verify_slices_are_equal(&expected.as_ref()[..CM_TAG_LEN], tag).ok()?;

    let (body, trailer) = authenticated.split_at(trailer_at);
    let (encrypted, index) = read_srtcp_trailer(trailer);
    out.extend_from_slice(body);
    if encrypted {
        let iv = cm_iv(salt, read_u32(&body[4..8]), index);
        aes_cm(cipher, iv, &mut out[RTCP_HEADER_LEN..]);
    }
    Some(())
}

/// SRTCP with AES-GCM (RFC 7714 §9): `header | sealed body and tag | E, index`. With `E`
/// set the associated data is `header | E, index`; with `E` clear nothing is encrypted and
/// the associated data is `header | body | E, index` (§9.2 and §17.3).
fn gcm_open_rtcp(
    aead: &LessSafeKey,
    salt: &[u8; GCM_SALT_LEN],
    packet: &[u8],
    out: &mut Vec<u8>,
) -> Option<()> {
    let trailer_at = packet.len().checked_sub(SRTCP_TRAILER_LEN)?;
    let tag_at = trailer_at.checked_sub(GCM_TAG_LEN)?;
    if tag_at < RTCP_HEADER_LEN {
        return None;
    }
    let (sealed, trailer) = packet.split_at(trailer_at);
    let (encrypted, index) = read_srtcp_trailer(trailer);
    let nonce = gcm_nonce(salt, read_u32(&packet[4..8]), index);
    if encrypted {
        let mut aad = [0; RTCP_HEADER_LEN + SRTCP_TRAILER_LEN];
        aad[..RTCP_HEADER_LEN].copy_from_slice(&sealed[..RTCP_HEADER_LEN]);
        aad[RTCP_HEADER_LEN..].copy_from_slice(trailer);
        out.extend_from_slice(sealed);
        let plain_len = aead
            .open_in_place(nonce, Aad::from(aad), &mut out[RTCP_HEADER_LEN..])
            .ok()?
            .len();
        out.truncate(RTCP_HEADER_LEN + plain_len);
    } else {
        // `out` doubles as the associated data: the body, then the index word.
        let (body, tag) = sealed.split_at(tag_at);
        out.extend_from_slice(body);
        out.extend_from_slice(trailer);
        let mut tag: [u8; GCM_TAG_LEN] = tag.try_into().ok()?;
        aead.open_in_place(nonce, Aad::from(&out[..]), &mut tag)
            .ok()?;
        out.truncate(body.len());
    }
    Some(())
}

/// One direction's session keys for either SRTP or SRTCP: one label triple of RFC 3711
/// §4.3.1, expanded into ready-to-use cipher contexts.
enum SessionKeys {
    /// The expanded AES and HMAC states are boxed: together they are ~1.7 KB, which a GCM
    /// sender would otherwise carry around unused.
    Cm {
        cipher: Box<EncryptingKey>,
        auth: Box<hmac::Key>,
        salt: [u8; CM_SALT_LEN],
    },
    Gcm {
        aead: LessSafeKey,
        salt: [u8; GCM_SALT_LEN],
    },
}

impl SessionKeys {
    /// Session keys from a master key and salt; `labels` is [`SRTP_LABELS`] or
    /// [`SRTCP_LABELS`].
    fn derive(profile: SrtpProfile, master: &MasterKey, labels: u8) -> Self {
        let mut key = [0; KEY_LEN_256];
        let key = &mut key[..profile.key_len()];
        master.prf(labels + LABEL_CIPHER, key);
        match profile {
            SrtpProfile::Aes128CmSha1_80 => {
                let mut auth = [0; CM_AUTH_KEY_LEN];
                master.prf(labels + LABEL_AUTH, &mut auth);
                let mut salt = [0; CM_SALT_LEN];
                master.prf(labels + LABEL_SALT, &mut salt);
                Self::cm(key, &auth, salt)
            }
            SrtpProfile::AeadAes128Gcm | SrtpProfile::AeadAes256Gcm => {
                // No authentication key: GCM's tag is keyed by the cipher key (RFC 7714 §11).
                let mut salt = [0; GCM_SALT_LEN];
                master.prf(labels + LABEL_SALT, &mut salt);
                Self::gcm(key, salt)
            }
        }
    }

    fn cm(key: &[u8], auth: &[u8], salt: [u8; CM_SALT_LEN]) -> Self {
        Self::Cm {
            cipher: Box::new(aes_ctr_key(key)),
            auth: Box::new(hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth)),
            salt,
        }
    }

    fn gcm(key: &[u8], salt: [u8; GCM_SALT_LEN]) -> Self {
        let algorithm = if key.len() == KEY_LEN_256 {
            &AES_256_GCM
        } else {
            &AES_128_GCM
        };
        let key = UnboundKey::new(algorithm, key).expect("a 16- or 32-byte AES key");
        Self::Gcm {
            aead: LessSafeKey::new(key),
            salt,
        }
    }
}

/// A master key and master salt. A 12-byte GCM master salt is zero-padded to the PRF's
/// 14 bytes, as libsrtp does (RFC 7714 §11 reuses RFC 3711's PRF).
struct MasterKey {
    cipher: EncryptingKey,
    salt: [u8; CM_SALT_LEN],
}

impl MasterKey {
    fn new(key: &[u8], salt: &[u8]) -> Self {
        let mut padded = [0; CM_SALT_LEN];
        padded[..salt.len()].copy_from_slice(salt);
        Self {
            cipher: aes_ctr_key(key),
            salt: padded,
        }
    }

    /// The AES-CM PRF of RFC 3711 §4.3.3 with key derivation rate 0: the keystream
    /// for IV `(master_salt XOR (label << 48)) << 16`, i.e. `label || r` with `r = 0`
    /// right-aligned in the salt (§4.3.1), fills `out`.
    fn prf(&self, label: u8, out: &mut [u8]) {
        let mut iv = [0; 16];
        iv[..CM_SALT_LEN].copy_from_slice(&self.salt);
        iv[CM_SALT_LEN - 7] ^= label;
        out.fill(0);
        aes_cm(&self.cipher, iv, out);
    }
}

/// Splits RFC 5764 §4.2 keying material into (our master, the peer's master).
fn split_material(
    profile: SrtpProfile,
    material: &[u8],
    active: bool,
) -> Option<(MasterKey, MasterKey)> {
    if material.len() != profile.material_len() {
        return None;
    }
    let salt_len = profile.salt_len();
    let key_len = profile.key_len();
    let (keys, salts) = material.split_at(2 * key_len);
    let client = MasterKey::new(&keys[..key_len], &salts[..salt_len]);
    let server = MasterKey::new(&keys[key_len..], &salts[salt_len..]);
    Some(if active {
        (client, server)
    } else {
        (server, client)
    })
}

/// AES-128 or AES-256 in counter mode, by the key's length.
fn aes_ctr_key(key: &[u8]) -> EncryptingKey {
    let algorithm = if key.len() == KEY_LEN_256 {
        &AES_256
    } else {
        &AES_128
    };
    let key = UnboundCipherKey::new(algorithm, key).expect("a 16- or 32-byte AES key");
    EncryptingKey::ctr(key).expect("AES supports CTR mode")
}

/// XORs `data` with the AES counter-mode keystream starting at counter block `iv`.
/// Encryption and decryption are the same operation.
fn aes_cm(cipher: &EncryptingKey, iv: [u8; 16], data: &mut [u8]) {
    cipher
        .less_safe_encrypt(data, EncryptionContext::Iv128(FixedLength::from(iv)))
        .expect("CTR mode takes any length with a 128-bit IV");
}

/// The AES-CM counter block of RFC 3711 §4.1.1:
/// `(salt << 16) XOR (SSRC << 64) XOR (index << 16)`. SRTCP passes its 31-bit index.
fn cm_iv(salt: &[u8; CM_SALT_LEN], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0; 16];
    iv[..CM_SALT_LEN].copy_from_slice(salt);
    xor_into(&mut iv[4..8], &ssrc.to_be_bytes());
    xor_into(&mut iv[8..14], &index.to_be_bytes()[2..]);
    iv
}

/// The AES-GCM nonce of RFC 7714 §8.1 and §9.1: `salt XOR (0 0 | SSRC | 48-bit index)`,
/// where the SRTP index is `ROC | SEQ` and the SRTCP index is `0 0 | 0 | 31-bit index`.
fn gcm_nonce(salt: &[u8; GCM_SALT_LEN], ssrc: u32, index: u64) -> Nonce {
    let mut iv = *salt;
    xor_into(&mut iv[2..6], &ssrc.to_be_bytes());
    xor_into(&mut iv[6..12], &index.to_be_bytes()[2..]);
    Nonce::assume_unique_for_key(iv)
}

/// HMAC-SHA1 over the concatenation of `parts`.
fn hmac_sha1(key: &hmac::Key, parts: &[&[u8]]) -> hmac::Tag {
    let mut context = hmac::Context::with_key(key);
    for part in parts {
        context.update(part);
    }
    context.sign()
}

/// The `E || SRTCP index` word: (encrypted, index).
fn read_srtcp_trailer(trailer: &[u8]) -> (bool, u64) {
    let word = read_u32(trailer);
    (word & SRTCP_E_FLAG != 0, u64::from(word & !SRTCP_E_FLAG))
}

fn read_u32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

fn xor_into(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d ^= s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hex to bytes; whitespace is ignored so vectors can be laid out as in the RFCs.
    fn hex(s: &str) -> Vec<u8> {
        let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        digits
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
            .collect()
    }

    fn array<const N: usize>(s: &str) -> [u8; N] {
        hex(s).try_into().unwrap()
    }

    /// The peer's half, for round trips: it receives our SRTP and sends the SRTCP we read.
    struct SrtpReceiver {
        keys: SessionKeys,
    }

    struct SrtcpSender {
        keys: SessionKeys,
    }

    /// The peer of the side `from_keying_material(profile, material, active)` builds.
    fn peer_of(profile: SrtpProfile, material: &[u8], active: bool) -> (SrtpReceiver, SrtcpSender) {
        let (theirs, ours) = split_material(profile, material, !active).unwrap();
        let receiver = SrtpReceiver {
            keys: SessionKeys::derive(profile, &ours, SRTP_LABELS),
        };
        let sender = SrtcpSender {
            keys: SessionKeys::derive(profile, &theirs, SRTCP_LABELS),
        };
        (receiver, sender)
    }

    impl SrtpReceiver {
        /// Checks and decrypts an SRTP packet whose index the caller knows.
        fn unprotect_rtp(
            &self,
            packet: &[u8],
            header_len: usize,
            index: u64,
            out: &mut Vec<u8>,
        ) -> Option<()> {
            out.clear();
            let ssrc = read_u32(&packet[8..12]);
            match &self.keys {
                SessionKeys::Cm { cipher, auth, salt } => {
                    let (authenticated, tag) =
                        packet.split_at(packet.len().checked_sub(CM_TAG_LEN)?);
                    let roc = ((index >> 16) as u32).to_be_bytes();
                    let expected = hmac_sha1(auth, &[authenticated, &roc]);
                    verify_slices_are_equal(&expected.as_ref()[..CM_TAG_LEN], tag).ok()?;
                    out.extend_from_slice(authenticated);
                    aes_cm(cipher, cm_iv(salt, ssrc, index), &mut out[header_len..]);
                }
                SessionKeys::Gcm { aead, salt } => {
                    out.extend_from_slice(packet);
                    let (header, sealed) = out.split_at_mut(header_len);
                    let nonce = gcm_nonce(salt, ssrc, index);
                    let plain_len = aead
                        .open_in_place(nonce, Aad::from(&*header), sealed)
                        .ok()?
                        .len();
                    out.truncate(header_len + plain_len);
                }
            }
            Some(())
        }
    }

    impl SrtcpSender {
        /// Turns the RTCP compound in `buf` into SRTCP with SRTCP index `index`.
        fn protect_rtcp(&self, buf: &mut Vec<u8>, index: u32, encrypt: bool) {
            let ssrc = read_u32(&buf[4..8]);
            let trailer = (index | if encrypt { SRTCP_E_FLAG } else { 0 }).to_be_bytes();
            match &self.keys {
                SessionKeys::Cm { cipher, auth, salt } => {
                    if encrypt {
                        aes_cm(
                            cipher,
                            cm_iv(salt, ssrc, index.into()),
                            &mut buf[RTCP_HEADER_LEN..],
                        );
                    }
                    buf.extend_from_slice(&trailer);
                    let tag = hmac_sha1(auth, &[buf]);
                    buf.extend_from_slice(&tag.as_ref()[..CM_TAG_LEN]);
                }
                SessionKeys::Gcm { aead, salt } => {
                    let nonce = gcm_nonce(salt, ssrc, index.into());
                    let tag = if encrypt {
                        let aad = [&buf[..RTCP_HEADER_LEN], &trailer[..]].concat();
                        aead.seal_in_place_separate_tag(
                            nonce,
                            Aad::from(aad),
                            &mut buf[RTCP_HEADER_LEN..],
                        )
                    } else {
                        let aad = [&buf[..], &trailer[..]].concat();
                        aead.seal_in_place_separate_tag(nonce, Aad::from(aad), &mut [])
                    };
                    buf.extend_from_slice(tag.unwrap().as_ref());
                    buf.extend_from_slice(&trailer);
                }
            }
        }
    }

    const PROFILES: [SrtpProfile; 2] = [SrtpProfile::Aes128CmSha1_80, SrtpProfile::AeadAes128Gcm];

    /// Keying material with every byte distinct, so a mix-up of halves shows.
    fn material(profile: SrtpProfile) -> Vec<u8> {
        (0..profile.material_len())
            .map(|i| (i as u8).wrapping_mul(7).wrapping_add(3))
            .collect()
    }

    /// An RTP packet with a CSRC and a one-byte-header extension (RFC 8285) carrying two
    /// elements; returns the packet and its header length.
    fn rtp_packet(seq: u16) -> (Vec<u8>, usize) {
        let mut packet = vec![0x91, 0x60]; // V=2, X=1, CC=1; PT 96
        packet.extend_from_slice(&seq.to_be_bytes());
        packet.extend_from_slice(&0x1234_5678u32.to_be_bytes()); // timestamp
        packet.extend_from_slice(&0xcafe_babeu32.to_be_bytes()); // SSRC
        packet.extend_from_slice(&0x0bad_f00du32.to_be_bytes()); // CSRC
        packet.extend_from_slice(&[0xbe, 0xde, 0x00, 0x02]); // extension, 2 words
        packet.extend_from_slice(&[0x10, 0xaa, 0x22, 0x01, 0x02, 0x03, 0x00, 0x00]);
        let header_len = packet.len();
        packet.extend((0..100u8).map(|i| i.wrapping_mul(31)));
        (packet, header_len)
    }

    /// A compound of a sender report with one report block and an SDES CNAME.
    fn rtcp_compound() -> Vec<u8> {
        let mut packet = vec![0x81, 200, 0x00, 0x0c]; // SR, RC=1, 13 words
        packet.extend_from_slice(&0x5eed_5eedu32.to_be_bytes()); // sender SSRC
        packet.extend((0..44u8).map(|i| i ^ 0x5a)); // sender info and one report block
        packet.extend_from_slice(&[0x81, 202, 0x00, 0x03]); // SDES, one chunk, 4 words
        packet.extend_from_slice(&0x5eed_5eedu32.to_be_bytes());
        packet.extend_from_slice(&[1, 5, b'g', b'o', b'v', b'h', b'b', 0]);
        packet
    }

    #[test]
    fn profile_lengths_follow_rfc_5764_and_7714() {
        assert_eq!(SrtpProfile::Aes128CmSha1_80.material_len(), 60);
        assert_eq!(SrtpProfile::AeadAes128Gcm.material_len(), 56);
        assert_eq!(SrtpProfile::Aes128CmSha1_80.rtp_overhead(), 10);
        assert_eq!(SrtpProfile::AeadAes128Gcm.rtp_overhead(), 16);
    }

    /// RFC 3711 Appendix B.3: the PRF with master key and salt below. The RFC lists 94
    /// bytes of the authentication-key keystream; the session auth key is the first 20.
    #[test]
    fn rfc3711_b3_key_derivation() {
        let master = MasterKey::new(
            &hex("E1F97A0D3E018BE0D64FA32C06DE4139"),
            &hex("0EC675AD498AFEEBB6960B3AABE6"),
        );
        let mut cipher_key = [0; 16];
        master.prf(LABEL_CIPHER, &mut cipher_key);
        assert_eq!(cipher_key[..], hex("C61E7A93744F39EE10734AFE3FF7A087"));

        let mut cipher_salt = [0; 14];
        master.prf(LABEL_SALT, &mut cipher_salt);
        assert_eq!(cipher_salt[..], hex("30CBBC08863D8C85D49DB34A9AE1"));

        let mut auth_key = [0; 94];
        master.prf(LABEL_AUTH, &mut auth_key);
        let expected = hex(
            "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE
             E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25
             6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2",
        );
        assert_eq!(auth_key[..], expected[..]);

        // The master key matters, and so does the label.
        let other = MasterKey::new(
            &hex("E1F97A0D3E018BE0D64FA32C06DE4138"),
            &hex("0EC675AD498AFEEBB6960B3AABE6"),
        );
        let mut other_key = [0; 16];
        other.prf(LABEL_CIPHER, &mut other_key);
        assert_ne!(other_key, cipher_key);
        master.prf(SRTCP_LABELS + LABEL_CIPHER, &mut other_key);
        assert_ne!(other_key, cipher_key);
    }

    /// RFC 3711 Appendix B.2: AES-CM keystream for session key 2B7E…, salt F0F1…FCFD,
    /// SSRC 0 and index 0 (counter blocks F0F1…FCFD0000 onwards), first and last blocks of
    /// the 65282-block segment.
    #[test]
    fn rfc3711_b2_aes_cm_keystream() {
        let cipher = aes_ctr_key(&array::<16>("2B7E151628AED2A6ABF7158809CF4F3C"));
        let salt = array("F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
        let iv = cm_iv(&salt, 0, 0);
        assert_eq!(iv[..], hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"));

        let mut segment = vec![0; 65282 * 16];
        aes_cm(&cipher, iv, &mut segment);
        let first = hex(
            "E03EAD0935C95E80E166B16DD92B4EB4 D23513162B02D0F72A43A2FE4A5F97AB
             41E95B3BB0A2E8DD477901E4FCA894C0",
        );
        assert_eq!(segment[..48], first[..]);
        let last = hex(
            "EC8CDF7398607CB0F2D21675EA9EA1E4 362B7C3C6773516318A077D7FC5073AE
             6A2CC3787889374FBEB4C81B17BA6C44",
        );
        assert_eq!(segment[0xFEFF * 16..], last[..]);

        // SSRC and index land in the counter block where RFC 3711 §4.1.1 puts them.
        assert_eq!(
            cm_iv(&salt, 0x0102_0304, 0x0506_0708_090a)[..],
            hex("F0F1F2F3F5F7F5F3FDFFFDF3F5F70000")
        );
    }

    /// The AES-CM transform with the RFC 3711 B.3 session keys: the payload is XORed with
    /// the §4.1.1 keystream and the tag is HMAC-SHA1(auth key, header | ciphertext | ROC)
    /// cut to 80 bits (§4.2), checked against an independent computation.
    #[test]
    fn aes_cm_packet_layout_with_rfc3711_b3_session_keys() {
        let master = MasterKey::new(
            &hex("E1F97A0D3E018BE0D64FA32C06DE4139"),
            &hex("0EC675AD498AFEEBB6960B3AABE6"),
        );
        let sender = SrtpSender {
            keys: SessionKeys::derive(SrtpProfile::Aes128CmSha1_80, &master, SRTP_LABELS),
        };
        let (plain, header_len) = rtp_packet(0xfffe);
        let index = (3 << 16) | 0xfffe;
        let mut protected = plain.clone();
        sender.protect_rtp(&mut protected, header_len, index);
        assert_eq!(protected.len(), plain.len() + CM_TAG_LEN);
        assert_eq!(protected[..header_len], plain[..header_len]);

        let session_key = aes_ctr_key(&array::<16>("C61E7A93744F39EE10734AFE3FF7A087"));
        let session_salt = array("30CBBC08863D8C85D49DB34A9AE1");
        let mut keystream = vec![0; plain.len() - header_len];
        aes_cm(
            &session_key,
            cm_iv(&session_salt, 0xcafe_babe, index),
            &mut keystream,
        );
        let ciphertext: Vec<u8> = plain[header_len..]
            .iter()
            .zip(&keystream)
            .map(|(p, k)| p ^ k)
            .collect();
        assert_eq!(protected[header_len..plain.len()], ciphertext[..]);

        let auth_key = hmac::Key::new(
            hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            &hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"),
        );
        let mut authenticated = protected[..plain.len()].to_vec();
        authenticated.extend_from_slice(&[0, 0, 0, 3]);
        let tag = hmac::sign(&auth_key, &authenticated);
        assert_eq!(protected[plain.len()..], tag.as_ref()[..CM_TAG_LEN]);
    }

    const GCM_KEY: &str = "000102030405060708090a0b0c0d0e0f";
    const GCM_SALT: &str = "517569642070726f2071756f";

    /// RFC 7714 §16.1.1: SRTP AEAD_AES_128_GCM, SSRC 5501a0b2, seq f17b, ROC 0.
    #[test]
    fn rfc7714_16_1_srtp_aead_aes_128_gcm() {
        let keys = || SessionKeys::gcm(&array::<16>(GCM_KEY), array(GCM_SALT));
        let plain = hex("8040f17b8041f8d35501a0b2
             47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573");
        let expected = hex("8040f17b8041f8d35501a0b2
             f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833
             899d7f27beb16a9152cf765ee4390cce");
        let mut protected = plain.clone();
        SrtpSender { keys: keys() }.protect_rtp(&mut protected, 12, 0xf17b);
        assert_eq!(protected, expected);

        let mut out = Vec::new();
        let receiver = SrtpReceiver { keys: keys() };
        receiver
            .unprotect_rtp(&expected, 12, 0xf17b, &mut out)
            .unwrap();
        assert_eq!(out, plain);
        // The ROC is part of the nonce.
        assert!(
            receiver
                .unprotect_rtp(&expected, 12, 0x1_f17b, &mut out)
                .is_none()
        );
    }

    /// RFC 7714 §17's RTCP packet (a sender report from SSRC "Mars"), SRTCP index 0x5d4.
    const RFC7714_RTCP: &str = "81c8000d4d617273
        4e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

    /// RFC 7714 §17.1 (encrypt) and §17.3 (tag only, `E` clear), AEAD_AES_128_GCM.
    #[test]
    fn rfc7714_17_srtcp_aead_aes_128_gcm() {
        let keys = || SessionKeys::gcm(&array::<16>(GCM_KEY), array(GCM_SALT));
        let plain = hex(RFC7714_RTCP);
        let encrypted = hex(
            "81c8000d4d617273
             63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275b
             c84aa45896cf4d2fc5abf87245d9eade 800005d4",
        );
        let tagged = hex(&format!(
            "{RFC7714_RTCP} 841dd9683dd78ec92ae58790125f62b3 000005d4"
        ));

        let receiver = SrtcpReceiver { keys: keys() };
        let sender = SrtcpSender { keys: keys() };
        for (vector, encrypt) in [(&encrypted, true), (&tagged, false)] {
            let mut out = Vec::new();
            receiver.unprotect_rtcp(vector, &mut out).unwrap();
            assert_eq!(out, plain);
            let mut protected = plain.clone();
            sender.protect_rtcp(&mut protected, 0x5d4, encrypt);
            assert_eq!(&protected, vector);
        }
    }

    /// End-to-end vectors from keying material, for the parts no RFC vector covers (the
    /// GCM key derivation with its 12-byte master salt, the split of the material). Not RFC
    /// data: produced with webrtc-rs's `rtc-srtp` 0.21.1, an independent implementation,
    /// from client key 00..0f, server key 10..1f, client salt a0.., server salt b0...
    #[test]
    fn interop_vectors_from_webrtc_rs() {
        let rtp = hex("8060123411223344cafebabe 676f766875622073727470");
        let rtcp = hex("81c900075eed5eed cafebabe000b16212c37424d58636e79848f9aa5b0bbc6d1");
        let cases = [
            (
                SrtpProfile::Aes128CmSha1_80,
                "8060123411223344cafebabe 2e1c024ca4bc5d501a8ff5 5b490d5e54b56ac5a51b",
                "81c900075eed5eed 3eaf680097a44b5a4c4691b1538ee5a32dc7fe65e1b9e2c5
                 80000001 ce4822699d11d94f406b",
            ),
            (
                SrtpProfile::AeadAes128Gcm,
                "8060123411223344cafebabe 09c4f31dda0656f660ce82
                 85300c6324250edc0efc88575eeed4e2",
                "81c900075eed5eed 1e25fa889e8f0c17324ca4e87f23bc022cc7350f98e8bf5a
                 d257f4c358bc9e46c021cc368cd833dc 80000001",
            ),
        ];
        for (profile, srtp, srtcp) in cases {
            let salt_len = profile.salt_len() as u8;
            let mut material: Vec<u8> = (0x00..0x20).collect();
            material.extend(0xa0..0xa0 + salt_len);
            material.extend(0xb0..0xb0 + salt_len);
            let (sender, receiver) = from_keying_material(profile, &material, true).unwrap();

            let mut protected = rtp.clone();
            sender.protect_rtp(&mut protected, 12, 0x1234);
            assert_eq!(protected, hex(srtp), "{profile:?}");

            let mut out = Vec::new();
            receiver.unprotect_rtcp(&hex(srtcp), &mut out).unwrap();
            assert_eq!(out, rtcp, "{profile:?}");
        }
    }

    /// A packet too short to hold an RTCP header is refused even when its tag is right.
    #[test]
    fn srtcp_shorter_than_a_header_is_refused_even_when_authentic() {
        let master = MasterKey::new(&[7; KEY_LEN], &[9; CM_SALT_LEN]);
        let keys = SessionKeys::derive(SrtpProfile::Aes128CmSha1_80, &master, SRTCP_LABELS);
        let SessionKeys::Cm { auth, .. } = &keys else {
            unreachable!()
        };
        let mut packet = vec![0x80, 201, 0, 0, 0x80, 0, 0, 1]; // 4 bytes, then E and index 1
        let tag = hmac_sha1(auth, &[&packet]);
        packet.extend_from_slice(&tag.as_ref()[..CM_TAG_LEN]);
        let mut out = Vec::new();
        assert!(
            SrtcpReceiver { keys }
                .unprotect_rtcp(&packet, &mut out)
                .is_none()
        );
    }

    #[test]
    fn rtp_round_trips_through_the_peer_with_extensions_and_roc() {
        for profile in PROFILES {
            let material = material(profile);
            let (sender, _) = from_keying_material(profile, &material, true).unwrap();
            let (receiver, _) = peer_of(profile, &material, true);
            for (seq, roc) in [(1u16, 0u64), (0xffff, 0), (7, 1), (0x1234, 0xffff_ffff)] {
                let (plain, header_len) = rtp_packet(seq);
                let index = roc << 16 | u64::from(seq);
                let mut protected = plain.clone();
                sender.protect_rtp(&mut protected, header_len, index);
                assert_eq!(protected.len(), plain.len() + profile.rtp_overhead());
                assert_eq!(protected[..header_len], plain[..header_len], "{profile:?}");
                assert_ne!(
                    protected[header_len..plain.len()],
                    plain[header_len..],
                    "{profile:?}"
                );

                let mut out = Vec::new();
                receiver
                    .unprotect_rtp(&protected, header_len, index, &mut out)
                    .unwrap();
                assert_eq!(out, plain, "{profile:?} roc {roc}");
                // Another ROC is another index: the packet must not verify under it.
                let wrong = (roc ^ 1) << 16 | u64::from(seq);
                assert!(
                    receiver
                        .unprotect_rtp(&protected, header_len, wrong, &mut out)
                        .is_none()
                );
            }
        }
    }

    #[test]
    fn rtcp_round_trips_encrypted_and_not() {
        for profile in PROFILES {
            let material = material(profile);
            // We were the DTLS server this time.
            let (_, receiver) = from_keying_material(profile, &material, false).unwrap();
            let (_, sender) = peer_of(profile, &material, false);
            let plain = rtcp_compound();
            for (index, encrypt) in [(0, true), (1, false), (0x7fff_ffff, true)] {
                let mut protected = plain.clone();
                sender.protect_rtcp(&mut protected, index, encrypt);
                let body = &protected[RTCP_HEADER_LEN..plain.len()];
                assert_eq!(body == &plain[RTCP_HEADER_LEN..], !encrypt, "{profile:?}");

                let mut out = vec![0xee; 3]; // stale contents are cleared
                receiver.unprotect_rtcp(&protected, &mut out).unwrap();
                assert_eq!(out, plain, "{profile:?} index {index} encrypt {encrypt}");
            }
        }
    }

    #[test]
    fn any_flipped_bit_fails_authentication() {
        for profile in PROFILES {
            let material = material(profile);
            let (sender, receiver) = from_keying_material(profile, &material, true).unwrap();
            let (rtp_receiver, rtcp_sender) = peer_of(profile, &material, true);

            let (plain, header_len) = rtp_packet(42);
            let mut srtp = plain.clone();
            sender.protect_rtp(&mut srtp, header_len, 42);
            let mut srtcp = rtcp_compound();
            rtcp_sender.protect_rtcp(&mut srtcp, 9, true);
            let mut tagged = rtcp_compound();
            rtcp_sender.protect_rtcp(&mut tagged, 10, false);

            let mut out = Vec::new();
            for bit in 0..srtp.len() * 8 {
                let mut bad = srtp.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                let opened = rtp_receiver.unprotect_rtp(&bad, header_len, 42, &mut out);
                assert!(opened.is_none(), "{profile:?} SRTP bit {bit}");
            }
            for packet in [&srtcp, &tagged] {
                assert!(receiver.unprotect_rtcp(packet, &mut out).is_some());
                for bit in 0..packet.len() * 8 {
                    let mut bad = packet.clone();
                    bad[bit / 8] ^= 1 << (bit % 8);
                    assert!(
                        receiver.unprotect_rtcp(&bad, &mut out).is_none(),
                        "{profile:?} SRTCP bit {bit}"
                    );
                    assert!(out.is_empty());
                }
            }
        }
    }

    #[test]
    fn short_srtcp_is_refused() {
        for profile in PROFILES {
            let material = material(profile);
            let (_, receiver) = from_keying_material(profile, &material, true).unwrap();
            let (_, sender) = peer_of(profile, &material, true);
            // The shortest well-formed SRTCP: a bare 8-byte header, then trailer and tag.
            let mut shortest = rtcp_compound()[..RTCP_HEADER_LEN].to_vec();
            sender.protect_rtcp(&mut shortest, 5, true);
            let mut out = Vec::new();
            assert!(
                receiver.unprotect_rtcp(&shortest, &mut out).is_some(),
                "{profile:?}"
            );
            for len in 0..shortest.len() {
                assert!(
                    receiver
                        .unprotect_rtcp(&shortest[..len], &mut out)
                        .is_none(),
                    "{profile:?} {len}"
                );
            }
        }
    }

    #[test]
    fn keying_material_of_the_wrong_length_is_refused() {
        for profile in PROFILES {
            let len = profile.material_len();
            for wrong in [0, len - 1, len + 1, 60 + 56 - len] {
                assert!(
                    from_keying_material(profile, &vec![1; wrong], true).is_none(),
                    "{profile:?} {wrong}"
                );
            }
            assert!(from_keying_material(profile, &vec![1; len], true).is_some());
        }
    }

    /// RFC 5764 §4.2: the DTLS client sends with the first key and the first salt, the
    /// server with the second ones; each reads the other's.
    #[test]
    fn keying_material_halves_follow_the_dtls_roles() {
        for profile in PROFILES {
            let material = material(profile);
            let salts = &material[2 * KEY_LEN..];
            let salt_len = profile.salt_len();
            let client = MasterKey::new(&material[..KEY_LEN], &salts[..salt_len]);
            let server = MasterKey::new(&material[KEY_LEN..2 * KEY_LEN], &salts[salt_len..]);

            let (plain, header_len) = rtp_packet(5);
            let protect = |sender: &SrtpSender| {
                let mut packet = plain.clone();
                sender.protect_rtp(&mut packet, header_len, 5);
                packet
            };
            let direct = |master: &MasterKey| SrtpSender {
                keys: SessionKeys::derive(profile, master, SRTP_LABELS),
            };
            let (active, _) = from_keying_material(profile, &material, true).unwrap();
            let (passive, _) = from_keying_material(profile, &material, false).unwrap();
            assert_eq!(protect(&active), protect(&direct(&client)), "{profile:?}");
            assert_eq!(protect(&passive), protect(&direct(&server)), "{profile:?}");
            assert_ne!(protect(&active), protect(&passive), "{profile:?}");

            // A peer that believes it had our role cannot read us.
            let (confused, _) = peer_of(profile, &material, false);
            let mut out = Vec::new();
            assert!(
                confused
                    .unprotect_rtp(&protect(&active), header_len, 5, &mut out)
                    .is_none()
            );
        }
    }

    #[test]
    fn sides_can_move_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<SrtpSender>();
        send_sync::<SrtcpReceiver>();
    }
}
