//! Lexicons from licensed vocabularies a user already holds: UMLS Metathesaurus files (`MRCONSO.RRF`
//! with `MRSTY.RRF`) and SNOMED CT RF2 description files (`sct2_Description_…txt`).
//!
//! mlhc ships no licensed content; these readers turn a user's own release into lexicon entries.
//! Both read line by line from any [`BufRead`], so a full Metathesaurus (millions of lines) streams
//! through without being held as text.
//!
//! **UMLS** (`MRCONSO.RRF`, pipe-separated: `CUI|LAT|TS|LUI|STT|SUI|ISPREF|AUI|SAUI|SCUI|SDUI|SAB|TTY|
//! CODE|STR|SRL|SUPPRESS|CVF|`): an entry per distinct (string, CUI) with `code` = the CUI. By default
//! only English strings (`LAT` = `ENG`) that are not suppressible (`SUPPRESS` = `N`) are kept, as a
//! concept extractor wants; [`UmlsOptions`] can restrict the sources (`SAB`) and, given `MRSTY.RRF`
//! (`CUI|TUI|STN|STY|ATUI|CVF|`), the semantic types (TUIs, QuickUMLS's `accepted_semtypes`). With
//! `MRSTY.RRF` the label is the concept's first semantic type name (`Disease or Syndrome`), so ConText
//! rules can be limited to it with `allowed_types`; without it, the default label.
//!
//! **SNOMED CT** (RF2 `sct2_Description_Snapshot…txt`, tab-separated with a header: `id effectiveTime
//! active moduleId conceptId languageCode typeId term caseSignificanceId`): an entry per distinct
//! active (term, conceptId) with `code` = the concept id. A fully specified name ends in its semantic
//! tag (`Heart failure (disorder)`): the tag is taken off the term and becomes the label of every
//! description of that concept (`disorder`); concepts without an active FSN get the default label.

use std::collections::{HashMap, HashSet};
use std::io::BufRead;

use crate::error::{NlpError, Result};
use crate::lexicon::LexiconEntry;

/// Which `MRCONSO.RRF` rows become lexicon entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UmlsOptions {
    /// Languages (`LAT`) kept. Default `["ENG"]`.
    pub languages: Vec<String>,
    /// Source vocabularies (`SAB`) kept; `None` keeps all. Default `None`.
    pub sources: Option<Vec<String>>,
    /// Semantic types (TUIs, e.g. `T047`) kept; `None` keeps all. Needs `MRSTY.RRF`.
    pub semantic_types: Option<Vec<String>>,
    /// Whether suppressible, obsolete and editor-suppressed strings (`SUPPRESS` ≠ `N`) are kept.
    /// Default `false`.
    pub include_suppressed: bool,
}

impl Default for UmlsOptions {
    fn default() -> Self {
        UmlsOptions {
            languages: vec!["ENG".to_string()],
            sources: None,
            semantic_types: None,
            include_suppressed: false,
        }
    }
}

/// The semantic types of each concept, from `MRSTY.RRF`: CUI → [(TUI, STY)], in file order.
pub type SemanticTypes = HashMap<String, Vec<(String, String)>>;

fn line_err(source_name: &str, line: usize, message: String) -> NlpError {
    NlpError::Line { source_name: source_name.to_string(), line, message }
}

/// Calls `each(line_number, line)` for every line of `reader` (1-based numbers), failing on I/O
/// errors and invalid UTF-8 with the line named.
fn for_each_line(
    reader: impl BufRead,
    source_name: &str,
    mut each: impl FnMut(usize, &str) -> Result<()>,
) -> Result<()> {
    let mut buf = Vec::new();
    let mut reader = reader;
    let mut number = 0;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| line_err(source_name, number + 1, format!("cannot read: {e}")))?;
        if n == 0 {
            return Ok(());
        }
        number += 1;
        let line = std::str::from_utf8(&buf)
            .map_err(|e| line_err(source_name, number, format!("not UTF-8 at byte {}", e.valid_up_to())))?;
        each(number, line.trim_end_matches(['\n', '\r']))?;
    }
}

