//! The field clean-up every claim format shares: TeX markup removed, titles checked, years
//! found, author lists split on `and`.

/// Titles longer than this are not titles.
pub(super) const MAX_TITLE_CHARS: usize = 1000;

/// A title as given, or why it is not one (empty, or too long to be a title).
pub(super) fn check_title(title: &str) -> Result<String, String> {
    if title.is_empty() {
        return Err("no title".into());
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(format!(
            "title longer than {MAX_TITLE_CHARS} characters (a missing line break?)"
        ));
    }
    Ok(title.to_string())
}

/// A year between 1800 and 2100, or none.
pub(super) fn plausible_year(s: &str) -> Option<i32> {
    let y: i32 = s.trim().parse().ok()?;
    (1800..=2100).contains(&y).then_some(y)
}

/// The first four-digit year in a field such as `2021`, `{2021}`, `2021a` or `2021-05`.
pub(super) fn find_year(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 4 {
                return plausible_year(&s[start..i]);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Splits on the word `and` outside braces (BibTeX's author separator). As in BibTeX, the
/// word separates only between two names: "And" opening or ending the list is a name's
/// ("And Aa", "Bb And").
pub(super) fn split_on_and(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    let words: Vec<&str> = s.split_whitespace().collect();
    let last = words.len().saturating_sub(1);
    for (i, w) in words.into_iter().enumerate() {
        if depth == 0 && w.eq_ignore_ascii_case("and") && !current.is_empty() && i < last {
            out.push(std::mem::take(&mut current));
            continue;
        }
        for c in w.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(w);
    }
    out.push(current);
    out.into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Removes TeX markup: braces, accents (`{\"u}` → ü), escapes (`\&`), `~`, `--`; collapses
/// whitespace.
pub fn clean_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '~' => out.push(' '),
            '\\' => match chars.peek().copied() {
                // Symbol accents always; letter accents (`\c c`, `\v{s}`) only when a space
                // or brace follows, so that `\cite`, `\url`, `\vspace` stay commands.
                Some(a @ ('\'' | '`' | '^' | '"' | '~' | '=' | '.' | 'c' | 'v' | 'u' | 'H'))
                    if !a.is_ascii_alphabetic()
                        || chars.clone().nth(1).is_some_and(|n| n == ' ' || n == '{') =>
                {
                    chars.next();
                    while chars.peek().is_some_and(|&n| n == '{' || n == ' ') {
                        chars.next();
                    }
                    if let Some(letter) = chars.next() {
                        out.push(accented(a, letter).unwrap_or(letter));
                    }
                }
                Some(e @ ('&' | '%' | '_' | '$' | '#' | '{' | '}')) => {
                    chars.next();
                    out.push(e);
                }
                Some(n) if n.is_ascii_alphabetic() => {
                    let mut cmd = String::new();
                    while let Some(&n) = chars.peek() {
                        if n.is_ascii_alphabetic() {
                            cmd.push(n);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                    match cmd.as_str() {
                        "ss" => out.push('ß'),
                        "o" => out.push('ø'),
                        "O" => out.push('Ø'),
                        "aa" => out.push('å'),
                        "AA" => out.push('Å'),
                        "ae" => out.push('æ'),
                        "l" => out.push('ł'),
                        "L" => out.push('Ł'),
                        "i" => out.push('i'),
                        // Formatting commands (\textbf, \emph, …) keep their argument.
                        _ => {}
                    }
                    if chars.peek() == Some(&' ') && cmd.len() <= 2 {
                        chars.next();
                    }
                }
                _ => {}
            },
            '$' => {}
            _ => out.push(c),
        }
    }
    let out = out.replace("---", "—").replace("--", "–");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The letter `letter` with the TeX accent `accent` (`\'` and `e` → é), if it is one we know.
fn accented(accent: char, letter: char) -> Option<char> {
    let table: &[(char, &str, &str)] = &[
        ('\'', "aeiouyAEIOUYcnszCNSZ", "áéíóúýÁÉÍÓÚÝćńśźĆŃŚŹ"),
        ('`', "aeiouAEIOU", "àèìòùÀÈÌÒÙ"),
        ('^', "aeiouAEIOU", "âêîôûÂÊÎÔÛ"),
        ('"', "aeiouyAEIOU", "äëïöüÿÄËÏÖÜ"),
        ('~', "anoANO", "ãñõÃÑÕ"),
        ('c', "csCS", "çşÇŞ"),
        ('v', "cszrnCSZRN", "čšžřňČŠŽŘŇ"),
        ('=', "aeiouAEIOU", "āēīōūĀĒĪŌŪ"),
        ('.', "zZ", "żŻ"),
        ('u', "agAG", "ăğĂĞ"),
        ('H', "oOuU", "őŐűŰ"),
    ];
    let (_, from, to) = table.iter().find(|(a, _, _)| *a == accent)?;
    let i = from.chars().position(|c| c == letter)?;
    to.chars().nth(i)
}

#[cfg(test)]
mod tests {
    use super::split_on_and;

    #[test]
    fn and_separates_only_between_two_names() {
        assert_eq!(
            split_on_and("Ada Lovelace and Alan Turing"),
            ["Ada Lovelace", "Alan Turing"]
        );
        assert_eq!(
            split_on_and("Ada Lovelace AND Alan Turing"),
            ["Ada Lovelace", "Alan Turing"]
        );
        assert_eq!(split_on_and("And Aa"), ["And Aa"]);
        assert_eq!(split_on_and("Bb And"), ["Bb And"]);
        assert_eq!(split_on_and("Xx Yy and And Aa"), ["Xx Yy", "And Aa"]);
        assert_eq!(
            split_on_and("{Barnes and Noble} and Ada Lovelace"),
            ["{Barnes and Noble}", "Ada Lovelace"]
        );
    }
}
