//! `ApiError`: the one error type at the HTTP edge, rendered as RFC 9457
//! `application/problem+json` with a stable `code` and a Korean + English message.
//!
//! Body shape (documented in docs/api.md):
//! `{type, title, status, detail, code, message: {ko, en}, errors?: [{field, message}]}`.
//! `title` is fixed per `code` (English), `detail` repeats `message.en` for generic RFC 9457
//! clients, and `message` is what a user interface shows.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::{CredentialProblem, Entity, StoreError};

/// A field-level validation failure, listed in `errors`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: Message,
}

/// A message in both languages of the hub (Korean first).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Message {
    pub ko: String,
    pub en: String,
}

/// An error answered to an API client.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {}", message.en)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub message: Message,
    pub errors: Vec<FieldError>,
    /// Seconds for a `Retry-After` header (429). Non-zero, which also keeps `ApiError` small.
    pub retry_after: Option<std::num::NonZeroU32>,
    /// RFC 9457 extension members, e.g. `booking_id` of the booking a new one collides with.
    /// Boxed: most errors have none, and `Result<_, ApiError>` should stay small.
    pub extensions: Option<Box<serde_json::Map<String, serde_json::Value>>>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    message: &'a Message,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
    #[serde(flatten)]
    extensions: Option<&'a serde_json::Map<String, serde_json::Value>>,
}

