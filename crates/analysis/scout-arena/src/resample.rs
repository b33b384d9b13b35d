//! Exact multinomial resampling of vote counts, fast enough for a thousand rounds over 10⁴ rows.
//!
//! A bootstrap round needs `Multinomial(N, p)` with `pₖ = votesₖ / N` over the unique rows. Drawing
//! it as `K − 1` conditional binomials costs a BTPE set-up per row; instead we use the
//! Poisson-then-fill construction, which is exact:
//!
//! 1. draw independent `Xₖ ~ Poisson(λ pₖ)` with `λ = N − 4√N`; given their sum `S = s`, the vector
//!    is `Multinomial(s, p)`;
//! 2. if `s ≤ N`, add `N − s` single draws from `p` (an alias table); the sum of independent
//!    `Multinomial(s, p)` and `Multinomial(N − s, p)` is `Multinomial(N, p)`;
//! 3. if `s > N` (probability ≈ 3·10⁻⁵), start again.
//!
//! Poisson variates are drawn by inversion, searching from one of three anchors around the mode
//! whose probabilities and cumulative probabilities are precomputed once per row (the means never
//! change between rounds), so a draw is one uniform and about `0.45·√λ` multiply-and-compare steps.

use crate::rng::Rng;

/// Precomputed per-row constants for repeated multinomial draws with fixed probabilities.
#[derive(Clone, Debug)]
pub(crate) struct MultinomialSampler {
    total: u64,
    poisson: Vec<PoissonConst>,
    alias: Alias,
}

/// A point of the Poisson distribution: `k`, `P(X = k)` and `P(X ≤ k)`.
#[derive(Clone, Copy, Debug)]
struct Anchor {
    k: u64,
    pmf: f64,
    cdf: f64,
}

/// Per-row constants for Poisson draws by inversion: three anchors at `m − s`, `m`, `m + s` (mode
/// `m = ⌊λ⌋`, `s ≈ √λ`), so that a search starts near its answer.
#[derive(Clone, Copy, Debug)]
enum PoissonConst {
    Zero,
    Anchored {
        lam: f64,
        inv_lam: f64,
        anchors: [Anchor; 3],
    },
}

impl PoissonConst {
    fn new(lam: f64) -> Self {
        if lam <= 0.0 {
            return PoissonConst::Zero;
        }
        let mode = lam.floor();
        let pmf_mode = (-lam + mode * lam.ln() - log_gamma(mode + 1.0)).exp();
        // P(X ≤ m), summing the pmf downwards until it no longer matters.
        let (mut cdf_mode, mut p, mut k) = (0.0, pmf_mode, mode);
        loop {
            cdf_mode += p;
            if k == 0.0 || p < 1e-18 * cdf_mode {
                break;
            }
            p *= k / lam;
            k -= 1.0;
        }
        let spread = lam.sqrt().floor().min(mode);
        // Walk down to m − s and up to m + s by the pmf recursion.
        let (mut lo, mut p, mut cdf) = (mode, pmf_mode, cdf_mode);
        while lo > mode - spread {
            cdf -= p;
            p *= lo / lam;
            lo -= 1.0;
        }
        let low = Anchor {
            k: lo as u64,
            pmf: p,
            cdf: cdf.max(0.0),
        };
        let (mut hi, mut p, mut cdf) = (mode, pmf_mode, cdf_mode);
        while hi < mode + spread {
            hi += 1.0;
            p *= lam / hi;
            cdf += p;
        }
        let high = Anchor {
            k: hi as u64,
            pmf: p,
            cdf: cdf.min(1.0),
        };
        let middle = Anchor {
            k: mode as u64,
            pmf: pmf_mode,
            cdf: cdf_mode.min(1.0),
        };
        PoissonConst::Anchored {
            lam,
            inv_lam: 1.0 / lam,
            anchors: [low, middle, high],
        }
    }

