//! Spelling variants of university names folded into one key, by rule rather than by list:
//! the local-language words for "university" (Universität, Université, Universidad, …) and a
//! few city exonyms (München → Munich) are translated, and a founder's name of two or more
//! words before "University" followed by a city is dropped, so "Albert-Ludwigs-Universität
//! Freiburg", "Albert Ludwigs University of Freiburg" and "University of Freiburg" share the
//! key "university of freiburg". Descriptive words stay ("Technische Universität München" is
//! "technical university of munich", never the LMU), and so does a one-word name ("Vrije
//! Universiteit Amsterdam" is not the University of Amsterdam), but one name before a closing
//! "University" is the University of that name ("Tohoku University" and "University of
//! Tohoku"), unless two universities share it (York, Washington, …). A tail that is more than a
//! place ("… of Science and Technology") leaves the key alone. Misspellings of "university"
//! seen in affiliation strings ("Univeristy", "Unversity") and the abbreviation "Univ" count as
//! the word; "at" between a university and its campus is dropped ("University of Illinois at
//! Chicago" is "University of Illinois Chicago"), and a leading "UC" before a campus is the
//! University of California ("UC, Santa Barbara").

/// Words for "university" in the languages of the corpus's affiliations.
const UNIVERSITY: &[&str] = &[
    "universitat",
    "universitaet",
    "universite",
    "universidad",
    "universidade",
    "universita",
    "universiteit",
    "universitet",
    "uniwersytet",
    "univerzita",
    "university",
    // Misspellings and the abbreviation, as they occur in affiliation strings.
    "univeristy",
    "univerisity",
    "unversity",
    "universty",
    "univesity",
    "univ",
];

/// Local-language descriptive words and their English form.
const WORDS: &[(&str, &str)] = &[
    // A laboratory and a centre spelt any way.
    ("lab", "laboratory"),
    ("labs", "laboratory"),
    ("laboratories", "laboratory"),
    ("centre", "center"),
    ("technische", "technical"),
    ("technischen", "technical"),
    ("technischer", "technical"),
    ("freie", "free"),
    ("munchen", "munich"),
    ("muenchen", "munich"),
    ("koln", "cologne"),
    ("wien", "vienna"),
    ("geneve", "geneva"),
    ("milano", "milan"),
    ("torino", "turin"),
    ("roma", "rome"),
    ("napoli", "naples"),
    ("firenze", "florence"),
    ("lisboa", "lisbon"),
    ("warszawa", "warsaw"),
    ("praha", "prague"),
    ("bruxelles", "brussels"),
];

/// Words describing a university rather than naming its founder: they are kept.
const DESCRIPTIVE: &[&str] = &[
    "technical",
    "polytechnic",
    "free",
    "open",
    "national",
    "state",
    "catholic",
    "medical",
    "normal",
    "federal",
    "international",
    "public",
    "private",
    "royal",
    "imperial",
];

/// Names that one university puts before "University" and another after "University of":
/// York University (Toronto) and the University of York, Washington University (St. Louis) and
/// the University of Washington, Miami University (Ohio) and the University of Miami, Newcastle
/// University and the University of Newcastle (Australia), Victoria University (Melbourne,
/// Wellington) and the University of Victoria, Lincoln University (New Zealand) and the
/// University of Lincoln, Jinan University (Guangzhou) and the University of Jinan.
pub(crate) const TWO_UNIVERSITIES: &[&str] = &[
    "york",
    "washington",
    "miami",
    "newcastle",
    "victoria",
    "lincoln",
    "jinan",
];

/// Words that make the tail after "University" more than a place.
const NOT_A_PLACE: &[&str] = &[
    "and",
    "science",
    "sciences",
    "technology",
    "applied",
    "arts",
    "medicine",
    "health",
    "economics",
    "engineering",
    "studies",
    "business",
];

/// The variant-folded form of a normalised organisation key (see
/// [`crate::organisations::org_key`]); the key itself when no rule applies. "&" leaves the key
/// (it is not a word), so "and" does too: "Science & Technology" is "Science and Technology";
/// and "Artificial Intelligence" is "AI" ("Shanghai Artificial Intelligence Laboratory").
pub fn fold_variants(key: &str) -> String {
    let folded = fold_university(key);
    if !folded.contains(' ') || !folded.split(' ').any(|w| matches!(w, "and" | "artificial")) {
        return folded;
    }
    let words: Vec<&str> = folded.split(' ').collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        match (words[i], words.get(i + 1)) {
            ("and", _) => {}
            ("artificial", Some(&"intelligence")) => {
                out.push("ai");
                i += 1;
            }
            (w, _) => out.push(w),
        }
        i += 1;
    }
    out.join(" ")
}

