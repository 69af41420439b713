//! `split`: split a file into pieces on a writable mount (`-l N`, `-b SIZE`, `-n CHUNKS`,
//! `-d`, `-a LEN`, `--additional-suffix`, `--verbose`), named PREFIXaa, PREFIXab, ...

use bytes::Bytes;

use super::args::{self, flag, value};
use super::common;
use super::head;
use super::textutil::{self, NumError};
use super::Ctx;

const SPEC: &[args::Opt] = &[
    value('l', "lines"),
    value('b', "bytes"),
    value('n', "number"),
    flag('d', ""),
    args::long_flag("numeric-suffixes"),
    flag('x', ""),
    value('a', "suffix-length"),
    args::long_value("additional-suffix"),
    args::long_flag("verbose"),
    flag('e', "elide-empty-files"),
];

/// The suffixes of the output files, as GNU's `next_file_name` makes them: `aa`, `ab`, ...
/// and, when the length was not given (`auto`), widened before the first letter runs out:
/// `yz` is followed by `zaaa` (the `z` joins the prefix).
struct Suffixes {
    alphabet: &'static [u8],
    /// Letters taken into the prefix by widening.
    grown: Vec<u8>,
    index: Vec<usize>,
    auto: bool,
    started: bool,
}

impl Suffixes {
    fn new(len: usize, numeric: bool, hex: bool, auto: bool) -> Suffixes {
        let alphabet: &'static [u8] = if numeric {
            b"0123456789"
        } else if hex {
            b"0123456789abcdef"
        } else {
            b"abcdefghijklmnopqrstuvwxyz"
        };
        Suffixes { alphabet, grown: Vec::new(), index: vec![0; len], auto, started: false }
    }

    /// The next suffix; `None` once they are exhausted.
    fn next(&mut self) -> Option<String> {
        if self.started {
            let mut i = self.index.len();
            loop {
                if i == 0 {
                    return None;
                }
                i -= 1;
                self.index[i] += 1;
                if self.auto && i == 0 && self.index[0] + 1 == self.alphabet.len() {
                    // Widen: the last letter joins the prefix, one more letter after it.
                    self.grown.push(self.alphabet[self.index[0]]);
                    let len = self.index.len() + 1;
                    self.index = vec![0; len];
                    break;
                }
                if self.index[i] < self.alphabet.len() {
                    break;
                }
                self.index[i] = 0;
            }
        }
        self.started = true;
        let mut s = self.grown.clone();
        s.extend(self.index.iter().map(|&k| self.alphabet[k]));
        String::from_utf8(s).ok()
    }
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "split", e, 1).await,
    };
    let input = p.operands.first().cloned().unwrap_or_else(|| "-".into());
    let prefix = p.operands.get(1).cloned().unwrap_or_else(|| "x".into());
    if p.operands.len() > 2 {
        let _ = ctx.stderr.write_str(&format!("split: extra operand '{}'\nTry 'split --help' for more information.\n", p.operands[2])).await;
        return 1;
    }
    // The sizes, with GNU's limits and messages.
    enum Mode {
        Bytes(u64),
        Chunks(u64),
        Lines(u64),
    }
    let mode = if let Some(b) = p.value("b") {
        match head::count(b).and_then(|n| if n == 0 { Err(NumError::Range) } else { Ok(n) }) {
            Ok(n) => Mode::Bytes(n),
            Err(e) => {
                ctx.err(e.message("invalid number of bytes", b)).await;
                return 1;
            }
        }
    } else if let Some(nv) = p.value("n") {
        match textutil::xdectoumax(nv, 1, u64::MAX, "") {
            Ok(k) => Mode::Chunks(k),
            Err(e) => {
                ctx.err(e.message("invalid number of chunks", nv)).await;
                return 1;
            }
        }
    } else {
        match p.value("l") {
            Some(v) => match textutil::xdectoumax(v, 1, u64::MAX, "") {
                Ok(n) => Mode::Lines(n),
                Err(e) => {
                    ctx.err(e.message("invalid number of lines", v)).await;
                    return 1;
                }
            },
            None => Mode::Lines(1000),
        }
    };
    let numeric = p.has("d") || p.has("numeric-suffixes");
    let hex = p.has("x");
    let base: u64 = if numeric { 10 } else if hex { 16 } else { 26 };
    // With -n, the suffixes are made long enough for every chunk (GNU's set_suffix_length).
    let needed = match mode {
        Mode::Chunks(k) => {
            let mut len = 0usize;
            let mut end = k - 1;
            loop {
                len += 1;
                end /= base;
                if end == 0 {
                    break;
                }
            }
            len
        }
        _ => 0,
    };
    let auto = p.value("a").is_none() && !matches!(mode, Mode::Chunks(_));
    let slen = match p.value("a") {
        Some(a) => match textutil::xdectoimax(a, 0, (usize::MAX / std::mem::size_of::<usize>()) as i64) {
            Ok(n) => {
                let n = n as usize;
                if n < needed {
                    ctx.err(format!("the suffix length needs to be at least {needed}")).await;
                    return 1;
                }
                n
            }
            Err(e) => {
                ctx.err(e.message("invalid suffix length", a)).await;
                return 1;
            }
        },
        None => needed.max(2),
    };
    // GNU allocates the file name (prefix + suffix) up front.
    match textutil::refuse(prefix.len().saturating_add(slen)) {
        Ok(()) => {}
        Err(None) => {
            ctx.err("memory exhausted").await;
            return 1;
        }
        Err(Some(why)) => return textutil::halt(&ctx, why).await,
    }
    let data = match common::read_all(&ctx, &input).await {
        Ok(d) => d,
        Err(e) => {
            ctx.err(format!("cannot open '{input}' for reading: {e}")).await;
            return 1;
        }
    };
    // The pieces as ranges of `data`, made one at a time.
    let len = data.len() as u64;
    let mut next_start = 0u64;
    let mut index = 0u64;
    let elide = p.has("e");
    let extra = p.value("additional-suffix").unwrap_or("").to_string();
    let mut ticker = crate::limits::Ticker::every(64);
    let mut suffixes = Suffixes::new(slen, numeric, hex, auto);
    loop {
        let (st, en) = match mode {
            Mode::Bytes(n) => {
                if next_start >= len {
                    break;
                }
                (next_start, next_start.saturating_add(n).min(len))
            }
            Mode::Chunks(k) => {
                if index >= k {
                    break;
                }
                let st = (index as u128 * len as u128 / k as u128) as u64;
                let en = ((index as u128 + 1) * len as u128 / k as u128) as u64;
                (st, en)
            }
            Mode::Lines(l) => {
                if next_start >= len {
                    break;
                }
                let mut count = 0u64;
                let mut end = len;
                for i in memchr::memchr_iter(b'\n', &data[next_start as usize..]) {
                    count += 1;
                    if count == l {
                        end = next_start + i as u64 + 1;
                        break;
                    }
                }
                (next_start, end)
            }
        };
        next_start = en;
        let piece = &data[st as usize..en as usize];
        index += 1;
        if let Err(c) = textutil::tick(&ctx, &mut ticker).await {
            return c;
        }
        if elide && piece.is_empty() {
            continue;
        }
        let Some(suf) = suffixes.next() else {
            ctx.err("output file suffixes exhausted").await;
            return 1;
        };
        let name = format!("{prefix}{suf}{extra}");
        if p.has("verbose") && common::out(&ctx, format!("creating file '{name}'\n")).await.is_err() {
            return super::EXIT_PIPE;
        }
        if let Err(e) = ctx.vfs.write(&ctx.abs(&name), Bytes::copy_from_slice(piece)).await {
            ctx.err(format!("{name}: {e}")).await;
            return 1;
        }
    }
    0
}
