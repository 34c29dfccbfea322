//! Conference rooms and their bookings. A booking never overlaps another live booking of the
//! same room: every booking write locks the room first ([`lock_room`]: the row lock on
//! PostgreSQL, the database write lock that `BEGIN IMMEDIATE` already holds on SQLite), then
//! checks ([`check_free`]) and writes in the same transaction, so two concurrent requests
//! for one slot run one after the other and the second sees the first.
//! Rooms are soft-deleted (`deleted_ms`) so that past bookings keep their room.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Backend, Entity, Store, StoreError, Tx, audit, now_ms, unique_as};
use crate::auth::AccountId;
use crate::extract::Actor;
use crate::model::{
    AgencyId, Booking, BookingId, ConferenceRoom, ConferenceRoomId, ConferenceRoomPatch, MeetingId,
    NewBooking, NewConferenceRoom,
};

const ROOM_COLUMNS: &str = "id, agency_id, site, name, floor, capacity, equipment, version";
pub(crate) const BOOKING_COLUMNS: &str =
    "id, room_id, start_ms, end_ms, title, booked_by, meeting_id, cancelled_ms, version";

/// Which rooms `GET /rooms` lists.
#[derive(Debug, Clone, Default)]
pub struct RoomFilter {
    pub site: Option<String>,
    pub min_capacity: Option<i64>,
    pub agency: Option<AgencyId>,
}

fn room_from_row(row: &AnyRow) -> Result<ConferenceRoom, StoreError> {
    let equipment: String = row.try_get("equipment")?;
    Ok(ConferenceRoom {
        id: ConferenceRoomId(row.try_get("id")?),
        agency_id: AgencyId(row.try_get("agency_id")?),
        site: row.try_get("site")?,
        name: row.try_get("name")?,
        floor: row.try_get("floor")?,
        capacity: row.try_get("capacity")?,
        equipment: serde_json::from_str(&equipment).unwrap_or_default(),
        version: row.try_get("version")?,
    })
}

pub(crate) fn booking_from_row(row: &AnyRow) -> Result<Booking, sqlx::Error> {
    Ok(Booking {
        id: BookingId(row.try_get("id")?),
        room_id: ConferenceRoomId(row.try_get("room_id")?),
        start_ms: row.try_get("start_ms")?,
        end_ms: row.try_get("end_ms")?,
        title: row.try_get("title")?,
        booked_by: AccountId(row.try_get("booked_by")?),
        meeting_id: row.try_get::<Option<i64>, _>("meeting_id")?.map(MeetingId),
        cancelled_ms: row.try_get("cancelled_ms")?,
        version: row.try_get("version")?,
    })
}

