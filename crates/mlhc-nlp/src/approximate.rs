//! Approximate concept matching by character 3-gram similarity, in the manner of QuickUMLS.
//!
//! Terms and text spans are compared in the normalized form of [`crate::lexicon::normalize`] (lower
//! case, tokens joined by one space). Each string is described by its character 3-grams, without
//! begin/end marks and counted as a multiset (a repeated 3-gram is a second, distinct feature), which
//! is how the SimString database of QuickUMLS is written (`simstring.writer(path, 3, False, True)`:
//! 3-grams, no begin/end marks, Unicode). With `X` the features of a span and `Y` those of a term:
//!
//! | measure | similarity |
//! |---|---|
//! | [`Similarity::Jaccard`] | \|X∩Y\| / \|X∪Y\| |
//! | [`Similarity::Dice`] | 2\|X∩Y\| / (\|X\| + \|Y\|) |
//! | [`Similarity::Cosine`] | \|X∩Y\| / √(\|X\|·\|Y\|) |
//! | [`Similarity::Overlap`] | \|X∩Y\| / min(\|X\|, \|Y\|) |
//!
//! A span matches a term when the similarity reaches the threshold (QuickUMLS's defaults: Jaccard,
//! 0.7). Candidates come from an inverted index from 3-gram to terms, searched as in SimString
//! (Okazaki and Tsujii, 2010): term by term size `|Y|`, only sizes that can reach the threshold are
//! looked at; for each, candidates come from the postings of the `|X| − τ + 1` rarest features of the
//! span, where `τ` is the least overlap the threshold requires at that size, and the other features
//! are probed by binary search, dropping a candidate as soon as it can no longer reach `τ` (CPMerge).
//! The overlap so counted is exact, so the similarity reported is exact. Two deliberate differences from
//! the SimString build QuickUMLS uses (`bench/nlp/simstring.sh` checks both term by term): a 3-gram
//! repeated in the span counts only as often as the term holds it (SimString's Unicode mode counts it
//! once per occurrence in the span), and a similarity exactly at the threshold matches (SimString's
//! floating-point overlap bound can miss it). On the 66,000-term
//! ICD-10-CM lexicon this annotates about 170 two-kilobyte notes a second on one core (exact
//! matching alone: several thousand; see `bench/nlp/README.md`).
//!
//! Spans are runs of 1 to `window` tokens inside one sentence, at least `min_chars` characters long,
//! that start and end on a word that is not a stop word ([`STOP_WORDS`]) — so `no pneumonia` is not a
//! span and a negation trigger is never swallowed by a target. Overlapping matches are resolved as
//! QuickUMLS's default `score` criterion does: the higher similarity wins, then the longer span, then
//! the leftmost.

use std::collections::HashMap;
use std::ops::Range;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{NlpError, Result};
use crate::lexicon::{normalize, Lexicon};
use crate::sentence::Sentence;
use crate::token::Token;

/// Words that may not start or end an approximate span.
pub const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "had", "has", "have", "he", "her", "his", "in",
    "is", "it", "its", "no", "nor", "not", "of", "on", "or", "she", "that", "the", "their", "this", "to", "was",
    "were", "with", "without",
];

/// The similarity measure between two 3-gram multisets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Similarity {
    /// |X∩Y| / |X∪Y| (QuickUMLS's default).
    Jaccard,
    /// 2|X∩Y| / (|X| + |Y|).
    Dice,
    /// |X∩Y| / √(|X|·|Y|).
    Cosine,
    /// |X∩Y| / min(|X|, |Y|).
    Overlap,
}

impl FromStr for Similarity {
    type Err = NlpError;

    fn from_str(s: &str) -> Result<Similarity> {
        match s.to_ascii_lowercase().as_str() {
            "jaccard" => Ok(Similarity::Jaccard),
            "dice" => Ok(Similarity::Dice),
            "cosine" => Ok(Similarity::Cosine),
            "overlap" => Ok(Similarity::Overlap),
            other => Err(NlpError::Resource {
                source_name: "similarity".to_string(),
                message: format!("unknown measure {other:?} (expected jaccard, dice, cosine or overlap)"),
            }),
        }
    }
}

impl Similarity {
    /// The similarity of feature sets of sizes `x` and `y` sharing `common` features.
    pub fn score(self, x: usize, y: usize, common: usize) -> f64 {
        if x == 0 || y == 0 {
            return 0.0;
        }
        let (x, y, c) = (x as f64, y as f64, common as f64);
        match self {
            Similarity::Jaccard => c / (x + y - c),
            Similarity::Dice => 2.0 * c / (x + y),
            Similarity::Cosine => c / (x * y).sqrt(),
            Similarity::Overlap => c / x.min(y),
        }
    }

