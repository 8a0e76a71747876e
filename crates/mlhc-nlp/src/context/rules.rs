//! ConText rules: categories, directions, token patterns, and the two file formats that define them.

use serde::Serialize;
use serde_json::Value;

use crate::error::{NlpError, Result};
use crate::token::{lowercase_same_offsets, tokenize};

/// What a modifier asserts about the targets in its scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// The target is absent (`NEGATED_EXISTENCE`).
    Negated,
    /// The target may be present (`POSSIBLE_EXISTENCE`, medspaCy's `is_uncertain`).
    Possible,
    /// The target happened in the past (`HISTORICAL`).
    Historical,
    /// The target is conditional or expected (`HYPOTHETICAL`).
    Hypothetical,
    /// The target is experienced by a family member (`FAMILY`).
    Family,
    /// Any other category name, upper-cased, kept as read.
    Other(String),
}

impl Category {
    /// Parses a medspaCy category name (case-insensitive).
    pub fn parse(name: &str) -> Category {
        match name.trim().to_ascii_uppercase().as_str() {
            "NEGATED_EXISTENCE" => Category::Negated,
            "POSSIBLE_EXISTENCE" => Category::Possible,
            "HISTORICAL" => Category::Historical,
            "HYPOTHETICAL" => Category::Hypothetical,
            "FAMILY" => Category::Family,
            other => Category::Other(other.to_string()),
        }
    }

    /// The medspaCy name of the category.
    pub fn name(&self) -> &str {
        match self {
            Category::Negated => "NEGATED_EXISTENCE",
            Category::Possible => "POSSIBLE_EXISTENCE",
            Category::Historical => "HISTORICAL",
            Category::Hypothetical => "HYPOTHETICAL",
            Category::Family => "FAMILY",
            Category::Other(s) => s,
        }
    }
}

impl Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Which way a trigger's scope extends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    /// From the end of the trigger to the end of the sentence (NegEx `[PREN]`, `[PREP]`).
    Forward,
    /// From the start of the sentence to the start of the trigger (NegEx `[POST]`, `[POSP]`).
    Backward,
    /// The whole sentence on both sides of the trigger.
    Bidirectional,
    /// Modifies nothing; ends the scope of other modifiers that reach it (NegEx `[CONJ]`).
    Terminate,
    /// Modifies nothing; a longer phrase that blocks a shorter trigger inside it (NegEx `[PSEU]`).
    Pseudo,
}

impl Direction {
    fn parse(s: &str) -> Option<Direction> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "FORWARD" => Direction::Forward,
            "BACKWARD" => Direction::Backward,
            "BIDIRECTIONAL" => Direction::Bidirectional,
            "TERMINATE" => Direction::Terminate,
            "PSEUDO" => Direction::Pseudo,
            _ => return None,
        })
    }
}

/// Which modifiers a `Terminate` rule ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// Every category (medspaCy's behaviour for `TERMINATE` rules).
    AllCategories,
    /// Only modifiers of the rule's own category (ConText trigger files, where each file's `[CONJ]`
    /// list belongs to that file's category: `presents` ends a history scope, not a negation).
    SameCategory,
}

/// The most elements a rule's token pattern may have.
pub const MAX_PATTERN_ELEMENTS: usize = 100;

/// One element of a token pattern: the token's lower-case form must be one of `alternatives`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenPattern {
    /// Accepted lower-case token texts; empty means any token (spaCy's empty element `{}`).
    pub alternatives: Vec<String>,
    /// Whether the element may be absent (spaCy `"OP": "?"` or `"*"`).
    pub optional: bool,
    /// Whether the element may match several tokens in a row (spaCy `"OP": "+"` or `"*"`).
    pub repeat: bool,
}

impl TokenPattern {
    /// An element matching exactly one token, one of `alternatives`.
    pub fn one_of(alternatives: Vec<String>) -> TokenPattern {
        TokenPattern { alternatives, optional: false, repeat: false }
    }

    /// Whether the lower-case token `word` satisfies this element.
    pub fn accepts(&self, word: &str) -> bool {
        self.alternatives.is_empty() || self.alternatives.iter().any(|a| a == word)
    }
}

