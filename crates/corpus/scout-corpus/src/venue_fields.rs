//! The research fields venues stand for, so that a topic naming a whole field ("computer vision")
//! counts the papers of that field's venues (CVPR, ICCV, ECCV, …), not only the few whose titles
//! or abstracts happen to say the field's name.
//!
//! A venue stands for a field when
//! - the venue is in [`KNOWN`] (the paperlists conference codes and their full names, with the
//!   fields each conference describes itself as covering), and the field is one of its fields; or
//! - the field's words (two or more, analysed like the full-text index: stemmed, stop words out)
//!   occur in order in the venue's own name ("machine learning" in "Journal of Machine Learning
//!   Research"), the case of OpenAlex-built corpora, whose venues are full names.
//!
//! Only a topic that *is* a field name matches: "machine learning" names the field,
//! "machine learning for healthcare" does not (its text relevance alone counts).

use crate::relevance::contains;
use crate::semantic;

/// A conference known by its paperlists code, with its full name and the fields it covers.
#[derive(Debug, Clone, Copy)]
pub struct KnownVenue {
    pub code: &'static str,
    pub name: &'static str,
    pub fields: &'static [&'static str],
}

const NLP: &[&str] = &["natural language processing", "computational linguistics"];
const VISION: &[&str] = &["computer vision"];
const ROBOTICS: &[&str] = &["robotics"];
const AI: &[&str] = &["artificial intelligence"];

/// The conferences of `paperlists` (its folder names are the codes). Fields are the ones each
/// conference's name or call for papers states; a subfield venue (learning theory, AutoML)
/// also stands for its parent field.
pub const KNOWN: &[KnownVenue] = &[
    KnownVenue {
        code: "3dv",
        name: "International Conference on 3D Vision",
        fields: &["computer vision", "3d vision"],
    },
    KnownVenue {
        code: "aaai",
        name: "AAAI Conference on Artificial Intelligence",
        fields: AI,
    },
    KnownVenue {
        code: "acl",
        name: "Annual Meeting of the Association for Computational Linguistics",
        fields: NLP,
    },
    KnownVenue {
        code: "acml",
        name: "Asian Conference on Machine Learning",
        fields: &["machine learning"],
    },
    KnownVenue {
        code: "acmmm",
        name: "ACM International Conference on Multimedia",
        fields: &["multimedia"],
    },
    KnownVenue {
        code: "aistats",
        name: "International Conference on Artificial Intelligence and Statistics",
        fields: &["machine learning", "artificial intelligence", "statistics"],
    },
    KnownVenue {
        code: "alt",
        name: "International Conference on Algorithmic Learning Theory",
        fields: &["learning theory", "machine learning"],
    },
    KnownVenue {
        code: "automl",
        name: "International Conference on Automated Machine Learning",
        fields: &["automated machine learning", "automl", "machine learning"],
    },
    KnownVenue {
        code: "coling",
        name: "International Conference on Computational Linguistics",
        fields: NLP,
    },
    KnownVenue {
        code: "colm",
        name: "Conference on Language Modeling",
        fields: &[
            "language modeling",
            "language models",
            "natural language processing",
        ],
    },
    KnownVenue {
        code: "colt",
        name: "Conference on Learning Theory",
        fields: &["learning theory", "machine learning"],
    },
    KnownVenue {
        code: "corl",
        name: "Conference on Robot Learning",
        fields: &["robot learning", "robotics"],
    },
    KnownVenue {
        code: "cvpr",
        name: "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
        fields: &["computer vision", "pattern recognition"],
    },
    KnownVenue {
        code: "eccv",
        name: "European Conference on Computer Vision",
        fields: VISION,
    },
    KnownVenue {
        code: "emnlp",
        name: "Conference on Empirical Methods in Natural Language Processing",
        fields: NLP,
    },
    KnownVenue {
        code: "iccv",
        name: "IEEE/CVF International Conference on Computer Vision",
        fields: VISION,
    },
    KnownVenue {
        code: "iclr",
        name: "International Conference on Learning Representations",
        fields: &["machine learning", "representation learning"],
    },
    KnownVenue {
        code: "icml",
        name: "International Conference on Machine Learning",
        fields: &["machine learning"],
    },
    KnownVenue {
        code: "icra",
        name: "IEEE International Conference on Robotics and Automation",
        fields: ROBOTICS,
    },
    KnownVenue {
        code: "ijcai",
        name: "International Joint Conference on Artificial Intelligence",
        fields: AI,
    },
    KnownVenue {
        code: "iros",
        name: "IEEE/RSJ International Conference on Intelligent Robots and Systems",
        fields: ROBOTICS,
    },
    KnownVenue {
        code: "kdd",
        name: "ACM SIGKDD Conference on Knowledge Discovery and Data Mining",
        fields: &["data mining", "knowledge discovery"],
    },
    KnownVenue {
        code: "naacl",
        name: "Annual Conference of the North American Chapter of the Association for Computational Linguistics",
        fields: NLP,
    },
    KnownVenue {
        code: "nips",
        name: "Conference on Neural Information Processing Systems",
        fields: &["machine learning", "neural information processing"],
    },
    KnownVenue {
        code: "rss",
        name: "Robotics: Science and Systems",
        fields: ROBOTICS,
    },
    KnownVenue {
        code: "siggraph",
        name: "ACM SIGGRAPH Conference",
        fields: &["computer graphics"],
    },
    KnownVenue {
        code: "siggraphasia",
        name: "ACM SIGGRAPH Asia Conference",
        fields: &["computer graphics"],
    },
    KnownVenue {
        code: "uai",
        name: "Conference on Uncertainty in Artificial Intelligence",
        fields: &["artificial intelligence", "machine learning"],
    },
    KnownVenue {
        code: "wacv",
        name: "IEEE/CVF Winter Conference on Applications of Computer Vision",
        fields: VISION,
    },
    KnownVenue {
        code: "www",
        name: "The ACM Web Conference",
        fields: &["world wide web", "web", "information retrieval"],
    },
];

