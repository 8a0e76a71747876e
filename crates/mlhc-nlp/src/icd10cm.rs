//! The default open lexicon: ICD-10-CM code descriptions and inclusion terms.
//!
//! Built from the CDC/NCHS tabular list XML (FY2026, public domain), embedded gzipped in the crate.
//! Every `<diag>` contributes its `<desc>` and its `<inclusionTerm>` and `<includes>` notes as terms for its code
//! (`I10`, `E11.9`); each term also yields variants without parenthesized words
//! (`Essential (primary) hypertension` → `Essential hypertension`) and without a trailing
//! `, unspecified …` qualifier, since notes rarely spell those out.

use std::io::Read;

use crate::error::{NlpError, Result};
use crate::lexicon::LexiconEntry;

/// The embedded ICD-10-CM tabular list (gzipped XML).
const TABULAR_GZ: &[u8] = include_bytes!("../data/icd10cm-tabular-2026.xml.gz");

/// The label given to ICD-10-CM targets.
pub const ICD10CM_LABEL: &str = "PROBLEM";

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.trim().to_string();
    }
    s.trim()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn without_parentheses(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn push_variants(out: &mut Vec<LexiconEntry>, term: &str, code: &str) {
    let mut add = |t: &str| {
        let t = t.trim().trim_end_matches(',').trim();
        if t.len() >= 3
            && t.chars().any(char::is_alphabetic)
            && !out.last().is_some_and(|e| e.term == t && e.code == code)
        {
            out.push(LexiconEntry { term: t.to_string(), code: code.to_string(), label: ICD10CM_LABEL.to_string() });
        }
    };
    add(term);
    let bare = without_parentheses(term);
    if bare != term {
        add(&bare);
    }
    if let Some(i) = bare.find(", unspecified") {
        add(&bare[..i]);
    }
}

/// Parses a tabular-list XML text into lexicon entries (see the module docs).
pub fn parse_tabular_xml(xml: &str) -> Vec<LexiconEntry> {
    let mut out = Vec::new();
    // One frame per open <diag>: its code and whether its description was read.
    let mut stack: Vec<(String, bool)> = Vec::new();
    let mut in_inclusion = false;
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt..];
        let Some(gt) = rest.find('>') else { break };
        let tag = &rest[1..gt];
        let after = &rest[gt + 1..];
        let content = || after.find('<').map(|e| &after[..e]).unwrap_or("");
        match tag {
            "diag" => stack.push((String::new(), false)),
            "/diag" => {
                stack.pop();
            }
            "name" => {
                if let Some(top) = stack.last_mut() {
                    if top.0.is_empty() {
                        top.0 = content().trim().to_string();
                    }
                }
            }
            "desc" => {
                if let Some(top) = stack.last_mut() {
                    if !top.1 && !top.0.is_empty() {
                        top.1 = true;
                        let code = top.0.clone();
                        push_variants(&mut out, &unescape(content()), &code);
                    }
                }
            }
            "inclusionTerm" | "includes" => in_inclusion = true,
            "/inclusionTerm" | "/includes" => in_inclusion = false,
            "note" if in_inclusion => {
                if let Some(top) = stack.last() {
                    if !top.0.is_empty() {
                        push_variants(&mut out, &unescape(content()), &top.0.clone());
                    }
                }
            }
            _ => {}
        }
        rest = after;
    }
    out
}

/// The default ICD-10-CM lexicon entries from the embedded tabular list.
pub fn icd10cm_entries() -> Result<Vec<LexiconEntry>> {
    let mut xml = String::new();
    flate2::read::GzDecoder::new(TABULAR_GZ).read_to_string(&mut xml).map_err(|e| NlpError::Resource {
        source_name: "embedded ICD-10-CM tabular list".to_string(),
        message: e.to_string(),
    })?;
    Ok(parse_tabular_xml(&xml))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_diags_and_inclusion_terms() {
        let xml = "<chapter><diag><name>I10</name><desc>Essential (primary) hypertension</desc>\
            <includes><note>High blood pressure</note></includes>\
            <diag><name>I10.1</name><desc>Child &amp; more, unspecified</desc></diag>\
            <excludes1><note>not me</note></excludes1></diag></chapter>";
        let e = parse_tabular_xml(xml);
        let got: Vec<(&str, &str)> = e.iter().map(|e| (e.term.as_str(), e.code.as_str())).collect();
        assert_eq!(
            got,
            [
                ("Essential (primary) hypertension", "I10"),
                ("Essential hypertension", "I10"),
                ("High blood pressure", "I10"),
                ("Child & more, unspecified", "I10.1"),
                ("Child & more", "I10.1"),
            ]
        );
    }
}
