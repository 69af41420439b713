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
    /// `[c*n]`; n = 0 fills (only in SET2).
    Repeat(u8, usize),
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
                        } else if num.starts_with('0') {
                            usize::from_str_radix(num, 8).ok()
                        } else {
                            num.parse().ok()
                        };
                        match n {
                            Some(n) => {
                                items.push(Item::Repeat(c, n.min(1 << 20)));
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

/// Expand a set to bytes; a fill repeat `[c*]` takes `fill_to` total length.
fn expand(items: &[Item], fill_to: Option<usize>) -> Vec<u8> {
    let fixed: usize = items
        .iter()
        .map(|it| match it {
            Item::Byte(_) => 1,
            Item::Repeat(_, n) => *n,
            Item::Class(c) => class_bytes(c).len(),
        })
        .sum();
    let mut out = Vec::new();
    for it in items {
        match it {
            Item::Byte(b) => out.push(*b),
            Item::Repeat(c, 0) => {
                let n = fill_to.map(|t| t.saturating_sub(fixed)).unwrap_or(0);
                out.extend(std::iter::repeat_n(*c, n));
            }
            Item::Repeat(c, n) => out.extend(std::iter::repeat_n(*c, *n)),
            Item::Class(c) => out.extend(class_bytes(c)),
        }
    }
    out
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
    if set1_items.iter().any(|i| matches!(i, Item::Repeat(..))) {
        ctx.err("the [c*] repeat construct may not appear in string1").await;
        return 1;
    }
    let mut set1 = expand(&set1_items, None);
    if complement {
        let mut inset = [false; 256];
        for &b in &set1 {
            inset[b as usize] = true;
        }
        set1 = (0u8..=255).filter(|b| !inset[*b as usize]).collect();
    }
    let set2 = if ops.len() > 1 {
        let items = match parse_set(&ops[1]) {
            Ok(s) => s,
            Err(m) => {
                ctx.err(m).await;
                return 1;
            }
        };
        Some(expand(&items, Some(set1.len())))
    } else {
        None
    };

    // Build the byte maps.
    let mut del = [false; 256];
    let mut map: [u8; 256] = std::array::from_fn(|i| i as u8);
    let mut sq = [false; 256];
    let translating = !delete && set2.is_some();
    if delete {
        for &b in &set1 {
            del[b as usize] = true;
        }
        if let Some(s2) = &set2 {
            for &b in s2 {
                sq[b as usize] = true;
            }
        }
    } else if let Some(s2) = &set2 {
        let mut s1 = set1.clone();
        if truncate && s1.len() > s2.len() {
            s1.truncate(s2.len());
        }
        if s2.is_empty() && !s1.is_empty() {
            ctx.err("when not truncating set1, string2 must be non-empty").await;
            return 1;
        }
        for (i, &b) in s1.iter().enumerate() {
            let t = if i < s2.len() { s2[i] } else { *s2.last().unwrap_or(&b) };
            map[b as usize] = t;
        }
        if squeeze {
            for &b in s2 {
                sq[b as usize] = true;
            }
        }
    } else if squeeze {
        for &b in &set1 {
            sq[b as usize] = true;
        }
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
        let o = out.buf();
        for &b in chunk.iter() {
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
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    0
}
