//! Korean text helpers for directory search: query normalisation, 초성 (initial consonant)
//! extraction and the n-grams stored in `employee_grams`.
//!
//! Why our own n-grams: trigram indexes (pg_trgm, FTS5 `trigram`) cannot serve a two-syllable
//! pattern such as 민수, and pg_trgm ignores Hangul under a `C` ctype. Every 1- to 3-character
//! gram of the searchable fields is stored with the rank it would earn as a whole query, so
//! short queries are one index lookup on both backends; longer ones start from a trigram and
//! are verified with `LIKE`.

use std::collections::{BTreeMap, BTreeSet};

const SYLLABLE_FIRST: u32 = 0xAC00;
const SYLLABLE_LAST: u32 = 0xD7A3;
/// Number of syllables sharing one initial consonant (21 vowels × 28 finals).
const PER_INITIAL: u32 = 21 * 28;
/// Initial consonants in syllable order, as compatibility jamo (what keyboards type).
const INITIALS: [char; 19] = [
    'ㄱ', 'ㄲ', 'ㄴ', 'ㄷ', 'ㄸ', 'ㄹ', 'ㅁ', 'ㅂ', 'ㅃ', 'ㅅ', 'ㅆ', 'ㅇ', 'ㅈ', 'ㅉ', 'ㅊ', 'ㅋ',
    'ㅌ', 'ㅍ', 'ㅎ',
];
/// Conjoining jamo ranges (decomposed Hangul as macOS and some IMEs send it).
const L_FIRST: u32 = 0x1100;
const V_FIRST: u32 = 0x1161;
const T_FIRST: u32 = 0x11A7;
const L_COUNT: u32 = 19;
const V_COUNT: u32 = 21;
const T_COUNT: u32 = 28;

/// Normalises text for search and for the stored search columns: trims, lowercases,
/// collapses runs of whitespace to one space and composes decomposed Hangul, so that the
/// same name typed on any keyboard compares equal.
pub fn normalize(s: &str) -> String {
    let composed = compose(s);
    let mut out = String::with_capacity(composed.len());
    for word in composed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// Composes conjoining jamo sequences (L V [T]) into syllables and maps a lone conjoining
/// initial to its compatibility form.
fn compose(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i] as u32;
        let next = chars.get(i + 1).map(|&n| n as u32);
        let is_l = (L_FIRST..L_FIRST + L_COUNT).contains(&c);
        match next {
            Some(v) if is_l && (V_FIRST..V_FIRST + V_COUNT).contains(&v) => {
                let mut syllable =
                    SYLLABLE_FIRST + ((c - L_FIRST) * V_COUNT + (v - V_FIRST)) * T_COUNT;
                i += 2;
                if let Some(&t) = chars.get(i) {
                    let t = t as u32;
                    if (T_FIRST + 1..T_FIRST + T_COUNT).contains(&t) {
                        syllable += t - T_FIRST;
                        i += 1;
                    }
                }
                out.extend(char::from_u32(syllable));
            }
            _ if is_l => {
                out.push(INITIALS[(c - L_FIRST) as usize]);
                i += 1;
            }
            _ => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// The 초성 string of a (normalised) Korean name: each syllable becomes its initial
/// consonant, spaces are dropped, other characters are kept. `김민수` → `ㄱㅁㅅ`.
pub fn chosung(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            let u = c as u32;
            if (SYLLABLE_FIRST..=SYLLABLE_LAST).contains(&u) {
                INITIALS[((u - SYLLABLE_FIRST) / PER_INITIAL) as usize]
            } else {
                c
            }
        })
        .collect()
}

/// Longest gram stored in `employee_grams`; queries up to this long are one index lookup.
pub const MAX_GRAM: usize = 3;

/// Rank a query earns by matching a secondary field (title, unit, phone, ...) exactly; prefix
/// and partial matches earn the next two. Any name match ranks better than these.
pub const SECONDARY_RANK: i64 = 3;
/// One past the worst rank: "no match" in the verified search path.
pub const NO_MATCH_RANK: i64 = 6;

