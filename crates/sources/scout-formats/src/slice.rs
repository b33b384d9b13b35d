//! Keeping a slice of the OpenAlex snapshot: works with given topics or concepts, years or
//! institutions. A byte-level prefilter rejects most lines without parsing them (a substring
//! search for the wanted ids and a look at `publication_year`), so filtering runs close to
//! decompression speed; lines that pass are parsed and checked exactly.

use memchr::memmem;
use serde::Deserialize;

use crate::openalex::short_id;
use crate::text::CowStr;

/// Which works to keep. Empty criteria match everything; given criteria must all match
/// (a work needs one of the topics, one of the institutions, and a year in range).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SliceFilter {
    /// Topic (`T…`), subfield/field/domain, or concept (`C…`) ids, short form.
    pub topics: Vec<String>,
    /// Institution ids (`I…`), short form.
    pub institutions: Vec<String>,
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
}

impl SliceFilter {
    pub fn is_empty(&self) -> bool {
        self.topics.is_empty()
            && self.institutions.is_empty()
            && self.from_year.is_none()
            && self.to_year.is_none()
    }

    /// Parses "T10028,C154945302" style lists (full URLs allowed).
    pub fn ids(list: &str) -> Vec<String> {
        list.split([',', ' ', '|'])
            .map(|s| short_id(s.trim()).to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// Parses "2018-2025", "2018-", "-2020" or "2021".
    pub fn years(spec: &str) -> Option<(Option<i32>, Option<i32>)> {
        let spec = spec.trim();
        match spec.split_once('-') {
            Some((a, b)) => {
                let parse = |s: &str| {
                    if s.trim().is_empty() {
                        Ok(None)
                    } else {
                        s.trim().parse().map(Some)
                    }
                };
                Some((parse(a).ok()?, parse(b).ok()?))
            }
            None => spec.parse().ok().map(|y| (Some(y), Some(y))),
        }
    }

    fn year_ok(&self, year: Option<i32>) -> bool {
        match year {
            Some(y) => self.from_year.is_none_or(|f| y >= f) && self.to_year.is_none_or(|t| y <= t),
            None => self.from_year.is_none() && self.to_year.is_none(),
        }
    }

    /// Fast check on the raw JSON line: `false` means the work certainly does not match.
    pub fn might_match(&self, line: &[u8]) -> bool {
        if (self.from_year.is_some() || self.to_year.is_some()) && !self.year_ok(raw_year(line)) {
            return false;
        }
        let any = |ids: &[String]| ids.is_empty() || ids.iter().any(|id| contains_id(line, id));
        any(&self.topics) && any(&self.institutions)
    }

    /// Could a work published in a year within `min..=max` match? `false` lets a reader skip a
    /// whole block of works by its statistics (a Parquet row group).
    pub fn years_may_match(&self, min: i32, max: i32) -> bool {
        self.from_year.is_none_or(|f| max >= f) && self.to_year.is_none_or(|t| min <= t)
    }

    /// Exact check on a parsed line.
    pub fn matches(&self, line: &[u8]) -> bool {
        let Ok(probe) = serde_json::from_slice::<Probe>(line) else {
            // Unparseable lines are kept so that the reader reports them as rejects.
            return true;
        };
        let topic_ids = probe
            .topics
            .iter()
            .flatten()
            .flat_map(|t| {
                [
                    Some(&t.id),
                    t.subfield.as_ref().map(|x| &x.id),
                    t.field.as_ref().map(|x| &x.id),
                    t.domain.as_ref().map(|x| &x.id),
                ]
            })
            .flatten()
            .chain(probe.primary_topic.iter().map(|t| &t.id))
            .chain(probe.concepts.iter().flatten().map(|c| &c.id))
            .map(CowStr::as_str);
        let institution_ids = probe
            .authorships
            .iter()
            .flatten()
            .flat_map(|a| a.institutions.iter().flatten())
            .filter_map(|i| i.id.as_ref())
            .map(CowStr::as_str);
        self.matches_ids(probe.publication_year, topic_ids, institution_ids)
    }

    /// The exact check on a work's filter fields, however they were read: its
    /// `publication_year`; the ids of its topics (each with its subfield, field and domain), its
    /// primary topic and its concepts; and the ids of its authors' institutions.
    pub fn matches_ids<'s>(
        &self,
        year: Option<i32>,
        topic_ids: impl IntoIterator<Item = &'s str>,
        institution_ids: impl IntoIterator<Item = &'s str>,
    ) -> bool {
        if !self.year_ok(year) {
            return false;
        }
        any_wanted(&self.topics, topic_ids) && any_wanted(&self.institutions, institution_ids)
    }
}

/// No ids wanted, or one of `ids` (full or short form) is wanted.
fn any_wanted<'s>(wanted: &[String], ids: impl IntoIterator<Item = &'s str>) -> bool {
    wanted.is_empty()
        || ids
            .into_iter()
            .any(|id| wanted.iter().any(|w| short_id(id) == w))
}