/// The RFC 9457 body of every error, as the OpenAPI document describes it ([`Problem`] is
/// the borrowed form that is actually serialised).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDoc {
    /// URI naming the problem type: `urn:govhub:problem:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// `message.en`, for generic clients.
    pub detail: String,
    /// Stable machine-readable code, e.g. `not_found`, `stale_version`.
    pub code: String,
    pub message: Message,
    /// Field-level validation failures (422 only).
    pub errors: Option<Vec<FieldError>>,
    /// `booking_overlap` only: the id of the booking the requested one collides with.
    pub booking_id: Option<i64>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        ko: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        let message = Message {
            ko: ko.into(),
            en: en.into(),
        };
        Self {
            status,
            code,
            title,
            message,
            errors: Vec::new(),
            retry_after: None,
            extensions: None,
        }
    }

    /// Adds an extension member to the problem body.
    pub fn with_extension(mut self, name: &str, value: serde_json::Value) -> Self {
        self.extensions
            .get_or_insert_with(Default::default)
            .insert(name.to_owned(), value);
        self
    }

    /// 503: the hub was started without a room-token issuer, so nobody can be let in.
    pub fn room_tokens_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "room_tokens_unavailable",
            "Room tokens unavailable",
            "이 서버에서는 회의 입장 토큰을 발급할 수 없습니다.",
            "This server cannot issue room tokens for video meetings.",
        )
    }

    /// 401: no credentials, or ones that sign nobody in.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Unauthenticated",
            "로그인이 필요합니다.",
            "Sign in, or send a valid bearer token.",
        )
    }

    fn credential(problem: CredentialProblem) -> Self {
        let (code, ko, en) = match problem {
            CredentialProblem::Unknown => return Self::unauthenticated(),
            CredentialProblem::SessionExpired => (
                "session_expired",
                "로그인 세션이 만료되었습니다. 다시 로그인하세요.",
                "Your session has expired; sign in again.",
            ),
            CredentialProblem::TokenExpired => (
                "token_expired",
                "API 토큰이 만료되었습니다.",
                "This API token has expired.",
            ),
            CredentialProblem::TokenRevoked => (
                "token_revoked",
                "폐기된 API 토큰입니다.",
                "This API token has been revoked.",
            ),
        };
        Self::new(StatusCode::UNAUTHORIZED, code, "Unauthenticated", ko, en)
    }

    /// 422 with one field error; more can be added with [`ApiError::with_field`].
    pub fn validation(field: &str, ko: &str, en: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "Validation failed",
            "입력값이 올바르지 않습니다.",
            "Some fields are invalid.",
        )
        .with_field(field, ko, en)
    }

    pub fn with_field(mut self, field: &str, ko: &str, en: &str) -> Self {
        let message = Message {
            ko: ko.into(),
            en: en.into(),
        };
        self.errors.push(FieldError {
            field: field.into(),
            message,
        });
        self
    }

    pub fn not_found(entity: Entity) -> Self {
        let (code, ko) = match entity {
            Entity::Agency => ("agency_not_found", "기관을 찾을 수 없습니다."),
            Entity::Unit => ("unit_not_found", "부서를 찾을 수 없습니다."),
            Entity::Employee => ("employee_not_found", "직원을 찾을 수 없습니다."),
            Entity::Account => ("account_not_found", "계정을 찾을 수 없습니다."),
            Entity::Session => ("session_not_found", "세션을 찾을 수 없습니다."),
            Entity::ApiToken => ("token_not_found", "API 토큰을 찾을 수 없습니다."),
            Entity::Project => ("project_not_found", "프로젝트를 찾을 수 없습니다."),
            Entity::Task => ("task_not_found", "업무를 찾을 수 없습니다."),
            Entity::Comment => ("comment_not_found", "댓글을 찾을 수 없습니다."),
            Entity::Memo => ("memo_not_found", "메모를 찾을 수 없습니다."),
            Entity::Announcement => ("announcement_not_found", "공지를 찾을 수 없습니다."),
            Entity::Meeting => ("meeting_not_found", "회의를 찾을 수 없습니다."),
            Entity::ConferenceRoom => ("room_not_found", "회의실을 찾을 수 없습니다."),
            Entity::Booking => ("booking_not_found", "예약을 찾을 수 없습니다."),
            Entity::Position => ("position_not_found", "직위를 찾을 수 없습니다."),
            Entity::Grade => ("grade_not_found", "직급을 찾을 수 없습니다."),
            Entity::ExtraField => ("extra_field_not_found", "추가 항목을 찾을 수 없습니다."),
            Entity::Column => ("column_not_found", "보드 열을 찾을 수 없습니다."),
            Entity::GuestLink => ("guest_link_not_found", "유효하지 않은 게스트 링크입니다."),
        };
        let en = format!("The {} does not exist.", entity.name());
        Self::new(StatusCode::NOT_FOUND, code, "Not found", ko, en)
    }

    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            "Not found",
            "없는 API 경로입니다.",
            "No such API endpoint.",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            "이 경로에서 지원하지 않는 메서드입니다.",
            "This endpoint does not support that method.",
        )
    }

    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition_failed",
            "Precondition failed",
            "다른 사용자가 먼저 수정했습니다. 새로 불러온 뒤 다시 시도하세요.",
            "The resource changed since you read it; fetch it again and retry.",
        )
    }

    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition_required",
            "Precondition required",
            "수정하려면 If-Match 헤더에 ETag를 보내야 합니다.",
            "Send the resource's ETag in an If-Match header to change it.",
        )
    }

    pub fn invalid_cursor() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_cursor",
            "Invalid cursor",
            "페이지 커서가 올바르지 않습니다.",
            "The pagination cursor is not valid; start again without it.",
        )
    }

    pub fn invalid_query(en: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "Invalid query",
            "검색 조건이 올바르지 않습니다.",
            en,
        )
    }

    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "서버 오류가 발생했습니다. 잠시 후 다시 시도하세요.",
            "The server failed; try again later.",
        )
    }

    fn busy() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_busy",
            "Service busy",
            "요청이 몰려 처리하지 못했습니다. 다시 시도하세요.",
            "The database was busy with other changes; retry the request.",
        )
    }

    fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "Service unavailable",
            "데이터베이스에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
            "The database is unreachable; try again later.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: format!("urn:govhub:problem:{}", self.code),
            title: self.title,
            status: self.status.as_u16(),
            detail: &self.message.en,
            code: self.code,
            message: &self.message,
            errors: &self.errors,
            extensions: self.extensions.as_deref(),
        };
        let mut res = (self.status, Json(&problem)).into_response();
        let headers = res.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"govhub\""),
            );
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs.get()));
        }
        res
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let en = rejection.body_text();
        match rejection {
            JsonRejection::JsonDataError(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "Invalid body",
                "요청 본문의 필드나 형식이 올바르지 않습니다.",
                en,
            ),
            JsonRejection::JsonSyntaxError(_) => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "Invalid JSON",
                "요청 본문이 올바른 JSON이 아닙니다.",
                en,
            ),
            JsonRejection::MissingJsonContentType(_) => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                "Content-Type: application/json 으로 보내야 합니다.",
                en,
            ),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                "요청 본문이 너무 큽니다.",
                "The request body is larger than this server accepts.",
            ),
            _ => Self::new(
                StatusCode::BAD_REQUEST,
                "unreadable_body",
                "Unreadable body",
                "요청 본문을 읽을 수 없습니다.",
                en,
            ),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::invalid_query(rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_path",
            "Invalid path",
            "경로의 식별자가 올바르지 않습니다.",
            rejection.body_text(),
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(entity) => Self::not_found(entity),
            StoreError::Stale => Self::precondition_failed(),
            StoreError::UnknownReference(entity, field) => {
                let en = format!("No {} has this id.", entity.name());
                let mut e = Self::validation(field, "존재하지 않는 항목을 가리킵니다.", &en);
                e.code = match entity {
                    Entity::Agency => "unknown_agency",
                    Entity::Unit => "unknown_unit",
                    Entity::Employee => "unknown_employee",
                    Entity::Account => "unknown_account",
                    Entity::Project => "unknown_project",
                    Entity::ConferenceRoom => "unknown_room",
                    Entity::Position => "unknown_position",
                    Entity::Grade => "unknown_grade",
                    Entity::Column => "unknown_column",
                    Entity::Task => "unknown_task",
                    _ => "validation_failed",
                };
                e
            }
            StoreError::Cycle => Self::new(
                StatusCode::CONFLICT,
                "unit_cycle",
                "Unit cycle",
                "부서를 자기 자신이나 하위 부서 아래로 옮길 수 없습니다.",
                "A unit cannot be moved under itself or one of its descendants.",
            ),
            StoreError::CrossAgency(field) => Self::validation(
                field,
                "같은 기관의 항목이어야 합니다.",
                "It must belong to the same agency.",
            ),
            StoreError::Duplicate(field) => {
                let en = format!("Another record already uses this {field}.");
                let mut e = Self::new(
                    StatusCode::CONFLICT,
                    "duplicate",
                    "Duplicate",
                    "이미 사용 중인 값입니다.",
                    en,
                );
                e.errors.push(FieldError {
                    field: field.into(),
                    message: Message {
                        ko: "이미 사용 중입니다.".into(),
                        en: "Already in use.".into(),
                    },
                });
                e
            }
            StoreError::Forbidden { ko, en } => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", ko, en)
            }
            StoreError::InvalidCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "Invalid credentials",
                "아이디 또는 비밀번호가 올바르지 않습니다.",
                "The login or the password is wrong.",
            ),
            StoreError::LoginThrottled(secs) => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    "Too many attempts",
                    "로그인 실패가 많아 잠시 잠겼습니다. 잠시 후 다시 시도하세요.",
                    format!("Too many failed sign-ins; try again in {secs} s."),
                );
                let secs = u32::try_from(secs).unwrap_or(u32::MAX).max(1);
                e.retry_after = std::num::NonZeroU32::new(secs);
                e
            }
            StoreError::Credential(problem) => Self::credential(problem),
            StoreError::Conflict(code) => {
                let (ko, en) = rule_message(code);
                Self::new(StatusCode::CONFLICT, code, "Conflict", ko, en)
            }
            StoreError::Invalid { code, field } => {
                let (ko, en) = rule_message(code);
                let mut e = Self::validation(field, ko, en);
                e.code = code;
                e
            }
            StoreError::LastSystemAdmin => Self::new(
                StatusCode::CONFLICT,
                "last_system_admin",
                "Last system administrator",
                "마지막 시스템 관리자는 권한을 낮추거나 비활성화할 수 없습니다.",
                "This is the last enabled system administrator; it cannot be demoted or disabled.",
            ),
            StoreError::WrongPassword => Self::new(
                StatusCode::FORBIDDEN,
                "wrong_password",
                "Wrong password",
                "현재 비밀번호가 올바르지 않습니다.",
                "The current password is wrong.",
            ),
            StoreError::BookingOverlap(id) => Self::new(
                StatusCode::CONFLICT,
                "booking_overlap",
                "Booking overlap",
                format!("그 시간에 회의실이 이미 예약되어 있습니다 (예약 {id})."),
                format!("The room is already booked for part of that time (booking {id})."),
            )
            .with_extension("booking_id", id.0.into()),
            StoreError::Cancelled(entity) => {
                let (code, ko) = match entity {
                    Entity::Booking => ("booking_cancelled", "이미 취소된 예약입니다."),
                    _ => ("meeting_cancelled", "취소된 회의입니다."),
                };
                let en = format!("The {} has been cancelled.", entity.name());
                Self::new(StatusCode::CONFLICT, code, "Cancelled", ko, en)
            }
            StoreError::StateConflict(code, ko, en) => {
                Self::new(StatusCode::CONFLICT, code, "Conflict", ko, en)
            }
            StoreError::Field(field, ko, en) => Self::validation(field, ko, en),
            StoreError::GuestLinkExpired => Self::new(
                StatusCode::GONE,
                "guest_link_expired",
                "Guest link expired",
                "게스트 링크가 만료되었습니다. 회의 주최자에게 새 링크를 요청하세요.",
                "This guest link has expired; ask the organiser for a new one.",
            ),
            StoreError::GuestLinkRevoked => Self::new(
                StatusCode::GONE,
                "guest_link_revoked",
                "Guest link revoked",
                "회의 주최자가 이 게스트 링크를 취소했습니다.",
                "The organiser revoked this guest link; ask them for a new one.",
            ),
            StoreError::InvalidInput(field) => {
                Self::validation(field, "올바르지 않은 값입니다.", "Invalid value.")
            }
            StoreError::InvalidField { field, ko, en } => Self::validation(&field, ko, en),
            StoreError::Db(db) if is_unavailable(&db) => {
                tracing::warn!(error = %db, "store unavailable");
                Self::unavailable()
            }
            StoreError::Db(db) if is_busy(&db) => {
                tracing::warn!(error = %db, "store busy");
                Self::busy()
            }
            other => {
                tracing::error!(error = %other, "store failure");
                Self::internal()
            }
        }
    }
}

