//! A meeting's conference-room booking, made, moved and released in the meeting's own
//! transaction with the same lock-check-write as any booking (`rooms.rs`).

use super::rooms::{Slot, check_free, insert_booking, lock_room};
use super::{Entity, Store, StoreError, Tx, now_ms};
use crate::auth::AccountId;
use crate::model::{Booking, ConferenceRoomId, Meeting, MeetingId};

/// Locks the room, checks the slot (ignoring `moving`, the meeting's own booking) and books
/// it. A room that does not exist is a bad reference in the body, not a missing resource.
pub(super) async fn book_for_meeting(
    tx: &mut Tx,
    store: &Store,
    slot: Slot,
    moving: Option<&Booking>,
    booker: AccountId,
    meeting: MeetingId,
) -> Result<(), StoreError> {
    lock_room(tx, store.backend(), slot.room)
        .await?
        .ok_or(StoreError::UnknownReference(
            Entity::ConferenceRoom,
            "room_id",
        ))?;
    check_free(
        tx,
        slot.room,
        (slot.start_ms, slot.end_ms),
        moving.map(|b| b.id),
    )
    .await?;
    match moving {
        None => {
            insert_booking(tx, slot, "", booker, Some(meeting)).await?;
        }
        Some(b) => {
            sqlx::query(
                "UPDATE room_bookings SET room_id = $1, start_ms = $2, end_ms = $3, \
                 version = version + 1 WHERE id = $4",
            )
            .bind(slot.room.0)
            .bind(slot.start_ms)
            .bind(slot.end_ms)
            .bind(b.id.0)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Brings the meeting's booking to `room` over `range`: books, moves, cancels, or leaves it.
pub(super) async fn move_booking(
    tx: &mut Tx,
    store: &Store,
    current: &Meeting,
    room: Option<ConferenceRoomId>,
    (start, end): (i64, i64),
    booker: AccountId,
) -> Result<(), StoreError> {
    let old = current.booking.as_ref();
    let Some(room) = room else {
        return cancel_meeting_booking(tx, current.id).await;
    };
    if old.is_some_and(|b| b.room_id == room && b.start_ms == start && b.end_ms == end) {
        return Ok(());
    }
    if end <= now_ms() {
        return Err(StoreError::Field(
            "end_ms",
            "이미 지난 시간은 예약할 수 없습니다.",
            "That time is already over.",
        ));
    }
    let slot = Slot {
        room,
        start_ms: start,
        end_ms: end,
    };
    book_for_meeting(tx, store, slot, old, booker, current.id).await
}

pub(super) async fn cancel_meeting_booking(tx: &mut Tx, id: MeetingId) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE room_bookings SET cancelled_ms = $1, version = version + 1 \
         WHERE meeting_id = $2 AND cancelled_ms IS NULL",
    )
    .bind(now_ms())
    .bind(id.0)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
