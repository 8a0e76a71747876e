//! Rule-based de-identification: PHI spans by pattern, masked in the output.
//!
//! Categories and rules (all case-sensitive where capitalization carries the signal):
//! - `Date`: `03/12/2098`, `2098-03-12`, `Mar 12, 2098`, `12 March 2098`;
//! - `Phone`: `555-867-5309`, `(555) 867-5309`, `555.867.5309`;
//! - `Email`: `name@host.tld`;
//! - `Id`: a number of 5+ digits after `MRN`, `ID`, `Record Number`, `Account`, `#`, or any number of 7+ digits;
//! - `Age`: the number in `age 72`, `72 years old`, `72-year-old`, `72 yo`; by default only ages over 89
//!   (HIPAA Safe Harbor), all ages with [`AgePolicy::All`];
//! - `Name`: 1–3 capitalized words after a title (`Dr.`, `Mr.`, `Mrs.`, `Ms.`, `Patient`), or two or three
//!   capitalized words opening a sentence and followed by a lower-case word (`Tom Garcia presented`);
//! - `Location`: 1–3 capitalized words before `Hospital`, `Clinic`, `Medical Center`, `Medical`, `Center`
//!   (the whole phrase), and a capitalized word followed by a US state name (`Portland Oregon`).
//!
//! Output is masked (`[**Name**]`, [`Deidentifier::mask`]) or surrogate ([`Deidentifier::surrogate`]).
//!
//! There is no name dictionary, so names outside these contexts are missed; the rules are a baseline
//! that is evaluated, not a guarantee.

use regex::Regex;
use serde::Serialize;

/// A PHI category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum PhiCategory {
    /// Person names.
    Name,
    /// Calendar dates.
    Date,
    /// Telephone numbers.
    Phone,
    /// E-mail addresses.
    Email,
    /// Record numbers and other identifiers.
    Id,
    /// Ages (see [`AgePolicy`]).
    Age,
    /// Hospitals, clinics, cities.
    Location,
}

/// Which ages count as PHI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgePolicy {
    /// Ages over 89 only (HIPAA Safe Harbor).
    #[default]
    Over89,
    /// Every age.
    All,
}

/// A PHI span: byte range and category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PhiSpan {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// The category.
    pub category: PhiCategory,
}

/// Compiled de-identification rules.
#[derive(Debug, Clone)]
pub struct Deidentifier {
    rules: Vec<(Regex, PhiCategory, usize)>,
    ages: Vec<Regex>,
    age_policy: AgePolicy,
}

const STATES: &str = "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming";