/// Messages of the reasons given to [`StoreError::forbidden`].
pub(crate) fn forbidden_message(reason: &str) -> (&'static str, &'static str) {
    match reason {
        "project_lead" => (
            "프로젝트 책임자만 할 수 있습니다.",
            "Only a lead of this project may do this.",
        ),
        "project_write" => (
            "이 프로젝트의 구성원만 업무를 변경할 수 있습니다.",
            "Only members and leads of this project may change its tasks.",
        ),
        "comment_author" => (
            "자신이 쓴 댓글만 고치거나 지울 수 있습니다.",
            "Only the author may edit or delete a comment.",
        ),
        "lead_agency" => (
            "자기 기관이 주관하는 프로젝트만 만들 수 있습니다.",
            "You may only create projects led by your own agency.",
        ),
        _ => ("권한이 없습니다.", "You may not do this."),
    }
}

/// Messages of the codes of [`StoreError::Conflict`] and [`StoreError::Invalid`].
fn rule_message(code: &str) -> (&'static str, &'static str) {
    match code {
        "last_lead" => (
            "프로젝트에는 책임자가 한 명 이상 있어야 합니다.",
            "A project needs at least one lead; add another lead first.",
        ),
        "lead_agency_required" => (
            "주관 기관은 참여 기관에서 뺄 수 없습니다.",
            "The lead agency cannot leave its own project.",
        ),
        "project_archived" => (
            "보관된 프로젝트는 변경할 수 없습니다.",
            "The project is archived; unarchive it to change its board.",
        ),
        "assignee_not_member" => (
            "담당자는 프로젝트 구성원이어야 합니다.",
            "Every assignee must be a member of the project.",
        ),
        "due_before_start" => (
            "마감일은 시작일보다 빠를 수 없습니다.",
            "The due date cannot be before the start date.",
        ),
        "too_many_columns" => (
            "보드 열은 30개까지 만들 수 있습니다.",
            "A board has at most 30 columns.",
        ),
        "column_position" => (
            "열 위치가 범위를 벗어났습니다.",
            "The position is outside the board's columns.",
        ),
        _ => (
            "요청을 처리할 수 없는 상태입니다.",
            "The change conflicts with the current state.",
        ),
    }
}

fn is_unavailable(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
    )
}

/// Contention the client can simply retry: SQLite busy/locked (after its busy timeout),
/// PostgreSQL serialization failure, deadlock or lock timeout.
fn is_busy(err: &sqlx::Error) -> bool {
    const CODES: [&str; 6] = ["5", "6", "517", "40001", "40P01", "55P03"];
    err.as_database_error()
        .and_then(|db| db.code())
        .is_some_and(|code| CODES.contains(&code.as_ref()))
}
