//! The semantic scan's kernel: the dot product of stored 8-bit vectors with a 16-bit query,
//! exact in integers. On x86-64 processors of the x86-64-v3 level (AVX2 with FMA, BMI1/2 and the
//! rest of that level; detected at run time, and `pulp` holds the one unsafe call into code
//! compiled for it) sixteen dimensions are widened and multiplied per instruction; elsewhere
//! the portable form below runs. Both give the same integers (tested), so which one ran never
//! changes a result.

/// Dot product of a stored 8-bit vector with 16-bit query weights (each product at most 128 ×
/// 127 in magnitude: no overflow for any dimension the model has).
/// Written in blocks of 16 (widen, multiply, fold into eight lanes) because that is the form
/// the compiler turns into full-width vector code on the baseline x86-64 target: the plain
/// iterator form ran 2.5× slower (17.7 against 7.0 ms per scan of 1M 128-dimensional vectors,
/// measured standalone).
#[inline]
pub(super) fn dot_i8_i16(row: &[i8], q: &[i16]) -> i32 {
    let (rows, _) = row.as_chunks::<16>();
    let (qs, _) = q.as_chunks::<16>();
    let mut lanes = [0i32; 8];
    for (r, w) in rows.iter().zip(qs) {
        let x: [i16; 16] = std::array::from_fn(|k| i16::from(r[k]));
        let p: [i32; 16] = std::array::from_fn(|k| i32::from(x[k]) * i32::from(w[k]));
        for (k, lane) in lanes.iter_mut().enumerate() {
            *lane += p[k] + p[k + 8];
        }
    }
    let done = rows.len().min(qs.len()) * 16;
    lanes.iter().sum::<i32>() + tail_dot(row, q, done)
}

/// The dot product of the dimensions from `from` on.
#[inline]
fn tail_dot(row: &[i8], q: &[i16], from: usize) -> i32 {
    row.get(from..)
        .unwrap_or_default()
        .iter()
        .zip(q.get(from..).unwrap_or_default())
        .map(|(&x, &y)| i32::from(x) * i32::from(y))
        .sum()
}

/// Which code computes the dot products on this machine.
#[derive(Debug, Clone, Copy)]
pub(super) struct Kernel {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<pulp::x86::V3>,
}

impl Kernel {
    /// The fastest kernel this processor runs (AVX2 when it has the x86-64-v3 level).
    pub(super) fn detect() -> Self {
        Kernel {
            #[cfg(target_arch = "x86_64")]
            avx2: pulp::x86::V3::try_new(),
        }
    }

    /// The portable kernel, whatever the processor.
    #[cfg(test)]
    fn portable() -> Self {
        Kernel {
            #[cfg(target_arch = "x86_64")]
            avx2: None,
        }
    }

    /// `out[i]` = the dot product of the `i`-th row of `rows` (rows of `dim` values) with `q`,
    /// for as many rows as both hold; the rest of `out` is left as it was.
    pub(super) fn dots(self, rows: &[i8], dim: usize, q: &[i16], out: &mut [i32]) {
        let dim = dim.max(1);
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = self.avx2 {
            return dots_avx2(simd, rows, dim, q, out);
        }
        for (o, row) in out.iter_mut().zip(rows.chunks_exact(dim)) {
            *o = dot_i8_i16(row, q);
        }
    }
}

