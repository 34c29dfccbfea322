//! Audio levels (RFC 6464 header extension) to `Speaking` and `ActiveSpeaker` events, with
//! `crate::media::speaker`: one `SpeakingDetector` per participant, one `ActiveSpeaker`
//! per room.

use std::time::Instant;

use super::{PKey, SfuCore};
use crate::api::{ParticipantId, RoomId, SfuEvent};
use crate::media::speaker::ActiveSpeaker;

/// Speaking state of one room.
#[derive(Debug, Default)]
pub(crate) struct RoomSpeakers {
    pub members: usize,
    active: ActiveSpeaker<ParticipantId>,
}

/// str0m carries the level as negative dBov (0 loudest); RFC 6464 as 0..=127 (-dBov).
fn rfc6464(level: i8) -> u8 {
    (-i16::from(level)).clamp(0, 127) as u8
}

/// One audio packet's level from participant `key`.
pub(crate) fn observe(core: &mut SfuCore, key: PKey, level: i8, voice: Option<bool>, now: Instant) {
    let level = rfc6464(level);
    let Some(p) = core.participants[key].as_mut() else {
        return;
    };
    p.speaking.on_level(now, level, voice);
    if let Some(room) = core.rooms.get_mut(&p.room) {
        room.active.on_level(&p.id, now, level);
    }
}

/// Reports speaking changes and each room's dominant speaker.
pub(crate) fn tick(core: &mut SfuCore, now: Instant) {
    for p in core.participants.iter_mut().flatten() {
        if let Some(speaking) = p.speaking.poll(now) {
            let ev = SfuEvent::Speaking {
                room: p.room.clone(),
                participant: p.id.clone(),
                speaking,
            };
            core.events.push_back(ev);
        }
    }
    for (room, speakers) in core.rooms.iter_mut() {
        if let Some(participant) = speakers.active.poll(now) {
            core.events.push_back(SfuEvent::ActiveSpeaker {
                room: room.clone(),
                participant,
            });
        }
    }
}

pub(crate) fn forget(core: &mut SfuCore, room: &RoomId, participant: &ParticipantId) {
    if let Some(r) = core.rooms.get_mut(room) {
        r.active.remove(participant);
    }
}
