//! The numerical kernels of the semantic model: a sparse matrix in compressed rows, products
//! with dense row-major matrices (row-parallel with rayon), a Cholesky orthonormalisation and a
//! Jacobi eigen-decomposition for the small symmetric matrices of a randomized SVD
//! (Halko, Martinsson & Tropp 2011). Everything is deterministic: the random test matrix comes
//! from a seeded generator and parallel loops write disjoint rows.

use rayon::prelude::*;

/// A sparse matrix in compressed rows: row `r` is `cols/vals[offsets[r]..offsets[r + 1]]`.
#[derive(Debug, Clone, Default)]
pub struct Sparse {
    pub n_cols: usize,
    pub offsets: Vec<usize>,
    pub cols: Vec<u32>,
    pub vals: Vec<f32>,
}

impl Sparse {
    pub fn n_rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.offsets[r], self.offsets[r + 1]);
        (&self.cols[a..b], &self.vals[a..b])
    }

    /// The transpose, also in compressed rows.
    pub fn transpose(&self) -> Sparse {
        let mut counts = vec![0usize; self.n_cols + 1];
        for &c in &self.cols {
            counts[c as usize + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let offsets = counts.clone();
        let mut next = counts;
        let mut cols = vec![0u32; self.cols.len()];
        let mut vals = vec![0f32; self.vals.len()];
        for r in 0..self.n_rows() {
            let (cs, vs) = self.row(r);
            for (&c, &v) in cs.iter().zip(vs) {
                let slot = next[c as usize];
                cols[slot] = r as u32;
                vals[slot] = v;
                next[c as usize] += 1;
            }
        }
        Sparse {
            n_cols: self.n_rows(),
            offsets,
            cols,
            vals,
        }
    }

    /// `self × dense`, where `dense` is `n_cols × width` row-major; the result is
    /// `n_rows × width` row-major.
    pub fn times(&self, dense: &[f32], width: usize) -> Vec<f32> {
        let mut out = vec![0f32; self.n_rows() * width];
        out.par_chunks_mut(width.max(1))
            .enumerate()
            .for_each(|(r, row_out)| {
                let (cs, vs) = self.row(r);
                for (&c, &v) in cs.iter().zip(vs) {
                    let src = &dense[c as usize * width..(c as usize + 1) * width];
                    for (o, s) in row_out.iter_mut().zip(src) {
                        *o += v * s;
                    }
                }
            });
        out
    }
}

/// A deterministic generator (splitmix64) for the random test matrix.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in (−1, 1); sums of a few are close enough to Gaussian for a range finder.
    pub fn symmetric(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}

/// `aᵀ a` for `a` of `rows × width` row-major (a `width × width` matrix in f64).
pub fn symmetric_gram(a: &[f32], width: usize) -> Vec<f64> {
    let chunk = 4096 * width.max(1);
    // Blocks summed apart, then added in block order: the same bits on any number of threads.
    let blocks: Vec<Vec<f64>> = a
        .par_chunks(chunk)
        .map(|block| {
            let mut g = vec![0f64; width * width];
            for row in block.chunks(width) {
                for i in 0..width {
                    let ri = f64::from(row[i]);
                    if ri == 0.0 {
                        continue;
                    }
                    let gi = &mut g[i * width..(i + 1) * width];
                    for j in i..width {
                        gi[j] += ri * f64::from(row[j]);
                    }
                }
            }
            g
        })
        .collect();
    let mut upper = vec![0f64; width * width];
    for block in blocks {
        for (a, b) in upper.iter_mut().zip(block) {
            *a += b;
        }
    }
    let mut full = upper;
    for i in 0..width {
        for j in 0..i {
            full[i * width + j] = full[j * width + i];
        }
    }
    full
}

/// Orthonormalises the columns of `a` (`rows × width` row-major) in place by Cholesky QR,
/// twice for accuracy. Columns that are numerically dependent become zero.
pub fn orthonormalise(a: &mut [f32], width: usize) {
    for _ in 0..2 {
        let g = symmetric_gram(a, width);
        let inv = upper_inverse_of_cholesky(&g, width);
        a.par_chunks_mut(width.max(1)).for_each(|row| {
            let src: Vec<f64> = row.iter().map(|&x| f64::from(x)).collect();
            for j in 0..width {
                let mut s = 0.0;
                for (k, &x) in src.iter().enumerate().take(j + 1) {
                    s += x * inv[k * width + j];
                }
                row[j] = s as f32;
            }
        });
    }
}

/// `R⁻¹` for the Cholesky factor `R` (upper, `g = RᵀR`), with tiny pivots treated as zero.
fn upper_inverse_of_cholesky(g: &[f64], n: usize) -> Vec<f64> {
    let mut r = vec![0f64; n * n];
    let scale = (0..n).map(|i| g[i * n + i]).fold(0.0, f64::max).max(1e-300);
    for i in 0..n {
        let mut d = g[i * n + i];
        for k in 0..i {
            d -= r[k * n + i] * r[k * n + i];
        }
        if d <= scale * 1e-12 {
            continue; // a dependent column: its row of R stays zero
        }
        let d = d.sqrt();
        r[i * n + i] = d;
        for j in i + 1..n {
            let mut s = g[i * n + j];
            for k in 0..i {
                s -= r[k * n + i] * r[k * n + j];
            }
            r[i * n + j] = s / d;
        }
    }
    // Back-substitution for the inverse of an upper-triangular matrix.
    let mut inv = vec![0f64; n * n];
    for j in 0..n {
        for i in (0..=j).rev() {
            if r[i * n + i] == 0.0 {
                continue;
            }
            let mut s = if i == j { 1.0 } else { 0.0 };
            for k in i + 1..=j {
                s -= r[i * n + k] * inv[k * n + j];
            }
            inv[i * n + j] = s / r[i * n + i];
        }
    }
    inv
}

/// Eigenvalues (descending) and eigenvectors (columns of the returned row-major `n × n`
/// matrix, in the same order) of a symmetric matrix, by cyclic Jacobi rotations.
pub fn symmetric_eigen(m: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = m.to_vec();
    let mut v = vec![0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..60 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        let total: f64 = a.iter().map(|x| x * x).sum::<f64>().max(1e-300);
        if off <= total * 1e-22 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| a[y * n + y].total_cmp(&a[x * n + x]));
    let values = order.iter().map(|&i| a[i * n + i]).collect();
    let mut vectors = vec![0f64; n * n];
    for (new, &old) in order.iter().enumerate() {
        for k in 0..n {
            vectors[k * n + new] = v[k * n + old];
        }
    }
    (values, vectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_recovers_a_known_spectrum() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1.
        let (values, vectors) = symmetric_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((values[0] - 3.0).abs() < 1e-9 && (values[1] - 1.0).abs() < 1e-9);
        assert!((vectors[0].abs() - vectors[2].abs()).abs() < 1e-9);
    }

    #[test]
    fn columns_come_out_orthonormal() {
        let mut rng = SplitMix(7);
        let (rows, width) = (50, 4);
        let mut a: Vec<f32> = (0..rows * width).map(|_| rng.symmetric()).collect();
        orthonormalise(&mut a, width);
        let g = symmetric_gram(&a, width);
        for i in 0..width {
            for j in 0..width {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!(
                    (g[i * width + j] - want).abs() < 1e-4,
                    "{i} {j} {}",
                    g[i * width + j]
                );
            }
        }
    }

    #[test]
    fn sparse_transpose_and_product_agree() {
        let m = Sparse {
            n_cols: 3,
            offsets: vec![0, 2, 3],
            cols: vec![0, 2, 1],
            vals: vec![1.0, 2.0, 3.0],
        };
        let t = m.transpose();
        assert_eq!(t.n_rows(), 3);
        assert_eq!(t.row(2), (&[0u32][..], &[2.0f32][..]));
        // m × I₃ = m as dense rows.
        let eye = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(m.times(&eye, 3), vec![1.0, 0.0, 2.0, 0.0, 3.0, 0.0]);
    }
}
