//! The annotation pipeline: tokens → sentences → sections → targets → ConText assertions.

use std::ops::Range;

use serde::Serialize;

use crate::approximate::{select_non_overlapping, ApproximateMatch, ApproximateMatcher, ApproximateParams};
use crate::context::{Category, ConText, Direction, Modifier};
use crate::error::Result;
use crate::lexicon::Lexicon;
use crate::section::{section_at, HeaderPosition, Section, Sectionizer};
use crate::sentence::{split_sentences, Sentence};
use crate::token::{lowercase_same_offsets, tokenize, Token};

/// medspaCy 1.3.1's English ConText rules, embedded (MIT licence, see `data/README.md`).
pub const MEDSPACY_CONTEXT_RULES: &str = include_str!("../data/context_rules.json");
/// medspaCy 1.3.1's English section rules, embedded (MIT licence, see `data/README.md`).
pub const MEDSPACY_SECTION_RULES: &str = include_str!("../data/section_patterns.json");

/// The NegEx trigger list of the NegEx test kit (GenNegEx 1.2, Apache-2.0), embedded.
pub const NEGEX_TRIGGERS: &str = include_str!("../data/negex_triggers.txt");
/// mlhc's additions to the NegEx triggers, in medspaCy's JSON format, embedded.
pub const MLHC_NEGATION_ADDITIONS: &str = include_str!("../data/mlhc_negation_additions.json");

/// The NegEx triggers alone: on the NegEx development set this reproduces Java GenNegEx 1.2's
/// negation output on every sentence where the concept is found.
pub fn negex_context() -> Result<ConText> {
    Ok(ConText::new(crate::context::rules::parse_negex_triggers(
        NEGEX_TRIGGERS,
        Category::Negated,
        "negex_triggers.txt",
    )?))
}

/// mlhc's default negation rules: the NegEx triggers plus six general additions, which take
/// precedence over a NegEx trigger with the same words:
/// - `was/is/are/were negative|neg` looking backward (`culture was negative`), as in medspaCy's rules;
/// - `resolved` in both directions (`nausea resolved` as well as NegEx's `resolved pneumonia`);
/// - `-ve for`, the common abbreviation of NegEx's `negative for`;
/// - `: none` / `- none` looking backward (`ALLERGIES - NONE`), as in medspaCy's rules;
/// - `without (interval|significant) change` as a pseudo-trigger, like NegEx's `no change`.
/// - a future condition as a pseudo-trigger: `once|until|unless … is|are|has|have|be|been
///   [completely|fully|totally] resolved` (`reimplant once the infection is completely resolved`:
///   the infection is present now); the past tense (`once the rash resolved`) still negates.
pub fn negation_context() -> Result<ConText> {
    let mut rules =
        crate::context::rules::parse_context_rules_json(MLHC_NEGATION_ADDITIONS, "mlhc_negation_additions.json")?;
    rules.extend(crate::context::rules::parse_negex_triggers(NEGEX_TRIGGERS, Category::Negated, "negex_triggers.txt")?);
    Ok(ConText::new(rules))
}

/// The NegEx kit's ConText trigger lists for history, experiencer and hypothetical, embedded.
pub const CONTEXT_HISTORY_TRIGGERS: &str = include_str!("../data/context_history_triggers.txt");
/// See [`CONTEXT_HISTORY_TRIGGERS`].
pub const CONTEXT_EXPERIENCER_TRIGGERS: &str = include_str!("../data/context_experiencer_triggers.txt");
/// See [`CONTEXT_HISTORY_TRIGGERS`].
pub const CONTEXT_HYPOTHETICAL_TRIGGERS: &str = include_str!("../data/context_hypothetical_triggers.txt");

/// ConText with the NegEx kit's trigger files: mlhc's negation rules ([`negation_context`]) plus
/// the history (`HISTORICAL`), experiencer (`FAMILY`) and hypothetical (`HYPOTHETICAL`) lists, each
/// file's `[CONJ]` terms ending only its own category.
pub fn negex_kit_context() -> Result<ConText> {
    use crate::context::rules::{parse_context_rules_json, parse_negex_triggers};
    let mut rules = parse_context_rules_json(MLHC_NEGATION_ADDITIONS, "mlhc_negation_additions.json")?;
    rules.extend(parse_negex_triggers(NEGEX_TRIGGERS, Category::Negated, "negex_triggers.txt")?);
    rules.extend(parse_negex_triggers(CONTEXT_HISTORY_TRIGGERS, Category::Historical, "context_history_triggers.txt")?);
    rules.extend(parse_negex_triggers(
        CONTEXT_EXPERIENCER_TRIGGERS,
        Category::Family,
        "context_experiencer_triggers.txt",
    )?);
    rules.extend(parse_negex_triggers(
        CONTEXT_HYPOTHETICAL_TRIGGERS,
        Category::Hypothetical,
        "context_hypothetical_triggers.txt",
    )?);
    Ok(ConText::new(rules))
}

