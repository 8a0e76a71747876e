//! Parsing a formula right-hand side into terms.
//!
//! Grammar (patsy / R style, a subset):
//!
//! ```text
//! rhs    := term ('+' term)*
//! term   := factor ((':' | '*') factor)*      a*b means a + b + a:b
//! factor := 'C(' NAME ')'                      categorical: one dummy per non-reference level
//!         | 'I(' expr ')'                      arithmetic on numeric columns
//!         | FUNC '(' expr ')'                  log, exp, sqrt, abs
//!         | NAME                               a column (text columns are categorical)
//!         | '1'                                the intercept (always present; accepted and ignored)
//! expr   := sum;  sum := prod (('+'|'-') prod)*;  prod := unary (('*'|'/') unary)*
//! unary  := '-' unary | power;  power := atom (('^'|'**') unary)?
//! atom   := NUMBER | NAME | FUNC '(' expr ')' | '(' expr ')'
//! ```
//!
//! Names are identifiers (`[A-Za-z_.][A-Za-z0-9_.]*`) or back-quoted (`` `weird name` ``).

use crate::{Error, Result};

/// A numeric expression over columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal number.
    Number(f64),
    /// A column's value.
    Column(String),
    /// `-e`.
    Neg(Box<Expr>),
    /// A binary operation.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// A function of one argument.
    Call(Func, Box<Expr>),
}

/// Binary arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `a ^ b` or `a ** b`: `a` raised to the power `b`.
    Pow,
}

/// Functions allowed in expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// Natural logarithm.
    Log,
    /// Exponential.
    Exp,
    /// Square root.
    Sqrt,
    /// Absolute value.
    Abs,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        match name {
            "log" | "np.log" => Some(Func::Log),
            "exp" | "np.exp" => Some(Func::Exp),
            "sqrt" | "np.sqrt" => Some(Func::Sqrt),
            "abs" | "np.abs" => Some(Func::Abs),
            _ => None,
        }
    }
}

/// One factor of a term.
#[derive(Debug, Clone, PartialEq)]
pub enum Factor {
    /// `C(name)`: the column's levels as dummies (first sorted level is the reference).
    Categorical(String),
    /// A plain column: numeric as is, text as categorical (named without `C(…)`).
    Column(String),
    /// `I(expr)` or `func(expr)`: one numeric column.
    Expr(Expr),
}

/// A term: the product of its factors (one factor for a main effect).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The factors, in the order written.
    pub factors: Vec<Factor>,
    /// Their labels as written (whitespace removed), used to name design columns.
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Number(f64),
    Sym(&'static str),
}

struct Lexer {
    toks: Vec<(Tok, usize, usize)>,
}

fn lex(src: &str) -> Result<Lexer> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let err = |position: usize, message: String| Error::FormulaSyntax { formula: src.to_string(), position, message };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let text: String = chars[start..i].iter().collect();
            let v: f64 = text.parse().map_err(|_| err(start, format!("bad number {text:?}")))?;
            toks.push((Tok::Number(v), start, i));
        } else if c.is_alphabetic() || c == '_' || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.') {
                i += 1;
            }
            toks.push((Tok::Name(chars[start..i].iter().collect()), start, i));
        } else if c == '`' {
            let start = i;
            i += 1;
            let name_start = i;
            while i < chars.len() && chars[i] != '`' {
                i += 1;
            }
            if i == chars.len() {
                return Err(err(start, "unclosed back-quoted name".into()));
            }
            toks.push((Tok::Name(chars[name_start..i].iter().collect()), start, i + 1));
            i += 1;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let sym: &'static str = if two == "**" {
                "**"
            } else {
                match c {
                    '+' => "+",
                    '-' => "-",
                    '*' => "*",
                    '/' => "/",
                    '^' => "^",
                    ':' => ":",
                    '(' => "(",
                    ')' => ")",
                    _ => return Err(err(i, format!("unexpected character {c:?}"))),
                }
            };
            toks.push((Tok::Sym(sym), i, i + sym.len()));
            i += sym.len();
        }
    }
    Ok(Lexer { toks })
}

