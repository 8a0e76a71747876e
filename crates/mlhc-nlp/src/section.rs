//! Section detection from medspaCy's `section_patterns.json` rules.
//!
//! Each rule is a header phrase (`"Past Medical History:"`) and a category
//! (`past_medical_history`). Headers are matched case-insensitively on tokens, the longest header
//! winning where two overlap, as medspaCy's `Sectionizer` does with `phrase_matcher_attr="LOWER"`.
//! A section runs from its header to the next header; text before the first header has no section.
//! With [`HeaderPosition::Anywhere`] (medspaCy's default, `require_start_line=False`) a header phrase
//! counts wherever it occurs; [`HeaderPosition::LineStart`] only counts headers that open a line.

use serde::Serialize;
use serde_json::Value;

use crate::error::{NlpError, Result};
use crate::token::{lowercase_same_offsets, tokenize, Token};

/// One section rule: a header phrase and its category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionRule {
    /// The header phrase as written in the rule file.
    pub literal: String,
    /// The section category.
    pub category: String,
    tokens: Vec<String>,
}

/// Where a header phrase must occur to open a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderPosition {
    /// Anywhere in the text (medspaCy's default).
    #[default]
    Anywhere,
    /// Only as the first token of a line.
    LineStart,
}

/// A section found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The section category.
    pub category: String,
    /// Byte offset where the header starts.
    pub header_start: usize,
    /// Byte offset where the header ends.
    pub header_end: usize,
    /// Byte offset where the section ends (the next header, or the end of the text).
    pub end: usize,
}

/// A compiled set of section rules.
#[derive(Debug, Clone)]
pub struct Sectionizer {
    rules: Vec<SectionRule>,
    position: HeaderPosition,
    /// First header token → rules starting with it.
    index: std::collections::HashMap<String, Vec<usize>>,
}

/// Reads medspaCy's `section_patterns.json` (`{"section_rules": [{"literal", "category"}]}`).
/// Rules with a token `pattern` instead of a literal are rejected with the rule's index.
pub fn parse_section_rules_json(text: &str, source_name: &str) -> Result<Vec<SectionRule>> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| NlpError::Json { source_name: source_name.to_string(), message: e.to_string() })?;
    let list = root.get("section_rules").and_then(Value::as_array).ok_or_else(|| NlpError::Json {
        source_name: source_name.to_string(),
        message: "expected an object with a \"section_rules\" list".to_string(),
    })?;
    let err = |index: usize, message: String| NlpError::Rule { source_name: source_name.to_string(), index, message };
    let mut rules = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        if r.get("pattern").is_some_and(|p| !p.is_null()) {
            return Err(err(i, "token patterns in section rules are not supported; use \"literal\"".to_string()));
        }
        let literal = r
            .get("literal")
            .and_then(Value::as_str)
            .ok_or_else(|| err(i, "missing string field \"literal\"".to_string()))?;
        let category = r
            .get("category")
            .and_then(Value::as_str)
            .ok_or_else(|| err(i, "missing string field \"category\"".to_string()))?;
        let lower = lowercase_same_offsets(literal);
        let tokens: Vec<String> = tokenize(&lower).iter().map(|t| lower[t.start..t.end].to_string()).collect();
        if tokens.is_empty() {
            return Err(err(i, format!("header {literal:?} has no tokens")));
        }
        rules.push(SectionRule { literal: literal.to_string(), category: category.to_string(), tokens });
    }
    Ok(rules)
}

impl Sectionizer {
    /// Compiles `rules`; headers count where `position` allows.
    pub fn new(rules: Vec<SectionRule>, position: HeaderPosition) -> Sectionizer {
        let mut index: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
        for (r, rule) in rules.iter().enumerate() {
            index.entry(rule.tokens[0].clone()).or_default().push(r);
        }
        Sectionizer { rules, position, index }
    }

    /// The rules, in the order given.
    pub fn rules(&self) -> &[SectionRule] {
        &self.rules
    }

    /// Finds the sections of a tokenized text (`lower` is its lower-cased copy).
    pub fn sections(&self, text: &str, lower: &str, tokens: &[Token]) -> Vec<Section> {
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for pos in 0..tokens.len() {
            if self.position == HeaderPosition::LineStart {
                let before =
                    if pos == 0 { &text[..tokens[0].start] } else { &text[tokens[pos - 1].end..tokens[pos].start] };
                if pos > 0 && !before.contains('\n') {
                    continue;
                }
            }
            let Some(ids) = self.index.get(&lower[tokens[pos].start..tokens[pos].end]) else { continue };
            for &r in ids {
                let rule = &self.rules[r];
                let n = rule.tokens.len();
                if pos + n > tokens.len() {
                    continue;
                }
                if rule.tokens.iter().zip(&tokens[pos..pos + n]).all(|(w, t)| *w == lower[t.start..t.end]) {
                    found.push((pos, pos + n, r));
                }
            }
        }
        found.sort_by(|a, b| (b.1 - b.0, a.0, a.2).cmp(&(a.1 - a.0, b.0, b.2)));
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        let mut taken = vec![false; tokens.len()];
        for f in found {
            if !taken[f.0..f.1].iter().any(|&t| t) {
                taken[f.0..f.1].iter_mut().for_each(|t| *t = true);
                kept.push(f);
            }
        }
        kept.sort();
        let mut out: Vec<Section> = kept
            .iter()
            .map(|&(s, e, r)| Section {
                category: self.rules[r].category.clone(),
                header_start: tokens[s].start,
                header_end: tokens[e - 1].end,
                end: text.len(),
            })
            .collect();
        for i in 1..out.len() {
            out[i - 1].end = out[i].header_start;
        }
        out
    }
}

/// The index of the section containing byte `offset`, if any.
pub fn section_at(sections: &[Section], offset: usize) -> Option<usize> {
    let i = sections.partition_point(|s| s.header_start <= offset);
    (i > 0 && offset < sections[i - 1].end).then(|| i - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_headers_longest_first() {
        let rules = parse_section_rules_json(
            r#"{"section_rules": [{"literal": "History:", "category": "h"},
                {"literal": "Past Medical History:", "category": "past_medical_history"},
                {"literal": "Allergies", "category": "allergies"}]}"#,
            "s.json",
        )
        .unwrap();
        let text = "Allergies: none\nPast Medical History: HTN";
        let lower = lowercase_same_offsets(text);
        let toks = tokenize(text);
        let s = Sectionizer::new(rules.clone(), HeaderPosition::Anywhere).sections(text, &lower, &toks);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].category, "past_medical_history");
        assert_eq!(&text[s[0].header_start..s[0].end], "Allergies: none\n");
        assert_eq!(section_at(&s, text.len() - 1), Some(1));
        let text2 = "No known allergies.\nHistory: x";
        let lower2 = lowercase_same_offsets(text2);
        let t2 = tokenize(text2);
        let any = Sectionizer::new(rules.clone(), HeaderPosition::Anywhere).sections(text2, &lower2, &t2);
        let line = Sectionizer::new(rules, HeaderPosition::LineStart).sections(text2, &lower2, &t2);
        assert_eq!((any.len(), line.len()), (2, 1));
        assert_eq!(section_at(&line, 0), None);
    }
}
