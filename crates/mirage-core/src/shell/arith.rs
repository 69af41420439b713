//! Shell arithmetic (`$(( ))`, `(( ))`, `let`): 64-bit integers with C precedence.
//!
//! Recursion is bounded: parentheses, unary operators and the right-associative chains
//! (`a=b=c`, `x?y:z?...`, `2**3**4`) count towards `MAX_DEPTH` levels, variables holding
//! expressions towards `MAX_VAR_DEPTH`, and every evaluation (subscripts evaluate their own)
//! holds a `limits::nest()` level, all failing with bash's `expression recursion level
//! exceeded` well before the stack (2 MiB on a test thread) runs out.

/// Nesting of one evaluation: parentheses, unary operators, right-associative chains.
const MAX_DEPTH: usize = 200;
/// Variables whose value is an expression, evaluated one inside the other.
const MAX_VAR_DEPTH: usize = 100;

pub trait ArithEnv {
    fn get(&self, name: &str) -> String;
    fn set(&mut self, name: &str, value: i64);
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArithError(pub String);

type R<T> = Result<T, ArithError>;

struct P<'a, E: ArithEnv> {
    s: Vec<char>,
    i: usize,
    env: &'a mut E,
    depth: usize,
    /// Variables being evaluated as expressions, one inside the other.
    vars: usize,
    /// Skip side effects and errors in the untaken arm of `&&`, `||`, `?:`.
    skip: usize,
    /// Start of the last token read: bash reports the text from there as the error token.
    tok: usize,
}

pub fn eval<E: ArithEnv>(expr: &str, env: &mut E) -> R<i64> {
    // Subscripts (`a[a[a[1]]]`) evaluate through the environment, one `eval` inside another.
    let Ok(_level) = crate::limits::nest() else {
        return Err(ArithError(format!("expression recursion level exceeded (error token is \"{}\")", expr.trim_start())));
    };
    let mut p = P { s: expr.chars().collect(), i: 0, env, depth: 0, vars: 0, skip: 0, tok: 0 };
    p.ws();
    if p.i >= p.s.len() {
        return Ok(0);
    }
    let r = p.comma().and_then(|v| {
        p.ws();
        if p.i < p.s.len() {
            p.tok = p.i;
            let c = p.s[p.i];
            if c.is_ascii_alphanumeric() || c == '_' {
                return Err(ArithError("syntax error in expression".into()));
            }
            return Err(ArithError("syntax error: invalid arithmetic operator".into()));
        }
        Ok(v)
    });
    r.map_err(|e| {
        let tok: String = p.s[p.tok.min(p.s.len())..].iter().collect();
        ArithError(format!("{} (error token is \"{tok}\")", e.0))
    })
}