/// A ConText rule: a trigger phrase, what it asserts and where its scope extends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextRule {
    /// The trigger phrase as written in the rule file.
    pub literal: String,
    /// What the trigger asserts.
    pub category: Category,
    /// Where its scope extends.
    pub direction: Direction,
    /// The token pattern matched in text; from `pattern` if the rule has one, else the literal's tokens.
    pub pattern: Vec<TokenPattern>,
    /// Longest scope in tokens on each side. By default, `None`: the rest of the sentence.
    pub max_scope: Option<usize>,
    /// Most targets one match modifies, the closest first. By default, `None`: all in scope.
    pub max_targets: Option<usize>,
    /// Target labels this rule may modify. By default, `None`: all.
    pub allowed_types: Option<Vec<String>>,
    /// Target labels this rule never modifies. By default, `None`.
    pub excluded_types: Option<Vec<String>>,
    /// Other categories whose triggers end this rule's scope, besides `Terminate` rules.
    pub terminated_by: Vec<Category>,
    /// Which modifiers this rule ends when it is a `Terminate` rule.
    pub termination: Termination,
}

impl ContextRule {
    /// A rule matching the tokens of `literal` exactly (case-insensitive).
    pub fn literal(literal: &str, category: Category, direction: Direction) -> ContextRule {
        ContextRule {
            literal: literal.to_string(),
            category,
            direction,
            pattern: literal_pattern(literal),
            max_scope: None,
            max_targets: None,
            allowed_types: None,
            excluded_types: None,
            terminated_by: Vec::new(),
            termination: Termination::AllCategories,
        }
    }
}

/// The token pattern of a literal: its tokens, lower-cased, all required.
pub fn literal_pattern(literal: &str) -> Vec<TokenPattern> {
    let lower = lowercase_same_offsets(literal);
    tokenize(&lower).iter().map(|t| TokenPattern::one_of(vec![lower[t.start..t.end].to_string()])).collect()
}

fn json_err(source_name: &str, index: usize, message: String) -> NlpError {
    NlpError::Rule { source_name: source_name.to_string(), index, message }
}

fn string_list(v: &Value, source_name: &str, index: usize, field: &str) -> Result<Vec<String>> {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| json_err(source_name, index, format!("{field}: expected strings, found {x}")))
            })
            .collect(),
        Value::String(s) => Ok(vec![s.clone()]),
        other => Err(json_err(source_name, index, format!("{field}: expected a list of strings, found {other}"))),
    }
}

fn parse_token_pattern(v: &Value, source_name: &str, index: usize) -> Result<TokenPattern> {
    let obj = v
        .as_object()
        .ok_or_else(|| json_err(source_name, index, format!("pattern element must be an object, found {v}")))?;
    let mut alternatives = None;
    let (mut optional, mut repeat) = (false, false);
    for (key, val) in obj {
        match key.as_str() {
            "LOWER" => {
                let alts = match val {
                    Value::String(s) => vec![s.to_lowercase()],
                    Value::Object(o) => match o.get("IN") {
                        Some(list) if o.len() == 1 => string_list(list, source_name, index, "LOWER.IN")?
                            .into_iter()
                            .map(|s| s.to_lowercase())
                            .collect(),
                        _ => {
                            return Err(json_err(
                                source_name,
                                index,
                                format!("LOWER supports a string or {{\"IN\": [...]}}, found {val}"),
                            ))
                        }
                    },
                    other => return Err(json_err(source_name, index, format!("LOWER: unsupported value {other}"))),
                };
                alternatives = Some(alts);
            }
            "OP" => match val.as_str() {
                Some("?") => optional = true,
                Some("*") => (optional, repeat) = (true, true),
                Some("+") => repeat = true,
                Some("1") => {}
                _ => {
                    return Err(json_err(
                        source_name,
                        index,
                        format!("OP {val} is not supported (only \"?\", \"*\", \"+\" and \"1\")"),
                    ))
                }
            },
            other => {
                return Err(json_err(
                    source_name,
                    index,
                    format!("token attribute {other} is not supported (only LOWER)"),
                ))
            }
        }
    }
    // spaCy's empty element `{}` (with or without OP) matches any token.
    let alternatives = alternatives.unwrap_or_default();
    Ok(TokenPattern { alternatives, optional, repeat })
}