    /// One draw by inversion: from the anchor just above `u` search down (a multiply and a compare
    /// per step), or above the top anchor search up; about `0.45·√λ` steps on average.
    #[inline]
    fn sample(&self, rng: &mut Rng) -> u64 {
        let PoissonConst::Anchored {
            lam,
            inv_lam,
            anchors,
        } = *self
        else {
            return 0;
        };
        let u = rng.next_f64();
        let Some(start) = anchors.iter().find(|a| u <= a.cdf) else {
            // Up from the top anchor: the first k with u ≤ F(k).
            let Anchor {
                mut k,
                mut pmf,
                mut cdf,
            } = anchors[2];
            loop {
                k += 1;
                pmf *= lam / k as f64;
                cdf += pmf;
                if u <= cdf || pmf == 0.0 {
                    return k;
                }
            }
        };
        // Down: the first k with F(k−1) < u ≤ F(k).
        let Anchor {
            mut k,
            mut pmf,
            mut cdf,
        } = *start;
        loop {
            let below = cdf - pmf;
            if u > below || k == 0 {
                return k;
            }
            cdf = below;
            pmf *= k as f64 * inv_lam;
            k -= 1;
        }
    }
}

/// `ln Γ(x)` for `x ≥ 1` (numpy's `random_loggam`: Stirling series after shifting to `x ≥ 7`).
fn log_gamma(x: f64) -> f64 {
    const A: [f64; 10] = [
        8.333333333333333e-02,
        -2.777777777777778e-03,
        7.936507936507937e-04,
        -5.952380952380952e-04,
        8.417508417508418e-04,
        -1.917526917526918e-03,
        6.410_256_410_256_41e-3,
        -2.955065359477124e-02,
        1.796443723688307e-01,
        -1.39243221690590e+00,
    ];
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    let n = if x < 7.0 { (7.0 - x) as i32 } else { 0 };
    let x0 = x + f64::from(n);
    let x2 = 1.0 / (x0 * x0);
    let mut gl0 = A[9];
    for k in (0..9).rev() {
        gl0 = gl0 * x2 + A[k];
    }
    let mut gl = gl0 / x0 + 0.5 * (2.0 * std::f64::consts::PI).ln() + (x0 - 0.5) * x0.ln() - x0;
    if x < 7.0 {
        let mut x0 = x0;
        for _ in 1..=n {
            gl -= (x0 - 1.0).ln();
            x0 -= 1.0;
        }
    }
    gl
}

