//! Shell arithmetic (`$(( ))`, `(( ))`, `let`): 64-bit integers with C precedence.

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
    /// Skip side effects and errors in the untaken arm of `&&`, `||`, `?:`.
    skip: usize,
    /// Start of the last token read: bash reports the text from there as the error token.
    tok: usize,
}

pub fn eval<E: ArithEnv>(expr: &str, env: &mut E) -> R<i64> {
    let mut p = P { s: expr.chars().collect(), i: 0, env, depth: 0, skip: 0, tok: 0 };
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
                    let rhs = self.assign()?;
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
        } else {
            Ok(c)
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
            let rhs = if op == "**" { self.binary(prec)? } else { self.binary(prec + 1)? };
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
                    lhs.wrapping_pow(rhs.min(u32::MAX as i64) as u32)
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

    fn unary(&mut self) -> R<i64> {
        self.depth += 1;
        if self.depth > 200 {
            return Err(ArithError("expression recursion level exceeded".into()));
        }
        let r = self.unary_inner();
        self.depth -= 1;
        r
    }

    fn unary_inner(&mut self) -> R<i64> {
        self.ws();
        if self.eat("++") || self.eat("--") {
            let inc = if self.s[self.i - 1] == '+' { 1 } else { -1 };
            self.ws();
            let name = self.ident().ok_or_else(|| ArithError("syntax error: operand expected".into()))?;
            let v = self.var(&name)? + inc;
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
                    self.env.set(&name, v + 1);
                }
                return Ok(v);
            }
            if self.eat("--") {
                if self.skip == 0 {
                    self.env.set(&name, v - 1);
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
        if self.depth > 100 {
            return Err(ArithError("expression recursion level exceeded".into()));
        }
        // A variable holding an expression is evaluated recursively, as bash does.
        let text = v.to_string();
        let mut sub = P { s: text.chars().collect(), i: 0, env: &mut *self.env, depth: self.depth + 1, skip: self.skip, tok: 0 };
        sub.comma()
    }
}

pub fn parse_number(t: &str) -> Option<i64> {
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16).ok();
    }
    if let Some((base, digits)) = t.split_once('#') {
        let b: u32 = base.parse().ok()?;
        if !(2..=64).contains(&b) {
            return None;
        }
        if b <= 36 {
            return i64::from_str_radix(digits, b).ok();
        }
        return None;
    }
    if t.len() > 1 && t.starts_with('0') {
        return i64::from_str_radix(&t[1..], 8).ok();
    }
    t.parse().ok()
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
}