/// medspaCy's default ConText rules, compiled.
pub fn default_context() -> Result<ConText> {
    Ok(ConText::new(crate::context::rules::parse_context_rules_json(
        MEDSPACY_CONTEXT_RULES,
        "medspaCy context_rules.json",
    )?))
}

/// medspaCy's default section rules, compiled, headers counted anywhere (medspaCy's default).
pub fn default_sectionizer() -> Result<Sectionizer> {
    Ok(Sectionizer::new(
        crate::section::parse_section_rules_json(MEDSPACY_SECTION_RULES, "medspaCy section_patterns.json")?,
        HeaderPosition::Anywhere,
    ))
}

/// The assertion each section category sets on the targets inside it, as medspaCy 1.3.1's
/// sectionizer does by default (`span_attrs="default"`, its `DEFAULT_ATTRS` in
/// `medspacy/section_detection/sectionizer.py`): past medical history and sexual and social history
/// are historical, family history is family, patient instructions, education and allergy are
/// hypothetical. A section only ever sets a flag, never clears one set by ConText.
pub const MEDSPACY_SECTION_ATTRIBUTES: &[(&str, Category)] = &[
    ("past_medical_history", Category::Historical),
    ("sexual_and_social_history", Category::Historical),
    ("family_history", Category::Family),
    ("patient_instructions", Category::Hypothetical),
    ("education", Category::Hypothetical),
    ("allergy", Category::Hypothetical),
];

/// A trigger that modifies a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModifierSpan {
    /// What the trigger asserts.
    pub category: Category,
    /// The direction of the trigger's rule.
    pub direction: Direction,
    /// The rule's literal.
    pub rule: String,
    /// Byte offset where the trigger starts.
    pub start: usize,
    /// Byte offset where the trigger ends.
    pub end: usize,
    /// The trigger text.
    pub text: String,
}

/// A target span with its concepts, place and assertions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// Byte offset where the span starts.
    pub start: usize,
    /// Byte offset where the span ends.
    pub end: usize,
    /// The span text.
    pub text: String,
    /// The target type (the lexicon label of its first entry).
    pub label: String,
    /// Codes of every lexicon entry whose term matched.
    pub codes: Vec<String>,
    /// Index of the sentence holding the span.
    pub sentence: usize,
    /// Category of the section holding the span, if any.
    pub section: Option<String>,
    /// Modified by a `NEGATED_EXISTENCE` trigger.
    pub negated: bool,
    /// Modified by a `POSSIBLE_EXISTENCE` trigger (medspaCy's `is_uncertain`).
    pub possible: bool,
    /// Modified by a `HISTORICAL` trigger.
    pub historical: bool,
    /// Modified by a `HYPOTHETICAL` trigger.
    pub hypothetical: bool,
    /// Modified by a `FAMILY` trigger.
    pub family: bool,
    /// The triggers that modify the span.
    pub modifiers: Vec<ModifierSpan>,
    /// With approximate matching on: the 3-gram similarity of the span to the matched term (1 for
    /// an exact match); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// The flags set because of the target's section (see [`MEDSPACY_SECTION_ATTRIBUTES`]), whether
    /// or not a ConText trigger also set them; absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub section_flags: Vec<Category>,
}

/// Everything found in one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Annotation {
    /// The sentences.
    pub sentences: Vec<Sentence>,
    /// The sections.
    pub sections: Vec<Section>,
    /// The targets, in text order.
    pub targets: Vec<Target>,
}

/// A tokenized text: original, lower-cased copy with the same offsets, tokens, sentences.
#[derive(Debug, Clone)]
pub struct Doc<'a> {
    /// The original text.
    pub text: &'a str,
    /// Lower-cased copy with the same byte offsets.
    pub lower: String,
    /// Tokens.
    pub tokens: Vec<Token>,
    /// Sentences.
    pub sentences: Vec<Sentence>,
}

