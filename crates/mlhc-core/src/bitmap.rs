/// A packed validity bitmap: bit `i` set means entry `i` is present.
///
/// Used for nullable columns (event times, numeric values) so that "not measured" is never encoded as
/// a sentinel value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bitmap {
    words: Vec<u64>,
    len: usize,
}

impl Bitmap {
    /// A bitmap of `len` entries, all unset.
    pub fn new_unset(len: usize) -> Self {
        Self { words: vec![0; len.div_ceil(64)], len }
    }

    /// A bitmap of `len` entries, all set.
    pub fn new_set(len: usize) -> Self {
        let mut words = vec![u64::MAX; len.div_ceil(64)];
        let tail = len % 64;
        if tail != 0 {
            if let Some(last) = words.last_mut() {
                *last = (1u64 << tail) - 1;
            }
        }
        Self { words, len }
    }

    /// Builds a bitmap from booleans.
    pub fn from_bools(bits: impl IntoIterator<Item = bool>) -> Self {
        let mut out = Self::default();
        for b in bits {
            out.push(b);
        }
        out
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the bitmap has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether entry `i` is set. Panics if `i >= len`, like slice indexing.
    #[inline]
    pub fn get(&self, i: usize) -> bool {
        assert!(i < self.len, "bitmap index {i} out of range {}", self.len);
        (self.words[i / 64] >> (i % 64)) & 1 == 1
    }

    /// Sets entry `i` to `value`.
    #[inline]
    pub fn set(&mut self, i: usize, value: bool) {
        assert!(i < self.len, "bitmap index {i} out of range {}", self.len);
        let mask = 1u64 << (i % 64);
        if value {
            self.words[i / 64] |= mask;
        } else {
            self.words[i / 64] &= !mask;
        }
    }

    /// Appends one entry.
    #[inline]
    pub fn push(&mut self, value: bool) {
        if self.len % 64 == 0 {
            self.words.push(0);
        }
        self.len += 1;
        let i = self.len - 1;
        if value {
            self.words[i / 64] |= 1u64 << (i % 64);
        }
    }

    /// Appends `n` copies of `value`.
    pub fn extend_constant(&mut self, n: usize, value: bool) {
        if !value {
            let new_len = self.len + n;
            self.words.resize(new_len.div_ceil(64), 0);
            self.len = new_len;
            return;
        }
        for _ in 0..n {
            self.push(true);
        }
    }

    /// The number of set entries.
    pub fn count_set(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The number of set entries in `range`.
    pub fn count_set_in(&self, range: std::ops::Range<usize>) -> usize {
        range.filter(|&i| self.get(i)).count()
    }

    /// Iterates over all entries.
    pub fn iter(&self) -> impl Iterator<Item = bool> + '_ {
        (0..self.len).map(move |i| self.get(i))
    }

    /// The packed words, least significant bit first.
    pub fn words(&self) -> &[u64] {
        &self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_get_and_count_agree_with_bools() {
        let bools: Vec<bool> = (0..200).map(|i| i % 3 == 0 || i % 7 == 0).collect();
        let b = Bitmap::from_bools(bools.iter().copied());
        assert_eq!(b.len(), 200);
        assert_eq!(b.iter().collect::<Vec<_>>(), bools);
        assert_eq!(b.count_set(), bools.iter().filter(|&&x| x).count());
        assert_eq!(b.count_set_in(10..70), bools[10..70].iter().filter(|&&x| x).count());
    }

    #[test]
    fn new_set_masks_tail_and_extend_constant_appends() {
        let mut b = Bitmap::new_set(70);
        assert_eq!(b.count_set(), 70);
        b.extend_constant(5, false);
        b.extend_constant(3, true);
        assert_eq!(b.len(), 78);
        assert_eq!(b.count_set(), 73);
        assert!(!b.get(72));
        assert!(b.get(77));
    }
}
