//! Brace expansion (`a{b,c}d`, `{1..5}`, `{a..e..2}`, `{01..10}`), done first, on the
//! unquoted text of a word, as bash does.

use super::ast::{Word, WordPart};

/// Most words one brace expression may produce.
pub const MAX_WORDS: usize = 1_000_000;

#[derive(Clone, Debug, PartialEq)]
enum Atom {
    /// A character of unquoted literal text: braces and commas here are active.
    Ch(char),
    /// Anything else (quoted text, expansions): opaque.
    Part(WordPart),
}

fn atoms(w: &Word) -> Vec<Atom> {
    let mut out = Vec::new();
    for p in &w.parts {
        match p {
            WordPart::Lit(s) => out.extend(s.chars().map(Atom::Ch)),
            other => out.push(Atom::Part(other.clone())),
        }
    }
    out
}

fn to_word(atoms: &[Atom]) -> Word {
    let mut parts = Vec::new();
    let mut lit = String::new();
    for a in atoms {
        match a {
            Atom::Ch(c) => lit.push(*c),
            Atom::Part(p) => {
                if !lit.is_empty() {
                    parts.push(WordPart::Lit(std::mem::take(&mut lit)));
                }
                parts.push(p.clone());
            }
        }
    }
    if !lit.is_empty() {
        parts.push(WordPart::Lit(lit));
    }
    Word { parts }
}

/// Whether a word has an unquoted `{` at all (the common case is no).
fn has_brace(w: &Word) -> bool {
    w.parts.iter().any(|p| matches!(p, WordPart::Lit(s) if s.contains('{')))
}

/// The words a word expands to; `Err` when the expansion would be too large.
pub fn expand(w: &Word) -> Result<Vec<Word>, String> {
    if !has_brace(w) {
        return Ok(vec![w.clone()]);
    }
    let mut count = 0usize;
    let out = expand_atoms(&atoms(w), &mut count)?;
    Ok(out.iter().map(|a| to_word(a)).collect())
}

fn expand_atoms(a: &[Atom], count: &mut usize) -> Result<Vec<Vec<Atom>>, String> {
    let mut search_from = 0;
    while let Some(open) = (search_from..a.len()).find(|&i| a[i] == Atom::Ch('{')) {
        // `${` is a parameter expansion, handled elsewhere; a literal `{` after `$` stays.
        if open > 0 && a[open - 1] == Atom::Ch('$') {
            search_from = open + 1;
            continue;
        }
        let Some(close) = matching_close(a, open) else {
            search_from = open + 1;
            continue;
        };
        let inner = &a[open + 1..close];
        let alternatives: Vec<Vec<Atom>> = match sequence(inner)? {
            Some(items) => items.into_iter().map(|s| s.chars().map(Atom::Ch).collect()).collect(),
            None => {
                let pieces = split_commas(inner);
                if pieces.len() < 2 {
                    search_from = open + 1;
                    continue;
                }
                let mut alts = Vec::new();
                for p in pieces {
                    alts.extend(expand_atoms(p, count)?);
                }
                alts
            }
        };
        let prefix = &a[..open];
        let suffixes = expand_atoms(&a[close + 1..], count)?;
        let mut out = Vec::with_capacity(alternatives.len() * suffixes.len());
        for alt in &alternatives {
            for suf in &suffixes {
                *count += 1;
                if *count > MAX_WORDS {
                    return Err(format!("brace expansion: more than {MAX_WORDS} words"));
                }
                let mut w = prefix.to_vec();
                w.extend(alt.iter().cloned());
                w.extend(suf.iter().cloned());
                out.push(w);
            }
        }
        return Ok(out);
    }
    Ok(vec![a.to_vec()])
}

