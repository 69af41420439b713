//! Bash pattern matching (`*`, `?`, `[...]`), used by globs, `case`, `[[ == ]]` and
//! `${x#pattern}`. Quoted characters match only themselves.

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Char(char),
    Any,
    Star,
    Class { negated: bool, items: Vec<ClassItem> },
    /// Extglob `?(..)` `*(..)` `+(..)` `@(..)` `!(..)`: the operator and its alternatives.
    Ext(char, Vec<Vec<Tok>>),
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
        Pattern { toks: compile(&cs) }
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

    /// Whether the pattern holds an extglob group.
    pub fn is_extglob(&self) -> bool {
        has_ext(&self.toks)
    }

    /// Lengths (in chars) of the prefixes of `s` that match, shortest first.
    pub fn matching_prefix_lens(&self, s: &str) -> Vec<usize> {
        let chars: Vec<char> = s.chars().collect();
        (0..=chars.len()).filter(|&n| match_from(&self.toks, &chars[..n])).collect()
    }
}


/// Compile (char, quoted) pairs into tokens.
fn compile(cs: &[(char, bool)]) -> Vec<Tok> {
        let mut toks = Vec::new();
        let mut i = 0;
        while i < cs.len() {
            let (c, q) = cs[i];
            if q {
                toks.push(Tok::Char(c));
                i += 1;
                continue;
            }
            if matches!(c, '?' | '*' | '+' | '@' | '!') && cs.get(i + 1) == Some(&('(', false)) {
                if let Some((alts, next)) = parse_ext(cs, i + 2) {
                    toks.push(Tok::Ext(c, alts));
                    i = next;
                    continue;
                }
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
                '[' => match parse_class(cs, i + 1) {
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
    toks
}

/// The alternatives of an extglob group starting after its `(`, and the index after its `)`.
fn parse_ext(cs: &[(char, bool)], start: usize) -> Option<(Vec<Vec<Tok>>, usize)> {
    let mut depth = 0;
    let mut alts = Vec::new();
    let mut from = start;
    let mut i = start;
    while i < cs.len() {
        let (c, q) = cs[i];
        if !q {
            match c {
                '(' => depth += 1,
                ')' if depth == 0 => {
                    alts.push(compile(&cs[from..i]));
                    return Some((alts, i + 1));
                }
                ')' => depth -= 1,
                '|' if depth == 0 => {
                    alts.push(compile(&cs[from..i]));
                    from = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

fn has_ext(toks: &[Tok]) -> bool {
    toks.iter().any(|t| matches!(t, Tok::Ext(..)))
}

/// Backtracking matcher for patterns with extglob groups.
fn match_rec(toks: &[Tok], s: &[char]) -> bool {
    let Some(first) = toks.first() else { return s.is_empty() };
    let rest = &toks[1..];
    match first {
        Tok::Char(c) => s.first() == Some(c) && match_rec(rest, &s[1..]),
        Tok::Any => !s.is_empty() && match_rec(rest, &s[1..]),
        Tok::Class { negated, items } => !s.is_empty() && class_has(items, s[0]) != *negated && match_rec(rest, &s[1..]),
        Tok::Star => (0..=s.len()).any(|k| match_rec(rest, &s[k..])),
        Tok::Ext(kind, alts) => {
            let alt = |sub: &[char]| alts.iter().any(|a| match_rec(a, sub));
            match kind {
                '@' => (0..=s.len()).any(|k| alt(&s[..k]) && match_rec(rest, &s[k..])),
                '?' => match_rec(rest, s) || (0..=s.len()).any(|k| alt(&s[..k]) && match_rec(rest, &s[k..])),
                '!' => (0..=s.len()).any(|k| !alt(&s[..k]) && match_rec(rest, &s[k..])),
                '*' => match_rec(rest, s) || (1..=s.len()).any(|k| alt(&s[..k]) && match_rec(toks, &s[k..])),
                _ => (1..=s.len()).any(|k| alt(&s[..k]) && (match_rec(rest, &s[k..]) || match_rec(toks, &s[k..]))),
            }
        }
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
    if has_ext(toks) {
        return match_rec(toks, s);
    }
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
            Some(Tok::Ext(..)) | None => false,
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
        assert!(Pattern::parse("*.@(log|txt)").matches("file.log"));
        assert!(!Pattern::parse("*.@(log|txt)").matches("file.csv"));
        assert!(Pattern::parse("!(a|b).txt").matches("c.txt"));
        assert!(!Pattern::parse("!(a|b).txt").matches("a.txt"));
        assert!(Pattern::parse("+(ab)").matches("ababab"));
        assert!(Pattern::parse("x*(y)z").matches("xz"));
        assert!(Pattern::parse("?(a)b").matches("b"));
    }
}