    /// The range of term sizes that can reach threshold `t` against a span of `x` features.
    fn size_bounds(self, x: usize, t: f64) -> (usize, usize) {
        const EPS: f64 = 1e-9;
        let xf = x as f64;
        let (lo, hi) = match self {
            Similarity::Jaccard => (t * xf, xf / t),
            Similarity::Dice => (t * xf / (2.0 - t), (2.0 - t) * xf / t),
            Similarity::Cosine => (t * t * xf, xf / (t * t)),
            Similarity::Overlap => (1.0, f64::INFINITY),
        };
        let lo = ((lo - EPS).ceil().max(1.0)) as usize;
        let hi = if hi.is_finite() { (hi + EPS).floor() as usize } else { usize::MAX };
        (lo, hi)
    }

    /// The least number of shared features for threshold `t` between sizes `x` and `y`.
    fn min_overlap(self, x: usize, y: usize, t: f64) -> usize {
        let (xf, yf) = (x as f64, y as f64);
        let v = match self {
            Similarity::Jaccard => t * (xf + yf) / (1.0 + t),
            Similarity::Dice => t * (xf + yf) / 2.0,
            Similarity::Cosine => t * (xf * yf).sqrt(),
            Similarity::Overlap => t * xf.min(yf),
        };
        ((v - 1e-9).ceil().max(1.0)) as usize
    }
}

/// The 3-gram features of a normalized string: `(gram, occurrence)` pairs, where `occurrence`
/// numbers repeats of the same 3-gram from 0. Strings of fewer than three characters have none.
pub fn trigram_features(normalized: &str) -> Vec<([char; 3], u32)> {
    let chars: Vec<char> = normalized.chars().collect();
    let mut seen: HashMap<[char; 3], u32> = HashMap::new();
    chars
        .windows(3)
        .map(|w| {
            let g = [w[0], w[1], w[2]];
            let n = seen.entry(g).or_insert(0);
            *n += 1;
            (g, *n - 1)
        })
        .collect()
}

/// The similarity of two phrases (normalized first) under `measure`.
pub fn similarity(a: &str, b: &str, measure: Similarity) -> f64 {
    let (fa, fb) = (trigram_features(&normalize(a)), trigram_features(&normalize(b)));
    let set: std::collections::HashSet<&([char; 3], u32)> = fa.iter().collect();
    let common = fb.iter().filter(|f| set.contains(f)).count();
    measure.score(fa.len(), fb.len(), common)
}

/// Settings of approximate matching.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApproximateParams {
    /// The similarity measure. Default Jaccard.
    pub similarity: Similarity,
    /// The least similarity of a match, in (0, 1]. Default 0.7.
    pub threshold: f64,
    /// The longest span, in tokens. Default 5 (QuickUMLS's `window`).
    pub window: usize,
    /// The shortest span, in characters of its normalized form. Default 3 (QuickUMLS's
    /// `min_match_length`).
    pub min_chars: usize,
}

impl Default for ApproximateParams {
    fn default() -> Self {
        ApproximateParams { similarity: Similarity::Jaccard, threshold: 0.7, window: 5, min_chars: 3 }
    }
}

/// An approximate match: a token range, the lexicon term it resembles and how closely.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApproximateMatch {
    /// Token indices of the span.
    pub tokens: Range<usize>,
    /// Indices into [`Lexicon::entries`] of the matched term.
    pub entries: Vec<u32>,
    /// The similarity of the span to the term.
    pub similarity: f64,
}

/// One lexicon term found by [`ApproximateMatcher::search`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApproximateHit {
    /// The term, normalized.
    pub term: String,
    /// Indices into [`Lexicon::entries`] of the entries with this normalized term.
    pub entries: Vec<u32>,
    /// The similarity of the phrase to the term.
    pub similarity: f64,
}

/// The inverted 3-gram index of a lexicon's terms.
#[derive(Debug, Clone)]
pub struct ApproximateMatcher {
    params: ApproximateParams,
    feature_ids: HashMap<([char; 3], u32), u32>,
    /// For each feature, the terms holding it, sorted by (term size, term).
    postings: Vec<Vec<u32>>,
    /// For each feature, (term size, first index in its postings) for each size present, then a
    /// sentinel `(u32::MAX, postings length)`.
    size_table: Vec<Vec<(u32, u32)>>,
    /// The largest term size.
    max_size: usize,
    /// For each term, its sorted feature ids.
    term_features: Vec<Vec<u32>>,
    /// For each term, the lexicon entries it stands for.
    term_entries: Vec<Vec<u32>>,
    /// For each term, its normalized form.
    terms: Vec<String>,
}

