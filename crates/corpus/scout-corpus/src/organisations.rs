//! Organisations: affiliation strings reduced to one organisation each. OpenAlex and the
//! conference lists already give normalised names (`aff_unique_norm`, institution display
//! names); a curated alias table (`data/org_aliases.tsv`, with the date of each real merger)
//! folds the spellings and sub-labs of the major labs and universities into one organisation,
//! e.g. "Google Brain", "Google Research" and "DeepMind" → Google DeepMind.
//!
//! Rules fold the spellings of one organisation without a list: a company's legal form is not
//! part of its key ("NAVER Corp." and "NAVER Corporation" are NAVER), a segment repeating an
//! earlier one is dropped ("Technion, Technion"), a postal address ends the name ("California
//! Institute of Technology, 1200 E. California Blvd., Pasadena"), and a short name written
//! before a dash and a descriptive name ("Technion - Israel Institute of Technology") or an
//! alias-table organisation before a dash ("ETHZ - ETH Zurich") is the organisation, and an
//! organisation written before its unit ("Chinese Academy of Sciences, Institute of Automation",
//! "ETH Zürich, Department of Computer Science") reads as the unit written first.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use crate::names::fold;
pub use crate::org_segments::org_key;
use crate::org_segments::{
    FOOTNOTED_WORDS, footnote_candidates, has_number, has_unit_word, is_descriptive_unit,
    is_independent_research, is_lab, is_subunit, university_marker,
};
use crate::orgs::{OrgType, classify};

const ALIASES: &str = include_str!("../data/org_aliases.tsv");

/// The version of the normalisation rules below: moved whenever a rule changes what an
/// affiliation string resolves to, how a timeline counts the papers at an organisation, or how
/// an organisation is named (version 4: a paper naming one organisation twice counts once; 5: a
/// page's text extracted as an affiliation is none, `orgs::is_placeholder`; 6: an organisation
/// is named by its most used spelling, and an author's name in a paper's affiliation list is
/// none, `identity/load.rs`; 7: a footnote or an e-mail address is none, `orgs::is_placeholder`;
/// 8: a name of initials alone follows a shared organisation in a rare name block,
/// `identity/resolve.rs` — an identity rule, moved here too so that no stored researcher keeps
/// the old rule's clustering through incremental refreshes; 9: "X University" is the University
/// of X, `org_variants.rs`; 10: a short history that only shows a supervisor is senior at
/// least, and the stage model's senior weight, `career.rs` — stage rules, moved here so that no
/// stored researcher keeps an old stage through incremental refreshes). With the alias table it
/// makes [`rules_fingerprint`].
const RULES_VERSION: u32 = 10;

/// What organisation keys were derived with: the rules' version and the alias table's hash.
/// Derived data built under another fingerprint is refreshed in full (`incremental::plan`), so
/// stored organisations and new mentions never resolve by two sets of rules.
pub fn rules_fingerprint() -> String {
    format!(
        "{RULES_VERSION}-{:016x}",
        xxhash_rust::xxh3::xxh3_64(ALIASES.as_bytes())
    )
}

/// An organisation from the alias table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    pub name: String,
    pub org_type: OrgType,
    pub country: Option<String>,
    pub note: String,
}

/// What an affiliation string resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRef {
    /// Normalised key: identical for every spelling of one organisation.
    pub key: String,
    /// Display name (the canonical one when an alias applied).
    pub name: String,
    /// Set when the alias table applied.
    pub canonical: Option<usize>,
}

pub struct OrgRegistry {
    canonical: Vec<Canonical>,
    exact: HashMap<String, usize>,
    contains: Vec<(String, usize)>,
    /// Aliases a string may begin with (whole words), longest first.
    starts: Vec<(String, usize)>,
}

/// Legal forms a company's name may end with; they do not tell one organisation from another.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "corp",
    "corporation",
    "co",
    "gmbh",
    "plc",
    "pbc",
];

