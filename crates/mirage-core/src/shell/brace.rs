//! Brace expansion (`a{b,c}d`, `{1..5}`, `{a..e..2}`, `{01..10}`), done first, on the
//! unquoted text of a word, as bash does.
//!
//! Bounded against hostile words: the word is parsed once (each `{`'s `}` found with one
//! stack pass), groups nest at most `limits::nest()` levels, the number of words and their
//! bytes are counted before any is built and checked with `limits::reserve` (bash's
//! `brace expansion: failed to allocate memory for N elements` when they do not fit), and
//! building checks the execute's stop switch.

use super::ast::{Word, WordPart};
use crate::limits;

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

/// What one more word costs besides its text (the `Word`, its part, allocator overhead).
const WORD_BYTES: u64 = (std::mem::size_of::<Word>() + std::mem::size_of::<WordPart>() + 32) as u64;

/// The words a word expands to; `Err` (bash's message, or an empty one when the execute
/// is stopping) when the expansion nests too deep or would not fit in memory.
pub fn expand(w: &Word) -> Result<Vec<Word>, String> {
    if !has_brace(w) {
        return Ok(vec![w.clone()]);
    }
    let a = atoms(w);
    let close = closes(&a);
    let pieces = parse(&a, &close, 0, a.len())?;
    if !pieces.iter().any(|p| !matches!(p, Piece::Lit(_))) {
        return Ok(vec![w.clone()]);
    }
    // Each sequence on its own first (bash names the range it could not allocate), then
    // the whole product.
    check_sequences(&pieces)?;
    let (count, chars) = size(&pieces);
    fits(count, chars)?;
    build(&pieces)
}

/// Whether `count` words of `chars` bytes of text may be allocated. A refusal is bash's
/// message (the memory budget's refusal also stops the execute, as running out would).
fn fits(count: u64, chars: u64) -> Result<(), String> {
    limits::checkpoint().map_err(|_| String::new())?;
    let bytes = count.saturating_mul(WORD_BYTES).saturating_add(chars);
    match limits::reserve(usize::try_from(bytes).unwrap_or(usize::MAX)) {
        Ok(()) => Ok(()),
        Err(limits::Stop::Memory) => Err(format!("brace expansion: failed to allocate memory for {count} elements")),
        Err(_) => Err(String::new()),
    }
}

/// A piece of a word: literal text, or a brace group.
enum Piece {
    Lit(Word),
    Seq(Seq),
    /// `{x,y,...}`: each alternative is itself a sequence of pieces.
    Alts(Vec<Vec<Piece>>),
}

/// For each `{` of literal text, the index of its `}` (`usize::MAX`: none).
fn closes(a: &[Atom]) -> Vec<usize> {
    let mut close = vec![usize::MAX; a.len()];
    let mut open = Vec::new();
    for (i, x) in a.iter().enumerate() {
        match x {
            Atom::Ch('{') => open.push(i),
            Atom::Ch('}') => {
                if let Some(o) = open.pop() {
                    close[o] = i;
                }
            }
            _ => {}
        }
    }
    close
}

fn too_deep() -> String {
    if limits::stopped() {
        return String::new();
    }
    format!("brace expansion: maximum nesting level exceeded ({})", limits::MAX_NESTING)
}

/// The pieces of `a[lo..hi]`: scanning left to right, the first `{` with a `}` whose text
/// is a sequence or has a top-level comma is a group; any other `{` is literal text.
fn parse(a: &[Atom], close: &[usize], lo: usize, hi: usize) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut tick = limits::Ticker::new();
    let (mut lit_from, mut i) = (lo, lo);
    while i < hi {
        tick.tick().map_err(|_| String::new())?;
        // `${` is a parameter expansion, handled elsewhere; a literal `{` after `$` stays.
        if a[i] != Atom::Ch('{') || (i > lo && a[i - 1] == Atom::Ch('$')) || close[i] >= hi {
            i += 1;
            continue;
        }
        let end = close[i];
        let inner = &a[i + 1..end];
        let group = match sequence(inner) {
            Some(seq) => Piece::Seq(seq),
            None => {
                let commas = top_commas(a, close, i + 1, end);
                if commas.is_empty() {
                    i += 1;
                    continue;
                }
                let _level = limits::nest().map_err(|_| too_deep())?;
                let mut alts = Vec::with_capacity(commas.len() + 1);
                let mut from = i + 1;
                for c in commas.into_iter().chain(std::iter::once(end)) {
                    alts.push(parse(a, close, from, c)?);
                    from = c + 1;
                }
                Piece::Alts(alts)
            }
        };
        if lit_from < i {
            pieces.push(Piece::Lit(to_word(&a[lit_from..i])));
        }
        pieces.push(group);
        i = end + 1;
        lit_from = i;
    }
    if lit_from < hi {
        pieces.push(Piece::Lit(to_word(&a[lit_from..hi])));
    }
    Ok(pieces)
}

