//! Windows and the tree they form, with ACES's semantics (`config.py` `_initialize_windows`,
//! `extract_subtree.py`).
//!
//! Each window has a start and an end node. One of them (the *root*) is placed relative to an event
//! outside the window — the trigger or another window's start or end — and the other is placed
//! relative to the root; the window's `has` constraints apply to the edge from root to non-root, whose
//! summary also gives the label and the index timestamp. Nodes whose edge has zero length
//! (`start: trigger`, `end: start + 0h`) coincide with their parent and are collapsed, as in ACES.

use serde_norway::Value;

use crate::config::boundary::{parse_boundary, Boundary, Extent, Reference};
use crate::config::{entries, kind_of, Src, ANY_EVENT, RECORD_END, RECORD_START};
use crate::Result;

/// Which end of a window a timestamp refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The window's start.
    Start,
    /// The window's end.
    End,
}

/// A count constraint `min <= count <= max` on one column over a window (`has: {pred: (min, max)}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Constraint {
    pub column: usize,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// How a node is placed relative to its parent anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// A fixed signed offset in microseconds. The summary counts events between `anchor` and
    /// `anchor + size`; `left_inclusive` applies to the earlier of the two, `right_inclusive` to the later.
    Temporal { size: i64, left_inclusive: bool, right_inclusive: bool },
    /// The nearest timestamp where `column` is positive: the first at or after the anchor (forward,
    /// `->`) or the last at or before it (backward, `<-`). Whether the boundary may coincide with the
    /// anchor follows the inclusivity of the boundary's side, as in ACES's `boolean_expr_bound_sum`.
    Event { column: usize, backward: bool, left_inclusive: bool, right_inclusive: bool },
}

/// One node of the window tree.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// `None` for the trigger.
    pub edge: Option<Edge>,
    pub constraints: Vec<Constraint>,
    pub children: Vec<usize>,
}

/// A window as written, with boundary strings parsed and predicate names not yet resolved.
#[derive(Debug, Clone)]
pub(crate) struct RawWindow {
    name: String,
    start: Boundary,
    end: Boundary,
    start_inclusive: bool,
    end_inclusive: bool,
    has: Vec<(String, Option<i64>, Option<i64>)>,
    label: Option<String>,
    index_timestamp: Option<Side>,
}

/// A window with predicate names resolved to columns.
#[derive(Debug, Clone)]
pub(crate) struct WindowSpec {
    pub name: String,
    start: Boundary,
    end: Boundary,
    start_inclusive: bool,
    end_inclusive: bool,
    /// (column of each event boundary: start, end)
    boundary_columns: (Option<usize>, Option<usize>),
    constraints: Vec<Constraint>,
    pub label: Option<usize>,
    pub index_timestamp: Option<Side>,
}

fn parse_has(src: &Src<'_>, key: &str, v: &Value) -> Result<(Option<i64>, Option<i64>)> {
    let Value::String(text) = v else {
        return Err(src.err(key, format!("expected a string like \"(1, None)\", found {}", kind_of(v))));
    };
    let parts: Vec<&str> = text.trim_matches(|c| c == '(' || c == ')').split(',').map(str::trim).collect();
    if parts.len() != 2 {
        return Err(src.err(key, format!("expected \"(min, max)\", found {text:?}")));
    }
    let bound = |s: &str| -> Result<Option<i64>> {
        if s == "None" || s.is_empty() {
            return Ok(None);
        }
        s.parse::<i64>().map(Some).map_err(|_| src.err(key, format!("{s:?} in {text:?} is not an integer or None")))
    };
    let (min, max) = (bound(parts[0])?, bound(parts[1])?);
    match (min, max) {
        (None, None) => Err(src.err(key, format!("{text:?} constrains nothing; give a min or a max"))),
        (Some(a), Some(b)) if b < a => Err(src.err(key, format!("{text:?} has max < min"))),
        _ => Ok((min, max)),
    }
}