struct Parser<'a> {
    src: &'a str,
    chars: Vec<char>,
    toks: Vec<(Tok, usize, usize)>,
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, message: String) -> Error {
        let position = self.toks.get(self.pos).map_or(self.chars.len(), |t| t.1);
        Error::FormulaSyntax { formula: self.src.to_string(), position, message }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k).map(|t| &t.0)
    }

    fn found(&self) -> String {
        match self.peek() {
            None => "the end".into(),
            Some(Tok::Name(n)) => format!("{n:?}"),
            Some(Tok::Number(v)) => format!("{v}"),
            Some(Tok::Sym(s)) => format!("{s:?}"),
        }
    }

    fn eat(&mut self, sym: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(s)) if *s == sym) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, sym: &str) -> Result<()> {
        if self.eat(sym) {
            Ok(())
        } else {
            Err(self.err(format!("expected {sym:?}, found {}", self.found())))
        }
    }

    fn text(&self, from_tok: usize, to_tok: usize) -> String {
        let start = self.toks[from_tok].1;
        let end = self.toks[to_tok - 1].2;
        self.chars[start..end].iter().filter(|c| !c.is_whitespace()).collect()
    }

    fn rhs(&mut self) -> Result<Vec<Term>> {
        let mut terms = Vec::new();
        loop {
            if matches!(self.peek(), Some(Tok::Number(v)) if *v == 1.0)
                && matches!(self.peek_at(1), None | Some(Tok::Sym("+")))
            {
                self.pos += 1;
            } else {
                terms.extend(self.term()?);
            }
            if self.peek().is_none() {
                break;
            }
            if !self.eat("+") {
                return Err(self.err(format!("expected \"+\" between terms, found {}", self.found())));
            }
        }
        Ok(terms)
    }

    /// A product of factors; `a*b` expands into the main effects and the interaction.
    fn term(&mut self) -> Result<Vec<Term>> {
        let mut groups: Vec<Vec<(Factor, String)>> = vec![vec![self.factor()?]];
        loop {
            if self.eat(":") {
                let f = self.factor()?;
                groups.last_mut().expect("groups start non-empty").push(f);
            } else if self.eat("*") {
                groups.push(vec![self.factor()?]);
            } else {
                break;
            }
        }
        // a*b*c: every non-empty subset of the `*` groups, in patsy's order (by size, then position).
        let g = groups.len();
        let mut subsets: Vec<Vec<usize>> =
            (1u32..(1 << g)).map(|m| (0..g).filter(|i| m & (1 << i) != 0).collect()).collect();
        subsets.sort_by_key(|s| s.len());
        Ok(subsets
            .into_iter()
            .map(|s| {
                let (factors, labels) = s.iter().flat_map(|&i| groups[i].iter().cloned()).unzip();
                Term { factors, labels }
            })
            .collect())
    }

    fn factor(&mut self) -> Result<(Factor, String)> {
        let start = self.pos;
        let name = match self.peek() {
            Some(Tok::Name(n)) => n.clone(),
            _ => return Err(self.err(format!("expected a column name, C(…) or I(…), found {}", self.found()))),
        };
        self.pos += 1;
        if !self.eat("(") {
            return Ok((Factor::Column(name.clone()), name));
        }
        let factor = match name.as_str() {
            "C" => match self.peek() {
                Some(Tok::Name(n)) => {
                    let n = n.clone();
                    self.pos += 1;
                    Factor::Categorical(n)
                }
                _ => return Err(self.err(format!("C(…) takes a column name, found {}", self.found()))),
            },
            "I" => Factor::Expr(self.expr()?),
            other => match Func::from_name(other) {
                Some(f) => Factor::Expr(Expr::Call(f, Box::new(self.expr()?))),
                None => {
                    self.pos -= 2;
                    return Err(self.err(format!("unknown function {other:?} (known: C, I, log, exp, sqrt, abs)")));
                }
            },
        };
        self.expect(")")?;
        Ok((factor, self.text(start, self.pos)))
    }

    fn expr(&mut self) -> Result<Expr> {
        let mut e = self.prod()?;
        loop {
            if self.eat("+") {
                e = Expr::Binary(BinOp::Add, Box::new(e), Box::new(self.prod()?));
            } else if self.eat("-") {
                e = Expr::Binary(BinOp::Sub, Box::new(e), Box::new(self.prod()?));
            } else {
                return Ok(e);
            }
        }
    }

    fn prod(&mut self) -> Result<Expr> {
        let mut e = self.unary()?;
        loop {
            if self.eat("*") {
                e = Expr::Binary(BinOp::Mul, Box::new(e), Box::new(self.unary()?));
            } else if self.eat("/") {
                e = Expr::Binary(BinOp::Div, Box::new(e), Box::new(self.unary()?));
            } else {
                return Ok(e);
            }
        }
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        let base = self.atom()?;
        if self.eat("^") || self.eat("**") {
            return Ok(Expr::Binary(BinOp::Pow, Box::new(base), Box::new(self.unary()?)));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Expr> {
        match self.peek().cloned() {
            Some(Tok::Number(v)) => {
                self.pos += 1;
                Ok(Expr::Number(v))
            }
            Some(Tok::Name(n)) => {
                self.pos += 1;
                if self.eat("(") {
                    let Some(f) = Func::from_name(&n) else {
                        self.pos -= 2;
                        return Err(self.err(format!("unknown function {n:?} (known: log, exp, sqrt, abs)")));
                    };
                    let arg = self.expr()?;
                    self.expect(")")?;
                    Ok(Expr::Call(f, Box::new(arg)))
                } else {
                    Ok(Expr::Column(n))
                }
            }
            Some(Tok::Sym("(")) => {
                self.pos += 1;
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            _ => Err(self.err(format!("expected a number, a column or \"(\", found {}", self.found()))),
        }
    }
}

/// Parses a formula right-hand side such as `sex + race + age + I(age^2) + C(education)` into terms
/// (with `a*b` expanded into `a + b + a:b`). An optional leading `~` is accepted.
pub fn parse(formula: &str) -> Result<Vec<Term>> {
    let body = formula.trim_start();
    let offset = formula.len() - body.len();
    let src = if let Some(rest) = body.strip_prefix('~') {
        format!("{}{}", " ".repeat(offset + 1), rest)
    } else {
        formula.to_string()
    };
    let lexer = lex(&src)?;
    let mut p = Parser { src: formula, chars: src.chars().collect(), toks: lexer.toks, pos: 0 };
    if p.toks.is_empty() {
        return Err(Error::FormulaSyntax { formula: formula.into(), position: 0, message: "empty formula".into() });
    }
    p.rhs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(f: &str) -> Vec<String> {
        parse(f).unwrap().iter().map(|t| t.labels.join(":")).collect()
    }

    #[test]
    fn parses_book_model() {
        let f = "sex + race + age + I(age^2) + C(education) + smokeintensity + I(smokeintensity**2)";
        assert_eq!(
            labels(f),
            vec!["sex", "race", "age", "I(age^2)", "C(education)", "smokeintensity", "I(smokeintensity**2)"]
        );
        let t = parse("I(age ^ 2)").unwrap();
        assert_eq!(
            t[0].factors[0],
            Factor::Expr(Expr::Binary(BinOp::Pow, Box::new(Expr::Column("age".into())), Box::new(Expr::Number(2.0))))
        );
        assert_eq!(t[0].labels, vec!["I(age^2)"]);
    }

    #[test]
    fn expands_products_and_skips_intercept() {
        assert_eq!(labels("~ 1 + a*C(b) + c:d"), vec!["a", "C(b)", "a:C(b)", "c:d"]);
        assert_eq!(labels("log(x) + `odd name`"), vec!["log(x)", "odd name"]);
    }

    #[test]
    fn syntax_errors_give_positions() {
        let e = parse("age + + sex").unwrap_err().to_string();
        assert_eq!(e, "formula \"age + + sex\" at position 6: expected a column name, C(…) or I(…), found \"+\"");
        let e = parse("age + I(age^2").unwrap_err().to_string();
        assert_eq!(e, "formula \"age + I(age^2\" at position 13: expected \")\", found the end");
        let e = parse("age + foo(x)").unwrap_err().to_string();
        assert!(e.contains("position 6: unknown function \"foo\""), "{e}");
        let e = parse("age $ sex").unwrap_err().to_string();
        assert!(e.contains("position 4: unexpected character '$'"), "{e}");
        let e = parse("age sex").unwrap_err().to_string();
        assert!(e.contains("position 4: expected \"+\" between terms, found \"sex\""), "{e}");
    }
}
