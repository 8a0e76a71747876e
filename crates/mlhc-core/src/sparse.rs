//! Compressed sparse row (CSR) matrices, the design-matrix format of mlhc features.

use crate::{Error, Result};

/// A sparse matrix in compressed sparse row form, with `f32` values.
///
/// Row `i`'s entries are `indices[indptr[i]..indptr[i + 1]]` (column ids, strictly increasing) with
/// values `data[..]` at the same positions. An absent entry means "not observed"; an observed zero is
/// stored explicitly, so a learner can tell the two apart. The layout is scipy's `csr_array`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsrMatrix {
    n_cols: usize,
    indptr: Vec<u64>,
    indices: Vec<u32>,
    data: Vec<f32>,
}

impl CsrMatrix {
    /// An empty matrix with `n_cols` columns and no rows.
    pub fn new(n_cols: usize) -> Self {
        Self { n_cols, indptr: vec![0], indices: Vec::new(), data: Vec::new() }
    }

    /// An empty matrix with room for `rows` rows and `nnz` stored entries without reallocating.
    pub fn with_capacity(n_cols: usize, rows: usize, nnz: usize) -> Self {
        let mut indptr = Vec::with_capacity(rows + 1);
        indptr.push(0);
        Self { n_cols, indptr, indices: Vec::with_capacity(nnz), data: Vec::with_capacity(nnz) }
    }

    /// Builds a matrix from its parts, checking that they are consistent.
    pub fn from_parts(n_cols: usize, indptr: Vec<u64>, indices: Vec<u32>, data: Vec<f32>) -> Result<Self> {
        let bad = |message: String| Err(Error::InvalidSparse { message });
        if indptr.first() != Some(&0) {
            return bad("indptr must start with 0".into());
        }
        if indices.len() != data.len() || indptr.last().copied() != Some(indices.len() as u64) {
            return bad(format!(
                "indptr ends at {:?} but there are {} indices and {} values",
                indptr.last(),
                indices.len(),
                data.len()
            ));
        }
        for (r, w) in indptr.windows(2).enumerate() {
            if w[0] > w[1] {
                return bad(format!("indptr decreases at row {r}"));
            }
            let cols = &indices[w[0] as usize..w[1] as usize];
            if let Some(&c) = cols.iter().find(|&&c| c as usize >= n_cols) {
                return bad(format!("row {r} has column {c} >= {n_cols}"));
            }
            if cols.windows(2).any(|p| p[0] >= p[1]) {
                return bad(format!("row {r} has columns out of order or repeated"));
            }
        }
        Ok(Self { n_cols, indptr, indices, data })
    }

    /// Appends a row from `(column, value)` pairs sorted by strictly increasing column.
    ///
    /// Panics if the columns are out of order or out of range: rows are built by mlhc code, and a
    /// misordered row is a bug, not bad input.
    pub fn push_row(&mut self, entries: &[(u32, f32)]) {
        for (k, &(c, v)) in entries.iter().enumerate() {
            assert!((c as usize) < self.n_cols, "column {c} out of range {}", self.n_cols);
            assert!(k == 0 || entries[k - 1].0 < c, "row columns must increase");
            self.indices.push(c);
            self.data.push(v);
        }
        self.indptr.push(self.indices.len() as u64);
    }

    /// Appends all rows of `other` (same number of columns).
    pub fn append(&mut self, other: &CsrMatrix) {
        assert_eq!(self.n_cols, other.n_cols, "appending a matrix with another number of columns");
        let base = self.indices.len() as u64;
        self.indices.extend_from_slice(&other.indices);
        self.data.extend_from_slice(&other.data);
        self.indptr.extend(other.indptr[1..].iter().map(|p| p + base));
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// The number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The number of stored entries.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Row pointers (length `n_rows + 1`).
    pub fn indptr(&self) -> &[u64] {
        &self.indptr
    }

    /// Column ids of the stored entries.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }

    /// Values of the stored entries.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    /// Row `i` as (columns, values).
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i] as usize, self.indptr[i + 1] as usize);
        (&self.indices[a..b], &self.data[a..b])
    }

    /// The same sparsity pattern with `f` applied to every stored value (absent entries stay absent).
    pub fn map_values(&self, f: impl Fn(f32) -> f32) -> CsrMatrix {
        CsrMatrix { data: self.data.iter().map(|&v| f(v)).collect(), ..self.clone() }
    }

    /// The standard deviation of each column over all rows, absent entries counting as 0 (1/n
    /// convention).
    pub fn column_std(&self) -> Vec<f64> {
        let n = self.n_rows().max(1) as f64;
        let (mut s, mut ss) = (vec![0.0; self.n_cols], vec![0.0; self.n_cols]);
        for (&c, &v) in self.indices.iter().zip(&self.data) {
            s[c as usize] += v as f64;
            ss[c as usize] += v as f64 * v as f64;
        }
        s.iter().zip(&ss).map(|(s, ss)| (ss / n - (s / n) * (s / n)).max(0.0).sqrt()).collect()
    }

    /// The stored value at (`i`, `j`), `None` when absent (not observed).
    pub fn get(&self, i: usize, j: usize) -> Option<f32> {
        let (cols, vals) = self.row(i);
        cols.binary_search(&(j as u32)).ok().map(|k| vals[k])
    }
}

