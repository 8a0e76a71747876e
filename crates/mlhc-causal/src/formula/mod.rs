//! Covariate formulas: a patsy / R-style right-hand side evaluated over a [`Frame`] into a named design
//! matrix.
//!
//! `sex + race + age + I(age^2) + C(education) + smokeintensity + I(smokeintensity^2)` gives one column
//! per numeric term and one dummy per non-reference level of a categorical term. Text columns are
//! categorical whether or not they are wrapped in `C(…)`; numeric columns are categorical only inside
//! `C(…)`. Levels are sorted (numbers numerically, text by bytes) and the first is the reference, as in
//! R's treatment contrasts and patsy. Dummy columns are named `C(education)[T.2]` (or `race[T.white]`
//! for a bare text column); interactions join their parts with `:`. There is no intercept column: every
//! model of this crate fits its own intercept.

mod parse;

use mlhc_frame::{Column, Design, Frame};

pub use parse::{parse, BinOp, Expr, Factor, Func, Term};

use crate::{Error, Result};

/// A parsed covariate formula.
#[derive(Debug, Clone, PartialEq)]
pub struct Formula {
    terms: Vec<Term>,
}

/// The columns one factor contributes, column-major.
struct Block {
    names: Vec<String>,
    cols: Vec<Vec<f64>>,
}

impl Formula {
    /// Parses a right-hand side; see the [module docs](self) for the grammar.
    pub fn parse(formula: &str) -> Result<Formula> {
        let mut terms: Vec<Term> = Vec::new();
        for t in parse(formula)? {
            if !terms.iter().any(|u| u.labels == t.labels) {
                terms.push(t);
            }
        }
        Ok(Formula { terms })
    }

    /// Every column of `frame` except those in `exclude`, each as a main effect, in file order.
    pub fn all_columns(frame: &Frame, exclude: &[&str]) -> Formula {
        let terms = frame
            .names()
            .into_iter()
            .filter(|n| !exclude.contains(n))
            .map(|n| Term { factors: vec![Factor::Column(n.to_string())], labels: vec![n.to_string()] })
            .collect();
        Formula { terms }
    }

