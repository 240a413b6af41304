//! A small, safe expression language for `pet runs --where`: numbers, strings,
//! booleans, parameter names, arithmetic, comparisons, `&&`, `||`, `!`,
//! parentheses. Parsing builds a tree; evaluating only looks values up.
//!
//! The expression comes from the command line, possibly from a script fed
//! hostile text, so both steps are bounded: at most [`MAX_LEN`] bytes, and a
//! tree at most [`MAX_DEPTH`] levels deep (parentheses, `!`, `-` and operands of
//! binary operators each add a level), so neither the recursive-descent parser
//! nor the recursive evaluator can overflow the stack.

/// A bad expression, or a name it cannot look up: the message says where and what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ExprError(pub String);

/// Results of parsing and evaluating.
pub type Result<T> = std::result::Result<T, ExprError>;

/// Builds an [`ExprError`] from a format string.
macro_rules! err {
    ($($t:tt)*) => { ExprError(format!($($t)*)) };
}

/// Returns early with an [`ExprError`].
macro_rules! bail {
    ($($t:tt)*) => { return Err(err!($($t)*)) };
}

/// Longest expression accepted, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

/// Deepest expression tree accepted: parenthesised, negated (`!`, `-`) or
/// operand-of-operator nesting, counted together.
pub const MAX_DEPTH: usize = 128;

fn too_deep() -> ExprError {
    err!("the expression nests deeper than {MAX_DEPTH} levels; simplify it")
}

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
                .map_err(|_| err!("'{text}' at column {} is not a number", start + 1))?;
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
            let c = src[i..].chars().next().unwrap_or(c);
            bail!("unexpected character {c:?} at column {}", i + 1);
        }
    }
    Ok(out)
}

/// A parsed subtree and its depth (a literal or a name is 1 level deep).
struct Sub {
    e: Expr,
    depth: usize,
}

impl Sub {
    fn leaf(e: Expr) -> Sub {
        Sub { e, depth: 1 }
    }

    /// `f(inner)` one level deeper than `inner`.
    fn wrap(inner: Sub, f: fn(Box<Expr>) -> Expr) -> Result<Sub> {
        let depth = inner.depth + 1;
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(Sub {
            e: f(Box::new(inner.e)),
            depth,
        })
    }

    fn bin(left: Sub, op: Op, right: Sub) -> Result<Sub> {
        let depth = left.depth.max(right.depth) + 1;
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(Sub {
            e: Expr::Bin(Box::new(left.e), op, Box::new(right.e)),
            depth,
        })
    }
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    /// Parentheses and prefix operators open around the current position; the
    /// parser recurses once per level, so this is checked before each descent.
    open: usize,
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

    /// Runs `f` one nesting level deeper, refusing to go past [`MAX_DEPTH`].
    fn nested(&mut self, f: fn(&mut Parser) -> Result<Sub>) -> Result<Sub> {
        if self.open >= MAX_DEPTH {
            return Err(too_deep());
        }
        self.open += 1;
        let out = f(self);
        self.open -= 1;
        out
    }