/// The commas of `a[lo..hi]` outside nested braces (which are balanced there).
fn top_commas(a: &[Atom], close: &[usize], lo: usize, hi: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut k = lo;
    while k < hi {
        match a[k] {
            Atom::Ch('{') if close[k] < hi => {
                k = close[k] + 1;
                continue;
            }
            Atom::Ch(',') => out.push(k),
            _ => {}
        }
        k += 1;
    }
    out
}

/// Bash's refusals of sizes, one sequence at a time.
fn check_sequences(pieces: &[Piece]) -> Result<(), String> {
    for p in pieces {
        match p {
            Piece::Seq(s) => fits(s.count, s.count.saturating_mul(s.width()))?,
            Piece::Alts(alts) => {
                for alt in alts {
                    check_sequences(alt)?;
                }
            }
            Piece::Lit(_) => {}
        }
    }
    Ok(())
}

fn word_len(w: &Word) -> u64 {
    w.parts.iter().map(|p| if let WordPart::Lit(s) = p { s.len() as u64 } else { 16 }).sum()
}

/// How many words the pieces make, and (at most) how many bytes of text.
fn size(pieces: &[Piece]) -> (u64, u64) {
    let (mut count, mut chars) = (1u64, 0u64);
    for p in pieces {
        let (c, b) = match p {
            Piece::Lit(w) => (1, word_len(w)),
            Piece::Seq(s) => (s.count, s.count.saturating_mul(s.width())),
            Piece::Alts(alts) => alts.iter().map(|a| size(a)).fold((0u64, 0u64), |(c, b), (c2, b2)| (c.saturating_add(c2), b.saturating_add(b2))),
        };
        // Every word so far gets each of the `c` endings: (count*c) words of text
        // chars*c + b*count.
        chars = chars.saturating_mul(c).saturating_add(b.saturating_mul(count));
        count = count.saturating_mul(c);
    }
    (count, chars)
}

/// `w` followed by `tail`, merging literal text as one part.
fn append(w: &mut Word, tail: &Word) {
    for p in &tail.parts {
        match (w.parts.last_mut(), p) {
            (Some(WordPart::Lit(a)), WordPart::Lit(b)) => a.push_str(b),
            _ => w.parts.push(p.clone()),
        }
    }
}

/// The words of a sequence of pieces (their size was checked), in bash's order.
fn build(pieces: &[Piece]) -> Result<Vec<Word>, String> {
    let mut tick = limits::Ticker::new();
    let mut out = vec![Word::default()];
    for p in pieces {
        let endings: Vec<Word> = match p {
            Piece::Lit(w) => {
                for o in &mut out {
                    tick.tick().map_err(|_| String::new())?;
                    append(o, w);
                }
                continue;
            }
            Piece::Seq(s) => {
                let mut v = Vec::with_capacity(s.count as usize);
                for k in 0..s.count {
                    tick.tick().map_err(|_| String::new())?;
                    v.push(Word { parts: vec![WordPart::Lit(s.nth(k))] });
                }
                v
            }
            Piece::Alts(alts) => {
                let _level = limits::nest().map_err(|_| too_deep())?;
                let mut v = Vec::new();
                for a in alts {
                    v.extend(build(a)?);
                }
                v
            }
        };
        let n = out.len().saturating_mul(endings.len());
        let mut next = Vec::with_capacity(n);
        for o in &out {
            for e in &endings {
                tick.tick().map_err(|_| String::new())?;
                let mut w = o.clone();
                append(&mut w, e);
                next.push(w);
            }
        }
        out = next;
    }
    Ok(out)
}

/// `{x..y}` / `{x..y..step}` with integers or single letters.
struct Seq {
    from: i64,
    /// Counting up.
    up: bool,
    step: u64,
    count: u64,
    /// Zero-padded width (`{01..10}`), 0 for none.
    pad: usize,
    letters: bool,
}

impl Seq {
    /// Bytes of the widest item.
    fn width(&self) -> u64 {
        if self.letters {
            1
        } else {
            self.nth(0).len().max(self.nth(self.count.saturating_sub(1)).len()) as u64
        }
    }