/// University spellings folded (the words "and" still in place: the rules read them).
fn fold_university(key: &str) -> String {
    let mut words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
    // "UC Santa Barbara", "UC, Irvine": a campus of the University of California.
    if words.first() == Some(&"uc") && (2..=3).contains(&words.len()) {
        words.splice(0..1, ["university", "of", "california"]);
    }
    let mut words: Vec<&str> = words
        .into_iter()
        .map(|w| {
            if UNIVERSITY.contains(&w) {
                "university"
            } else {
                WORDS
                    .iter()
                    .find(|(from, _)| *from == w)
                    .map_or(w, |(_, to)| *to)
            }
        })
        .collect();
    let Some(at) = words.iter().position(|w| *w == "university") else {
        return words.join(" ");
    };
    // "Tohoku University" is the University of Tohoku: one name before a closing "University"
    // (a place, or a founder no other university is named after), unless two universities are
    // known by it (`TWO_UNIVERSITIES`) or it describes the university ("Open University").
    if at == 1
        && words.len() == 2
        && !DESCRIPTIVE.contains(&words[0])
        && !TWO_UNIVERSITIES.contains(&words[0])
    {
        return format!("university of {}", words[0]);
    }
    // "University of Texas at Austin": the campus after "at" (never the "at" of "University
    // at Buffalo", which names the university).
    if words.get(at + 1) == Some(&"of") {
        let mut i = at + 3;
        while i + 1 < words.len() {
            if words[i] == "at" {
                words.remove(i);
            } else {
                i += 1;
            }
        }
    }
    let mut rest = &words[at + 1..];
    while let Some((first, tail)) = rest.split_first() {
        if matches!(*first, "of" | "zu" | "de" | "di" | "du" | "in") {
            rest = tail;
        } else {
            break;
        }
    }
    let place =
        !rest.is_empty() && rest.len() <= 2 && !rest.iter().any(|w| NOT_A_PLACE.contains(w));
    if !place {
        return words.join(" ");
    }
    let prefix = &words[..at];
    let names = prefix.iter().filter(|w| !DESCRIPTIVE.contains(w)).count();
    let kept: Vec<&str> = if names >= 2 {
        prefix
            .iter()
            .copied()
            .filter(|w| DESCRIPTIVE.contains(w))
            .collect()
    } else {
        prefix.to_vec()
    };
    let mut out = kept;
    out.push("university");
    out.push("of");
    out.extend_from_slice(rest);
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organisations::org_key;

    fn folded(s: &str) -> String {
        fold_variants(&org_key(s))
    }

    #[test]
    fn spellings_seen_in_paperlists_share_a_key() {
        // Each group: affiliation strings as they occur in the paperlists corpus.
        for group in [
            &[
                "University of Freiburg",
                "Albert-Ludwigs-Universität Freiburg",
                "Albert-Ludwigs-University Freiburg",
                "Albert Ludwigs University of Freiburg",
                "Universität Freiburg",
            ][..],
            &[
                "Technical University of Munich",
                "Technische Universität München",
                "Technical University Munich",
                "Technische Universitat München",
                "Technical University of München",
            ][..],
            &[
                "Ludwig Maximilian University of Munich",
                "Ludwig-Maximilians-Universität München",
                "Ludwig-Maximilians-University Munich",
                "University of Munich",
                "Universität München",
            ][..],
            &[
                "University of Tübingen",
                "Eberhard Karls University of Tübingen",
                "Eberhard-Karls-Universität Tübingen",
            ][..],
            // Misspellings of "university" and a campus after "at" (paperlists strings).
            &[
                "University of British Columbia",
                "Univeristy of British Columbia",
            ][..],
            &["Wayne State University", "Wayne State Unversity"][..],
            &[
                "University of Illinois at Chicago",
                "University of Illinois Chicago",
                "Univ. of Illinois at Chicago",
            ][..],
            &[
                "University of Texas at Austin",
                "The University of Texas at Austin",
            ][..],
            &[
                "University of California, Santa Barbara",
                "UC, Santa Barbara",
                "UC Santa Barbara",
            ][..],
            &[
                "Lawrence Livermore National Laboratory",
                "Lawrence Livermore National Labs",
            ][..],
            &[
                "Shanghai Artificial Intelligence Laboratory",
                "Shanghai AI Laboratory",
                "Shanghai AI Lab",
            ][..],
            &[
                "German Research Center for Artificial Intelligence",
                "German Research Centre for AI",
            ][..],
            // "&" for "and".
            &[
                "Nanjing University of Information Science and Technology",
                "Nanjing University of Information Science & Technology",
            ][..],
            &[
                "Hong Kong University of Science and Technology",
                "Hong Kong University of Science & Technology",
            ][..],
            // A name before "University" or after "University of".
            &["Tohoku University", "University of Tohoku"][..],
            &["Klagenfurt University", "University of Klagenfurt"][..],
            &["Nantes Université", "University of Nantes"][..],
            &["Örebro University", "University of Örebro"][..],
        ] {
            let keys: Vec<String> = group.iter().map(|s| folded(s)).collect();
            assert!(keys.iter().all(|k| *k == keys[0]), "{group:?} → {keys:?}");
        }
    }

    #[test]
    fn different_universities_stay_apart() {
        assert_ne!(
            folded("Technical University of Munich"),
            folded("Ludwig Maximilian University of Munich")
        );
        assert_ne!(
            folded("Bundeswehr University Munich"),
            folded("University of Munich")
        );
        assert_ne!(
            folded("Vrije Universiteit Amsterdam"),
            folded("University of Amsterdam")
        );
        assert_ne!(
            folded("Hong Kong University of Science and Technology"),
            folded("University of Science and Technology of China")
        );
        assert_ne!(
            folded("University of Illinois at Chicago"),
            folded("University of Illinois Urbana-Champaign")
        );
        assert_ne!(folded("UC Berkeley"), folded("UC Santa Barbara"));
        assert_ne!(
            folded("Hong Kong University of Science & Technology"),
            folded("Pohang University of Science and Technology")
        );
        assert_eq!(folded("Stanford University"), "university of stanford");
        assert_eq!(
            folded("Carnegie Mellon University"),
            "carnegie mellon university"
        );
        // Two universities of one name each keep theirs.
        for (a, b) in [
            ("York University", "University of York"),
            ("Washington University", "University of Washington"),
            ("Miami University", "University of Miami"),
            ("Newcastle University", "University of Newcastle"),
            ("Jinan University", "University of Jinan"),
        ] {
            assert_ne!(folded(a), folded(b), "{a} / {b}");
        }
        assert_ne!(folded("Open University"), folded("University of Open"));
    }
}
