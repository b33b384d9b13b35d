//! Country names (as written in conference metadata) to ISO 3166-1 alpha-2 codes.

/// `(lower-case name, code)`; several spellings per country where sources differ.
const COUNTRIES: &[(&str, &str)] = &[
    ("afghanistan", "AF"), ("albania", "AL"), ("algeria", "DZ"), ("andorra", "AD"), ("angola", "AO"),
    ("argentina", "AR"), ("armenia", "AM"), ("australia", "AU"), ("austria", "AT"), ("azerbaijan", "AZ"),
    ("bahrain", "BH"), ("bangladesh", "BD"), ("belarus", "BY"), ("belgium", "BE"), ("benin", "BJ"),
    ("bolivia", "BO"), ("bosnia and herzegovina", "BA"), ("botswana", "BW"), ("brazil", "BR"),
    ("brunei", "BN"), ("bulgaria", "BG"), ("burkina faso", "BF"), ("cambodia", "KH"), ("cameroon", "CM"),
    ("canada", "CA"), ("chile", "CL"), ("china", "CN"), ("colombia", "CO"), ("costa rica", "CR"),
    ("croatia", "HR"), ("cuba", "CU"), ("cyprus", "CY"), ("czech republic", "CZ"), ("czechia", "CZ"),
    ("denmark", "DK"), ("dominican republic", "DO"), ("ecuador", "EC"), ("egypt", "EG"),
    ("el salvador", "SV"), ("estonia", "EE"), ("ethiopia", "ET"), ("finland", "FI"), ("france", "FR"),
    ("georgia", "GE"), ("germany", "DE"), ("ghana", "GH"), ("greece", "GR"), ("guatemala", "GT"),
    ("guyana", "GY"), ("hong kong", "HK"), ("hong kong sar", "HK"), ("hungary", "HU"), ("iceland", "IS"),
    ("india", "IN"), ("indonesia", "ID"), ("iran", "IR"), ("iraq", "IQ"), ("ireland", "IE"),
    ("israel", "IL"), ("italy", "IT"), ("jamaica", "JM"), ("japan", "JP"), ("jordan", "JO"),
    ("kazakhstan", "KZ"), ("kenya", "KE"), ("kingdom of saudi arabia", "SA"), ("korea", "KR"),
    ("kuwait", "KW"), ("kyrgyzstan", "KG"), ("latvia", "LV"), ("lebanon", "LB"), ("libya", "LY"),
    ("liechtenstein", "LI"), ("lithuania", "LT"), ("luxembourg", "LU"), ("macau", "MO"), ("macao", "MO"),
    ("madagascar", "MG"), ("malawi", "MW"), ("malaysia", "MY"), ("malta", "MT"), ("mauritius", "MU"),
    ("mexico", "MX"), ("méxico", "MX"), ("moldova", "MD"), ("monaco", "MC"), ("mongolia", "MN"),
    ("montenegro", "ME"), ("morocco", "MA"), ("mozambique", "MZ"), ("myanmar", "MM"), ("namibia", "NA"),
    ("nepal", "NP"), ("netherlands", "NL"), ("the netherlands", "NL"), ("new caledonia", "NC"),
    ("new zealand", "NZ"), ("nigeria", "NG"), ("north macedonia", "MK"), ("norway", "NO"), ("oman", "OM"),
    ("pakistan", "PK"), ("palestine", "PS"), ("state of palestine", "PS"), ("panama", "PA"),
    ("paraguay", "PY"), ("peru", "PE"), ("philippines", "PH"), ("poland", "PL"), ("portugal", "PT"),
    ("puerto rico", "PR"), ("qatar", "QA"), ("romania", "RO"), ("russia", "RU"),
    ("russian federation", "RU"), ("rwanda", "RW"), ("saudi arabia", "SA"), ("senegal", "SN"),
    ("serbia", "RS"), ("singapore", "SG"), ("slovakia", "SK"), ("slovenia", "SI"),
    ("south africa", "ZA"), ("south korea", "KR"), ("republic of korea", "KR"), ("spain", "ES"),
    ("sri lanka", "LK"), ("sudan", "SD"), ("sweden", "SE"), ("switzerland", "CH"), ("syria", "SY"),
    ("taiwan", "TW"), ("taiwan, china", "TW"), ("tanzania", "TZ"), ("thailand", "TH"), ("tunisia", "TN"),
    ("turkey", "TR"), ("türkiye", "TR"), ("uganda", "UG"), ("ukraine", "UA"),
    ("united arab emirates", "AE"), ("uae", "AE"), ("united kingdom", "GB"), ("uk", "GB"),
    ("united states", "US"), ("united states of america", "US"), ("usa", "US"), ("uruguay", "UY"),
    ("uzbekistan", "UZ"), ("venezuela", "VE"), ("vietnam", "VN"), ("viet nam", "VN"), ("yemen", "YE"),
    ("zambia", "ZM"), ("zimbabwe", "ZW"),
];

/// ISO code for a country name, or for an already-coded value (`"us"` → `"US"`). Region names
/// such as "Europe" and placeholders such as "Unknown" give `None`.
pub fn country_code(name: &str) -> Option<String> {
    let trimmed = name.trim();
    if trimmed.len() == 2 && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(trimmed.to_ascii_uppercase());
    }
    let lower = trimmed.to_lowercase();
    COUNTRIES
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, code)| (*code).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_names_seen_in_paperlists() {
        for (name, code) in [
            ("United States", Some("US")),
            ("Taiwan, China", Some("TW")),
            ("The Netherlands", Some("NL")),
            ("Türkiye", Some("TR")),
            ("Kingdom of Saudi Arabia", Some("SA")),
            ("us", Some("US")),
            ("Europe", None),
            ("Unknown", None),
            ("", None),
        ] {
            assert_eq!(country_code(name).as_deref(), code, "{name}");
        }
    }
}
