//! Survival inputs from a named-column table ([`mlhc_frame::Frame`]): durations, events, a design
//! matrix (text covariates one-hot encoded, first sorted level as reference), strata, weights and
//! clusters. No file I/O: the caller reads the frame.

use mlhc_frame::{Column, Design, Frame};

use crate::error::{Error, Result};

/// Which columns play which role.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// The duration column (numeric, ≥ 0).
    pub duration: String,
    /// The event column: 0/1 or true/false.
    pub event: String,
    /// Covariate columns. By default (`None`), every numeric column not named in another role and not
    /// the unnamed index column `""`.
    pub covariates: Option<Vec<String>>,
    /// A grouping column (log-rank groups, Kaplan–Meier curves), numeric or text. By default, none.
    pub group: Option<String>,
    /// A strata column, numeric or text. By default, none.
    pub strata: Option<String>,
    /// A case-weight column (numeric, > 0). By default, none.
    pub weights: Option<String>,
    /// A cluster column for robust standard errors, numeric or text. By default, none.
    pub cluster: Option<String>,
    /// An entry-time column for start–stop data (numeric). By default, none.
    pub entry: Option<String>,
    /// Drop rows with a missing cell in any used column instead of failing. By default, false.
    pub drop_incomplete: bool,
}

/// Integer codes for a label column and the level names they stand for (sorted).
#[derive(Debug, Clone, PartialEq)]
pub struct Labels {
    /// One code per row, indexing `levels`.
    pub codes: Vec<usize>,
    /// Level names in code order: text sorted, or numbers sorted numerically and printed.
    pub levels: Vec<String>,
}

/// A table resolved into survival inputs.
#[derive(Debug, Clone)]
pub struct SurvivalTable {
    /// Durations.
    pub durations: Vec<f64>,
    /// Event flags.
    pub events: Vec<bool>,
    /// Covariate names (one-hot dummies named `col[T.level]`).
    pub names: Vec<String>,
    /// Covariates, row-major `n × names.len()`.
    pub x: Vec<f64>,
    /// Group labels, when a group column was given.
    pub group: Option<Labels>,
    /// Strata labels, when a strata column was given.
    pub strata: Option<Labels>,
    /// Case weights, when a weight column was given.
    pub weights: Option<Vec<f64>>,
    /// Cluster labels, when a cluster column was given.
    pub clusters: Option<Labels>,
    /// Entry times, when an entry column was given.
    pub entries: Option<Vec<f64>>,
    /// Rows dropped for missing cells (0 unless [`Roles::drop_incomplete`]).
    pub n_dropped: usize,
}

impl SurvivalTable {
    /// Resolves `roles` against `frame`.
    pub fn from_frame(frame: &Frame, roles: &Roles) -> Result<Self> {
        let mut special: Vec<&str> = vec![roles.duration.as_str(), roles.event.as_str()];
        for c in [&roles.group, &roles.strata, &roles.weights, &roles.cluster, &roles.entry].into_iter().flatten() {
            special.push(c);
        }
        let covariates: Vec<String> = match &roles.covariates {
            Some(c) => c.clone(),
            None => frame
                .names()
                .into_iter()
                .filter(|n| !n.is_empty() && !special.contains(n))
                .filter(|n| matches!(frame.column(n), Ok(Column::Numeric(_))))
                .map(String::from)
                .collect(),
        };
        for c in &covariates {
            if special.contains(&c.as_str()) {
                return Err(Error::InvalidParam {
                    name: "covariates",
                    message: format!(
                        "{c:?} is also the duration, event, group, strata, weight, cluster or entry column"
                    ),
                });
            }
        }
        let mut used: Vec<&str> = special.clone();
        used.extend(covariates.iter().map(String::as_str));
        let rows = frame.complete_rows(&used)?;
        let n_dropped = frame.n_rows() - rows.len();
        let owned;
        let frame = if n_dropped > 0 && roles.drop_incomplete {
            owned = frame.select_rows(&rows);
            &owned
        } else {
            frame
        };
        let durations = required_numbers(frame, &roles.duration)?;
        let events = frame
            .boolean(&roles.event)?
            .into_iter()
            .enumerate()
            .map(|(row, v)| {
                v.ok_or_else(|| mlhc_frame::Error::MissingValue { column: roles.event.clone(), row }.into())
            })
            .collect::<Result<Vec<bool>>>()?;
        let refs: Vec<&str> = covariates.iter().map(String::as_str).collect();
        let design = frame.design(&refs)?;
        let numbers = |c: &Option<String>| c.as_deref().map(|c| required_numbers(frame, c)).transpose();
        let weights = numbers(&roles.weights)?;
        let entries = numbers(&roles.entry)?;
        let labels = |c: &Option<String>| c.as_deref().map(|c| labels(frame, c)).transpose();
        Ok(Self {
            durations,
            events,
            names: design.names,
            x: design.values,
            group: labels(&roles.group)?,
            strata: labels(&roles.strata)?,
            weights,
            clusters: labels(&roles.cluster)?,
            entries,
            n_dropped: if roles.drop_incomplete { n_dropped } else { 0 },
        })
    }