impl Deidentifier {
    /// Compiles the rules of the module docs with `age_policy`.
    pub fn new(age_policy: AgePolicy) -> Deidentifier {
        let month = "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?";
        let cap = "[A-Z][a-z]+(?:-[A-Z][a-z]+)?";
        // (pattern, category, capture group holding the PHI; 0 = whole match)
        let specs: Vec<(String, PhiCategory, usize)> = vec![
            (r"\b\d{1,2}/\d{1,2}/\d{2,4}\b".into(), PhiCategory::Date, 0),
            (r"\b\d{4}-\d{1,2}-\d{1,2}\b".into(), PhiCategory::Date, 0),
            (format!(r"\b{month} \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}\b"), PhiCategory::Date, 0),
            (format!(r"\b\d{{1,2}} {month},? \d{{4}}\b"), PhiCategory::Date, 0),
            (r"(?:\(\d{3}\) ?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b".into(), PhiCategory::Phone, 0),
            (r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b".into(), PhiCategory::Email, 0),
            (r"(?:MRN|ID|[Rr]ecord [Nn]umber|[Aa]ccount|#)[:#]?\s*(\d{5,})\b".into(), PhiCategory::Id, 1),
            (r"\b(\d{7,})\b".into(), PhiCategory::Id, 1),
            (format!(r"\b(?:Dr|Mr|Mrs|Ms|Miss)\.? ((?:{cap})(?: {cap}){{0,2}})"), PhiCategory::Name, 1),
            (format!(r"\b[Pp]atient ((?:{cap})(?: {cap}){{0,2}})"), PhiCategory::Name, 1),
            (format!(r"(?:^|[.!?]\s+|\n)((?:{cap}) (?:{cap})(?: {cap})?) [a-z]"), PhiCategory::Name, 1),
            (
                format!(r"\b((?:{cap} ){{1,3}}(?:Hospital|Clinic|Medical Center|Medical|Center|Infirmary))\b"),
                PhiCategory::Location,
                1,
            ),
            (format!(r"\b((?:{cap}),? (?:{STATES}))\b"), PhiCategory::Location, 1),
        ];
        let rules = specs
            .into_iter()
            .map(|(p, c, g)| (Regex::new(&p).expect("built-in de-identification patterns are valid"), c, g))
            .collect();
        let ages = [r"\b[Aa]ge[: ]\s*(\d{1,3})\b", r"\b(\d{1,3})[- ]years?[- ]old\b", r"\b(\d{1,3}) ?(?:yo|y/o)\b"]
            .iter()
            .map(|p| Regex::new(p).expect("built-in age patterns are valid"))
            .collect();
        Deidentifier { rules, ages, age_policy }
    }

    /// The PHI spans of `text`, sorted, overlaps merged (the earlier rule's category wins).
    pub fn find(&self, text: &str) -> Vec<PhiSpan> {
        let mut spans: Vec<PhiSpan> = Vec::new();
        for (re, category, group) in &self.rules {
            for caps in re.captures_iter(text) {
                if let Some(m) = caps.get(*group) {
                    let mut start = m.start();
                    // A sentence-initial `Patient Jane Doe`: the title word is not part of the name.
                    if *category == PhiCategory::Name {
                        let first = m.as_str().split(' ').next().unwrap_or("");
                        if matches!(first, "Patient" | "Doctor" | "Nurse") && m.as_str().len() > first.len() {
                            start += first.len() + 1;
                        }
                    }
                    spans.push(PhiSpan { start, end: m.end(), category: *category });
                }
            }
        }
        for re in &self.ages {
            for caps in re.captures_iter(text) {
                if let Some(m) = caps.get(1) {
                    let over = m.as_str().parse::<u32>().is_ok_and(|a| a > 89);
                    if over || self.age_policy == AgePolicy::All {
                        spans.push(PhiSpan { start: m.start(), end: m.end(), category: PhiCategory::Age });
                    }
                }
            }
        }
        spans.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        let mut out: Vec<PhiSpan> = Vec::new();
        for s in spans {
            match out.last_mut() {
                Some(last) if s.start < last.end => last.end = last.end.max(s.end),
                _ => out.push(s),
            }
        }
        out
    }

    /// `text` with every PHI span replaced by `[**Category**]`.
    pub fn mask(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for s in self.find(text) {
            out.push_str(&text[at..s.start]);
            out.push_str(&format!("[**{:?}**]", s.category));
            at = s.end;
        }
        out.push_str(&text[at..]);
        out
    }
}

const SURROGATE_NAMES: &[&str] = &[
    "Alex Morgan",
    "Sam Rivera",
    "Jordan Blake",
    "Casey Brooks",
    "Taylor Reed",
    "Morgan Hayes",
    "Riley Quinn",
    "Jamie Frost",
    "Avery Stone",
    "Drew Parker",
];

impl Deidentifier {
    /// `text` with every PHI span replaced by a realistic stand-in of its category. The same original
    /// string gets the same stand-in throughout the text (`Jane Doe` → `Alex Morgan` every time); the
    /// stand-ins are numbered in order of first appearance, so the output is deterministic. Ages over
    /// 89 become `90+`.
    pub fn surrogate(&self, text: &str) -> String {
        let mut seen: std::collections::HashMap<(PhiCategory, &str), String> = std::collections::HashMap::new();
        let mut counts: std::collections::HashMap<PhiCategory, usize> = std::collections::HashMap::new();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for s in self.find(text) {
            out.push_str(&text[at..s.start]);
            let original = &text[s.start..s.end];
            let fake = seen.entry((s.category, original)).or_insert_with(|| {
                let k = {
                    let c = counts.entry(s.category).or_default();
                    *c += 1;
                    *c
                };
                match s.category {
                    PhiCategory::Name => {
                        let base = SURROGATE_NAMES[(k - 1) % SURROGATE_NAMES.len()];
                        // A one-word original (a surname after `Dr.`) gets a one-word stand-in.
                        if original.contains(' ') {
                            base.to_string()
                        } else {
                            base.split(' ').next_back().unwrap_or(base).to_string()
                        }
                    }
                    PhiCategory::Date => format!("01/{:02}/2000", (k - 1) % 28 + 1),
                    PhiCategory::Phone => format!("555-010-{:04}", k % 10_000),
                    PhiCategory::Email => format!("person{k}@example.org"),
                    PhiCategory::Id => {
                        let n = original.chars().filter(char::is_ascii_digit).count().max(1);
                        format!("{k:0>n$}")
                    }
                    PhiCategory::Age => match original.parse::<u32>() {
                        Ok(a) if a > 89 => "90+".to_string(),
                        _ => original.to_string(),
                    },
                    PhiCategory::Location => format!("General Hospital {k}"),
                }
            });
            out.push_str(fake);
            at = s.end;
        }
        out.push_str(&text[at..]);
        out
    }
}

/// One record of a PhysioNet deid file: `START_OF_RECORD=patient||||note||||` … `||||END_OF_RECORD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeidRecord {
    /// The `patient||||note` key.
    pub key: String,
    /// The record text between the markers.
    pub text: String,
}

