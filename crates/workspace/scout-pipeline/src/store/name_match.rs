//! Whether two candidate names are likely one person's: the same surname, and first names
//! that agree or where one is the other's initial ("A. Lovelace" and "Ada Lovelace").

/// The same surname, and first names equal or one the other's initial.
pub(super) fn compatible_names(a: &str, b: &str) -> bool {
    let words = |s: &str| -> Vec<String> {
        scout_corpus::names::fold(s)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    let (Some((a_last, a_rest)), Some((b_last, b_rest))) = (a.split_last(), b.split_last()) else {
        return false;
    };
    if a_last != b_last {
        return false;
    }
    match (a_rest.first(), b_rest.first()) {
        (Some(x), Some(y)) => {
            x == y
                || (x.chars().count() == 1 && y.starts_with(x.as_str()))
                || (y.chars().count() == 1 && x.starts_with(y.as_str()))
        }
        // A surname alone matches nothing: too weak.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::compatible_names;

    #[test]
    fn names_compatible_by_initial_and_accents() {
        assert!(compatible_names("Ada Lovelace", "A. Lovelace"));
        assert!(compatible_names("Jürgen Schmidhuber", "jurgen schmidhuber"));
        assert!(compatible_names("Ada King Lovelace", "Ada Lovelace"));
        assert!(!compatible_names("Ada Lovelace", "Bea Lovelace"));
        assert!(!compatible_names("Ada Lovelace", "Ada Byron"));
        assert!(!compatible_names("Lovelace", "Ada Lovelace"));
    }
}
