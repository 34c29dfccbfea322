//! Input checks shared by the handlers. Text is trimmed, must be free of control characters
//! (PostgreSQL refuses NUL; the others are never wanted in a directory) and within length;
//! all failures of one request are reported together as `validation_failed`.

use crate::error::ApiError;

pub mod doc;

/// Collects field errors while normalising values in place.
#[derive(Debug, Default)]
pub struct Check {
    err: Option<ApiError>,
}

impl Check {
    pub fn fail(&mut self, field: &str, ko: &str, en: &str) {
        self.err = Some(match self.err.take() {
            None => ApiError::validation(field, ko, en),
            Some(e) => e.with_field(field, ko, en),
        });
    }

    /// A text field; `required` means it must not be empty after trimming.
    pub fn text(&mut self, field: &str, value: &mut String, max_chars: usize, required: bool) {
        *value = value.trim().to_owned();
        if required && value.is_empty() {
            self.fail(field, "필수 항목입니다.", "Required.");
        } else if value.chars().count() > max_chars {
            let en = format!("At most {max_chars} characters.");
            self.fail(field, &format!("{max_chars}자 이하로 입력하세요."), &en);
        } else if value.chars().any(char::is_control) {
            self.fail(
                field,
                "제어 문자는 쓸 수 없습니다.",
                "Control characters are not allowed.",
            );
        }
    }

    /// An optional text field; blank becomes `None`.
    pub fn opt_text(&mut self, field: &str, value: &mut Option<String>, max_chars: usize) {
        if let Some(v) = value {
            self.text(field, v, max_chars, false);
            if v.is_empty() {
                *value = None;
            }
        }
    }

    /// An optional e-mail address, lowercased so uniqueness ignores case.
    pub fn email(&mut self, field: &str, value: &mut Option<String>) {
        self.opt_text(field, value, 254);
        if let Some(v) = value {
            *v = v.to_lowercase();
            let ok = matches!(v.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.contains('@'))
                && !v.contains(char::is_whitespace);
            if !ok {
                self.fail(
                    field,
                    "이메일 주소 형식이 아닙니다.",
                    "Not an e-mail address.",
                );
            }
        }
    }

    /// An optional phone number: digits, spaces and `+-()` only.
    pub fn phone(&mut self, field: &str, value: &mut Option<String>) {
        self.opt_text(field, value, 32);
        if let Some(v) = value
            && !v.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
        {
            self.fail(field, "전화번호 형식이 아닙니다.", "Not a phone number.");
        }
    }

    /// An optional absolute http(s) URL.
    pub fn url(&mut self, field: &str, value: &mut Option<String>) {
        self.opt_text(field, value, 2048);
        if let Some(v) = value
            && !(v.starts_with("https://") || v.starts_with("http://"))
        {
            self.fail(field, "http(s) 주소여야 합니다.", "Must be an http(s) URL.");
        }
    }

    /// A short code: 2–32 of `a-z`, `0-9`, `-`.
    pub fn code(&mut self, field: &str, value: &mut String) {
        *value = value.trim().to_owned();
        let ok = (2..=32).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            self.fail(
                field,
                "영문 소문자, 숫자, '-'로 2~32자여야 합니다.",
                "2 to 32 of a-z, 0-9 and '-'.",
            );
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        self.err.map_or(Ok(()), Err)
    }
}

/// Validates and normalises a search text: at most 100 characters, no control characters.
pub fn search_text(q: &str) -> Result<String, ApiError> {
    if q.chars().count() > crate::hangul::MAX_QUERY || q.chars().any(char::is_control) {
        return Err(ApiError::invalid_query(
            "q must be at most 100 printable characters.",
        ));
    }
    Ok(crate::hangul::normalize(q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_all_field_errors() {
        let mut c = Check::default();
        let mut name = "  ".to_owned();
        let mut email = Some("nope".to_owned());
        c.text("name_ko", &mut name, 50, true);
        c.email("email", &mut email);
        let err = c.finish().unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name_ko", "email"]);
    }

    #[test]
    fn normalises_values() {
        let mut c = Check::default();
        let mut email = Some(" Kim@Mois.GO.kr ".to_owned());
        let mut blank = Some("   ".to_owned());
        c.email("email", &mut email);
        c.opt_text("location", &mut blank, 10);
        assert!(c.finish().is_ok());
        assert_eq!(email.as_deref(), Some("kim@mois.go.kr"));
        assert_eq!(blank, None);
    }

    #[test]
    fn refuses_control_characters() {
        let mut c = Check::default();
        let mut s = "김\u{0}민수".to_owned();
        c.text("name_ko", &mut s, 50, true);
        assert!(c.finish().is_err());
        assert!(search_text("a\u{0}").is_err());
    }
}