/// A normalised key without its trailing legal forms ("huawei technologies co ltd" →
/// "huawei technologies"); a key that is nothing but legal forms stays as it is.
fn without_legal_form(key: &str) -> String {
    let mut words: Vec<&str> = key.split(' ').collect();
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL_FORMS.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

/// The key an alias or an affiliation is looked up by: normalised, without legal forms,
/// spelling variants folded.
fn lookup_key(s: &str) -> String {
    crate::org_variants::fold_variants(&without_legal_form(&org_key(s)))
}

/// How many times a segment says "university", misspelt or abbreviated ones included
/// ("Zhejiang Univerisity", "Univ. of Tokyo", "Universität Potsdam").
fn university_words(segment: &str) -> usize {
    lookup_key(segment)
        .split(' ')
        .filter(|w| *w == "university")
        .count()
}

/// Words of a descriptive institution name, after a short name and a dash.
const INSTITUTION_WORDS: &[&str] = &[
    "institute",
    "university",
    "hochschule",
    "fachhochschule",
    "college",
    "school",
];

impl Default for OrgRegistry {
    fn default() -> Self {
        OrgRegistry::builtin()
    }
}

impl OrgRegistry {
    /// The registry built from the bundled alias table.
    pub fn builtin() -> OrgRegistry {
        let mut reg = OrgRegistry {
            canonical: Vec::new(),
            exact: HashMap::default(),
            contains: Vec::new(),
            starts: Vec::new(),
        };
        for line in ALIASES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .skip(1)
        {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 5 {
                continue;
            }
            let index = match reg.canonical.iter().position(|c| c.name == cols[0]) {
                Some(i) => i,
                None => {
                    reg.canonical.push(Canonical {
                        name: cols[0].to_string(),
                        org_type: OrgType::parse(cols[1]).unwrap_or(OrgType::Other),
                        country: Some(cols[2].trim())
                            .filter(|c| !c.is_empty())
                            .map(str::to_string),
                        note: cols
                            .get(5)
                            .map(|n| n.trim().to_string())
                            .unwrap_or_default(),
                    });
                    reg.canonical.len() - 1
                }
            };
            for alias in cols[3].split('|').map(lookup_key).filter(|a| !a.is_empty()) {
                match cols[4].trim() {
                    "contains" => reg.contains.push((alias, index)),
                    "starts" => reg.starts.push((alias, index)),
                    _ => {
                        reg.exact.insert(alias, index);
                    }
                }
            }
        }
        // Longer patterns first, so "google deepmind" wins over "google".
        reg.contains
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        reg.starts
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        reg
    }

    pub fn canonical(&self, index: usize) -> &Canonical {
        &self.canonical[index]
    }

    /// Resolves an affiliation display string.
    pub fn resolve(&self, display: &str) -> OrgRef {
        let display = &self.core(display);
        let raw = without_legal_form(&org_key(display));
        let key = crate::org_variants::fold_variants(&raw);
        // The variant fold rewrites a university's name and can drop the words of an institute
        // named beside it ("Mila - Quebec AI Institute, Université de Montréal"), so the string's
        // own words meet the alias table first and the folded key only after.
        // The first pattern whose words occur in `k` (anywhere, or at its start).
        let matched = |patterns: &[(String, usize)], k: &str, at_start: bool| {
            let padded = format!(" {k} ");
            patterns
                .iter()
                .find(|(pattern, _)| {
                    let words = format!(" {pattern} ");
                    if at_start {
                        padded.starts_with(&words)
                    } else {
                        padded.contains(&words)
                    }
                })
                .map(|(_, i)| *i)
        };
        let hit = self
            .exact
            .get(&raw)
            .copied()
            .or_else(|| matched(&self.contains, &raw, false))
            .or_else(|| matched(&self.starts, &raw, true))
            .or_else(|| self.exact.get(&key).copied())
            .or_else(|| matched(&self.contains, &key, false))
            .or_else(|| matched(&self.starts, &key, true));
        match hit {
            Some(i) => OrgRef {
                key: org_key(&self.canonical[i].name),
                name: self.canonical[i].name.clone(),
                canonical: Some(i),
            },
            None => OrgRef {
                key,
                name: display.trim().to_string(),
                canonical: None,
            },
        }
    }

    /// The institution inside a raw affiliation string: footnote marks, parenthesised asides
    /// and trailing countries are dropped, and a leading unit ("Department of EECS, University
    /// of California, Berkeley") gives way to the institution after it.
    fn core(&self, display: &str) -> String {
        let display = &self.without_footnote_marks(display);
        let mut text = String::with_capacity(display.len());
        let mut depth = 0usize;
        for c in display.chars() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth = depth.saturating_sub(1),
                _ if depth == 0 => text.push(c),
                _ => {}
            }
        }
        let mut parts: Vec<&str> = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            // A postal address (a street number, a postcode) ends the name.
            if !parts.is_empty() && has_number(part) {
                break;
            }
            // A segment repeating an earlier one, or the short name inside it ("Technion -
            // Israel Institute of Technology, Technion"), adds nothing.
            let key = format!(" {} ", org_key(part));
            if key.trim().is_empty()
                || parts
                    .iter()
                    .any(|p| format!(" {} ", org_key(p)).contains(&key))
            {
                continue;
            }
            parts.push(part);
        }
        if let Some((short, known)) = parts.first().and_then(|p| self.before_dash(p)) {
            if known {
                // The first organisation named is the table's ("Mila - Quebec AI Institute,
                // Université de Montréal").
                return short.to_string();
            }
            parts[0] = short;
        }
        while parts.len() > 1
            && parts.last().is_some_and(|p| {
                scout_formats::country_code(p).is_some() || p.eq_ignore_ascii_case("usa")
            })
        {
            parts.pop();
        }
        // "Organisation, Unit" is "Unit, Organisation" written the other way round ("Chinese
        // Academy of Sciences, Institute of Automation", "ETH Zürich, Department of Computer
        // Science"): the units go first, so both spellings are one organisation below.
        if parts.len() > 1 && !is_subunit(parts[0]) {
            let trailing = parts.iter().rev().take_while(|p| is_subunit(p)).count();
            if trailing > 0 && trailing < parts.len() {
                parts.rotate_right(trailing);
            }
        }
        // A lab written before its organisation gives way only to a recognisable organisation
        // ("Shanghai AI Laboratory, Shanghai" stays the laboratory).
        let organisation_follows = parts
            .iter()
            .skip(1)
            .any(|p| self.knows(p) || classify(p, None, None) != OrgType::Other);
        let generic_unit =
            |p: &str| crate::orgs::is_generic(p) || (organisation_follows && is_lab(p));
        // A university's institute, centre, school or laboratory "of" or "for" something, or its
        // key laboratory, written before it gives way to the university ("State Key Lab of
        // CAD&CG, Zhejiang University", "Wangxuan Institute of Computer Technology, Peking
        // University"); before anything else (an academy: "Institute of Automation, Chinese
        // Academy of Sciences") the unit stays the organisation. After one such unit, units
        // named by a name alone count too ("MoE Key Lab of …, AI Institute, Shanghai Jiao Tong
        // University").
        let mut leading = 0;
        let mut descriptive = false;
        while let Some(p) = parts.get(leading) {
            if !generic_unit(p) {
                if !self.is_university_unit(p, descriptive) {
                    break;
                }
                descriptive = true;
            }
            leading += 1;
        }
        if descriptive && leading < parts.len() && self.is_university(parts[leading]) {
            parts.drain(..leading);
            // The university as the string would read without its unit: the alias table's
            // name, or the rest as written ("…, Indian Institute of Technology, Delhi").
            for n in 1..=parts.len() {
                let candidate = parts[..n].join(", ");
                if self.exact.contains_key(&lookup_key(&candidate)) {
                    return candidate;
                }
            }
            return parts.join(", ");
        }
        if parts.len() > 1 && generic_unit(parts[0]) {
            while parts.len() > 1 && generic_unit(parts[0]) {
                parts.remove(0);
            }
            // The shortest run of segments the alias table knows, else the institution
            // (with its campus when it is "University of X, Campus").
            for n in 1..=parts.len() {
                let candidate = parts[..n].join(", ");
                if self.exact.contains_key(&lookup_key(&candidate)) {
                    return candidate;
                }
            }
            let campus = parts.len() > 1
                && fold(parts[0]).starts_with("university of")
                && parts[1].split_whitespace().count() <= 2
                && parts[0].split_whitespace().count() <= 3;
            return if campus {
                parts[..2].join(", ")
            } else {
                parts[0].to_string()
            };
        }
        let joined = parts.join(", ");
        if joined.is_empty() {
            display.trim().to_string()
        } else {
            joined
        }
    }

    /// The string without the footnote marks that proceedings glue to the end of a name
    /// ("Stanford University1", "Meta2", "Wuhan University, China4"): a mark goes when the word
    /// it follows is a generic word of organisation names or a country, or when its
    /// comma-separated segment without it is a name the alias table knows. Numbers that are
    /// part of a name stay ("Data61", "LIP6", "IN2P3", "University of Rennes 1").
    fn without_footnote_marks<'d>(&self, display: &'d str) -> Cow<'d, str> {
        if !display.bytes().any(|b| b.is_ascii_digit()) {
            return Cow::Borrowed(display);
        }
        let chars: Vec<char> = display.chars().collect();
        let mut keep = vec![true; chars.len()];
        for (word, digits, end) in footnote_candidates(&chars) {
            let word_text: String = chars[word..digits].iter().collect();
            let segment_start = chars[..word]
                .iter()
                .rposition(|&c| c == ',')
                .map_or(0, |p| p + 1);
            let segment: String = chars[segment_start..digits].iter().collect();
            let generic = FOOTNOTED_WORDS.contains(&fold(&word_text).as_str())
                || scout_formats::country_code(&word_text).is_some();
            if generic || self.exact.contains_key(&lookup_key(&segment)) {
                keep[digits..end].iter_mut().for_each(|k| *k = false);
            }
        }
        if keep.iter().all(|&k| k) {
            return Cow::Borrowed(display);
        }
        Cow::Owned(
            chars
                .iter()
                .zip(&keep)
                .filter(|&(_, &k)| k)
                .map(|(&c, _)| c)
                .collect(),
        )
    }

    /// The organisation written before a dash, when the dash only adds its description or a
    /// second spelling: an alias-table organisation ("ETHZ - ETH Zurich", "IBM Research -
    /// Haifa"), or one word followed by a descriptive institution name ("Technion - Israel
    /// Institute of Technology", "FHNW - Fachhochschule Nordwestschweiz"). Two organisations
    /// joined by a dash ("INRIA - ENS") keep the whole string unless the first is in the table.
    /// Also says whether the alias table knows it.
    fn before_dash<'a>(&self, segment: &'a str) -> Option<(&'a str, bool)> {
        let (first, rest) = [" - ", " – ", " — "]
            .iter()
            .find_map(|dash| segment.split_once(dash))?;
        let (first, rest) = (first.trim(), rest.trim());
        if first.is_empty() || rest.is_empty() {
            return None;
        }
        if self.exact.contains_key(&lookup_key(first)) {
            return Some((first, true));
        }
        let first_words = org_key(first);
        let rest_words = lookup_key(rest);
        let one_word = !first_words.is_empty() && !first_words.contains(' ');
        let descriptive = rest_words
            .split(' ')
            .any(|w| INSTITUTION_WORDS.contains(&w));
        (one_word && first_words.len() >= 3 && descriptive).then_some((first, false))
    }

    /// Whether the alias table knows the segment as an organisation (exactly or by a
    /// contained pattern).
    fn knows(&self, segment: &str) -> bool {
        let key = lookup_key(segment);
        self.exact.contains_key(&key)
            || self
                .contains
                .iter()
                .any(|(pattern, _)| format!(" {key} ").contains(&format!(" {pattern} ")))
    }

    /// A segment naming a university (or an institute of technology or science) by itself:
    /// "Zhejiang University", "Universität Potsdam", "Georgia Institute of Technology", an
    /// alias-table university such as KAIST. Not a unit of one (no unit word, department or
    /// faculty), not an academy, not "… at the …" (a unit "at" its university), and at most
    /// one institution in the segment ("University of Zurich and ETH Zurich" is two).
    fn is_university(&self, segment: &str) -> bool {
        let folded = fold(segment);
        let folded = folded.trim();
        if let Some(&i) = self.exact.get(&lookup_key(segment)) {
            return self.canonical[i].org_type == OrgType::Education && !folded.contains("academy");
        }
        let words = folded
            .replace("institute of science and technology", " ")
            .replace("institute of technology", " ")
            .replace("institute of science", " ");
        let department = folded
            .split(|c: char| !c.is_alphanumeric())
            .any(|w| matches!(w, "department" | "dept" | "faculty" | "division"));
        let universities = university_words(segment).max(folded.matches("universi").count());
        let institutions = folded
            .split(" and ")
            .filter(|piece| university_marker(piece) || self.knows(piece))
            .count();
        (university_marker(folded) || universities > 0)
            && !department
            && !folded.contains("academy")
            && !folded.contains(" at the ")
            && universities <= 1
            && institutions <= 1
            && !has_unit_word(&words)
    }

    /// A university's unit written as one ([`is_descriptive_unit`]: "Wangxuan Institute of
    /// Computer Technology", "MoE Key Lab of …"), or with `named_too` also one named by a name
    /// alone ("Robotics Institute", which alone cannot be told from an institution of its own):
    /// not a university, a company's lab, an alias-table organisation or an independent
    /// research institute ("Max Planck Institute for Informatics").
    fn is_university_unit(&self, segment: &str, named_too: bool) -> bool {
        let folded = fold(segment);
        let folded = folded.trim();
        (is_descriptive_unit(folded) || (named_too && has_unit_word(folded)))
            && !university_marker(folded)
            && university_words(segment) == 0
            && !is_independent_research(segment)
            && classify(segment, None, None) != OrgType::Company
            && !self.knows(segment)
    }

    /// The type of a resolved organisation: the table's, else the source's, else a guess.
    pub fn org_type(
        &self,
        org: &OrgRef,
        display: &str,
        domain: Option<&str>,
        source_type: Option<&str>,
    ) -> OrgType {
        match org.canonical {
            Some(i) => self.canonical[i].org_type,
            None => classify(display, domain, source_type),
        }
    }
}

#[cfg(test)]
mod tests;
