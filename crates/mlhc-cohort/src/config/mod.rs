//! Task configurations: YAML as written (ACES's task-config language) → a validated [`TaskConfig`].
//!
//! Parsing is two-staged. The raw YAML tree is walked once here, every key is checked, and what comes
//! out holds only enums, built regexes, resolved predicate indices and a window tree; nothing raw
//! travels past this module. Every rejection names the key at fault as a dotted path.

pub(crate) mod boundary;
mod predicate;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_norway::{Mapping, Value};

pub use predicate::{CodeMatch, ColumnValue, DerivedPredicate, Logic, PlainPredicate, PredicateKind, ValueBound};

use crate::windows::{Side, WindowTree};
use crate::{Error, Result};

/// The special predicate counting one per event timestamp.
pub const ANY_EVENT: &str = "_ANY_EVENT";
/// The special predicate true at a subject's first event timestamp.
pub const RECORD_START: &str = "_RECORD_START";
/// The special predicate true at a subject's last event timestamp.
pub const RECORD_END: &str = "_RECORD_END";

/// A named predicate of a validated task.
#[derive(Debug, Clone)]
pub struct Predicate {
    /// The predicate's name as written in the config.
    pub name: String,
    /// What it matches.
    pub kind: PredicateKind,
}

/// The window whose summary provides the label.
#[derive(Debug, Clone)]
pub(crate) struct LabelSpec {
    pub window: String,
    pub node: usize,
    pub column: usize,
}

/// The window boundary that provides the prediction time.
#[derive(Debug, Clone)]
pub(crate) struct IndexSpec {
    pub window: String,
    pub node: usize,
    pub side: Side,
}

/// A validated ACES task configuration.
///
/// Predicates are columns `0..predicates().len()` (plain predicates first, then derived ones in
/// dependency order); the special predicates `_ANY_EVENT`, `_RECORD_START` and `_RECORD_END` follow.
#[derive(Debug, Clone)]
pub struct TaskConfig {
    pub(crate) predicates: Vec<Predicate>,
    pub(crate) trigger: usize,
    pub(crate) tree: WindowTree,
    pub(crate) label: Option<LabelSpec>,
    pub(crate) index: Option<IndexSpec>,
}

/// Where the text being parsed came from, for error messages.
pub(crate) struct Src<'a>(pub &'a str);

impl Src<'_> {
    pub(crate) fn err(&self, key: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Config { file: self.0.to_string(), key: key.into(), message: message.into() }
    }
}

