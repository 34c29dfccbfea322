// The workspace API's resources as JSDoc types (docs/api.md and docs/openapi.json are the
// source of truth). Only the fields the app reads are listed.

/**
 * @typedef {object} Account
 * @property {number} id
 * @property {string} login
 * @property {string} display_name
 * @property {'system_admin' | 'agency_admin' | 'member'} role
 * @property {number | null} agency_id
 * @property {number | null} employee_id
 */

/** @typedef {{account: Account, via: string, scopes: string[]}} Me */

/**
 * @template T
 * @typedef {{items: T[], next_cursor: string | null}} Page
 */

/** @typedef {{id: number, code: string, name_ko: string, name_en: string, version: number}} Agency */

/**
 * @typedef {object} Unit
 * @property {number} id
 * @property {number} agency_id
 * @property {number | null} parent_id
 * @property {string} name_ko
 * @property {string} name_en
 * @property {number} sort_order
 */

/**
 * @typedef {object} Employee
 * @property {number} id
 * @property {number} agency_id
 * @property {number | null} unit_id
 * @property {string} name_ko
 * @property {string} name_en
 * @property {string} title
 * @property {string} grade
 * @property {string | null} office_phone
 * @property {string | null} mobile
 * @property {string | null} email
 * @property {string | null} location
 */

/**
 * @typedef {object} Project
 * @property {number} id
 * @property {string} name_ko
 * @property {string} name_en
 * @property {string} description
 * @property {number} lead_agency_id
 * @property {number[]} agency_ids
 * @property {boolean} public
 * @property {boolean} archived
 * @property {'lead' | 'member' | 'viewer' | null} my_role
 * @property {number} version
 */

/**
 * @typedef {object} Member
 * @property {number} account_id
 * @property {string} login
 * @property {string} display_name
 * @property {number | null} agency_id
 * @property {'lead' | 'member' | 'viewer'} role
 * @property {number} version
 */

/** @typedef {{key: string, name: string, done: boolean, position?: number}} Column */

/** @typedef {'low' | 'normal' | 'high' | 'urgent'} Priority */

/**
 * @typedef {object} Task
 * @property {number} id
 * @property {number} project_id
 * @property {string} column
 * @property {string} title
 * @property {string} description
 * @property {number[]} assignees
 * @property {string | null} start_date
 * @property {string | null} due_date
 * @property {Priority} priority
 * @property {string[]} labels
 * @property {number} version
 */

/** @typedef {Column & {tasks: Task[], next_cursor: string | null}} BoardColumn */
/** @typedef {{project_id: number, columns: BoardColumn[]}} Board */

/** @typedef {{id: number, task_id: number, at_ms: number, actor_id: number | null, from_column: string | null, to_column: string}} HistoryEntry */
/** @typedef {{id: number, task_id: number, author_id: number, body: string, created_ms: number, version: number}} Comment */

/** @typedef {'public' | 'partial' | 'restricted'} Classification */

/**
 * @typedef {object} Memo
 * @property {number} id
 * @property {number} author_id
 * @property {string} title
 * @property {string} [body]
 * @property {string} excerpt
 * @property {Classification} classification
 * @property {'owner' | 'editor' | 'reader'} access
 * @property {number} updated_ms
 * @property {number} version
 */

/** @typedef {'account' | 'unit' | 'agency' | 'project'} ShareKind */
/** A share entry; `name` (answers only) is the target's name, null when not the caller's to read. */
/** @typedef {{target: {kind: ShareKind, id: number}, permission: 'reader' | 'editor', name?: string | null}} Share */

/**
 * @typedef {object} Announcement
 * @property {number} id
 * @property {'everyone' | 'agency' | 'project'} scope
 * @property {number | null} agency_id
 * @property {number | null} project_id
 * @property {number} author_id
 * @property {string} title
 * @property {string} body
 * @property {boolean} pinned
 * @property {number | null} expires_ms
 * @property {number} created_ms
 * @property {number} version
 * @property {boolean} acked_by_me
 * @property {number} ack_count
 */

/**
 * @typedef {object} AuditEntry
 * @property {number} id
 * @property {number} at_ms
 * @property {string} actor
 * @property {string} action
 * @property {string} entity
 * @property {number} entity_id
 * @property {unknown} detail
 * @property {number | null} agency_id
 */

/**
 * @typedef {object} ConferenceRoom
 * @property {number} id
 * @property {number} agency_id
 * @property {string} site
 * @property {string} name
 * @property {string} floor
 * @property {number} capacity
 * @property {string[]} equipment
 * @property {number} version
 */

/**
 * @typedef {object} Booking
 * @property {number} id
 * @property {number} room_id
 * @property {number} start_ms
 * @property {number} end_ms
 * @property {string} title
 * @property {number} booked_by
 * @property {number | null} meeting_id
 * @property {number | null} cancelled_ms
 * @property {number} version
 */

/**
 * @typedef {object} Meeting
 * @property {number} id
 * @property {string} title
 * @property {string} description
 * @property {number} start_ms
 * @property {number} end_ms
 * @property {number} organiser_id
 * @property {number[]} attendees
 * @property {string} organiser_name
 * @property {Array<{id: number, display_name: string}>} attendee_names
 * @property {number | null} project_id
 * @property {Booking | null} booking
 * @property {string} video_room
 * @property {number} created_ms
 * @property {number | null} cancelled_ms
 * @property {number} version
 */

/** @typedef {{today: Meeting[], upcoming: Meeting[]}} MyMeetings */
/** @typedef {{room: string, token: string, expires_ms: number, url: string}} RoomTicket */

/** An agency identity provider offered on the sign-in screen. */
/** @typedef {{id: string, name_ko: string, name_en: string, start_url: string}} Provider */

/**
 * An account as administrators see it (GET /accounts).
 * @typedef {Account & {created_ms: number, disabled_ms: number | null, version: number}} AdminAccount
 */

/** @typedef {{id: number, kind: string, entity: string, entity_id: number, at_ms: number, data: Record<string, unknown>}} LiveEvent */

export {};
