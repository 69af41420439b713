//! The checksum commands (`md5sum`, `sha1sum`, `sha256sum`, `sha512sum`): `hash  name`
//! lines, `-` for stdin, `-c` verification (`--quiet --status --strict -w`), `--tag`,
//! `-z`. Files are hashed as they stream.

use futures::StreamExt;

use super::args::{self, flag};
use super::common;
use super::{Ctx, EXIT_PIPE};

const SPEC: &[args::Opt] = &[
    flag('c', "check"),
    flag('b', "binary"),
    flag('t', "text"),
    flag('z', "zero"),
    flag('w', "warn"),
    args::long_flag("quiet"),
    args::long_flag("status"),
    args::long_flag("strict"),
    args::long_flag("tag"),
    args::long_flag("ignore-missing"),
];

#[derive(Clone, Copy, PartialEq)]
pub enum Algo {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl Algo {
    fn hex_len(self) -> usize {
        match self {
            Algo::Md5 => 32,
            Algo::Sha1 => 40,
            Algo::Sha256 => 64,
            Algo::Sha512 => 128,
        }
    }
    fn tag(self) -> &'static str {
        match self {
            Algo::Md5 => "MD5",
            Algo::Sha1 => "SHA1",
            Algo::Sha256 => "SHA256",
            Algo::Sha512 => "SHA512",
        }
    }
}

enum Hasher {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn new(a: Algo) -> Hasher {
        use md5::Digest as _;
        match a {
            Algo::Md5 => Hasher::Md5(md5::Md5::new()),
            Algo::Sha1 => Hasher::Sha1(<sha1::Sha1 as sha2::Digest>::new()),
            Algo::Sha256 => Hasher::Sha256(<sha2::Sha256 as sha2::Digest>::new()),
            Algo::Sha512 => Hasher::Sha512(<sha2::Sha512 as sha2::Digest>::new()),
        }
    }
    fn update(&mut self, d: &[u8]) {
        match self {
            Hasher::Md5(h) => md5::Digest::update(h, d),
            Hasher::Sha1(h) => sha2::Digest::update(h, d),
            Hasher::Sha256(h) => sha2::Digest::update(h, d),
            Hasher::Sha512(h) => sha2::Digest::update(h, d),
        }
    }
    fn hex(self) -> String {
        match self {
            Hasher::Md5(h) => hex::encode(md5::Digest::finalize(h)),
            Hasher::Sha1(h) => hex::encode(sha2::Digest::finalize(h)),
            Hasher::Sha256(h) => hex::encode(sha2::Digest::finalize(h)),
            Hasher::Sha512(h) => hex::encode(sha2::Digest::finalize(h)),
        }
    }
}

async fn hash_of(ctx: &Ctx, op: &str, a: Algo) -> Result<String, crate::vfs::FsError> {
    let mut r = ctx.open(op).await?;
    let mut h = Hasher::new(a);
    while let Some(c) = r.chunk().await? {
        // A large chunk (a RAM file is one) in pieces, so a stop is seen within one.
        for piece in c.chunks(256 << 10) {
            super::textutil::checkpoint().await.map_err(super::textutil::stop_error)?;
            h.update(piece);
        }
    }
    Ok(h.hex())
}

pub async fn run(ctx: Ctx, a: Algo) -> i32 {
    let name = ctx.name.clone();
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, &name, e, 1).await,
    };
    let ops = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    if p.has("c") {
        return check(&ctx, &p, &ops, a).await;
    }
    let end = if p.has("z") { "\0" } else { "\n" };
    let mut status = 0;
    // Hashed several at once, printed in operand order; stdin is read by one operand at a time.
    let width = if ops.iter().any(|o| o == "-") { 1 } else { ctx.vfs.parallel_reads() };
    let (ctx, ops) = (&ctx, &ops);
    let mut hashes = futures::stream::iter(0..ops.len())
        .map(|i| async move { (&ops[i], hash_of(ctx, &ops[i], a).await) })
        .buffered(width);
    while let Some((op, r)) = hashes.next().await {
        match r {
            Ok(h) => {
                let line = if p.has("tag") { format!("{} ({op}) = {h}{end}", a.tag()) } else { format!("{h}  {op}{end}") };
                if ctx.stdout.write(line.into_bytes()).await.is_err() {
                    return EXIT_PIPE;
                }
            }
            Err(e) => {
                if super::textutil::checkpoint().await.is_err() {
                    return 1;
                }
                ctx.err(format!("{op}: {e}")).await;
                status = 1;
            }
        }
    }
    status
}