    fn nth(&self, k: u64) -> String {
        let off = k as i128 * self.step as i128;
        let v = if self.up { self.from as i128 + off } else { self.from as i128 - off };
        if self.letters {
            return char::from_u32(v as u32).map(String::from).unwrap_or_default();
        }
        let v = v as i64;
        if self.pad > 0 {
            if v < 0 {
                format!("-{:0w$}", v.unsigned_abs(), w = self.pad - 1)
            } else {
                format!("{v:0w$}", w = self.pad)
            }
        } else {
            v.to_string()
        }
    }
}

fn sequence(inner: &[Atom]) -> Option<Seq> {
    let mut text = String::new();
    for a in inner {
        match a {
            Atom::Ch(c) => text.push(*c),
            Atom::Part(_) => return None,
        }
    }
    let parts: Vec<&str> = text.split("..").collect();
    if !(parts.len() == 2 || parts.len() == 3) {
        return None;
    }
    // Bash takes the step's size; its sign and a zero do not matter.
    let step: u64 = match parts.get(2) {
        // bash negates the step in an `intmax_t`: the most negative one is no sequence.
        Some(s) => s.parse::<i64>().ok().filter(|&v| v != i64::MIN)?.unsigned_abs().max(1),
        None => 1,
    };
    let span = |a: i64, b: i64| ((a as i128 - b as i128).unsigned_abs() / step as u128 + 1).min(u64::MAX as u128) as u64;
    if let (Ok(a), Ok(b)) = (parts[0].parse::<i64>(), parts[1].parse::<i64>()) {
        let pad = if has_leading_zero(parts[0]) || has_leading_zero(parts[1]) { parts[0].len().max(parts[1].len()) } else { 0 };
        return Some(Seq { from: a, up: a <= b, step, count: span(a, b), pad, letters: false });
    }
    let (a, b) = (single_char(parts[0])?, single_char(parts[1])?);
    let (a, b) = (a as i64, b as i64);
    Some(Seq { from: a, up: a <= b, step, count: span(a, b), pad: 0, letters: true })
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
        assert_eq!(ex("{a{b,c}}"), ["{ab}", "{ac}"]);
        assert_eq!(ex("{a,}x"), ["ax", "x"]);
        assert_eq!(ex("{1..10..-3}"), ["1", "4", "7", "10"]);
        assert_eq!(ex("{-05..5..3}"), ["-05", "-02", "001", "004"]);
        assert_eq!(ex("{1..9223372036854775807..4611686018427387904}"), ["1", "4611686018427387905"]);
        assert_eq!(ex("{9223372036854775807..9223372036854775806}"), ["9223372036854775807", "9223372036854775806"]);
        assert_eq!(ex("{-9223372036854775808..-9223372036854775807}"), ["-9223372036854775808", "-9223372036854775807"]);
        assert_eq!(ex("{-1..1..-9223372036854775808}"), ["{-1..1..-9223372036854775808}"]);
        assert_eq!(ex("{-1..1..-9223372036854775807}"), ["-1"]);
        assert_eq!(ex("{A..z..10}"), ["A", "K", "U", "_", "i", "s"]);
        assert_eq!(ex("{z..x}"), ["z", "y", "x"]);
        assert_eq!(ex("{1..99999999999999999999}"), ["{1..99999999999999999999}"]);
        assert_eq!(ex("{1..3,a}"), ["1..3", "a"]);
        let e = expand(&Word::lit("{1..100000000}")).unwrap_err();
        assert_eq!(e, "brace expansion: failed to allocate memory for 100000000 elements");
        let e = expand(&Word::lit("{-9223372036854775808..9223372036854775807}")).unwrap_err();
        assert_eq!(e, "brace expansion: failed to allocate memory for 18446744073709551615 elements");
        let e = expand(&Word::lit(&"{1..10}".repeat(20))).unwrap_err();
        assert!(e.starts_with("brace expansion: failed to allocate memory for "), "{e}");
        // Thousands of groups in a row, or unclosed braces, are linear work.
        assert_eq!(ex(&"{a}".repeat(20_000)).len(), 1);
        assert_eq!(ex(&"{".repeat(50_000)), ["{".repeat(50_000)]);
        assert_eq!(ex(&"{a,b}".repeat(3)).len(), 8);
        // Nesting past the limit is an error, not a stack overflow.
        let deep = format!("{}b{}", "{a,".repeat(5000), "}".repeat(5000));
        assert!(expand(&Word::lit(&deep)).unwrap_err().contains("maximum nesting level exceeded"));
        let ok = format!("{}b{}", "{a,".repeat(50), "}".repeat(50));
        assert_eq!(ex(&ok).len(), 51);
    }
}