/// Longest query (characters); also the longest field prefix stored (see [`index_grams`]).
pub const MAX_QUERY: usize = 100;

/// Adds every 1- to 3-character gram of a (normalised) name field to `into`, each with the
/// rank a query equal to the gram would give this field: 0 when the gram is the whole field,
/// 1 when the field starts with it, 2 otherwise, but never better than `min_rank`. A gram
/// seen in several fields keeps its best rank.
///
/// Every longer prefix of the field (up to [`MAX_QUERY`] characters) is added too, ranked 0
/// (the whole field) or 1: so the people a long query matches exactly or as a prefix of a
/// name (`seonseo` → `seonseo.kim@…`, `kim mibin`) are one ordered index range as well, and
/// the search reads them without verifying every holder of the query's trigrams.
pub fn index_grams(field: &str, min_rank: i64, into: &mut BTreeMap<String, i64>) {
    add_grams(field, 1, 0, min_rank, into);
    let chars: Vec<char> = field.chars().collect();
    for len in MAX_GRAM + 1..=chars.len().min(MAX_QUERY) {
        let rank = i64::from(len < chars.len()).max(min_rank);
        let best = into.entry(chars[..len].iter().collect()).or_insert(rank);
        *best = (*best).min(rank);
    }
}

/// Like [`index_grams`] for a secondary field: grams of `min_len` to 3 characters, ranked
/// [`SECONDARY_RANK`] + 0/1/2. Secondary fields skip the shortest grams: one syllable (or two
/// digits) names a person, not a 과장 or a phone number, and those rows would be most of the
/// index.
pub fn index_secondary_grams(field: &str, min_len: usize, into: &mut BTreeMap<String, i64>) {
    add_grams(field, min_len, SECONDARY_RANK, SECONDARY_RANK, into);
}

fn add_grams(
    field: &str,
    min_len: usize,
    base: i64,
    min_rank: i64,
    into: &mut BTreeMap<String, i64>,
) {
    let chars: Vec<char> = field.chars().collect();
    for start in 0..chars.len() {
        for len in min_len.max(1)..=MAX_GRAM.min(chars.len() - start) {
            let gram: String = chars[start..start + len].iter().collect();
            let rank = match (start, len == chars.len()) {
                (0, true) => 0,
                (0, false) => 1,
                _ => 2,
            };
            let rank = (base + rank).max(min_rank);
            let best = into.entry(gram).or_insert(rank);
            *best = (*best).min(rank);
        }
    }
}

/// The digits of a phone number (`044-205-1234` → `0442051234`), the form phones are
/// indexed and searched in.
pub fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// A query that looks like a phone number (digits with `-`, spaces, `(`, `)`, `+` or `.`)
/// becomes its digits, so `205-1234` finds `044-205-1234`; other queries pass unchanged.
pub fn phone_query(q: &str) -> std::borrow::Cow<'_, str> {
    let phone_like = q.chars().any(|c| c.is_ascii_digit())
        && q.chars()
            .all(|c| c.is_ascii_digit() || " -+().".contains(c));
    if phone_like && !q.chars().all(|c| c.is_ascii_digit()) {
        std::borrow::Cow::Owned(digits(q))
    } else {
        std::borrow::Cow::Borrowed(q)
    }
}

/// The grams one of which every match of a longer query holds: its distinct trigrams (the
/// query itself when it is short).
pub fn query_grams(q: &str) -> Vec<String> {
    let chars: Vec<char> = q.chars().collect();
    if chars.len() <= MAX_GRAM {
        return vec![q.to_owned()];
    }
    let set: BTreeSet<String> = chars
        .windows(MAX_GRAM)
        .map(|w| w.iter().collect())
        .collect();
    set.into_iter().collect()
}