impl RawWindow {
    /// Parses `windows.<name>`.
    pub(crate) fn parse(src: &Src<'_>, name: &str, v: &Value) -> Result<Self> {
        let key = format!("windows.{name}");
        if !name.chars().all(|c| c.is_alphanumeric() || c == '_') || name.is_empty() {
            return Err(src.err(key, "a window name may contain only letters, digits and '_'"));
        }
        let Value::Mapping(m) = v else {
            return Err(src.err(key, format!("expected a mapping, found {}", kind_of(v))));
        };
        let (mut start, mut end, mut start_inc, mut end_inc) = (None, None, None, None);
        let mut has = Vec::new();
        let mut label = None;
        let mut index_timestamp = None;
        let text = |sub: &str, v: &Value| -> Result<Option<String>> {
            match v {
                Value::Null => Ok(None),
                Value::String(s) => Ok(Some(s.clone())),
                other => {
                    Err(src.err(format!("{key}.{sub}"), format!("expected a string or null, found {}", kind_of(other))))
                }
            }
        };
        let flag = |sub: &str, v: &Value| -> Result<bool> {
            match v {
                Value::Bool(b) => Ok(*b),
                other => {
                    Err(src.err(format!("{key}.{sub}"), format!("expected true or false, found {}", kind_of(other))))
                }
            }
        };
        for (k, v) in entries(src, &key, m)? {
            match k.as_str() {
                "start" => start = Some(text("start", v)?),
                "end" => end = Some(text("end", v)?),
                "start_inclusive" => start_inc = Some(flag("start_inclusive", v)?),
                "end_inclusive" => end_inc = Some(flag("end_inclusive", v)?),
                "has" => match v {
                    Value::Null => {}
                    Value::Mapping(hm) => {
                        for (p, c) in entries(src, &format!("{key}.has"), hm)? {
                            let (min, max) = parse_has(src, &format!("{key}.has.{p}"), c)?;
                            has.push((p, min, max));
                        }
                    }
                    other => {
                        return Err(
                            src.err(format!("{key}.has"), format!("expected a mapping, found {}", kind_of(other)))
                        )
                    }
                },
                "label" => label = text("label", v)?,
                "index_timestamp" => {
                    index_timestamp = match text("index_timestamp", v)?.as_deref() {
                        None => None,
                        Some("start") => Some(Side::Start),
                        Some("end") => Some(Side::End),
                        Some(other) => {
                            return Err(src.err(
                                format!("{key}.index_timestamp"),
                                format!("expected `start` or `end`, found {other:?}"),
                            ))
                        }
                    }
                }
                _ => return Err(src.err(format!("{key}.{k}"), "unrecognized key")),
            }
        }
        let start = start.ok_or_else(|| src.err(format!("{key}.start"), "missing (use null for the record start)"))?;
        let end = end.ok_or_else(|| src.err(format!("{key}.end"), "missing (use null for the record end)"))?;
        let start_inclusive = start_inc.ok_or_else(|| src.err(format!("{key}.start_inclusive"), "missing"))?;
        let end_inclusive = end_inc.ok_or_else(|| src.err(format!("{key}.end_inclusive"), "missing"))?;
        let (start, end) = match (start, end) {
            (None, None) => {
                return Err(src.err(&key, "start and end cannot both be null (the window would span the whole record)"))
            }
            (s, e) => {
                let parse = |side: &str, t: Option<String>, default: Boundary| -> Result<Boundary> {
                    match t {
                        None => Ok(default),
                        Some(t) => parse_boundary(&t).map_err(|m| src.err(format!("{key}.{side}"), m)),
                    }
                };
                let record_start = Boundary {
                    reference: Reference::OwnEnd,
                    extent: Extent::Event { predicate: RECORD_START.into(), backward: true },
                };
                let record_end = Boundary {
                    reference: Reference::OwnStart,
                    extent: Extent::Event { predicate: RECORD_END.into(), backward: false },
                };
                (parse("start", s, record_start)?, parse("end", e, record_end)?)
            }
        };
        for (side, b) in [("start", &start), ("end", &end)] {
            if let Extent::Event { predicate, backward } = &b.extent {
                if predicate == RECORD_START && !backward {
                    return Err(src.err(
                        format!("{key}.{side}"),
                        "`-> _RECORD_START` never finds an event after the anchor; use `<- _RECORD_START` or null",
                    ));
                }
                if predicate == RECORD_END && *backward {
                    return Err(src.err(
                        format!("{key}.{side}"),
                        "`<- _RECORD_END` never finds an event before the anchor; use `-> _RECORD_END` or null",
                    ));
                }
            }
        }
        Ok(Self { name: name.to_string(), start, end, start_inclusive, end_inclusive, has, label, index_timestamp })
    }

