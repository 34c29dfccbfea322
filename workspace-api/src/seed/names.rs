//! Plausible Korean names with their romanised forms, from a deterministic generator, for
//! the demo and the benchmark directory. The syllable lists are our own; surnames are
//! weighted roughly like the real distribution, so 김 and 이 are common, as in any real
//! directory (which matters for the benchmark's one-syllable queries).

/// (surname, romanised, weight)
const SURNAMES: [(&str, &str, u32); 32] = [
    ("김", "Kim", 215),
    ("이", "Lee", 147),
    ("박", "Park", 84),
    ("최", "Choi", 47),
    ("정", "Jung", 43),
    ("강", "Kang", 24),
    ("조", "Cho", 21),
    ("윤", "Yoon", 20),
    ("장", "Jang", 20),
    ("임", "Lim", 16),
    ("한", "Han", 15),
    ("오", "Oh", 15),
    ("서", "Seo", 14),
    ("신", "Shin", 14),
    ("권", "Kwon", 13),
    ("황", "Hwang", 13),
    ("안", "Ahn", 13),
    ("송", "Song", 13),
    ("류", "Ryu", 12),
    ("전", "Jeon", 11),
    ("홍", "Hong", 11),
    ("고", "Ko", 9),
    ("문", "Moon", 9),
    ("양", "Yang", 8),
    ("손", "Son", 8),
    ("배", "Bae", 8),
    ("백", "Baek", 7),
    ("허", "Heo", 6),
    ("유", "Yu", 6),
    ("남", "Nam", 5),
    ("심", "Sim", 5),
    ("노", "Noh", 4),
];

/// Syllables of given names with their Revised Romanisation.
const GIVEN: [(&str, &str); 40] = [
    ("민", "min"),
    ("수", "su"),
    ("서", "seo"),
    ("준", "jun"),
    ("지", "ji"),
    ("현", "hyeon"),
    ("우", "woo"),
    ("영", "yeong"),
    ("은", "eun"),
    ("하", "ha"),
    ("윤", "yun"),
    ("재", "jae"),
    ("성", "seong"),
    ("호", "ho"),
    ("진", "jin"),
    ("연", "yeon"),
    ("혜", "hye"),
    ("경", "gyeong"),
    ("승", "seung"),
    ("동", "dong"),
    ("희", "hui"),
    ("태", "tae"),
    ("정", "jeong"),
    ("원", "won"),
    ("나", "na"),
    ("예", "ye"),
    ("도", "do"),
    ("상", "sang"),
    ("주", "ju"),
    ("훈", "hun"),
    ("아", "a"),
    ("소", "so"),
    ("다", "da"),
    ("유", "yu"),
    ("건", "geon"),
    ("혁", "hyeok"),
    ("빈", "bin"),
    ("미", "mi"),
    ("선", "seon"),
    ("철", "cheol"),
];

/// SplitMix64: tiny, fast and the same on every platform and version, unlike a library RNG
/// whose stream may change between releases (the demo must look the same every time).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A generated person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub ko: String,
    /// `Kim Minsu`: surname first, as Korean government directories write it.
    pub en: String,
    /// `minsu.kim`: the usual shape of an official address's local part.
    pub email_local: String,
}

pub fn name(rng: &mut Rng) -> Name {
    let total: u32 = SURNAMES.iter().map(|s| s.2).sum();
    let mut pick = (rng.next_u64() % u64::from(total)) as u32;
    let (surname, surname_en) = SURNAMES
        .iter()
        .find(|(_, _, w)| {
            let hit = pick < *w;
            pick = pick.saturating_sub(*w);
            hit
        })
        .map_or(("김", "Kim"), |(s, r, _)| (*s, *r));
    // Two different syllables: 민민 is not a name.
    let i = rng.below(GIVEN.len());
    let j = (i + 1 + rng.below(GIVEN.len() - 1)) % GIVEN.len();
    let (a, b) = (GIVEN[i], GIVEN[j]);
    let given_en = format!("{}{}", a.1, b.1);
    let mut given_cap = given_en.clone();
    if let Some(first) = given_cap.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    Name {
        ko: format!("{surname}{}{}", a.0, b.0),
        en: format!("{surname_en} {given_cap}"),
        email_local: format!("{given_en}.{}", surname_en.to_ascii_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_deterministic_and_plausible() {
        let a: Vec<Name> = (0..50).scan(Rng::new(7), |r, _| Some(name(r))).collect();
        let b: Vec<Name> = (0..50).scan(Rng::new(7), |r, _| Some(name(r))).collect();
        assert_eq!(a, b);
        for n in &a {
            assert_eq!(n.ko.chars().count(), 3, "{n:?}");
            assert!(n.email_local.is_ascii() && n.email_local.contains('.'));
            assert!(n.en.split(' ').count() == 2);
        }
        let kims = a.iter().filter(|n| n.ko.starts_with('김')).count();
        assert!(kims > 3, "김 should be common: {kims}");
    }
}