/// Reads medspaCy's `context_rules.json` (`{"context_rules": [{literal, category, direction, pattern, …}]}`).
///
/// Supported: `literal`, `category`, `direction` (by default `BIDIRECTIONAL`, as in medspaCy),
/// `pattern` (a list of token dicts with `LOWER` as a string or `{"IN": [...]}`, or `{}` for any
/// token, each with an optional `"OP"` of `"?"`, `"*"`, `"+"` or `"1"`; the first element must be a
/// `LOWER`),
/// `max_scope`, `max_targets`, `allowed_types`, `excluded_types`, `terminated_by`, `metadata` (ignored).
/// Anything else is an error naming the rule, never silently ignored.
pub fn parse_context_rules_json(text: &str, source_name: &str) -> Result<Vec<ContextRule>> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| NlpError::Json { source_name: source_name.to_string(), message: e.to_string() })?;
    let list = root.get("context_rules").and_then(Value::as_array).ok_or_else(|| NlpError::Json {
        source_name: source_name.to_string(),
        message: "expected an object with a \"context_rules\" list".to_string(),
    })?;
    let mut rules = Vec::with_capacity(list.len());
    for (index, r) in list.iter().enumerate() {
        let obj =
            r.as_object().ok_or_else(|| json_err(source_name, index, format!("expected an object, found {r}")))?;
        let literal = obj
            .get("literal")
            .and_then(Value::as_str)
            .ok_or_else(|| json_err(source_name, index, "missing string field \"literal\"".to_string()))?;
        let category = obj
            .get("category")
            .and_then(Value::as_str)
            .ok_or_else(|| json_err(source_name, index, "missing string field \"category\"".to_string()))?;
        let direction = match obj.get("direction") {
            None | Some(Value::Null) => Direction::Bidirectional,
            Some(v) => v
                .as_str()
                .and_then(Direction::parse)
                .ok_or_else(|| json_err(source_name, index, format!("unknown direction {v}")))?,
        };
        let mut rule = ContextRule::literal(literal, Category::parse(category), direction);
        for (key, val) in obj {
            match key.as_str() {
                "literal" | "category" | "direction" | "metadata" => {}
                "pattern" => match val {
                    Value::Null => {}
                    Value::Array(elems) => {
                        rule.pattern = elems
                            .iter()
                            .map(|e| parse_token_pattern(e, source_name, index))
                            .collect::<Result<Vec<_>>>()?;
                    }
                    other => {
                        return Err(json_err(
                            source_name,
                            index,
                            format!(
                            "pattern must be a list of token dicts (regex patterns are not supported), found {other}"
                        ),
                        ))
                    }
                },
                "max_scope" | "max_targets" => {
                    let n = match val {
                        Value::Null => None,
                        v => Some(v.as_u64().filter(|&n| n > 0).ok_or_else(|| {
                            json_err(source_name, index, format!("{key} must be a positive integer, found {v}"))
                        })? as usize),
                    };
                    if key == "max_scope" {
                        rule.max_scope = n;
                    } else {
                        rule.max_targets = n;
                    }
                }
                "allowed_types" | "excluded_types" => {
                    let list = match val {
                        Value::Null => None,
                        v => Some(
                            string_list(v, source_name, index, key)?.into_iter().map(|s| s.to_uppercase()).collect(),
                        ),
                    };
                    if key == "allowed_types" {
                        rule.allowed_types = list;
                    } else {
                        rule.excluded_types = list;
                    }
                }
                "terminated_by" => {
                    if !val.is_null() {
                        rule.terminated_by =
                            string_list(val, source_name, index, key)?.iter().map(|s| Category::parse(s)).collect();
                    }
                }
                other => return Err(json_err(source_name, index, format!("unknown field {other:?}"))),
            }
        }
        if rule.pattern.is_empty() || rule.pattern.iter().all(|p| p.optional) {
            return Err(json_err(source_name, index, format!("rule {literal:?} matches no tokens")));
        }
        if rule.pattern.len() > MAX_PATTERN_ELEMENTS {
            return Err(json_err(
                source_name,
                index,
                format!("rule {literal:?}: a pattern has at most {MAX_PATTERN_ELEMENTS} elements"),
            ));
        }
        // Matches are looked up from the tokens a pattern can start with, so its first element
        // that must match has to name them.
        if let Some(first) = rule.pattern.iter().find(|p| !p.optional || p.alternatives.is_empty()) {
            if first.alternatives.is_empty() {
                return Err(json_err(
                    source_name,
                    index,
                    format!("rule {literal:?}: a pattern must start with a LOWER element, not any token ({{}})"),
                ));
            }
        }
        rules.push(rule);
    }
    Ok(rules)
}