/// Splits a PhysioNet-format deid file into records.
pub fn parse_physionet_records(text: &str) -> Vec<DeidRecord> {
    let mut out = Vec::new();
    for chunk in text.split("START_OF_RECORD=").skip(1) {
        let (head, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let body = rest.split("||||END_OF_RECORD").next().unwrap_or("");
        out.push(DeidRecord { key: head.trim().trim_end_matches("||||").to_string(), text: body.to_string() });
    }
    out
}

/// The gold PHI byte spans of `original`, recovered by aligning it with its masked version (`[**…**]`
/// tags stand for PHI). `None` when the two do not align.
pub fn gold_spans(original: &str, masked: &str) -> Option<Vec<(usize, usize)>> {
    let mut spans = Vec::new();
    let mut pieces: Vec<&str> = Vec::new();
    let mut rest = masked;
    while let Some(i) = rest.find("[**") {
        pieces.push(&rest[..i]);
        let j = rest[i..].find("**]")? + i + 3;
        rest = &rest[j..];
    }
    pieces.push(rest);
    let mut at = 0usize;
    for (k, piece) in pieces.iter().enumerate() {
        if k == 0 {
            if !original.starts_with(piece) {
                return None;
            }
            at = piece.len();
            continue;
        }
        // The tag covers original[at..p] where the next literal piece starts.
        let p = if k + 1 == pieces.len() {
            original.len().checked_sub(piece.len()).filter(|&p| p >= at && original[p..] == **piece)?
        } else if piece.is_empty() {
            at
        } else {
            at + original[at..].find(piece)?
        };
        spans.push((at, p));
        at = p + piece.len();
    }
    Some(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_category() {
        let d = Deidentifier::new(AgePolicy::Over89);
        let text = "Dr. Linda Chen saw the patient on 03/12/2098 at Riverside Hospital. Call 555-867-5309 or a@b.org. \
                    MRN 00112233. She is 92 years old, her son is 60 years old. Tom Garcia presented today.";
        let got: Vec<(&str, PhiCategory)> = d.find(text).iter().map(|s| (&text[s.start..s.end], s.category)).collect();
        assert_eq!(
            got,
            [
                ("Linda Chen", PhiCategory::Name),
                ("03/12/2098", PhiCategory::Date),
                ("Riverside Hospital", PhiCategory::Location),
                ("555-867-5309", PhiCategory::Phone),
                ("a@b.org", PhiCategory::Email),
                ("00112233", PhiCategory::Id),
                ("92", PhiCategory::Age),
                ("Tom Garcia", PhiCategory::Name),
            ]
        );
        assert_eq!(d.mask("Seen 2098-01-02."), "Seen [**Date**].");
    }

    #[test]
    fn surrogates_are_consistent_and_typed() {
        let d = Deidentifier::new(AgePolicy::Over89);
        let text =
            "Patient Jane Doe seen 03/12/2098. MRN 00112233. Jane Doe is 93 years old. Dr. Chen called 555-867-5309.";
        assert_eq!(
            d.surrogate(text),
            "Patient Alex Morgan seen 01/01/2000. MRN 00000001. Alex Morgan is 90+ years old. \
             Dr. Rivera called 555-010-0001."
        );
    }

    #[test]
    fn gold_alignment() {
        let g = gold_spans(
            "Jane Doe was seen on 1/2/99.",
            "[**First Name 1**] [**Last Name 2**] was seen on [**Date 3**].",
        );
        assert_eq!(g, Some(vec![(0, 4), (5, 8), (21, 27)]));
        assert_eq!(gold_spans("abc", "xyz"), None);
    }
}
