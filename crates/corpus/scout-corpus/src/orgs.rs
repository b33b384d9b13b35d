//! Organisation type from what a source tells about an affiliation: the OpenAlex institution
//! type when present, else the e-mail domain, else words in the name.

use std::fmt;

/// Coarse organisation type used by `--org-type`. Mirrors OpenAlex's institution types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum OrgType {
    Education,
    Company,
    Facility,
    Government,
    Nonprofit,
    Healthcare,
    Other,
}

impl OrgType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgType::Education => "education",
            OrgType::Company => "company",
            OrgType::Facility => "facility",
            OrgType::Government => "government",
            OrgType::Nonprofit => "nonprofit",
            OrgType::Healthcare => "healthcare",
            OrgType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<OrgType> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "education" | "university" | "academic" => OrgType::Education,
            "company" | "industry" => OrgType::Company,
            "facility" | "archive" => OrgType::Facility,
            "government" => OrgType::Government,
            "nonprofit" | "funder" => OrgType::Nonprofit,
            "healthcare" => OrgType::Healthcare,
            "other" => OrgType::Other,
            _ => return None,
        })
    }
}

impl fmt::Display for OrgType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Well-known research companies whose names do not say "Inc." (matched as whole words).
const COMPANY_NAMES: &[&str] = &[
    "google",
    "deepmind",
    "microsoft",
    "meta",
    "facebook",
    "openai",
    "anthropic",
    "amazon",
    "apple",
    "nvidia",
    "ibm",
    "intel",
    "adobe",
    "salesforce",
    "baidu",
    "alibaba",
    "tencent",
    "bytedance",
    "huawei",
    "samsung",
    "sony",
    "naver",
    "kakao",
    "sensetime",
    "megvii",
    "xiaomi",
    "jd",
    "netease",
    "meituan",
    "didi",
    "uber",
    "twitter",
    "linkedin",
    "yahoo",
    "snap",
    "pinterest",
    "netflix",
    "spotify",
    "qualcomm",
    "bosch",
    "siemens",
    "toyota",
    "nec",
    "fujitsu",
    "hitachi",
    "preferred networks",
    "cohere",
    "mistral",
    "hugging face",
    "huggingface",
    "character.ai",
    "inflection",
    "x.ai",
    "xai",
    "waymo",
    "tesla",
    "zhipu",
    "moonshot",
    "deepseek",
    "minimax",
    "01.ai",
    "stability",
    "midjourney",
    "runway",
    "adept",
    "ai2",
    "allen institute",
    "yandex",
    "criteo",
    "booking",
    "zalando",
    "shopify",
    "ant group",
    "kuaishou",
    "oppo",
    "vivo",
    "lenovo",
    "noah's ark",
    "msra",
    "fair",
];

const COMPANY_MARKERS: &[&str] = &[
    "inc",
    "ltd",
    "llc",
    "corp",
    "corporation",
    "gmbh",
    "co",
    "company",
    "technologies",
    "labs",
    "lab.",
    "ag",
    "s.a",
    "plc",
    "limited",
    "group",
];

const EDUCATION_MARKERS: &[&str] = &[
    "university",
    "universit",
    "college",
    "school",
    "polytechnic",
    "politecnico",
    "ecole",
    "école",
    "eth zurich",
    "epfl",
    "institute of technology",
    "universidad",
    "universidade",
    "hochschule",
    "kaist",
    "mit",
    "caltech",
    "academy of sciences",
    "iit",
    "ucl",
    "ucla",
    "ucsd",
    "uc berkeley",
    "cmu",
    "nyu",
    "tu ",
];

const GOVERNMENT_MARKERS: &[&str] = &[
    "national laboratory",
    "national lab",
    "nasa",
    "nist",
    "ministry",
    "army",
    "navy",
    "air force",
];
const FACILITY_MARKERS: &[&str] = &[
    "max planck",
    "inria",
    "cnrs",
    "institute",
    "institut",
    "centre",
    "center",
    "laboratory",
    "research council",
    "riken",
    "a*star",
    "csiro",
    "fraunhofer",
    "mila",
    "vector institute",
];
const HEALTH_MARKERS: &[&str] = &["hospital", "clinic", "medical center", "health"];

