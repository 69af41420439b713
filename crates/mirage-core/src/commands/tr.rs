//! `tr`: translate, delete (`-d`) and squeeze (`-s`) bytes, with `-c`/`-C` complement and
//! `-t` truncation; sets with ranges `a-z`, classes `[:alpha:]`, `[=c=]`, repeats `[c*n]`
//! and escapes (`\n`, `\t`, `\\`, `\NNN`). Streams chunk by chunk.

use super::args::{self, flag};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    flag('c', "complement"),
    flag('C', ""),
    flag('d', "delete"),
    flag('s', "squeeze-repeats"),
    flag('t', "truncate-set1"),
];

#[derive(Debug, Clone)]
enum Item {
    Byte(u8),
    /// `[c*n]`; n = 0 fills (only in SET2). GNU allows n up to `SIZE_MAX - 1`: sets are kept
    /// as runs, never expanded.
    Repeat(u8, u64),
    Class(&'static str),
}

fn class_bytes(name: &str) -> Vec<u8> {
    (0u8..=255)
        .filter(|&b| match name {
            "alpha" => b.is_ascii_alphabetic(),
            "digit" => b.is_ascii_digit(),
            "alnum" => b.is_ascii_alphanumeric(),
            "upper" => b.is_ascii_uppercase(),
            "lower" => b.is_ascii_lowercase(),
            "space" => b.is_ascii_whitespace() || b == 0x0b,
            "blank" => b == b' ' || b == b'\t',
            "punct" => b.is_ascii_punctuation(),
            "print" => (0x20..0x7f).contains(&b),
            "graph" => b.is_ascii_graphic(),
            "cntrl" => b < 0x20 || b == 0x7f,
            "xdigit" => b.is_ascii_hexdigit(),
            _ => false,
        })
        .collect()
}

const CLASSES: &[&str] = &["alpha", "digit", "alnum", "upper", "lower", "space", "blank", "punct", "print", "graph", "cntrl", "xdigit"];

/// Decode one possibly escaped byte at `i`.
fn one(b: &[u8], i: &mut usize) -> u8 {
    let c = b[*i];
    *i += 1;
    if c != b'\\' || *i >= b.len() {
        return c;
    }
    let e = b[*i];
    *i += 1;
    match e {
        b'n' => b'\n',
        b't' => b'\t',
        b'r' => b'\r',
        b'a' => 7,
        b'b' => 8,
        b'f' => 12,
        b'v' => 11,
        b'0'..=b'7' => {
            let mut v = (e - b'0') as u32;
            let mut n = 1;
            while n < 3 && *i < b.len() && (b'0'..=b'7').contains(&b[*i]) && v * 8 + ((b[*i] - b'0') as u32) < 256 {
                v = v * 8 + (b[*i] - b'0') as u32;
                *i += 1;
                n += 1;
            }
            v as u8
        }
        other => other,
    }
}

fn parse_set(s: &str) -> Result<Vec<Item>, String> {
    let b = s.as_bytes();
    let mut items = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'[' && i + 1 < b.len() {
            // [:class:]
            if b[i + 1] == b':' {
                if let Some(end) = find(b, i + 2, b":]") {
                    let name = std::str::from_utf8(&b[i + 2..end]).unwrap_or("");
                    match CLASSES.iter().find(|c| **c == name) {
                        Some(c) => {
                            items.push(Item::Class(c));
                            i = end + 2;
                            continue;
                        }
                        None => return Err(format!("invalid character class '{name}'")),
                    }
                }
            }
            // [=c=]
            if b[i + 1] == b'=' {
                if let Some(end) = find(b, i + 2, b"=]") {
                    let mut j = i + 2;
                    let c = one(b, &mut j);
                    if j == end {
                        items.push(Item::Byte(c));
                        i = end + 2;
                        continue;
                    }
                }
            }
            // [c*n]
            let mut j = i + 1;
            if j < b.len() {
                let c = one(b, &mut j);
                if j < b.len() && b[j] == b'*' {
                    if let Some(end) = find(b, j + 1, b"]") {
                        let num = std::str::from_utf8(&b[j + 1..end]).unwrap_or("x");
                        let n = if num.is_empty() {
                            Some(0)
                        } else if !num.bytes().all(|d| d.is_ascii_digit()) {
                            None
                        } else if num.starts_with('0') {
                            u64::from_str_radix(num, 8).ok()
                        } else {
                            num.parse::<u64>().ok()
                        };
                        match n.filter(|n| *n != u64::MAX) {
                            Some(n) => {
                                items.push(Item::Repeat(c, n));
                                i = end + 1;
                                continue;
                            }
                            None => return Err(format!("invalid repeat count '{num}' in [c*n] construct")),
                        }
                    }
                }
            }
        }
        let c = one(b, &mut i);
        // A range c-d.
        if i + 1 < b.len() && b[i] == b'-' {
            let mut j = i + 1;
            let d = one(b, &mut j);
            if d < c {
                return Err(format!(
                    "range-endpoints of '{}-{}' are in reverse collating sequence order",
                    show(c),
                    show(d)
                ));
            }
            for x in c..=d {
                items.push(Item::Byte(x));
            }
            i = j;
            continue;
        }
        items.push(Item::Byte(c));
    }
    Ok(items)
}