fn matching_close(a: &[Atom], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, x) in a.iter().enumerate().skip(open) {
        match x {
            Atom::Ch('{') => depth += 1,
            Atom::Ch('}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn split_commas(a: &[Atom]) -> Vec<&[Atom]> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, x) in a.iter().enumerate() {
        match x {
            Atom::Ch('{') => depth += 1,
            Atom::Ch('}') => depth -= 1,
            Atom::Ch(',') if depth == 0 => {
                out.push(&a[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&a[start..]);
    out
}

/// `{x..y}` / `{x..y..step}` with integers or single letters.
fn sequence(inner: &[Atom]) -> Result<Option<Vec<String>>, String> {
    let mut text = String::new();
    for a in inner {
        match a {
            Atom::Ch(c) => text.push(*c),
            Atom::Part(_) => return Ok(None),
        }
    }
    let parts: Vec<&str> = text.split("..").collect();
    if !(parts.len() == 2 || parts.len() == 3) {
        return Ok(None);
    }
    let step: i64 = match parts.get(2) {
        Some(s) => match s.parse::<i64>() {
            Ok(v) => v.abs().max(1),
            Err(_) => return Ok(None),
        },
        None => 1,
    };
    if let (Ok(a), Ok(b)) = (parts[0].parse::<i64>(), parts[1].parse::<i64>()) {
        let width = if has_leading_zero(parts[0]) || has_leading_zero(parts[1]) { parts[0].len().max(parts[1].len()) } else { 0 };
        let n = ((a - b).unsigned_abs() / step as u64) as usize + 1;
        if n > MAX_WORDS {
            return Err(format!("brace expansion: more than {MAX_WORDS} words"));
        }
        let mut out = Vec::with_capacity(n);
        let mut v = a;
        for _ in 0..n {
            out.push(if width > 0 {
                if v < 0 {
                    format!("-{:0w$}", -v, w = width - 1)
                } else {
                    format!("{v:0width$}")
                }
            } else {
                v.to_string()
            });
            if a <= b {
                v += step;
            } else {
                v -= step;
            }
        }
        return Ok(Some(out));
    }
    let (ca, cb) = (single_char(parts[0]), single_char(parts[1]));
    if let (Some(a), Some(b)) = (ca, cb) {
        let (a, b) = (a as i64, b as i64);
        let mut out = Vec::new();
        let mut v = a;
        loop {
            if let Some(c) = char::from_u32(v as u32) {
                out.push(c.to_string());
            }
            if v == b || (a <= b && v + step > b) || (a > b && v - step < b) {
                break;
            }
            v = if a <= b { v + step } else { v - step };
        }
        return Ok(Some(out));
    }
    Ok(None)
}

fn has_leading_zero(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    d.len() > 1 && d.starts_with('0')
}

fn single_char(s: &str) -> Option<char> {
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(s: &str) -> Vec<String> {
        expand(&Word::lit(s))
            .unwrap()
            .into_iter()
            .map(|w| w.parts.iter().map(|p| if let WordPart::Lit(s) = p { s.clone() } else { String::new() }).collect())
            .collect()
    }

    #[test]
    fn expands_like_bash() {
        assert_eq!(ex("a{b,c}d"), ["abd", "acd"]);
        assert_eq!(ex("{1..4}"), ["1", "2", "3", "4"]);
        assert_eq!(ex("{3..1}"), ["3", "2", "1"]);
        assert_eq!(ex("{01..03}"), ["01", "02", "03"]);
        assert_eq!(ex("{1..10..4}"), ["1", "5", "9"]);
        assert_eq!(ex("{a..c}"), ["a", "b", "c"]);
        assert_eq!(ex("x{a,b{1,2}}"), ["xa", "xb1", "xb2"]);
        assert_eq!(ex("{a}"), ["{a}"]);
        assert_eq!(ex("{a,b"), ["{a,b"]);
        assert_eq!(ex("{a,b}{c,d}"), ["ac", "ad", "bc", "bd"]);
        assert!(expand(&Word::lit("{1..100000000}")).is_err());
    }
}
