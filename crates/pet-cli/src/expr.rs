//! A small, safe expression language for `pet runs --where`: numbers, strings,
//! booleans, parameter names, arithmetic, comparisons, `&&`, `||`, `!`,
//! parentheses. Parsing builds a tree; evaluating only looks values up.

use anyhow::{anyhow, bail, Result};

/// A value during evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// A number (every numeric parameter is compared as f64).
    Num(f64),
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
}

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A literal.
    Lit(Val),
    /// A parameter name (path or shortcut).
    Name(String),
    /// `!e`.
    Not(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `a op b`.
    Bin(Box<Expr>, Op, Box<Expr>),
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Sym(&'static str),
}

fn lex(src: &str) -> Result<Vec<(usize, Tok)>> {
    const SYMS: [&str; 17] = [
        "&&", "||", "<=", ">=", "==", "!=", "<", ">", "!", "(", ")", "+", "-", "*", "/", "%", "=",
    ];
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || ((b[i] == b'-' || b[i] == b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            let text = &src[start..i];
            let n: f64 = text
                .parse()
                .map_err(|_| anyhow!("'{text}' at column {} is not a number", start + 1))?;
            out.push((start, Tok::Num(n)));
        } else if c == '\'' || c == '"' {
            let start = i;
            i += 1;
            let from = i;
            while i < b.len() && b[i] as char != c {
                i += 1;
            }
            if i >= b.len() {
                bail!("the string starting at column {} is not closed", start + 1);
            }
            out.push((start, Tok::Str(src[from..i].to_string())));
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.' || b[i] == b'$')
            {
                i += 1;
            }
            out.push((start, Tok::Ident(src[start..i].to_string())));
        } else if let Some(s) = SYMS.iter().find(|s| src[i..].starts_with(**s)) {
            if *s == "=" {
                bail!("use '==' to compare (column {})", i + 1);
            }
            out.push((i, Tok::Sym(s)));
            i += s.len();
        } else {
            bail!("unexpected character {c:?} at column {}", i + 1);
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser {
    fn peek_sym(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some((_, Tok::Sym(s))) => Some(s),
            _ => None,
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.peek_sym() == Some(s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn binary(
        &mut self,
        ops: &[(&str, Op)],
        next: fn(&mut Parser) -> Result<Expr>,
    ) -> Result<Expr> {
        let mut left = next(self)?;
        'outer: loop {
            for (s, op) in ops {
                if self.eat(s) {
                    let right = next(self)?;
                    left = Expr::Bin(Box::new(left), *op, Box::new(right));
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn or(&mut self) -> Result<Expr> {
        self.binary(&[("||", Op::Or)], Parser::and)
    }

    fn and(&mut self) -> Result<Expr> {
        self.binary(&[("&&", Op::And)], Parser::not)
    }

    fn not(&mut self) -> Result<Expr> {
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr> {
        let left = self.sum()?;
        for (s, op) in [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<", Op::Lt),
            (">", Op::Gt),
        ] {
            if self.eat(s) {
                let right = self.sum()?;
                return Ok(Expr::Bin(Box::new(left), op, Box::new(right)));
            }
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Expr> {
        self.binary(&[("+", Op::Add), ("-", Op::Sub)], Parser::prod)
    }

    fn prod(&mut self) -> Result<Expr> {
        self.binary(
            &[("*", Op::Mul), ("/", Op::Div), ("%", Op::Rem)],
            Parser::unary,
        )
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr> {
        let Some((col, tok)) = self.toks.get(self.pos).cloned() else {
            bail!("the expression ends too early");
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Lit(Val::Num(n))),
            Tok::Str(s) => Ok(Expr::Lit(Val::Str(s))),
            Tok::Ident(id) if id == "true" => Ok(Expr::Lit(Val::Bool(true))),
            Tok::Ident(id) if id == "false" => Ok(Expr::Lit(Val::Bool(false))),
            Tok::Ident(id) => Ok(Expr::Name(id)),
            Tok::Sym("(") => {
                let e = self.or()?;
                if !self.eat(")") {
                    bail!("missing ')' for the '(' at column {}", col + 1);
                }
                Ok(e)
            }
            Tok::Sym(s) => bail!("unexpected '{s}' at column {}", col + 1),
        }
    }
}

/// Parses an expression such as `rule_number > 30 && rule_number < 120`.
pub fn parse(src: &str) -> Result<Expr> {
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
    };
    let e = p.or()?;
    if let Some((col, _)) = p.toks.get(p.pos) {
        bail!("unexpected text at column {} of '{src}'", col + 1);
    }
    Ok(e)
}

fn num(v: Val, op: Op) -> Result<f64> {
    match v {
        Val::Num(n) => Ok(n),
        other => bail!("{op:?} needs numbers, found {other:?}"),
    }
}

fn truth(v: Val) -> Result<bool> {
    match v {
        Val::Bool(b) => Ok(b),
        other => bail!("expected true/false, found {other:?}; compare it, e.g. x > 0"),
    }
}

/// Evaluates `e`, looking parameter names up with `lookup`.
pub fn eval(e: &Expr, lookup: &dyn Fn(&str) -> Result<Val>) -> Result<Val> {
    Ok(match e {
        Expr::Lit(v) => v.clone(),
        Expr::Name(n) => lookup(n)?,
        Expr::Not(x) => Val::Bool(!truth(eval(x, lookup)?)?),
        Expr::Neg(x) => Val::Num(-num(eval(x, lookup)?, Op::Sub)?),
        Expr::Bin(a, Op::And, b) => Val::Bool(truth(eval(a, lookup)?)? && truth(eval(b, lookup)?)?),
        Expr::Bin(a, Op::Or, b) => Val::Bool(truth(eval(a, lookup)?)? || truth(eval(b, lookup)?)?),
        Expr::Bin(a, op, b) => {
            let (x, y) = (eval(a, lookup)?, eval(b, lookup)?);
            match op {
                Op::Eq => Val::Bool(x == y),
                Op::Ne => Val::Bool(x != y),
                Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                    let ord = match (&x, &y) {
                        (Val::Num(p), Val::Num(q)) => p.partial_cmp(q),
                        (Val::Str(p), Val::Str(q)) => Some(p.cmp(q)),
                        _ => bail!("cannot order {x:?} and {y:?}"),
                    };
                    let Some(ord) = ord else {
                        return Ok(Val::Bool(false));
                    };
                    Val::Bool(match op {
                        Op::Lt => ord.is_lt(),
                        Op::Le => ord.is_le(),
                        Op::Gt => ord.is_gt(),
                        _ => ord.is_ge(),
                    })
                }
                _ => {
                    let (p, q) = (num(x, *op)?, num(y, *op)?);
                    Val::Num(match op {
                        Op::Add => p + q,
                        Op::Sub => p - q,
                        Op::Mul => p * q,
                        Op::Div => p / q,
                        _ => p % q,
                    })
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str, rule: f64) -> Result<Val> {
        let e = parse(src)?;
        eval(&e, &|n| match n {
            "rule_number" | "parameters.rule_number" => Ok(Val::Num(rule)),
            "name" => Ok(Val::Str("abc".into())),
            other => bail!("unknown parameter '{other}'"),
        })
    }

    #[test]
    fn evaluates_the_issue_example() {
        for (rule, want) in [
            (10.0, false),
            (30.0, false),
            (90.0, true),
            (110.0, true),
            (184.0, false),
        ] {
            assert_eq!(
                run("rule_number > 30 && rule_number < 120", rule).unwrap(),
                Val::Bool(want)
            );
        }
    }

    #[test]
    fn precedence_strings_and_arithmetic() {
        assert_eq!(run("1 + 2 * 3 == 7", 0.0).unwrap(), Val::Bool(true));
        assert_eq!(run("(1 + 2) * 3", 0.0).unwrap(), Val::Num(9.0));
        assert_eq!(
            run("!(rule_number % 2 == 0) || name == 'abc'", 4.0).unwrap(),
            Val::Bool(true)
        );
        assert_eq!(run("-rule_number < -1e1", 30.0).unwrap(), Val::Bool(true));
        assert_eq!(
            run("parameters.rule_number >= 30", 30.0).unwrap(),
            Val::Bool(true)
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert!(run("rule_number = 3", 1.0)
            .unwrap_err()
            .to_string()
            .contains("'=='"));
        assert!(run("(1 < 2", 1.0)
            .unwrap_err()
            .to_string()
            .contains("missing ')'"));
        assert!(run("nope > 1", 1.0)
            .unwrap_err()
            .to_string()
            .contains("unknown parameter 'nope'"));
        assert!(run("1 < 'a'", 1.0)
            .unwrap_err()
            .to_string()
            .contains("cannot order"));
        assert!(run("rule_number", 1.0).is_ok());
        assert!(run("1 2", 1.0)
            .unwrap_err()
            .to_string()
            .contains("unexpected text"));
        assert!(run("'abc", 1.0)
            .unwrap_err()
            .to_string()
            .contains("not closed"));
        assert!(run("import os", 1.0).is_err());
    }
}
