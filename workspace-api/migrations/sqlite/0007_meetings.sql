-- Conference rooms (physical video-conference rooms of a building), their bookings, meetings
-- with attendees and a video room, and the guest links of meetings.
-- Keep in step with ../postgres/0007_meetings.sql.
--
-- Bookings never overlap on one room. The store enforces it inside the booking transaction:
-- SQLite's `BEGIN IMMEDIATE` takes the database write lock before the check for an overlapping
-- live booking, so concurrent bookings run one after the other and the loser learns which
-- booking it collided with. (PostgreSQL locks the room row instead; see its migration.)

CREATE TABLE conference_rooms (
    id         INTEGER PRIMARY KEY,
    agency_id  INTEGER NOT NULL REFERENCES agencies(id),
    site       TEXT NOT NULL,
    name       TEXT NOT NULL,
    floor      TEXT NOT NULL DEFAULT '',
    capacity   INTEGER NOT NULL CHECK (capacity > 0),
    -- JSON array of strings, e.g. ["video codec", "display", "mics"].
    equipment  TEXT NOT NULL DEFAULT '[]',
    created_ms INTEGER NOT NULL,
    deleted_ms INTEGER,
    version    INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX conference_rooms_site_name ON conference_rooms(site, name)
    WHERE deleted_ms IS NULL;
CREATE INDEX conference_rooms_list ON conference_rooms(site, id);

CREATE TABLE meetings (
    id           INTEGER PRIMARY KEY,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    start_ms     INTEGER NOT NULL,
    end_ms       INTEGER NOT NULL,
    organiser_id INTEGER NOT NULL REFERENCES accounts(id),
    agency_id    INTEGER REFERENCES agencies(id),
    project_id   INTEGER REFERENCES projects(id),
    video_room   TEXT NOT NULL UNIQUE,
    created_ms   INTEGER NOT NULL,
    cancelled_ms INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    CHECK (end_ms > start_ms)
);
CREATE INDEX meetings_organiser ON meetings(organiser_id, start_ms);
CREATE INDEX meetings_project ON meetings(project_id, start_ms);

CREATE TABLE meeting_attendees (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    PRIMARY KEY (meeting_id, account_id)
);
CREATE INDEX meeting_attendees_account ON meeting_attendees(account_id, meeting_id);

CREATE TABLE room_bookings (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES conference_rooms(id),
    start_ms     INTEGER NOT NULL,
    end_ms       INTEGER NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    booked_by    INTEGER NOT NULL REFERENCES accounts(id),
    meeting_id   INTEGER REFERENCES meetings(id),
    created_ms   INTEGER NOT NULL,
    cancelled_ms INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    CHECK (end_ms > start_ms)
);
CREATE INDEX room_bookings_room ON room_bookings(room_id, start_ms);
CREATE INDEX room_bookings_meeting ON room_bookings(meeting_id);

-- Only the SHA-256 of a link's secret is kept, like sessions and API tokens.
CREATE TABLE meeting_guest_links (
    id          INTEGER PRIMARY KEY,
    meeting_id  INTEGER NOT NULL REFERENCES meetings(id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_by  INTEGER NOT NULL REFERENCES accounts(id),
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL
);
CREATE INDEX meeting_guest_links_meeting ON meeting_guest_links(meeting_id);