    /// The predicate names this window uses, each with the key that uses it.
    pub(crate) fn referenced_predicates(&self) -> Vec<(String, String)> {
        let key = format!("windows.{}", self.name);
        let mut out: Vec<(String, String)> =
            self.has.iter().map(|(p, _, _)| (p.clone(), format!("{key}.has.{p}"))).collect();
        for (side, b) in [("start", &self.start), ("end", &self.end)] {
            if let Extent::Event { predicate, .. } = &b.extent {
                out.push((predicate.clone(), format!("{key}.{side}")));
            }
        }
        if let Some(l) = &self.label {
            out.push((l.clone(), format!("{key}.label")));
        }
        out
    }

    /// Resolves predicate names to columns.
    pub(crate) fn resolve(&self, src: &Src<'_>, resolve: &dyn Fn(&str, &str) -> Result<usize>) -> Result<WindowSpec> {
        let key = format!("windows.{}", self.name);
        let constraints = self
            .has
            .iter()
            .map(|(p, min, max)| {
                Ok(Constraint { column: resolve(p, &format!("{key}.has.{p}"))?, min: *min, max: *max })
            })
            .collect::<Result<Vec<_>>>()?;
        let column = |side: &str, b: &Boundary| -> Result<Option<usize>> {
            match &b.extent {
                Extent::Event { predicate, .. } => resolve(predicate, &format!("{key}.{side}")).map(Some),
                _ => Ok(None),
            }
        };
        let label = match &self.label {
            Some(l) => {
                // ACES looks labels up among the defined predicates only.
                if matches!(l.as_str(), ANY_EVENT | RECORD_START | RECORD_END) {
                    return Err(src.err(format!("{key}.label"), "the label must be a defined predicate"));
                }
                Some(resolve(l, &format!("{key}.label"))?)
            }
            None => None,
        };
        Ok(WindowSpec {
            name: self.name.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            start_inclusive: self.start_inclusive,
            end_inclusive: self.end_inclusive,
            boundary_columns: (column("start", &self.start)?, column("end", &self.end)?),
            constraints,
            label,
            index_timestamp: self.index_timestamp,
        })
    }
}

/// The window tree: node 0 is the trigger.
#[derive(Debug, Clone)]
pub(crate) struct WindowTree {
    pub nodes: Vec<Node>,
    /// Per window: its name and its summary (non-root) node, `None` when that node was collapsed.
    summaries: Vec<(String, Option<usize>)>,
}

