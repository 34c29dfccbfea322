//! Checks and clean-ups for untrusted input: room names, display names, chat text, and the
//! per-connection rate limiter. Pure functions (the limiter takes `now`), tested here.

use std::time::Duration;

use tokio::time::Instant;

/// Longest room name, in characters.
pub const MAX_ROOM_NAME_CHARS: usize = 64;
/// Longest display name, in characters; longer names are cut.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;
/// Longest chat message, in characters (Unicode scalar values), before clean-up.
pub const MAX_CHAT_CHARS: usize = 2000;

/// Room names appear in URLs (`/m/<room>`) and logs, so they are kept to a safe alphabet:
/// 1–64 characters of ASCII letters, digits, `.`, `_`, `-`, and Hangul (syllables, jamo and
/// compatibility jamo) so that rooms can be named in Korean. Names of only dots are refused
/// because `.`/`..` mean something in paths.
pub fn validate_room_name(name: &str) -> Result<(), String> {
    let count = name.chars().count();
    if count == 0 || count > MAX_ROOM_NAME_CHARS {
        return Err(format!(
            "a room name has 1 to {MAX_ROOM_NAME_CHARS} characters"
        ));
    }
    if let Some(bad) = name.chars().find(|&c| !room_char_ok(c)) {
        return Err(format!(
            "a room name may hold letters A-Z a-z, digits, '.', '_', '-' and Hangul; not {bad:?}"
        ));
    }
    if name.chars().all(|c| c == '.') {
        return Err("a room name cannot be only dots".to_owned());
    }
    Ok(())
}

fn room_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') || is_hangul(c)
}

fn is_hangul(c: char) -> bool {
    matches!(c,
        '\u{AC00}'..='\u{D7A3}'   // syllables
        | '\u{1100}'..='\u{11FF}' // jamo
        | '\u{3131}'..='\u{318E}' // compatibility jamo (ㄱ..ㆎ)
    )
}

/// Removes control characters, trims, and cuts to [`MAX_DISPLAY_NAME_CHARS`]. `None` when
/// nothing is left.
pub fn clean_display_name(raw: &str) -> Option<String> {
    let cleaned: String = raw.chars().filter(|c| !c.is_control()).collect();
    let cut: String = cleaned
        .trim()
        .chars()
        .take(MAX_DISPLAY_NAME_CHARS)
        .collect();
    let cut = cut.trim_end().to_owned();
    (!cut.is_empty()).then_some(cut)
}

/// Why chat text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatRejection {
    TooLong,
    Empty,
}

/// Checks the length, then strips control characters except line feed and tab (multi-line
/// messages are normal; escape sequences and NULs are not), and trims.
pub fn clean_chat(raw: &str) -> Result<String, ChatRejection> {
    if raw.chars().count() > MAX_CHAT_CHARS {
        return Err(ChatRejection::TooLong);
    }
    let cleaned: String = raw
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        return Err(ChatRejection::Empty);
    }
    Ok(trimmed.to_owned())
}

/// A token bucket: `rate` tokens per second, at most `burst` saved up. One token per frame.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    pub fn new(rate_per_sec: u32, burst: u32, now: Instant) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            rate: f64::from(rate_per_sec),
            burst,
            tokens: burst,
            last: now,
        }
    }

    /// Takes one token; false when the bucket is empty.
    pub fn allow(&mut self, now: Instant) -> bool {
        let elapsed: Duration = now.saturating_duration_since(self.last);
        self.last = now;
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names() {
        for ok in [
            "a",
            "daily-standup",
            "v1.2_x",
            "국회",
            "세종청사-회의실3",
            "ㄱㄴ",
            &"a".repeat(64),
        ] {
            assert!(validate_room_name(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(65);
        for bad in [
            "",
            "a b",
            "a/b",
            "..",
            ".",
            "a\u{0}",
            "<script>",
            "é",
            long.as_str(),
        ] {
            assert!(validate_room_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn display_names() {
        assert_eq!(
            clean_display_name("  김민수\u{1b}[31m "),
            Some("김민수[31m".to_owned())
        );
        assert_eq!(clean_display_name("\n\t "), None);
        assert_eq!(
            clean_display_name(&"가".repeat(100))
                .unwrap()
                .chars()
                .count(),
            64
        );
    }

    #[test]
    fn chat_text() {
        assert_eq!(
            clean_chat(" hi\u{0}\u{7}\nthere\u{1b} "),
            Ok("hi\nthere".to_owned())
        );
        assert_eq!(clean_chat("\u{0}  "), Err(ChatRejection::Empty));
        assert!(clean_chat(&"가".repeat(MAX_CHAT_CHARS)).is_ok());
        assert_eq!(
            clean_chat(&"가".repeat(MAX_CHAT_CHARS + 1)),
            Err(ChatRejection::TooLong)
        );
    }

    #[test]
    fn bucket_allows_burst_then_refills() {
        let t0 = Instant::now();
        let mut rl = RateLimiter::new(10, 5, t0);
        assert!((0..5).all(|_| rl.allow(t0)));
        assert!(!rl.allow(t0));
        assert!(rl.allow(t0 + Duration::from_millis(100)));
        assert!(!rl.allow(t0 + Duration::from_millis(100)));
        // Refill is capped at the burst.
        let later = t0 + Duration::from_secs(60);
        assert!((0..5).all(|_| rl.allow(later)));
        assert!(!rl.allow(later));
    }
}
