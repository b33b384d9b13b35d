//! Predicates on one comma-separated segment of an affiliation string, for `organisations.rs`:
//! is it a unit inside an organisation (a department, an institute or key laboratory "of"
//! something), a lab written without its organisation, an independent research organisation's
//! institute, an address, a word a footnote mark is glued to; and the normalised key every
//! organisation is compared by. Pure functions of the text, so that organisation keys depend on
//! the string alone.

use crate::names::fold;

/// Lower-case letters and digits separated by single spaces ("The University of Hong-Kong" →
/// "the university of hong kong"); a leading "the" is dropped.
pub fn org_key(s: &str) -> String {
    let folded = fold(s);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let words = if words.first() == Some(&"the") {
        &words[1..]
    } else {
        &words[..]
    };
    words.join(" ")
}

/// Words after which a glued number is a footnote mark ("Stanford University1", "SenseTime
/// Research3", "NAVER Cloud Corp4"), not part of a name ("Data61", "Core42", "Layer6").
pub(crate) const FOOTNOTED_WORDS: &[&str] = &[
    "university",
    "universitat",
    "universite",
    "universidad",
    "universita",
    "universiteit",
    "institute",
    "institut",
    "research",
    "lab",
    "labs",
    "laboratory",
    "laboratories",
    "technology",
    "technologies",
    "college",
    "school",
    "academy",
    "science",
    "sciences",
    "center",
    "centre",
    "hospital",
    "inc",
    "ltd",
    "corp",
    "corporation",
    "company",
    "group",
    "foundation",
];

/// Where footnote marks may be glued to the end of a word: one or two digits right after a word
/// of at least three letters ending in a lower-case one, and before a space, punctuation or the
/// end. Returns (word start, digits start, digits end) in chars.
pub(crate) fn footnote_candidates(chars: &[char]) -> Vec<(usize, usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let letters = chars[..start]
            .iter()
            .rev()
            .take_while(|c| c.is_alphabetic())
            .count();
        let ends_word = chars.get(i).is_none_or(|c| !c.is_alphanumeric());
        let lower_before = start > 0 && chars[start - 1].is_lowercase();
        if i - start <= 2 && letters >= 3 && lower_before && ends_word {
            found.push((start - letters, start, i));
        }
    }
    found
}

/// Whether a segment holds a number of three digits or more (a street number, a postcode).
pub(crate) fn has_number(segment: &str) -> bool {
    segment
        .split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() >= 3)
}

/// A segment naming a unit inside an organisation: a department, school or faculty
/// ([`crate::orgs::is_generic`]), or an institute, centre, college or laboratory "of" or "for"
/// something, or a key laboratory ("Institute of Automation", "State Key Lab of CAD&CG").
pub(crate) fn is_subunit(segment: &str) -> bool {
    const UNIT_STARTS: &[&str] = &[
        "institute of ",
        "institute for ",
        "center for ",
        "centre for ",
        "center of ",
        "centre of ",
        "college of ",
        "graduate school",
        "laboratory of ",
        "laboratory for ",
        "key lab",
        "state key lab",
        "national key lab",
        "national laboratory of ",
        "national laboratory for ",
    ];
    let folded = fold(segment);
    let folded = folded.trim();
    crate::orgs::is_generic(segment) || UNIT_STARTS.iter().any(|p| folded.starts_with(p))
}

/// Words that make a folded segment a university's name (or an institute of technology's).
pub(crate) fn university_marker(folded: &str) -> bool {
    const MARKERS: &[&str] = &[
        "universit",
        "universid",
        "polytechn",
        "politecnico",
        "hochschule",
        "institute of technology",
        "institute of science",
    ];
    MARKERS.iter().any(|m| folded.contains(m))
}

/// Research organisations whose institutes are employers of their own, wherever they sit: keys
/// as [`org_key`] writes them, matched as whole words.
const INDEPENDENT_RESEARCH: &[&str] = &[
    "max planck",
    "fraunhofer",
    "helmholtz",
    "leibniz institut",
    "leibniz institute",
    "inria",
    "cnrs",
    "riken",
    "a star",
    "csiro",
    "mila",
    "vector institute",
    "dfki",
    "german research center",
    "idiap",
    "national institute",
    "alan turing institute",
    "institute for advanced study",
    "institute for basic science",
];