    /// Like [`SurvivalTable::from_frame`], with the covariates already read into `design` (by
    /// [`Frame::read_with_design`], which reads a tall table in half the memory): `frame` holds the
    /// other roles' columns. `None` when rows would have to be dropped for missing cells in those
    /// columns (then read the covariates into the frame too and use [`SurvivalTable::from_frame`]).
    pub fn from_frame_and_design(frame: &Frame, design: Design, roles: &Roles) -> Result<Option<Self>> {
        let special = [&roles.group, &roles.strata, &roles.weights, &roles.cluster, &roles.entry];
        let is_special =
            |c: &str| c == roles.duration || c == roles.event || special.iter().any(|s| s.as_deref() == Some(c));
        if let Some(c) = design.names.iter().find(|c| is_special(c)) {
            return Err(Error::InvalidParam {
                name: "covariates",
                message: format!("{c:?} is also the duration, event, group, strata, weight, cluster or entry column"),
            });
        }
        if roles.covariates.as_ref().is_some_and(|c| *c != design.names) || design.n_rows != frame.n_rows() {
            return Err(Error::InvalidParam {
                name: "design",
                message: format!(
                    "the design has columns [{}] and {} rows, the roles name [{}] and the frame has {} rows",
                    design.names.join(", "),
                    design.n_rows,
                    roles.covariates.as_deref().unwrap_or_default().join(", "),
                    frame.n_rows()
                ),
            });
        }
        let mut table = Self::from_frame(frame, &Roles { covariates: Some(Vec::new()), ..roles.clone() })?;
        if table.n_dropped > 0 {
            return Ok(None);
        }
        table.names = design.names;
        table.x = design.values;
        Ok(Some(table))
    }

    /// Rows.
    pub fn n_rows(&self) -> usize {
        self.durations.len()
    }
}

/// The numbers of a numeric column in which every cell must be present; the first missing cell is
/// [`mlhc_frame::Error::MissingValue`].
fn required_numbers(frame: &Frame, column: &str) -> Result<Vec<f64>> {
    let v = frame.numeric(column)?;
    if let Some(values) = v.as_complete() {
        return Ok(values.to_vec());
    }
    v.iter()
        .enumerate()
        .map(|(row, x)| x.ok_or_else(|| mlhc_frame::Error::MissingValue { column: column.to_string(), row }.into()))
        .collect()
}

