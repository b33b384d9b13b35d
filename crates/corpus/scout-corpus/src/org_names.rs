//! Whether two organisation keys are names of one organisation, by rule rather than by list:
//! what stops `moves.rs` from reading "NEC Labs America" after "NEC Laboratories America", or
//! "KTH Royal Institute of Technology" after "KTH", as a move.
//!
//! The organisation table keeps such names apart (an alias table and spelling rules merge only
//! what is certainly one organisation), so the test here is looser and asked only of two
//! organisations on one person's papers. Two keys name one organisation when, after common
//! abbreviations are written out ("labs" → "laboratory", "ai" → "artificial intelligence"):
//! - one is a run of consecutive words of the other with a distinctive word in it
//!   ("university of maryland" in "university of maryland at college park", "kth" in "kth
//!   royal institute of technology"; never "university of washington" in "washington
//!   university in st louis", whose words are in another order);
//!   a word of one may stand for consecutive words of the other by their initials ("iit
//!   bombay" in "indian institute of technology bombay", "ut austin" in "university of texas
//!   at austin");
//! - or one's initials (three letters or more) are a word of the other ("new york university"
//!   and "nyu grossman school of medicine", "university of southern california" and "usc isi").
//!
//! A department of a larger body is counted as that body ("institute of software chinese
//! academy of sciences" and "chinese academy of sciences"): a move between the two is at most
//! a move inside one organisation.

/// Words that say what kind of organisation a name is without saying which: a run of them
/// alone ("institute of technology") names nothing.
const GENERIC: &[&str] = &[
    "university",
    "institute",
    "of",
    "for",
    "and",
    "the",
    "technology",
    "school",
    "college",
    "research",
    "center",
    "centre",
    "laboratory",
    "national",
    "department",
    "science",
    "sciences",
    "engineering",
    "computer",
    "faculty",
    "academy",
    "artificial",
    "intelligence",
    "state",
    "group",
    "inc",
];

/// Words left out of initials ("university of southern california" → "usc").
const LINKING: &[&str] = &["of", "for", "the", "and", "at", "in", "de", "du", "la"];

/// The words of an organisation key with abbreviations written out; "the" and "at" dropped.
fn words(key: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for w in key.split(|c: char| !c.is_alphanumeric()) {
        match w {
            "" | "the" | "at" => {}
            "lab" | "labs" | "laboratories" | "laboratorie" => out.push("laboratory"),
            "ai" => out.extend(["artificial", "intelligence"]),
            "univ" => out.push("university"),
            "inst" => out.push("institute"),
            "ctr" => out.push("center"),
            "tech" => out.push("technology"),
            _ => out.push(w),
        }
    }
    out
}

fn initials(words: &[&str]) -> String {
    words
        .iter()
        .filter(|w| !LINKING.contains(w))
        .filter_map(|w| w.chars().next())
        .collect()
}

/// `short` occurs as consecutive words of `long` (a word of `short` may stand for several of
/// `long` by their initials), and names something: a distinctive word, or initials of three
/// letters or more, or initials and another word.
fn runs_inside(short: &[&str], long: &[&str]) -> bool {
    !short.is_empty() && (0..long.len()).any(|start| matches_from(short, long, start, false))
}

/// Whether `short` matches `long` from word `j` on (see [`runs_inside`]); `named` says whether
/// what matched so far names something.
fn matches_from(short: &[&str], long: &[&str], j: usize, named: bool) -> bool {
    let Some((&word, rest)) = short.split_first() else {
        return named;
    };
    if long.get(j) == Some(&word)
        && matches_from(rest, long, j + 1, named || !GENERIC.contains(&word))
    {
        return true;
    }
    // `word` as the initials of long[j..=k] (linking words inside the run are skipped).
    if word.len() < 2 || long.get(j).is_none_or(|w| LINKING.contains(w)) {
        return false;
    }
    let mut letters = String::new();
    for k in j..long.len() {
        if !LINKING.contains(&long[k]) {
            letters.extend(long[k].chars().next());
        }
        if letters.len() > word.len() || !word.starts_with(letters.as_str()) {
            return false;
        }
        if k > j && letters == word {
            let names = word.len() >= 3 || !rest.is_empty();
            if matches_from(rest, long, k + 1, named || names) {
                return true;
            }
        }
    }
    false
}