impl<'a> Doc<'a> {
    /// Tokenizes and splits `text`.
    pub fn new(text: &'a str) -> Doc<'a> {
        let tokens = tokenize(text);
        let sentences = split_sentences(text, &tokens);
        Doc { text, lower: lowercase_same_offsets(text), tokens, sentences }
    }

    /// The sentence holding token `t`.
    pub fn sentence_of(&self, t: usize) -> usize {
        self.sentences.partition_point(|s| s.tokens.end <= t).min(self.sentences.len().saturating_sub(1))
    }
}

/// The assertion of one target: its modifiers and the flags they set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Assertion {
    /// Modified by a `NEGATED_EXISTENCE` trigger.
    pub negated: bool,
    /// Modified by a `POSSIBLE_EXISTENCE` trigger.
    pub possible: bool,
    /// Modified by a `HISTORICAL` trigger.
    pub historical: bool,
    /// Modified by a `HYPOTHETICAL` trigger.
    pub hypothetical: bool,
    /// Modified by a `FAMILY` trigger.
    pub family: bool,
    /// The modifying triggers.
    pub modifiers: Vec<ModifierSpan>,
}

/// Runs ConText on `targets` (token ranges with labels) of `doc`; one assertion per target.
/// Targets may lie in any sentences; each is asserted within the sentence of its first token.
pub fn assert_targets(ctx: &ConText, doc: &Doc<'_>, targets: &[(Range<usize>, &str)]) -> Vec<Assertion> {
    let mut out = vec![Assertion::default(); targets.len()];
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by_key(|&i| targets[i].0.start);
    let mut k = 0;
    while k < order.len() {
        let si = doc.sentence_of(targets[order[k]].0.start);
        let sent = &doc.sentences[si];
        let mut group = Vec::new();
        while k < order.len() && doc.sentence_of(targets[order[k]].0.start) == si {
            group.push(order[k]);
            k += 1;
        }
        let mods: Vec<Modifier> = ctx.find_modifiers(&doc.lower, &doc.tokens, sent.tokens.clone());
        if mods.is_empty() {
            continue;
        }
        let local: Vec<(Range<usize>, &str)> =
            group.iter().map(|&i| (targets[i].0.start..targets[i].0.end.min(sent.tokens.end), targets[i].1)).collect();
        let edges = ctx.apply(&mods, &local);
        for (gi, ms) in group.iter().zip(edges) {
            let a = &mut out[*gi];
            for mi in ms {
                let m = &mods[mi];
                let rule = &ctx.rules()[m.rule];
                match rule.category {
                    Category::Negated => a.negated = true,
                    Category::Possible => a.possible = true,
                    Category::Historical => a.historical = true,
                    Category::Hypothetical => a.hypothetical = true,
                    Category::Family => a.family = true,
                    Category::Other(_) => {}
                }
                let (s, e) = (doc.tokens[m.tokens.start].start, doc.tokens[m.tokens.end - 1].end);
                a.modifiers.push(ModifierSpan {
                    category: rule.category.clone(),
                    direction: rule.direction,
                    rule: rule.literal.clone(),
                    start: s,
                    end: e,
                    text: doc.text[s..e].to_string(),
                });
            }
        }
    }
    out
}

