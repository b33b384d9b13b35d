//! Person-name normalisation and comparison: accents, case, initials, middle names,
//! "Last, First", particles (`van der`), DBLP number suffixes and hyphenated given names.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A name split into comparable parts. All parts are lower-case ASCII-folded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName {
    /// Given-name tokens in order (`["chun", "wei"]`, `["g"]` for an initial).
    pub given: Vec<String>,
    /// Family name with particles, compacted (`"vandermaaten"`, `"hernandezlobato"`).
    pub last: String,
}

const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "da", "di", "del", "della", "la", "le", "du", "dos", "das",
    "ter", "ten", "bin", "al", "el",
];
const SUFFIXES: &[&str] = &["jr", "sr", "ii", "iii", "iv", "phd", "md"];

/// Lower-case, accent-free ASCII-ish form: `"José Hernández-Lobato"` → `"jose hernandez-lobato"`.
pub fn fold(s: &str) -> String {
    // ASCII decomposes to itself and holds no combining mark: only the case changes. Most
    // names and affiliations are ASCII, and this runs for every mention a refresh loads.
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    fold_unicode(s)
}

/// [`fold`] for any text: compatibility decomposition, marks dropped, a few letters spelled out.
fn fold_unicode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ø' | 'Ø' => out.push('o'),
            'ß' => out.push_str("ss"),
            'đ' | 'Đ' | 'ð' => out.push('d'),
            'ł' | 'Ł' => out.push('l'),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ı' => out.push('i'),
            'þ' => out.push_str("th"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

impl PersonName {
    /// Parses a name as written on a paper. Returns `None` when nothing name-like remains.
    pub fn parse(raw: &str) -> Option<PersonName> {
        let folded = fold(raw);
        // "Last, First" (but not "First Last, Jr.").
        let reordered = match folded.split_once(',') {
            Some((last, first))
                if !first.trim().is_empty()
                    && !SUFFIXES.contains(&first.trim().trim_end_matches('.')) =>
            {
                format!("{} {}", first.trim(), last.trim())
            }
            Some((name, _)) => name.to_string(),
            None => folded,
        };
        let mut tokens: Vec<String> = Vec::new();
        for raw_token in reordered.split(|c: char| c.is_whitespace() || c == '.' || c == ',') {
            let token: String = raw_token
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '\'')
                .collect();
            let token = token.trim_matches(|c| c == '-' || c == '\'').to_string();
            if token.is_empty()
                || token.chars().all(|c| c.is_ascii_digit())
                || SUFFIXES.contains(&token.as_str())
            {
                continue;
            }
            tokens.push(token);
        }
        // "J.-S." style hyphenated initials come out as "j-s": split into initials.
        let mut expanded = Vec::with_capacity(tokens.len());
        for t in tokens {
            if t.contains('-') && t.split('-').all(|p| p.chars().count() == 1) {
                expanded.extend(t.split('-').map(str::to_string));
            } else {
                expanded.push(t);
            }
        }
        let mut tokens = expanded;
        let last_token = tokens.pop()?;
        let mut last_parts = vec![last_token];
        while tokens.len() > 1
            && tokens
                .last()
                .is_some_and(|t| PARTICLES.contains(&t.as_str()))
        {
            if let Some(p) = tokens.pop() {
                last_parts.insert(0, p);
            }
        }
        let last: String = last_parts
            .concat()
            .chars()
            .filter(|c| *c != '-' && *c != '\'')
            .collect();
        if last.is_empty() {
            return None;
        }
        Some(PersonName {
            given: tokens,
            last,
        })
    }

    /// First letter of the first given name, if any.
    pub fn first_initial(&self) -> Option<char> {
        self.given.first().and_then(|g| g.chars().next())
    }

    /// Given names joined without separators (`"chunwei"` for "Chun Wei" and "Chun-Wei").
    pub fn given_compact(&self) -> String {
        self.given
            .concat()
            .chars()
            .filter(|c| *c != '-' && *c != '\'')
            .collect()
    }

    /// True when the first given name is written out (not an initial).
    pub fn has_full_given(&self) -> bool {
        self.given.first().is_some_and(|g| g.chars().count() > 1)
    }

    /// Blocking key: family name and first initial (`"tesauro g"`).
    pub fn block_key(&self) -> String {
        match self.first_initial() {
            Some(c) => format!("{} {c}", self.last),
            None => self.last.clone(),
        }
    }

    /// Canonical full form for exact grouping (`"chunwei seah"`).
    pub fn key(&self) -> String {
        format!("{} {}", self.given_compact(), self.last)
    }

    /// Could these two names belong to one person? Family names must agree; given names must
    /// agree in full, or as initials where one side only has initials; a missing middle name is
    /// no conflict.
    pub fn compatible(&self, other: &PersonName) -> bool {
        if self.last != other.last {
            return false;
        }
        if self.given.is_empty() || other.given.is_empty() {
            return true;
        }
        if self.given_compact() == other.given_compact() {
            return true;
        }
        let a = &self.given;
        let b = &other.given;
        for (x, y) in a.iter().zip(b.iter()) {
            if !token_compatible(x, y) {
                return false;
            }
        }
        // Longer sequence must not be a different full name packed differently ("chun wei" vs
        // "chunwei" is caught above); extra middle names are allowed.
        true
    }
}

