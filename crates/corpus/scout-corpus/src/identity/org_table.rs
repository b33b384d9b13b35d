//! The organisations of the corpus with dense ids (`organisations.id` = index + 1): those on
//! papers, typed and placed by the majority of their mentions, and those known only from
//! OpenAlex author profiles. Researcher facts and the network refer to organisations by index.

use rustc_hash::FxHashMap as HashMap;

use super::mention::MentionData;
use crate::organisations::OrgRegistry;
use crate::orgs::OrgType;

/// All organisations of the corpus, with dense ids (`organisations.id` = index + 1).
pub struct OrgTable {
    pub keys: Vec<String>,
    pub names: Vec<String>,
    pub types: Vec<OrgType>,
    pub countries: Vec<Option<String>>,
    pub aliased: Vec<Option<usize>>,
    pub rors: Vec<Option<String>>,
    index: HashMap<String, usize>,
}

impl OrgTable {
    /// The organisations seen on papers, typed and placed by majority of their mentions.
    pub fn from_data(data: &MentionData) -> OrgTable {
        let n = data.org_tokens.len();
        let mut type_votes: Vec<HashMap<OrgType, u32>> = vec![HashMap::default(); n];
        let mut country_votes: Vec<HashMap<&str, u32>> = vec![HashMap::default(); n];
        for f in data.all_affs() {
            *type_votes[f.org as usize].entry(f.org_type).or_default() += 1;
            if let Some(c) = data.country(f) {
                *country_votes[f.org as usize].entry(c).or_default() += 1;
            }
        }
        let majority = |votes: &HashMap<OrgType, u32>| {
            votes
                .iter()
                .max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t)))
                .map(|(t, _)| *t)
        };
        let registry = OrgRegistry::builtin();
        let mut table = OrgTable {
            keys: data.org_tokens.clone(),
            names: data.org_names.clone(),
            types: Vec::with_capacity(n),
            countries: Vec::with_capacity(n),
            aliased: data.org_canonical.clone(),
            rors: data.org_rors.clone(),
            index: HashMap::default(),
        };
        for i in 0..n {
            let canonical = data
                .org_canonical
                .get(i)
                .copied()
                .flatten()
                .map(|c| registry.canonical(c));
            table.types.push(
                canonical
                    .map(|c| c.org_type)
                    .or_else(|| majority(&type_votes[i]))
                    .unwrap_or(OrgType::Other),
            );
            let voted = country_votes[i]
                .iter()
                .max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c)))
                .map(|(c, _)| c.to_string());
            table
                .countries
                .push(voted.or_else(|| canonical.and_then(|c| c.country.clone())));
            table.index.insert(data.org_tokens[i].clone(), i);
        }
        table
    }

    pub fn id_of(&self, key: &str) -> Option<usize> {
        self.index.get(key).copied()
    }

    /// Adds an organisation known only from a profile (not seen on any paper).
    pub fn intern(
        &mut self,
        key: &str,
        name: &str,
        org_type: OrgType,
        country: Option<String>,
        aliased: Option<usize>,
    ) -> usize {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        let i = self.keys.len();
        self.keys.push(key.to_string());
        self.names.push(name.to_string());
        self.types.push(org_type);
        self.countries.push(country);
        self.aliased.push(aliased);
        self.rors.push(None);
        self.index.insert(key.to_string(), i);
        i
    }
}
