//! A numeric column: one `f64` per cell and, only when some cell is missing, one validity flag per cell.

/// The cells of a numeric column, each a number or missing.
///
/// The numbers live in one contiguous `Vec<f64>` (8 bytes a cell, half of `Vec<Option<f64>>`); which
/// cells are present is kept beside them, and only once a cell is missing, so a complete column costs
/// nothing more than its numbers. Read cells through the validity-aware accessors ([`Numbers::get`],
/// [`Numbers::iter`], [`Numbers::as_complete`]); [`Numbers::values`] is the raw store, where a missing
/// cell holds NaN that is not a number of the table.
///
/// A present cell may itself be NaN or infinite (a Parquet float, or `inf` in a CSV); only the validity
/// flags say whether a cell is missing.
///
/// ```
/// use mlhc_frame::Numbers;
///
/// let x = Numbers::from(vec![Some(1.5), None, Some(3.0)]);
/// assert_eq!(x.len(), 3);
/// assert_eq!(x.get(1), None);
/// assert_eq!(x.null_count(), 1);
/// assert_eq!(x.iter().flatten().sum::<f64>(), 4.5);
/// assert_eq!(x.as_complete(), None);
///
/// let y: Numbers = [Some(2.0), Some(4.0)].into_iter().collect();
/// assert_eq!(y.as_complete(), Some(&[2.0, 4.0][..]));
/// ```
#[derive(Clone, Default)]
pub struct Numbers {
    /// Cell values; a missing cell holds NaN.
    values: Vec<f64>,
    /// Invariant: `None` when every cell is present; otherwise as long as `values`, with at least one
    /// `false`. Keeping it absent for complete columns makes [`Numbers::all_valid`] free and lets
    /// readers and the design matrix take the straight-copy path.
    valid: Option<Vec<bool>>,
}

impl Numbers {
    /// An empty column with room for `capacity` cells (the validity flags are allocated only when a
    /// missing cell arrives).
    pub fn with_capacity(capacity: usize) -> Numbers {
        Numbers { values: Vec::with_capacity(capacity), valid: None }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the column has no cells.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Cell `row`: its number, or `None` when missing.
    ///
    /// # Panics
    /// When `row >= len()`, as slice indexing does.
    pub fn get(&self, row: usize) -> Option<f64> {
        let x = self.values[row];
        self.is_valid(row).then_some(x)
    }

    /// Whether cell `row` is present.
    ///
    /// # Panics
    /// When `row >= len()`.
    pub fn is_valid(&self, row: usize) -> bool {
        match &self.valid {
            None => {
                assert!(row < self.values.len(), "row {row} out of range for {} cells", self.values.len());
                true
            }
            Some(valid) => valid[row],
        }
    }

    /// The cells in row order, `None` for a missing cell.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Option<f64>> + ExactSizeIterator + Clone + '_ {
        let valid = self.valid.as_deref();
        self.values.iter().enumerate().map(move |(row, &x)| match valid {
            Some(v) if !v[row] => None,
            _ => Some(x),
        })
    }

    /// The raw value store, one number per cell: the cell's number where the cell is present, NaN where
    /// it is missing. Meaningful only together with [`Numbers::is_valid`]; prefer
    /// [`Numbers::as_complete`], which returns the same slice only when no cell is missing.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// All the numbers when no cell is missing, otherwise `None`: the fast path for consumers that
    /// need every cell.
    pub fn as_complete(&self) -> Option<&[f64]> {
        match self.valid {
            None => Some(&self.values),
            Some(_) => None,
        }
    }

    /// Whether every cell is present (constant time).
    pub fn all_valid(&self) -> bool {
        self.valid.is_none()
    }

    /// Number of missing cells.
    pub fn null_count(&self) -> usize {
        self.valid.as_ref().map_or(0, |v| v.iter().filter(|&&k| !k).count())
    }

    /// Appends one cell.
    pub fn push(&mut self, x: Option<f64>) {
        match x {
            Some(x) => {
                self.values.push(x);
                if let Some(valid) = &mut self.valid {
                    valid.push(true);
                }
            }
            None => {
                self.validity_mut().push(false);
                self.values.push(f64::NAN);
            }
        }
    }

    /// Appends present cells, without per-cell validity work while the column is complete.
    pub(crate) fn extend_present<I: IntoIterator<Item = f64>>(&mut self, xs: I) {
        self.values.extend(xs);
        if let Some(valid) = &mut self.valid {
            valid.resize(self.values.len(), true);
        }
    }

