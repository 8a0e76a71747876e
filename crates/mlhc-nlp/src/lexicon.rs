//! Target (concept) matching over large lexicons with Aho–Corasick.
//!
//! Terms and text are compared in a normalized form: the tokens of [`crate::token::tokenize`],
//! lower-cased and joined by one space, so `Staph   Bacteremia` matches the term `staph bacteremia`
//! and `h/o` matches `h / o`. A match must start and end on token boundaries. Where matches overlap,
//! the longest wins (then the leftmost), so `congestive heart failure` beats `heart failure`.
//! All entries sharing a normalized term are reported on the same span.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{NlpError, Result};
use crate::token::{lowercase_same_offsets, tokenize, Token};

/// One lexicon entry: a phrase, the concept code it denotes, and a label (the target type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LexiconEntry {
    /// The phrase as written.
    pub term: String,
    /// The concept code (`I10`, a CUI, a SNOMED id).
    pub code: String,
    /// The target type used by ConText's `allowed_types` (`PROBLEM`).
    pub label: String,
}

/// A compiled lexicon.
///
/// Terms are interned token by token, and the Aho–Corasick automaton runs over token ids written as
/// three bytes each rather than over characters: the automaton has about a third of the states
/// (115,000 terms build in well under a second), every match is token-aligned by construction (a match
/// counts only when it starts at a multiple of three), and text tokens absent from every term become
/// one sentinel id that no pattern contains.
#[derive(Debug, Clone)]
pub struct Lexicon {
    entries: Vec<LexiconEntry>,
    /// For each Aho–Corasick pattern (a distinct normalized term), the entries it stands for.
    pattern_entries: Vec<Vec<u32>>,
    matcher: AhoCorasick,
    /// Lower-case token → id (below [`UNKNOWN_TOKEN`]).
    token_ids: HashMap<String, u32>,
}

/// The id of text tokens that occur in no term.
const UNKNOWN_TOKEN: u32 = 0x00FF_FFFF;

fn push_id(out: &mut Vec<u8>, id: u32) {
    out.extend_from_slice(&id.to_be_bytes()[1..]);
}

/// A lexicon match: the token range and the entries of the matched term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermMatch {
    /// Token indices of the match.
    pub tokens: std::ops::Range<usize>,
    /// Indices into [`Lexicon::entries`].
    pub entries: Vec<u32>,
}

/// The normalized form of a phrase (see the module docs).
pub fn normalize(phrase: &str) -> String {
    let lower = lowercase_same_offsets(phrase);
    let mut out = String::with_capacity(lower.len());
    for t in tokenize(&lower) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&lower[t.start..t.end]);
    }
    out
}

impl Lexicon {
    /// Compiles `entries`. Entries whose term has no tokens are an error naming the entry.
    pub fn new(entries: Vec<LexiconEntry>) -> Result<Lexicon> {
        let err = |index: usize, message: String| NlpError::Rule { source_name: "lexicon".to_string(), index, message };
        let mut token_ids: HashMap<String, u32> = HashMap::new();
        let mut by_pattern: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut pattern_entries: Vec<Vec<u32>> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let lower = lowercase_same_offsets(&e.term);
            let mut bytes = Vec::with_capacity(lower.len());
            for t in tokenize(&lower) {
                let word = &lower[t.start..t.end];
                let id = match token_ids.get(word) {
                    Some(&id) => id,
                    None => {
                        let id = token_ids.len() as u32;
                        if id >= UNKNOWN_TOKEN {
                            return Err(err(i, format!("more than {UNKNOWN_TOKEN} distinct words in the lexicon")));
                        }
                        token_ids.insert(word.to_string(), id);
                        id
                    }
                };
                push_id(&mut bytes, id);
            }
            if bytes.is_empty() {
                return Err(err(i, format!("term {:?} has no tokens", e.term)));
            }
            let next = patterns.len() as u32;
            let id = *by_pattern.entry(bytes.clone()).or_insert(next);
            if id == next {
                patterns.push(bytes);
                pattern_entries.push(Vec::new());
            }
            pattern_entries[id as usize].push(i as u32);
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| NlpError::Resource { source_name: "lexicon".to_string(), message: e.to_string() })?;
        Ok(Lexicon { entries, pattern_entries, matcher, token_ids })
    }

    /// All entries, in the order given.
    pub fn entries(&self) -> &[LexiconEntry] {
        &self.entries
    }

    /// Number of distinct normalized terms.
    pub fn n_terms(&self) -> usize {
        self.pattern_entries.len()
    }

    /// For each distinct normalized term, the indices of the entries it stands for (at least one).
    pub fn term_entries(&self) -> &[Vec<u32>] {
        &self.pattern_entries
    }

    /// Finds the non-overlapping longest matches in a tokenized text (`lower` is its lower-cased copy).
    pub fn find(&self, lower: &str, tokens: &[Token]) -> Vec<TermMatch> {
        if tokens.is_empty() {
            return Vec::new();
        }
        let mut hay = Vec::with_capacity(3 * tokens.len());
        for t in tokens {
            push_id(&mut hay, self.token_ids.get(&lower[t.start..t.end]).copied().unwrap_or(UNKNOWN_TOKEN));
        }
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for m in self.matcher.find_overlapping_iter(&hay) {
            if m.start() % 3 == 0 {
                found.push((m.start() / 3, m.end() / 3, m.pattern().as_usize()));
            }
        }
        found.sort_by(|a, b| (b.1 - b.0, a.0).cmp(&(a.1 - a.0, b.0)));
        let mut taken = vec![false; tokens.len()];
        let mut out = Vec::new();
        for (s, e, p) in found {
            if taken[s..e].iter().any(|&x| x) {
                continue;
            }
            taken[s..e].iter_mut().for_each(|x| *x = true);
            out.push(TermMatch { tokens: s..e, entries: self.pattern_entries[p].clone() });
        }
        out.sort_by_key(|m| m.tokens.start);
        out
    }
}