impl ApproximateParams {
    /// Builds the 3-gram index of `lexicon`'s distinct normalized terms. Fails on a threshold
    /// outside (0, 1] or a zero window.
    pub fn fit(&self, lexicon: &Lexicon) -> Result<ApproximateMatcher> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(NlpError::Resource {
                source_name: "approximate matching".to_string(),
                message: format!("threshold must be in (0, 1], got {}", self.threshold),
            });
        }
        if self.window == 0 {
            return Err(NlpError::Resource {
                source_name: "approximate matching".to_string(),
                message: "window must be at least 1 token".to_string(),
            });
        }
        let mut feature_ids: HashMap<([char; 3], u32), u32> = HashMap::new();
        let mut term_features = Vec::with_capacity(lexicon.n_terms());
        let mut term_entries = Vec::with_capacity(lexicon.n_terms());
        let mut terms = Vec::with_capacity(lexicon.n_terms());
        let entries = lexicon.entries();
        for group in lexicon.term_entries() {
            let term = normalize(&entries[group[0] as usize].term);
            let mut ids: Vec<u32> = trigram_features(&term)
                .into_iter()
                .map(|f| {
                    let next = feature_ids.len() as u32;
                    *feature_ids.entry(f).or_insert(next)
                })
                .collect();
            ids.sort_unstable();
            term_features.push(ids);
            term_entries.push(group.clone());
            terms.push(term);
        }
        let mut postings: Vec<Vec<u32>> = vec![Vec::new(); feature_ids.len()];
        let mut order: Vec<u32> = (0..term_features.len() as u32).collect();
        order.sort_by_key(|&t| (term_features[t as usize].len(), t));
        for t in order {
            for &f in &term_features[t as usize] {
                postings[f as usize].push(t);
            }
        }
        let size_table: Vec<Vec<(u32, u32)>> = postings
            .iter()
            .map(|list| {
                let mut table: Vec<(u32, u32)> = Vec::new();
                for (i, &term) in list.iter().enumerate() {
                    let size = term_features[term as usize].len() as u32;
                    if table.last().is_none_or(|&(s, _)| s != size) {
                        table.push((size, i as u32));
                    }
                }
                table.push((u32::MAX, list.len() as u32));
                table
            })
            .collect();
        let max_size = term_features.iter().map(Vec::len).max().unwrap_or(0);
        Ok(ApproximateMatcher {
            params: self.clone(),
            feature_ids,
            postings,
            size_table,
            max_size,
            term_features,
            term_entries,
            terms,
        })
    }
}

impl ApproximateMatcher {
    /// The settings it was built with.
    pub fn params(&self) -> &ApproximateParams {
        &self.params
    }

    /// The best-scoring term for a normalized phrase, if any reaches the threshold: (term index,
    /// similarity). Ties go to the lower term index (the lexicon's order). `seen` has one stamp per
    /// term and `stamp` is a value not yet in it.
    fn best_term(&self, normalized: &str, seen: &mut [u32], stamp: u32) -> Option<(usize, f64)> {
        let mut best: Option<(usize, f64)> = None;
        self.each_term(normalized, seen, stamp, |c, s| {
            if best.is_none_or(|(b, bs)| s > bs || (s == bs && c < b)) {
                best = Some((c, s));
            }
        });
        best
    }

    /// Every lexicon term whose similarity to `phrase` (normalized first) reaches the threshold,
    /// most similar first (ties in the lexicon's order) — the lookup a SimString database answers.
    pub fn search(&self, phrase: &str) -> Vec<ApproximateHit> {
        let mut seen = vec![u32::MAX; self.term_features.len()];
        let mut hits: Vec<(usize, f64)> = Vec::new();
        self.each_term(&normalize(phrase), &mut seen, 0, |c, s| hits.push((c, s)));
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.into_iter()
            .map(|(c, similarity)| ApproximateHit {
                term: self.terms[c].clone(),
                entries: self.term_entries[c].clone(),
                similarity,
            })
            .collect()
    }

