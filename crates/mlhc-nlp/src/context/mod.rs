//! ConText (Harkema et al. 2009): assertions of targets from trigger phrases and their scopes.
//!
//! The algorithm follows medspaCy 1.3.1's `ConText` component (`context.py`, `context_graph.py`,
//! `context_modifier.py`):
//! 1. every rule's token pattern is matched in the sentence; overlapping matches are pruned, the
//!    longer match winning (ties: the earlier), which is how pseudo-triggers such as `no increase`
//!    block the shorter trigger `no` inside them;
//! 2. each modifier's scope is the rest of the sentence after it (`Forward`), before it (`Backward`),
//!    or both, cut to `max_scope` tokens;
//! 3. for every pair of modifiers, a scope is cut at the other modifier when the other is a
//!    `Terminate` rule, or has the same category (so `no CHF, no pneumonia` gives each `no` its own
//!    span), or has a category in `terminated_by`;
//! 4. a modifier modifies a target when the target's first or last token lies in its scope and the
//!    two do not overlap; `Terminate` and `Pseudo` modifiers modify nothing.
//!
//! One deliberate addition: `Terminate` rules read from NegEx/ConText trigger files end only scopes of
//! their own file's category ([`Termination::SameCategory`]); medspaCy's JSON rules end all.

pub mod rules;

use std::collections::HashMap;
use std::ops::Range;

pub use rules::{Category, ContextRule, Direction, Termination, TokenPattern};

use crate::token::Token;

/// A trigger found in a sentence: which rule, which tokens, and the tokens it may modify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modifier {
    /// Index of the rule in [`ConText::rules`].
    pub rule: usize,
    /// Token indices of the trigger.
    pub tokens: Range<usize>,
    /// Token indices of the scope after limiting.
    pub scope: Range<usize>,
}

/// A compiled set of ConText rules.
#[derive(Debug, Clone)]
pub struct ConText {
    rules: Vec<ContextRule>,
    /// Lower-case token text → rules whose match can start with it.
    index: HashMap<String, Vec<usize>>,
}

/// The most tokens one trigger match may span. Only patterns with repeated elements (`*`, `+`) come
/// near it; it bounds their cost on run-on text (medspaCy has no such bound).
pub const MAX_MATCH_TOKENS: usize = 64;

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

impl ConText {
    /// Compiles `rules` (patterns are indexed by the tokens they can start with).
    pub fn new(rules: Vec<ContextRule>) -> ConText {
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (r, rule) in rules.iter().enumerate() {
            for elem in &rule.pattern {
                for alt in &elem.alternatives {
                    let ids = index.entry(alt.clone()).or_default();
                    if ids.last() != Some(&r) {
                        ids.push(r);
                    }
                }
                if !elem.optional {
                    break;
                }
            }
        }
        ConText { rules, index }
    }

    /// The rules, in the order given.
    pub fn rules(&self) -> &[ContextRule] {
        &self.rules
    }

    /// The longest match end of `pattern` starting at token `pos`, within `limit`.
    ///
    /// The pattern runs as a small automaton over the tokens (state `k`: the first `k` elements are
    /// matched), so repeated elements (`*`, `+`) cost time linear in the tokens scanned, with no
    /// backtracking; the scan stops as soon as no state is alive, and a match spans at most
    /// [`MAX_MATCH_TOKENS`] tokens, so a pattern with `*` costs at most that many steps per start
    /// even on run-on text.
    fn match_end(pattern: &[TokenPattern], lower: &str, tokens: &[Token], pos: usize, limit: usize) -> Option<usize> {
        // Patterns have at most `rules::MAX_PATTERN_ELEMENTS` elements, so the states fit in a u128.
        let n = pattern.len().min(rules::MAX_PATTERN_ELEMENTS);
        let done = 1u128 << n;
        // Adds the states reachable by skipping optional elements.
        let close = |mut states: u128| {
            for (k, elem) in pattern.iter().enumerate().take(n) {
                if states & (1 << k) != 0 && elem.optional {
                    states |= 1 << (k + 1);
                }
            }
            states
        };
        let mut states = close(1);
        let mut best = (states & done != 0).then_some(pos);
        let limit = limit.min(pos.saturating_add(MAX_MATCH_TOKENS));
        for (i, t) in tokens.iter().enumerate().take(limit).skip(pos) {
            let word = &lower[t.start..t.end];
            let mut next = 0u128;
            for (k, elem) in pattern.iter().enumerate().take(n) {
                if states & (1 << k) != 0 && elem.accepts(word) {
                    next |= 1 << (k + 1);
                    if elem.repeat {
                        next |= 1 << k;
                    }
                }
            }
            if next == 0 {
                break;
            }
            states = close(next);
            if states & done != 0 {
                best = Some(i + 1);
            }
        }
        best
    }

