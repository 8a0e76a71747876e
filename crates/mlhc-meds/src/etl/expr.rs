//! The small expression language of ETL configs: the subset of [dftly] that MEDS-Extract event configs
//! use.
//!
//! | form | meaning |
//! |---|---|
//! | `$col` | the value of a column (a raw column, a computed `_table.cols` column or a joined column) |
//! | `'text'`, `"text"`, `12`, `1.5` | literals |
//! | a bare word such as `MEDS_BIRTH` | a string literal (a string without `$`, quotes or parentheses) |
//! | `f"LAB//{$itemid}//{$valueuom ?? 'UNK'}"` | a format string; null when any interpolated part is null |
//! | `a ?? b`, `coalesce(a, b, …)` | the first non-null operand |
//! | `x::"%Y-%m-%d %H:%M:%S"` | strict datetime parse: an unparseable value rejects the row |
//! | `x::?"%Y-%m-%d"` | lenient datetime parse: an unparseable value is null |
//! | `x::year` | January 1 of the year `x` |
//! | `x::str`, `x::int`, `x::float` | casts (strict: a value that does not convert rejects the row) |
//! | `a + b`, `a - b`, `a * b`, `a / b` | arithmetic on numbers (numeric text is read as a number) |
//! | `a == b`, `a != b`, `<`, `<=`, `>`, `>=`, `and`, `or`, `not` | comparisons and logic (null is false) |
//! | `a if cond else b`, `a if cond` | conditionals; without `else` the result is null when `cond` is false |
//! | `x[0:3]`, `x[-3:]`, `len_chars(x)` | character slices and length |
//!
//! Expressions are parsed once ([`Expr::parse`]), their columns resolved to slots of a table once
//! ([`Expr::resolve`]), and then evaluated per row against a [`Row`] without allocating, except where
//! a result is built text (format strings, casts to text).
//!
//! [dftly]: https://github.com/mmcdermott/dftly

use std::borrow::Cow;
use std::fmt::Write as _;

use mlhc_core::Timestamp;

/// Where a column's value comes from, resolved against one table ([`Expr::resolve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Not yet resolved.
    Unresolved,
    /// Field `i` of the raw row.
    Raw(usize),
    /// Computed column `i` of the table (`_table.cols`).
    Computed(usize),
    /// Column `col` of joined table `join` (`_table.join`).
    Joined {
        /// The join, in declaration order.
        join: usize,
        /// The column within the join's columns.
        col: usize,
    },
}

/// A value during evaluation. Text borrows from the row where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Missing.
    Null,
    /// Text.
    Str(Cow<'a, str>),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A point in time, microseconds since the epoch.
    Time(i64),
    /// A truth value.
    Bool(bool),
}

impl Value<'_> {
    /// The value with no borrow, for storing across rows.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Int(i) => Value::Int(i),
            Value::Float(f) => Value::Float(f),
            Value::Time(t) => Value::Time(t),
            Value::Bool(b) => Value::Bool(b),
        }
    }

    /// Whether the value is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Appends the text form of a non-null value to `out` (times as `YYYY-MM-DDTHH:MM:SS`).
    pub(crate) fn write_to(&self, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = match self {
            Value::Null => Ok(()),
            Value::Str(s) => {
                out.push_str(s);
                Ok(())
            }
            Value::Int(i) => write!(out, "{i}"),
            Value::Float(f) => write!(out, "{f}"),
            Value::Time(t) => write!(out, "{}", Timestamp(*t)),
            Value::Bool(b) => write!(out, "{b}"),
        };
    }

    fn describe(&self) -> String {
        let mut s = String::new();
        self.write_to(&mut s);
        if self.is_null() {
            "null".into()
        } else {
            format!("{s:?}")
        }
    }
}

/// The values of one row, looked up by [`Slot`]. Implemented by the ETL's row context; tests use a
/// plain list.
pub trait Row {
    /// The value at `slot`; `Err(reason)` when that value could not be computed for this row.
    fn get(&self, slot: Slot) -> Result<Value<'_>, String>;
}

/// A datetime format of a `::"…"` cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeFormat {
    /// `%Y-%m-%d %H:%M:%S`, parsed by a fast path.
    DateTime,
    /// `%Y-%m-%d`, parsed by a fast path.
    Date,
    /// `%Y`: January 1 of the year.
    Year,
    /// Any other strftime format, parsed by chrono (as a datetime, else as a date at midnight).
    Other(String),
}

impl TimeFormat {
    fn new(fmt: &str) -> Self {
        match fmt {
            "%Y-%m-%d %H:%M:%S" => Self::DateTime,
            "%Y-%m-%d" => Self::Date,
            "%Y" => Self::Year,
            _ => Self::Other(fmt.to_string()),
        }
    }