    /// The cells selected by `rows`, in that order.
    ///
    /// # Panics
    /// When a row is out of range.
    pub(crate) fn select(&self, rows: &[usize]) -> Numbers {
        match &self.valid {
            None => Numbers { values: rows.iter().map(|&r| self.values[r]).collect(), valid: None },
            Some(_) => rows.iter().map(|&r| self.get(r)).collect(),
        }
    }

    /// The validity flags, created (all present so far) on first use.
    fn validity_mut(&mut self) -> &mut Vec<bool> {
        let (values, valid) = (&self.values, &mut self.valid);
        valid.get_or_insert_with(|| {
            let mut v = Vec::with_capacity(values.capacity());
            v.resize(values.len(), true);
            v
        })
    }
}

/// Equal when the lengths match and every cell compares equal as `Option<f64>` (so a present NaN
/// differs from everything, as with `Vec<Option<f64>>`); how missing cells are stored plays no part.
impl PartialEq for Numbers {
    fn eq(&self, other: &Numbers) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// Shown as the list of cells, `None` for a missing one.
impl std::fmt::Debug for Numbers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vec<Option<f64>>> for Numbers {
    fn from(cells: Vec<Option<f64>>) -> Numbers {
        cells.into_iter().collect()
    }
}

impl From<&[Option<f64>]> for Numbers {
    fn from(cells: &[Option<f64>]) -> Numbers {
        cells.iter().copied().collect()
    }
}

/// Every cell present.
impl From<Vec<f64>> for Numbers {
    fn from(values: Vec<f64>) -> Numbers {
        Numbers { values, valid: None }
    }
}

impl FromIterator<Option<f64>> for Numbers {
    fn from_iter<I: IntoIterator<Item = Option<f64>>>(cells: I) -> Numbers {
        let cells = cells.into_iter();
        let mut out = Numbers::with_capacity(cells.size_hint().0);
        out.extend(cells);
        out
    }
}

impl Extend<Option<f64>> for Numbers {
    fn extend<I: IntoIterator<Item = Option<f64>>>(&mut self, cells: I) {
        let cells = cells.into_iter();
        self.values.reserve(cells.size_hint().0);
        for x in cells {
            self.push(x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_is_created_only_by_a_missing_cell() {
        let mut x = Numbers::with_capacity(4);
        x.push(Some(1.0));
        x.extend_present([2.0, 3.0]);
        assert!(x.all_valid());
        assert_eq!(x.as_complete(), Some(&[1.0, 2.0, 3.0][..]));
        x.push(None);
        x.extend_present([5.0]);
        x.push(Some(6.0));
        assert!(!x.all_valid());
        assert_eq!(x.null_count(), 1);
        assert_eq!(x, Numbers::from(vec![Some(1.0), Some(2.0), Some(3.0), None, Some(5.0), Some(6.0)]));
        assert_eq!((x.get(3), x.get(4), x.is_valid(3), x.is_valid(5)), (None, Some(5.0), false, true));
        assert!(x.values()[3].is_nan());
        assert_eq!(x.as_complete(), None);
        assert_eq!(format!("{x:?}"), "[Some(1.0), Some(2.0), Some(3.0), None, Some(5.0), Some(6.0)]");
    }

    #[test]
    fn select_keeps_or_drops_validity() {
        let x = Numbers::from(vec![Some(1.0), None, Some(3.0), None]);
        let picked = x.select(&[2, 0, 2]);
        assert!(picked.all_valid(), "no missing cell selected, so no validity flags");
        assert_eq!(picked.as_complete(), Some(&[3.0, 1.0, 3.0][..]));
        assert_eq!(x.select(&[3, 2]), Numbers::from(vec![None, Some(3.0)]));
        assert_eq!(x.select(&[]), Numbers::default());
    }

    #[test]
    fn equality_ignores_storage_and_nan_is_a_present_value() {
        let a = Numbers::from(vec![Some(1.0), Some(2.0)]);
        let b = Numbers::from(vec![1.0, 2.0]);
        assert_eq!(a, b);
        assert_ne!(a, Numbers::from(vec![Some(1.0), None]));
        assert_ne!(a, Numbers::from(vec![Some(1.0)]));
        let nan = Numbers::from(vec![f64::NAN]);
        assert!(nan.all_valid());
        assert_eq!(nan.get(0).map(f64::is_nan), Some(true));
        assert_eq!(Numbers::from(vec![None, None]).null_count(), 2);
    }
}