async fn check(ctx: &Ctx, p: &args::Parsed, ops: &[String], a: Algo) -> i32 {
    let quiet = p.has("quiet");
    let status_only = p.has("status");
    let mut status = 0;
    for list in ops {
        let data = match common::read_all(ctx, list).await {
            Ok(d) => d,
            Err(e) => {
                ctx.err(format!("{list}: {e}")).await;
                status = 1;
                continue;
            }
        };
        let (mut ok_lines, mut bad, mut missing, mut improper) = (0, 0, 0, 0);
        let mut out = String::new();
        for line in String::from_utf8_lossy(&data).lines() {
            if super::textutil::checkpoint().await.is_err() {
                return 1;
            }
            let parsed = if let Some(rest) = line.strip_prefix(&format!("{} (", a.tag())) {
                rest.rsplit_once(") = ").map(|(f, h)| (h.to_string(), f.to_string()))
            } else {
                let cut = line.len().min(a.hex_len());
                let (h, rest) = if line.is_char_boundary(cut) { line.split_at(cut) } else { ("", line) };
                match rest.strip_prefix("  ").or_else(|| rest.strip_prefix(" *")) {
                    Some(f) if h.chars().all(|c| c.is_ascii_hexdigit()) && h.len() == a.hex_len() => Some((h.to_ascii_lowercase(), f.to_string())),
                    _ => None,
                }
            };
            let Some((want, file)) = parsed else {
                improper += 1;
                continue;
            };
            match hash_of(ctx, &file, a).await {
                Ok(got) => {
                    if got == want {
                        ok_lines += 1;
                        if !quiet && !status_only {
                            out.push_str(&format!("{file}: OK\n"));
                        }
                    } else {
                        bad += 1;
                        if !status_only {
                            out.push_str(&format!("{file}: FAILED\n"));
                        }
                    }
                }
                Err(e) => {
                    if p.has("ignore-missing") && e.is_not_found() {
                        continue;
                    }
                    missing += 1;
                    if ctx.stdout.write(std::mem::take(&mut out).into_bytes()).await.is_err() {
                        return EXIT_PIPE;
                    }
                    ctx.err(format!("{file}: {e}")).await;
                    if !status_only {
                        out.push_str(&format!("{file}: FAILED open or read\n"));
                    }
                }
            }
        }
        if ctx.stdout.write(out.into_bytes()).await.is_err() {
            return EXIT_PIPE;
        }
        let shown = if list == "-" { "'standard input'".to_string() } else { list.clone() };
        if ok_lines + bad + missing == 0 {
            ctx.err(format!("{shown}: no properly formatted checksum lines found")).await;
            status = 1;
            continue;
        }
        if !status_only {
            if improper > 0 {
                let s = if improper == 1 { "line is" } else { "lines are" };
                ctx.err(format!("WARNING: {improper} {s} improperly formatted")).await;
            }
            if missing > 0 {
                let s = if missing == 1 { "listed file could not be read" } else { "listed files could not be read" };
                ctx.err(format!("WARNING: {missing} {s}")).await;
            }
            if bad > 0 {
                let s = if bad == 1 { "computed checksum did NOT match" } else { "computed checksums did NOT match" };
                ctx.err(format!("WARNING: {bad} {s}")).await;
            }
        }
        if bad > 0 || missing > 0 || (p.has("strict") && improper > 0) {
            status = 1;
        }
    }
    status
}