fn show(c: u8) -> String {
    if c.is_ascii_graphic() {
        (c as char).to_string()
    } else {
        format!("\\{c:03o}")
    }
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    b[from..].windows(pat.len()).position(|w| w == pat).map(|p| p + from)
}

/// A set as runs of one byte, in order; a fill repeat `[c*]` takes what `fill_to` leaves.
fn runs(items: &[Item], fill_to: Option<u64>) -> Vec<(u8, u64)> {
    let fixed: u64 = items
        .iter()
        .map(|it| match it {
            Item::Byte(_) => 1,
            Item::Repeat(_, n) => *n,
            Item::Class(c) => class_bytes(c).len() as u64,
        })
        .fold(0u64, |a, b| a.saturating_add(b));
    let mut out = Vec::new();
    for it in items {
        match it {
            Item::Byte(b) => out.push((*b, 1)),
            Item::Repeat(c, 0) => {
                let n = fill_to.map(|t| t.saturating_sub(fixed)).unwrap_or(0);
                if n > 0 {
                    out.push((*c, n));
                }
            }
            Item::Repeat(c, n) => out.push((*c, *n)),
            Item::Class(c) => out.extend(class_bytes(c).into_iter().map(|b| (b, 1))),
        }
    }
    out
}

fn total(runs: &[(u8, u64)]) -> u64 {
    runs.iter().fold(0u64, |a, r| a.saturating_add(r.1))
}