impl Store {
    /// Live rooms ordered by site, name and id, after the cursor key `after`.
    pub async fn list_rooms(
        &self,
        filter: &RoomFilter,
        after: Option<(String, String, i64)>,
        limit: i64,
    ) -> Result<Vec<ConferenceRoom>, StoreError> {
        let c = self.backend().collate();
        let sql = format!(
            "SELECT {ROOM_COLUMNS} FROM conference_rooms WHERE deleted_ms IS NULL \
             AND ($1 = '' OR site = $1) AND capacity >= $2 AND ($3 < 0 OR agency_id = $3) \
             AND (site{c}, name{c}, id) > ($4{c}, $5{c}, $6) \
             ORDER BY site{c}, name{c}, id LIMIT $7"
        );
        let (site, name, id) = after.unwrap_or_else(|| (String::new(), String::new(), i64::MIN));
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(filter.site.as_deref().unwrap_or(""))
            .bind(filter.min_capacity.unwrap_or(0))
            .bind(filter.agency.map_or(-1, |a| a.0))
            .bind(site)
            .bind(name)
            .bind(id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(room_from_row).collect()
    }

    pub async fn get_room(&self, id: ConferenceRoomId) -> Result<ConferenceRoom, StoreError> {
        let sql = format!(
            "SELECT {ROOM_COLUMNS} FROM conference_rooms WHERE id = $1 AND deleted_ms IS NULL"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref()
            .map(room_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound(Entity::ConferenceRoom))
    }

    pub async fn create_room(
        &self,
        actor: &Actor,
        new: &NewConferenceRoom,
    ) -> Result<ConferenceRoom, StoreError> {
        let mut tx = self.begin().await?;
        let agencies: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agencies WHERE id = $1")
            .bind(new.agency_id.0)
            .fetch_one(&mut *tx)
            .await?;
        if agencies == 0 {
            return Err(StoreError::UnknownReference(Entity::Agency, "agency_id"));
        }
        let sql = format!(
            "INSERT INTO conference_rooms (agency_id, site, name, floor, capacity, equipment, created_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ROOM_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(new.agency_id.0)
            .bind(&new.site)
            .bind(&new.name)
            .bind(&new.floor)
            .bind(new.capacity)
            .bind(json!(new.equipment).to_string())
            .bind(now_ms())
            .fetch_one(&mut *tx)
            .await
            .map_err(unique_as("name"))?;
        let room = room_from_row(&row)?;
        let (agency, id) = (Some(room.agency_id), room.id.0);
        audit(
            &mut tx,
            actor,
            agency,
            "create",
            Entity::ConferenceRoom,
            id,
            json!(new),
        )
        .await?;
        self.commit(tx).await?;
        Ok(room)
    }

    pub async fn update_room(
        &self,
        actor: &Actor,
        id: ConferenceRoomId,
        expected_version: i64,
        patch: &ConferenceRoomPatch,
    ) -> Result<ConferenceRoom, StoreError> {
        let mut tx = self.begin().await?;
        let sql = format!(
            "UPDATE conference_rooms SET site = COALESCE($1, site), name = COALESCE($2, name), \
             floor = COALESCE($3, floor), capacity = COALESCE($4, capacity), \
             equipment = COALESCE($5, equipment), version = version + 1 \
             WHERE id = $6 AND version = $7 AND deleted_ms IS NULL RETURNING {ROOM_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(patch.site.as_deref())
            .bind(patch.name.as_deref())
            .bind(patch.floor.as_deref())
            .bind(patch.capacity)
            .bind(patch.equipment.as_ref().map(|e| json!(e).to_string()))
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(unique_as("name"))?;
        let Some(row) = row else {
            return Err(missing_or_stale_room(&mut tx, id).await);
        };
        let room = room_from_row(&row)?;
        let agency = Some(room.agency_id);
        audit(
            &mut tx,
            actor,
            agency,
            "update",
            Entity::ConferenceRoom,
            id.0,
            json!(patch),
        )
        .await?;
        self.commit(tx).await?;
        Ok(room)
    }

    /// Retires a room. A room with live bookings that have not ended yet is `room_in_use`:
    /// those bookings must be cancelled (or their meetings moved) first.
    pub async fn delete_room(
        &self,
        actor: &Actor,
        id: ConferenceRoomId,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let room = lock_room(&mut tx, self.backend(), id)
            .await?
            .ok_or(StoreError::NotFound(Entity::ConferenceRoom))?;
        if room.version != expected_version {
            return Err(StoreError::Stale);
        }
        let pending: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM room_bookings WHERE room_id = $1 AND cancelled_ms IS NULL \
             AND end_ms > $2",
        )
        .bind(id.0)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        if pending > 0 {
            return Err(StoreError::StateConflict(
                "room_in_use",
                "앞으로 있을 예약이 있는 회의실은 삭제할 수 없습니다.",
                "The room has bookings still to come; cancel them first.",
            ));
        }
        sqlx::query(
            "UPDATE conference_rooms SET deleted_ms = $1, version = version + 1 WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        let agency = Some(room.agency_id);
        audit(
            &mut tx,
            actor,
            agency,
            "delete",
            Entity::ConferenceRoom,
            id.0,
            json!({}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(())
    }

    /// Live bookings of a room that intersect `[from, to)`, by start then id, after `after`.
    pub async fn list_bookings(
        &self,
        room: ConferenceRoomId,
        (from, to): (i64, i64),
        after: Option<(i64, i64)>,
        limit: i64,
    ) -> Result<Vec<Booking>, StoreError> {
        self.get_room(room).await?;
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM room_bookings WHERE room_id = $1 \
             AND cancelled_ms IS NULL AND start_ms < $2 AND end_ms > $3 \
             AND (start_ms, id) > ($4, $5) ORDER BY start_ms, id LIMIT $6"
        );
        let (start, id) = after.unwrap_or((i64::MIN, i64::MIN));
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(room.0)
            .bind(to)
            .bind(from)
            .bind(start)
            .bind(id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .map(booking_from_row)
            .collect::<Result<_, _>>()?)
    }

    pub async fn get_booking(&self, id: BookingId) -> Result<Booking, StoreError> {
        let mut conn = self.pool().acquire().await?;
        fetch_booking(&mut conn, id).await
    }

    /// Books a room for the actor; `BookingOverlap` names the booking in the way.
    pub async fn book_room(
        &self,
        actor: &Actor,
        booker: AccountId,
        room: ConferenceRoomId,
        new: &NewBooking,
    ) -> Result<Booking, StoreError> {
        let mut tx = self.begin().await?;
        let locked = lock_room(&mut tx, self.backend(), room)
            .await?
            .ok_or(StoreError::NotFound(Entity::ConferenceRoom))?;
        check_free(&mut tx, room, (new.start_ms, new.end_ms), None).await?;
        let slot = Slot {
            room,
            start_ms: new.start_ms,
            end_ms: new.end_ms,
        };
        let booking = insert_booking(&mut tx, slot, &new.title, booker, None).await?;
        let detail = json!({"room_id": room, "booking": new});
        let agency = Some(locked.agency_id);
        audit(
            &mut tx,
            actor,
            agency,
            "create",
            Entity::Booking,
            booking.id.0,
            detail,
        )
        .await?;
        self.commit(tx).await?;
        Ok(booking)
    }

    /// Cancels a booking made on its own; a meeting's booking changes with its meeting.
    pub async fn cancel_booking(
        &self,
        actor: &Actor,
        id: BookingId,
        expected_version: i64,
    ) -> Result<Booking, StoreError> {
        let mut tx = self.begin().await?;
        let current = fetch_booking(&mut tx, id).await?;
        if current.meeting_id.is_some() {
            return Err(StoreError::StateConflict(
                "booking_of_meeting",
                "회의에 딸린 예약은 회의에서 변경하거나 취소하세요.",
                "This booking belongs to a meeting; change or cancel the meeting instead.",
            ));
        }
        let sql = format!(
            "UPDATE room_bookings SET cancelled_ms = $1, version = version + 1 \
             WHERE id = $2 AND version = $3 AND cancelled_ms IS NULL RETURNING {BOOKING_COLUMNS}"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(now_ms())
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(if current.cancelled_ms.is_some() {
                StoreError::Cancelled(Entity::Booking)
            } else {
                StoreError::Stale
            });
        };
        let booking = booking_from_row(&row)?;
        let agency: Option<i64> =
            sqlx::query_scalar("SELECT agency_id FROM conference_rooms WHERE id = $1")
                .bind(booking.room_id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let agency = agency.map(AgencyId);
        audit(
            &mut tx,
            actor,
            agency,
            "delete",
            Entity::Booking,
            id.0,
            json!({}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(booking)
    }
}

/// A room and a time range `[start_ms, end_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub room: ConferenceRoomId,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// Locks a live room for the rest of the transaction and reads it; `None` if there is none.
pub(crate) async fn lock_room(
    tx: &mut Tx,
    backend: Backend,
    id: ConferenceRoomId,
) -> Result<Option<ConferenceRoom>, StoreError> {
    let sql = format!(
        "SELECT {ROOM_COLUMNS} FROM conference_rooms WHERE id = $1 AND deleted_ms IS NULL{}",
        backend.for_update()
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(room_from_row).transpose()
}

/// Fails with the first live booking of `room` that intersects `[start, end)`, other than
/// `except` (the booking being moved). Call with the room locked.
pub(crate) async fn check_free(
    tx: &mut Tx,
    room: ConferenceRoomId,
    (start, end): (i64, i64),
    except: Option<BookingId>,
) -> Result<(), StoreError> {
    let clash: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM room_bookings WHERE room_id = $1 AND cancelled_ms IS NULL \
         AND start_ms < $2 AND end_ms > $3 AND id <> $4 ORDER BY start_ms, id LIMIT 1",
    )
    .bind(room.0)
    .bind(end)
    .bind(start)
    .bind(except.map_or(-1, |b| b.0))
    .fetch_optional(&mut **tx)
    .await?;
    match clash {
        Some(id) => Err(StoreError::BookingOverlap(BookingId(id))),
        None => Ok(()),
    }
}

/// Inserts a booking; the caller has locked the room and checked the slot is free.
pub(crate) async fn insert_booking(
    tx: &mut Tx,
    slot: Slot,
    title: &str,
    booker: AccountId,
    meeting: Option<MeetingId>,
) -> Result<Booking, StoreError> {
    let sql = format!(
        "INSERT INTO room_bookings (room_id, start_ms, end_ms, title, booked_by, meeting_id, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {BOOKING_COLUMNS}"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(slot.room.0)
        .bind(slot.start_ms)
        .bind(slot.end_ms)
        .bind(title)
        .bind(booker.0)
        .bind(meeting.map(|m| m.0))
        .bind(now_ms())
        .fetch_one(&mut **tx)
        .await?;
    Ok(booking_from_row(&row)?)
}

async fn fetch_booking(
    conn: &mut sqlx::AnyConnection,
    id: BookingId,
) -> Result<Booking, StoreError> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM room_bookings WHERE id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(booking_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound(Entity::Booking))
}

async fn missing_or_stale_room(tx: &mut Tx, id: ConferenceRoomId) -> StoreError {
    match sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM conference_rooms WHERE id = $1 AND deleted_ms IS NULL",
    )
    .bind(id.0)
    .fetch_one(&mut **tx)
    .await
    {
        Ok(0) => StoreError::NotFound(Entity::ConferenceRoom),
        Ok(_) => StoreError::Stale,
        Err(e) => StoreError::Db(e),
    }
}
