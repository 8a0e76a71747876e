//! ETL configurations: raw YAML (MEDS-Extract event-config form) → a validated [`EtlConfig`].
//!
//! The file is a mapping. Reserved top-level keys: `etl` (`dataset_name`, `dataset_version`,
//! `n_subjects_per_shard`), `subject_id_col` (default `subject_id`) and `sources` (download
//! locations, ignored here). Every other top-level key names a raw table (a path under the raw folder
//! without extension, such as `hosp/labevents`) and maps event names to event blocks:
//!
//! ```yaml
//! hosp/diagnoses_icd:
//!   _table:                       # optional table preparation
//!     subject_id: subject_id      # mlhc extension: this table's subject id column
//!     cols: {year: "$anchor_year - $anchor_age"}          # computed columns
//!     join:
//!       hosp/admissions: {key: hadm_id, cols: [dischtime]}  # lookup join (first row per key)
//!       # or {left_on: [a, b], right_on: [c, d], cols: {deathtime: min}} (aggregated join)
//!   diagnosis:
//!     code: f"DIAGNOSIS//ICD//{$icd_version}//{$icd_code}"
//!     time: '$dischtime::"%Y-%m-%d %H:%M:%S"'              # null → a static event
//!     numeric_value: $valuenum                             # optional
//!     text_value: $value                                   # optional
//!     description: $long_title                             # mlhc extension: codes.parquet description
//!     hadm_id: $hadm_id                                    # other keys: extra columns, not written
//! ```
//!
//! Expressions are described in [`super::expr`]. `_metadata` blocks (MEDS-Extract's code metadata)
//! fill descriptions and parent codes in `codes.parquet` where the dictionary's keys cover every
//! column of the code ([`MetadataSource`]); the run report notes the blocks it could not apply.

use std::path::{Path, PathBuf};

use serde_norway::Value as Yaml;

use super::expr::Expr;
use crate::{Error, Result};

/// The names of the configurations shipped with mlhc, for `--config NAME`.
pub const BUILTIN_CONFIGS: [&str; 2] = ["mimic-iv", "mimic-iii"];

/// The YAML text of a shipped configuration.
pub fn builtin_config(name: &str) -> Option<&'static str> {
    match name {
        "mimic-iv" => Some(include_str!("../../configs/mimic-iv.yaml")),
        "mimic-iii" => Some(include_str!("../../configs/mimic-iii.yaml")),
        _ => None,
    }
}

/// A validated ETL configuration.
#[derive(Debug, Clone)]
pub struct EtlConfig {
    /// Where the configuration came from (a file path, or `builtin:NAME`).
    pub origin: PathBuf,
    /// The dataset name written to `dataset.json` (`etl.dataset_name`).
    pub dataset_name: Option<String>,
    /// The dataset version written to `dataset.json` (`etl.dataset_version`).
    pub dataset_version: Option<String>,
    /// Subjects per output shard (`etl.n_subjects_per_shard`); `None` leaves the choice to the run
    /// options.
    pub n_subjects_per_shard: Option<usize>,
    /// The tables, in file order (which is also the order of events at equal times).
    pub tables: Vec<TableConfig>,
    /// Parts of the file that were accepted but have no effect (for the run report).
    pub notes: Vec<String>,
}

/// One raw table and the events taken from each of its rows.
#[derive(Debug, Clone)]
pub struct TableConfig {
    /// The table's path under the raw folder, without extension (e.g. `hosp/labevents`).
    pub name: String,
    /// The subject id column. By default, the top-level `subject_id_col`, else `subject_id`.
    pub subject_id_col: String,
    /// Computed columns, in declaration order; each may read raw, joined and earlier computed columns.
    pub cols: Vec<ComputedColumn>,
    /// Joins to other tables, in declaration order.
    pub joins: Vec<JoinConfig>,
    /// The event blocks, in declaration order.
    pub events: Vec<EventConfig>,
}

/// A computed column (`_table.cols`).
#[derive(Debug, Clone)]
pub struct ComputedColumn {
    /// The column's name, readable as `$name`.
    pub name: String,
    /// Its expression.
    pub expr: Expr,
}

/// How a joined column combines the rows of the other table that share a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregation {
    /// A plain lookup (`cols: [col]`): the first row with the key, in file order. Keys held by several
    /// rows are counted in the report, since a lookup table is expected to have one row per key.
    Lookup,
    /// The smallest non-null value (text order; chronological for fixed-width timestamps).
    Min,
    /// The largest non-null value.
    Max,
    /// The first non-null value in file order.
    First,
    /// The last non-null value in file order.
    Last,
}