impl PersonName {
    /// A weaker test than [`PersonName::compatible`], for checking that an identifier belongs to
    /// the name it is attached to: the same family name, or the same given names, or the two
    /// swapped (East Asian name order).
    pub fn plausibly_same(&self, other: &PersonName) -> bool {
        let (ga, gb) = (self.given_compact(), other.given_compact());
        self.last == other.last
            || (!ga.is_empty() && ga == gb)
            || (self.last == gb && ga == other.last)
    }

    /// The name inside an OpenReview profile id: `~Roy_Ka-Wei_Lee1` → "Roy Ka-Wei Lee".
    pub fn from_openreview_id(id: &str) -> Option<PersonName> {
        let body = id
            .strip_prefix('~')?
            .trim_end_matches(|c: char| c.is_ascii_digit());
        PersonName::parse(&body.replace('_', " "))
    }
}

/// Whether the OpenReview profile id `id` plausibly names `name`: true when either does not
/// parse as a name, else [`PersonName::plausibly_same`]. Most ids spell their name exactly
/// (`~Yee_Whye_Teh1` on "Yee Whye Teh"), which is decided without parsing either.
pub fn openreview_id_fits(id: &str, name: &str) -> bool {
    if let Some(body) = id
        .strip_prefix('~')
        .map(|b| b.trim_end_matches(|c: char| c.is_ascii_digit()))
        && body.len() == name.len()
        && body
            .bytes()
            .zip(name.bytes())
            .all(|(b, n)| if b == b'_' { n == b' ' } else { b == n })
    {
        // Both parse from the same text: one name (or none), plausibly itself.
        return true;
    }
    match (PersonName::from_openreview_id(id), PersonName::parse(name)) {
        (Some(x), Some(y)) => x.plausibly_same(&y),
        _ => true,
    }
}

fn token_compatible(x: &str, y: &str) -> bool {
    let x1 = x.chars().count() == 1;
    let y1 = y.chars().count() == 1;
    match (x1, y1) {
        (true, _) | (_, true) => x.chars().next() == y.chars().next(),
        (false, false) => {
            let cx: String = x.chars().filter(|c| *c != '-').collect();
            let cy: String = y.chars().filter(|c| *c != '-').collect();
            cx == cy
        }
    }
}