    /// Calls `found(term, similarity)` for every term reaching the threshold (each term once).
    fn each_term(&self, normalized: &str, seen: &mut [u32], stamp: u32, mut found: impl FnMut(usize, f64)) {
        let feats = trigram_features(normalized);
        let x = feats.len();
        if x == 0 {
            return;
        }
        let (measure, t) = (self.params.similarity, self.params.threshold);
        let (lo, hi) = measure.size_bounds(x, t);
        let hi = hi.min(self.max_size);
        if lo > hi {
            return;
        }
        let mut known: Vec<u32> = feats.iter().filter_map(|f| self.feature_ids.get(f).copied()).collect();
        known.sort_unstable();
        // For each term size y in [lo, hi], the non-empty posting slices of the span's features:
        // (length, start, feature).
        let mut per_size: Vec<Vec<(u32, u32, u32)>> = vec![Vec::new(); hi - lo + 1];
        for &f in &known {
            let table = &self.size_table[f as usize];
            let mut i = table.partition_point(|e| (e.0 as usize) < lo);
            while i + 1 < table.len() && (table[i].0 as usize) <= hi {
                per_size[table[i].0 as usize - lo].push((table[i + 1].1 - table[i].1, table[i].1, f));
                i += 1;
            }
        }
        for (k, lists) in per_size.iter_mut().enumerate() {
            let y = lo + k;
            let tau = measure.min_overlap(x, y, t);
            if tau > x.min(y) || lists.is_empty() {
                continue;
            }
            // Any term of size y sharing tau features with the span holds one of its x - tau + 1
            // rarest features (SimString's signature); features without postings are the rarest.
            let need = x - tau + 1;
            let empty = x - lists.len();
            if need <= empty {
                continue;
            }
            lists.sort_unstable();
            let sig = need - empty;
            // CPMerge (Okazaki and Tsujii, 2010): candidates from the signature lists with their hit
            // counts, then the other lists probed by binary search (postings of one size are sorted by
            // term), dropping a candidate as soon as it can no longer reach tau.
            let mut cands: Vec<(u32, usize)> = Vec::new();
            for &(len, start, f) in &lists[..sig] {
                for &c in &self.postings[f as usize][start as usize..(start + len) as usize] {
                    if seen[c as usize] != stamp {
                        seen[c as usize] = stamp;
                        cands.push((c, 0));
                    }
                }
            }
            for &(len, start, f) in &lists[..sig] {
                let slice = &self.postings[f as usize][start as usize..(start + len) as usize];
                for cand in cands.iter_mut() {
                    if slice.binary_search(&cand.0).is_ok() {
                        cand.1 += 1;
                    }
                }
            }
            for (j, &(len, start, f)) in lists.iter().enumerate().skip(sig) {
                let left = lists.len() - j;
                cands.retain(|c| c.1 + left >= tau);
                if cands.is_empty() {
                    break;
                }
                let slice = &self.postings[f as usize][start as usize..(start + len) as usize];
                for cand in cands.iter_mut() {
                    if slice.binary_search(&cand.0).is_ok() {
                        cand.1 += 1;
                    }
                }
            }
            for &(c, common) in &cands {
                let s = measure.score(x, y, common);
                if s + 1e-12 >= t {
                    found(c as usize, s);
                }
            }
        }
    }

    /// Finds approximate matches in a tokenized text (`lower` is its lower-cased copy), sentence by
    /// sentence, non-overlapping (see the module docs for the spans and the tie-breaking).
    pub fn find(&self, lower: &str, tokens: &[Token], sentences: &[Sentence]) -> Vec<ApproximateMatch> {
        select_non_overlapping(self.candidates(lower, tokens, sentences), tokens.len())
    }

    /// Every span reaching the threshold with its best term, overlapping ones included.
    pub fn candidates(&self, lower: &str, tokens: &[Token], sentences: &[Sentence]) -> Vec<ApproximateMatch> {
        let mut found: Vec<ApproximateMatch> = Vec::new();
        let mut seen = vec![u32::MAX; self.term_features.len()];
        let mut stamp = 0u32;
        let is_edge_word = |t: &Token| {
            let w = &lower[t.start..t.end];
            w.chars().any(char::is_alphanumeric) && !STOP_WORDS.contains(&w)
        };
        for sent in sentences {
            for s in sent.tokens.clone() {
                if !is_edge_word(&tokens[s]) {
                    continue;
                }
                let mut phrase = String::new();
                for e in s..(s + self.params.window).min(sent.tokens.end) {
                    if !phrase.is_empty() {
                        phrase.push(' ');
                    }
                    phrase.push_str(&lower[tokens[e].start..tokens[e].end]);
                    if !is_edge_word(&tokens[e]) || phrase.chars().count() < self.params.min_chars {
                        continue;
                    }
                    stamp += 1;
                    if let Some((term, sim)) = self.best_term(&phrase, &mut seen, stamp) {
                        found.push(ApproximateMatch {
                            tokens: s..e + 1,
                            entries: self.term_entries[term].clone(),
                            similarity: sim,
                        });
                    }
                }
            }
        }
        found
    }
}