/// Best guess of an organisation's type. `source_type` (OpenAlex) wins when present.
pub fn classify(name: &str, domain: Option<&str>, source_type: Option<&str>) -> OrgType {
    if let Some(t) = source_type.and_then(OrgType::parse) {
        return t;
    }
    let lower = format!(" {} ", crate::names::fold(name));
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '.' && c != '*' && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    let has_word = |w: &str| words.iter().any(|x| x.trim_end_matches('.') == w);
    let contains = |m: &str| lower.contains(m);
    if HEALTH_MARKERS.iter().any(|m| contains(m)) && !contains("universit") {
        return OrgType::Healthcare;
    }
    // Chinese "Key Laboratories" are state laboratories, whatever else their names say.
    if (contains("key laboratory") || contains("key lab ")) && !contains("universit") {
        return OrgType::Government;
    }
    if EDUCATION_MARKERS.iter().any(|m| {
        if m.len() <= 4 && !m.ends_with(' ') {
            has_word(m)
        } else {
            contains(m)
        }
    }) {
        return OrgType::Education;
    }
    if COMPANY_NAMES.iter().any(|c| {
        if c.contains(' ') || c.contains('.') {
            contains(c)
        } else {
            has_word(c)
        }
    }) || COMPANY_MARKERS
        .iter()
        .any(|m| has_word(m.trim_end_matches('.')))
    {
        return OrgType::Company;
    }
    if let Some(domain) = domain.map(str::to_ascii_lowercase) {
        if domain.ends_with(".edu")
            || domain.contains(".edu.")
            || domain.contains(".ac.")
            || domain.starts_with("ac.")
        {
            return OrgType::Education;
        }
        if domain.ends_with(".gov") || domain.contains(".gov.") {
            return OrgType::Government;
        }
        if domain.ends_with(".com") || domain.ends_with(".ai") || domain.ends_with(".io") {
            return OrgType::Company;
        }
    }
    if GOVERNMENT_MARKERS.iter().any(|m| contains(m)) {
        return OrgType::Government;
    }
    if FACILITY_MARKERS.iter().any(|m| contains(m)) {
        return OrgType::Facility;
    }
    OrgType::Other
}

/// Longer than any affiliation: text of the page, not a name.
const MAX_AFFILIATION_CHARS: usize = 400;

/// Phrases of the watermark CVF's open-access proceedings print on every page ("This CVPR paper
/// is the Open Access version, provided by the Computer Vision Foundation. Except for this
/// watermark, it is identical to the accepted version; the final published version of the
/// proceedings is available on IEEE Xplore."), split at its commas by PDF extraction.
const WATERMARK: &[&str] = &[
    "open access version",
    "accepted version",
    "published version of the proceedings",
    "available on ieee xplore",
];

/// A paper's footnotes that lists of affiliations pick up, as the whole entry: never an
/// organisation ("University of Bonn / [email removed]" still names one).
const FOOTNOTES: &[&str] = &[
    "authors contributed equally",
    "these authors contributed equally",
    "equal contribution",
    "equal contributions",
    "corresponding author",
    "email removed",
];

/// Whether `lower` begins with a footnote, punctuation aside ("[email removed]").
fn is_footnote(lower: &str) -> bool {
    FOOTNOTES.iter().any(|footnote| {
        let mut words = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty());
        footnote.split(' ').all(|word| words.next() == Some(word))
    })
}

