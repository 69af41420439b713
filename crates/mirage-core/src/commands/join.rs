//! `join`: join lines of two sorted files on a common field (`-t -1 -2 -j -a -v -o -e -i
//! --header --check-order --nocheck-order -z`), GNU's output format and order checks.

use std::cmp::Ordering;

use super::args::{self, flag, long_flag, value};
use super::textutil::{self, Out};
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    value('a', ""),
    value('v', ""),
    value('e', ""),
    value('o', ""),
    value('t', ""),
    value('1', ""),
    value('2', ""),
    value('j', ""),
    flag('i', "ignore-case"),
    long_flag("check-order"),
    long_flag("nocheck-order"),
    long_flag("header"),
    flag('z', "zero-terminated"),
];

#[derive(Clone, Copy, PartialEq)]
enum Spec {
    Key,
    Field(usize, usize),
}

struct Line<'a> {
    raw: &'a [u8],
    fields: Vec<&'a [u8]>,
}

fn split(raw: &[u8], tab: Option<u8>) -> Vec<&[u8]> {
    match tab {
        Some(t) => raw.split(|&b| b == t).collect(),
        None => raw.split(|&b| b == b' ' || b == b'\t').filter(|f| !f.is_empty()).collect(),
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match textutil::parse_or_usage(&ctx, SPEC, 1).await {
        Ok(p) => p,
        Err(c) => return c,
    };
    let mut print_unpaired = [false, false];
    let mut only_unpaired = false;
    let mut fields = [1usize, 1usize];
    let mut format: Option<Vec<Spec>> = None;
    let mut auto = false;
    let mut tab: Option<u8> = None;
    let empty = p.value("e").map(|s| s.as_bytes().to_vec());
    for o in &p.opts {
        let v = o.value.as_deref().unwrap_or("");
        match o.key.as_str() {
            "a" | "v" => {
                let which = match v {
                    "1" => 0,
                    "2" => 1,
                    _ => {
                        ctx.err(format!("invalid field number: '{v}'")).await;
                        return 1;
                    }
                };
                if o.key == "v" {
                    only_unpaired = true;
                }
                print_unpaired[which] = true;
            }
            "1" | "2" | "j" => {
                // GNU: a number too large is SIZE_MAX; 0 or not a number is an error.
                let n: usize = match textutil::xstrtoumax_saturating(v, "") {
                    Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
                    _ => {
                        ctx.err(format!("invalid field number: '{v}'")).await;
                        return 1;
                    }
                };
                match o.key.as_str() {
                    "1" => fields[0] = n,
                    "2" => fields[1] = n,
                    _ => fields = [n, n],
                }
            }
            "o" => {
                if v == "auto" {
                    auto = true;
                    continue;
                }
                let list = format.get_or_insert_with(Vec::new);
                for part in v.split([',', ' ', '\t']).filter(|s| !s.is_empty()) {
                    if part == "0" {
                        list.push(Spec::Key);
                        continue;
                    }
                    let spec = part.split_once('.').and_then(|(f, n)| {
                        let f: usize = f.parse().ok()?;
                        let n: usize = textutil::xstrtoumax_saturating(n, "").map(|n| usize::try_from(n).unwrap_or(usize::MAX))?;
                        ((f == 1 || f == 2) && n > 0).then_some(Spec::Field(f - 1, n))
                    });
                    match spec {
                        Some(s) => list.push(s),
                        None => {
                            ctx.err(format!("invalid field specifier: '{part}'")).await;
                            return 1;
                        }
                    }
                }
            }
            "t" => {
                let b = v.as_bytes();
                if b.len() > 1 && v != "\\0" {
                    ctx.err(format!("multi-character tab '{v}'")).await;
                    return 1;
                }
                tab = Some(if v == "\\0" { 0 } else { b.first().copied().unwrap_or(b'\n') });
            }
            _ => {}
        }
    }
    match p.operands.len() {
        0 => return textutil::usage_msg(&ctx, "missing operand", 1).await,
        1 => return textutil::usage_msg(&ctx, &format!("missing operand after '{}'", p.operands[0]), 1).await,
        2 => {}
        _ => return textutil::usage_msg(&ctx, &format!("extra operand '{}'", p.operands[2]), 1).await,
    }
    let icase = p.has("i");
    let term = if p.has("z") { 0u8 } else { b'\n' };
    let check = if p.has("nocheck-order") { 0 } else if p.has("check-order") { 2 } else { 1 };
    let mut data = Vec::new();
    for op in &p.operands {
        match textutil::read_all(&ctx, op).await {
            Ok(d) => data.push(d),
            Err(e) if e.kind == crate::vfs::ErrorKind::IsADirectory => {
                ctx.err(format!("read error: {e}")).await;
                return 1;
            }
            Err(e) => {
                ctx.err_path(op, &e).await;
                return 1;
            }
        }
    }
    /// The lines and their fields, within the memory budget and with checkpoints.
    fn parse(d: &[u8], term: u8, tab: Option<u8>) -> Result<Vec<Line<'_>>, crate::limits::Stop> {
        let recs = textutil::records_checked(d, term)?;
        let mut out: Vec<Line<'_>> = Vec::new();
        let mut ticker = crate::limits::Ticker::new();
        for raw in recs {
            ticker.tick()?;
            textutil::grow(&mut out, 1);
            out.push(Line { raw, fields: split(raw, tab) });
        }
        Ok(out)
    }
    let mut files = match (parse(&data[0], term, tab), parse(&data[1], term, tab)) {
        (Ok(a), Ok(b)) => [a, b],
        (Err(why), _) | (_, Err(why)) => return textutil::halt(&ctx, why).await,
    };
    let out_sep: Vec<u8> = vec![tab.unwrap_or(b' ')];
    let key = |l: &Line<'_>, f: usize| -> Vec<u8> {
        let k = l.fields.get(fields[f] - 1).copied().unwrap_or(b"");
        if icase {
            k.to_ascii_lowercase()
        } else {
            k.to_vec()
        }
    };
    let mut out = Out::new(&ctx.stdout);
    // `-o auto`: as many fields as the first line of each file.
    let auto_counts = [files[0].first().map(|l| l.fields.len()).unwrap_or(0), files[1].first().map(|l| l.fields.len()).unwrap_or(0)];
    let render = |a: Option<&Line<'_>>, b: Option<&Line<'_>>, out: &mut Vec<u8>| {
        let mut cells: Vec<Vec<u8>> = Vec::new();
        let empty_cell = empty.clone().unwrap_or_default();
        let keyval = match (a, b) {
            (Some(l), _) => l.fields.get(fields[0] - 1).map(|f| f.to_vec()),
            (None, Some(l)) => l.fields.get(fields[1] - 1).map(|f| f.to_vec()),
            _ => None,
        };
        let specs: Vec<Spec> = if let Some(f) = &format {
            f.clone()
        } else if auto {
            let mut v = vec![Spec::Key];
            for (fi, &n) in auto_counts.iter().enumerate() {
                for k in 1..=n {
                    if k != fields[fi] {
                        v.push(Spec::Field(fi, k));
                    }
                }
            }
            v
        } else {
            Vec::new()
        };
        if format.is_some() || auto {
            for s in specs {
                let cell = match s {
                    Spec::Key => keyval.clone(),
                    Spec::Field(fi, n) => {
                        let l = if fi == 0 { a } else { b };
                        l.and_then(|l| l.fields.get(n - 1).map(|f| f.to_vec()))
                    }
                };
                cells.push(cell.unwrap_or_else(|| empty_cell.clone()));
            }
        } else {
            cells.push(keyval.unwrap_or_else(|| empty_cell.clone()));
            for (fi, l) in [(0usize, a), (1usize, b)] {
                if let Some(l) = l {
                    for (k, f) in l.fields.iter().enumerate() {
                        if k + 1 != fields[fi] {
                            cells.push(f.to_vec());
                        }
                    }
                }
            }
        }
        for (k, c) in cells.iter().enumerate() {
            if k > 0 {
                out.extend_from_slice(&out_sep);
            }
            out.extend_from_slice(c);
        }
        out.push(term);
    };
    let mut start = [0usize, 0usize];
    if p.has("header") {
        let (ha, hb) = (files[0].first(), files[1].first());
        if ha.is_some() || hb.is_some() {
            render(ha, hb, out.buf());
        }
        start = [ha.is_some() as usize, hb.is_some() as usize];
    }
    let (a, b) = {
        let [x, y] = &mut files;
        (&*x, &*y)
    };
    let (mut i, mut j) = (start[0], start[1]);
    let mut unpairable = false;
    let mut warned = [false, false];
    let mut msgs: Vec<String> = Vec::new();
    let names = [p.operands[0].clone(), p.operands[1].clone()];
    let check_order = |fi: usize, lines: &[Line<'_>], idx: usize, unpairable: bool, warned: &mut [bool; 2], msgs: &mut Vec<String>| {
        if check == 0 || warned[fi] || idx == 0 || idx >= lines.len() || !(check == 2 || unpairable) {
            return;
        }
        if key(&lines[idx - 1], fi) > key(&lines[idx], fi) {
            warned[fi] = true;
            msgs.push(format!("{}:{}: is not sorted: {}", names[fi], idx + 1, String::from_utf8_lossy(lines[idx].raw)));
        }
    };
    let mut ticker = crate::limits::Ticker::new();
    while i < a.len() && j < b.len() {
        if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
            return c;
        }
        let ka = key(&a[i], 0);
        let kb = key(&b[j], 1);
        match ka.cmp(&kb) {
            Ordering::Less => {
                unpairable = true;
                if print_unpaired[0] {
                    render(Some(&a[i]), None, out.buf());
                }
                i += 1;
                check_order(0, a, i, unpairable, &mut warned, &mut msgs);
            }
            Ordering::Greater => {
                unpairable = true;
                if print_unpaired[1] {
                    render(None, Some(&b[j]), out.buf());
                }
                j += 1;
                check_order(1, b, j, unpairable, &mut warned, &mut msgs);
            }
            Ordering::Equal => {
                let mut ie = i;
                while ie < a.len() && key(&a[ie], 0) == ka {
                    ie += 1;
                }
                let mut je = j;
                while je < b.len() && key(&b[je], 1) == kb {
                    je += 1;
                }
                if !only_unpaired {
                    // Every pair of the two groups: flushed as it grows (it may be far
                    // larger than the input).
                    for x in &a[i..ie] {
                        for y in &b[j..je] {
                            render(Some(x), Some(y), out.buf());
                            if out.maybe_flush().await.is_err() {
                                return EXIT_PIPE;
                            }
                            if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
                                return c;
                            }
                        }
                    }
                }
                i = ie;
                j = je;
                check_order(0, a, i, unpairable, &mut warned, &mut msgs);
                check_order(1, b, j, unpairable, &mut warned, &mut msgs);
            }
        }
        if !msgs.is_empty() {
            if out.flush().await.is_err() {
                return EXIT_PIPE;
            }
            for m in msgs.drain(..) {
                ctx.err(m).await;
            }
            if check == 2 {
                return 1;
            }
        }
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
    }
    while i < a.len() {
        if print_unpaired[0] {
            render(Some(&a[i]), None, out.buf());
        }
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
        if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
            return c;
        }
        i += 1;
        if !warned[0] && i < a.len() && check != 0 {
            check_order(0, a, i, true, &mut warned, &mut msgs);
        }
    }
    while j < b.len() {
        if print_unpaired[1] {
            render(None, Some(&b[j]), out.buf());
        }
        if out.maybe_flush().await.is_err() {
            return EXIT_PIPE;
        }
        if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
            return c;
        }
        j += 1;
        if !warned[1] && j < b.len() && check != 0 {
            check_order(1, b, j, true, &mut warned, &mut msgs);
        }
    }
    if out.flush().await.is_err() {
        return EXIT_PIPE;
    }
    for m in msgs.drain(..) {
        ctx.err(m).await;
    }
    if warned[0] || warned[1] {
        ctx.err("input is not in sorted order").await;
        return 1;
    }
    0
}