/// Whether a segment names an independent research organisation's institute ("Max-Planck-Institut
/// für Informatik", "A*STAR"; not "Similarity Lab", not "International Institute of …").
pub(crate) fn is_independent_research(segment: &str) -> bool {
    let key = format!(" {} ", org_key(segment));
    INDEPENDENT_RESEARCH
        .iter()
        .any(|m| key.contains(&format!(" {m} ")))
}

/// Words naming a kind of unit: an institute, a centre, a laboratory, a school or college.
const UNIT_WORDS: &[&str] = &[
    "institute",
    "institutes",
    "institut",
    "instituto",
    "istituto",
    "center",
    "centre",
    "centers",
    "centres",
    "centro",
    "zentrum",
    "lab",
    "labs",
    "laboratory",
    "laboratories",
    "laboratoire",
    "laboratorio",
    "school",
    "college",
];

/// The words of a folded segment.
fn words(folded: &str) -> Vec<&str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether a folded segment holds a unit word at all: an institute, centre or laboratory
/// anywhere, or a school or college "of" or "for" something ("Gaoling School of Artificial
/// Intelligence"; not "Imperial College London"). A university's own name holds none.
pub(crate) fn has_unit_word(folded: &str) -> bool {
    let words = words(folded);
    words.iter().enumerate().any(|(i, w)| {
        UNIT_WORDS.contains(w) && (!matches!(*w, "school" | "college") || followed_by_of(&words, i))
    })
}

/// Whether a folded segment is written as a unit of something: a unit word followed by "of",
/// "for" (or "de", "für", …), as in "Wangxuan Institute of Computer Technology", "Institut für
/// Informatik", "College of Computing", or a key laboratory ("MoE Key Lab of Artificial
/// Intelligence"). A unit named by a proper name alone ("Robotics Institute", "Flatiron
/// Institute") is not: it cannot be told from an institution of its own.
pub(crate) fn is_descriptive_unit(folded: &str) -> bool {
    let words = words(folded);
    words.iter().enumerate().any(|(i, w)| {
        (UNIT_WORDS.contains(w) && followed_by_of(&words, i))
            || (*w == "key" && words.get(i + 1).is_some_and(|n| n.starts_with("lab")))
    })
}

/// Whether the word after `i` joins a unit to what it is of.
fn followed_by_of(words: &[&str], i: usize) -> bool {
    words.get(i + 1).is_some_and(|next| {
        matches!(
            *next,
            "of" | "for"
                | "on"
                | "de"
                | "des"
                | "du"
                | "d"
                | "di"
                | "del"
                | "della"
                | "fur"
                | "fuer"
        )
    })
}

/// A lab or research arm named without its organisation ("Research, Baidu", "Cognitive
/// Computing Lab, Baidu Research").
pub(crate) fn is_lab(segment: &str) -> bool {
    let key = org_key(segment);
    matches!(
        key.as_str(),
        "research" | "ai research" | "ai lab" | "labs" | "research lab"
    ) || key.ends_with(" lab")
        || key.ends_with(" labs")
        || key.ends_with(" laboratory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_words_name_institutes_and_schools_of_something() {
        for unit in [
            "robotics institute",
            "gaoling school of artificial intelligence",
            "college of computing",
            "state key lab of cad&cg",
            "l3s research center",
        ] {
            assert!(has_unit_word(unit), "{unit}");
        }
        for name in [
            "imperial college london",
            "peking university",
            "boston college",
            "school",
        ] {
            assert!(!has_unit_word(name), "{name}");
        }
        for unit in [
            "wangxuan institute of computer technology",
            "institut fur informatik",
            "moe key lab of artificial intelligence",
            "college of computing",
        ] {
            assert!(is_descriptive_unit(unit), "{unit}");
        }
        for name in [
            "robotics institute",
            "flatiron institute",
            "peng cheng laboratory",
        ] {
            assert!(!is_descriptive_unit(name), "{name}");
        }
        assert!(is_independent_research(
            "Max-Planck-Institut für Informatik"
        ));
        assert!(is_independent_research("A*STAR"));
        assert!(!is_independent_research("Similarity Lab"));
        assert!(!is_independent_research(
            "International Institute of Information Technology"
        ));
        assert!(university_marker("georgia institute of technology"));
        assert!(!university_marker("chinese academy of sciences"));
    }
}
