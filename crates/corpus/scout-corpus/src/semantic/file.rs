//! The model file `semantic.bin`: a header (magic, [`FitInfo`]), the vocabulary with idf and SIF
//! weights, the term vectors and common direction (f32), the acronyms, then per work its year
//! and 8-bit vector. Written to a temporary file and renamed, so a reader never sees half a file.

use std::io::Write as _;
use std::path::Path;

use rustc_hash::FxHashMap as HashMap;

use super::{Acronym, FitInfo, SemanticModel};
use crate::error::{CorpusError, Result};

const FILE: &str = "semantic.bin";
/// Version 3: the layout of version 2 ([`FitInfo`] after the magic), from a fit that depends on
/// no work id (the training sample by work key; stop 43). Version 1 files (no fit information)
/// and version 2 files (whose fit sampled by work id) are still read for queries; a refresh
/// fits them anew.
const MAGIC: &[u8; 8] = b"SCSEM003";
const MAGIC_V2: &[u8; 8] = b"SCSEM002";
const MAGIC_V1: &[u8; 8] = b"SCSEM001";
/// Bytes of the [`FitInfo`] header.
const FIT_BYTES: usize = 7 * 8;

impl SemanticModel {
    /// Where the model of an index lives.
    pub fn path(index_dir: &Path) -> std::path::PathBuf {
        index_dir.join(FILE)
    }

    pub(super) fn save(&self, index_dir: &Path) -> Result<u64> {
        let path = Self::path(index_dir);
        let tmp = index_dir.join(format!("{FILE}.tmp"));
        let io = |source| CorpusError::Io {
            path: tmp.clone(),
            source,
        };
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
        let mut terms: Vec<(&String, &u32)> = self.vocab.iter().collect();
        terms.sort_by_key(|(_, id)| **id);
        let mut buf: Vec<u8> = Vec::new();
        buf.extend_from_slice(MAGIC);
        put_fit(&mut buf, &self.fit.unwrap_or_default());
        put_u32(&mut buf, self.dim as u32);
        put_u32(&mut buf, terms.len() as u32);
        put_f32(&mut buf, self.max_idf);
        for (t, id) in terms {
            put_str(&mut buf, t);
            put_f32(&mut buf, self.idf[*id as usize]);
            put_f32(&mut buf, self.sif[*id as usize]);
        }
        for &x in self.term_vectors.iter().chain(&self.common) {
            put_f32(&mut buf, x);
        }
        put_u32(&mut buf, self.acronyms.len() as u32);
        for a in &self.acronyms {
            put_str(&mut buf, &a.short);
            put_str(&mut buf, &a.long_text);
            put_u32(&mut buf, a.definitions);
            put_u32(&mut buf, a.long_tokens.len() as u32);
            for (p, t) in &a.long_tokens {
                put_u32(&mut buf, *p);
                put_str(&mut buf, t);
            }
        }
        put_u32(&mut buf, self.years.len() as u32);
        for &y in &self.years {
            buf.extend_from_slice(&y.to_le_bytes());
        }
        w.write_all(&buf).map_err(io)?;
        let papers: Vec<u8> = self.papers.iter().map(|&x| x as u8).collect();
        w.write_all(&papers).map_err(io)?;
        w.into_inner()
            .map_err(|e| io(e.into_error()))?
            .sync_all()
            .map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(|source| CorpusError::Io {
            path: path.clone(),
            source,
        })?;
        Ok((buf.len() + papers.len()) as u64)
    }

