//! Acronyms learned from the corpus: an abstract that writes "reinforcement learning from human
//! feedback (RLHF)" defines the short form. Long forms are found with the Schwartz–Hearst
//! algorithm (each letter of the short form matched right to left in the words before the
//! parenthesis, the first at the start of a word), counted over the corpus, and an acronym is
//! kept when one long form is seen often enough and makes up a good share of its definitions.

use rustc_hash::FxHashMap as HashMap;

/// Definitions seen before a long form is trusted.
const MIN_DEFINITIONS: u32 = 3;
/// Share of a short form's definitions a long form needs.
const MIN_SHARE: f64 = 0.2;
/// Long forms kept per short form.
const MAX_LONG_FORMS: usize = 2;

/// A short form and one of its long forms, both as analysed tokens (lower case, stemmed,
/// stop words dropped) with the long form's token positions relative to its first token (so a
/// phrase query can leave the dropped stop words' gaps).
#[derive(Debug, Clone, PartialEq)]
pub struct Acronym {
    pub short: String,
    pub long_text: String,
    pub long_tokens: Vec<(u32, String)>,
    pub definitions: u32,
}

/// Counts acronym definitions over texts.
#[derive(Default)]
pub struct AcronymCounter {
    /// (short, long form key) → (count, the least of its long texts: not the first seen, which
    /// would depend on the order texts are scanned in).
    seen: HashMap<(String, String), (u32, String)>,
}

impl AcronymCounter {
    /// Records every "long form (SHORT)" definition in `text`.
    pub fn scan(&mut self, text: &str, tokenize: &mut dyn FnMut(&str) -> Vec<(u32, String)>) {
        let mut rest = text;
        let mut consumed = 0usize;
        while let Some(open) = rest.find('(') {
            let after = &rest[open + 1..];
            let Some(close) = after.find(')') else { break };
            let inside = &after[..close];
            let before = &text[..consumed + open];
            if let Some(short) = short_form(inside)
                && let Some(long) = long_form(&short, before)
            {
                let tokens = tokenize(&long);
                if tokens.len() >= 2 {
                    let key: Vec<&str> = tokens.iter().map(|(_, t)| t.as_str()).collect();
                    let text = long.to_lowercase();
                    let entry = self
                        .seen
                        .entry((short.to_lowercase(), key.join(" ")))
                        .or_insert_with(|| (0, text.clone()));
                    entry.0 += 1;
                    if text < entry.1 {
                        entry.1 = text;
                    }
                }
            }
            consumed += open + 1;
            rest = &text[consumed..];
        }
    }

    /// The trusted acronyms, sorted by short form.
    pub fn finish(self, tokenize: &mut dyn FnMut(&str) -> Vec<(u32, String)>) -> Vec<Acronym> {
        let mut per_short: HashMap<String, Vec<(u32, String, String)>> = HashMap::default();
        for ((short, key), (count, text)) in self.seen {
            per_short.entry(short).or_default().push((count, key, text));
        }
        let mut out = Vec::new();
        for (short, mut forms) in per_short {
            let total: u32 = forms.iter().map(|f| f.0).sum();
            forms.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            // The short form must analyse to one token of its own (a stop word or a number
            // such as "(2019)" is no acronym).
            let short_tokens = tokenize(&short);
            let [(_, short_token)] = short_tokens.as_slice() else {
                continue;
            };
            for (count, _key, text) in forms.into_iter().take(MAX_LONG_FORMS) {
                if count < MIN_DEFINITIONS || f64::from(count) < MIN_SHARE * f64::from(total) {
                    continue;
                }
                let mut long_tokens = tokenize(&text);
                let base = long_tokens.first().map_or(0, |t| t.0);
                for t in &mut long_tokens {
                    t.0 -= base;
                }
                out.push(Acronym {
                    short: short_token.clone(),
                    long_text: text,
                    long_tokens,
                    definitions: count,
                });
            }
        }
        out.sort_by(|a, b| {
            a.short
                .cmp(&b.short)
                .then(b.definitions.cmp(&a.definitions))
                .then(a.long_text.cmp(&b.long_text))
        });
        out
    }
}