/// Codes for a numeric or text column; a missing cell is an error.
pub fn labels(frame: &Frame, column: &str) -> Result<Labels> {
    let missing = |row: usize| -> Error { mlhc_frame::Error::MissingValue { column: column.to_string(), row }.into() };
    match frame.column(column)? {
        Column::Numeric(v) => {
            let values =
                v.iter().enumerate().map(|(r, x)| x.ok_or_else(|| missing(r))).collect::<Result<Vec<f64>>>()?;
            let mut levels = values.clone();
            levels.sort_by(f64::total_cmp);
            levels.dedup();
            let codes = values.iter().map(|x| levels.partition_point(|l| l.total_cmp(x).is_lt())).collect();
            Ok(Labels { codes, levels: levels.iter().map(|l| l.to_string()).collect() })
        }
        Column::Text(v) => {
            let values = v
                .iter()
                .enumerate()
                .map(|(r, x)| x.as_deref().ok_or_else(|| missing(r)))
                .collect::<Result<Vec<&str>>>()?;
            let mut levels = values.clone();
            levels.sort_unstable();
            levels.dedup();
            let codes = values.iter().map(|x| levels.partition_point(|l| l < x)).collect();
            Ok(Labels { codes, levels: levels.into_iter().map(String::from).collect() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_covariates_one_hot_and_dropping() {
        let csv = ",t,e,age,sex,site\n0,5,1,60,m,2\n1,3,false,,f,1\n2,4,true,50,f,2\n";
        let frame = Frame::from_csv_reader(csv.as_bytes(), b',', "t.csv").unwrap();
        let mut roles = Roles { duration: "t".into(), event: "e".into(), ..Roles::default() };
        // e mixes 1 and false: a text column read as booleans.
        let err = SurvivalTable::from_frame(&frame, &roles).unwrap_err();
        assert!(err.to_string().contains("\"age\", row 1"), "{err}");
        roles.drop_incomplete = true;
        roles.strata = Some("site".into());
        let t = SurvivalTable::from_frame(&frame, &roles).unwrap();
        assert_eq!(t.names, vec!["age"]);
        assert_eq!(t.n_dropped, 1);
        assert_eq!(t.events, vec![true, true]);
        assert_eq!(t.strata.unwrap().levels, vec!["2"]);
        roles.covariates = Some(vec!["age".into(), "sex".into()]);
        roles.strata = None;
        let t = SurvivalTable::from_frame(&frame, &roles).unwrap();
        assert_eq!(t.names, vec!["age", "sex[T.m]"]);
        assert_eq!(t.x, vec![60.0, 1.0, 50.0, 0.0]);
    }

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_design_read_beside_the_frame() -> TestResult {
        let csv = "t,e,age,site\n5,1,60,2\n3,0,70,\n4,1,50,1\n";
        let whole = Frame::from_csv_reader(csv.as_bytes(), b',', "t.csv")?;
        let design = whole.design(&["age"])?;
        let frame = Frame::from_csv_reader("t,e,site\n5,1,2\n3,0,\n4,1,1\n".as_bytes(), b',', "r.csv")?;
        let mut roles = Roles { duration: "t".into(), event: "e".into(), ..Roles::default() };
        roles.covariates = Some(vec!["age".into()]);
        let t =
            SurvivalTable::from_frame_and_design(&frame, design.clone(), &roles)?.ok_or("no table from the design")?;
        let full = SurvivalTable::from_frame(&whole, &roles)?;
        assert_eq!((&t.names, &t.x, &t.durations, &t.events), (&full.names, &full.x, &full.durations, &full.events));
        // Rows to drop for the strata's missing cell: no shortcut; without dropping, from_frame's error.
        roles.strata = Some("site".into());
        roles.drop_incomplete = true;
        assert!(SurvivalTable::from_frame_and_design(&frame, design.clone(), &roles)?.is_none());
        roles.drop_incomplete = false;
        let err = SurvivalTable::from_frame_and_design(&frame, design.clone(), &roles).unwrap_err().to_string();
        assert!(err.contains("\"site\", row 1"), "{err}");
        // Covariates that are another role, or that differ from the design's columns, are errors.
        roles.strata = Some("age".into());
        assert!(SurvivalTable::from_frame_and_design(&frame, design.clone(), &roles).is_err());
        roles.strata = None;
        roles.covariates = Some(vec!["site".into()]);
        assert!(SurvivalTable::from_frame_and_design(&frame, design, &roles).is_err());
        Ok(())
    }
}