    /// The terms, `a*b` already expanded.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The distinct columns the formula reads, in order of first use.
    pub fn columns(&self) -> Vec<String> {
        fn walk(e: &Expr, out: &mut Vec<String>) {
            match e {
                Expr::Number(_) => {}
                Expr::Column(c) => {
                    if !out.contains(c) {
                        out.push(c.clone());
                    }
                }
                Expr::Neg(a) | Expr::Call(_, a) => walk(a, out),
                Expr::Binary(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
            }
        }
        let mut out = Vec::new();
        for f in self.terms.iter().flat_map(|t| &t.factors) {
            match f {
                Factor::Categorical(c) | Factor::Column(c) => walk(&Expr::Column(c.clone()), &mut out),
                Factor::Expr(e) => walk(e, &mut out),
            }
        }
        out
    }

    /// The design matrix of the formula over every row of `frame`.
    ///
    /// Errors: a column the frame lacks ([`mlhc_frame::Error::MissingColumn`]), a missing cell in a
    /// used column ([`Error::MissingCovariate`], naming the column and the first such row), a text
    /// column inside arithmetic ([`Error::TextInExpression`]), a non-finite value ([`Error::NonFinite`]).
    pub fn design(&self, frame: &Frame) -> Result<Design> {
        let n = frame.n_rows();
        for c in self.columns() {
            let col = frame.column(&c)?;
            if let Some(row) = (0..n).find(|&r| col.is_missing(r)) {
                return Err(Error::MissingCovariate { column: c, row });
            }
        }
        let mut names = Vec::new();
        let mut cols: Vec<Vec<f64>> = Vec::new();
        for term in &self.terms {
            let mut acc = Block { names: vec![String::new()], cols: vec![vec![1.0; n]] };
            for (factor, label) in term.factors.iter().zip(&term.labels) {
                let b = factor_block(frame, factor, label)?;
                let width = acc.cols.len().saturating_mul(b.cols.len());
                if over_limit(n, names.len().saturating_add(width)) {
                    return Err(too_large(n, names.len().saturating_add(width), label, width));
                }
                let mut next = Block { names: Vec::new(), cols: Vec::new() };
                for (an, ac) in acc.names.iter().zip(&acc.cols) {
                    for (bn, bc) in b.names.iter().zip(&b.cols) {
                        next.names.push(if an.is_empty() { bn.clone() } else { format!("{an}:{bn}") });
                        next.cols.push(ac.iter().zip(bc).map(|(x, y)| x * y).collect());
                    }
                }
                acc = next;
            }
            for (name, col) in acc.names.into_iter().zip(acc.cols) {
                if !names.contains(&name) {
                    names.push(name);
                    cols.push(col);
                }
            }
        }
        let p = cols.len();
        let mut values = vec![0.0; n * p];
        for (j, col) in cols.iter().enumerate() {
            for (i, v) in col.iter().enumerate() {
                values[i * p + j] = *v;
            }
        }
        Ok(Design { names, n_rows: n, n_cols: p, values })
    }
}

/// A level label: integral numbers without a decimal point (`2`, not `2.0`).
fn number_label(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The error for a design wider than a dense matrix may be, `label` adding `cols` of its columns.
fn too_large(rows: usize, cols: usize, label: &str, added: usize) -> Error {
    Error::Frame(mlhc_frame::Error::DesignTooLarge { rows, cols, widest: label.to_string(), widest_cols: added })
}

/// Whether `rows × cols` cells exceed what a dense design may hold.
fn over_limit(rows: usize, cols: usize) -> bool {
    rows.checked_mul(cols).is_none_or(|cells| cells > mlhc_frame::MAX_DESIGN_CELLS)
}

fn dummies<T: PartialEq>(cells: &[&T], levels: &[&T], label: &str, level_names: &[String]) -> Result<Block> {
    let width = levels.len().saturating_sub(1);
    if over_limit(cells.len(), width) {
        return Err(too_large(cells.len(), width, label, width));
    }
    let mut names = Vec::new();
    let mut cols = Vec::new();
    for (lvl, lname) in levels.iter().zip(level_names).skip(1) {
        names.push(format!("{label}[T.{lname}]"));
        cols.push(cells.iter().map(|c| if *c == *lvl { 1.0 } else { 0.0 }).collect());
    }
    Ok(Block { names, cols })
}

fn categorical(column: &Column, label: &str) -> Result<Block> {
    match column {
        Column::Numeric(v) => {
            let cells: Vec<f64> = v.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
            let mut levels = cells.clone();
            levels.sort_by(f64::total_cmp);
            levels.dedup();
            let refs: Vec<&f64> = cells.iter().collect();
            let lrefs: Vec<&f64> = levels.iter().collect();
            let lnames: Vec<String> = levels.iter().map(|&l| number_label(l)).collect();
            dummies(&refs, &lrefs, label, &lnames)
        }
        Column::Text(v) => {
            let cells: Vec<&str> = v.iter().map(|x| x.as_deref().unwrap_or("")).collect();
            let mut levels = cells.clone();
            levels.sort_unstable();
            levels.dedup();
            let refs: Vec<&&str> = cells.iter().collect();
            let lrefs: Vec<&&str> = levels.iter().collect();
            let lnames: Vec<String> = levels.iter().map(|s| s.to_string()).collect();
            dummies(&refs, &lrefs, label, &lnames)
        }
    }
}

fn factor_block(frame: &Frame, factor: &Factor, label: &str) -> Result<Block> {
    match factor {
        Factor::Categorical(name) => categorical(frame.column(name)?, label),
        Factor::Column(name) => match frame.column(name)? {
            Column::Text(_) => categorical(frame.column(name)?, name),
            Column::Numeric(v) => {
                let col: Vec<f64> = v.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
                if let Some(row) = col.iter().position(|x| !x.is_finite()) {
                    return Err(Error::NonFinite { what: name.clone(), row, value: col[row] });
                }
                Ok(Block { names: vec![name.clone()], cols: vec![col] })
            }
        },
        Factor::Expr(e) => {
            let col = eval(frame, e)?;
            if let Some(row) = col.iter().position(|x| !x.is_finite()) {
                return Err(Error::NonFinite { what: label.to_string(), row, value: col[row] });
            }
            Ok(Block { names: vec![label.to_string()], cols: vec![col] })
        }
    }
}

fn eval(frame: &Frame, e: &Expr) -> Result<Vec<f64>> {
    let n = frame.n_rows();
    Ok(match e {
        Expr::Number(v) => vec![*v; n],
        Expr::Column(name) => match frame.column(name)? {
            Column::Numeric(v) => v.iter().map(|x| x.unwrap_or(f64::NAN)).collect(),
            Column::Text(_) => return Err(Error::TextInExpression { name: name.clone() }),
        },
        Expr::Neg(a) => eval(frame, a)?.into_iter().map(|x| -x).collect(),
        Expr::Call(f, a) => {
            let g: fn(f64) -> f64 = match f {
                Func::Log => f64::ln,
                Func::Exp => f64::exp,
                Func::Sqrt => f64::sqrt,
                Func::Abs => f64::abs,
            };
            eval(frame, a)?.into_iter().map(g).collect()
        }
        Expr::Binary(op, a, b) => {
            let (a, b) = (eval(frame, a)?, eval(frame, b)?);
            let g: fn(f64, f64) -> f64 = match op {
                BinOp::Add => |x, y| x + y,
                BinOp::Sub => |x, y| x - y,
                BinOp::Mul => |x, y| x * y,
                BinOp::Div => |x, y| x / y,
                BinOp::Pow => |x, y| if y == 2.0 { x * x } else { x.powf(y) },
            };
            a.into_iter().zip(b).map(|(x, y)| g(x, y)).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> Frame {
        let csv = "age,edu,race,y\n30,2,white,1\n40,1,black,0\n50,3,white,1\n";
        Frame::from_csv_reader(csv.as_bytes(), b',', "t.csv").unwrap()
    }

    #[test]
    fn an_identifier_as_a_covariate_is_an_error_not_an_allocation() {
        // 40,000 rows whose `id` has one value per row: 39,999 dummies, 1.6e9 cells.
        let mut csv = String::from("age,id\n");
        for i in 0..40_000 {
            csv.push_str(&format!("{},p{i}\n", 20 + i % 50));
        }
        let frame = Frame::from_csv_reader(csv.as_bytes(), b',', "t.csv").unwrap();
        for formula in ["age + id", "age + C(id)"] {
            let e = Formula::parse(formula).unwrap().design(&frame).unwrap_err().to_string();
            assert!(e.contains("the design matrix would be 40000 rows × 39999 columns"), "{formula}: {e}");
            assert!(e.contains("alone adds 39999 columns"), "{formula}: {e}");
        }
        assert_eq!(Formula::parse("age + C(age)").unwrap().design(&frame).unwrap().n_cols, 1 + 49);
    }

    #[test]
    fn design_names_and_values() {
        let f = Formula::parse("age + I(age^2) + C(edu) + race + age:race").unwrap();
        let d = f.design(&frame()).unwrap();
        assert_eq!(
            d.names,
            vec!["age", "I(age^2)", "C(edu)[T.2]", "C(edu)[T.3]", "race[T.white]", "age:race[T.white]"]
        );
        assert_eq!(d.row(0), &[30.0, 900.0, 1.0, 0.0, 1.0, 30.0]);
        assert_eq!(d.row(1), &[40.0, 1600.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(f.columns(), vec!["age", "edu", "race"]);
    }

    #[test]
    fn all_columns_excludes_treatment_and_outcome() {
        let f = Formula::all_columns(&frame(), &["y", "edu"]);
        assert_eq!(f.design(&frame()).unwrap().names, vec!["age", "race[T.white]"]);
    }

    #[test]
    fn errors_name_the_column() {
        let e = Formula::parse("age + bmi").unwrap().design(&frame()).unwrap_err().to_string();
        assert_eq!(e, "no column \"bmi\" (columns: age, edu, race, y)");
        let e = Formula::parse("I(race^2)").unwrap().design(&frame()).unwrap_err().to_string();
        assert_eq!(e, "column \"race\" holds text; it can only enter as a categorical term");
        let g = Frame::from_csv_reader("a,b\n1,2\nNA,3\n".as_bytes(), b',', "t.csv").unwrap();
        let e = Formula::parse("b + a").unwrap().design(&g).unwrap_err().to_string();
        assert_eq!(e, "covariate column \"a\" has a missing value at row 1");
        let (t, y) = (vec![true, false], vec![1.0, 2.0]);
        let d = Formula::parse("1").unwrap().design(&g.select_rows(&[0, 0])).unwrap();
        let e = crate::CausalData::new(d, t, y).unwrap_err().to_string();
        assert_eq!(e, "the covariates give no design column");
        let e = Formula::parse("log(b - 2)").unwrap().design(&g).unwrap_err().to_string();
        assert_eq!(e, "log(b-2) at row 0 is -inf; values must be finite");
    }
}
