//! What the OpenAPI document says of the request fields that [`super::Check`] and the
//! handlers check. Each function is the `#[schema(schema_with = …)]` of such a field and
//! states the rule the server enforces (length, characters, shape), so a client, or a fuzzer
//! reading the document, can tell valid input from invalid without trying it.
//!
//! The server trims text before it counts characters, so a document length is, if anything,
//! stricter than the server: whatever the document calls valid is accepted. Patterns are
//! ECMA-262 as JSON Schema wants; `\u0000-\u001F\u007F-\u009F` is Unicode's `Cc`, the set
//! `char::is_control` refuses.

use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, Object, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};

/// No control characters.
pub const PRINTABLE: &str = r"^[^\u0000-\u001F\u007F-\u009F]*$";
/// Printable and not blank: at least one character that is not white space.
pub const NOT_BLANK: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$";
/// Multi-line plain text: line feeds and tabs are the only control characters allowed.
pub const LINES: &str = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$";
/// Multi-line and not blank.
pub const LINES_NOT_BLANK: &str = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$";
/// Rich text (HTML) as sent: carriage returns are allowed too.
pub const RICH: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";

fn string(pattern: &str, min: usize, max: usize) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length((min > 0).then_some(min))
        .max_length(Some(max))
        .pattern(Some(pattern))
}

fn nullable(b: ObjectBuilder) -> Object {
    b.schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .build()
}

/// A required name of at most 100 characters (agencies, units, people, catalogue entries,
/// extra-field labels, rooms, API tokens).
pub fn name() -> Object {
    string(NOT_BLANK, 1, 100).build()
}

/// An optional name of at most 100 characters; empty is allowed.
pub fn name_opt() -> Object {
    string(PRINTABLE, 0, 100).build()
}

/// A required title of at most 200 characters (memos, announcements, meetings, projects,
/// tasks).
pub fn title() -> Object {
    string(NOT_BLANK, 1, 200).build()
}

/// An optional one-line text of at most 200 characters; empty is allowed.
pub fn text_opt() -> Object {
    string(PRINTABLE, 0, 200).build()
}

/// An optional one-line text of at most 200 characters, `null` or blank for none.
pub fn text_or_null() -> Object {
    nullable(string(PRINTABLE, 0, 200))
}

/// A board column's name.
pub fn column_name() -> Object {
    string(NOT_BLANK, 1, 50).build()
}

/// The name a guest is shown by.
pub fn guest_name() -> Object {
    string(NOT_BLANK, 1, 64)
        .description(Some("The name the others see."))
        .build()
}

/// A plain-text description of at most 10,000 characters over several lines.
pub fn description() -> Object {
    string(LINES, 0, 10_000).build()
}

/// A meeting's description: at most 2,000 characters over several lines.
pub fn meeting_description() -> Object {
    string(LINES, 0, 2_000).build()
}

/// A comment: like a description, but never blank.
pub fn comment() -> Object {
    string(LINES_NOT_BLANK, 1, 10_000).build()
}

/// HTML that is sanitised before it is stored: at most 20,000 characters as sent.
pub fn rich_text() -> Object {
    string(RICH, 0, crate::richtext::MAX_INPUT_CHARS)
        .description(Some("HTML; sanitised before it is stored."))
        .build()
}

/// A phone number: digits, spaces and `+-()`; `null` or blank for none.
pub fn phone() -> Object {
    nullable(string(r"^[0-9 +()-]*$", 0, 32))
}

/// An e-mail address (`local@domain.tld`, no white space); `null` or blank for none.
pub fn email() -> Object {
    let part = r"[^@\s\u0000-\u001F\u007F-\u009F]";
    let pattern = format!(r"^{part}+@{part}*\.{part}*$");
    nullable(string(&pattern, 0, 254))
}

/// An absolute http(s) URL; `null` or blank for none.
pub fn url() -> Object {
    nullable(string(
        r"^https?://[^\u0000-\u001F\u007F-\u009F]*$",
        0,
        2048,
    ))
}

/// A short code: 2–32 of `a-z`, `0-9` and `-` (agency codes).
pub fn code() -> Object {
    string(r"^[a-z0-9-]{2,32}$", 2, 32).build()
}

/// An extra field's key: `a-z` first, then `a-z 0-9 _`, at most 32 in all.
pub fn extra_key() -> Object {
    string(r"^[a-z][a-z0-9_]{0,31}$", 1, 32).build()
}

/// Extra field values by key (each value checked like a field of the key's kind).
pub fn extra_values() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Extra field values by key; unknown keys and values of the wrong kind are refused.",
        ))
        .property_names(Some(extra_key()))
        .additional_properties(Some(Schema::from(string(PRINTABLE, 0, 200).build())))
        .build()
}