/// The known venue stored as `venue` (a code or a full name, any case).
pub fn known(venue: &str) -> Option<&'static KnownVenue> {
    let v = venue.trim();
    KNOWN
        .iter()
        .find(|k| k.code.eq_ignore_ascii_case(v) || k.name.eq_ignore_ascii_case(v))
}

fn analysed(text: &str) -> Vec<String> {
    semantic::tokens(text).into_iter().map(|(_, t)| t).collect()
}

/// A corpus's venues with their names and fields analysed once, to be asked which of them
/// stand for the field a topic names.
#[derive(Debug, Clone, Default)]
pub struct VenueFields {
    venues: Vec<AnalysedVenue>,
}

#[derive(Debug, Clone)]
struct AnalysedVenue {
    stored: String,
    name: Vec<String>,
    fields: Vec<Vec<String>>,
}

impl VenueFields {
    /// The venues as stored in `works.venue` (codes or full names, any case).
    pub fn new(venues: impl IntoIterator<Item = String>) -> VenueFields {
        let venues = venues
            .into_iter()
            .map(|stored| {
                let k = known(&stored);
                AnalysedVenue {
                    name: analysed(k.map_or(stored.as_str(), |k| k.name)),
                    fields: k
                        .map_or_else(Vec::new, |k| k.fields.iter().map(|f| analysed(f)).collect()),
                    stored,
                }
            })
            .collect();
        VenueFields { venues }
    }

    /// The venues (as stored, in the order given) that stand for the field `topic` names; empty
    /// when the topic is not a field name, or no venue stands for it.
    pub fn field_venues(&self, topic: &str) -> Vec<&str> {
        let field = analysed(topic);
        if field.is_empty() {
            return Vec::new();
        }
        self.venues
            .iter()
            .filter(|v| {
                v.fields.contains(&field) || (field.len() >= 2 && contains(&v.name, &field))
            })
            .map(|v| v.stored.as_str())
            .collect()
    }

