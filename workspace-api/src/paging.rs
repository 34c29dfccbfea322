//! Cursor pagination. A cursor is opaque to clients: base64url of a small JSON document
//! holding the sort key of the last item and a scope string (the query it belongs to), so a
//! cursor replayed against another query is refused rather than silently skipping rows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;
/// Longer strings are not cursors we made; refuse before decoding.
pub(crate) const MAX_CURSOR_LEN: usize = 1024;

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Envelope<K> {
    s: String,
    k: K,
}

/// Validates `limit` (1..=100, default 20).
pub fn limit(requested: Option<i64>) -> Result<i64, ApiError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid_query(format!(
            "limit must be between 1 and {MAX_LIMIT}."
        ))),
    }
}

pub fn encode_cursor<K: Serialize>(scope: &str, key: &K) -> String {
    let json = serde_json::to_vec(&Envelope {
        s: scope.to_owned(),
        k: key,
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor made by [`encode_cursor`] for the same scope.
pub fn decode_cursor<K: DeserializeOwned>(scope: &str, cursor: &str) -> Result<K, ApiError> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(ApiError::invalid_cursor());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::invalid_cursor())?;
    let env: Envelope<K> =
        serde_json::from_slice(&bytes).map_err(|_| ApiError::invalid_cursor())?;
    if env.s != scope {
        return Err(ApiError::invalid_cursor());
    }
    Ok(env.k)
}

/// The paging of one list request: the validated `limit`, the keyset position its cursor
/// holds, and the scope (the query) the cursor must belong to. Handlers fetch
/// [`PageRequest::fetch`] rows after [`PageRequest::after`] and hand them to
/// [`PageRequest::page`].
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: i64,
    pub after: Option<K>,
    scope: String,
}

impl<K: Serialize + DeserializeOwned> PageRequest<K> {
    /// Checks `limit` (400 `invalid_query`), then decodes `cursor` for `scope` (400
    /// `invalid_cursor`).
    pub fn new(
        scope: impl Into<String>,
        cursor: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Self, ApiError> {
        let limit = self::limit(limit)?;
        let scope = scope.into();
        let after = cursor.map(|c| decode_cursor(&scope, c)).transpose()?;
        Ok(PageRequest {
            limit,
            after,
            scope,
        })
    }

    /// How many rows to fetch: one more than a page, which says whether another follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// The page of `rows` (fetched with [`PageRequest::fetch`]), `key` giving each row's
    /// keyset position.
    pub fn page<T>(&self, rows: Vec<T>, key: impl Fn(&T) -> K) -> Page<T> {
        page(rows, self.limit, &self.scope, key, |t| t)
    }
}

/// Turns `limit + 1` fetched rows into a page: the extra row only says another page exists.
pub fn page<T, U, K: Serialize>(
    mut rows: Vec<T>,
    limit: i64,
    scope: &str,
    key: impl Fn(&T) -> K,
    item: impl Fn(T) -> U,
) -> Page<U> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let next_cursor = if more {
        rows.last().map(|last| encode_cursor(scope, &key(last)))
    } else {
        None
    };
    Page {
        items: rows.into_iter().map(item).collect(),
        next_cursor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_scope() {
        let c = encode_cursor("q=민수", &(1, "김민수", 7));
        let k: (i64, String, i64) = decode_cursor("q=민수", &c).unwrap();
        assert_eq!(k, (1, "김민수".to_owned(), 7));
        assert_eq!(
            decode_cursor::<(i64, String, i64)>("q=다른", &c)
                .unwrap_err()
                .code,
            "invalid_cursor"
        );
    }

    #[test]
    fn garbage_cursors_are_refused() {
        for bad in ["", "!!!", "e30", &"A".repeat(2000)] {
            assert!(
                decode_cursor::<(i64, String, i64)>("", bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn page_sets_cursor_only_when_more() {
        let p = page(vec![1, 2, 3], 2, "", |x| *x, |x| x);
        assert_eq!(p.items, vec![1, 2]);
        let after: i32 = decode_cursor("", p.next_cursor.as_deref().unwrap()).unwrap();
        assert_eq!(after, 2);
        assert_eq!(page(vec![1, 2], 2, "", |x| *x, |x| x).next_cursor, None);
    }

    #[test]
    fn page_request_checks_limit_then_cursor() {
        let r = PageRequest::<i64>::new("s", None, Some(2)).unwrap();
        assert_eq!((r.limit, r.after, r.fetch()), (2, None, 3));
        let p = r.page(vec![5, 6, 7], |x| *x);
        assert_eq!(p.items, [5, 6]);
        let next = PageRequest::<i64>::new("s", p.next_cursor.as_deref(), Some(2)).unwrap();
        assert_eq!(next.after, Some(6));
        let bad = PageRequest::<i64>::new("t", p.next_cursor.as_deref(), Some(0));
        assert_eq!(bad.unwrap_err().code, "invalid_query");
        let other = PageRequest::<i64>::new("t", p.next_cursor.as_deref(), None);
        assert_eq!(other.unwrap_err().code, "invalid_cursor");
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
        assert_eq!(limit(Some(100)).unwrap(), 100);
    }
}