/// Is `id` in the line as a whole OpenAlex id (followed by a quote, not more digits)?
fn contains_id(line: &[u8], id: &str) -> bool {
    let finder = memmem::Finder::new(id.as_bytes());
    let mut start = 0;
    while let Some(pos) = finder.find(&line[start..]) {
        let end = start + pos + id.len();
        let before_ok = start + pos == 0 || matches!(line[start + pos - 1], b'/' | b'"');
        let after_ok = line.get(end).is_none_or(|b| !b.is_ascii_digit());
        if before_ok && after_ok {
            return true;
        }
        start = end;
    }
    false
}

/// The `publication_year` of a raw work line, if it can be found without parsing.
fn raw_year(line: &[u8]) -> Option<i32> {
    let key = b"\"publication_year\":";
    let pos = memmem::find(line, key)? + key.len();
    let digits: Vec<u8> = line[pos..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(default)]
    publication_year: Option<i32>,
    #[serde(borrow, default)]
    topics: Option<Vec<TopicRef<'a>>>,
    #[serde(borrow, default)]
    primary_topic: Option<IdRef<'a>>,
    #[serde(borrow, default)]
    concepts: Option<Vec<IdRef<'a>>>,
    #[serde(borrow, default)]
    authorships: Option<Vec<AuthorshipRef<'a>>>,
}

#[derive(Deserialize)]
struct TopicRef<'a> {
    #[serde(borrow)]
    id: CowStr<'a>,
    #[serde(borrow, default)]
    subfield: Option<IdRef<'a>>,
    #[serde(borrow, default)]
    field: Option<IdRef<'a>>,
    #[serde(borrow, default)]
    domain: Option<IdRef<'a>>,
}

#[derive(Deserialize)]
struct IdRef<'a> {
    #[serde(borrow)]
    id: CowStr<'a>,
}

#[derive(Deserialize)]
struct AuthorshipRef<'a> {
    #[serde(borrow, default)]
    institutions: Option<Vec<OptIdRef<'a>>>,
}

#[derive(Deserialize)]
struct OptIdRef<'a> {
    #[serde(borrow, default)]
    id: Option<CowStr<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORK: &str = r#"{"id":"https://openalex.org/W1","publication_year":2021,"primary_topic":{"id":"https://openalex.org/T10028"},"topics":[{"id":"https://openalex.org/T10028","subfield":{"id":"https://openalex.org/subfields/1702"}}],"concepts":[{"id":"https://openalex.org/C154945302"}],"authorships":[{"institutions":[{"id":"https://openalex.org/I82880672"}]}]}"#;

    fn filter(topics: &str, institutions: &str, years: &str) -> SliceFilter {
        let (from_year, to_year) = if years.is_empty() {
            (None, None)
        } else {
            SliceFilter::years(years).unwrap_or_default()
        };
        SliceFilter {
            topics: SliceFilter::ids(topics),
            institutions: SliceFilter::ids(institutions),
            from_year,
            to_year,
        }
    }

    #[test]
    fn prefilter_and_exact_check_agree_on_real_shapes() {
        let cases = [
            (filter("T10028", "", ""), true),
            (filter("C154945302", "", ""), true),
            (filter("https://openalex.org/T1002", "", ""), false), // prefix of another id
            (filter("T99999", "", ""), false),
            (filter("", "I82880672", "2018-2025"), true),
            (filter("", "", "2022-"), false),
            (filter("T10028", "I1", ""), false),
            (filter("", "", "2021"), true),
        ];
        for (f, expected) in cases {
            let quick = f.might_match(WORK.as_bytes());
            let exact = quick && f.matches(WORK.as_bytes());
            assert_eq!(exact, expected, "{f:?}");
            if expected {
                assert!(quick, "the prefilter must never drop a match: {f:?}");
            }
        }
    }

    #[test]
    fn year_ranges_of_blocks() {
        let f = filter("", "", "2019-2021");
        assert!(f.years_may_match(2015, 2019));
        assert!(f.years_may_match(2021, 2030));
        assert!(!f.years_may_match(2010, 2018));
        assert!(!f.years_may_match(2022, 2024));
        assert!(filter("T1", "", "").years_may_match(1, 2));
    }

    #[test]
    fn years_parse() {
        assert_eq!(
            SliceFilter::years("2018-2025"),
            Some((Some(2018), Some(2025)))
        );
        assert_eq!(SliceFilter::years("2018-"), Some((Some(2018), None)));
        assert_eq!(SliceFilter::years("-2020"), Some((None, Some(2020))));
        assert_eq!(SliceFilter::years("x"), None);
    }
}