impl WindowTree {
    /// Builds the tree from resolved windows, checking every reference.
    pub(crate) fn build(src: &Src<'_>, windows: &[WindowSpec]) -> Result<Self> {
        let n = 1 + 2 * windows.len();
        let mut edges: Vec<Option<Edge>> = vec![None; n];
        let mut constraints: Vec<Vec<Constraint>> = vec![Vec::new(); n];
        let mut parent: Vec<Option<usize>> = vec![None; n];
        let start_node = |i: usize| 1 + 2 * i;
        let end_node = |i: usize| 2 + 2 * i;
        let mut summary = Vec::new();
        for (i, w) in windows.iter().enumerate() {
            let key = format!("windows.{}", w.name);
            let start_refs_end = w.start.reference == Reference::OwnEnd;
            let end_refs_start = w.end.reference == Reference::OwnStart;
            let root_is_end = match (start_refs_end, end_refs_start) {
                (true, true) | (false, false) => {
                    return Err(src.err(
                        key,
                        "exactly one of start and end must be placed relative to the other (`start` / `end`)",
                    ))
                }
                (true, false) => {
                    if w.start.occurs_before() == Some(false) {
                        return Err(src.err(format!("{key}.start"), "the start would come after the end"));
                    }
                    true
                }
                (false, true) => {
                    if w.end.occurs_before() == Some(true) {
                        return Err(src.err(format!("{key}.end"), "the end would come before the start"));
                    }
                    false
                }
            };
            // The non-root edge carries the window's inclusivity; the root edge is unconstrained and its
            // inclusivity never matters to ACES (it passes False, False).
            let edge = |b: &Boundary, column: Option<usize>, constrained: bool| -> Option<Edge> {
                let (l, r) = if constrained { (w.start_inclusive, w.end_inclusive) } else { (false, false) };
                match (&b.extent, column) {
                    (Extent::Offset(size), _) => {
                        Some(Edge::Temporal { size: *size, left_inclusive: l, right_inclusive: r })
                    }
                    (Extent::Event { backward, .. }, Some(column)) => {
                        Some(Edge::Event { column, backward: *backward, left_inclusive: l, right_inclusive: r })
                    }
                    _ => None,
                }
            };
            let (s, e) = (start_node(i), end_node(i));
            edges[s] = edge(&w.start, w.boundary_columns.0, root_is_end);
            edges[e] = edge(&w.end, w.boundary_columns.1, !root_is_end);
            let (root, other, root_boundary, root_side) =
                if root_is_end { (e, s, &w.end, "end") } else { (s, e, &w.start, "start") };
            constraints[other] = w.constraints.clone();
            parent[other] = Some(root);
            parent[root] = Some(match &root_boundary.reference {
                Reference::Trigger => 0,
                Reference::Window { window, end } => {
                    let j = windows.iter().position(|x| &x.name == window).ok_or_else(|| {
                        src.err(format!("{key}.{root_side}"), format!("window {window:?} is not defined"))
                    })?;
                    if *end {
                        end_node(j)
                    } else {
                        start_node(j)
                    }
                }
                Reference::OwnStart | Reference::OwnEnd => {
                    return Err(src.err(
                        format!("{key}.{root_side}"),
                        "must be placed relative to `trigger` or another window's start or end",
                    ))
                }
            });
            summary.push((w.name.clone(), other));
        }
        // Every node must reach the trigger: window references may not form a cycle.
        for start in 1..n {
            let mut at = start;
            let mut steps = 0;
            while at != 0 {
                at = parent[at].expect("every window node has a parent");
                steps += 1;
                if steps > n {
                    let w = &windows[(start - 1) / 2];
                    return Err(src.err(format!("windows.{}", w.name), "window references form a cycle"));
                }
            }
        }
        // Collapse zero-length nodes into their nearest kept ancestor.
        let kept = |i: usize| i == 0 || edges[i].is_some();
        let mut nodes: Vec<Node> =
            (0..n).map(|i| Node { edge: edges[i], constraints: Vec::new(), children: Vec::new() }).collect();
        for i in 1..n {
            if !kept(i) {
                continue;
            }
            nodes[i].constraints = std::mem::take(&mut constraints[i]);
            let mut p = parent[i].expect("every window node has a parent");
            while !kept(p) {
                p = parent[p].expect("every window node has a parent");
            }
            nodes[p].children.push(i);
        }
        let summaries = summary.into_iter().map(|(name, node)| (name, kept(node).then_some(node))).collect();
        Ok(Self { nodes, summaries })
    }

    /// The summary (non-root) node of a window, `None` when it has zero length.
    pub(crate) fn summary_node(&self, window: &str) -> Option<usize> {
        self.summaries.iter().find(|(n, _)| n == window).and_then(|(_, node)| *node)
    }
}