/// Reads a NegEx/ConText trigger file: one `trigger<TAB><TAB>[TAG]` per line.
///
/// Tags: `[PREN]` forward and `[POST]` backward triggers of `category`; `[PREP]` forward and `[POSP]`
/// backward triggers of possible existence (NegEx's uncertainty tags); `[CONJ]` terminates `category`'s
/// scopes only ([`Termination::SameCategory`]); `[PSEU]` pseudo-triggers of `category`; `[ONEW]` (ConText
/// history file: `status post`, `s/p`, `prior`) forward triggers whose scope is the next token group, here
/// the rest of the sentence like `[PREN]`. Blank lines are skipped.
pub fn parse_negex_triggers(text: &str, category: Category, source_name: &str) -> Result<Vec<ContextRule>> {
    let mut rules = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t').map(str::trim).filter(|f| !f.is_empty());
        let (Some(phrase), Some(tag)) = (fields.next(), fields.next_back()) else {
            return Err(NlpError::Line {
                source_name: source_name.to_string(),
                line: i + 1,
                message: format!("expected `trigger<TAB>[TAG]`, found {line:?}"),
            });
        };
        let (cat, dir) = match tag {
            "[PREN]" | "[ONEW]" => (category.clone(), Direction::Forward),
            "[POST]" => (category.clone(), Direction::Backward),
            "[PREP]" => (Category::Possible, Direction::Forward),
            "[POSP]" => (Category::Possible, Direction::Backward),
            "[CONJ]" => (category.clone(), Direction::Terminate),
            "[PSEU]" => (category.clone(), Direction::Pseudo),
            other => {
                return Err(NlpError::Line {
                    source_name: source_name.to_string(),
                    line: i + 1,
                    message: format!(
                        "unknown tag {other:?} (expected [PREN], [POST], [PREP], [POSP], [CONJ], [PSEU] or [ONEW])"
                    ),
                })
            }
        };
        let mut rule = ContextRule::literal(phrase, cat, dir);
        if rule.pattern.is_empty() || rule.pattern.len() > MAX_PATTERN_ELEMENTS {
            return Err(NlpError::Line {
                source_name: source_name.to_string(),
                line: i + 1,
                message: format!("trigger {phrase:?} has no tokens or more than {MAX_PATTERN_ELEMENTS}"),
            });
        }
        rule.termination = Termination::SameCategory;
        rules.push(rule);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rules_with_patterns() {
        let text = r#"{"context_rules": [
            {"category": "NEGATED_EXISTENCE", "literal": "no", "pattern": [{"LOWER": "no"}, {"LOWER": {"IN": ["abnormal", "new"]}, "OP": "?"}], "direction": "FORWARD"},
            {"category": "FAMILY", "literal": "mother"}
        ]}"#;
        let rules = parse_context_rules_json(text, "t.json").unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].pattern[1].alternatives, ["abnormal", "new"]);
        assert!(rules[0].pattern[1].optional);
        assert_eq!(rules[1].direction, Direction::Bidirectional);
        assert_eq!(rules[1].category, Category::Family);
    }

    #[test]
    fn json_errors_name_the_rule() {
        let bad = r#"{"context_rules": [{"category": "X", "literal": "a", "direction": "SIDEWAYS"}]}"#;
        assert_eq!(
            parse_context_rules_json(bad, "r.json").unwrap_err().to_string(),
            "r.json: rule 0: unknown direction \"SIDEWAYS\""
        );
        let bad = r#"{"context_rules": [{"category": "X", "literal": "a", "pattern": [{"LOWER": "a", "OP": "!"}]}]}"#;
        assert_eq!(
            parse_context_rules_json(bad, "r.json").unwrap_err().to_string(),
            "r.json: rule 0: OP \"!\" is not supported (only \"?\", \"*\", \"+\" and \"1\")"
        );
        assert!(parse_context_rules_json("[]", "r.json").is_err());
        assert!(parse_context_rules_json("{", "r.json").is_err());
    }

    #[test]
    fn negex_file() {
        let rules = parse_negex_triggers("no\t\t[PREN]\n\nbut\t\t[CONJ]\nunlikely\t\t[POSP]\n", Category::Negated, "n")
            .unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[1].direction, Direction::Terminate);
        assert_eq!(rules[2].category, Category::Possible);
        assert_eq!(
            parse_negex_triggers("no\t\t[XX]", Category::Negated, "n").unwrap_err().to_string(),
            "n: line 1: unknown tag \"[XX]\" (expected [PREN], [POST], [PREP], [POSP], [CONJ], [PSEU] or [ONEW])"
        );
    }
}