impl Target {
    /// The target's assertion as one label: `AFFIRMED` when no modifier applies, else the set flags
    /// in the order `NEGATED`, `POSSIBLE`, `HYPOTHETICAL`, `HISTORICAL`, `FAMILY`, joined by `+`
    /// (`NEGATED+HISTORICAL`).
    pub fn assertion_label(&self) -> String {
        let flags: Vec<&str> = [
            (self.negated, "NEGATED"),
            (self.possible, "POSSIBLE"),
            (self.hypothetical, "HYPOTHETICAL"),
            (self.historical, "HISTORICAL"),
            (self.family, "FAMILY"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        if flags.is_empty() {
            "AFFIRMED".to_string()
        } else {
            flags.join("+")
        }
    }

    /// The MEDS code of the target's first concept: `{prefix}//{code}//{assertion}`, e.g.
    /// `NOTE//ICD10CM//I50.9//NEGATED`.
    pub fn meds_code(&self, prefix: &str) -> Option<String> {
        self.codes.first().map(|c| format!("{prefix}//{c}//{}", self.assertion_label()))
    }
}

/// A complete pipeline: lexicon targets, sections and ConText.
#[derive(Debug, Clone)]
pub struct Pipeline {
    lexicon: Lexicon,
    context: ConText,
    sectionizer: Option<Sectionizer>,
    approximate: Option<ApproximateMatcher>,
    section_attributes: Vec<(String, Category)>,
}

impl Pipeline {
    /// A pipeline matching `lexicon` targets, asserting them with `context`, and reporting sections
    /// from `sectionizer` when given.
    pub fn new(lexicon: Lexicon, context: ConText, sectionizer: Option<Sectionizer>) -> Pipeline {
        let section_attributes = MEDSPACY_SECTION_ATTRIBUTES.iter().map(|(s, c)| (s.to_string(), c.clone())).collect();
        Pipeline { lexicon, context, sectionizer, approximate: None, section_attributes }
    }

    /// Replaces the section-to-assertion mapping (by default [`MEDSPACY_SECTION_ATTRIBUTES`]); an
    /// empty list turns it off. Only the five assertion categories have an effect.
    pub fn with_section_attributes(mut self, attributes: Vec<(String, Category)>) -> Pipeline {
        self.section_attributes = attributes;
        self
    }

    /// Also matches targets approximately (see [`crate::approximate`]): exact matches count with
    /// similarity 1 and compete with approximate ones, the higher similarity winning.
    pub fn with_approximate(mut self, params: &ApproximateParams) -> Result<Pipeline> {
        self.approximate = Some(params.fit(&self.lexicon)?);
        Ok(self)
    }

    /// The lexicon.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Annotates one text. Empty or blank text gives an empty annotation.
    pub fn annotate(&self, text: &str) -> Annotation {
        let doc = Doc::new(text);
        let sections = match &self.sectionizer {
            Some(s) => s.sections(text, &doc.lower, &doc.tokens),
            None => Vec::new(),
        };
        let exact = self.lexicon.find(&doc.lower, &doc.tokens);
        let matches: Vec<ApproximateMatch> = match &self.approximate {
            None => exact
                .into_iter()
                .map(|m| ApproximateMatch { tokens: m.tokens, entries: m.entries, similarity: 1.0 })
                .collect(),
            Some(am) => {
                let mut all = am.candidates(&doc.lower, &doc.tokens, &doc.sentences);
                all.extend(exact.into_iter().map(|m| ApproximateMatch {
                    tokens: m.tokens,
                    entries: m.entries,
                    similarity: 1.0,
                }));
                select_non_overlapping(all, doc.tokens.len())
            }
        };
        let approximate = self.approximate.is_some();
        let entries = self.lexicon.entries();
        let spans: Vec<(Range<usize>, &str)> =
            matches.iter().map(|m| (m.tokens.clone(), entries[m.entries[0] as usize].label.as_str())).collect();
        let assertions = assert_targets(&self.context, &doc, &spans);
        let targets = matches
            .iter()
            .zip(assertions)
            .map(|(m, a)| {
                let start = doc.tokens[m.tokens.start].start;
                let end = doc.tokens[m.tokens.end - 1].end;
                let section = section_at(&sections, start).map(|i| sections[i].category.clone());
                let section_flags: Vec<Category> = section
                    .as_deref()
                    .map(|sec| {
                        self.section_attributes.iter().filter(|(s, _)| s == sec).map(|(_, c)| c.clone()).collect()
                    })
                    .unwrap_or_default();
                let from_section = |c: Category| section_flags.contains(&c);
                Target {
                    start,
                    end,
                    text: text[start..end].to_string(),
                    label: entries[m.entries[0] as usize].label.clone(),
                    codes: m.entries.iter().map(|&e| entries[e as usize].code.clone()).collect(),
                    sentence: doc.sentence_of(m.tokens.start),
                    negated: a.negated || from_section(Category::Negated),
                    possible: a.possible || from_section(Category::Possible),
                    historical: a.historical || from_section(Category::Historical),
                    hypothetical: a.hypothetical || from_section(Category::Hypothetical),
                    family: a.family || from_section(Category::Family),
                    modifiers: a.modifiers,
                    similarity: approximate.then_some(m.similarity),
                    section,
                    section_flags,
                }
            })
            .collect();
        Annotation { sentences: doc.sentences, sections, targets }
    }
}