impl Aggregation {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "min" => Self::Min,
            "max" => Self::Max,
            "first" => Self::First,
            "last" => Self::Last,
            _ => return None,
        })
    }
}

/// A join to another raw table (`_table.join`): a left join, so rows without a match keep null
/// joined columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinConfig {
    /// The other table (a name under the raw folder).
    pub table: String,
    /// Key columns of this table (raw or computed).
    pub left_on: Vec<String>,
    /// Key columns of the other table, aligned with `left_on`.
    pub right_on: Vec<String>,
    /// The columns brought over, each with its aggregation.
    pub cols: Vec<(String, Aggregation)>,
}

/// One event block: which event a row yields.
#[derive(Debug, Clone)]
pub struct EventConfig {
    /// The block's name (e.g. `lab`).
    pub name: String,
    /// The code; a null code yields no event.
    pub code: Expr,
    /// The time; `None` for static events. A null time yields no event.
    pub time: Option<Expr>,
    /// The numeric value (text is parsed leniently: empty is null, non-numeric text rejects the row).
    pub numeric_value: Option<Expr>,
    /// The text value.
    pub text_value: Option<Expr>,
    /// The code's description for `codes.parquet` (mlhc extension), taken from the first row that
    /// yields the code.
    pub description: Option<Expr>,
    /// Code metadata from dictionary tables (`_metadata`), for `codes.parquet`.
    pub metadata: Vec<MetadataSource>,
}

/// A `_metadata` block: a dictionary table whose rows give descriptions and parent codes of the
/// event's codes. Its keys that name columns of the event's code expression are the join keys: each
/// dictionary row renders a code with the event's code expression, and the row's `description` and
/// `parent_codes` go to that code when the dataset has it. Only full matches are supported (every
/// column of the code expression is a key); other blocks are skipped with a note. A `_self` block's
/// expressions read the event's own row instead, like `description:`.
#[derive(Debug, Clone)]
pub struct MetadataSource {
    /// The dictionary table, a name under the raw folder (or `_self`).
    pub table: String,
    /// Key columns: (code-expression column, expression over the dictionary row).
    pub keys: Vec<(String, Expr)>,
    /// The description, over the dictionary row.
    pub description: Option<Expr>,
    /// The parent code, over the dictionary row.
    pub parent_codes: Option<Expr>,
}

struct Ctx<'a> {
    origin: &'a Path,
    notes: Vec<String>,
    /// Per table, the extra (non-MEDS) column keys of its event blocks.
    extras: Vec<(String, Vec<String>)>,
}

impl Ctx<'_> {
    fn err(&self, key: &str, message: impl Into<String>) -> Error {
        Error::Config { path: self.origin.to_path_buf(), key: key.to_string(), message: message.into() }
    }

    fn scalar(&self, key: &str, v: &Yaml) -> Result<Option<String>> {
        match v {
            Yaml::Null => Ok(None),
            Yaml::String(s) => Ok(Some(s.clone())),
            Yaml::Number(n) => Ok(Some(n.to_string())),
            Yaml::Bool(b) => Ok(Some(b.to_string())),
            Yaml::Sequence(_) => Err(self.err(
                key,
                "a list is the pre-0.7 MEDS-Extract syntax; write one expression, e.g. f\"LAB//{$itemid}//{$valueuom ?? 'UNK'}\"",
            )),
            _ => Err(self.err(key, "expected a string")),
        }
    }

    fn expr(&self, key: &str, v: &Yaml) -> Result<Option<Expr>> {
        match self.scalar(key, v)? {
            None => Ok(None),
            Some(s) => Expr::parse(&s).map(Some).map_err(|e| self.err(key, e.message)),
        }
    }

    fn names(&self, key: &str, v: &Yaml) -> Result<Vec<String>> {
        let one = |x: &Yaml| self.scalar(key, x)?.ok_or_else(|| self.err(key, "expected a column name"));
        match v {
            Yaml::Sequence(items) => items.iter().map(one).collect(),
            other => Ok(vec![one(other)?]),
        }
    }
}

fn mapping<'a>(ctx: &Ctx<'_>, key: &str, v: &'a Yaml) -> Result<&'a serde_norway::Mapping> {
    v.as_mapping().ok_or_else(|| ctx.err(key, "expected a mapping"))
}

