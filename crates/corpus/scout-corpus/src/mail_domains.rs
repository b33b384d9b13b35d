//! The e-mail domain a source gives with an affiliation (paperlists' `aff_domains`, the domain
//! of the address an author submitted with), reduced to the organisation it names: the
//! registrable part ("cs.cmu.edu" → "cmu.edu", "med.cornell.edu" → "cornell.edu",
//! "ia.ac.cn" stays), or nothing for a personal mail provider ("gmail.com", "qq.com"), which
//! names no employer.
//!
//! `moves.rs` reads it as evidence about a move: an address is changed when a person changes
//! employer, so a new organisation whose papers show no domain the old one's did not is a
//! second name of the old place, a co-author's organisation, or a visit, rather than a move.

/// Personal mail providers: their domains say nothing about an employer.
const PERSONAL: &[&str] = &[
    "126.com",
    "139.com",
    "163.com",
    "aliyun.com",
    "foxmail.com",
    "gmail.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hanmail.net",
    "hotmail.com",
    "icloud.com",
    "live.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "outlook.com",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "sina.com",
    "sohu.com",
    "web.de",
    "yahoo.com",
    "yandex.ru",
    "yeah.net",
    "ymail.com",
];

/// Second-level labels under a country code that are public suffixes ("ac.uk", "edu.cn",
/// "co.jp"): the organisation is the label before them.
const SECOND_LEVEL: &[&str] = &[
    "ac", "co", "com", "edu", "go", "gob", "gov", "govt", "gouv", "mil", "ne", "net", "or", "org",
    "res",
];

/// The organisation an e-mail domain names, as its registrable domain in lower case; `None`
/// for a personal mail provider or a string that is not a domain.
pub fn institutional_domain(raw: &str) -> Option<String> {
    let domain = raw
        .trim()
        .trim_start_matches('@')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let valid = |l: &&str| {
        !l.is_empty()
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if labels.len() < 2 || !labels.iter().all(valid) {
        return None;
    }
    let n = labels.len();
    let country_suffix = labels[n - 1].len() == 2 && SECOND_LEVEL.contains(&labels[n - 2]);
    let keep = if country_suffix { 3 } else { 2 };
    if n < keep {
        return None;
    }
    let registrable = labels[n - keep..].join(".");
    // Providers are matched on the registrable part and on the whole ("yahoo.co.uk" is a
    // provider under a country suffix, "mail.ru" one at the top).
    let personal = |d: &str| PERSONAL.contains(&d);
    let provider_root = labels[n - keep..].first().copied().unwrap_or_default();
    if personal(&registrable)
        || personal(&domain)
        || matches!(provider_root, "yahoo" | "hotmail" | "outlook" | "live")
    {
        return None;
    }
    Some(registrable)
}

#[cfg(test)]
mod tests {
    use super::institutional_domain;

    #[test]
    fn domains_reduce_to_the_organisation_they_name() {
        // Real `aff_domains` values from paperlists.
        for (raw, want) in [
            ("cs.cmu.edu", Some("cmu.edu")),
            ("GATECH.EDU", Some("gatech.edu")),
            ("med.cornell.edu", Some("cornell.edu")),
            ("tsinghua.edu.cn", Some("tsinghua.edu.cn")),
            ("mails.tsinghua.edu.cn", Some("tsinghua.edu.cn")),
            ("ia.ac.cn", Some("ia.ac.cn")),
            ("postech.ac.kr", Some("postech.ac.kr")),
            ("uri.co.il", Some("uri.co.il")),
            ("hdm-stuttgart.de", Some("hdm-stuttgart.de")),
            ("tuebingen.mpg.de", Some("mpg.de")),
            ("neclab.eu", Some("neclab.eu")),
            ("gmail.com", None),
            ("qq.com", None),
            ("hotmail.com", None),
            ("yahoo.co.uk", None),
            ("hotmail.fr", None),
            ("", None),
            ("edu", None),
            ("not a domain", None),
        ] {
            assert_eq!(institutional_domain(raw).as_deref(), want, "{raw}");
        }
    }
}
