//! Sentence splitting for clinical text.
//!
//! Rules, applied between consecutive tokens (see [`split_sentences`]):
//! - a blank line always ends a sentence;
//! - `.`, `!` or `?` followed by whitespace and a token that does not start with a lower-case letter
//!   ends a sentence, unless the period closes a known abbreviation (`Dr.`, `e.g.`, `vs.`), a single
//!   letter (an initial), or a list number at the start of a line (`1. Colon cancer`);
//! - nothing inside square brackets ends a sentence, so de-identification tags such as
//!   `**NAME[AAA, BBB M.]` stay whole;
//! - a line break ends a sentence when the previous line ends with `:` (a header on its own line), or
//!   when the next line starts a list item (`1.`, `2)`, `-`, `•`) or a header (`Past Medical History:`);
//! - any other single line break is a wrapped line and does not end a sentence.

use std::ops::Range;

use serde::Serialize;

use crate::token::Token;

/// A sentence: a byte range of the text and the range of token indices it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sentence {
    /// Byte offset of the sentence's first token.
    pub start: usize,
    /// Byte offset one past its last token.
    pub end: usize,
    /// Indices into the token list.
    pub tokens: Range<usize>,
}

/// Lower-case abbreviations that are usually followed by a period inside a sentence.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "prof", "st", "vs", "etc", "approx", "no", "fig", "pt", "pts", "hx", "dx", "tx", "sx",
    "rx", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
];

fn tok<'a>(text: &'a str, t: &Token) -> &'a str {
    &text[t.start..t.end]
}

fn first_char(s: &str) -> char {
    s.chars().next().unwrap_or(' ')
}

/// Whether the token at `i` is the first token on its line.
fn starts_line(text: &str, tokens: &[Token], i: usize) -> bool {
    let prev_end = if i == 0 { 0 } else { tokens[i - 1].end };
    i == 0 || text[prev_end..tokens[i].start].contains('\n')
}

/// Whether the line starting at token `i` is a list item: `1.`, `12)`, `-`, `•`.
fn is_list_item(text: &str, tokens: &[Token], i: usize) -> bool {
    let t = tok(text, &tokens[i]);
    if t == "-" || t == "•" {
        return true;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) && t.len() <= 3 {
        if let Some(n) = tokens.get(i + 1) {
            let s = tok(text, n);
            return (s == "." || s == ")") && n.start == tokens[i].end;
        }
    }
    false
}

/// Whether the line starting at token `i` opens with a header: up to six capitalized words then `:`.
fn is_header_line(text: &str, tokens: &[Token], i: usize) -> bool {
    for (k, t) in tokens.iter().enumerate().skip(i).take(7) {
        let s = tok(text, t);
        if k > i && text[tokens[k - 1].end..t.start].contains('\n') {
            return false;
        }
        if s == ":" {
            return k > i;
        }
        let c = first_char(s);
        let ok = c.is_uppercase() || s == "/" || s == "&" || (k > i && (s == "of" || s == "and" || s == "or"));
        if !ok {
            return false;
        }
    }
    false
}

/// Whether a sentence boundary falls between tokens `i` and `i + 1`.
fn boundary_after(text: &str, tokens: &[Token], i: usize, depth: usize) -> bool {
    let gap = &text[tokens[i].end..tokens[i + 1].start];
    let newlines = gap.bytes().filter(|&b| b == b'\n').count();
    if newlines >= 2 {
        return true;
    }
    if depth > 0 {
        return false;
    }
    let cur = tok(text, &tokens[i]);
    let next = tok(text, &tokens[i + 1]);
    if newlines == 1 && (cur == ":" || is_list_item(text, tokens, i + 1) || is_header_line(text, tokens, i + 1)) {
        return true;
    }
    if gap.is_empty() {
        return false;
    }
    match cur {
        "!" | "?" => true,
        "." => {
            if first_char(next).is_lowercase() {
                return false;
            }
            if i == 0 {
                return true;
            }
            let prev = &tokens[i - 1];
            if prev.end != tokens[i].start {
                return true;
            }
            let p = tok(text, prev);
            if p.chars().all(char::is_alphabetic) {
                let lower = p.to_ascii_lowercase();
                if p.chars().count() == 1 || ABBREVIATIONS.contains(&lower.as_str()) {
                    return false;
                }
            }
            // A list number such as `1.` at the start of a line.
            !(p.bytes().all(|b| b.is_ascii_digit()) && starts_line(text, tokens, i - 1))
        }
        _ => false,
    }
}

/// Splits tokenized `text` into sentences (rules in the module docs). Empty text has no sentences.
pub fn split_sentences(text: &str, tokens: &[Token]) -> Vec<Sentence> {
    let mut out = Vec::new();
    if tokens.is_empty() {
        return out;
    }
    let mut first = 0usize;
    let mut depth = 0usize;
    for i in 0..tokens.len() {
        match tok(text, &tokens[i]) {
            // Brackets never span a blank line, so a stray `[` cannot swallow the rest of a note.
            "[" => depth = (depth + 1).min(4),
            "]" => depth = depth.saturating_sub(1),
            _ => {}
        }
        if i + 1 == tokens.len() {
            break;
        }
        if boundary_after(text, tokens, i, depth) {
            out.push(Sentence { start: tokens[first].start, end: tokens[i].end, tokens: first..i + 1 });
            first = i + 1;
            depth = 0;
        }
    }
    let last = tokens.len() - 1;
    out.push(Sentence { start: tokens[first].start, end: tokens[last].end, tokens: first..tokens.len() });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::tokenize;

    fn split(text: &str) -> Vec<&str> {
        let t = tokenize(text);
        split_sentences(text, &t).iter().map(|s| &text[s.start..s.end]).collect()
    }

    #[test]
    fn periods_and_abbreviations() {
        assert_eq!(
            split("Seen by Dr. Smith today. No fever. BP 120/80 at 2 p.m. today."),
            ["Seen by Dr. Smith today.", "No fever.", "BP 120/80 at 2 p.m. today."]
        );
        assert_eq!(split("Temp 38.5 noted. Lungs clear"), ["Temp 38.5 noted.", "Lungs clear"]);
        assert_eq!(split("Aspirin 81 mg. No bleeding."), ["Aspirin 81 mg.", "No bleeding."]);
    }

    #[test]
    fn deid_brackets_and_lists() {
        assert_eq!(
            split("Seen by **NAME[AAA M. BBB]. Stable.\n1. Colon cancer.\n2. Type II DM\n- HTN"),
            ["Seen by **NAME[AAA M. BBB].", "Stable.", "1. Colon cancer.", "2. Type II DM", "- HTN"]
        );
    }

    #[test]
    fn headers_and_wrapped_lines() {
        assert_eq!(
            split("Allergies:\nPenicillin\n\nHistory of Present Illness:\n74y female with a recent stroke affecting her\nspeech.\nPast Medical History:\nHTN"),
            [
                "Allergies:",
                "Penicillin",
                "History of Present Illness:",
                "74y female with a recent stroke affecting her\nspeech.",
                "Past Medical History:",
                "HTN"
            ]
        );
    }

    #[test]
    fn empty_and_blank() {
        assert!(split("").is_empty());
        assert!(split(" \n\n ").is_empty());
        assert_eq!(split("x"), ["x"]);
    }
}