/// Escapes `LIKE` metacharacters; patterns are used with `ESCAPE '\'` on both backends.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosung_of_names() {
        assert_eq!(chosung("김민수"), "ㄱㅁㅅ");
        assert_eq!(chosung("남궁 민수"), "ㄴㄱㅁㅅ");
        assert_eq!(chosung("쌍떡잎"), "ㅆㄸㅇ");
        assert_eq!(chosung("힣"), "ㅎ");
    }

    #[test]
    fn decomposed_hangul_composes() {
        // 김 as conjoining jamo: ᄀ ᅵ ᆷ
        let nfd = "\u{1100}\u{1175}\u{11B7}\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}";
        assert_eq!(normalize(nfd), "김민수");
        assert_eq!(normalize("\u{1100}\u{1106}"), "ㄱㅁ");
    }

    #[test]
    fn normalize_trims_lowercases_and_collapses() {
        assert_eq!(normalize("  Kim   MinSu \t"), "kim minsu");
    }

    #[test]
    fn grams_carry_the_rank_of_an_equal_query() {
        let mut grams = BTreeMap::new();
        index_grams("김민수", 0, &mut grams);
        index_grams("ㄱㅁㅅ", 0, &mut grams);
        index_grams("minsu.kim", 1, &mut grams);
        assert_eq!(grams["김민수"], 0);
        assert_eq!(grams["김"], 1);
        assert_eq!(grams["민수"], 2);
        assert_eq!(grams["ㄱㅁㅅ"], 0);
        assert_eq!(grams["ㅁㅅ"], 2);
        assert_eq!(grams["min"], 1, "an e-mail prefix is never exact");
        assert!(!grams.contains_key("김수"));
        assert!(
            !grams.contains_key("insu"),
            "inside a field, grams stop at three characters"
        );
        // Longer prefixes of a name field: exact or prefix, an e-mail's never exact.
        index_grams("kim minsu", 0, &mut grams);
        assert_eq!(grams["kim minsu"], 0);
        assert_eq!(grams["kim m"], 1);
        assert_eq!(grams["minsu"], 1, "the e-mail's prefix");
        assert_eq!(grams["minsu.kim"], 1);
        assert!(!grams.contains_key("minsu.kim@"));
        assert!(!grams.contains_key("im minsu"));
        let mut long = BTreeMap::new();
        index_grams(&"가".repeat(MAX_QUERY + 20), 0, &mut long);
        assert_eq!(
            long.keys().map(|g| g.chars().count()).max(),
            Some(MAX_QUERY)
        );
    }

    #[test]
    fn secondary_fields_rank_after_names() {
        let mut grams = BTreeMap::new();
        index_grams("김과장", 0, &mut grams);
        index_secondary_grams("과장", 2, &mut grams);
        index_secondary_grams("0442051234", 3, &mut grams);
        assert_eq!(
            grams["과장"], 2,
            "the name's partial beats the title's exact"
        );
        assert_eq!(grams["044"], SECONDARY_RANK + 1);
        assert_eq!(grams["051"], SECONDARY_RANK + 2);
        assert!(!grams.contains_key("04"), "phones keep trigrams only");
        let mut only = BTreeMap::new();
        index_secondary_grams("과장", 2, &mut only);
        assert_eq!(only["과장"], SECONDARY_RANK);
        assert!(!only.contains_key("과"));
    }

    #[test]
    fn phone_queries_become_digits() {
        assert_eq!(phone_query("205-1234"), "2051234");
        assert_eq!(phone_query("(044) 205 1234"), "0442051234");
        assert_eq!(phone_query("1234"), "1234");
        assert_eq!(phone_query("3급"), "3급");
        assert_eq!(phone_query("- -"), "- -");
    }

    #[test]
    fn long_queries_use_trigrams() {
        assert_eq!(query_grams("민수"), ["민수"]);
        assert_eq!(query_grams("kim m"), ["im ", "kim", "m m"]);
        assert_eq!(query_grams("민수민수"), ["민수민", "수민수"]);
    }

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(like_escape(r"50%_a\b"), r"50\%\_a\\b");
    }
}