/// The bytes a set holds.
fn members(runs: &[(u8, u64)]) -> [bool; 256] {
    let mut m = [false; 256];
    for &(b, _) in runs {
        m[b as usize] = true;
    }
    m
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let complement = p.has("c") || p.has("C");
    let delete = p.has("d");
    let squeeze = p.has("s");
    let truncate = p.has("t");
    let ops = &p.operands;
    // Translating needs two sets (`-s` alone may have one); `-d` needs one, `-ds` two.
    let need_two = if delete { squeeze } else { !(squeeze && ops.len() == 1) };
    if ops.is_empty() {
        return textutil::usage_msg(&ctx, "missing operand", 1).await;
    }
    if need_two && ops.len() < 2 {
        let msg = if delete && squeeze {
            format!("missing operand after '{}'\nTwo strings must be given when both deleting and squeezing repeats.", ops[0])
        } else {
            format!("missing operand after '{}'\nTwo strings must be given when translating.", ops[0])
        };
        return textutil::usage_msg(&ctx, &msg, 1).await;
    }
    let max = if need_two { 2 } else { 1 };
    if ops.len() > max {
        let mut msg = format!("extra operand '{}'", ops[max]);
        if delete && !squeeze {
            msg.push_str("\nOnly one string may be given when deleting without squeezing repeats.");
        }
        return textutil::usage_msg(&ctx, &msg, 1).await;
    }
    let set1_items = match parse_set(&ops[0]) {
        Ok(s) => s,
        Err(m) => {
            ctx.err(m).await;
            return 1;
        }
    };
    if set1_items.iter().any(|i| matches!(i, Item::Repeat(_, 0))) {
        ctx.err("the [c*] repeat construct may not appear in string1").await;
        return 1;
    }
    let mut set1 = runs(&set1_items, None);
    if complement {
        let inset = members(&set1);
        set1 = (0u8..=255).filter(|b| !inset[*b as usize]).map(|b| (b, 1)).collect();
    }
    let len1 = total(&set1);
    let set2 = if ops.len() > 1 {
        let items = match parse_set(&ops[1]) {
            Ok(s) => s,
            Err(m) => {
                ctx.err(m).await;
                return 1;
            }
        };
        if items.iter().filter(|i| matches!(i, Item::Repeat(_, 0))).count() > 1 {
            ctx.err("only one [c*] repeat construct may appear in string2").await;
            return 1;
        }
        Some(runs(&items, Some(len1)))
    } else {
        None
    };

    // Build the byte maps.
    let mut del = [false; 256];
    let mut map: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut sq = [false; 256];
    let translating = !delete && set2.is_some();
    if delete {
        del = members(&set1);
        if let Some(s2) = &set2 {
            sq = members(s2);
        }
    } else if let Some(s2) = &set2 {
        let len2 = total(s2);
        let len1 = if truncate { len1.min(len2) } else { len1 };
        if len2 == 0 && len1 > 0 {
            ctx.err("when not truncating set1, string2 must be non-empty").await;
            return 1;
        }
        // Walk both sets run by run: each byte of set1 maps to the byte of set2 at the same
        // place (the last place wins), and past the end of set2 to its last byte.
        let last2 = s2.last().map(|r| r.0).unwrap_or(0);
        let (mut i, mut j) = (0usize, 0usize);
        let (mut left1, mut left2) = (set1.first().map(|r| r.1).unwrap_or(0), s2.first().map(|r| r.1).unwrap_or(0));
        let mut done = 0u64;
        while done < len1 && i < set1.len() {
            if left1 == 0 {
                i += 1;
                left1 = set1.get(i).map(|r| r.1).unwrap_or(0);
                continue;
            }
            let to = if j < s2.len() { s2[j].0 } else { last2 };
            if j < s2.len() && left2 == 0 {
                j += 1;
                left2 = s2.get(j).map(|r| r.1).unwrap_or(0);
                continue;
            }
            let step = if j < s2.len() { left1.min(left2) } else { left1 }.min(len1 - done);
            map[set1[i].0 as usize] = to;
            left1 -= step;
            if j < s2.len() {
                left2 -= step;
            }
            done += step;
        }
        if squeeze {
            sq = members(s2);
        }
    } else if squeeze {
        sq = members(&set1);
    }
    let _ = translating;
    let mut r = match ctx.open("-").await {
        Ok(r) => r,
        Err(e) => {
            ctx.err(e.to_string()).await;
            return 1;
        }
    };
    let mut out = Out::new(&ctx.stdout);
    let mut last: Option<u8> = None;
    loop {
        let chunk = match r.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                ctx.err(format!("read error: {e}")).await;
                return 1;
            }
        };
        // In slices of a flush's size: a chunk may be a whole file.
        for piece in chunk.chunks(textutil::CHUNK) {
            let o = out.buf();
            for &b in piece {
                if del[b as usize] {
                    continue;
                }
                let t = map[b as usize];
                if sq[t as usize] && last == Some(t) {
                    continue;
                }
                last = Some(t);
                o.push(t);
            }
            if out.maybe_flush().await.is_err() {
                return EXIT_PIPE;
            }
            if let Err(why) = crate::limits::checkpoint() {
                return textutil::halt(&ctx, why).await;
            }
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}