impl<E: ArithEnv> P<'_, E> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, op: &str) -> bool {
        self.ws();
        let n = op.chars().count();
        if self.s[self.i..].iter().take(n).copied().eq(op.chars()) {
            self.tok = self.i;
            self.i += n;
            true
        } else {
            false
        }
    }
    /// `op` but not when it is the start of a longer operator.
    fn eat_not(&mut self, op: &str, not: &[&str]) -> bool {
        self.ws();
        for n in not {
            if self.s[self.i..].iter().take(n.len()).copied().eq(n.chars()) {
                return false;
            }
        }
        self.eat(op)
    }

    fn comma(&mut self) -> R<i64> {
        let mut v = self.assign()?;
        while self.eat(",") {
            v = self.assign()?;
        }
        Ok(v)
    }

    fn assign(&mut self) -> R<i64> {
        self.ws();
        let save = self.i;
        if let Some(name) = self.ident() {
            self.ws();
            for op in ["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^="] {
                if op == "=" && (self.peek_str("==")) {
                    continue;
                }
                if self.eat(op) {
                    self.enter()?;
                    let rhs = self.assign()?;
                    self.leave();
                    let cur = if op == "=" { 0 } else { self.var(&name)? };
                    let v = match op {
                        "=" => rhs,
                        "+=" => cur.wrapping_add(rhs),
                        "-=" => cur.wrapping_sub(rhs),
                        "*=" => cur.wrapping_mul(rhs),
                        "/=" => self.div(cur, rhs)?,
                        "%=" => self.rem(cur, rhs)?,
                        "<<=" => cur.wrapping_shl(rhs as u32),
                        ">>=" => cur.wrapping_shr(rhs as u32),
                        "&=" => cur & rhs,
                        "|=" => cur | rhs,
                        _ => cur ^ rhs,
                    };
                    if self.skip == 0 {
                        self.env.set(&name, v);
                    }
                    return Ok(v);
                }
            }
        }
        self.i = save;
        self.ternary()
    }

    fn peek_str(&self, s: &str) -> bool {
        self.s[self.i..].iter().take(s.len()).copied().eq(s.chars())
    }

    fn ternary(&mut self) -> R<i64> {
        let c = self.binary(0)?;
        if self.eat("?") {
            self.enter()?;
            let r = self.ternary_arms(c);
            self.leave();
            r
        } else {
            Ok(c)
        }
    }

    fn ternary_arms(&mut self, c: i64) -> R<i64> {
        if c != 0 {
            let a = self.assign()?;
            if !self.eat(":") {
                return Err(ArithError("`:' expected for conditional expression".into()));
            }
            self.skip += 1;
            let _ = self.assign()?;
            self.skip -= 1;
            Ok(a)
        } else {
            self.skip += 1;
            let _ = self.assign()?;
            self.skip -= 1;
            if !self.eat(":") {
                return Err(ArithError("`:' expected for conditional expression".into()));
            }
            self.assign()
        }
    }

    fn binary(&mut self, min: u8) -> R<i64> {
        let mut lhs = self.unary()?;
        loop {
            self.ws();
            let ops: &[(&str, u8, &[&str])] = &[
                ("||", 1, &[]),
                ("&&", 2, &[]),
                ("|", 3, &["||", "|="]),
                ("^", 4, &["^="]),
                ("&", 5, &["&&", "&="]),
                ("==", 6, &[]),
                ("!=", 6, &[]),
                ("<=", 7, &[]),
                (">=", 7, &[]),
                ("<<", 8, &["<<="]),
                (">>", 8, &[">>="]),
                ("<", 7, &["<<", "<="]),
                (">", 7, &[">>", ">="]),
                ("+", 9, &["++", "+="]),
                ("-", 9, &["--", "-="]),
                ("**", 11, &[]),
                ("*", 10, &["**", "*="]),
                ("/", 10, &["/="]),
                ("%", 10, &["%="]),
            ];
            let mut found = None;
            for (op, prec, not) in ops {
                if *prec >= min && self.peek_op(op, not) {
                    found = Some((*op, *prec));
                    break;
                }
            }
            let Some((op, prec)) = found else { break };
            self.tok = self.i;
            self.i += op.len();
            if op == "&&" || op == "||" {
                let short = (op == "&&" && lhs == 0) || (op == "||" && lhs != 0);
                if short {
                    self.skip += 1;
                }
                let rhs = self.binary(prec + 1)?;
                if short {
                    self.skip -= 1;
                }
                lhs = if op == "&&" { (lhs != 0 && rhs != 0) as i64 } else { (lhs != 0 || rhs != 0) as i64 };
                continue;
            }
            // `**` is right-associative.
            let rhs = if op == "**" {
                self.enter()?;
                let r = self.binary(prec)?;
                self.leave();
                r
            } else {
                self.binary(prec + 1)?
            };
            lhs = match op {
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "==" => (lhs == rhs) as i64,
                "!=" => (lhs != rhs) as i64,
                "<=" => (lhs <= rhs) as i64,
                ">=" => (lhs >= rhs) as i64,
                "<" => (lhs < rhs) as i64,
                ">" => (lhs > rhs) as i64,
                "<<" => lhs.wrapping_shl(rhs as u32),
                ">>" => lhs.wrapping_shr(rhs as u32),
                "+" => lhs.wrapping_add(rhs),
                "-" => lhs.wrapping_sub(rhs),
                "*" => lhs.wrapping_mul(rhs),
                "/" => self.div(lhs, rhs)?,
                "%" => self.rem(lhs, rhs)?,
                "**" => {
                    if rhs < 0 {
                        return Err(ArithError("exponent less than 0".into()));
                    }
                    ipow(lhs, rhs as u64)
                }
                _ => unreachable!(),
            };
        }
        Ok(lhs)
    }

    fn peek_op(&self, op: &str, not: &[&str]) -> bool {
        self.peek_str(op) && !not.iter().any(|n| self.peek_str(n))
    }

    fn div(&self, a: i64, b: i64) -> R<i64> {
        if b == 0 {
            if self.skip > 0 {
                return Ok(0);
            }
            return Err(ArithError("division by 0".into()));
        }
        Ok(a.wrapping_div(b))
    }

    fn rem(&self, a: i64, b: i64) -> R<i64> {
        if b == 0 {
            if self.skip > 0 {
                return Ok(0);
            }
            return Err(ArithError("division by 0".into()));
        }
        Ok(a.wrapping_rem(b))
    }

    /// One more level of nesting, failing past `MAX_DEPTH` (or when the stack runs low).
    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH || crate::limits::stack_exhausted() {
            return Err(ArithError("expression recursion level exceeded".into()));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn unary(&mut self) -> R<i64> {
        self.enter()?;
        let r = self.unary_inner();
        self.leave();
        r
    }

    fn unary_inner(&mut self) -> R<i64> {
        self.ws();
        if self.eat("++") || self.eat("--") {
            let inc = if self.s[self.i - 1] == '+' { 1 } else { -1 };
            self.ws();
            let name = self.ident().ok_or_else(|| ArithError("syntax error: operand expected".into()))?;
            let v = self.var(&name)?.wrapping_add(inc);
            if self.skip == 0 {
                self.env.set(&name, v);
            }
            return Ok(v);
        }
        if self.eat_not("!", &["!="]) {
            return Ok((self.unary()? == 0) as i64);
        }
        if self.eat("~") {
            return Ok(!self.unary()?);
        }
        if self.eat_not("-", &["-="]) {
            return Ok(self.unary()?.wrapping_neg());
        }
        if self.eat_not("+", &["+="]) {
            return self.unary();
        }
        self.postfix()
    }

    fn postfix(&mut self) -> R<i64> {
        self.ws();
        if self.eat("(") {
            let v = self.comma()?;
            if !self.eat(")") {
                return Err(ArithError("missing `)'".into()));
            }
            return Ok(v);
        }
        if let Some(c) = self.s.get(self.i).copied() {
            if c.is_ascii_digit() {
                return self.number();
            }
        }
        if let Some(name) = self.ident() {
            let v = self.var(&name)?;
            if self.eat("++") {
                if self.skip == 0 {
                    self.env.set(&name, v.wrapping_add(1));
                }
                return Ok(v);
            }
            if self.eat("--") {
                if self.skip == 0 {
                    self.env.set(&name, v.wrapping_sub(1));
                }
                return Ok(v);
            }
            return Ok(v);
        }
        if self.i < self.s.len() {
            self.tok = self.i;
        }
        Err(ArithError("syntax error: operand expected".into()))
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        if self.i < self.s.len() && (self.s[self.i].is_ascii_alphabetic() || self.s[self.i] == '_') {
            self.tok = start;
            while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == '_') {
                self.i += 1;
            }
            // `a[expr]`: an array element; the environment resolves the subscript.
            if self.s.get(self.i) == Some(&'[') {
                let mut depth = 0;
                let mut j = self.i;
                while j < self.s.len() {
                    match self.s[j] {
                        '[' => depth += 1,
                        ']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i = j + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            Some(self.s[start..self.i].iter().collect())
        } else {
            None
        }
    }

    fn number(&mut self) -> R<i64> {
        let start = self.i;
        self.tok = start;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == '#' || self.s[self.i] == '_') {
            self.i += 1;
        }
        let text: String = self.s[start..self.i].iter().collect();
        parse_number(&text).ok_or_else(|| ArithError("value too great for base".into()))
    }

    fn var(&mut self, name: &str) -> R<i64> {
        let v = self.env.get(name);
        let v = v.trim();
        if v.is_empty() {
            return Ok(0);
        }
        if let Some(n) = parse_number(v) {
            return Ok(n);
        }
        if self.vars >= MAX_VAR_DEPTH || self.depth >= MAX_DEPTH {
            return Err(ArithError("expression recursion level exceeded".into()));
        }
        // A variable holding an expression is evaluated recursively, as bash does.
        let text = v.to_string();
        let mut sub = P { s: text.chars().collect(), i: 0, env: &mut *self.env, depth: self.depth + 1, vars: self.vars + 1, skip: self.skip, tok: 0 };
        sub.comma()
    }
}

/// `base ** exp` wrapping at 64 bits, by squaring (bash's `ipow`).
fn ipow(mut base: i64, mut exp: u64) -> i64 {
    let mut r: i64 = 1;
    while exp > 0 {
        if exp & 1 == 1 {
            r = r.wrapping_mul(base);
        }
        exp >>= 1;
        base = base.wrapping_mul(base);
    }
    r
}

pub fn parse_number(t: &str) -> Option<i64> {
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return digits(h, 16);
    }
    if let Some((base, ds)) = t.split_once('#') {
        let b: u32 = base.parse().ok()?;
        if !(2..=64).contains(&b) {
            return None;
        }
        return digits(ds, b);
    }
    if t.len() > 1 && t.starts_with('0') {
        return digits(&t[1..], 8);
    }
    digits(t, 10)
}

