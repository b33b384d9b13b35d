//! Outreach drafts: the built-in templates and how a draft is written from what the corpus
//! says about a candidate (their papers on our topics, the warmest introduction path). The
//! evidence itself is gathered by the server from the corpus it holds loaded.

use serde::Serialize;

/// A paper chosen for a draft.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DraftPaper {
    pub title: String,
    pub year: Option<i32>,
    pub venue: Option<String>,
    pub topic: String,
    pub relevance: f32,
}

/// One hop of a warm path.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PathHop {
    pub from: String,
    pub to: String,
    pub joint_papers: Vec<String>,
}

/// The best introduction path from our organisation's people.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct WarmPath {
    pub warmth: f64,
    pub hops: Vec<PathHop>,
}

/// What a draft draws on from the corpus.
#[derive(Debug, Clone, Serialize, Default, schemars::JsonSchema)]
pub struct DraftEvidence {
    pub researcher_key: Option<String>,
    pub papers: Vec<DraftPaper>,
    pub warm_path: Option<WarmPath>,
}

/// The built-in templates. Placeholders: `{{first_name}}`, `{{name}}`, `{{lab}}`,
/// `{{sender}}`, `{{topics}}`, `{{papers}}` (a sentence about their work), `{{intro}}`
/// (a line about a mutual colleague, or nothing), `{{pitch}}` (the workspace's pitch, or
/// nothing).
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "intro",
        "Subject: Your work on {{topics}}\n\nDear {{first_name}},\n\n{{papers}}\n\n{{intro}}I lead recruiting for {{lab}}, where we work on {{topics}}. {{pitch}}Would you be open to a short conversation about what you would like to work on next? No commitment — I would simply like to hear about your plans.\n\nBest regards,\n{{sender}}\n",
    ),
    (
        "short",
        "Hi {{first_name}} — {{papers}} {{intro}}We at {{lab}} work on {{topics}}. {{pitch}}Would you have 20 minutes for a chat? — {{sender}}\n",
    ),
];

/// Fills a template.
pub fn render_draft(
    template: &str,
    name: &str,
    lab: &str,
    pitch: &str,
    sender: &str,
    topics: &[String],
    ev: &DraftEvidence,
) -> String {
    let first = name.split_whitespace().next().unwrap_or(name);
    let topics_s = match topics.len() {
        0 => "our research".to_string(),
        1 => topics[0].clone(),
        n => format!("{} and {}", topics[..n - 1].join(", "), topics[n - 1]),
    };
    let papers = match ev.papers.as_slice() {
        [] => format!("I have been following your work and think it fits {topics_s}."),
        [p] => format!(
            "I read your paper \"{}\"{} with great interest.",
            p.title,
            year_s(p)
        ),
        [p, q, ..] => format!(
            "I read your papers \"{}\"{} and \"{}\"{} with great interest.",
            p.title,
            year_s(p),
            q.title,
            year_s(q)
        ),
    };
    let pitch = pitch.trim();
    let pitch_s = if pitch.is_empty() {
        String::new()
    } else {
        format!("{pitch} ")
    };
    let intro = match &ev.warm_path {
        Some(w) if !w.hops.is_empty() => {
            let first_hop = &w.hops[0];
            let via: Vec<&str> = w.hops.iter().skip(1).map(|h| h.from.as_str()).collect();
            if via.is_empty() {
                format!(
                    "{} on our team, your co-author, suggested I write. ",
                    first_hop.from
                )
            } else {
                format!(
                    "{} on our team knows you through {}. ",
                    first_hop.from,
                    via.join(" and ")
                )
            }
        }
        _ => String::new(),
    };
    template
        .replace("{{first_name}}", first)
        .replace("{{name}}", name)
        .replace("{{lab}}", lab)
        .replace("{{sender}}", sender)
        .replace("{{topics}}", &topics_s)
        .replace("{{papers}}", &papers)
        .replace("{{intro}}", &intro)
        .replace("{{pitch}}", &pitch_s)
}

fn year_s(p: &DraftPaper) -> String {
    p.year.map(|y| format!(" ({y})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_use_papers_and_paths() {
        let ev = DraftEvidence {
            researcher_key: Some("k".into()),
            papers: vec![DraftPaper {
                title: "World Models".into(),
                year: Some(2018),
                venue: None,
                topic: "rl".into(),
                relevance: 3.0,
            }],
            warm_path: Some(WarmPath {
                warmth: 0.5,
                hops: vec![PathHop {
                    from: "Ann Ours".into(),
                    to: "Ada L".into(),
                    joint_papers: vec![],
                }],
            }),
        };
        let s = render_draft(
            TEMPLATES[0].1,
            "Ada Lovelace",
            "Lab X",
            "We train open models.",
            "Olive",
            &["rl".into(), "planning".into()],
            &ev,
        );
        assert!(s.contains("Dear Ada,"));
        assert!(s.contains("\"World Models\" (2018)"));
        assert!(s.contains("Ann Ours on our team, your co-author"));
        assert!(s.contains("rl and planning"));
        assert!(s.contains("rl and planning. We train open models. Would you"));
        assert!(!s.contains("{{"));
    }
}