    /// Finds the modifiers of one sentence (token range `sentence` of `tokens` over the lower-cased
    /// text `lower`), pruned and with their scopes limited (steps 1–3 of the module docs).
    pub fn find_modifiers(&self, lower: &str, tokens: &[Token], sentence: Range<usize>) -> Vec<Modifier> {
        let mut found: Vec<(Range<usize>, usize)> = Vec::new();
        for pos in sentence.clone() {
            let t = &tokens[pos];
            let Some(ids) = self.index.get(&lower[t.start..t.end]) else { continue };
            for &r in ids {
                if let Some(end) = Self::match_end(&self.rules[r].pattern, lower, tokens, pos, sentence.end) {
                    if end > pos {
                        found.push((pos..end, r));
                    }
                }
            }
        }
        // A match can also start at a later token when the pattern starts with optional elements;
        // those starts are found from their own token, so dedupe identical (span, rule) pairs.
        found.sort_by(|a, b| (b.0.len(), a.0.start, a.1).cmp(&(a.0.len(), b.0.start, b.1)));
        found.dedup();
        let mut kept: Vec<(Range<usize>, usize)> = Vec::new();
        let mut taken = vec![false; sentence.len()];
        for (span, r) in found {
            let local = span.start - sentence.start..span.end - sentence.start;
            if !taken[local.clone()].iter().any(|&t| t) {
                taken[local].iter_mut().for_each(|t| *t = true);
                kept.push((span, r));
            }
        }
        kept.sort_by_key(|(span, r)| (span.start, span.end, *r));
        let mut mods: Vec<Modifier> = kept
            .into_iter()
            .map(|(span, r)| {
                let rule = &self.rules[r];
                let (mut s, mut e) = match rule.direction {
                    Direction::Forward => (span.end, sentence.end),
                    Direction::Backward => (sentence.start, span.start),
                    _ => (sentence.start, sentence.end),
                };
                if let Some(m) = rule.max_scope {
                    match rule.direction {
                        Direction::Forward => e = e.min(span.end + m),
                        Direction::Backward => s = s.max(span.start.saturating_sub(m)),
                        _ => {
                            s = s.max(span.start.saturating_sub(m));
                            e = e.min(span.end + m);
                        }
                    }
                }
                Modifier { rule: r, tokens: span, scope: s..e }
            })
            .collect();
        self.limit_scopes(&mut mods);
        mods
    }

    /// Step 3 for all modifiers of a sentence (sorted by position, not overlapping).
    ///
    /// medspaCy compares every pair, which is quadratic in the number of triggers of a sentence (a
    /// one-line note with 100,000 `no`s). Only the nearest modifier on each side that ends a scope
    /// matters, so each modifier looks up the next and previous candidates among those of its own
    /// category, the `Terminate` rules and its `terminated_by` categories; the result is the same.
    fn limit_scopes(&self, mods: &mut [Modifier]) {
        use std::collections::BTreeMap;
        let mut by_category: BTreeMap<&Category, Vec<usize>> = BTreeMap::new();
        let mut terminators: Vec<usize> = Vec::new();
        for (i, m) in mods.iter().enumerate() {
            let rule = &self.rules[m.rule];
            by_category.entry(&rule.category).or_default().push(i);
            if rule.direction == Direction::Terminate && rule.termination == Termination::AllCategories {
                terminators.push(i);
            }
        }
        let snapshot: Vec<Modifier> = mods.to_vec();
        for (i, m) in mods.iter_mut().enumerate() {
            let rule = &self.rules[m.rule];
            if rule.direction == Direction::Terminate {
                continue;
            }
            let mut lists: Vec<&Vec<usize>> = vec![&terminators];
            if let Some(l) = by_category.get(&rule.category) {
                lists.push(l);
            }
            for c in &rule.terminated_by {
                if let Some(l) = by_category.get(c) {
                    lists.push(l);
                }
            }
            for list in lists {
                let pos = list.partition_point(|&j| j <= i);
                // The nearest later modifier in the list that ends this scope.
                if let Some(&j) = list[pos..].iter().find(|&&j| self.ends(m, &snapshot[j])) {
                    self.limit_scope(m, &snapshot[j]);
                }
                // The nearest earlier one.
                if let Some(&j) = list[..pos].iter().rev().filter(|&&j| j != i).find(|&&j| self.ends(m, &snapshot[j])) {
                    self.limit_scope(m, &snapshot[j]);
                }
            }
        }
    }