/// Digits in `base` (bash's: `0-9a-z`, then `A-Z@_` above 36), wrapping on overflow as
/// bash's intmax_t arithmetic does (`9223372036854775808` is -9223372036854775808).
fn digits(s: &str, base: u32) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let mut acc: i64 = 0;
    for c in s.chars() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            '@' => 62,
            '_' => 63,
            _ => return None,
        };
        if v >= base {
            return None;
        }
        acc = acc.wrapping_mul(base as i64).wrapping_add(v as i64);
    }
    Some(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    impl ArithEnv for HashMap<String, String> {
        fn get(&self, n: &str) -> String {
            HashMap::get(self, n).cloned().unwrap_or_default()
        }
        fn set(&mut self, n: &str, v: i64) {
            self.insert(n.into(), v.to_string());
        }
    }

    #[test]
    fn evaluates() {
        let mut env: HashMap<String, String> = HashMap::new();
        assert_eq!(eval("1 + 2 * 3", &mut env), Ok(7));
        assert_eq!(eval("(1 + 2) * 3", &mut env), Ok(9));
        assert_eq!(eval("2 ** 10", &mut env), Ok(1024));
        assert_eq!(eval("x = 5, x += 2, x", &mut env), Ok(7));
        assert_eq!(eval("x++ + ++x", &mut env), Ok(16));
        assert_eq!(eval("7 / 2 == 3 && 7 % 2", &mut env), Ok(1));
        assert_eq!(eval("0x10 + 010 + 2#11", &mut env), Ok(16 + 8 + 3));
        assert_eq!(eval("1 ? 2 : 3", &mut env), Ok(2));
        assert_eq!(eval("-3 < 0", &mut env), Ok(1));
        assert!(eval("1 / 0", &mut env).is_err());
        assert_eq!(eval("0 && 1/0", &mut env), Ok(0));
    }

    /// Runs on the test harness's 2 MiB thread: every limit is reached before the stack ends.
    #[test]
    fn hostile_nesting_is_bounded() {
        let mut env: HashMap<String, String> = HashMap::new();
        let deep = |open: &str, mid: &str, close: &str, n: usize| format!("{}{mid}{}", open.repeat(n), close.repeat(n));
        let too_deep = |r: R<i64>| matches!(r, Err(ArithError(m)) if m.starts_with("expression recursion level exceeded"));
        assert_eq!(eval(&deep("(", "1", ")", 150), &mut env), Ok(1));
        for n in [250, 5000, 100_000] {
            assert!(too_deep(eval(&deep("(", "1", ")", n), &mut env)), "parens {n}");
            assert!(too_deep(eval(&deep("2**", "1", "", n), &mut env)), "** {n}");
            assert!(too_deep(eval(&deep("a=", "1", "", n), &mut env)), "= {n}");
            assert!(too_deep(eval(&deep("1?", "1", ":1", n), &mut env)), "?: {n}");
            assert!(too_deep(eval(&deep("!", "1", "", n), &mut env)), "! {n}");
            assert!(too_deep(eval(&deep("- ", "1", "", n), &mut env)), "- {n}");
            assert!(too_deep(eval(&deep("~", "1", "", n), &mut env)), "~ {n}");
        }
        assert_eq!(eval(&deep("2**", "1", "", 3), &mut env), Ok(16));
        assert_eq!(eval("2**62**3", &mut env), Ok(0));
        assert_eq!(eval("3**64", &mut env), Ok(3i64.wrapping_pow(64)));
        assert_eq!(eval("3**4294967297", &mut env), Ok(7473929035676909571));
        env.insert("r".into(), "r".into());
        assert_eq!(eval("r", &mut env), Err(ArithError("expression recursion level exceeded (error token is \"r\")".into())));
        env.insert("m".into(), i64::MAX.to_string());
        assert_eq!(eval("++m", &mut env), Ok(i64::MIN));
        assert_eq!(eval("m--", &mut env), Ok(i64::MIN));
        assert_eq!(eval("m++", &mut env), Ok(i64::MAX));
        assert_eq!(eval("(-9223372036854775807-1) / -1", &mut env), Ok(i64::MIN));
        assert_eq!(eval("-9223372036854775807-1 / -1", &mut env), Ok(-9223372036854775806));
        assert_eq!(eval("(-9223372036854775807-1) % -1", &mut env), Ok(0));
    }
}