/// Reads `MRSTY.RRF`.
pub fn parse_umls_mrsty(reader: impl BufRead, source_name: &str) -> Result<SemanticTypes> {
    let mut out: SemanticTypes = HashMap::new();
    for_each_line(reader, source_name, |number, line| {
        if line.is_empty() {
            return Ok(());
        }
        let f: Vec<&str> = line.split('|').collect();
        if f.len() < 4 || f[0].is_empty() || f[1].is_empty() {
            return Err(line_err(
                source_name,
                number,
                format!("expected `CUI|TUI|STN|STY|ATUI|CVF|`, found {} fields", f.len()),
            ));
        }
        out.entry(f[0].to_string()).or_default().push((f[1].to_string(), f[3].to_string()));
        Ok(())
    })?;
    Ok(out)
}

/// Reads `MRCONSO.RRF` into lexicon entries (see the module docs). `semantic_types` (from
/// [`parse_umls_mrsty`]) gives the labels and is required when `options.semantic_types` is set.
pub fn parse_umls_mrconso(
    reader: impl BufRead,
    source_name: &str,
    semantic_types: Option<&SemanticTypes>,
    options: &UmlsOptions,
    default_label: &str,
) -> Result<Vec<LexiconEntry>> {
    if options.semantic_types.is_some() && semantic_types.is_none() {
        return Err(NlpError::Resource {
            source_name: source_name.to_string(),
            message: "filtering by semantic type needs MRSTY.RRF".to_string(),
        });
    }
    let wanted_tuis: Option<HashSet<&str>> =
        options.semantic_types.as_ref().map(|t| t.iter().map(String::as_str).collect());
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut out = Vec::new();
    for_each_line(reader, source_name, |number, line| {
        if line.is_empty() {
            return Ok(());
        }
        let f: Vec<&str> = line.split('|').collect();
        if f.len() < 17 {
            return Err(line_err(
                source_name,
                number,
                format!("expected the 18 fields of MRCONSO.RRF (CUI|LAT|…|STR|SRL|SUPPRESS|CVF|), found {}", f.len()),
            ));
        }
        let (cui, lat, sab, term, suppress) = (f[0], f[1], f[11], f[14], f[16]);
        if cui.is_empty() {
            return Err(line_err(source_name, number, "empty CUI".to_string()));
        }
        if !options.languages.iter().any(|l| l == lat)
            || (!options.include_suppressed && suppress != "N")
            || options.sources.as_ref().is_some_and(|s| !s.iter().any(|x| x == sab))
            || term.trim().is_empty()
        {
            return Ok(());
        }
        let types = semantic_types.and_then(|m| m.get(cui));
        if let Some(wanted) = &wanted_tuis {
            if !types.is_some_and(|t| t.iter().any(|(tui, _)| wanted.contains(tui.as_str()))) {
                return Ok(());
            }
        }
        if seen.insert((term.to_string(), cui.to_string())) {
            let label = types.and_then(|t| t.first()).map_or(default_label, |(_, sty)| sty.as_str());
            out.push(LexiconEntry { term: term.to_string(), code: cui.to_string(), label: label.to_string() });
        }
        Ok(())
    })?;
    Ok(out)
}

/// The RF2 type id of a fully specified name.
const FSN_TYPE: &str = "900000000000003001";

/// Splits a fully specified name into its term and semantic tag: `Heart failure (disorder)` →
/// (`Heart failure`, `disorder`).
fn split_semantic_tag(fsn: &str) -> Option<(&str, &str)> {
    let fsn = fsn.trim_end();
    let body = fsn.strip_suffix(')')?;
    let open = body.rfind(" (")?;
    let tag = &body[open + 2..];
    (!tag.is_empty() && !tag.contains('(')).then(|| (&fsn[..open], tag))
}