    /// Whether `other` ends `m`'s scope (medspaCy's `limit_scope` conditions).
    fn ends(&self, m: &Modifier, other: &Modifier) -> bool {
        let rule = &self.rules[m.rule];
        let o = &self.rules[other.rule];
        if rule.direction == Direction::Terminate {
            return false;
        }
        let ends = if o.direction == Direction::Terminate {
            o.termination == Termination::AllCategories || o.category == rule.category
        } else {
            o.category == rule.category || rule.terminated_by.contains(&o.category)
        };
        ends && !(o.category == rule.category
            && (o.allowed_types != rule.allowed_types || o.excluded_types != rule.excluded_types))
    }

    /// Step 3: cuts `m`'s scope at `other` when `other` ends it.
    fn limit_scope(&self, m: &mut Modifier, other: &Modifier) {
        if !self.ends(m, other) {
            return;
        }
        let rule = &self.rules[m.rule];
        let after = (other.tokens.start, other.tokens.end) > (m.tokens.start, m.tokens.end);
        if matches!(rule.direction, Direction::Forward | Direction::Bidirectional) && after {
            m.scope.end = m.scope.end.min(other.tokens.start).max(m.scope.start);
        }
        if matches!(rule.direction, Direction::Backward | Direction::Bidirectional) && !after {
            m.scope.start = m.scope.start.max(other.tokens.end).min(m.scope.end);
        }
    }