fn parse_yaml(src: &Src<'_>, text: &str) -> Result<Mapping> {
    let value: Value =
        serde_norway::from_str(text).map_err(|e| Error::Yaml { file: src.0.to_string(), message: e.to_string() })?;
    match value {
        Value::Mapping(m) => Ok(m),
        Value::Null => Ok(Mapping::new()),
        other => Err(src.err("(top level)", format!("expected a mapping, found {}", kind_of(&other)))),
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// The entries of a mapping with string keys, in file order.
pub(crate) fn entries<'a>(src: &Src<'_>, key: &str, m: &'a Mapping) -> Result<Vec<(String, &'a Value)>> {
    m.iter()
        .map(|(k, v)| match k {
            Value::String(s) => Ok((s.clone(), v)),
            other => Err(src.err(key, format!("keys must be strings, found {}", kind_of(other)))),
        })
        .collect()
}

fn as_mapping<'a>(src: &Src<'_>, key: &str, v: &'a Value) -> Result<Option<&'a Mapping>> {
    match v {
        Value::Mapping(m) => Ok(Some(m)),
        Value::Null => Ok(None),
        other => Err(src.err(key, format!("expected a mapping, found {}", kind_of(other)))),
    }
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn is_special(name: &str) -> bool {
    matches!(name, ANY_EVENT | RECORD_START | RECORD_END)
}

/// Predicate definitions as they stand after merging a predicates file into the task.
struct Definitions<'a> {
    /// Name → (definition, file it came from, whether it is a patient demographic).
    defs: Vec<(String, &'a Value, &'a str, bool)>,
}

impl<'a> Definitions<'a> {
    fn get(&self, name: &str) -> Option<&(String, &'a Value, &'a str, bool)> {
        self.defs.iter().find(|d| d.0 == name)
    }

    /// Adds or replaces a definition, keeping the first position (as a Python dict update does).
    fn set(&mut self, name: String, value: &'a Value, file: &'a str, demographic: bool) {
        if let Some(slot) = self.defs.iter_mut().find(|d| d.0 == name && d.3 == demographic) {
            slot.1 = value;
            slot.2 = file;
        } else {
            self.defs.push((name, value, file, demographic));
        }
    }
}

impl TaskConfig {
    /// Reads and validates a task config and, optionally, a predicates file whose `predicates` and
    /// `patient_demographics` entries replace the task's entries of the same name (this is how
    /// MEDS-DEV fills the `???` placeholders of its tasks).
    pub fn load(task: &Path, predicates: Option<&Path>) -> Result<Self> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| Error::Io { path: p.to_path_buf(), source: e });
        let task_text = read(task)?;
        let pred_text = predicates.map(read).transpose()?;
        let task_name = task.display().to_string();
        let pred_name = predicates.map(|p| p.display().to_string());
        Self::parse(&task_name, &task_text, pred_name.as_deref().zip(pred_text.as_deref()))
    }

    /// Validates a task config given as YAML text, with an optional predicates file's text.
    ///
    /// ```
    /// let task = "
    /// predicates:
    ///   admission: {code: {regex: '^ADMISSION//'}}
    ///   death: {code: DEATH}
    /// trigger: admission
    /// windows:
    ///   target: {start: trigger, end: start + 30d, start_inclusive: false, end_inclusive: true, label: death}
    /// ";
    /// let cfg = mlhc_cohort::TaskConfig::from_yaml_str(task, None).unwrap();
    /// assert_eq!(cfg.trigger_name(), "admission");
    /// assert_eq!(cfg.label_predicate(), Some("death"));
    /// ```
    pub fn from_yaml_str(task: &str, predicates: Option<&str>) -> Result<Self> {
        Self::parse("<task>", task, predicates.map(|p| ("<predicates>", p)))
    }

    fn parse(task_name: &str, task_text: &str, predicates: Option<(&str, &str)>) -> Result<Self> {
        let tsrc = Src(task_name);
        let task = parse_yaml(&tsrc, task_text)?;
        let overrides = match predicates {
            Some((name, text)) => {
                let psrc = Src(name);
                let m = parse_yaml(&psrc, text)?;
                for (k, _) in entries(&psrc, "(top level)", &m)? {
                    if !matches!(k.as_str(), "description" | "metadata" | "predicates" | "patient_demographics") {
                        return Err(psrc.err(k, "unrecognized key (expected predicates, patient_demographics)"));
                    }
                }
                Some((name, m))
            }
            None => None,
        };

        let mut trigger_name = None;
        let mut windows_val = None;
        let mut preds_val = None;
        let mut demo_val = None;
        for (k, v) in entries(&tsrc, "(top level)", &task)? {
            match k.as_str() {
                "description" | "metadata" => {}
                "trigger" => match v {
                    Value::String(s) => trigger_name = Some(s.clone()),
                    other => return Err(tsrc.err("trigger", format!("expected a predicate name, found {}", kind_of(other)))),
                },
                "windows" => windows_val = Some(v),
                "predicates" => preds_val = Some(v),
                "patient_demographics" => demo_val = Some(v),
                _ => {
                    return Err(tsrc.err(
                        k,
                        "unrecognized key (expected predicates, patient_demographics, trigger, windows, description, metadata)",
                    ))
                }
            }
        }
        let trigger_name = trigger_name.ok_or_else(|| tsrc.err("trigger", "missing"))?;

        // Merge the predicates file over the task's own definitions.
        let mut defs = Definitions { defs: Vec::new() };
        let empty = Value::Null;
        let over_preds = overrides.as_ref().and_then(|(_, m)| m.get("predicates")).unwrap_or(&empty);
        let over_demo = overrides.as_ref().and_then(|(_, m)| m.get("patient_demographics")).unwrap_or(&empty);
        let over_name = overrides.as_ref().map_or("", |(n, _)| n);
        for (section, value, file, demographic) in [
            ("predicates", preds_val.unwrap_or(&empty), task_name, false),
            ("patient_demographics", demo_val.unwrap_or(&empty), task_name, true),
            ("predicates", over_preds, over_name, false),
            ("patient_demographics", over_demo, over_name, true),
        ] {
            let src = Src(file);
            if let Some(m) = as_mapping(&src, section, value)? {
                for (name, v) in entries(&src, section, m)? {
                    defs.set(name, v, file, demographic);
                }
            }
        }
        // A name defined both as a predicate and as a demographic resolves to the demographic (ACES
        // merges demographics last).
        let demographic_names: HashSet<String> = defs.defs.iter().filter(|d| d.3).map(|d| d.0.clone()).collect();
        defs.defs.retain(|d| d.3 || !demographic_names.contains(&d.0));

        // Windows: the raw shape first, predicate names resolved below.
        let raw_windows = match windows_val {
            Some(v) => match as_mapping(&tsrc, "windows", v)? {
                Some(m) => entries(&tsrc, "windows", m)?
                    .into_iter()
                    .map(|(name, v)| crate::windows::RawWindow::parse(&tsrc, &name, v))
                    .collect::<Result<Vec<_>>>()?,
                None => Vec::new(),
            },
            None => Vec::new(),
        };

        // Which predicates the task uses: the trigger, every window's constraints, event boundaries and
        // label, and (transitively) the inputs of derived predicates. ACES parses only these, plus every
        // patient demographic.
        let mut used: Vec<(String, String)> = vec![(trigger_name.clone(), "trigger".to_string())];
        for w in &raw_windows {
            used.extend(w.referenced_predicates());
        }
        let mut referenced: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut stack: Vec<(String, String)> = used.into_iter().rev().collect();
        let mut parsed: HashMap<String, (PredicateKind, String)> = HashMap::new();
        while let Some((name, key)) = stack.pop() {
            if is_special(&name) || !seen.insert(name.clone()) {
                continue;
            }
            let Some((_, value, file, demographic)) = defs.get(&name) else {
                return Err(tsrc.err(key, format!("predicate {name:?} is not defined")));
            };
            let src = Src(file);
            let section = if *demographic { "patient_demographics" } else { "predicates" };
            let pkey = format!("{section}.{name}");
            let kind = predicate::parse(&src, &pkey, value, *demographic)?;
            if let PredicateKind::Derived(d) = &kind {
                for input in d.input_names.iter().rev() {
                    if is_special(input) {
                        return Err(src.err(
                            format!("{pkey}.expr"),
                            format!("{input} cannot be an input of a derived predicate"),
                        ));
                    }
                    stack.push((input.clone(), format!("{pkey}.expr")));
                }
            }
            referenced.push(name.clone());
            parsed.insert(name, (kind, pkey));
        }
        for (name, value, file, demographic) in &defs.defs {
            if *demographic && !parsed.contains_key(name) {
                let pkey = format!("patient_demographics.{name}");
                let kind = predicate::parse(&Src(file), &pkey, value, true)?;
                referenced.push(name.clone());
                parsed.insert(name.clone(), (kind, pkey));
            }
        }
        for name in &referenced {
            if !is_word(name) {
                let (_, pkey) = &parsed[name];
                return Err(tsrc.err(pkey.clone(), "a predicate name may contain only letters, digits and '_'"));
            }
        }

        // Column order: plain predicates in definition order, then derived ones in dependency order.
        let def_order: HashMap<&str, usize> = defs.defs.iter().enumerate().map(|(i, d)| (d.0.as_str(), i)).collect();
        referenced.sort_by_key(|n| def_order.get(n.as_str()).copied().unwrap_or(usize::MAX));
        let mut order: Vec<String> =
            referenced.iter().filter(|n| matches!(parsed[*n].0, PredicateKind::Plain(_))).cloned().collect();
        let derived: Vec<String> =
            referenced.iter().filter(|n| matches!(parsed[*n].0, PredicateKind::Derived(_))).cloned().collect();
        let mut state: HashMap<String, u8> = HashMap::new(); // 1 = visiting, 2 = done
        fn visit(
            name: &str,
            parsed: &HashMap<String, (PredicateKind, String)>,
            state: &mut HashMap<String, u8>,
            order: &mut Vec<String>,
            src: &Src<'_>,
        ) -> Result<()> {
            let (kind, pkey) = &parsed[name];
            let PredicateKind::Derived(d) = kind else { return Ok(()) };
            match state.get(name) {
                Some(2) => return Ok(()),
                Some(_) => {
                    return Err(src.err(format!("{pkey}.expr"), format!("derived predicate {name:?} depends on itself")))
                }
                None => {}
            }
            state.insert(name.to_string(), 1);
            for input in &d.input_names {
                visit(input, parsed, state, order, src)?;
            }
            state.insert(name.to_string(), 2);
            order.push(name.to_string());
            Ok(())
        }
        for name in &derived {
            visit(name, &parsed, &mut state, &mut order, &tsrc)?;
        }
        let index: HashMap<String, usize> = order.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        let n = order.len();
        let mut predicates = Vec::with_capacity(n);
        for name in &order {
            let (mut kind, _) = parsed.remove(name).expect("every ordered predicate was parsed");
            if let PredicateKind::Derived(d) = &mut kind {
                d.inputs = d.input_names.iter().map(|i| index[i]).collect();
            }
            predicates.push(Predicate { name: name.clone(), kind });
        }
        let is_static = |i: usize| matches!(&predicates[i].kind, PredicateKind::Plain(p) if p.is_static);
        // Resolves a name used by the trigger or a window to a column; demographics are filtered on and
        // then dropped by ACES, so they cannot be used there.
        let resolve = |name: &str, key: &str| -> Result<usize> {
            match name {
                ANY_EVENT => Ok(n),
                RECORD_START => Ok(n + 1),
                RECORD_END => Ok(n + 2),
                _ => match index.get(name) {
                    Some(&i) if is_static(i) => Err(tsrc
                        .err(key, format!("{name:?} is a patient demographic; use it in a derived predicate instead"))),
                    Some(&i) => Ok(i),
                    None => Err(tsrc.err(key, format!("predicate {name:?} is not defined"))),
                },
            }
        };
        let trigger = resolve(&trigger_name, "trigger")?;

        let mut specs = Vec::with_capacity(raw_windows.len());
        for w in &raw_windows {
            specs.push(w.resolve(&tsrc, &resolve)?);
        }
        let tree = WindowTree::build(&tsrc, &specs)?;
        let mut label = None;
        let mut index_spec = None;
        for w in &specs {
            if let Some(column) = w.label {
                if let Some(LabelSpec { window, .. }) = &label {
                    return Err(tsrc.err(
                        format!("windows.{}.label", w.name),
                        format!("only one window can have a label (window {window:?} has one already)"),
                    ));
                }
                let node = tree.summary_node(&w.name).ok_or_else(|| {
                    tsrc.err(format!("windows.{}.label", w.name), "the window has zero length, so it has no summary")
                })?;
                label = Some(LabelSpec { window: w.name.clone(), node, column });
            }
            if let Some(side) = w.index_timestamp {
                if let Some(IndexSpec { window, .. }) = &index_spec {
                    return Err(tsrc.err(
                        format!("windows.{}.index_timestamp", w.name),
                        format!("only one window can set index_timestamp (window {window:?} does already)"),
                    ));
                }
                let node = tree.summary_node(&w.name).ok_or_else(|| {
                    tsrc.err(
                        format!("windows.{}.index_timestamp", w.name),
                        "the window has zero length, so it has no summary",
                    )
                })?;
                index_spec = Some(IndexSpec { window: w.name.clone(), node, side });
            }
        }
        Ok(Self { predicates, trigger, tree, label, index: index_spec })
    }

    /// The predicates the task uses (plain, then derived in dependency order).
    pub fn predicates(&self) -> &[Predicate] {
        &self.predicates
    }

    /// The name of column `c` (a predicate or a special predicate).
    pub fn column_name(&self, c: usize) -> &str {
        let n = self.predicates.len();
        match c.checked_sub(n) {
            None => &self.predicates[c].name,
            Some(0) => ANY_EVENT,
            Some(1) => RECORD_START,
            Some(_) => RECORD_END,
        }
    }

    /// The number of columns: predicates plus the three special predicates.
    pub fn n_columns(&self) -> usize {
        self.predicates.len() + 3
    }

    /// The trigger predicate's name.
    pub fn trigger_name(&self) -> &str {
        self.column_name(self.trigger)
    }

    /// The label predicate's name, if a window has a `label`.
    pub fn label_predicate(&self) -> Option<&str> {
        self.label.as_ref().map(|l| self.column_name(l.column))
    }

    /// The window whose `label` is used, if any.
    pub fn label_window(&self) -> Option<&str> {
        self.label.as_ref().map(|l| l.window.as_str())
    }

    /// The window whose `index_timestamp` gives the prediction time, if any. Without one, the
    /// prediction time is null, as in ACES.
    pub fn index_window(&self) -> Option<&str> {
        self.index.as_ref().map(|l| l.window.as_str())
    }

    /// Whether predicate `i` is a patient demographic.
    pub(crate) fn is_static(&self, i: usize) -> bool {
        matches!(&self.predicates[i].kind, PredicateKind::Plain(p) if p.is_static)
    }

    /// Whether any plain predicate compares `text_value` or another non-MEDS column.
    pub(crate) fn needs_columns(&self) -> (bool, bool) {
        let mut text = false;
        let mut extra = false;
        for p in &self.predicates {
            if let PredicateKind::Plain(pp) = &p.kind {
                for (col, _) in &pp.other_columns {
                    if col == mlhc_meds::schema::TEXT_VALUE {
                        text = true;
                    } else {
                        extra = true;
                    }
                }
            }
        }
        (text, extra)
    }
}