    /// For each field some known venue here stands for (in venue order, each distinct set of
    /// venues once), the venues [`VenueFields::field_venues`] gives for it.
    pub fn known_field_venues(&self) -> Vec<Vec<&str>> {
        let mut out: Vec<Vec<&str>> = Vec::new();
        for field in self.venues.iter().flat_map(|v| &v.fields) {
            let venues: Vec<&str> = self
                .venues
                .iter()
                .filter(|v| {
                    v.fields.contains(field) || (field.len() >= 2 && contains(&v.name, field))
                })
                .map(|v| v.stored.as_str())
                .collect();
            if !out.contains(&venues) {
                out.push(venues);
            }
        }
        out
    }
}

/// The full name of a venue stored as `venue`: the known conference's name, else as stored.
pub fn display_name(venue: &str) -> &str {
    known(venue).map_or(venue, |k| k.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_venues<'v>(topic: &str, venues: impl IntoIterator<Item = &'v str>) -> Vec<String> {
        VenueFields::new(venues.into_iter().map(String::from))
            .field_venues(topic)
            .into_iter()
            .map(String::from)
            .collect()
    }

    const PAPERLISTS: &[&str] = &[
        "3dv", "aaai", "acl", "acml", "acmmm", "ai4x", "aistats", "alt", "cvpr", "eccv", "emnlp",
        "iccv", "iclr", "icml", "icra", "iros", "kdd", "nips", "www",
    ];

    #[test]
    fn known_fields_are_listed_once_with_their_venues() {
        let fields = VenueFields::new(PAPERLISTS.iter().map(|v| v.to_string()));
        let known = fields.known_field_venues();
        // "natural language processing" and "computational linguistics" name the same venues.
        let nlp = fields.field_venues("natural language processing");
        assert_eq!(known.iter().filter(|v| **v == nlp).count(), 1);
        assert!(known.contains(&fields.field_venues("computer vision")));
        assert!(known.contains(&fields.field_venues("machine learning")));
        assert!(known.iter().all(|v| !v.is_empty()));
    }

    #[test]
    fn a_field_name_finds_the_conferences_that_cover_it() {
        assert_eq!(
            field_venues("computer vision", PAPERLISTS.iter().copied()),
            ["3dv", "cvpr", "eccv", "iccv"]
        );
        assert_eq!(
            field_venues("Machine Learning", PAPERLISTS.iter().copied()),
            ["acml", "aistats", "alt", "iclr", "icml", "nips"]
        );
        assert_eq!(
            field_venues("natural language processing", PAPERLISTS.iter().copied()),
            ["acl", "emnlp"]
        );
        assert_eq!(
            field_venues("robotics", PAPERLISTS.iter().copied()),
            ["icra", "iros"]
        );
    }

    #[test]
    fn a_narrower_topic_is_not_a_field() {
        for topic in [
            "machine learning for healthcare",
            "learning",
            "vision transformers",
            "reinforcement learning",
            "",
        ] {
            assert!(
                field_venues(topic, PAPERLISTS.iter().copied()).is_empty(),
                "{topic}"
            );
        }
    }

    #[test]
    fn an_unknown_venue_stands_for_the_fields_its_name_states() {
        let openalex = [
            "Journal of Machine Learning Research",
            "International Journal of Computer Vision",
            "IEEE Transactions on Neural Networks and Learning Systems",
            "Nature",
            "Learning",
        ];
        assert_eq!(
            field_venues("machine learning", openalex),
            ["Journal of Machine Learning Research"]
        );
        assert_eq!(
            field_venues("neural networks", openalex),
            ["IEEE Transactions on Neural Networks and Learning Systems"]
        );
        // One word is too little to read a field from a name.
        assert!(field_venues("learning", openalex).is_empty());
        // A known conference under its full name (as OpenAlex stores it) keeps its fields.
        assert_eq!(
            field_venues(
                "robotics",
                ["IEEE/RSJ International Conference on Intelligent Robots and Systems"]
            )
            .len(),
            1
        );
    }

    #[test]
    fn every_known_code_is_distinct_and_lower_case() {
        let mut codes: Vec<&str> = KNOWN.iter().map(|k| k.code).collect();
        assert!(codes.iter().all(|c| *c == c.to_ascii_lowercase()));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), KNOWN.len());
    }
}