/// A sparse matrix in compressed sparse column form: column `j`'s entries are rows
/// `indices[indptr[j]..indptr[j + 1]]` (increasing) with values `data[..]`. Built from a
/// [`CsrMatrix`] for algorithms that sweep columns (coordinate descent).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CscMatrix {
    n_rows: usize,
    indptr: Vec<u64>,
    indices: Vec<u32>,
    data: Vec<f32>,
}

impl CscMatrix {
    /// The column-major copy of `m` (a counting sort by column; O(nnz)).
    pub fn from_csr(m: &CsrMatrix) -> Self {
        let mut counts = vec![0u64; m.n_cols + 1];
        for &c in &m.indices {
            counts[c as usize + 1] += 1;
        }
        for j in 0..m.n_cols {
            counts[j + 1] += counts[j];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let mut indices = vec![0u32; m.nnz()];
        let mut data = vec![0f32; m.nnz()];
        for i in 0..m.n_rows() {
            let (cols, vals) = m.row(i);
            for (&c, &v) in cols.iter().zip(vals) {
                let k = next[c as usize] as usize;
                indices[k] = i as u32;
                data[k] = v;
                next[c as usize] += 1;
            }
        }
        Self { n_rows: m.n_rows(), indptr, indices, data }
    }

    /// The number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The number of columns.
    pub fn n_cols(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Column `j` as (rows, values).
    pub fn col(&self, j: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[j] as usize, self.indptr[j + 1] as usize);
        (&self.indices[a..b], &self.data[a..b])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_explicit_zero_is_kept() {
        let mut m = CsrMatrix::new(4);
        m.push_row(&[(0, 1.0), (3, 0.0)]);
        m.push_row(&[]);
        m.push_row(&[(2, -2.5)]);
        assert_eq!((m.n_rows(), m.nnz()), (3, 3));
        assert_eq!(m.get(0, 3), Some(0.0));
        assert_eq!(m.get(0, 1), None);
        assert_eq!(m.indptr(), &[0, 2, 2, 3]);
        let again = CsrMatrix::from_parts(4, m.indptr().to_vec(), m.indices().to_vec(), m.data().to_vec()).unwrap();
        assert_eq!(again, m);
        assert_eq!(m.map_values(|v| v * 2.0).get(2, 2), Some(-5.0));
        assert_eq!(m.map_values(|v| v * 2.0).get(0, 1), None);
        let sd = m.column_std();
        assert!((sd[2] - (6.25f64 / 3.0 - (2.5f64 / 3.0).powi(2)).sqrt()).abs() < 1e-12);
        let mut twice = m.clone();
        twice.append(&m);
        assert_eq!(twice.n_rows(), 6);
        assert_eq!(twice.row(5), (&[2u32][..], &[-2.5f32][..]));
    }

    #[test]
    fn csc_holds_the_same_entries_by_column() {
        let mut m = CsrMatrix::new(3);
        m.push_row(&[(0, 1.0), (2, 2.0)]);
        m.push_row(&[(2, 3.0)]);
        m.push_row(&[(0, 4.0), (1, 0.0)]);
        let c = CscMatrix::from_csr(&m);
        assert_eq!((c.n_rows(), c.n_cols()), (3, 3));
        assert_eq!(c.col(0), (&[0u32, 2][..], &[1.0f32, 4.0][..]));
        assert_eq!(c.col(1), (&[2u32][..], &[0.0f32][..]));
        assert_eq!(c.col(2), (&[0u32, 1][..], &[2.0f32, 3.0][..]));
    }

    #[test]
    fn from_parts_rejects_inconsistent_parts() {
        let e = CsrMatrix::from_parts(2, vec![0, 2], vec![1, 0], vec![1.0, 2.0]).unwrap_err();
        assert_eq!(e.to_string(), "invalid sparse matrix: row 0 has columns out of order or repeated");
        assert!(CsrMatrix::from_parts(2, vec![0, 1], vec![5], vec![1.0]).is_err());
        assert!(CsrMatrix::from_parts(2, vec![0, 3], vec![0], vec![1.0]).is_err());
    }
}