fn key_str(ctx: &Ctx<'_>, parent: &str, k: &Yaml) -> Result<String> {
    k.as_str().map(str::to_string).ok_or_else(|| ctx.err(parent, format!("keys must be strings, found {k:?}")))
}

impl EtlConfig {
    /// Loads a configuration: a shipped name from [`BUILTIN_CONFIGS`], or a path to a YAML file.
    pub fn load(spec: &str) -> Result<Self> {
        if let Some(text) = builtin_config(spec) {
            return Self::from_yaml(text, Path::new(&format!("builtin:{spec}")));
        }
        let path = Path::new(spec);
        if !path.exists() {
            return Err(Error::InvalidArgument {
                name: "config".into(),
                message: format!("{spec:?} is neither a shipped config ({}) nor a file", BUILTIN_CONFIGS.join(", ")),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_yaml(&text, path)
    }

    /// Parses and validates YAML text; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &Path) -> Result<Self> {
        let mut ctx = Ctx { origin, notes: Vec::new(), extras: Vec::new() };
        let root: Yaml = serde_norway::from_str(text).map_err(|e| ctx.err("(file)", e.to_string()))?;
        let root = mapping(&ctx, "(file)", &root)?;
        let mut cfg = EtlConfig {
            origin: origin.to_path_buf(),
            dataset_name: None,
            dataset_version: None,
            n_subjects_per_shard: None,
            tables: Vec::new(),
            notes: Vec::new(),
        };
        let mut default_subject = "subject_id".to_string();
        if let Some(v) = root.get("subject_id_col") {
            default_subject = ctx.scalar("subject_id_col", v)?.ok_or_else(|| ctx.err("subject_id_col", "is null"))?;
        }
        for (k, v) in root {
            let name = key_str(&ctx, "(file)", k)?;
            match name.as_str() {
                "subject_id_col" => {}
                "sources" => ctx.notes.push("`sources` (download locations) is not used by mlhc etl".into()),
                "etl" => {
                    for (ek, ev) in mapping(&ctx, "etl", v)? {
                        let ek = key_str(&ctx, "etl", ek)?;
                        let key = format!("etl.{ek}");
                        match ek.as_str() {
                            "dataset_name" => cfg.dataset_name = ctx.scalar(&key, ev)?,
                            "dataset_version" => cfg.dataset_version = ctx.scalar(&key, ev)?,
                            "n_subjects_per_shard" => {
                                let n = ev
                                    .as_u64()
                                    .filter(|&n| n > 0)
                                    .ok_or_else(|| ctx.err(&key, "expected a positive integer"))?;
                                cfg.n_subjects_per_shard = Some(n as usize);
                            }
                            _ => ctx.notes.push(format!("`{key}` is not used by mlhc etl")),
                        }
                    }
                }
                _ if name.starts_with('_') => ctx.notes.push(format!("top-level `{name}` is not used by mlhc etl")),
                _ => {
                    let table = parse_table(&mut ctx, &name, v, &default_subject)?;
                    cfg.tables.push(table);
                }
            }
        }
        if cfg.tables.is_empty() {
            return Err(ctx.err(
                "(file)",
                "no tables: every top-level key other than etl, sources and subject_id_col names a raw table",
            ));
        }
        if !ctx.extras.is_empty() {
            let list: Vec<String> = ctx.extras.iter().map(|(t, c)| format!("{t} ({})", c.join(", "))).collect();
            ctx.notes.push(format!(
                "extra columns are not written (mlhc writes the MEDS columns only): {}",
                list.join("; ")
            ));
        }
        cfg.notes = ctx.notes;
        Ok(cfg)
    }

    /// The configuration restricted to the tables for which `keep` is true (used by tests and by
    /// `--tables`).
    pub fn retain_tables(&mut self, keep: impl Fn(&str) -> bool) {
        self.tables.retain(|t| keep(&t.name));
    }
}

fn parse_table(ctx: &mut Ctx<'_>, name: &str, v: &Yaml, default_subject: &str) -> Result<TableConfig> {
    let mut t = TableConfig {
        name: name.to_string(),
        subject_id_col: default_subject.to_string(),
        cols: Vec::new(),
        joins: Vec::new(),
        events: Vec::new(),
    };
    let mut extras: Vec<String> = Vec::new();
    for (k, v) in mapping(ctx, name, v)? {
        let key = key_str(ctx, name, k)?;
        if key == "_table" {
            parse_table_prep(ctx, &mut t, v)?;
            continue;
        }
        let path = format!("{name}.{key}");
        let block = mapping(ctx, &path, v)?;
        let mut code = None;
        let mut time = None;
        let mut has_time = false;
        let mut ev = EventConfig {
            name: key.clone(),
            code: Expr::Lit(super::expr::Value::Null),
            time: None,
            numeric_value: None,
            text_value: None,
            description: None,
            metadata: Vec::new(),
        };
        for (bk, bv) in block {
            let bk = key_str(ctx, &path, bk)?;
            let bpath = format!("{path}.{bk}");
            match bk.as_str() {
                "code" => code = ctx.expr(&bpath, bv)?,
                "time" => {
                    has_time = true;
                    time = ctx.expr(&bpath, bv)?;
                }
                "numeric_value" => ev.numeric_value = ctx.expr(&bpath, bv)?,
                "text_value" => ev.text_value = ctx.expr(&bpath, bv)?,
                "description" => ev.description = ctx.expr(&bpath, bv)?,
                "time_format" => {
                    return Err(
                        ctx.err(&bpath, "time_format is the pre-0.7 syntax; write time: '$col::\"%Y-%m-%d %H:%M:%S\"'")
                    )
                }
                "_metadata" => {
                    for (mk, mv) in mapping(ctx, &bpath, bv)? {
                        let table = key_str(ctx, &bpath, mk)?;
                        let mpath = format!("{bpath}.{table}");
                        let mut src = MetadataSource { table, keys: Vec::new(), description: None, parent_codes: None };
                        for (fk, fv) in mapping(ctx, &mpath, mv)? {
                            let field = key_str(ctx, &mpath, fk)?;
                            let fpath = format!("{mpath}.{field}");
                            // The dict form `{column: "name with spaces"}` names a raw column.
                            let expr = match fv.as_mapping().and_then(|m| m.get("column")) {
                                Some(c) => {
                                    let name = ctx.scalar(&fpath, c)?.ok_or_else(|| ctx.err(&fpath, "is null"))?;
                                    Some(Expr::Col { name, slot: super::expr::Slot::Unresolved })
                                }
                                None => ctx.expr(&fpath, fv)?,
                            };
                            let Some(expr) = expr else { continue };
                            match field.as_str() {
                                "description" => src.description = Some(expr),
                                "parent_codes" => src.parent_codes = Some(expr),
                                _ => src.keys.push((field, expr)),
                            }
                        }
                        ev.metadata.push(src);
                    }
                }
                _ => {
                    // Extra columns (hadm_id, …): parse them so a typo is caught, but do not write them.
                    ctx.expr(&bpath, bv)?;
                    if !extras.contains(&bk) {
                        extras.push(bk);
                    }
                }
            }
        }
        ev.code = code.ok_or_else(|| ctx.err(&path, "missing key code"))?;
        if !has_time {
            return Err(ctx.err(&path, "missing key time (write time: null for a static event)"));
        }
        ev.time = time;
        t.events.push(ev);
    }
    if !extras.is_empty() {
        ctx.extras.push((name.to_string(), extras));
    }
    if t.events.is_empty() {
        return Err(ctx.err(name, "no event blocks"));
    }
    Ok(t)
}

fn parse_table_prep(ctx: &mut Ctx<'_>, t: &mut TableConfig, v: &Yaml) -> Result<()> {
    let base = format!("{}._table", t.name);
    for (k, v) in mapping(ctx, &base, v)? {
        let key = key_str(ctx, &base, k)?;
        let path = format!("{base}.{key}");
        match key.as_str() {
            "subject_id" => t.subject_id_col = ctx.scalar(&path, v)?.ok_or_else(|| ctx.err(&path, "is null"))?,
            "cols" => {
                for (ck, cv) in mapping(ctx, &path, v)? {
                    let name = key_str(ctx, &path, ck)?;
                    let cpath = format!("{path}.{name}");
                    if t.cols.iter().any(|c| c.name == name) {
                        return Err(ctx.err(&cpath, "defined twice"));
                    }
                    let expr = ctx.expr(&cpath, cv)?.ok_or_else(|| ctx.err(&cpath, "is null"))?;
                    t.cols.push(ComputedColumn { name, expr });
                }
            }
            "join" => {
                for (jk, jv) in mapping(ctx, &path, v)? {
                    let table = key_str(ctx, &path, jk)?;
                    let jpath = format!("{path}.{table}");
                    t.joins.push(parse_join(ctx, &jpath, table, jv)?);
                }
            }
            _ => return Err(ctx.err(&path, "unknown key (expected subject_id, cols or join)")),
        }
    }
    Ok(())
}

fn parse_join(ctx: &Ctx<'_>, path: &str, table: String, v: &Yaml) -> Result<JoinConfig> {
    let m = mapping(ctx, path, v)?;
    let mut j = JoinConfig { table, left_on: Vec::new(), right_on: Vec::new(), cols: Vec::new() };
    for (k, v) in m {
        let key = key_str(ctx, path, k)?;
        let kpath = format!("{path}.{key}");
        match key.as_str() {
            "key" => {
                j.left_on = ctx.names(&kpath, v)?;
                j.right_on = j.left_on.clone();
            }
            "left_on" => j.left_on = ctx.names(&kpath, v)?,
            "right_on" => j.right_on = ctx.names(&kpath, v)?,
            "cols" => match v {
                Yaml::Mapping(cols) => {
                    for (ck, cv) in cols {
                        let name = key_str(ctx, &kpath, ck)?;
                        let agg = ctx.scalar(&kpath, cv)?.unwrap_or_default();
                        let agg = Aggregation::parse(&agg).ok_or_else(|| {
                            ctx.err(
                                &format!("{kpath}.{name}"),
                                format!("unknown aggregation {agg:?} (expected min, max, first or last)"),
                            )
                        })?;
                        j.cols.push((name, agg));
                    }
                }
                other => j.cols = ctx.names(&kpath, other)?.into_iter().map(|c| (c, Aggregation::Lookup)).collect(),
            },
            _ => return Err(ctx.err(&kpath, "unknown key (expected key, left_on, right_on or cols)")),
        }
    }
    if j.left_on.is_empty() || j.left_on.len() != j.right_on.len() {
        return Err(ctx.err(path, "needs `key`, or `left_on` and `right_on` of the same length"));
    }
    if j.cols.is_empty() {
        return Err(ctx.err(path, "needs `cols`"));
    }
    Ok(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EtlConfig> {
        EtlConfig::from_yaml(text, Path::new("test.yaml"))
    }

    #[test]
    fn shipped_configs_parse() {
        for name in BUILTIN_CONFIGS {
            let cfg = EtlConfig::load(name).expect("shipped config is valid");
            assert!(!cfg.tables.is_empty(), "{name}");
        }
    }

    #[test]
    fn errors_name_the_key() {
        let e = parse("t:\n  ev:\n    code: '$a ??'\n    time: null\n").map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(e, Err("test.yaml: t.ev.code: unexpected end of expression at offset 5 in \"$a ??\"".into()));
        let e = parse("t:\n  ev:\n    code: X\n").map(|_| ()).map_err(|e| e.to_string());
        assert_eq!(e, Err("test.yaml: t.ev: missing key time (write time: null for a static event)".into()));
        let e =
            parse("t:\n  ev:\n    code: [LAB, col(itemid)]\n    time: null\n").map(|_| ()).map_err(|e| e.to_string());
        assert!(e.is_err_and(|m| m.contains("pre-0.7")));
        let e = parse("t:\n  _table:\n    join:\n      u: {key: k, cols: {x: median}}\n  ev: {code: X, time: null}\n")
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(
            e,
            Err("test.yaml: t._table.join.u.cols.x: unknown aggregation \"median\" (expected min, max, first or last)"
                .into())
        );
    }

    #[test]
    fn joins_and_cols_are_read_in_order() {
        let cfg = parse(
            "etl: {dataset_name: D, n_subjects_per_shard: 7}\n\
             p:\n  _table:\n    cols: {y: '$a - $b'}\n    join:\n      adm: {key: subject_id, cols: {deathtime: min}}\n      \
             rx: {left_on: [pid, y], right_on: [pid, t], cols: [ndc]}\n  \
             death:\n    code: MEDS_DEATH\n    time: '$deathtime::\"%Y-%m-%d %H:%M:%S\"'\n    hadm_id: $hadm_id\n",
        )
        .expect("valid");
        assert_eq!(cfg.dataset_name.as_deref(), Some("D"));
        assert_eq!(cfg.n_subjects_per_shard, Some(7));
        let t = &cfg.tables[0];
        assert_eq!(t.cols[0].name, "y");
        assert_eq!(t.joins[0].cols, [("deathtime".to_string(), Aggregation::Min)]);
        assert_eq!(t.joins[1].right_on, ["pid", "t"]);
        assert_eq!(t.joins[1].cols, [("ndc".to_string(), Aggregation::Lookup)]);
        assert!(cfg.notes.iter().any(|n| n.contains("hadm_id")));
    }
}