/// Keeps non-overlapping matches: higher similarity first, then the longer span, then the leftmost;
/// the result is in text order.
pub fn select_non_overlapping(mut found: Vec<ApproximateMatch>, n_tokens: usize) -> Vec<ApproximateMatch> {
    found.sort_by(|a, b| {
        b.similarity
            .total_cmp(&a.similarity)
            .then((b.tokens.end - b.tokens.start).cmp(&(a.tokens.end - a.tokens.start)))
            .then(a.tokens.start.cmp(&b.tokens.start))
    });
    let mut taken = vec![false; n_tokens];
    let mut out = Vec::new();
    for m in found {
        if m.tokens.end > n_tokens || taken[m.tokens.clone()].iter().any(|&x| x) {
            continue;
        }
        taken[m.tokens.clone()].iter_mut().for_each(|x| *x = true);
        out.push(m);
    }
    out.sort_by_key(|m| m.tokens.start);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::LexiconEntry;
    use crate::pipeline::Doc;

    fn entry(term: &str, code: &str) -> LexiconEntry {
        LexiconEntry { term: term.into(), code: code.into(), label: "PROBLEM".into() }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn trigram_multisets() {
        let f = trigram_features("aaaa");
        assert_eq!(f, [(['a', 'a', 'a'], 0), (['a', 'a', 'a'], 1)]);
        assert!(trigram_features("ab").is_empty());
        // Normalization: case and spacing do not matter.
        close(similarity("Pressure   ULCER", "pressure ulcer", Similarity::Jaccard), 1.0);
    }

    /// Hand-counted 3-grams (no begin/end marks):
    /// - `ulcer` {ulc, lce, cer} vs `ulcers` {ulc, lce, cer, ers}: 3 shared of 3 and 4;
    /// - `diabetes mellitus` vs `diabetis mellitus`: 15 grams each, 12 shared (`ete tes "es "` vs
    ///   `eti tis "is "` differ);
    /// - `hypertension` vs `hypertention`: 10 grams each, 7 shared (hyp ype per ert rte ten ion);
    /// - `pneumonia` vs `pnuemonia`: 7 grams each, 3 shared (mon oni nia);
    /// - `pressure ulcer` (12 grams) vs `pressure ulcers` (13): 12 shared.
    #[test]
    fn golden_similarities() {
        let cases: [(&str, &str, [f64; 4]); 5] = [
            ("ulcers", "ulcer", [3.0 / 4.0, 6.0 / 7.0, 3.0 / 12f64.sqrt(), 1.0]),
            ("diabetis mellitus", "diabetes mellitus", [12.0 / 18.0, 24.0 / 30.0, 12.0 / 15.0, 12.0 / 15.0]),
            ("hypertention", "hypertension", [7.0 / 13.0, 14.0 / 20.0, 7.0 / 10.0, 7.0 / 10.0]),
            ("pnuemonia", "pneumonia", [3.0 / 11.0, 6.0 / 14.0, 3.0 / 7.0, 3.0 / 7.0]),
            ("pressure ulcers", "pressure ulcer", [12.0 / 13.0, 24.0 / 25.0, 12.0 / (12f64 * 13.0).sqrt(), 1.0]),
        ];
        let measures = [Similarity::Jaccard, Similarity::Dice, Similarity::Cosine, Similarity::Overlap];
        for (a, b, want) in cases {
            for (m, w) in measures.iter().zip(want) {
                close(similarity(a, b, *m), w);
                close(similarity(b, a, *m), w);
            }
        }
        assert_eq!("Dice".parse::<Similarity>().unwrap(), Similarity::Dice);
        assert!("levenshtein".parse::<Similarity>().is_err());
    }

    fn lexicon() -> Lexicon {
        Lexicon::new(vec![
            entry("diabetes mellitus", "E11"),
            entry("pressure ulcer", "L89"),
            entry("pneumonia", "J18.9"),
            entry("hypertension", "I10"),
        ])
        .unwrap()
    }

    fn matches(params: &ApproximateParams, text: &str) -> Vec<(String, String, f64)> {
        let lex = lexicon();
        let m = params.fit(&lex).unwrap();
        let doc = Doc::new(text);
        m.find(&doc.lower, &doc.tokens, &doc.sentences)
            .into_iter()
            .map(|a| {
                let (s, e) = (doc.tokens[a.tokens.start].start, doc.tokens[a.tokens.end - 1].end);
                (text[s..e].to_string(), lex.entries()[a.entries[0] as usize].code.clone(), a.similarity)
            })
            .collect()
    }

    #[test]
    fn misspellings_and_plurals_by_threshold() {
        let text = "Pt with diabetis mellitus and pressure ulcers. No pneumonia. Hypertention.";
        let jaccard = matches(&ApproximateParams::default(), text);
        // Jaccard 0.7: `diabetis mellitus` (0.667) and `hypertention` (0.538) fall short.
        assert_eq!(jaccard.len(), 2);
        assert_eq!((jaccard[0].0.as_str(), jaccard[0].1.as_str()), ("pressure ulcers", "L89"));
        close(jaccard[0].2, 12.0 / 13.0);
        assert_eq!((jaccard[1].0.as_str(), jaccard[1].1.as_str()), ("pneumonia", "J18.9"));
        close(jaccard[1].2, 1.0);
        let dice = matches(&ApproximateParams { similarity: Similarity::Dice, ..ApproximateParams::default() }, text);
        let got: Vec<(&str, &str)> = dice.iter().map(|(t, c, _)| (t.as_str(), c.as_str())).collect();
        assert_eq!(
            got,
            [("diabetis mellitus", "E11"), ("pressure ulcers", "L89"), ("pneumonia", "J18.9"), ("Hypertention", "I10")]
        );
        close(dice[0].2, 0.8);
        close(dice[1].2, 0.96);
        close(dice[3].2, 0.7);
        assert!(ApproximateParams { threshold: 0.0, ..ApproximateParams::default() }.fit(&lexicon()).is_err());
        assert!(ApproximateParams { threshold: 1.5, ..ApproximateParams::default() }.fit(&lexicon()).is_err());
    }

    /// The index finds exactly the best term a scan of every term finds.
    #[test]
    fn index_agrees_with_a_full_scan() {
        let entries: Vec<LexiconEntry> = crate::icd10cm::icd10cm_entries().unwrap().into_iter().take(1500).collect();
        let lex = Lexicon::new(entries).unwrap();
        let terms: Vec<String> =
            lex.term_entries().iter().map(|g| normalize(&lex.entries()[g[0] as usize].term)).collect();
        let queries = [
            "cholera due to vibrio cholerae",
            "typhoid fevers",
            "salmonela enteritis",
            "tuberculosis of lungs",
            "acute hepatitis a",
            "herpes zostr",
            "measles without complication",
            "zoster",
            "shigella",
        ];
        for measure in [Similarity::Jaccard, Similarity::Dice, Similarity::Cosine, Similarity::Overlap] {
            for t in [0.5, 0.8] {
                let m = ApproximateParams { similarity: measure, threshold: t, ..ApproximateParams::default() }
                    .fit(&lex)
                    .unwrap();
                for q in queries {
                    let mut best: Option<(usize, f64)> = None;
                    for (i, term) in terms.iter().enumerate() {
                        let s = similarity(q, term, measure);
                        if s + 1e-12 >= t && best.is_none_or(|(_, b)| s > b) {
                            best = Some((i, s));
                        }
                    }
                    let mut seen = vec![u32::MAX; terms.len()];
                    assert_eq!(m.best_term(q, &mut seen, 0), best, "{measure:?} {t} {q}");
                    // `search` returns every term reaching the threshold, as the scan does.
                    let mut all: Vec<(String, f64)> = terms
                        .iter()
                        .map(|term| (term.clone(), similarity(q, term, measure)))
                        .filter(|(_, s)| s + 1e-12 >= t)
                        .collect();
                    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                    let mut got: Vec<(String, f64)> = m.search(q).into_iter().map(|h| (h.term, h.similarity)).collect();
                    got.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                    assert_eq!(got.len(), all.len(), "{measure:?} {t} {q}");
                    for (g, w) in got.iter().zip(&all) {
                        assert_eq!(g.0, w.0);
                        close(g.1, w.1);
                    }
                }
            }
        }
    }
}
