//! Source-independent records produced by the parsers: works with authorships, abstracts,
//! author profiles and institutions. These are plain owned data; the corpus stores them.

/// Which reader produced a record. Part of every work key, so the same paper from two
/// sources is two works (linking them is the corpus's job, not the parser's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Paperlists,
    OpenAlex,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Paperlists => "paperlists",
            SourceKind::OpenAlex => "openalex",
        }
    }
}

/// One affiliation of one author on one paper (or of the whole paper when the source does not
/// align affiliations with authors).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Affiliation {
    /// The affiliation as the source wrote it.
    pub raw: String,
    /// A normalised organisation name when the source provides one (paperlists
    /// `aff_unique_norm`, OpenAlex institution `display_name`).
    pub org: Option<String>,
    /// E-mail domain of the author at this organisation (paperlists `aff_domains`).
    pub domain: Option<String>,
    /// ISO 3166-1 alpha-2 country code, when known.
    pub country: Option<String>,
    /// OpenAlex institution id (`I…`), when known.
    pub openalex_id: Option<String>,
    /// ROR id (`https://ror.org/…` reduced to the bare id), when known.
    pub ror: Option<String>,
    /// Organisation type as given by the source (OpenAlex: education, company, facility, …).
    pub org_type: Option<String>,
}

/// One author position on a work.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Authorship {
    pub name: String,
    pub openreview_id: Option<String>,
    pub orcid: Option<String>,
    pub dblp_id: Option<String>,
    pub openalex_id: Option<String>,
    pub affiliations: Vec<Affiliation>,
}

/// A paper (conference record or OpenAlex work).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Work {
    /// Stable key: `paperlists:<venue>:<year>:<id>` or `openalex:W…`.
    pub key: String,
    pub source: Option<SourceKind>,
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
    pub status: Option<String>,
    pub track: Option<String>,
    pub url: Option<String>,
    pub doi: Option<String>,
    /// arXiv identifier (`2101.00001`), when the source gives one.
    pub arxiv: Option<String>,
    pub work_type: Option<String>,
    pub citations: Option<i64>,
    pub rating: Option<f64>,
    pub keywords: Vec<String>,
    pub abstract_text: Option<String>,
    pub authors: Vec<Authorship>,
    /// Affiliations listed for the paper but not aligned with its authors.
    pub unaligned_affiliations: Vec<Affiliation>,
    /// Source's last-update stamp (OpenAlex `updated_date`), used to prefer newer copies.
    pub updated: Option<String>,
}

/// An abstract delivered separately from its paper (paperlists `abstracts/*.jsonl.gz`).
#[derive(Debug, Clone, PartialEq)]
pub struct AbstractRecord {
    /// Key of the work it belongs to (same scheme as [`Work::key`]).
    pub work_key: String,
    pub title: String,
    pub text: String,
}

/// An affiliation held over a span of years (OpenAlex author `affiliations`).
#[derive(Debug, Clone, PartialEq)]
pub struct AffiliationSpan {
    pub affiliation: Affiliation,
    pub years: Vec<i32>,
}

/// An author profile (OpenAlex author entity).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorProfile {
    /// OpenAlex author id, `A…`.
    pub openalex_id: String,
    pub display_name: String,
    pub alternative_names: Vec<String>,
    pub orcid: Option<String>,
    pub works_count: Option<i64>,
    pub cited_by_count: Option<i64>,
    pub h_index: Option<i64>,
    pub affiliations: Vec<AffiliationSpan>,
    pub last_known: Vec<Affiliation>,
    pub topics: Vec<String>,
    pub updated: Option<String>,
}

/// An institution (OpenAlex institution entity).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Institution {
    /// OpenAlex institution id, `I…`.
    pub openalex_id: String,
    pub display_name: String,
    pub ror: Option<String>,
    pub country: Option<String>,
    pub org_type: Option<String>,
    pub acronyms: Vec<String>,
    pub alternative_names: Vec<String>,
    /// OpenAlex ids of the institution and its parents (`lineage`).
    pub lineage: Vec<String>,
    pub homepage: Option<String>,
    pub works_count: Option<i64>,
    pub cited_by_count: Option<i64>,
    pub updated: Option<String>,
}

/// Anything a reader can produce.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Work(Box<Work>),
    Abstract(AbstractRecord),
    Author(Box<AuthorProfile>),
    Institution(Box<Institution>),
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Work(_) => "work",
            Record::Abstract(_) => "abstract",
            Record::Author(_) => "author",
            Record::Institution(_) => "institution",
        }
    }
}