    /// Whether `m` modifies the target with token range `target` and label `label` (step 4).
    pub fn modifies(&self, m: &Modifier, target: &Range<usize>, label: &str) -> bool {
        let rule = &self.rules[m.rule];
        if matches!(rule.direction, Direction::Terminate | Direction::Pseudo) || target.is_empty() {
            return false;
        }
        if overlaps(&m.tokens, target) {
            return false;
        }
        if let Some(allowed) = &rule.allowed_types {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(label)) {
                return false;
            }
        } else if let Some(excluded) = &rule.excluded_types {
            if excluded.iter().any(|a| a.eq_ignore_ascii_case(label)) {
                return false;
            }
        }
        m.scope.contains(&target.start) || m.scope.contains(&(target.end - 1))
    }

    /// For each target (token range, label) of a sentence, the indices into `modifiers` that modify
    /// it, after each rule's `max_targets` keeps only its closest targets.
    pub fn apply(&self, modifiers: &[Modifier], targets: &[(Range<usize>, &str)]) -> Vec<Vec<usize>> {
        let mut edges: Vec<Vec<usize>> = vec![Vec::new(); targets.len()];
        // Targets by start; a target is in scope when its first or last token is, so only targets
        // starting within `longest` tokens before the scope can qualify.
        let mut order: Vec<usize> = (0..targets.len()).collect();
        order.sort_by_key(|&t| (targets[t].0.start, t));
        let starts: Vec<usize> = order.iter().map(|&t| targets[t].0.start).collect();
        let longest = targets.iter().map(|t| t.0.len()).max().unwrap_or(0);
        for (mi, m) in modifiers.iter().enumerate() {
            let lo = starts.partition_point(|&s| s + longest < m.scope.start + 1);
            let hi = starts.partition_point(|&s| s < m.scope.end);
            let mut hits: Vec<usize> = order[lo..hi.max(lo)]
                .iter()
                .copied()
                .filter(|&ti| self.modifies(m, &targets[ti].0, targets[ti].1))
                .collect();
            hits.sort_unstable();
            if let Some(max) = self.rules[m.rule].max_targets {
                let dist = |ti: usize| {
                    let t = &targets[ti].0;
                    m.tokens.start.abs_diff(t.end).min(t.start.abs_diff(m.tokens.end))
                };
                hits.sort_by_key(|&ti| (dist(ti), ti));
                hits.truncate(max);
            }
            for ti in hits {
                edges[ti].push(mi);
            }
        }
        edges
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::{lowercase_same_offsets, tokenize};

    fn run(rules: Vec<ContextRule>, text: &str, target: &str) -> Vec<String> {
        let ctx = ConText::new(rules);
        let lower = lowercase_same_offsets(text);
        let toks = tokenize(text);
        let start = text.find(target).unwrap();
        let end = start + target.len();
        let t0 = toks.iter().position(|t| t.start == start).unwrap();
        let t1 = toks.iter().position(|t| t.end == end).unwrap() + 1;
        let mods = ctx.find_modifiers(&lower, &toks, 0..toks.len());
        let edges = ctx.apply(&mods, &[(t0..t1, "X")]);
        edges[0].iter().map(|&m| ctx.rules()[mods[m].rule].literal.clone()).collect()
    }

    fn neg(l: &str, d: Direction) -> ContextRule {
        ContextRule::literal(l, Category::Negated, d)
    }

    #[test]
    fn forward_backward_terminate_pseudo() {
        let rules = vec![
            neg("no", Direction::Forward),
            neg("but", Direction::Terminate),
            neg("ruled out", Direction::Backward),
            neg("no increase", Direction::Pseudo),
        ];
        assert_eq!(run(rules.clone(), "No fever but cough.", "fever"), ["no"]);
        assert!(run(rules.clone(), "No fever but cough.", "cough").is_empty());
        assert_eq!(run(rules.clone(), "MI was ruled out.", "MI"), ["ruled out"]);
        assert!(run(rules.clone(), "No increase in edema.", "edema").is_empty());
    }

    #[test]
    fn same_category_cuts_scope() {
        let rules = vec![neg("no evidence of", Direction::Forward), neg("no", Direction::Forward)];
        assert_eq!(run(rules.clone(), "No evidence of CHF, no pneumonia", "pneumonia"), ["no"]);
        assert_eq!(run(rules, "No evidence of CHF, no pneumonia", "CHF"), ["no evidence of"]);
    }

    fn pattern_rule(json: &str) -> ContextRule {
        let text = format!(r#"{{"context_rules": [{json}]}}"#);
        rules::parse_context_rules_json(&text, "test").unwrap().remove(0)
    }

    #[test]
    fn repeated_pattern_elements() {
        // `+`: one or more of the element; `{}` with `*`: any tokens in between, the longest match.
        let plus = pattern_rule(
            r#"{"category": "NEGATED_EXISTENCE", "literal": "no", "direction": "FORWARD",
                "pattern": [{"LOWER": "no"}, {"LOWER": "no", "OP": "+"}, {"LOWER": "more"}]}"#,
        );
        let ctx = ConText::new(vec![plus]);
        let text = "no no no more pain";
        let toks = tokenize(text);
        let mods = ctx.find_modifiers(text, &toks, 0..toks.len());
        assert_eq!(mods.len(), 1);
        assert_eq!(mods[0].tokens, 0..4);
        let text = "no more pain";
        let toks = tokenize(text);
        assert!(ctx.find_modifiers(text, &toks, 0..toks.len()).is_empty());

        let star = pattern_rule(
            r#"{"category": "NEGATED_EXISTENCE", "literal": "once resolved", "direction": "PSEUDO",
                "pattern": [{"LOWER": "once"}, {"OP": "*"}, {"LOWER": "resolved"}]}"#,
        );
        let ctx = ConText::new(vec![star.clone()]);
        let text = "once resolved, once the rash resolved. resolved";
        let toks = tokenize(text);
        let mods = ctx.find_modifiers(text, &toks, 0..toks.len());
        // Longest match from the first `once`: up to the last `resolved` in range.
        assert_eq!(mods[0].tokens, 0..toks.len());
        let rules = vec![star, neg("resolved", Direction::Backward)];
        assert!(run(rules.clone(), "Stop once the rash is resolved.", "rash").is_empty());
        assert_eq!(run(rules, "The rash resolved.", "rash"), ["resolved"]);
    }

    /// medspaCy 1.3.1 on the same rules and sentences (`bench/nlp/medspacy_wildcard.py`).
    #[test]
    fn wildcard_patterns_match_medspacy() {
        let rules = rules::parse_context_rules_json(
            r#"{"context_rules": [
                {"category": "NEGATED_EXISTENCE", "literal": "once ... is resolved", "direction": "PSEUDO",
                 "pattern": [{"LOWER": {"IN": ["once", "until", "unless"]}}, {"OP": "*"},
                             {"LOWER": {"IN": ["is", "are", "be", "has", "have", "been"]}},
                             {"LOWER": {"IN": ["completely", "fully", "totally"]}, "OP": "?"}, {"LOWER": "resolved"}]},
                {"category": "NEGATED_EXISTENCE", "literal": "resolved", "direction": "BIDIRECTIONAL"},
                {"category": "NEGATED_EXISTENCE", "literal": "no no more", "direction": "FORWARD",
                 "pattern": [{"LOWER": "no"}, {"LOWER": "no", "OP": "+"}, {"LOWER": "more"}]}
            ]}"#,
            "test",
        )
        .unwrap();
        let cases: [(&str, &str, &[&str]); 6] = [
            ("Reimplant the pacemaker once the infection is completely resolved.", "infection", &[]),
            ("Once the rash resolved, he was discharged.", "rash", &["resolved"]),
            ("Continue antibiotics until the infection has resolved.", "infection", &[]),
            ("The infection is completely resolved.", "infection", &["resolved"]),
            ("no no more pain", "pain", &["no no more"]),
            ("no more pain", "pain", &[]),
        ];
        for (text, target, want) in cases {
            assert_eq!(run(rules.clone(), text, target), want, "{text}");
        }
    }

    #[test]
    fn wildcard_matches_are_bounded() {
        let star = pattern_rule(
            r#"{"category": "NEGATED_EXISTENCE", "literal": "a b", "direction": "PSEUDO",
                "pattern": [{"LOWER": "a"}, {"OP": "*"}, {"LOWER": "b"}]}"#,
        );
        let ctx = ConText::new(vec![star]);
        // 200,000 starts with no end: each scan stops after MAX_MATCH_TOKENS tokens.
        let text = "a ".repeat(200_000);
        let toks = tokenize(&text);
        assert!(ctx.find_modifiers(&text, &toks, 0..toks.len()).is_empty());
        let far = format!("a {}b", "x ".repeat(MAX_MATCH_TOKENS));
        let toks = tokenize(&far);
        assert!(ctx.find_modifiers(&far, &toks, 0..toks.len()).is_empty());
        let near = format!("a {}b", "x ".repeat(MAX_MATCH_TOKENS - 2));
        let toks = tokenize(&near);
        assert_eq!(ctx.find_modifiers(&near, &toks, 0..toks.len()).len(), 1);
    }

    #[test]
    fn patterns_must_start_with_a_word() {
        let bad = r#"{"context_rules": [{"category": "NEGATED_EXISTENCE", "literal": "x",
            "pattern": [{"OP": "*"}, {"LOWER": "x"}]}]}"#;
        let err = rules::parse_context_rules_json(bad, "r.json").unwrap_err().to_string();
        assert!(err.contains("must start with a LOWER element"), "{err}");
    }

    #[test]
    fn optional_pattern_elements_prefer_longest() {
        let mut r = neg("no", Direction::Forward);
        r.pattern.push(TokenPattern { alternatives: vec!["new".into()], optional: true, repeat: false });
        let ctx = ConText::new(vec![r]);
        let text = "no new lesion";
        let toks = tokenize(text);
        let mods = ctx.find_modifiers(text, &toks, 0..toks.len());
        assert_eq!(mods.len(), 1);
        assert_eq!(mods[0].tokens, 0..2);
        assert_eq!(mods[0].scope, 2..3);
    }
}