    /// Parses `text` in this format; `None` when it does not match exactly.
    pub fn parse(&self, text: &str) -> Option<i64> {
        let b = text.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = b.get(r)?;
            if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(s.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
        };
        match self {
            Self::DateTime => {
                if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
                    return None;
                }
                let t = Timestamp::from_ymd_hms(
                    num(0..4)?,
                    num(5..7)? as u32,
                    num(8..10)? as u32,
                    num(11..13)? as u32,
                    num(14..16)? as u32,
                    num(17..19)? as u32,
                )?;
                Some(t.0)
            }
            Self::Date => {
                if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
                    return None;
                }
                Some(Timestamp::from_ymd(num(0..4)?, num(5..7)? as u32, num(8..10)? as u32)?.0)
            }
            Self::Year => year_start(text.trim().parse().ok()?),
            Self::Other(fmt) => {
                if let Ok(dt) = chrono::NaiveDateTime::parse_from_str(text, fmt) {
                    return Some(dt.and_utc().timestamp_micros());
                }
                let d = chrono::NaiveDate::parse_from_str(text, fmt).ok()?;
                Some(d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp_micros())
            }
        }
    }
}

fn year_start(year: i64) -> Option<i64> {
    // Keep far from the i64 microsecond limit (about ±292,000 years).
    if !(-100_000..=100_000).contains(&year) {
        return None;
    }
    Timestamp::from_ymd(year, 1, 1).map(|t| t.0)
}