/// The same map in a change: a `null` (or empty) value removes the key.
pub fn extra_changes() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "Merged into the stored values: a key set to a value sets it, a key set to `null` \
             (or to an empty string) removes it, keys left out stay.",
        ))
        .property_names(Some(extra_key()))
        .additional_properties(Some(Schema::from(nullable(string(PRINTABLE, 0, 200)))))
        .build()
}

/// An ISO calendar date `YYYY-MM-DD` of a real day; `null` or blank for none.
pub fn date() -> Object {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .build()
}

/// A sign-in name: 1–254 characters, no white space.
pub fn login() -> Object {
    string(r"^[^\s\u0000-\u001F\u007F-\u009F]+$", 1, 254).build()
}

/// A new password: 10 to 1,024 characters.
pub fn new_password() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(10))
        .max_length(Some(1024))
        .build()
}

/// A password being checked: at most 1,024 characters.
pub fn password() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(1024))
        .build()
}

/// A task's labels: at most 20, each 1–32 printable characters.
pub fn labels() -> Schema {
    ArrayBuilder::new()
        .items(string(NOT_BLANK, 1, 32).build())
        .max_items(Some(20))
        .description(Some(
            "The task's whole set of labels; duplicates are dropped, the first spelling kept.",
        ))
        .build()
        .into()
}

/// A room's equipment: at most 30 items, each a required text of at most 100 characters.
pub fn equipment() -> Schema {
    ArrayBuilder::new()
        .items(name())
        .max_items(Some(30))
        .build()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Check;

    fn pattern_of(o: &Object) -> regex::Regex {
        regex::Regex::new(o.pattern.as_deref().expect("a pattern")).expect("a valid pattern")
    }

    fn documented(pattern: &str, s: &str) -> bool {
        regex::Regex::new(pattern).unwrap().is_match(s)
    }

    const SAMPLES: &[&str] = &[
        "김민수",
        " 김민수 ",
        "",
        "   ",
        "\u{3000}",
        "a\u{0}b",
        "a\u{1b}b",
        "a\u{85}b",
        "a\u{9f}b",
        "a\u{a0}b",
        "tab\there",
        "line\nbreak",
        "cr\rhere",
        "\t",
        "kim@mois.go.kr",
        "not an e-mail",
        "a@b",
        "a@@b.kr",
        "044-205-1234",
        "+82 (44) 205",
        "044.205",
        "https://photo.example/1.jpg",
        "ftp://x",
    ];

    /// The direction that matters: whatever the document calls valid, the handlers accept;
    /// and the plainly invalid samples are refused by both.
    #[test]
    fn documented_text_is_accepted_by_check() {
        for &s in SAMPLES {
            let check = |f: &dyn Fn(&mut Check, &mut String)| {
                let mut c = Check::default();
                f(&mut c, &mut s.to_owned());
                c.finish().is_ok()
            };
            let required = check(&|c, v| c.text("f", v, 100, true));
            let optional = check(&|c, v| c.text("f", v, 100, false));
            if documented(NOT_BLANK, s) {
                assert!(required, "{s:?}");
            }
            if documented(PRINTABLE, s) {
                assert!(optional, "{s:?}");
            }
            for (schema, f) in [
                (
                    email(),
                    &(|c: &mut Check, v: &mut String| c.email("f", &mut Some(v.clone())))
                        as &dyn Fn(&mut Check, &mut String),
                ),
                (phone(), &|c, v| c.phone("f", &mut Some(v.clone()))),
                (url(), &|c, v| c.url("f", &mut Some(v.clone()))),
            ] {
                if pattern_of(&schema).is_match(s) {
                    assert!(check(f), "{s:?} matches {:?}", schema.pattern);
                }
            }
        }
        for bad in ["", "   ", "a\u{0}b", "a\u{85}b", "tab\there"] {
            assert!(!documented(NOT_BLANK, bad), "{bad:?}");
        }
        assert!(documented(LINES, "tab\there\nand a line"));
        assert!(!documented(LINES, "cr\rhere"));
        assert!(documented(RICH, "cr\r\nhere"));
        assert!(!pattern_of(&email()).is_match("not an e-mail"));
        assert!(!pattern_of(&phone()).is_match("044.205"));
        assert!(!pattern_of(&url()).is_match("ftp://x"));
    }

    #[test]
    fn documented_keys_are_valid_extra_keys() {
        let key = pattern_of(&extra_key());
        for k in ["duty", "fax_2", "2fax", "Fax", "", "a-b", &"a".repeat(33)] {
            if key.is_match(k) {
                assert!(crate::model::valid_extra_key(k), "{k:?}");
            }
        }
        assert!(key.is_match("duty") && !key.is_match("2fax"));
    }
}
