//! Joining Janus's VideoRoom as one synthetic participant: a session, a publisher handle that
//! joins the room (creating it when it does not exist yet), the publishing peer connection
//! (offer with the same Opus + simulcast VP8 the govhub path sends, Janus answers), and the
//! subscribing peer connection, which the driver negotiates as feeds appear. The join
//! phases are timed from the call, as for govhub: websocket + session → `joined` → answer.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use rtc::peer_connection::sdp::RTCSessionDescription;
use serde_json::{Value, json};
use sfu::ParticipantId;
use tokio::sync::mpsc;
use tracing::Instrument;

use super::api::{JanusError, Reply, Session};
use super::driver::{Driver, Side};
use super::room_number;
use crate::participant::{Participant, ParticipantOptions};
use crate::peer::{self, Shared};
use crate::publish::Publisher;
use crate::relay::{self, Relay};
use crate::stats::ms_since;

const NO_SUCH_ROOM: i64 = 426;
const ROOM_EXISTS: i64 = 427;

/// Joins `room` on the Janus at `url` (e.g. `ws://127.0.0.1:8188`), publishes what
/// `opts.media` asks for and subscribes to every other publisher of the room. Returns once
/// the publication is answered (at once for a viewer); subscriptions follow in its loop.
pub(crate) async fn join(
    url: &str,
    room: &str,
    name: &str,
    opts: ParticipantOptions,
) -> anyhow::Result<Participant> {
    let started = Instant::now();
    let (session, events) = Session::connect(url).await?;
    let ws_open_ms = ms_since(started);
    let room_id = room_number(room);
    let handle = session.attach().await?;
    let (joined, created_room) = join_room(&session, handle, room_id, name).await?;
    let me = joined.data["id"]
        .as_u64()
        .context("Janus `joined` has no id")?;
    let id = ParticipantId(me.to_string());
    let span = tracing::info_span!("janus participant", %name, feed = me);
    let shared = Shared::new(name, started);
    shared.with_stats(|s| {
        s.participant = Some(id.clone());
        s.phases.ws_open_ms = Some(ws_open_ms);
        s.phases.joined_ms = Some(ms_since(started));
    });
    // The receiving connection is built first: it is the one whose m-lines the track
    // readers look up (`Shared::pc` keeps the first connection built).
    let media = Arc::new(Mutex::new(Vec::new()));
    // Janus talks to a participant over two connections, each through its own relay when
    // impaired (seeded apart, like govhub's one connection: see `participant.rs`).
    let sub = if opts.subscribe {
        Some(side(&shared, &opts, &media, 19).await?)
    } else {
        None
    };
    let publishing = opts.media.audio || opts.media.video;
    let publisher = if publishing {
        let side = side(&shared, &opts, &media, 17).await?;
        publish(&session, handle, &side, &shared, &opts, &media).await?;
        Some(side)
    } else {
        None
    };
    let pc = match (&sub, &publisher) {
        (Some(s), _) => Arc::clone(&s.pc),
        (None, Some(p)) => Arc::clone(&p.pc),
        (None, None) => bail!("a participant that neither publishes nor subscribes"),
    };
    let mut driver = Driver {
        session,
        room: room_id,
        me,
        private_id: joined.data["private_id"].as_u64(),
        handle,
        sub_handle: None,
        publisher,
        sub,
        shared: Arc::clone(&shared),
        opts,
        created_room,
        known: HashSet::new(),
        pending: Vec::new(),
        sub_in_flight: false,
    };
    driver.queue_publishers(&joined.data["publishers"]);
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(driver.run(events, cmd_rx).instrument(span));
    Ok(Participant::from_parts(
        id,
        room.into(),
        shared,
        pc,
        cmd_tx,
        task,
        media,
    ))
}

/// Joins as a (for now passive) publisher; a missing room is created first. Returns the
/// `joined` reply and whether this participant created the room (it destroys it on leave).
async fn join_room(
    session: &Session,
    handle: u64,
    room: u64,
    name: &str,
) -> anyhow::Result<(Reply, bool)> {
    let body = json!({ "request": "join", "ptype": "publisher", "room": room, "display": name });
    match session.message(handle, body.clone(), None).await {
        Ok(r) => return Ok((r, false)),
        Err(e) if e.plugin_code() == Some(NO_SUCH_ROOM) => {}
        Err(e) => return Err(e).context("VideoRoom join"),
    }
    let created = match session.message(handle, room_settings(room), None).await {
        Ok(_) => true,
        Err(e) if e.plugin_code() == Some(ROOM_EXISTS) => false,
        Err(e) => return Err(e).context("VideoRoom create"),
    };
    let joined = session
        .message(handle, body, None)
        .await
        .context("VideoRoom join")?;
    Ok((joined, created))
}

/// A room for a load test: VP8 and Opus as govhub negotiates them, no publisher limit that a
/// scenario reaches, no bit-rate cap, no periodic keyframe requests, not listed.
fn room_settings(room: u64) -> Value {
    json!({
        "request": "create",
        "room": room,
        "description": "govhub-load",
        "is_private": true,
        "publishers": 1000,
        "bitrate": 0,
        "fir_freq": 0,
        "audiocodec": "opus",
        "videocodec": "vp8",
        "notify_joining": false,
    })
}

type Tasks = Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>;

/// One peer connection to Janus, with its relay when the options impair the network (its
/// task joins `media`, so it stops with the participant).
async fn side(
    shared: &Arc<Shared>,
    opts: &ParticipantOptions,
    media: &Tasks,
    salt: u64,
) -> anyhow::Result<Side> {
    let (pc, candidates) = peer::build(shared, opts.bind_ip).await?;
    let mut tasks = Vec::new();
    let relay = Relay::for_connection(opts, salt, &mut tasks).await?;
    media
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(tasks);
    Ok(Side {
        pc,
        candidates,
        relay,
    })
}

/// Publishes: the offer of the send-only transceivers, Janus's answer, media started.
async fn publish(
    session: &Session,
    handle: u64,
    side: &Side,
    shared: &Arc<Shared>,
    opts: &ParticipantOptions,
    media: &Tasks,
) -> anyhow::Result<()> {
    let pc = &side.pc;
    let publisher = Publisher::add(pc, &opts.media).await?;
    let offer = pc.create_offer(None).await?;
    pc.set_local_description(offer).await?;
    let sdp = pc
        .local_description()
        .await
        .map(|d| d.sdp)
        .context("no local description")?;
    // Our RIDs are listed low to high (`q`, `h`, `f`); Janus assumes high to low unless told.
    let jsep = json!({ "type": "offer", "sdp": sdp, "rid_order": "lmh" });
    let body = json!({ "request": "publish", "audiocodec": "opus", "videocodec": "vp8" });
    let reply = session
        .message(handle, body, Some(jsep))
        .await
        .map_err(|e: JanusError| anyhow::anyhow!(e))
        .context("VideoRoom publish")?;
    let answer = reply
        .jsep
        .context("Janus answered the publication without SDP")?;
    let sdp = relay::through(side.relay.as_ref(), answer.sdp);
    pc.set_remote_description(RTCSessionDescription::answer(sdp)?)
        .await?;
    let since = ms_since(shared.joined_at);
    shared.with_stats(|s| {
        s.negotiations += 1;
        s.phases.answer_ms.get_or_insert(since);
    });
    let tasks = publisher.start(shared, &opts.media).await?;
    media
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(tasks);
    Ok(())
}
