//! Audio levels become `Speaking` and `ActiveSpeaker` events.

mod common;

use std::time::Duration;

use common::Sim;
use sfu::{SfuEvent, TrackSource};

#[test]
fn loud_participant_speaks_and_becomes_active_speaker() {
    let mut sim = Sim::new(31);
    let a = sim.join("room", "a");
    let b = sim.join("room", "b");
    sim.negotiate(a, &[(TrackSource::Microphone, false)], &[]);
    sim.negotiate(b, &[(TrackSource::Microphone, false)], &[]);
    sim.connect_all();
    sim.media_for(Duration::from_secs(1), |_| -127);
    assert!(
        !sim.events
            .iter()
            .any(|e| matches!(e, SfuEvent::Speaking { .. }))
    );
    // A talks, B stays quiet.
    sim.media_for(Duration::from_secs(2), |c| if c == a { -25 } else { -120 });
    let a_id = sim.clients[a].id.clone();
    let speaking = |ev: &SfuEvent, on: bool| matches!(ev, SfuEvent::Speaking { participant, speaking, .. } if *participant == a_id && *speaking == on);
    assert!(
        sim.events.iter().any(|e| speaking(e, true)),
        "{:?}",
        sim.events
    );
    assert!(
        sim.events.iter().any(
            |e| matches!(e, SfuEvent::ActiveSpeaker { participant, .. } if *participant == a_id)
        )
    );
    let _ = b;
    sim.media_for(Duration::from_secs(2), |_| -127);
    assert!(sim.events.iter().any(|e| speaking(e, false)));
}