/// Normalised name key for search and display grouping, or the folded input when it does not
/// parse as a name.
pub fn name_key(raw: &str) -> String {
    PersonName::parse(raw).map_or_else(|| fold(raw).trim().to_string(), |n| n.key())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> PersonName {
        PersonName::parse(s).unwrap_or_else(|| panic!("no name in {s:?}"))
    }

    fn slow_openreview_fit(id: &str, name: &str) -> bool {
        match (PersonName::from_openreview_id(id), PersonName::parse(name)) {
            (Some(x), Some(y)) => x.plausibly_same(&y),
            _ => true,
        }
    }

    proptest::proptest! {
        // Names, and ids made from them or from another name, over letters that stress the
        // fast paths: spaces and underscores, digits, dots and commas, accents and case.
        #[test]
        fn fast_paths_decide_as_the_full_parse_does(
            name in "[A-Za-z _.,'0-9éÅß-]{0,16}",
            other in "[A-Za-z _0-9é-]{0,12}",
            number in 0u32..20,
            same in proptest::bool::ANY,
        ) {
            let body = if same { name.replace(' ', "_") } else { other.replace(' ', "_") };
            let id = format!("~{body}{number}");
            proptest::prop_assert_eq!(openreview_id_fits(&id, &name), slow_openreview_fit(&id, &name));
            proptest::prop_assert_eq!(fold(&name), fold_unicode(&name));
        }
    }

    #[test]
    fn openreview_ids_fit_their_names_as_parsing_says() {
        for (id, name) in [
            ("~Yee_Whye_Teh1", "Yee Whye Teh"),
            ("~Roy_Ka-Wei_Lee1", "Roy Ka-Wei Lee"),
            ("~Roy_Ka-Wei_Lee1", "Roy Lee"),
            ("~Wei_Liu12", "Liu Wei"),
            ("~Wei_Liu12", "Jun Zhang"),
            ("~Wei_Liu12", "Wei_Liu"),
            ("Wei_Liu", "Wei Liu"),
            ("~José_Hernández-Lobato1", "José Hernández-Lobato"),
            ("~1", ""),
            ("~_", " "),
        ] {
            assert_eq!(
                openreview_id_fits(id, name),
                slow_openreview_fit(id, name),
                "{id} / {name}"
            );
        }
        assert!(!openreview_id_fits("~Wei_Liu12", "Jun Zhang"));
    }

    #[test]
    fn ascii_folds_as_the_unicode_path_does() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        for text in [
            every_ascii.as_str(),
            "Yee Whye TEH",
            "O'Neil, J.-S.",
            "MIT CSAIL\tDept. 3",
        ] {
            assert_eq!(fold(text), fold_unicode(text), "{text:?}");
        }
        assert_eq!(fold("José Hernández-Lobato"), "jose hernandez-lobato");
    }

    #[test]
    fn parses_common_shapes() {
        let cases: [(&str, &[&str], &str); 9] = [
            ("Yoshua Bengio", &["yoshua"], "bengio"),
            ("G. Tesauro", &["g"], "tesauro"),
            ("T. J. Sejnowski", &["t", "j"], "sejnowski"),
            ("J.S. Albus", &["j", "s"], "albus"),
            ("Lee, Roy Ka-Wei", &["roy", "ka-wei"], "lee"),
            ("Laurens van der Maaten", &["laurens"], "vandermaaten"),
            (
                "José Miguel Hernández-Lobato",
                &["jose", "miguel"],
                "hernandezlobato",
            ),
            ("Wei Wang 0001", &["wei"], "wang"),
            ("Martin Luther King, Jr.", &["martin", "luther"], "king"),
        ];
        for (raw, given, last) in cases {
            let n = p(raw);
            assert_eq!(n.given, given, "{raw}");
            assert_eq!(n.last, last, "{raw}");
        }
        assert_eq!(PersonName::parse("  , . "), None);
    }

    #[test]
    fn compatibility_follows_initials_and_middle_names() {
        let yes = [
            ("Yoshua Bengio", "Y. Bengio"),
            ("Christopher D. Manning", "Christopher Manning"),
            ("Christopher D. Manning", "C. D. Manning"),
            ("Chun Wei Seah", "Chun-Wei Seah"),
            ("Roy Ka-Wei Lee", "Lee, Roy Ka-Wei"),
            ("Zoë Kravitz", "Zoe Kravitz"),
            ("ZOË KRAVITZ", "zoe kravitz"),
        ];
        for (a, b) in yes {
            assert!(p(a).compatible(&p(b)), "{a} ~ {b}");
            assert!(p(b).compatible(&p(a)), "{b} ~ {a}");
        }
        let no = [
            ("Yang Liu", "Yi Liu"),
            ("Yang Liu", "Yang Li"),
            ("Christopher D. Manning", "Christopher E. Manning"),
            ("G. Tesauro", "T. Tesauro"),
        ];
        for (a, b) in no {
            assert!(!p(a).compatible(&p(b)), "{a} !~ {b}");
        }
    }

    #[test]
    fn openreview_ids_carry_names() {
        let id =
            PersonName::from_openreview_id("~Roy_Ka-Wei_Lee1").unwrap_or_else(|| panic!("parse"));
        assert!(id.compatible(&p("Roy Ka-Wei Lee")));
        assert!(id.plausibly_same(&p("R. Lee")));
        let fox = PersonName::from_openreview_id("~Dieter_Fox1").unwrap_or_else(|| panic!("parse"));
        assert!(!fox.plausibly_same(&p("Arsalan Mousavian")));
        assert!(p("Xiang Yu").plausibly_same(&p("Yu Xiang")));
    }

    #[test]
    fn keys_group_spelling_variants() {
        assert_eq!(name_key("Chun-Wei Seah"), name_key("Chun Wei Seah"));
        assert_eq!(
            name_key("Jürgen Schmidhuber"),
            name_key("Jurgen Schmidhuber")
        );
        assert_eq!(p("Jürgen Schmidhuber").block_key(), "schmidhuber j");
    }
}
