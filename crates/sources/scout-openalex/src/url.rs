//! Building request URLs: percent-encoding of query values (RFC 3986 unreserved kept).

/// Percent-encodes everything except `A–Z a–z 0–9 - . _ ~`.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(any(test, feature = "replay"))]
/// Decodes `%XX` escapes and `+` (as space); invalid escapes are kept as they are.
pub fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(any(test, feature = "replay"))]
/// Splits a query string into decoded `(key, value)` pairs.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "topics.id:T10028,publication_year:>2017",
            "a b+c%",
            "*",
            "ünï",
            "%",
            "%4",
        ] {
            assert_eq!(decode(&encode(s)), s, "{s}");
        }
        assert_eq!(encode("a:b,c>d"), "a%3Ab%2Cc%3Ed");
        assert_eq!(decode("%zz%41"), "%zzA");
        assert_eq!(
            query_pairs("filter=a%3Ab&cursor=*&x"),
            vec![
                ("filter".into(), "a:b".into()),
                ("cursor".into(), "*".into()),
                ("x".into(), String::new())
            ]
        );
    }
}