/// Walker/Vose alias table for single draws from fixed probabilities.
#[derive(Clone, Debug)]
struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    fn new(weights: &[u64]) -> Alias {
        let k = weights.len();
        let total: f64 = weights.iter().map(|&w| w as f64).sum();
        let mut scaled: Vec<f64> = weights
            .iter()
            .map(|&w| w as f64 * k as f64 / total)
            .collect();
        let mut prob = vec![1.0; k];
        let mut alias: Vec<u32> = (0..k)
            .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
            .collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..k).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s];
            alias[s] = u32::try_from(l).unwrap_or(u32::MAX);
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are rounding residue and keep probability 1, except rows that cannot be drawn.
        let heaviest = (0..k).max_by_key(|&i| weights[i]).unwrap_or(0);
        for i in small.into_iter().chain(large) {
            if weights[i] == 0 {
                prob[i] = 0.0;
                alias[i] = u32::try_from(heaviest).unwrap_or(u32::MAX);
            } else {
                prob[i] = 1.0;
            }
        }
        Alias { prob, alias }
    }

    #[inline]
    fn sample(&self, rng: &mut Rng) -> usize {
        let x = rng.next_f64() * self.prob.len() as f64;
        let i = (x as usize).min(self.prob.len() - 1);
        if x - (i as f64) < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

impl MultinomialSampler {
    /// A sampler for `Multinomial(Σ votes, votes / Σ votes)`.
    pub fn new(votes: &[u64]) -> MultinomialSampler {
        let total: u64 = votes.iter().sum();
        let n = total as f64;
        let lambda = n - 4.0 * n.sqrt();
        let poisson = if lambda >= n / 2.0 && total > 0 {
            votes
                .iter()
                .map(|&v| PoissonConst::new(v as f64 * lambda / n))
                .collect()
        } else {
            // Small totals: plain single draws are cheaper.
            vec![PoissonConst::Zero; votes.len()]
        };
        MultinomialSampler {
            total,
            poisson,
            alias: Alias::new(votes),
        }
    }

    /// Writes one draw of counts into `out` (one entry per row).
    pub fn sample(&self, rng: &mut Rng, out: &mut [u64]) {
        if self.total == 0 {
            out.iter_mut().for_each(|x| *x = 0);
            return;
        }
        loop {
            let mut sum = 0u64;
            for (o, p) in out.iter_mut().zip(&self.poisson) {
                *o = p.sample(rng);
                sum += *o;
            }
            if sum > self.total {
                continue;
            }
            for _ in sum..self.total {
                out[self.alias.sample(rng)] += 1;
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_gamma_matches_factorials() {
        let mut lf = 0.0f64;
        for k in 1..40u32 {
            lf += f64::from(k).ln();
            let got = log_gamma(f64::from(k) + 1.0);
            assert!((got - lf).abs() < 1e-10 * lf.max(1.0), "{k}: {got} vs {lf}");
        }
    }

    #[test]
    fn poisson_moments() {
        let mut rng = Rng::new(9, 0);
        for lam in [0.7, 4.0, 12.0, 250.0, 40_000.0] {
            let p = PoissonConst::new(lam);
            let m = 200_000;
            let xs: Vec<f64> = (0..m).map(|_| p.sample(&mut rng) as f64).collect();
            let mean = xs.iter().sum::<f64>() / m as f64;
            let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / m as f64;
            // Standard error of the mean is sqrt(λ/m); allow 5 of them. Variance within 2%.
            assert!(
                (mean - lam).abs() < 5.0 * (lam / m as f64).sqrt(),
                "λ={lam}: mean {mean}"
            );
            assert!((var / lam - 1.0).abs() < 0.02, "λ={lam}: var {var}");
        }
    }

    #[test]
    fn poisson_frequencies_match_the_pmf() {
        // λ = 30: anchors at 25, 30, 35; every value from 15 to 45 is hit by each search direction.
        let lam: f64 = 30.0;
        let p = PoissonConst::new(lam);
        let mut rng = Rng::new(11, 0);
        let m = 400_000;
        let mut counts = vec![0usize; 200];
        for _ in 0..m {
            counts[p.sample(&mut rng) as usize] += 1;
        }
        for k in 15..46u32 {
            let pmf = (-lam + f64::from(k) * lam.ln() - log_gamma(f64::from(k) + 1.0)).exp();
            let se = (pmf * (1.0 - pmf) / m as f64).sqrt();
            let freq = counts[k as usize] as f64 / m as f64;
            assert!((freq - pmf).abs() < 5.0 * se, "k={k}: {freq} vs {pmf}");
        }
    }

    #[test]
    fn multinomial_total_and_moments() {
        let votes = [5u64, 1, 300, 2_000, 40, 0, 7_654];
        let total: u64 = votes.iter().sum();
        let sampler = MultinomialSampler::new(&votes);
        let mut rng = Rng::new(3, 0);
        let rounds = 40_000;
        let mut out = vec![0u64; votes.len()];
        let mut sum = vec![0.0; votes.len()];
        let mut sq = vec![0.0; votes.len()];
        let mut cross = 0.0; // rows 2 and 3, for the negative covariance
        for _ in 0..rounds {
            sampler.sample(&mut rng, &mut out);
            assert_eq!(out.iter().sum::<u64>(), total);
            for k in 0..votes.len() {
                sum[k] += out[k] as f64;
                sq[k] += (out[k] as f64).powi(2);
            }
            cross += out[2] as f64 * out[3] as f64;
        }
        let n = total as f64;
        for k in 0..votes.len() {
            let p = votes[k] as f64 / n;
            let mean = sum[k] / rounds as f64;
            let var = sq[k] / rounds as f64 - mean * mean;
            let want_var = n * p * (1.0 - p);
            assert!(
                (mean - n * p).abs() <= 5.0 * (want_var / rounds as f64).sqrt() + 1e-12,
                "row {k}: mean {mean}"
            );
            if want_var > 0.0 {
                assert!(
                    (var / want_var - 1.0).abs() < 0.05,
                    "row {k}: var {var} vs {want_var}"
                );
            } else {
                assert_eq!(var, 0.0);
            }
        }
        let (p2, p3) = (votes[2] as f64 / n, votes[3] as f64 / n);
        let cov = cross / rounds as f64 - (sum[2] / rounds as f64) * (sum[3] / rounds as f64);
        assert!(
            (cov / (-n * p2 * p3) - 1.0).abs() < 0.1,
            "covariance {cov} vs {}",
            -n * p2 * p3
        );
    }

    #[test]
    fn small_totals_use_single_draws() {
        let sampler = MultinomialSampler::new(&[1, 2, 0]);
        let mut rng = Rng::new(1, 0);
        let mut out = [0u64; 3];
        sampler.sample(&mut rng, &mut out);
        assert_eq!(out.iter().sum::<u64>(), 3);
        assert_eq!(out[2], 0);
    }
}