/// One of `a`'s words is the initials of `b`'s (three letters or more).
fn abbreviates(a: &[&str], b: &[&str]) -> bool {
    let init = initials(b);
    init.len() >= 3 && b.len() >= 3 && a.contains(&init.as_str())
}

/// Whether organisation keys `a` and `b` ([`crate::organisations::org_key`]) name one
/// organisation (see the module documentation).
pub fn one_organisation(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return false;
    }
    let related = |x: &[&str], y: &[&str]| {
        runs_inside(x, y) || runs_inside(y, x) || abbreviates(x, y) || abbreviates(y, x)
    };
    // A key folded to "university of jacobs" was written "Jacobs University", the way
    // "Jacobs University Bremen" still begins.
    related(&wa, &wb)
        || name_first(&wa).is_some_and(|x| related(&x, &wb))
        || name_first(&wb).is_some_and(|y| related(&wa, &y))
}

/// "university of X" as "X university" (`org_variants` folds the second into the first,
/// except for the names two universities share).
fn name_first<'a>(words: &[&'a str]) -> Option<[&'a str; 2]> {
    match words {
        ["university", "of", name] if !crate::org_variants::TWO_UNIVERSITIES.contains(name) => {
            Some([*name, "university"])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::one_organisation;
    use crate::organisations::org_key;

    fn one(a: &str, b: &str) -> bool {
        one_organisation(&org_key(a), &org_key(b))
    }

    #[test]
    fn names_of_one_organisation() {
        for (a, b) in [
            ("NEC Laboratories America", "NEC Labs America"),
            ("KTH", "KTH Royal Institute of Technology"),
            ("Higher School of Economics", "HSE University"),
            ("University of Southern California", "USC/ISI"),
            ("New York University", "NYU Grossman School of Medicine"),
            (
                "German Research Center for AI",
                "German Research Center for Artificial Intelligence",
            ),
            (
                "Institute of Software Chinese Academy of Sciences, Beijing",
                "Institute of Software, Chinese Academy of Sciences",
            ),
            (
                "University of Maryland",
                "University of Maryland at College Park",
            ),
            ("Google", "Google DeepMind"),
            ("IIT Bombay", "Indian Institute of Technology Bombay"),
            ("UT Austin", "University of Texas at Austin"),
            ("UC Berkeley", "University of California, Berkeley"),
        ] {
            assert!(one(a, b), "{a} / {b}");
            assert!(one(b, a), "{b} / {a}");
        }
    }

    #[test]
    fn a_university_named_first_meets_its_longer_names() {
        use crate::org_variants::fold_variants;
        let stored = |s: &str| fold_variants(&org_key(s));
        for (a, b) in [
            ("Jacobs University", "Jacobs University Bremen"),
            ("Delft University", "Delft University of Technology"),
            (
                "Khalifa University",
                "Khalifa University of Science and Technology",
            ),
        ] {
            assert!(one_organisation(&stored(a), &stored(b)), "{a} / {b}");
            assert!(one_organisation(&stored(b), &stored(a)), "{b} / {a}");
        }
        assert!(!one_organisation(
            &stored("Washington University"),
            &stored("University of Washington, Seattle")
        ));
    }

    #[test]
    fn different_organisations_stay_apart() {
        for (a, b) in [
            (
                "University of Washington",
                "Washington University in St. Louis",
            ),
            ("University of Tokyo", "UT Austin"),
            (
                "Institute of Technology",
                "California Institute of Technology",
            ),
            (
                "Tsinghua University",
                "Tsinghua-Berkeley Shenzhen Institute",
            ),
            ("Shanghai AI Laboratory", "Shanghai Jiao Tong University"),
            ("Alibaba Group", "Alibaba DAMO Academy"),
            ("University of Toronto", "Vector Institute"),
            ("McGill University", "University of California, Berkeley"),
            ("Google Research", "Google DeepMind"),
            (
                "National University of Singapore",
                "National Taiwan University",
            ),
            ("Stanford University", "Broad Institute"),
            ("UT Austin", "University of Tokyo"),
            ("IIT Delhi", "Indian Institute of Technology Bombay"),
            ("UC", "University of Chicago"),
        ] {
            assert!(!one(a, b), "{a} / {b}");
            assert!(!one(b, a), "{b} / {a}");
        }
    }
}
