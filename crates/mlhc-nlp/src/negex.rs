//! Evaluation on the NegEx test set format.
//!
//! Each row is a sentence, a target concept written in it (the test set upper-cases the concept's
//! occurrence), and a gold label. The concept is located by normalized token match, preferring an
//! occurrence written in upper case; ConText then asserts it within its sentence.

use serde::Serialize;

use crate::context::ConText;
use crate::error::{NlpError, Result};
use crate::pipeline::{assert_targets, Assertion, Doc};
use crate::token::{lowercase_same_offsets, tokenize};

/// One row of a NegEx-format test set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegexRow {
    /// 1-based line number in the file.
    pub line: usize,
    /// Report number (the first column).
    pub report: String,
    /// The target concept.
    pub concept: String,
    /// The sentence.
    pub sentence: String,
    /// The gold label: `Negated` (true) or `Affirmed` (false).
    pub negated: bool,
}

fn unquote(s: &str) -> String {
    let t = s.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].replace("\"\"", "\"")
    } else {
        t.to_string()
    }
}

/// Reads a NegEx-format TSV: `report<TAB>concept<TAB>sentence<TAB>Affirmed|Negated[<TAB>…]`, with an
/// optional header line (first field not a number). Sentences in double quotes are unquoted (`""` → `"`).
pub fn parse_negex_tsv(text: &str, source_name: &str) -> Result<Vec<NegexRow>> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let err = |message: String| NlpError::Line { source_name: source_name.to_string(), line: i + 1, message };
        if i == 0 && !f[0].trim().chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if f.len() < 4 {
            return Err(err(format!("expected at least 4 tab-separated fields, found {}", f.len())));
        }
        let negated = match f[3].trim().to_ascii_lowercase().as_str() {
            "negated" => true,
            "affirmed" => false,
            other => return Err(err(format!("label must be Affirmed or Negated, found {other:?}"))),
        };
        rows.push(NegexRow {
            line: i + 1,
            report: f[0].trim().to_string(),
            concept: unquote(f[1]),
            sentence: unquote(f[2]),
            negated,
        });
    }
    Ok(rows)
}

/// One row of the NegEx kit's temporality/experiencer file (`rsAnnotations-…tsv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextRow {
    /// 1-based line number in the file.
    pub line: usize,
    /// The target concept.
    pub concept: String,
    /// The sentence.
    pub sentence: String,
    /// Gold temporality: `Recent`, `Historical`, `Not particular` (as written).
    pub temporality: String,
    /// Gold experiencer: `Patient`, `Family member`, `Other` (as written).
    pub experiencer: String,
}

/// Reads the temporality/experiencer TSV: `line<TAB>concept<TAB>sentence<TAB>negation<TAB>temporality<TAB>experiencer`,
/// header line first.
pub fn parse_context_tsv(text: &str, source_name: &str) -> Result<Vec<ContextRow>> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 6 {
            return Err(NlpError::Line {
                source_name: source_name.to_string(),
                line: i + 1,
                message: format!("expected 6 tab-separated fields, found {}", f.len()),
            });
        }
        rows.push(ContextRow {
            line: i + 1,
            concept: unquote(f[1]),
            sentence: unquote(f[2]),
            temporality: f[4].trim().to_string(),
            experiencer: f[5].trim().to_string(),
        });
    }
    Ok(rows)
}

/// What mlhc says about one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowResult {
    /// Whether the concept was found in the sentence (a missing concept is predicted affirmed).
    pub found: bool,
    /// The assertion of the concept.
    pub assertion: Assertion,
}

/// Locates `concept` in `sentence` and asserts it with `ctx`.
pub fn assert_concept(ctx: &ConText, sentence: &str, concept: &str) -> RowResult {
    let doc = Doc::new(sentence);
    let lower_concept = lowercase_same_offsets(concept);
    let words: Vec<&str> = tokenize(&lower_concept).iter().map(|t| &lower_concept[t.start..t.end]).collect();
    let n = words.len();
    let mut best: Option<usize> = None;
    if n > 0 && doc.tokens.len() >= n {
        for s in 0..=doc.tokens.len() - n {
            let hit = words.iter().zip(&doc.tokens[s..s + n]).all(|(w, t)| *w == &doc.lower[t.start..t.end]);
            if !hit {
                continue;
            }
            let orig = &sentence[doc.tokens[s].start..doc.tokens[s + n - 1].end];
            let upper = !orig.chars().any(char::is_lowercase);
            if best.is_none() || upper {
                best = Some(s);
            }
            if upper {
                break;
            }
        }
    }
    match best {
        None => RowResult { found: false, assertion: Assertion::default() },
        Some(s) => {
            let a = assert_targets(ctx, &doc, &[(s..s + n, "TARGET")]);
            RowResult { found: true, assertion: a.into_iter().next().unwrap_or_default() }
        }
    }
}

/// Binary classification counts and scores (negated = positive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Scores {
    /// Negated in gold and prediction.
    pub tp: usize,
    /// Predicted negated, gold affirmed.
    pub fp: usize,
    /// Gold negated, predicted not.
    #[serde(rename = "fn")]
    pub fn_: usize,
    /// Affirmed in both.
    pub tn: usize,
    /// tp / (tp + fp), 0 when undefined.
    pub precision: f64,
    /// tp / (tp + fn), 0 when undefined.
    pub recall: f64,
    /// Harmonic mean of precision and recall, 0 when undefined.
    pub f1: f64,
    /// (tp + tn) / n, 0 when n = 0.
    pub accuracy: f64,
}

/// Scores predictions against gold labels (pairs of gold, predicted).
pub fn score(pairs: impl IntoIterator<Item = (bool, bool)>) -> Scores {
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    for (g, p) in pairs {
        match (g, p) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fn_ += 1,
            (false, false) => tn += 1,
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
    Scores { tp, fp, fn_, tn, precision, recall, f1, accuracy: ratio(tp + tn, tp + fp + fn_ + tn) }
}

/// Evaluates negation on `rows`: "possible" counts as not negated. Returns the scores and each row's result.
pub fn evaluate_negation(ctx: &ConText, rows: &[NegexRow]) -> (Scores, Vec<RowResult>) {
    let results: Vec<RowResult> = rows.iter().map(|r| assert_concept(ctx, &r.sentence, &r.concept)).collect();
    let s = score(rows.iter().zip(&results).map(|(r, p)| (r.negated, p.assertion.negated)));
    (s, results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_hand_counts() {
        let s = score([(true, true), (true, false), (false, true), (false, false), (false, false)]);
        assert_eq!((s.tp, s.fp, s.fn_, s.tn), (1, 1, 1, 2));
        assert!((s.f1 - 0.5).abs() < 1e-12);
        assert!((s.accuracy - 0.6).abs() < 1e-12);
        assert_eq!(score([]).f1, 0.0);
    }

    #[test]
    fn parses_rows_and_errors() {
        let rows = parse_negex_tsv(
            "Report No.\tConcept\tSentence\tNegation\n3\tair hunger\t\"Denies \"\"x\"\", or AIR HUNGER.\"\tNegated\n",
            "t",
        )
        .unwrap();
        assert_eq!(rows[0].sentence, "Denies \"x\", or AIR HUNGER.");
        assert!(rows[0].negated);
        assert_eq!(
            parse_negex_tsv("1\ta\tb\tMaybe\n", "t").unwrap_err().to_string(),
            "t: line 1: label must be Affirmed or Negated, found \"maybe\""
        );
    }
}