/// The text inside a parenthesis when it looks like a short form: 2–10 characters, starting with
/// a letter, at least two capitals, no spaces; a plural "s" after a capital is dropped (LLMs).
fn short_form(inside: &str) -> Option<String> {
    let s = inside.trim();
    let n = s.chars().count();
    if !(2..=10).contains(&n) || !s.chars().next()?.is_alphabetic() {
        return None;
    }
    if !s.chars().all(|c| c.is_alphanumeric() || c == '-') {
        return None;
    }
    if s.chars().filter(|c| c.is_uppercase()).count() < 2 {
        return None;
    }
    let chars: Vec<char> = s.chars().collect();
    let short: String = if chars.len() > 2
        && chars[chars.len() - 1] == 's'
        && chars[chars.len() - 2].is_uppercase()
    {
        chars[..chars.len() - 1].iter().collect()
    } else {
        s.to_string()
    };
    Some(short)
}

/// Schwartz & Hearst (2003): the shortest span of words before the parenthesis in which every
/// letter or digit of `short` occurs in order, the first one at the start of a word.
fn long_form(short: &str, before: &str) -> Option<String> {
    let s: Vec<char> = short
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    // The window: at most min(|short| + 5, 2·|short|) words before the parenthesis.
    let max_words = (s.len() + 5).min(s.len() * 2);
    let words: Vec<&str> = before.split_whitespace().collect();
    let window = words[words.len().saturating_sub(max_words)..].join(" ");
    let l: Vec<char> = window.chars().flat_map(char::to_lowercase).collect();
    if l.len() != window.chars().count() {
        return None; // a character whose lower case is longer: give up rather than misalign
    }
    let mut si = s.len() as isize - 1;
    let mut li = l.len() as isize - 1;
    while si >= 0 {
        let c = s[si as usize];
        while li >= 0
            && (l[li as usize] != c || (si == 0 && li > 0 && l[li as usize - 1].is_alphanumeric()))
        {
            li -= 1;
        }
        if li < 0 {
            return None;
        }
        li -= 1;
        si -= 1;
    }
    let start = (li + 1) as usize;
    let long: String = window.chars().skip(start).collect();
    let long = long
        .trim_end_matches([',', ';', ':', ' '])
        .trim()
        .to_string();
    let n_words = long.split_whitespace().count();
    // One word spelling the whole short form is a word, not a definition ("Transformer (TR)").
    if n_words < 2 && !long.contains('-') {
        return None;
    }
    Some(long)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(u32, String)> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && *w != "of" && *w != "the")
            .enumerate()
            .map(|(i, w)| (i as u32, w.to_lowercase()))
            .collect()
    }

    #[test]
    fn long_forms_are_found() {
        let lf = |s: &str, b: &str| long_form(s, b);
        assert_eq!(
            lf("RLHF", "we use reinforcement learning from human feedback").as_deref(),
            Some("reinforcement learning from human feedback")
        );
        assert_eq!(
            lf("MoE", "sparse Mixture-of-Experts").as_deref(),
            Some("Mixture-of-Experts")
        );
        assert_eq!(
            lf("CoT", "prompting with chain of thought").as_deref(),
            Some("chain of thought")
        );
        assert_eq!(
            lf("ViT", "the Vision Transformer").as_deref(),
            Some("Vision Transformer")
        );
        assert_eq!(lf("XYZ", "nothing matches here"), None);
        assert_eq!(short_form("LLMs").as_deref(), Some("LLM"));
        assert_eq!(short_form("ours"), None);
        assert_eq!(short_form("2019"), None);
    }

    #[test]
    fn an_acronym_needs_repeated_definitions() {
        let mut counter = AcronymCounter::default();
        for _ in 0..3 {
            counter.scan(
                "We study direct preference optimization (DPO) and more (see Table 1).",
                &mut words,
            );
        }
        counter.scan("a rare once only (ROO) form", &mut words);
        let found = counter.finish(&mut words);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].short, "dpo");
        assert_eq!(found[0].long_text, "direct preference optimization");
        assert_eq!(found[0].definitions, 3);
    }
}