/// An e-mail address, as PDF text gives it ("GAMIR @CS.HUJI .AC.IL"): local part, one "@", a
/// domain with a dot, nothing else once spaces are dropped.
fn is_email_address(lower: &str) -> bool {
    if !lower.contains('@') {
        return false;
    }
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    let Some((local, domain)) = compact.split_once('@') else {
        return false;
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    !local.is_empty()
        && local.chars().all(allowed)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
}

/// A placeholder written where an affiliation was unknown ("Unknown Institution",
/// "University Affiliation Not Specified", "N/A"), a footnote ("Equal contribution", "[email
/// removed]", an e-mail address), or a page's text that PDF extraction took for one: never
/// evidence of an organisation.
pub fn is_placeholder(name: &str) -> bool {
    let lower = crate::names::fold(name);
    let lower = lower.trim();
    // A string without a letter ("2", "1,3", "*") is a footnote mark, not an organisation.
    !lower.chars().any(char::is_alphabetic)
        // Glyph codes ("/0 /1 /2 …"), a figure's labels or the proceedings' watermark ("This ICCV
        // paper is the Open Access version, …") read from a PDF: the longest real affiliation
        // strings on paperlists (several units and institutions) run to about 340 characters.
        || lower.chars().count() > MAX_AFFILIATION_CHARS
        || WATERMARK.iter().any(|w| lower.contains(w))
        || lower.contains("unknown")
        || lower.contains("not specified")
        || lower.contains("not available")
        || lower.contains("no affiliation")
        || is_footnote(lower)
        || is_email_address(lower)
        || matches!(lower.trim_end_matches(':'), "email" | "e-mail")
        || matches!(
            lower,
            "n/a" | "na" | "none" | "-" | "independent" | "independent researcher"
        )
}

/// A unit named without its institution: "Department of Computer Science", "School of
/// Informatics", "Computer Science Department". Such strings say nothing about where a person is.
pub fn is_generic(name: &str) -> bool {
    let lower = crate::names::fold(name);
    let lower = lower.trim();
    let unit = [
        "department",
        "dept",
        "school of",
        "faculty of",
        "division of",
        "computer science",
        "electrical",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
        || lower.ends_with("department");
    let institution = [
        "univ",
        "institut",
        "college",
        "polytechn",
        "academy",
        "inc",
        "ltd",
        "corp",
        "research",
        "google",
        "microsoft",
        "meta",
        "ibm",
        "ecole",
        "eth",
        "epfl",
        "mit",
        "kaist",
        "lab",
    ]
    .iter()
    .any(|w| {
        lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|t| t.starts_with(w))
    });
    unit && !institution
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_units_are_recognised() {
        assert!(is_generic("Department of Computer Science"));
        assert!(is_generic("Computer Science Department"));
        assert!(is_generic("School of Informatics"));
        assert!(!is_generic(
            "Department of Computer Science, University of Oxford"
        ));
        assert!(!is_generic(
            "School of Computer Science, Carnegie Mellon University"
        ));
        assert!(!is_generic("Google DeepMind"));
    }

    #[test]
    fn text_extracted_from_a_page_is_no_organisation() {
        // Paper-level affiliation lists of paperlists' CVPR and ICCV records.
        let watermark = "B Normalizing Flow BlockBlock SNFBlockBlockBlockBlock FC FC Tuned Frozen \
            Adapter-based  Adapting shortcut with SNF  SNF This CVPR paper is the Open Access \
            version, provided by the Computer Vision Foundation. Except for this watermark, it is \
            identical to the accepted version";
        assert!(is_placeholder(watermark));
        assert!(is_placeholder(
            "the final published version of the proceedings is available on IEEE Xplore. 8525"
        ));
        let glyphs: String = (0..200).map(|i| format!("/{i} ")).collect();
        assert!(is_placeholder(&format!("{glyphs} /i255 Open")));
        let figure = "car personcar car, person bicycle car, bicyclecar car person person bicycle \
            bicycle Session1 Training set  car person, bicycleSession2 Training set "
            .repeat(4);
        assert!(is_placeholder(&figure));
        // Long real strings stay.
        let real = "Key Laboratory of Multimedia Trusted Perception and Efficient Computing, \
            Ministry of Education of China, Department of Artificial Intelligence, School of \
            Informatics, Xiamen University; Institute of Artificial Intelligence, Xiamen \
            University; Peng Cheng Laboratory, Shenzhen, China";
        assert!(!is_placeholder(real));
        assert!(!is_placeholder("Open AI Research Lab"));
    }

    #[test]
    fn footnotes_and_addresses_are_no_organisation() {
        // Strings paperlists' lists hold as affiliations.
        for footnote in [
            "[email removed]",
            "Authors contributed equally to this paper",
            "Equal Contribution",
            "Equal contributions",
            "These Authors Contributed Equally to this work",
            "Corresponding author",
            "Email:",
            "CAFERTYILDIRIM @GMAIL .COM",
            "GAMIR @CS.HUJI .AC.IL",
            "PETER .RICHTARIK @ED.AC.UK",
        ] {
            assert!(is_placeholder(footnote), "{footnote}");
        }
        // An "@" inside a name is not an address.
        for real in [
            "SHI Labs @ Oregon & UIUC",
            "PRIOR @ Allen Institute for AI",
            "CAMP @ Technical University of Munich",
            "ETH Zurich, Work done during an internship at Tencent AI Lab",
            "University of Bonn / [email removed]",
        ] {
            assert!(!is_placeholder(real), "{real}");
        }
    }

    #[test]
    fn classifies_real_affiliations() {
        let cases = [
            (
                "Singapore University of Technology and Design",
                Some("sutd.edu.sg"),
                None,
                OrgType::Education,
            ),
            ("DSO", Some("dso.org.sg"), None, OrgType::Other),
            (
                "Alibaba Group",
                Some("alibaba-inc.com"),
                None,
                OrgType::Company,
            ),
            ("Google DeepMind", None, None, OrgType::Company),
            ("Meta AI", None, None, OrgType::Company),
            (
                "Massachusetts Institute of Technology",
                None,
                None,
                OrgType::Education,
            ),
            (
                "Max Planck Institute for Intelligent Systems",
                None,
                None,
                OrgType::Facility,
            ),
            ("Tsinghua University", None, None, OrgType::Education),
            (
                "Beihang University",
                None,
                Some("education"),
                OrgType::Education,
            ),
            ("Some Startup", Some("startup.ai"), None, OrgType::Company),
            (
                "Oak Ridge National Laboratory",
                None,
                None,
                OrgType::Government,
            ),
            (
                "Massachusetts General Hospital",
                None,
                None,
                OrgType::Healthcare,
            ),
        ];
        for (name, domain, source, expected) in cases {
            assert_eq!(classify(name, domain, source), expected, "{name}");
        }
    }
}
