//! Text features for downstream models: TF-IDF over token bags, and concept co-occurrence with lift.
//!
//! TF-IDF follows scikit-learn's `TfidfVectorizer` defaults (`smooth_idf=True`, `sublinear_tf=False`,
//! `norm="l2"`): idf(t) = ln((1 + n) / (1 + df(t))) + 1, a row is raw term counts × idf, scaled to unit
//! Euclidean norm; the vocabulary is sorted. Tokens are given by the caller (for example lower-cased
//! [`crate::token::tokenize`] words, or concept codes with their assertion).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// A fitted TF-IDF model: vocabulary and idf weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TfIdf {
    /// Sorted vocabulary.
    pub vocabulary: Vec<String>,
    /// idf weight of each vocabulary entry.
    pub idf: Vec<f64>,
}

/// A sparse row: (vocabulary index, value) in increasing index order.
pub type SparseRow = Vec<(usize, f64)>;

impl TfIdf {
    /// Learns the vocabulary and idf weights from `docs` (each a bag of tokens).
    pub fn fit<S: AsRef<str>>(docs: &[Vec<S>]) -> TfIdf {
        let mut df: BTreeMap<&str, usize> = BTreeMap::new();
        for d in docs {
            let unique: BTreeSet<&str> = d.iter().map(AsRef::as_ref).collect();
            for t in unique {
                *df.entry(t).or_default() += 1;
            }
        }
        let n = docs.len() as f64;
        let vocabulary: Vec<String> = df.keys().map(|t| t.to_string()).collect();
        let idf = df.values().map(|&c| ((1.0 + n) / (1.0 + c as f64)).ln() + 1.0).collect();
        TfIdf { vocabulary, idf }
    }

    /// The L2-normalized TF-IDF row of one document; tokens outside the vocabulary are ignored.
    pub fn transform<S: AsRef<str>>(&self, doc: &[S]) -> SparseRow {
        let mut counts: BTreeMap<usize, f64> = BTreeMap::new();
        for t in doc {
            if let Ok(i) = self.vocabulary.binary_search_by(|v| v.as_str().cmp(t.as_ref())) {
                *counts.entry(i).or_default() += 1.0;
            }
        }
        let mut row: SparseRow = counts.into_iter().map(|(i, c)| (i, c * self.idf[i])).collect();
        let norm = row.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        row
    }
}

/// Co-occurrence of two concepts across documents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoOccurrence {
    /// The first concept (the smaller in sort order).
    pub a: String,
    /// The second concept.
    pub b: String,
    /// Documents holding both.
    pub both: usize,
    /// Documents holding `a`.
    pub count_a: usize,
    /// Documents holding `b`.
    pub count_b: usize,
    /// Lift: P(a, b) / (P(a) P(b)) = both · n / (count_a · count_b), with document-level presence.
    pub lift: f64,
}

/// Every pair of concepts that occur together in at least `min_both` documents, with their lift,
/// sorted by decreasing lift (then by name). Each document is a set: repeats count once.
pub fn co_occurrence<S: AsRef<str>>(docs: &[Vec<S>], min_both: usize) -> Vec<CoOccurrence> {
    let n = docs.len();
    let mut single: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pairs: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in docs {
        let set: Vec<&str> = d.iter().map(AsRef::as_ref).collect::<BTreeSet<_>>().into_iter().collect();
        for (i, &a) in set.iter().enumerate() {
            *single.entry(a).or_default() += 1;
            for &b in &set[i + 1..] {
                *pairs.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut out: Vec<CoOccurrence> = pairs
        .into_iter()
        .filter(|&(_, both)| both >= min_both.max(1))
        .map(|((a, b), both)| {
            let (ca, cb) = (single[a], single[b]);
            CoOccurrence {
                a: a.to_string(),
                b: b.to_string(),
                both,
                count_a: ca,
                count_b: cb,
                lift: (both * n) as f64 / (ca * cb) as f64,
            }
        })
        .collect();
    out.sort_by(|x, y| y.lift.total_cmp(&x.lift).then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tfidf_matches_scikit_learn() {
        // scikit-learn 1.5.2: TfidfVectorizer(analyzer=lambda d: d).fit_transform(docs)
        let docs = vec![
            vec!["chest", "pain", "no", "fever"],
            vec!["fever", "cough", "fever"],
            vec!["chest", "xray", "clear"],
            vec!["no", "cough"],
        ];
        let m = TfIdf::fit(&docs);
        assert_eq!(m.vocabulary, ["chest", "clear", "cough", "fever", "no", "pain", "xray"]);
        let idf = [
            1.510825623766,
            1.916290731874,
            1.510825623766,
            1.510825623766,
            1.510825623766,
            1.916290731874,
            1.916290731874,
        ];
        for (a, b) in m.idf.iter().zip(idf) {
            assert!((a - b).abs() < 1e-11, "{a} {b}");
        }
        let expect: [&[(usize, f64)]; 4] = [
            &[(0, 0.465808549369), (3, 0.465808549369), (4, 0.465808549369), (5, 0.590819080602)],
            &[(2, 0.4472135955), (3, 0.894427191)],
            &[(0, 0.486934264074), (1, 0.617614370976), (6, 0.617614370976)],
            &[(2, std::f64::consts::FRAC_1_SQRT_2), (4, std::f64::consts::FRAC_1_SQRT_2)],
        ];
        for (d, e) in docs.iter().zip(expect) {
            let row = m.transform(d);
            assert_eq!(row.len(), e.len());
            for ((i, v), (j, w)) in row.iter().zip(e) {
                assert_eq!(i, j);
                assert!((v - w).abs() < 1e-11, "{v} {w}");
            }
        }
        assert!(m.transform(&["unseen"]).is_empty());
    }

    #[test]
    fn lift_by_hand() {
        // 4 notes; chf and edema together in 2, chf in 2, edema in 3: lift = 2·4/(2·3) = 4/3.
        let docs = vec![vec!["chf", "edema", "edema"], vec!["chf", "edema"], vec!["edema"], vec!["copd"]];
        let c = co_occurrence(&docs, 1);
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].a.as_str(), c[0].b.as_str(), c[0].both, c[0].count_a, c[0].count_b),
            ("chf", "edema", 2, 2, 3)
        );
        assert!((c[0].lift - 4.0 / 3.0).abs() < 1e-15);
        assert!(co_occurrence(&docs, 3).is_empty());
        assert!(co_occurrence::<&str>(&[], 1).is_empty());
    }
}
