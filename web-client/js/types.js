// The signaling protocol (version 1) as JSDoc types. `signaling/src/protocol.rs` is the
// source of truth; these mirror its serde shapes (`type` tag, snake_case names).

/** @typedef {'microphone' | 'camera' | 'screen' | 'screen_audio'} TrackSource */
/** @typedef {'audio' | 'video'} TrackKind */

/**
 * @typedef {object} TrackInfo
 * @property {string} track
 * @property {string} participant
 * @property {TrackSource} source
 * @property {TrackKind} kind
 * @property {boolean} simulcast
 */

/**
 * @typedef {object} ParticipantInfo
 * @property {string} participant
 * @property {string} name
 * @property {boolean} mic_muted
 * @property {boolean} camera_muted
 * @property {boolean} speaking
 */

/** @typedef {{mid: string, source: TrackSource}} PublishSpec */
/** @typedef {{mid: string, track: string}} SubscribeSpec */

/**
 * Messages from the client to the hub.
 * @typedef {{type: 'join', v: number, room: string, token: string, name?: string}
 *   | {type: 'resume', participant: string, resume_token: string}
 *   | {type: 'offer', sdp: string, publish: PublishSpec[], subscribe: SubscribeSpec[]}
 *   | {type: 'candidate', candidate: string, mid?: string | null}
 *   | {type: 'unpublish', track: string}
 *   | {type: 'unsubscribe', track: string}
 *   | {type: 'video_size', track: string, width: number, height: number}
 *   | {type: 'mute', source: TrackSource, muted: boolean}
 *   | {type: 'chat', text: string}
 *   | {type: 'ping', id?: number}
 *   | {type: 'leave'}} ClientMessage
 */

/**
 * @typedef {object} JoinedMessage
 * @property {'joined'} type
 * @property {string} room
 * @property {string} participant
 * @property {string} name
 * @property {string} resume_token
 * @property {number} resume_grace_secs
 * @property {ParticipantInfo[]} participants
 * @property {TrackInfo[]} tracks
 * @property {boolean} dev_mode
 */

/**
 * @typedef {object} ResumedMessage
 * @property {'resumed'} type
 * @property {string} participant
 * @property {ParticipantInfo[]} participants
 * @property {TrackInfo[]} tracks
 */

/**
 * @typedef {object} ChatMessage
 * @property {'chat'} type
 * @property {number} id
 * @property {string} participant
 * @property {string} name
 * @property {string} text
 * @property {number} sent_at_ms
 */

/**
 * @typedef {object} ErrorMessage
 * @property {'error'} type
 * @property {string} code
 * @property {string} message
 * @property {boolean} fatal
 * @property {string} [in_reply_to] the `type` of the client message refused, when one was
 */

/**
 * Messages from the hub to the client.
 * @typedef {JoinedMessage | ResumedMessage | ChatMessage | ErrorMessage
 *   | {type: 'answer', sdp: string, published: TrackInfo[]}
 *   | {type: 'participant_joined', participant: ParticipantInfo}
 *   | {type: 'participant_updated', participant: ParticipantInfo}
 *   | {type: 'participant_left', participant: string, reason: string}
 *   | {type: 'track_published', track: TrackInfo}
 *   | {type: 'track_unpublished', track: string}
 *   | {type: 'active_speaker', participant: string}
 *   | {type: 'media_ended', reason: 'timeout' | 'closed'}
 *   | {type: 'pong', id?: number | null}} ServerMessage
 */

export const PROTOCOL_VERSION = 1;
