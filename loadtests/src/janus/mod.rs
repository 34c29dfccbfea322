//! `--target janus`: the same synthetic participants, joined through Janus's own websocket API
//! and its VideoRoom plugin instead of govhub's protocol, so one scenario measures both SFUs
//! with the same measuring code (probes, loss, jitter, feedback, join phases).
//!
//! A participant is one Janus session with a *publisher* handle (it joins the room, and
//! publishes audio and three-RID simulcast VP8 with an offer, as the govhub path does) and,
//! once anyone publishes, a *subscriber* handle: Janus offers the feeds, the client answers,
//! and each video's substream follows the participant's tile size as govhub's `video_size`
//! does. Those are two peer connections where govhub uses one.
//!
//! Layout: `api` is the Janus protocol (transactions, events, keepalive); `join` builds the
//! participant; `driver` is its loop (new feeds, renegotiation, candidates, leave).

mod api;
mod driver;
mod join;

use std::path::Path;

pub(crate) use join::join;

use crate::synth::Layer;

/// The VideoRoom's numeric room for a scenario's room name: FNV-1a, kept within the 53 bits
/// every JSON reader holds exactly, never 0.
pub(crate) fn room_number(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h & ((1 << 53) - 1)).max(1)
}

/// The simulcast substream (0 = `q` … 2 = `f`) for a tile: the smallest layer that covers
/// it, as govhub chooses for `video_size`; the top one when none does.
pub(crate) fn substream_for((w, h): (u32, u32)) -> u8 {
    [Layer::Q, Layer::H, Layer::F]
        .iter()
        .position(|l| {
            let (lw, lh) = l.size();
            u32::from(lw) >= w && u32::from(lh) >= h
        })
        .unwrap_or(2) as u8
}

/// The pid in `loadtests/janus/setup.sh`'s pid file, when it names a live `janus` process.
pub fn pid_from_file(path: &Path) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(path).ok()?.trim().parse().ok()?;
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    (comm.trim() == "janus").then_some(pid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_are_stable_json_safe_numbers() {
        let a = room_number("load-1-0");
        assert_eq!(a, room_number("load-1-0"));
        assert_ne!(a, room_number("load-1-1"));
        assert!(a > 0 && a < (1 << 53));
    }

    #[test]
    fn tiles_pick_the_layer_that_covers_them() {
        assert_eq!(substream_for((320, 180)), 0);
        assert_eq!(substream_for((640, 360)), 1);
        assert_eq!(substream_for((1280, 720)), 2);
        assert_eq!(substream_for((400, 200)), 1);
        assert_eq!(substream_for((1920, 1080)), 2);
    }

    #[test]
    fn a_pid_file_counts_only_for_a_live_janus() {
        let dir = std::env::temp_dir().join(format!("ghl-janus-pid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("janus.pid");
        // This test process is alive but is not Janus.
        std::fs::write(&file, std::process::id().to_string()).unwrap();
        assert_eq!(pid_from_file(&file), None);
        std::fs::write(&file, "not a pid").unwrap();
        assert_eq!(pid_from_file(&file), None);
        assert_eq!(pid_from_file(&dir.join("missing")), None);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
