//! Whole numbers written with a fraction or an exponent (`20.0`, `2e1`) as integers.
//!
//! JSON Schema, and so the OpenAPI document, calls `20.0` an integer (a number with a zero
//! fractional part, JSON Schema 2020-12 §6.1.1 note); serde calls it a float and refuses it for
//! an `i64` field. A client generated from the document, or a language without an integer type
//! (JavaScript's `JSON.stringify(20.0)` is `20`, but a spreadsheet export is not), may send one.
//! [`rewrite`] turns each such number of a body into its plain integer before the body is
//! deserialized; nothing else changes, so every other error (syntax, types, unknown or
//! duplicate fields) is the deserializer's as before.

/// The largest integer every `f64` below it represents exactly (2^53): past it, `1e17` may
/// not be the integer the client meant, so it is left alone (and refused as a float).
const EXACT: i64 = 1 << 53;

/// `body` with every whole-valued number that has a fraction or an exponent written as an
/// integer; `None` when there is none (the common case costs one scan and no copy). Strings
/// are skipped with their escapes, so `"2.0"` stays a string.
pub(crate) fn rewrite(body: &[u8]) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => {
                i += 1;
                while i < body.len() {
                    match body[i] {
                        b'\\' => i += 2,
                        b'"' => {
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < body.len()
                    && matches!(body[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                if let Some(n) = whole(&body[start..i]) {
                    let o = out.get_or_insert_with(|| Vec::with_capacity(body.len()));
                    o.extend_from_slice(&body[copied..start]);
                    o.extend_from_slice(n.to_string().as_bytes());
                    copied = i;
                }
            }
            _ => i += 1,
        }
    }
    let mut o = out?;
    o.extend_from_slice(&body[copied..]);
    Some(o)
}

/// The integer a number token stands for, when it is a valid JSON number with a fraction or
/// an exponent and a whole value below 2^53; `None` for a plain integer (nothing to do),
/// anything else, or a token that is not valid JSON (left for the deserializer to refuse).
/// Decided on the decimal digits, not on an `f64`: `2.0000000000000000001` rounds to the
/// float 2.0 but is not whole.
fn whole(token: &[u8]) -> Option<i64> {
    if !is_json_number(token) || !token.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return None;
    }
    let s = std::str::from_utf8(token).ok()?;
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(p) => (&s[..p], s[p + 1..].parse::<i64>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits = format!("{int}{frac}");
    if digits.bytes().all(|b| b == b'0') {
        return Some(0);
    }
    // value = digits × 10^e
    let mut e = exp.checked_sub(i64::try_from(frac.len()).ok()?)?;
    while e < 0 && digits.ends_with('0') {
        digits.pop();
        e += 1;
    }
    let digits = digits.trim_start_matches('0');
    if e < 0 || i64::try_from(digits.len()).ok()? + e > 16 {
        return None; // a true fraction, or far beyond 2^53
    }
    let mut v: i64 = digits.parse().ok()?;
    for _ in 0..e {
        v *= 10;
    }
    (v < EXACT).then_some(if negative { -v } else { v })
}

/// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(t: &[u8]) -> bool {
    let digits = |t: &[u8], mut i: usize| {
        let from = i;
        while t.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > from).then_some(i)
    };
    let mut i = usize::from(t.first() == Some(&b'-'));
    i = match t.get(i) {
        Some(b'0') => i + 1,
        Some(b'1'..=b'9') => digits(t, i).unwrap_or(i),
        _ => return false,
    };
    if t.get(i) == Some(&b'.') {
        let Some(next) = digits(t, i + 1) else {
            return false;
        };
        i = next;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let Some(next) = digits(t, i) else {
            return false;
        };
        i = next;
    }
    i == t.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Option<String> {
        rewrite(s.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn whole_decimals_become_integers() {
        assert_eq!(
            r(r#"{"limit": 20.0, "ids": [1.0, -3.00, 2e1, 1.5E+2, 0.0e0]}"#).as_deref(),
            Some(r#"{"limit": 20, "ids": [1, -3, 20, 150, 0]}"#)
        );
        assert_eq!(
            r(r#"[-0.0, 0e-5, 1200e-2, 9007199254740991.0]"#).as_deref(),
            Some("[0, 0, 12, 9007199254740991]")
        );
    }

    #[test]
    fn everything_else_is_left_alone() {
        // Nothing to do: no copy.
        for body in [
            r#"{"a": 1, "b": [2, -3], "c": "x"}"#,
            r#"{"a": 1.5, "b": 2.25e-1, "c": 1e-1}"#,
            r#"{"a": "2.0", "b": "say \"3.0\" \\", "c": "\u0032.0"}"#,
            // From 2^53 on a float may not be the integer meant: refused as a float, as before.
            r#"{"a": 1e17, "b": 9007199254740993.0, "c": 9007199254740992.0}"#,
            // Not whole, though the nearest float is.
            r#"{"a": 2.0000000000000000001, "b": 15e-1, "c": 1e999999999999999999999}"#,
            // Not JSON numbers: the deserializer's syntax error stays.
            r#"{"a": 01.0, "b": 1., "c": .5, "d": 1e, "e": --1.0, "f": 1.0.0}"#,
            "",
            "\"unterminated 2.0",
        ] {
            assert_eq!(r(body), None, "{body}");
        }
        assert_eq!(
            r(r#"{"s": "4.0", "n": 4.0}"#).as_deref(),
            Some(r#"{"s": "4.0", "n": 4}"#)
        );
    }

    #[test]
    fn json_number_grammar() {
        for ok in ["0", "-0", "10", "1.25", "-1.0e-3", "1E9", "0.0"] {
            assert!(is_json_number(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "", "-", "01", "1.", ".1", "1e", "1e+", "+1", "1-2", "0x1", "1.0.0",
        ] {
            assert!(!is_json_number(bad.as_bytes()), "{bad}");
        }
    }
}