/// Reads a tab-separated lexicon: `term<TAB>code[<TAB>label]` per line, an optional header line whose
/// first field is `term`, blank lines skipped. The label defaults to `default_label`.
pub fn parse_lexicon_tsv(text: &str, default_label: &str, source_name: &str) -> Result<Vec<LexiconEntry>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty()
            || (i == 0 && line.split('\t').next().is_some_and(|f| f.trim().eq_ignore_ascii_case("term")))
        {
            continue;
        }
        let f: Vec<&str> = line.split('\t').map(str::trim).collect();
        let err = |message: String| NlpError::Line { source_name: source_name.to_string(), line: i + 1, message };
        if f.len() < 2 || f.len() > 3 {
            return Err(err(format!("expected `term<TAB>code[<TAB>label]`, found {} fields", f.len())));
        }
        if f[0].is_empty() || f[1].is_empty() {
            return Err(err("empty term or code".to_string()));
        }
        let label = f.get(2).filter(|l| !l.is_empty()).copied().unwrap_or(default_label);
        out.push(LexiconEntry { term: f[0].to_string(), code: f[1].to_string(), label: label.to_string() });
    }
    Ok(out)
}

/// Reads a JSON lexicon: a list of `{"term", "code", "label"?}` objects.
pub fn parse_lexicon_json(text: &str, default_label: &str, source_name: &str) -> Result<Vec<LexiconEntry>> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| NlpError::Json { source_name: source_name.to_string(), message: e.to_string() })?;
    let list = v.as_array().ok_or_else(|| NlpError::Json {
        source_name: source_name.to_string(),
        message: "expected a list of {\"term\", \"code\", \"label\"} objects".to_string(),
    })?;
    list.iter()
        .enumerate()
        .map(|(i, e)| {
            let get = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
            let err = |message: String| NlpError::Rule { source_name: source_name.to_string(), index: i, message };
            Ok(LexiconEntry {
                term: get("term").ok_or_else(|| err("missing string field \"term\"".to_string()))?,
                code: get("code").ok_or_else(|| err("missing string field \"code\"".to_string()))?,
                label: get("label").unwrap_or_else(|| default_label.to_string()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(term: &str, code: &str) -> LexiconEntry {
        LexiconEntry { term: term.into(), code: code.into(), label: "PROBLEM".into() }
    }

    #[test]
    fn longest_match_on_token_boundaries() {
        let lex = Lexicon::new(vec![
            entry("heart failure", "I50"),
            entry("Congestive  heart failure", "I50.9"),
            entry("art", "X"),
            entry("h/o", "H"),
        ])
        .unwrap();
        let text = "Hx CONGESTIVE HEART\nFAILURE, heart failure; h / o art.";
        let lower = lowercase_same_offsets(text);
        let toks = tokenize(text);
        let got: Vec<(&str, &str)> = lex
            .find(&lower, &toks)
            .iter()
            .map(|m| {
                (
                    &text[toks[m.tokens.start].start..toks[m.tokens.end - 1].end],
                    lex.entries()[m.entries[0] as usize].code.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [("CONGESTIVE HEART\nFAILURE", "I50.9"), ("heart failure", "I50"), ("h / o", "H"), ("art", "X")]
        );
    }

    #[test]
    fn tsv_and_json() {
        let e =
            parse_lexicon_tsv("term\tcode\tlabel\nchf\tI50\n\nfever\tR50.9\tSYMPTOM\n", "PROBLEM", "l.tsv").unwrap();
        assert_eq!(
            e,
            [entry("chf", "I50"), LexiconEntry { term: "fever".into(), code: "R50.9".into(), label: "SYMPTOM".into() }]
        );
        assert_eq!(
            parse_lexicon_tsv("chf\n", "P", "l.tsv").unwrap_err().to_string(),
            "l.tsv: line 1: expected `term<TAB>code[<TAB>label]`, found 1 fields"
        );
        let j = parse_lexicon_json(r#"[{"term": "chf", "code": "I50"}]"#, "PROBLEM", "l.json").unwrap();
        assert_eq!(j, [entry("chf", "I50")]);
        assert!(parse_lexicon_json(r#"[{"term": "chf"}]"#, "P", "l.json").is_err());
        assert!(Lexicon::new(vec![entry("  ", "x")]).is_err());
    }
}