/// [`Kernel::dots`] with AVX2: per 16 dimensions, one sign extension of the row's bytes to 16
/// bits and one `vpmaddwd` (products summed in pairs into eight 32-bit lanes). Standalone, over
/// 1M and 5M random 128-dimensional rows on this machine's two cores: 2.4–3.2 against 5.0–8.3 ms
/// and 16.2 against 26.2 ms for the portable form (docs/scale.md).
#[cfg(target_arch = "x86_64")]
fn dots_avx2(simd: pulp::x86::V3, rows: &[i8], dim: usize, q: &[i16], out: &mut [i32]) {
    use std::arch::x86_64::{__m128i, __m256i};
    simd.vectorize(
        #[inline(always)]
        || {
            let q = &q[..dim.min(q.len())];
            let (chunks, _) = q.as_chunks::<16>();
            let full = chunks.len() * 16;
            for (o, row) in out.iter_mut().zip(rows.chunks_exact(dim)) {
                let (row_chunks, _) = row.as_chunks::<16>();
                let mut acc: __m256i = pulp::cast([0i32; 8]);
                for (r, w) in row_chunks.iter().zip(chunks) {
                    let x = simd
                        .avx2
                        ._mm256_cvtepi8_epi16(pulp::cast::<[i8; 16], __m128i>(*r));
                    let w: __m256i = pulp::cast(*w);
                    acc = simd
                        .avx2
                        ._mm256_add_epi32(acc, simd.avx2._mm256_madd_epi16(x, w));
                }
                let lanes: [i32; 8] = pulp::cast(acc);
                *o = lanes.iter().sum::<i32>() + tail_dot(row, q, full);
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::{Kernel, dot_i8_i16};

    fn lcg(seed: u32) -> impl FnMut() -> i32 {
        let mut x = seed;
        move || {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 16) as i32
        }
    }

    fn exact(row: &[i8], q: &[i16]) -> i64 {
        row.iter()
            .zip(q)
            .map(|(&a, &b)| i64::from(a) * i64::from(b))
            .sum()
    }

    /// Whether the processor has the x86-64-v3 level the AVX2 kernel needs.
    #[cfg(target_arch = "x86_64")]
    fn has_x86_64_v3() -> bool {
        use std::arch::is_x86_feature_detected as has;
        has!("avx2")
            && has!("fma")
            && has!("bmi1")
            && has!("bmi2")
            && has!("lzcnt")
            && has!("popcnt")
    }

    #[test]
    fn the_integer_dot_product_is_exact_at_the_extremes() {
        let mut next = lcg(7);
        // Every dimension the model may have, not only 128: the blocks of 16 and the tail.
        for round in 0..400 {
            let dim = [128, 64, 1, 15, 16, 17, 37, 130][round % 8];
            let row: Vec<i8> = (0..dim).map(|_| (next() % 256 - 128) as i8).collect();
            let q: Vec<i16> = (0..dim).map(|_| (next() % 255 - 127) as i16).collect();
            assert_eq!(i64::from(dot_i8_i16(&row, &q)), exact(&row, &q));
        }
        let row = [i8::MIN; 128];
        let q = [127i16; 128];
        assert_eq!(dot_i8_i16(&row, &q), -128 * 127 * 128);
    }

    #[test]
    fn every_kernel_gives_the_exact_integers() {
        let mut next = lcg(11);
        let kernels = [Kernel::detect(), Kernel::portable()];
        // On a processor with the level, the fast kernel is the one checked here.
        #[cfg(target_arch = "x86_64")]
        if has_x86_64_v3() {
            assert!(kernels[0].avx2.is_some(), "AVX2 not chosen");
        }
        for dim in [128, 64, 1, 15, 16, 17, 37, 130] {
            let n = 70;
            let mut rows: Vec<i8> = (0..n * dim).map(|_| (next() % 256 - 128) as i8).collect();
            // The extremes too: the most negative byte against the largest weights.
            rows[..dim].fill(i8::MIN);
            let mut q: Vec<i16> = (0..dim).map(|_| (next() % 255 - 127) as i16).collect();
            q[0] = 127;
            let want: Vec<i64> = rows.chunks_exact(dim).map(|r| exact(r, &q)).collect();
            for kernel in kernels {
                // One slot more than rows: it must be left as it was.
                let mut out = vec![i32::MAX; n + 1];
                kernel.dots(&rows, dim, &q, &mut out);
                let got: Vec<i64> = out[..n].iter().map(|&d| i64::from(d)).collect();
                assert_eq!(got, want, "dimension {dim}, {kernel:?}");
                assert_eq!(out[n], i32::MAX);
            }
        }
    }

    /// The scan's answers equal those of work-by-work lookups, whatever the sizes of its blocks
    /// and batches: the best cosine, every near-best work, and the cosines of the works asked
    /// for (ids the model does not hold, a repeated id, and an order it does not scan in too).
    #[test]
    fn the_scan_answers_as_work_by_work_lookups_do() {
        use crate::semantic::{COSINE_SCALE, DOT_BATCH, SCAN_BLOCK};
        let dir = tempfile::tempdir().expect("temp dir");
        let mut corpus = crate::index::tests::colm_demo_corpus(dir.path());
        let index = corpus.text_index().expect("index");
        let model = index.semantic().expect("a semantic model");
        let works = model.years.len() as i64;
        assert!(works > 700, "{works} works");
        let share = 0.56;
        for (topic, since) in [
            ("language models", None),
            ("reasoning", Some(2025)),
            ("alignment with human feedback", Some(2024)),
        ] {
            let q = model.scan_query(&model.embed(topic).expect("an embedding"));
            let each: Vec<Option<f32>> = (0..works).map(|id| model.cosine(&q, id, since)).collect();
            let best = each.iter().flatten().fold(0f32, |a, &c| a.max(c));
            assert!(best > 0.0, "{topic}");
            let mut asked: Vec<i64> = (-2..works + 3).step_by(3).collect();
            asked.push(7);
            asked.sort_unstable();
            let want: Vec<Option<f32>> = asked
                .iter()
                .map(|&id| model.cosine(&q, id, since))
                .collect();
            // The near-best works by the scan's own integer bar, work by work.
            let dot = |id: usize| dot_i8_i16(&model.papers[id * model.dim..][..model.dim], &q.0);
            let held: Vec<usize> = (0..works as usize)
                .filter(|&id| each[id].is_some())
                .collect();
            let best_dot = held.iter().map(|&id| dot(id)).max().unwrap_or(0);
            assert_eq!(best_dot as f32 * COSINE_SCALE, best, "{topic}");
            let bar = ((f64::from(best_dot) * share).floor() as i32 - 2).max(1);
            let near: Vec<(i64, f32)> = held
                .iter()
                .filter(|&&id| dot(id) >= bar)
                .map(|&id| (id as i64, dot(id) as f32 * COSINE_SCALE))
                .collect();
            assert!(!near.is_empty() && near.len() < held.len(), "{topic}");
            for (block, batch) in [(SCAN_BLOCK, DOT_BATCH), (37, 8), (5, 5), (1, 1)] {
                let found = model.scan(&q, since, share, &asked, block, batch);
                assert_eq!(found.best, best, "{topic}, blocks of {block}");
                assert_eq!(found.asked, want, "{topic}, blocks of {block}");
                // Exactly the works whose dot product clears the bar, in id order.
                assert_eq!(found.near, near, "{topic}, blocks of {block}");
                for (id, c) in each.iter().enumerate() {
                    if c.is_some_and(|c| f64::from(c) / f64::from(best) >= share) {
                        assert!(found.near.iter().any(|n| n.0 == id as i64), "{topic}: {id}");
                    }
                }
            }
            let backwards: Vec<i64> = asked.iter().rev().copied().collect();
            let found = model.cosines_near_best(&q, since, share, &backwards);
            let want_back: Vec<Option<f32>> = want.iter().rev().copied().collect();
            assert_eq!(found.asked, want_back, "{topic}");
            assert_eq!(found.best, best, "{topic}");
        }
    }
}