    fn binary(&mut self, ops: &[(&str, Op)], next: fn(&mut Parser) -> Result<Sub>) -> Result<Sub> {
        let mut left = next(self)?;
        'outer: loop {
            for (s, op) in ops {
                if self.eat(s) {
                    let right = next(self)?;
                    left = Sub::bin(left, *op, right)?;
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn or(&mut self) -> Result<Sub> {
        self.binary(&[("||", Op::Or)], Parser::and)
    }

    fn and(&mut self) -> Result<Sub> {
        self.binary(&[("&&", Op::And)], Parser::not)
    }

    fn not(&mut self) -> Result<Sub> {
        if self.eat("!") {
            let inner = self.nested(Parser::not)?;
            return Sub::wrap(inner, Expr::Not);
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Sub> {
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
                return Sub::bin(left, op, right);
            }
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Sub> {
        self.binary(&[("+", Op::Add), ("-", Op::Sub)], Parser::prod)
    }

    fn prod(&mut self) -> Result<Sub> {
        self.binary(
            &[("*", Op::Mul), ("/", Op::Div), ("%", Op::Rem)],
            Parser::unary,
        )
    }

    fn unary(&mut self) -> Result<Sub> {
        if self.eat("-") {
            let inner = self.nested(Parser::unary)?;
            return Sub::wrap(inner, Expr::Neg);
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Sub> {
        let Some((col, tok)) = self.toks.get(self.pos).cloned() else {
            bail!("the expression ends too early");
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Sub::leaf(Expr::Lit(Val::Num(n)))),
            Tok::Str(s) => Ok(Sub::leaf(Expr::Lit(Val::Str(s)))),
            Tok::Ident(id) if id == "true" => Ok(Sub::leaf(Expr::Lit(Val::Bool(true)))),
            Tok::Ident(id) if id == "false" => Ok(Sub::leaf(Expr::Lit(Val::Bool(false)))),
            Tok::Ident(id) => Ok(Sub::leaf(Expr::Name(id))),
            Tok::Sym("(") => {
                let inner = self.nested(Parser::or)?;
                if !self.eat(")") {
                    bail!("missing ')' for the '(' at column {}", col + 1);
                }
                // Parentheses leave no node but count as a level, as they are
                // one more level of the parser's recursion.
                let depth = inner.depth + 1;
                if depth > MAX_DEPTH {
                    return Err(too_deep());
                }
                Ok(Sub { e: inner.e, depth })
            }
            Tok::Sym(s) => bail!("unexpected '{s}' at column {}", col + 1),
        }
    }
}

/// Parses an expression such as `rule_number > 30 && rule_number < 120`; at
/// most [`MAX_LEN`] bytes and [`MAX_DEPTH`] levels deep.
pub fn parse(src: &str) -> Result<Expr> {
    if src.len() > MAX_LEN {
        bail!(
            "the expression is {} bytes long; at most {MAX_LEN} are accepted",
            src.len()
        );
    }
    let mut p = Parser {
        toks: lex(src)?,
        pos: 0,
        open: 0,
    };
    let e = p.or()?.e;
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

/// Evaluates `e`, looking parameter names up with `lookup`. A tree deeper
/// than [`MAX_DEPTH`] (which [`parse`] never builds) is refused, not recursed into.
pub fn eval(e: &Expr, lookup: &dyn Fn(&str) -> Result<Val>) -> Result<Val> {
    eval_at(e, lookup, 1)
}

fn eval_at(e: &Expr, lookup: &dyn Fn(&str) -> Result<Val>, depth: usize) -> Result<Val> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    let eval = |x: &Expr, lookup: &dyn Fn(&str) -> Result<Val>| eval_at(x, lookup, depth + 1);
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

    fn deep_error(src: &str) -> String {
        let e = parse(src).unwrap_err().to_string();
        assert!(
            e.contains(&format!("nests deeper than {MAX_DEPTH} levels")),
            "{e}"
        );
        e
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowing_the_stack() {
        let n = 30_000; // 60 KB of parentheses: within MAX_LEN, far past MAX_DEPTH
        deep_error(&format!("{}1{}", "(".repeat(n), ")".repeat(n)));
        deep_error(&format!("{}1", "(".repeat(n)));
        deep_error(&format!("{}true", "!".repeat(n)));
        deep_error(&format!("{}true", "! ".repeat(n / 2)));
        deep_error(&format!("{}1", "- ".repeat(n / 2)));
        // Left-leaning chains of binary operators build deep trees too.
        deep_error(&format!("1{}", " + 1".repeat(MAX_DEPTH)));
        deep_error(&format!("true{}", " || true".repeat(MAX_DEPTH)));
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        // A literal is one level, each pair of parentheses one more.
        let k = MAX_DEPTH - 1;
        let src = format!("{}1{}", "(".repeat(k), ")".repeat(k));
        assert_eq!(run(&src, 0.0).unwrap(), Val::Num(1.0));
        let src = format!("{}1{}", "(".repeat(k + 1), ")".repeat(k + 1));
        deep_error(&src);
        assert_eq!(
            run(&format!("{}rule_number", "-".repeat(k)), 2.0).unwrap(),
            Val::Num(if k.is_multiple_of(2) { 2.0 } else { -2.0 })
        );
        let chain = format!("rule_number == 0{}", " || rule_number == 1".repeat(40));
        assert_eq!(run(&chain, 1.0).unwrap(), Val::Bool(true));
    }

    #[test]
    fn long_expressions_are_refused() {
        let src = format!("1{}", " ".repeat(MAX_LEN));
        let e = parse(&src).unwrap_err().to_string();
        assert!(e.contains(&format!("at most {MAX_LEN}")), "{e}");
        assert!(parse(&format!("1{}", " ".repeat(MAX_LEN - 1))).is_ok());
    }

    #[test]
    fn eval_refuses_trees_deeper_than_the_parser_builds() {
        let mut e = Expr::Lit(Val::Bool(true));
        for _ in 0..MAX_DEPTH {
            e = Expr::Not(Box::new(e));
        }
        let err = eval(&e, &|_| bail!("no names")).unwrap_err().to_string();
        assert!(err.contains("nests deeper"), "{err}");
        let Expr::Not(inner) = e else { unreachable!() };
        assert_eq!(
            eval(&inner, &|_| bail!("no names")).unwrap(),
            Val::Bool((MAX_DEPTH - 1).is_multiple_of(2))
        );
    }

    #[test]
    fn non_ascii_characters_are_named_whole() {
        let e = parse("x \u{2264} 3").unwrap_err().to_string();
        assert!(e.contains("'\u{2264}'"), "{e}");
    }
}