/// The target of a `::` cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cast {
    /// `::"fmt"`: a datetime; a value that does not match rejects the row.
    Time(TimeFormat),
    /// `::?"fmt"`: a datetime; a value that does not match is null.
    TimeLenient(TimeFormat),
    /// `::year`: January 1 of the (integer) year.
    Year,
    /// `::str`: text.
    Str,
    /// `::int`: a 64-bit integer (text such as `"023"` or `"3.0"` converts; `"3.5"` does not).
    Int,
    /// `::float`: a 64-bit float.
    Float,
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (always a float result)
    Div,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`
    And,
    /// `or`
    Or,
}

impl BinOp {
    fn symbol(self) -> &'static str {
        match self {
            Self::Add => "+",
            Self::Sub => "-",
            Self::Mul => "*",
            Self::Div => "/",
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::And => "and",
            Self::Or => "or",
        }
    }
}

/// One piece of a format string.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// An interpolated expression.
    Expr(Expr),
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal value.
    Lit(Value<'static>),
    /// A column.
    Col {
        /// The column name as written after `$`.
        name: String,
        /// Where its value comes from, once resolved.
        slot: Slot,
    },
    /// A format string.
    Format(Vec<Part>),
    /// The first non-null operand (`??`, `coalesce`).
    Coalesce(Vec<Expr>),
    /// A cast.
    Cast(Box<Expr>, Cast),
    /// A binary operation.
    Bin(Box<Expr>, BinOp, Box<Expr>),
    /// Logical negation.
    Not(Box<Expr>),
    /// Arithmetic negation.
    Neg(Box<Expr>),
    /// `then if cond else otherwise`.
    If {
        /// The condition.
        cond: Box<Expr>,
        /// The value when the condition is true.
        then: Box<Expr>,
        /// The value otherwise (null when absent).
        otherwise: Option<Box<Expr>>,
    },
    /// A character slice `x[start:end]` (negative bounds count from the end).
    Slice(Box<Expr>, Option<i64>, Option<i64>),
    /// `len_chars(x)`.
    LenChars(Box<Expr>),
}

/// A syntax error in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, with the byte offset.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Col(String),
    Str(String),
    FStr(String),
    Int(i64),
    Float(f64),
    Ident(String),
    Punct(&'static str),
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let err = |at: usize, m: &str| ParseError { message: format!("{m} at offset {at} in {src:?}") };
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let ident_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'$' {
            i += 1;
            while i < b.len() && ident_char(b[i]) {
                i += 1;
            }
            if i == start + 1 {
                return Err(err(start, "expected a column name after '$'"));
            }
            out.push((start, Tok::Col(src[start + 1..i].to_string())));
            continue;
        }
        if (c == b'f' || c == b'F') && matches!(b.get(i + 1), Some(b'"' | b'\'')) {
            let q = b[i + 1];
            i += 2;
            let body_start = i;
            let mut depth = 0usize;
            loop {
                let Some(&d) = b.get(i) else { return Err(err(start, "unterminated format string")) };
                if depth == 0 && d == q {
                    break;
                }
                match d {
                    b'{' => depth += 1,
                    b'}' => depth = depth.saturating_sub(1),
                    b'"' | b'\'' if depth > 0 => {
                        // A quoted literal inside an interpolation: skip to its end.
                        i += 1;
                        while i < b.len() && b[i] != d {
                            i += 1;
                        }
                        if i >= b.len() {
                            return Err(err(start, "unclosed '{' or string in format string"));
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            out.push((start, Tok::FStr(src[body_start..i].to_string())));
            i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' {
            i += 1;
            let body = i;
            while i < b.len() && b[i] != c {
                i += 1;
            }
            if i >= b.len() {
                return Err(err(start, "unterminated string"));
            }
            out.push((start, Tok::Str(src[body..i].to_string())));
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                i += 1;
            }
            let text = &src[start..i];
            let tok = if text.contains('.') {
                Tok::Float(text.parse().map_err(|_| err(start, "bad number"))?)
            } else {
                Tok::Int(text.parse().map_err(|_| err(start, "bad number"))?)
            };
            out.push((start, tok));
            continue;
        }
        if ident_char(c) {
            while i < b.len() && ident_char(b[i]) {
                i += 1;
            }
            out.push((start, Tok::Ident(src[start..i].to_string())));
            continue;
        }
        const PUNCT: [&str; 20] = [
            "::?", "::", "??", "==", "!=", "<=", ">=", "<", ">", "(", ")", "[", "]", ":", ",", "+", "-", "*", "/", "?",
        ];
        match PUNCT.iter().find(|p| src[i..].starts_with(**p)) {
            Some(p) => {
                out.push((start, Tok::Punct(p)));
                i += p.len();
            }
            None => {
                return Err(err(start, &format!("unexpected character {:?}", src[i..].chars().next().unwrap_or('?'))))
            }
        }
    }
    Ok(out)
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, m: &str) -> ParseError {
        let at = self.toks.get(self.pos).map_or(self.src.len(), |t| t.0);
        ParseError { message: format!("{m} at offset {at} in {:?}", self.src) }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(q)) if q == w)
    }

    fn expect_punct(&mut self, p: &str) -> Result<(), ParseError> {
        if self.is_punct(p) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected '{p}'")))
        }
    }

    /// conditional := or ('if' or ('else' conditional)?)?
    fn conditional(&mut self) -> Result<Expr, ParseError> {
        let then = self.binary(0)?;
        if !self.is_word("if") {
            return Ok(then);
        }
        self.pos += 1;
        let cond = self.binary(0)?;
        let otherwise = if self.is_word("else") {
            self.pos += 1;
            Some(Box::new(self.conditional()?))
        } else {
            None
        };
        Ok(Expr::If { cond: Box::new(cond), then: Box::new(then), otherwise })
    }

    fn binop_here(&self) -> Option<(BinOp, u8)> {
        // Precedence, low to high: or, and, comparison, ??, + -, * /.
        let op = match self.peek()? {
            Tok::Ident(w) if w == "or" => BinOp::Or,
            Tok::Ident(w) if w == "and" => BinOp::And,
            Tok::Punct("==") => BinOp::Eq,
            Tok::Punct("!=") => BinOp::Ne,
            Tok::Punct("<") => BinOp::Lt,
            Tok::Punct("<=") => BinOp::Le,
            Tok::Punct(">") => BinOp::Gt,
            Tok::Punct(">=") => BinOp::Ge,
            Tok::Punct("+") => BinOp::Add,
            Tok::Punct("-") => BinOp::Sub,
            Tok::Punct("*") => BinOp::Mul,
            Tok::Punct("/") => BinOp::Div,
            _ => return None,
        };
        let prec = match op {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 6,
            BinOp::Mul | BinOp::Div => 7,
        };
        Some((op, prec))
    }

    /// Precedence climbing over the binary operators; `??` sits at level 5, `not` at level 3.
    fn binary(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut lhs = if self.is_word("not") && min <= 3 {
            self.pos += 1;
            Expr::Not(Box::new(self.binary(3)?))
        } else {
            self.unary()?
        };
        loop {
            if self.is_punct("??") && min <= 5 {
                self.pos += 1;
                let rhs = self.binary(6)?;
                lhs = match lhs {
                    Expr::Coalesce(mut v) => {
                        v.push(rhs);
                        Expr::Coalesce(v)
                    }
                    other => Expr::Coalesce(vec![other, rhs]),
                };
                continue;
            }
            let Some((op, prec)) = self.binop_here() else { break };
            if prec < min.max(1) {
                break;
            }
            self.pos += 1;
            let rhs = self.binary(prec + 1)?;
            lhs = Expr::Bin(Box::new(lhs), op, Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.is_punct("-") {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        let mut e = self.atom()?;
        loop {
            if self.is_punct("::") || self.is_punct("::?") {
                let lenient = self.is_punct("::?");
                self.pos += 1;
                let cast = match self.peek().cloned() {
                    Some(Tok::Str(fmt)) => {
                        let f = TimeFormat::new(&fmt);
                        if lenient {
                            Cast::TimeLenient(f)
                        } else {
                            Cast::Time(f)
                        }
                    }
                    Some(Tok::Ident(w)) if !lenient => match w.as_str() {
                        "year" => Cast::Year,
                        "str" | "string" | "utf8" => Cast::Str,
                        "int" | "int64" | "integer" => Cast::Int,
                        "float" | "float32" | "float64" => Cast::Float,
                        _ => return Err(self.err(&format!("unknown cast target {w:?}"))),
                    },
                    _ => return Err(self.err("expected a cast target (a \"format\", year, str, int or float)")),
                };
                self.pos += 1;
                e = Expr::Cast(Box::new(e), cast);
            } else if self.is_punct("[") {
                self.pos += 1;
                let lo = self.opt_signed_int()?;
                self.expect_punct(":")?;
                let hi = self.opt_signed_int()?;
                self.expect_punct("]")?;
                e = Expr::Slice(Box::new(e), lo, hi);
            } else {
                return Ok(e);
            }
        }
    }

    fn opt_signed_int(&mut self) -> Result<Option<i64>, ParseError> {
        let neg = self.is_punct("-");
        if neg {
            self.pos += 1;
        }
        match self.peek() {
            Some(Tok::Int(i)) => {
                let i = *i;
                self.pos += 1;
                Ok(Some(if neg { -i } else { i }))
            }
            _ if neg => Err(self.err("expected an integer")),
            _ => Ok(None),
        }
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        let Some(tok) = self.peek().cloned() else { return Err(self.err("unexpected end of expression")) };
        self.pos += 1;
        match tok {
            Tok::Col(name) => Ok(Expr::Col { name, slot: Slot::Unresolved }),
            Tok::Str(s) => Ok(Expr::Lit(Value::Str(Cow::Owned(s)))),
            Tok::FStr(body) => parse_format(&body),
            Tok::Int(i) => Ok(Expr::Lit(Value::Int(i))),
            Tok::Float(f) => Ok(Expr::Lit(Value::Float(f))),
            Tok::Punct("(") => {
                let e = self.conditional()?;
                self.expect_punct(")")?;
                Ok(e)
            }
            Tok::Ident(w) if w == "true" || w == "false" => Ok(Expr::Lit(Value::Bool(w == "true"))),
            Tok::Ident(w) if self.is_punct("(") => {
                self.pos += 1;
                let mut args = Vec::new();
                if !self.is_punct(")") {
                    loop {
                        args.push(self.conditional()?);
                        if self.is_punct(",") {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.expect_punct(")")?;
                match (w.as_str(), args.len()) {
                    ("coalesce", n) if n > 0 => Ok(Expr::Coalesce(args)),
                    ("len_chars", 1) => Ok(Expr::LenChars(Box::new(args.remove(0)))),
                    _ => Err(ParseError {
                        message: format!("unknown function {w}() with {} arguments in {:?}", args.len(), self.src),
                    }),
                }
            }
            _ => {
                self.pos -= 1;
                Err(self.err("expected a value"))
            }
        }
    }
}

/// Parses the body of a format string (between the quotes).
fn parse_format(body: &str) -> Result<Expr, ParseError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                // Find the matching brace, skipping quoted literals.
                let mut depth = 1;
                let mut end = None;
                let mut quote: Option<char> = None;
                for (j, d) in chars.by_ref() {
                    match (quote, d) {
                        (Some(q), d) if d == q => quote = None,
                        (Some(_), _) => {}
                        (None, '"' | '\'') => quote = Some(d),
                        (None, '{') => depth += 1,
                        (None, '}') => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let end =
                    end.ok_or_else(|| ParseError { message: format!("unclosed '{{' in format string {body:?}") })?;
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Expr(Expr::parse(&body[i + 1..end])?));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(Expr::Format(parts))
}

fn number<'a>(v: &Value<'a>) -> Result<Option<Value<'a>>, String> {
    Ok(match v {
        Value::Null => None,
        Value::Int(_) | Value::Float(_) => Some(v.clone()),
        Value::Bool(b) => Some(Value::Int(i64::from(*b))),
        Value::Time(t) => Some(Value::Int(*t)),
        Value::Str(s) => {
            let t = s.trim();
            if t.is_empty() {
                None
            } else if let Ok(i) = t.parse::<i64>() {
                Some(Value::Int(i))
            } else if let Some(f) = parse_float(t) {
                Some(Value::Float(f))
            } else {
                return Err(format!("{:?} is not a number", s));
            }
        }
    })
}

/// Parses a decimal number; refuses the words `inf`/`nan` that Rust's parser would take, so that text
/// such as "Infinity" in a lab value column is reported rather than silently stored.
pub fn parse_float(t: &str) -> Option<f64> {
    let f: f64 = t.parse().ok()?;
    f.is_finite().then_some(f)
}

fn truthy(v: &Value<'_>) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Time(_) => true,
    }
}

fn compare(a: &Value<'_>, b: &Value<'_>) -> Option<std::cmp::Ordering> {
    use Value::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Str(x), Str(y)) => Some(x.as_ref().cmp(y.as_ref())),
        (Int(x), Int(y)) | (Time(x), Time(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Int(_) | Float(_), Int(_) | Float(_)) => as_f64(a)?.partial_cmp(&as_f64(b)?),
        // Text against a number: compare numerically when the text is a number (CSV cells are text),
        // else compare the text forms.
        (Str(s), n @ (Int(_) | Float(_))) | (n @ (Int(_) | Float(_)), Str(s)) => {
            let (x, y) = match number(&Str(s.clone())) {
                Ok(Some(m)) => (as_f64(&m)?, as_f64(n)?),
                _ => {
                    let mut t = String::new();
                    n.write_to(&mut t);
                    let o = s.as_ref().cmp(t.as_str());
                    return Some(if matches!(a, Str(_)) { o } else { o.reverse() });
                }
            };
            let o = x.partial_cmp(&y)?;
            Some(if matches!(a, Str(_)) { o } else { o.reverse() })
        }
        _ => None,
    }
}

fn as_f64(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl Expr {
    /// Parses an expression. A string without `$`, quotes or parentheses (such as `MEDS_BIRTH` or
    /// `LAB//UNK`) is a literal, as in dftly.
    pub fn parse(src: &str) -> Result<Expr, ParseError> {
        let trimmed = src.trim();
        if !trimmed.contains(['$', '"', '\'', '(']) {
            return Ok(Expr::Lit(Value::Str(Cow::Owned(trimmed.to_string()))));
        }
        let toks = lex(trimmed)?;
        let mut p = Parser { src: trimmed, toks, pos: 0 };
        let e = p.conditional()?;
        if p.pos != p.toks.len() {
            return Err(p.err("unexpected trailing input"));
        }
        Ok(e)
    }

    /// Calls `f` on every node, children first.
    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut Expr) -> Result<(), String>) -> Result<(), String> {
        match self {
            Expr::Lit(_) | Expr::Col { .. } => {}
            Expr::Format(parts) => {
                for p in parts {
                    if let Part::Expr(e) = p {
                        e.visit_mut(f)?;
                    }
                }
            }
            Expr::Coalesce(v) => {
                for e in v {
                    e.visit_mut(f)?;
                }
            }
            Expr::Cast(e, _) | Expr::Not(e) | Expr::Neg(e) | Expr::Slice(e, _, _) | Expr::LenChars(e) => {
                e.visit_mut(f)?
            }
            Expr::Bin(a, _, b) => {
                a.visit_mut(f)?;
                b.visit_mut(f)?;
            }
            Expr::If { cond, then, otherwise } => {
                cond.visit_mut(f)?;
                then.visit_mut(f)?;
                if let Some(o) = otherwise {
                    o.visit_mut(f)?;
                }
            }
        }
        f(self)
    }

    /// The names of the columns the expression reads, in order of appearance (with repeats).
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut copy = self.clone();
        // visit_mut only fails when the callback does.
        let _ = copy.visit_mut(&mut |e| {
            if let Expr::Col { name, .. } = e {
                out.push(name.clone());
            }
            Ok(())
        });
        out
    }

    /// Resolves every column to a [`Slot`] with `lookup`; the first name it refuses is returned as
    /// the error.
    pub fn resolve(&mut self, lookup: &mut dyn FnMut(&str) -> Option<Slot>) -> Result<(), String> {
        self.visit_mut(&mut |e| {
            if let Expr::Col { name, slot } = e {
                *slot = lookup(name).ok_or_else(|| name.clone())?;
            }
            Ok(())
        })
    }

    /// Whether the expression is a constant (reads no column).
    pub fn is_constant(&self) -> bool {
        self.columns().is_empty()
    }

    /// Evaluates the expression on `row`. `Err` carries the reason the row must be rejected (a strict
    /// cast that failed, arithmetic on text that is not a number, a failed computed column).
    pub fn eval<'r>(&'r self, row: &'r dyn Row) -> Result<Value<'r>, String> {
        Ok(match self {
            Expr::Lit(v) => match v {
                Value::Str(s) => Value::Str(Cow::Borrowed(s.as_ref())),
                other => other.clone(),
            },
            Expr::Col { name, slot } => {
                if *slot == Slot::Unresolved {
                    return Err(format!("column {name:?} was not resolved"));
                }
                match row.get(*slot)? {
                    // Empty CSV cells are nulls (MIMIC writes nulls as empty fields).
                    Value::Str(s) if s.is_empty() => Value::Null,
                    v => v,
                }
            }
            Expr::Format(_) => {
                let mut s = String::new();
                if self.eval_text(row, &mut s)? {
                    Value::Str(Cow::Owned(s))
                } else {
                    Value::Null
                }
            }
            Expr::Coalesce(v) => {
                for e in v {
                    let x = e.eval(row)?;
                    if !x.is_null() {
                        return Ok(x);
                    }
                }
                Value::Null
            }
            Expr::Cast(e, cast) => cast_value(e.eval(row)?, cast, e)?,
            Expr::Not(e) => match e.eval(row)? {
                Value::Null => Value::Null,
                v => Value::Bool(!truthy(&v)),
            },
            Expr::Neg(e) => match number(&e.eval(row)?)? {
                None => Value::Null,
                Some(Value::Int(i)) => Value::Int(-i),
                Some(Value::Float(f)) => Value::Float(-f),
                Some(_) => Value::Null,
            },
            Expr::Bin(a, op, b) => {
                let x = a.eval(row)?;
                match op {
                    BinOp::And if !truthy(&x) => return Ok(Value::Bool(false)),
                    BinOp::Or if truthy(&x) => return Ok(Value::Bool(true)),
                    _ => {}
                }
                let y = b.eval(row)?;
                binary(*op, x, y).map_err(|m| format!("{m} in {}", self.describe_bin(a, *op, b)))?
            }
            Expr::If { cond, then, otherwise } => {
                if truthy(&cond.eval(row)?) {
                    then.eval(row)?
                } else if let Some(o) = otherwise {
                    o.eval(row)?
                } else {
                    Value::Null
                }
            }
            Expr::Slice(e, lo, hi) => match e.eval(row)? {
                Value::Null => Value::Null,
                v => {
                    let mut s = String::new();
                    v.write_to(&mut s);
                    let n = s.chars().count() as i64;
                    let norm = |b: Option<i64>, dflt: i64| {
                        let b = b.unwrap_or(dflt);
                        (if b < 0 { n + b } else { b }).clamp(0, n) as usize
                    };
                    let (l, h) = (norm(*lo, 0), norm(*hi, n));
                    Value::Str(Cow::Owned(s.chars().skip(l).take(h.saturating_sub(l)).collect()))
                }
            },
            Expr::LenChars(e) => match e.eval(row)? {
                Value::Null => Value::Null,
                Value::Str(s) => Value::Int(s.chars().count() as i64),
                other => return Err(format!("len_chars() needs text, got {}", other.describe())),
            },
        })
    }

    fn describe_bin(&self, a: &Expr, op: BinOp, b: &Expr) -> String {
        let side = |e: &Expr| match e {
            Expr::Col { name, .. } => format!("${name}"),
            _ => "(…)".into(),
        };
        format!("{} {} {}", side(a), op.symbol(), side(b))
    }

    /// Appends the text of the expression's value to `out` without an intermediate allocation where
    /// possible; returns `Ok(false)` (with `out` unchanged) when the value is null.
    pub fn eval_text(&self, row: &dyn Row, out: &mut String) -> Result<bool, String> {
        let mark = out.len();
        match self {
            Expr::Format(parts) => {
                for p in parts {
                    let ok = match p {
                        Part::Text(t) => {
                            out.push_str(t);
                            true
                        }
                        Part::Expr(e) => e.eval_text(row, out)?,
                    };
                    if !ok {
                        out.truncate(mark);
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Expr::Coalesce(v) => {
                for e in v {
                    if e.eval_text(row, out)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            _ => {
                let v = self.eval(row)?;
                if v.is_null() {
                    return Ok(false);
                }
                v.write_to(out);
                Ok(true)
            }
        }
    }
}

fn binary<'a>(op: BinOp, x: Value<'a>, y: Value<'a>) -> Result<Value<'a>, String> {
    use std::cmp::Ordering::*;
    Ok(match op {
        BinOp::And => Value::Bool(truthy(&x) && truthy(&y)),
        BinOp::Or => Value::Bool(truthy(&x) || truthy(&y)),
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match compare(&x, &y) {
            None => Value::Null,
            Some(o) => Value::Bool(match op {
                BinOp::Eq => o == Equal,
                BinOp::Ne => o != Equal,
                BinOp::Lt => o == Less,
                BinOp::Le => o != Greater,
                BinOp::Gt => o == Greater,
                _ => o != Less,
            }),
        },
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
            let (Some(a), Some(b)) = (number(&x)?, number(&y)?) else { return Ok(Value::Null) };
            match (a, b, op) {
                (Value::Int(a), Value::Int(b), BinOp::Add) => Value::Int(a.checked_add(b).ok_or("integer overflow")?),
                (Value::Int(a), Value::Int(b), BinOp::Sub) => Value::Int(a.checked_sub(b).ok_or("integer overflow")?),
                (Value::Int(a), Value::Int(b), BinOp::Mul) => Value::Int(a.checked_mul(b).ok_or("integer overflow")?),
                (a, b, op) => {
                    let (a, b) = (as_f64(&a).unwrap_or(f64::NAN), as_f64(&b).unwrap_or(f64::NAN));
                    let r = match op {
                        BinOp::Add => a + b,
                        BinOp::Sub => a - b,
                        BinOp::Mul => a * b,
                        _ => a / b,
                    };
                    if !r.is_finite() {
                        return Err("arithmetic result is not finite".into());
                    }
                    Value::Float(r)
                }
            }
        }
    })
}

fn cast_value<'a>(v: Value<'a>, cast: &Cast, src: &Expr) -> Result<Value<'a>, String> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let what = match src {
        Expr::Col { name, .. } => format!(" in column {name}"),
        _ => String::new(),
    };
    Ok(match cast {
        Cast::Time(f) | Cast::TimeLenient(f) => {
            let parsed = match &v {
                Value::Time(t) => Some(*t),
                Value::Str(s) => f.parse(s),
                Value::Int(i) if *f == TimeFormat::Year => year_start(*i),
                _ => None,
            };
            match (parsed, cast) {
                (Some(t), _) => Value::Time(t),
                (None, Cast::TimeLenient(_)) => Value::Null,
                (None, _) => return Err(format!("bad time {}{what}: expected format {}", v.describe(), f.pattern())),
            }
        }
        Cast::Year => {
            let y = match number(&v) {
                Ok(Some(Value::Int(i))) => Some(i),
                _ => None,
            };
            Value::Time(y.and_then(year_start).ok_or_else(|| format!("bad year {}{what}", v.describe()))?)
        }
        Cast::Str => match v {
            Value::Str(s) => Value::Str(s),
            other => {
                let mut s = String::new();
                other.write_to(&mut s);
                Value::Str(Cow::Owned(s))
            }
        },
        Cast::Int => match number(&v).map_err(|m| format!("{m}{what}"))? {
            None => Value::Null,
            Some(Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Int(f as i64),
            Some(i @ Value::Int(_)) => i,
            Some(_) => return Err(format!("{} is not an integer{what}", v.describe())),
        },
        Cast::Float => match number(&v).map_err(|m| format!("{m}{what}"))? {
            None => Value::Null,
            Some(n) => Value::Float(as_f64(&n).unwrap_or(f64::NAN)),
        },
    })
}

impl TimeFormat {
    fn pattern(&self) -> &str {
        match self {
            Self::DateTime => "%Y-%m-%d %H:%M:%S",
            Self::Date => "%Y-%m-%d",
            Self::Year => "%Y",
            Self::Other(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row of named text cells, null where `None`.
    struct Cells(Vec<(&'static str, Option<&'static str>)>);

    impl Row for Cells {
        fn get(&self, slot: Slot) -> Result<Value<'_>, String> {
            match slot {
                Slot::Raw(i) => Ok(self.0[i].1.map_or(Value::Null, |s| Value::Str(Cow::Borrowed(s)))),
                _ => Err("no such slot".into()),
            }
        }
    }

    fn eval(src: &str, cells: &[(&'static str, Option<&'static str>)]) -> Result<Value<'static>, String> {
        let row = Cells(cells.to_vec());
        let mut e = Expr::parse(src).map_err(|e| e.message)?;
        e.resolve(&mut |n| row.0.iter().position(|c| c.0 == n).map(Slot::Raw))
            .map_err(|n| format!("unknown column {n}"))?;
        let v = e.eval(&row)?.into_owned();
        Ok(v)
    }

    fn s(x: &str) -> Value<'static> {
        Value::Str(Cow::Owned(x.to_string()))
    }

    fn t(x: &str) -> Value<'static> {
        Value::Time(Timestamp::parse(x).expect("test timestamp is valid").0)
    }

    #[test]
    fn bare_words_are_literals() {
        assert_eq!(eval("MEDS_BIRTH", &[]), Ok(s("MEDS_BIRTH")));
        assert_eq!(eval("LAB//UNK", &[]), Ok(s("LAB//UNK")));
        assert_eq!(eval("\"SUBJECT_WEIGHT_AT_INFUSION//KG\"", &[]), Ok(s("SUBJECT_WEIGHT_AT_INFUSION//KG")));
        assert_eq!(eval("'MAIN'", &[]), Ok(s("MAIN")));
    }

    #[test]
    fn format_strings_interpolate_and_propagate_nulls() {
        let cells = [("itemid", Some("50912")), ("valueuom", None), ("p", Some("STAT"))];
        assert_eq!(eval("f\"LAB//{$itemid}//{$valueuom ?? 'UNK'}\"", &cells), Ok(s("LAB//50912//UNK")));
        assert_eq!(eval("f\"LAB//{$itemid}//{$valueuom}\"", &cells), Ok(Value::Null));
        assert_eq!(eval("f'{$p}{{x}}'", &cells), Ok(s("STAT{x}")));
        // A nested format string inside an interpolation, with a slice (the DRG parent code form).
        assert_eq!(eval("f\"{f'000{$itemid}'[-3:]}\"", &cells), Ok(s("912")));
    }

    #[test]
    fn empty_cells_are_null() {
        assert_eq!(eval("$a ?? 'UNK'", &[("a", Some(""))]), Ok(s("UNK")));
        assert_eq!(eval("coalesce($a, $b, 'z')", &[("a", None), ("b", Some("y"))]), Ok(s("y")));
    }

    #[test]
    fn time_casts_strict_and_lenient() {
        let cells = [("a", Some("2180-07-23 12:35:00")), ("d", Some("2180-07-23")), ("x", Some("tomorrow"))];
        assert_eq!(eval("$a::\"%Y-%m-%d %H:%M:%S\"", &cells), Ok(t("2180-07-23 12:35:00")));
        assert_eq!(eval("$d::\"%Y-%m-%d\"", &cells), Ok(t("2180-07-23")));
        assert_eq!(eval("$d::?\"%Y-%m-%d %H:%M:%S\"", &cells), Ok(Value::Null));
        assert_eq!(eval("coalesce($d::?\"%Y-%m-%d %H:%M:%S\", $d::?\"%Y-%m-%d\")", &cells), Ok(t("2180-07-23")));
        assert_eq!(
            eval("$x::\"%Y-%m-%d %H:%M:%S\"", &cells),
            Err("bad time \"tomorrow\" in column x: expected format %Y-%m-%d %H:%M:%S".into())
        );
        // A format without a fast path goes through chrono.
        assert_eq!(eval("$v::\"%d/%m/%Y %H:%M\"", &[("v", Some("23/07/2180 12:35"))]), Ok(t("2180-07-23 12:35:00")));
        assert_eq!(eval("$v::\"%d/%m/%Y\"", &[("v", Some("23/07/2180"))]), Ok(t("2180-07-23")));
    }

    #[test]
    fn computed_birth_year() {
        let cells = [("anchor_year", Some("2125")), ("anchor_age", Some("21"))];
        assert_eq!(eval("($anchor_year - $anchor_age)::str", &cells), Ok(s("2104")));
        assert_eq!(eval("(($anchor_year - $anchor_age)::str)::year", &cells), Ok(t("2104-01-01")));
        assert_eq!(
            eval("$anchor_year - $anchor_age", &[("anchor_year", Some("2125")), ("anchor_age", Some("x1"))]),
            Err("\"x1\" is not a number in $anchor_year - $anchor_age".into())
        );
    }

    #[test]
    fn casts_to_numbers() {
        assert_eq!(eval("$c::int::str", &[("c", Some("023"))]), Ok(s("23")));
        assert_eq!(eval("$c::float", &[("c", Some("2.5"))]), Ok(Value::Float(2.5)));
        assert_eq!(eval("$c::int", &[("c", Some("2.5"))]), Err("\"2.5\" is not an integer in column c".into()));
    }

    #[test]
    fn conditionals_and_comparisons() {
        let src = "'UNK' if ($ndc ?? '0') == '0' else $ndc";
        assert_eq!(eval(src, &[("ndc", None)]), Ok(s("UNK")));
        assert_eq!(eval(src, &[("ndc", Some("0"))]), Ok(s("UNK")));
        assert_eq!(eval(src, &[("ndc", Some("123"))]), Ok(s("123")));
        let icd = "f\"ICD{$v}CM/{$c[0:3]}.{$c[3:]}\" if $v == \"10\" and len_chars($c) > 3 else f\"ICD{$v}CM/{$c}\"";
        assert_eq!(eval(icd, &[("v", Some("10")), ("c", Some("I509"))]), Ok(s("ICD10CM/I50.9")));
        assert_eq!(eval(icd, &[("v", Some("9")), ("c", Some("4019"))]), Ok(s("ICD9CM/4019")));
        assert_eq!(eval("'a' if $v == 1", &[("v", Some("2"))]), Ok(Value::Null));
        assert_eq!(eval("not ($v > 1) or false", &[("v", Some("2"))]), Ok(Value::Bool(false)));
        assert_eq!(eval("-$v * 2 + 1", &[("v", Some("3"))]), Ok(Value::Int(-5)));
    }

    #[test]
    fn syntax_errors_name_the_offset() {
        assert_eq!(
            Expr::parse("$a ??").map_err(|e| e.message),
            Err("unexpected end of expression at offset 5 in \"$a ??\"".into())
        );
        assert!(Expr::parse("f\"{$a\"").is_err());
        assert!(Expr::parse("$a::weekday").is_err());
        assert!(Expr::parse("frobnicate($a)").is_err());
    }

    #[test]
    fn columns_lists_references() {
        let e = Expr::parse("coalesce($deathtime::?\"%Y\", $dod::?\"%Y-%m-%d\")").expect("valid");
        assert_eq!(e.columns(), ["deathtime", "dod"]);
        assert!(Expr::parse("'x'").expect("valid").is_constant());
    }
}
