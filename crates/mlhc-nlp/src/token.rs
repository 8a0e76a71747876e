//! Tokenization with byte offsets into the original text.
//!
//! A token is a maximal run of alphanumeric characters, or one single other non-space character
//! (punctuation, symbols). Whitespace separates tokens and is never part of one. This is close to
//! spaCy's English tokenizer on clinical text, with two deliberate simplifications: contractions are
//! split as spaCy splits them (`don't` → `do` `n't`) and hyphenated words are three tokens
//! (`s/p`, `x-ray`), the same for rule literals and for document text, so rules still match.

use serde::Serialize;

/// One token: a half-open byte range `[start, end)` of the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

/// Whether `c` continues a word token.
fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// Whether `rest` (starting at an apostrophe) is `'t` closing a word.
fn is_contraction_tail(rest: &str) -> bool {
    let mut chars = rest.chars();
    chars.next();
    matches!(chars.next(), Some('t' | 'T')) && !chars.next().is_some_and(is_word)
}

/// Splits `text` into tokens (see the module docs).
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 5 + 1);
    let mut word_start: Option<usize> = None;
    let mut skip_until = 0usize;
    for (i, c) in text.char_indices() {
        if i < skip_until {
            continue;
        }
        if is_word(c) {
            if word_start.is_none() {
                word_start = Some(i);
            }
            continue;
        }
        if let Some(s) = word_start.take() {
            // spaCy's contraction split: `doesn't` -> `does` `n't`.
            let rest = &text[i..];
            let before = &text[s..i];
            if c == '\'' && before.len() > 1 && before.ends_with(['n', 'N']) && is_contraction_tail(rest) {
                tokens.push(Token { start: s, end: i - 1 });
                tokens.push(Token { start: i - 1, end: i + 2 });
                skip_until = i + 2;
                continue;
            }
            tokens.push(Token { start: s, end: i });
        }
        if !c.is_whitespace() {
            tokens.push(Token { start: i, end: i + c.len_utf8() });
        }
    }
    if let Some(s) = word_start {
        tokens.push(Token { start: s, end: text.len() });
    }
    tokens
}

/// A lower-cased copy of `text` with the same byte offsets.
///
/// Characters whose lower case has a different UTF-8 length (a handful outside Latin-1, such as
/// `İ`) are kept as they are, so every offset into the copy is an offset into the original.
pub fn lowercase_same_offsets(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let mut lower = c.to_lowercase();
        match (lower.next(), lower.next()) {
            (Some(l), None) if l.len_utf8() == c.len_utf8() => out.push(l),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| &text[t.start..t.end]).collect()
    }

    #[test]
    fn splits_words_and_punctuation() {
        assert_eq!(words("No h/o CHF, r/o MI."), ["No", "h", "/", "o", "CHF", ",", "r", "/", "o", "MI", "."]);
        assert_eq!(words("  **NAME[AAA]  "), ["*", "*", "NAME", "[", "AAA", "]"]);
        assert_eq!(words(""), Vec::<&str>::new());
        assert_eq!(words("doesn't, can't'"), ["does", "n't", ",", "ca", "n't", "'"]);
        assert_eq!(words("n'tx o'neil"), ["n", "'", "tx", "o", "'", "neil"]);
        assert_eq!(words("fièvre élevée"), ["fièvre", "élevée"]);
    }

    #[test]
    fn lowercase_keeps_offsets() {
        let s = "İstanbul ÉCHO";
        let l = lowercase_same_offsets(s);
        assert_eq!(l.len(), s.len());
        assert!(l.ends_with("écho"));
    }
}
