//! Small dense symmetric positive-definite linear algebra: Cholesky factor, solve and inverse.
//!
//! Survival models here have few parameters (p up to a few hundred), so the p×p information matrix is
//! factored with a plain row-major Cholesky. A general linear-algebra crate would add a large build for
//! three O(p³) routines that are a few dozen lines each.

/// A lower-triangular Cholesky factor `L` with `A = L Lᵀ`, row-major `p×p`.
#[derive(Debug, Clone)]
pub(crate) struct Cholesky {
    p: usize,
    l: Vec<f64>,
}

/// The factorization failed at this column: the matrix is not positive definite there.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NotPositiveDefinite {
    /// The first column whose pivot was not positive.
    pub column: usize,
}

impl Cholesky {
    /// Factors the symmetric matrix `a` (row-major `p×p`; only the lower triangle is read).
    ///
    /// A pivot at or below `1e-12` times the largest diagonal entry counts as zero, so that a column
    /// that is (numerically) a combination of earlier columns is reported, not divided by.
    pub fn factor(a: &[f64], p: usize) -> Result<Self, NotPositiveDefinite> {
        debug_assert_eq!(a.len(), p * p);
        let max_diag = (0..p).map(|i| a[i * p + i].abs()).fold(0.0_f64, f64::max);
        let floor = 1e-12 * max_diag.max(f64::MIN_POSITIVE);
        let mut l = vec![0.0; p * p];
        for j in 0..p {
            let mut d = a[j * p + j];
            for k in 0..j {
                d -= l[j * p + k] * l[j * p + k];
            }
            if d.is_nan() || d <= floor {
                return Err(NotPositiveDefinite { column: j });
            }
            let d = d.sqrt();
            l[j * p + j] = d;
            for i in j + 1..p {
                let mut s = a[i * p + j];
                for k in 0..j {
                    s -= l[i * p + k] * l[j * p + k];
                }
                l[i * p + j] = s / d;
            }
        }
        Ok(Self { p, l })
    }

    /// Solves `A x = b`.
    pub fn solve(&self, b: &[f64]) -> Vec<f64> {
        let p = self.p;
        let mut y = b.to_vec();
        for i in 0..p {
            let mut s = y[i];
            for k in 0..i {
                s -= self.l[i * p + k] * y[k];
            }
            y[i] = s / self.l[i * p + i];
        }
        for i in (0..p).rev() {
            let mut s = y[i];
            for k in i + 1..p {
                s -= self.l[k * p + i] * y[k];
            }
            y[i] = s / self.l[i * p + i];
        }
        y
    }

    /// `A⁻¹`, row-major `p×p`.
    pub fn inverse(&self) -> Vec<f64> {
        let p = self.p;
        let mut inv = vec![0.0; p * p];
        let mut e = vec![0.0; p];
        for j in 0..p {
            e.iter_mut().for_each(|v| *v = 0.0);
            e[j] = 1.0;
            let col = self.solve(&e);
            for i in 0..p {
                inv[i * p + j] = col[i];
            }
        }
        // Symmetrize away rounding so variances and covariances read the same either way.
        for i in 0..p {
            for j in 0..i {
                let m = 0.5 * (inv[i * p + j] + inv[j * p + i]);
                inv[i * p + j] = m;
                inv[j * p + i] = m;
            }
        }
        inv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_and_inverse_reproduce_the_identity() {
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let c = Cholesky::factor(&a, 3).unwrap();
        let x = c.solve(&[1.0, 2.0, 3.0]);
        for i in 0..3 {
            let ax: f64 = (0..3).map(|k| a[i * 3 + k] * x[k]).sum();
            assert!((ax - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let inv = c.inverse();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((v - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn a_dependent_column_is_named() {
        // Column 2 = column 0 + column 1.
        let a = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0];
        assert_eq!(Cholesky::factor(&a, 3).unwrap_err().column, 2);
    }
}
