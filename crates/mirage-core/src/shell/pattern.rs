//! Bash pattern matching (`*`, `?`, `[...]`), used by globs, `case`, `[[ == ]]` and
//! `${x#pattern}`. Quoted characters match only themselves.

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Char(char),
    Any,
    Star,
    Class { negated: bool, items: Vec<ClassItem> },
}

#[derive(Clone, Debug, PartialEq)]
enum ClassItem {
    Char(char),
    Range(char, char),
    Named(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    toks: Vec<Tok>,
}

/// A piece of pattern text and whether it was quoted.
pub type Seg<'a> = (&'a str, bool);

impl Pattern {
    /// Compile from segments; quoted segments are literal.
    pub fn new(segs: &[Seg<'_>]) -> Pattern {
        // Flatten into (char, quoted) pairs; a backslash in unquoted text quotes the next char.
        let mut cs: Vec<(char, bool)> = Vec::new();
        for (text, quoted) in segs {
            let mut it = text.chars();
            while let Some(c) = it.next() {
                if !quoted && c == '\\' {
                    match it.next() {
                        Some(n) => cs.push((n, true)),
                        None => cs.push(('\\', true)),
                    }
                } else {
                    cs.push((c, *quoted));
                }
            }
        }
        let mut toks = Vec::new();
        let mut i = 0;
        while i < cs.len() {
            let (c, q) = cs[i];
            if q {
                toks.push(Tok::Char(c));
                i += 1;
                continue;
            }
            match c {
                '*' => {
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                    i += 1;
                }
                '?' => {
                    toks.push(Tok::Any);
                    i += 1;
                }
                '[' => match parse_class(&cs, i + 1) {
                    Some((tok, next)) => {
                        toks.push(tok);
                        i = next;
                    }
                    None => {
                        toks.push(Tok::Char('['));
                        i += 1;
                    }
                },
                c => {
                    toks.push(Tok::Char(c));
                    i += 1;
                }
            }
        }
        Pattern { toks }
    }

    /// A pattern from unquoted text.
    pub fn parse(text: &str) -> Pattern {
        Pattern::new(&[(text, false)])
    }

    /// Whether the pattern has any active wildcard.
    pub fn has_wildcards(&self) -> bool {
        self.toks.iter().any(|t| !matches!(t, Tok::Char(_)))
    }

    /// The literal text when there is no wildcard.
    pub fn literal(&self) -> Option<String> {
        self.toks
            .iter()
            .map(|t| match t {
                Tok::Char(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Whether the pattern starts with a literal `.` (globs only then match dotfiles).
    pub fn starts_with_dot(&self) -> bool {
        matches!(self.toks.first(), Some(Tok::Char('.')))
    }

    pub fn matches(&self, s: &str) -> bool {
        let chars: Vec<char> = s.chars().collect();
        match_from(&self.toks, &chars)
    }

    /// Lengths (in chars) of the prefixes of `s` that match, shortest first.
    pub fn matching_prefix_lens(&self, s: &str) -> Vec<usize> {
        let chars: Vec<char> = s.chars().collect();
        (0..=chars.len()).filter(|&n| match_from(&self.toks, &chars[..n])).collect()
    }
}

fn parse_class(cs: &[(char, bool)], mut i: usize) -> Option<(Tok, usize)> {
    let mut negated = false;
    if i < cs.len() && !cs[i].1 && (cs[i].0 == '!' || cs[i].0 == '^') {
        negated = true;
        i += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    while i < cs.len() {
        let (c, q) = cs[i];
        if c == ']' && !q && !first {
            return Some((Tok::Class { negated, items }, i + 1));
        }
        first = false;
        if c == '[' && !q && i + 1 < cs.len() && cs[i + 1].0 == ':' {
            // [:alpha:]
            let rest: String = cs[i + 2..].iter().map(|p| p.0).collect();
            if let Some(end) = rest.find(":]") {
                items.push(ClassItem::Named(rest[..end].to_string()));
                i += 2 + end + 2;
                continue;
            }
        }
        if i + 2 < cs.len() && cs[i + 1].0 == '-' && !cs[i + 1].1 && !(cs[i + 2].0 == ']' && !cs[i + 2].1) {
            items.push(ClassItem::Range(c, cs[i + 2].0));
            i += 3;
            continue;
        }
        items.push(ClassItem::Char(c));
        i += 1;
    }
    None
}

fn class_has(items: &[ClassItem], c: char) -> bool {
    items.iter().any(|it| match it {
        ClassItem::Char(x) => *x == c,
        ClassItem::Range(a, b) => *a <= c && c <= *b,
        ClassItem::Named(n) => match n.as_str() {
            "alpha" => c.is_alphabetic(),
            "digit" => c.is_ascii_digit(),
            "alnum" => c.is_alphanumeric(),
            "upper" => c.is_uppercase(),
            "lower" => c.is_lowercase(),
            "space" => c.is_whitespace(),
            "blank" => c == ' ' || c == '\t',
            "punct" => c.is_ascii_punctuation(),
            "xdigit" => c.is_ascii_hexdigit(),
            "cntrl" => c.is_control(),
            "print" => !c.is_control(),
            "graph" => !c.is_control() && c != ' ',
            _ => false,
        },
    })
}

fn match_from(toks: &[Tok], s: &[char]) -> bool {
    // Iterative matcher with single-star backtracking (linear in practice).
    let (mut ti, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        let ok = match toks.get(ti) {
            Some(Tok::Char(c)) => *c == s[si],
            Some(Tok::Any) => true,
            Some(Tok::Class { negated, items }) => class_has(items, s[si]) != *negated,
            Some(Tok::Star) => {
                star = Some((ti, si));
                ti += 1;
                continue;
            }
            None => false,
        };
        if ok {
            ti += 1;
            si += 1;
        } else if let Some((st, ss)) = star {
            ti = st + 1;
            si = ss + 1;
            star = Some((st, ss + 1));
        } else {
            return false;
        }
    }
    toks[ti..].iter().all(|t| *t == Tok::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(Pattern::parse("*.log").matches("a.log"));
        assert!(!Pattern::parse("*.log").matches("a.txt"));
        assert!(Pattern::parse("a?c").matches("abc"));
        assert!(Pattern::parse("[a-c]x").matches("bx"));
        assert!(Pattern::parse("[!a-c]x").matches("dx"));
        assert!(Pattern::parse("[[:digit:]]*").matches("1abc"));
        assert!(Pattern::new(&[("*", true)]).matches("*"));
        assert!(!Pattern::new(&[("*", true)]).matches("a"));
        assert!(Pattern::parse("*a*b*").matches("xxaxxbxx"));
        assert!(Pattern::parse("\\*").matches("*"));
    }
}