/// Reads an RF2 description file (`sct2_Description_…txt`) into lexicon entries (see the module docs).
pub fn parse_snomed_descriptions(
    reader: impl BufRead,
    source_name: &str,
    default_label: &str,
) -> Result<Vec<LexiconEntry>> {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut tags: HashMap<String, String> = HashMap::new();
    let mut columns: Option<[usize; 4]> = None;
    for_each_line(reader, source_name, |number, line| {
        if line.is_empty() {
            return Ok(());
        }
        let f: Vec<&str> = line.split('\t').collect();
        let Some([active, concept, type_id, term]) = columns else {
            let find = |name: &str| f.iter().position(|c| *c == name);
            match (find("active"), find("conceptId"), find("typeId"), find("term")) {
                (Some(a), Some(c), Some(t), Some(s)) => columns = Some([a, c, t, s]),
                _ => {
                    return Err(line_err(
                        source_name,
                        number,
                        "expected the RF2 description header (id, effectiveTime, active, moduleId, conceptId, \
                         languageCode, typeId, term, caseSignificanceId)"
                            .to_string(),
                    ))
                }
            }
            return Ok(());
        };
        let need = active.max(concept).max(type_id).max(term);
        if f.len() <= need {
            return Err(line_err(
                source_name,
                number,
                format!("expected at least {} fields, found {}", need + 1, f.len()),
            ));
        }
        if f[active] != "1" || f[concept].is_empty() || f[term].trim().is_empty() {
            return Ok(());
        }
        let mut text = f[term];
        if f[type_id] == FSN_TYPE {
            if let Some((body, tag)) = split_semantic_tag(text) {
                tags.insert(f[concept].to_string(), tag.to_string());
                text = body;
            }
        }
        rows.push((text.to_string(), f[concept].to_string()));
        Ok(())
    })?;
    if columns.is_none() {
        return Err(line_err(source_name, 1, "empty file: expected the RF2 description header".to_string()));
    }
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut out = Vec::new();
    for (term, concept) in rows {
        if seen.insert((term.clone(), concept.clone())) {
            let label = tags.get(&concept).map_or(default_label, String::as_str).to_string();
            out.push(LexiconEntry { term, code: concept, label });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Rows in the MRCONSO.RRF / MRSTY.RRF layout of the UMLS Reference Manual (made-up AUIs and codes).
    const MRCONSO: &str = "\
C0018802|ENG|P|L0018802|PF|S0047240|Y|A0066369||||MSH|MH|D006333|Heart Failure|0|N||
C0018802|ENG|S|L0018803|PF|S0047241|N|A0066370||||SNOMEDCT_US|SY|84114007|cardiac failure|9|N||
C0018802|ENG|S|L0018803|PF|S0047241|N|A0066371||||MSH|ET|D006333|cardiac failure|0|N||
C0018802|FRE|P|L0018804|PF|S0047242|Y|A0066372||||MSHFRE|MH|D006333|Insuffisance cardiaque|3|N||
C0018802|ENG|S|L0018805|PF|S0047243|N|A0066373||||MSH|N1|D006333|heart failure, obsolete form|0|O||
C0015967|ENG|P|L0015967|PF|S0041231|Y|A0069871||||MSH|MH|D005334|Fever|0|N||
C0011849|ENG|P|L0011849|PF|S0028679|Y|A0066000||||SNOMEDCT_US|PT|73211009|Diabetes mellitus|9|N||
";
    const MRSTY: &str = "\
C0018802|T047|B2.2.1.2.1|Disease or Syndrome|AT32679370|256|
C0015967|T184|A2.2.2|Sign or Symptom|AT17581238|256|
C0011849|T047|B2.2.1.2.1|Disease or Syndrome|AT32650893|256|
";

    fn terms(e: &[LexiconEntry]) -> Vec<(&str, &str, &str)> {
        e.iter().map(|e| (e.term.as_str(), e.code.as_str(), e.label.as_str())).collect()
    }

    #[test]
    fn umls_english_unsuppressed_with_semantic_types() {
        let sty = parse_umls_mrsty(MRSTY.as_bytes(), "MRSTY.RRF").unwrap();
        let e = parse_umls_mrconso(MRCONSO.as_bytes(), "MRCONSO.RRF", Some(&sty), &UmlsOptions::default(), "PROBLEM")
            .unwrap();
        // French and the obsolete (SUPPRESS = O) string are left out; `cardiac failure` from two
        // sources is one entry.
        assert_eq!(
            terms(&e),
            [
                ("Heart Failure", "C0018802", "Disease or Syndrome"),
                ("cardiac failure", "C0018802", "Disease or Syndrome"),
                ("Fever", "C0015967", "Sign or Symptom"),
                ("Diabetes mellitus", "C0011849", "Disease or Syndrome"),
            ]
        );
        let only = UmlsOptions {
            sources: Some(vec!["SNOMEDCT_US".into()]),
            semantic_types: Some(vec!["T047".into()]),
            ..UmlsOptions::default()
        };
        let e = parse_umls_mrconso(MRCONSO.as_bytes(), "MRCONSO.RRF", Some(&sty), &only, "PROBLEM").unwrap();
        assert_eq!(
            terms(&e),
            [
                ("cardiac failure", "C0018802", "Disease or Syndrome"),
                ("Diabetes mellitus", "C0011849", "Disease or Syndrome")
            ]
        );
        // Without MRSTY: the default label; a semantic-type filter then is an error.
        let e =
            parse_umls_mrconso(MRCONSO.as_bytes(), "MRCONSO.RRF", None, &UmlsOptions::default(), "PROBLEM").unwrap();
        assert_eq!(e[0].label, "PROBLEM");
        assert!(parse_umls_mrconso(MRCONSO.as_bytes(), "MRCONSO.RRF", None, &only, "PROBLEM").is_err());
    }

    #[test]
    fn umls_errors_name_the_line() {
        let bad = "C0018802|ENG|P|L0018802|PF|S0047240|Y|A0066369||||MSH|MH|D006333|Heart Failure|0|N||\nC1|ENG|x\n";
        let err = parse_umls_mrconso(bad.as_bytes(), "MRCONSO.RRF", None, &UmlsOptions::default(), "P").unwrap_err();
        assert_eq!(
            err.to_string(),
            "MRCONSO.RRF: line 2: expected the 18 fields of MRCONSO.RRF (CUI|LAT|…|STR|SRL|SUPPRESS|CVF|), found 3"
        );
        let err = parse_umls_mrsty(&b"C1|T047|B|Disease|A|256|\n\xff\n"[..], "MRSTY.RRF").unwrap_err();
        assert_eq!(err.to_string(), "MRSTY.RRF: line 2: not UTF-8 at byte 0");
    }

    // Rows in the RF2 description layout (SNOMED CT Release File Specifications; made-up ids).
    const RF2: &str = "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\r
1\t20020131\t1\t900000000000207008\t84114007\ten\t900000000000003001\tHeart failure (disorder)\t900000000000448009\r
2\t20020131\t1\t900000000000207008\t84114007\ten\t900000000000013009\tHeart failure\t900000000000448009\r
3\t20020131\t1\t900000000000207008\t84114007\ten\t900000000000013009\tCardiac failure\t900000000000448009\r
4\t20020131\t0\t900000000000207008\t84114007\ten\t900000000000013009\tHF - Heart failure\t900000000000448009\r
5\t20020131\t1\t900000000000207008\t386661006\ten\t900000000000013009\tFever\t900000000000448009\r
";

    #[test]
    fn snomed_descriptions_take_the_semantic_tag_as_label() {
        let e = parse_snomed_descriptions(RF2.as_bytes(), "sct2_Description.txt", "PROBLEM").unwrap();
        // The FSN's tag is removed (its term duplicates the synonym), the inactive row is left out,
        // and a concept without an FSN in the file gets the default label.
        assert_eq!(
            terms(&e),
            [
                ("Heart failure", "84114007", "disorder"),
                ("Cardiac failure", "84114007", "disorder"),
                ("Fever", "386661006", "PROBLEM"),
            ]
        );
        assert_eq!(
            split_semantic_tag("Structure of (left) ear (body structure)"),
            Some(("Structure of (left) ear", "body structure"))
        );
        assert_eq!(split_semantic_tag("No tag"), None);
        let err = parse_snomed_descriptions(&b"a\tb\n"[..], "d.txt", "P").unwrap_err();
        assert!(err.to_string().starts_with("d.txt: line 1: expected the RF2 description header"), "{err}");
        assert!(parse_snomed_descriptions(&b""[..], "d.txt", "P").is_err());
    }
}