    /// Reads the model of an index (None when the index has none yet).
    pub fn load(index_dir: &Path) -> Result<Option<SemanticModel>> {
        let path = Self::path(index_dir);
        if !path.exists() {
            return Ok(None);
        }
        let bytes = std::fs::read(&path).map_err(|source| CorpusError::Io {
            path: path.clone(),
            source,
        })?;
        let bad = || {
            CorpusError::Invalid(format!(
                "{} is damaged; run `scout refresh --rebuild`",
                path.display()
            ))
        };
        let mut r = Reader {
            bytes: &bytes,
            at: 0,
        };
        let fit = match r.take(8).ok_or_else(bad)? {
            m if m == MAGIC => Some(read_fit(&mut r).ok_or_else(bad)?),
            m if m == MAGIC_V2 => {
                read_fit(&mut r).ok_or_else(bad)?;
                None
            }
            m if m == MAGIC_V1 => None,
            _ => return Err(bad()),
        };
        let dim = r.u32().ok_or_else(bad)? as usize;
        let n_terms = r.u32().ok_or_else(bad)? as usize;
        let max_idf = r.f32().ok_or_else(bad)?;
        let mut vocab = HashMap::default();
        vocab.reserve(n_terms);
        let (mut idf, mut sif) = (Vec::with_capacity(n_terms), Vec::with_capacity(n_terms));
        for id in 0..n_terms {
            vocab.insert(r.string().ok_or_else(bad)?, id as u32);
            idf.push(r.f32().ok_or_else(bad)?);
            sif.push(r.f32().ok_or_else(bad)?);
        }
        let floats = r.take((n_terms + 1) * dim * 4).ok_or_else(bad)?;
        let mut term_vectors: Vec<f32> = floats
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let common = term_vectors.split_off(n_terms * dim);
        let n_acronyms = r.u32().ok_or_else(bad)? as usize;
        let mut acronyms = Vec::with_capacity(n_acronyms);
        for _ in 0..n_acronyms {
            let short = r.string().ok_or_else(bad)?;
            let long_text = r.string().ok_or_else(bad)?;
            let definitions = r.u32().ok_or_else(bad)?;
            let n = r.u32().ok_or_else(bad)? as usize;
            let mut long_tokens = Vec::with_capacity(n);
            for _ in 0..n {
                long_tokens.push((r.u32().ok_or_else(bad)?, r.string().ok_or_else(bad)?));
            }
            acronyms.push(Acronym {
                short,
                long_text,
                long_tokens,
                definitions,
            });
        }
        let n_slots = r.u32().ok_or_else(bad)? as usize;
        let years: Vec<i16> = r
            .take(n_slots * 2)
            .ok_or_else(bad)?
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let papers: Vec<i8> = r
            .take(n_slots * dim)
            .ok_or_else(bad)?
            .iter()
            .map(|&b| b as i8)
            .collect();
        Ok(Some(SemanticModel {
            dim,
            vocab,
            idf,
            max_idf,
            sif,
            term_vectors,
            common,
            acronyms,
            years,
            papers,
            fit,
        }))
    }

    /// What the model file of an index was fitted on, from its header alone (None when there
    /// is no file, it cannot be read, or it predates the record).
    pub fn stored_fit(index_dir: &Path) -> Option<FitInfo> {
        use std::io::Read as _;
        let mut head = [0u8; 8 + FIT_BYTES];
        std::fs::File::open(Self::path(index_dir))
            .and_then(|mut f| f.read_exact(&mut head))
            .ok()?;
        let mut r = Reader {
            bytes: &head,
            at: 0,
        };
        (r.take(8)? == MAGIC).then_some(())?;
        read_fit(&mut r)
    }
}

fn put_fit(buf: &mut Vec<u8>, fit: &FitInfo) {
    for v in [
        fit.fitted_works as i64,
        fit.training_works as i64,
        fit.fitted_generation,
        fit.updated_generation,
        fit.max_work_id,
        fit.changes_seq,
        fit.folded_works as i64,
    ] {
        buf.extend_from_slice(&v.to_le_bytes());
    }
}

fn read_fit(r: &mut Reader<'_>) -> Option<FitInfo> {
    let mut next = || {
        let b = r.take(8)?;
        Some(i64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    };
    Some(FitInfo {
        fitted_works: u64::try_from(next()?).ok()?,
        training_works: u64::try_from(next()?).ok()?,
        fitted_generation: next()?,
        updated_generation: next()?,
        max_work_id: next()?,
        changes_seq: next()?,
        folded_works: u64::try_from(next()?).ok()?,
    })
}
fn put_u32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_f32(buf: &mut Vec<u8>, v: f32) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    put_u32(buf, s.len() as u32);
    buf.extend_from_slice(s.as_bytes());
}

struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        let out = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(out)
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn f32(&mut self) -> Option<f32> {
        self.u32().map(f32::from_bits)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}
