//! `tar` (the `tar` crate, flate2 for `-z`): `-c -x -t` with `-f ARCHIVE` (or stdin/stdout
//! with `-f -`), `-z`, `-v`, `-C DIR`; archives and extracted files live on the mounts.

use std::io::Read;

use bytes::Bytes;

use super::common::{self, join_typed};
use super::{Ctx, EXIT_PIPE};
use crate::vfs::{path, ErrorKind};

#[derive(Default)]
struct Opts {
    mode: Option<char>,
    file: Option<String>,
    gzip: bool,
    verbose: bool,
    to_stdout: bool,
    dir: Option<String>,
}

async fn fail(ctx: &Ctx, msg: &str) -> i32 {
    let _ = ctx.stderr.write_str(&format!("tar: {msg}\n")).await;
    2
}

pub async fn run(ctx: Ctx) -> i32 {
    let mut o = Opts::default();
    let mut names = Vec::new();
    let mut args = ctx.args.clone();
    // `tar czf x.tgz dir`: a first word without `-` is a cluster of options.
    if let Some(first) = args.first() {
        if !first.starts_with('-') && first.chars().all(|c| "cxtzvfCjpO".contains(c)) {
            args[0] = format!("-{first}");
        }
    }
    let mut i = 0;
    while i < args.len() {
        let a = args[i].clone();
        i += 1;
        if let Some(l) = a.strip_prefix("--") {
            match l.split_once('=').map(|(k, v)| (k, Some(v))).unwrap_or((l, None)) {
                ("create", _) => o.mode = Some('c'),
                ("extract" | "get", _) => o.mode = Some('x'),
                ("list", _) => o.mode = Some('t'),
                ("gzip" | "gunzip", _) => o.gzip = true,
                ("verbose", _) => o.verbose = true,
                ("to-stdout", _) => o.to_stdout = true,
                ("file", v) => {
                    o.file = v.map(|s| s.to_string()).or_else(|| {
                        i += 1;
                        args.get(i - 1).cloned()
                    })
                }
                ("directory", v) => {
                    o.dir = v.map(|s| s.to_string()).or_else(|| {
                        i += 1;
                        args.get(i - 1).cloned()
                    })
                }
                _ => return fail(&ctx, &format!("unrecognized option '{a}'\nTry 'tar --help' or 'tar --usage' for more information.")).await,
            }
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                k += 1;
                match c {
                    'c' | 'x' | 't' => o.mode = Some(c),
                    'z' => o.gzip = true,
                    'v' => o.verbose = true,
                    'O' => o.to_stdout = true,
                    'p' | 'o' | 'm' => {}
                    'f' | 'C' => {
                        let rest: String = chars[k..].iter().collect();
                        let v = if !rest.is_empty() {
                            k = chars.len();
                            Some(rest)
                        } else {
                            i += 1;
                            args.get(i - 1).cloned()
                        };
                        let Some(v) = v else {
                            return fail(&ctx, &format!("option requires an argument -- '{c}'\nTry 'tar --help' or 'tar --usage' for more information.")).await;
                        };
                        if c == 'f' {
                            o.file = Some(v);
                        } else {
                            o.dir = Some(v);
                        }
                    }
                    _ => return fail(&ctx, &format!("invalid option -- '{c}'\nTry 'tar --help' or 'tar --usage' for more information.")).await,
                }
            }
            continue;
        }
        names.push(a);
    }
    let Some(mode) = o.mode else {
        return fail(&ctx, "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options\nTry 'tar --help' or 'tar --usage' for more information.").await;
    };
    let base = o.dir.clone().unwrap_or_else(|| ".".into());
    match mode {
        'c' => create(&ctx, &o, &names, &base).await,
        _ => read(&ctx, &o, mode, &base, &names).await,
    }
}

async fn create(ctx: &Ctx, o: &Opts, names: &[String], base: &str) -> i32 {
    if names.is_empty() {
        return fail(ctx, "Cowardly refusing to create an empty archive\nTry 'tar --help' or 'tar --usage' for more information.").await;
    }
    let mut b = tar::Builder::new(Vec::new());
    let mut status = 0;
    let mut listing = String::new();
    for n in names {
        let typed = if o.dir.is_some() { join_typed(base, n) } else { n.clone() };
        let abs = ctx.abs(&typed);
        let meta = match ctx.vfs.stat(&abs).await {
            Ok(m) => m,
            Err(e) => {
                let _ = ctx.stderr.write_str(&format!("tar: {n}: Cannot stat: {e}\n")).await;
                status = 2;
                continue;
            }
        };
        let name = n.trim_start_matches('/').to_string();
        let mut entries: Vec<(String, String, bool)> = vec![(name.clone(), abs.clone(), meta.is_dir())];
        if meta.is_dir() {
            let mut sub = ctx.vfs.walk(&abs).await.unwrap_or_default();
            sub.sort_by(|a, b| a.0.cmp(&b.0));
            for (rel, m) in sub {
                entries.push((format!("{}/{rel}", name.trim_end_matches('/')), path::normalize(&abs, &rel), m.is_dir()));
            }
        }
        for (ename, eabs, is_dir) in entries {
            if super::textutil::checkpoint().await.is_err() {
                return 2;
            }
            let mut h = tar::Header::new_gnu();
            h.set_mtime(ctx.vfs.stat(&eabs).await.ok().and_then(|m| m.modified).and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_secs()).unwrap_or(0));
            h.set_uid(0);
            h.set_gid(0);
            let _ = h.set_username("root");
            let _ = h.set_groupname("root");
            let shown = if is_dir { format!("{}/", ename.trim_end_matches('/')) } else { ename.clone() };
            if is_dir {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                h.set_cksum();
                if b.append_data(&mut h, &shown, std::io::empty()).is_err() {
                    status = 2;
                }
            } else {
                let data = match ctx.vfs.read_all(&eabs).await {
                    Ok(d) => d,
                    Err(e) => {
                        let _ = ctx.stderr.write_str(&format!("tar: {ename}: Cannot open: {e}\n")).await;
                        status = 2;
                        continue;
                    }
                };
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(data.len() as u64);
                h.set_cksum();
                if b.append_data(&mut h, &shown, &data[..]).is_err() {
                    status = 2;
                }
            }
            if o.verbose {
                listing.push_str(&shown);
                listing.push('\n');
            }
        }
    }
    let mut tar_bytes = match b.into_inner() {
        Ok(v) => v,
        Err(e) => return fail(ctx, &e.to_string()).await,
    };
    if o.gzip {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        if enc.write_all(&tar_bytes).is_err() {
            return fail(ctx, "gzip failed").await;
        }
        tar_bytes = enc.finish().unwrap_or_default();
    }
    let to_stdout = o.file.as_deref().is_none_or(|f| f == "-");
    if o.verbose {
        // With the archive on stdout, the listing goes to stderr.
        if to_stdout {
            let _ = ctx.stderr.write_str(&listing).await;
        } else if common::out(ctx, listing).await.is_err() {
            return EXIT_PIPE;
        }
    }
    if to_stdout {
        if ctx.stdout.write(tar_bytes).await.is_err() {
            return EXIT_PIPE;
        }
    } else if let Some(f) = &o.file {
        if let Err(e) = ctx.vfs.write(&ctx.abs(f), Bytes::from(tar_bytes)).await {
            let _ = ctx.stderr.write_str(&format!("tar: {f}: Cannot open: {e}\ntar: Error is not recoverable: exiting now\n")).await;
            return 2;
        }
    }
    if status != 0 {
        let _ = ctx.stderr.write_str("tar: Exiting with failure status due to previous errors\n").await;
    }
    status
}

/// Whether member `name` is selected by the operands (a member or a directory above it).
fn selected(name: &str, names: &[String]) -> bool {
    let clean = name.trim_end_matches('/');
    names.is_empty()
        || names.iter().any(|n| {
            let n = n.trim_end_matches('/');
            clean == n || clean.starts_with(&format!("{n}/"))
        })
}

async fn read(ctx: &Ctx, o: &Opts, mode: char, base: &str, names: &[String]) -> i32 {
    let f = o.file.clone().unwrap_or_else(|| "-".into());
    let mut data = match common::read_all(ctx, &f).await {
        Ok(d) => d,
        Err(e) => {
            return fail(ctx, &format!("{f}: Cannot open: {e}\ntar: Error is not recoverable: exiting now")).await;
        }
    };
    if data.len() > 2 && data[0] == 0x1f && data[1] == 0x8b {
        data = match super::gzip::inflate(&data) {
            Ok(out) => out,
            Err(_) if super::textutil::checkpoint().await.is_err() => return 2,
            Err(m) if m == "Cannot allocate memory" => {
                return fail(ctx, &format!("{f}: Cannot read: {m}\ntar: Error is not recoverable: exiting now")).await;
            }
            Err(_) => return fail(ctx, "Child returned status 1\ntar: Error is not recoverable: exiting now").await,
        };
    }
    // Collect the entries synchronously, then write them.
    let items = match entries(&data, mode == 'x') {
        Ok(v) => v,
        Err(_) if super::textutil::checkpoint().await.is_err() => return 2,
        Err(m) => return fail(ctx, &m).await,
    };
    if items.is_empty() && !data.iter().all(|b| *b == 0) {
        return fail(ctx, "This does not look like a tar archive\ntar: Exiting with failure status due to previous errors").await;
    }
    let mut out = String::new();
    let mut status = 0;
    // GNU tar's width of "owner/group size", grown as wider ones appear.
    let mut ugswidth = 19usize;
    let mut found = vec![false; names.len()];
    for (name, is_dir, size, mtime, mode_bits, owner, body) in items {
        if super::textutil::checkpoint().await.is_err() {
            return 2;
        }
        if !selected(&name, names) {
            continue;
        }
        for (k, n) in names.iter().enumerate() {
            if selected(&name, std::slice::from_ref(n)) {
                found[k] = true;
            }
        }
        // With -O, -v lists the members on stderr (stdout carries the bodies).
        if (mode == 't' || o.verbose) && !(mode == 'x' && o.to_stdout) {
            if mode == 't' && o.verbose {
                let t = chrono::DateTime::from_timestamp(mtime as i64, 0).unwrap_or_default();
                let perms: String = (0..9).rev().map(|k| if mode_bits & (1 << k) != 0 { ['x', 'w', 'r'][k % 3] } else { '-' }).collect();
                let size_s = size.to_string();
                ugswidth = ugswidth.max(owner.len() + 1 + size_s.len());
                let pad = ugswidth - owner.len() - 1;
                out.push_str(&format!("{}{} {owner} {size_s:>pad$} {} {}\n", if is_dir { 'd' } else { '-' }, perms, t.format("%Y-%m-%d %H:%M"), name));
            } else {
                out.push_str(&name);
                out.push('\n');
            }
        }
        if mode != 'x' {
            continue;
        }
        if o.to_stdout {
            if !is_dir && ctx.stdout.write(body).await.is_err() {
                return EXIT_PIPE;
            }
            continue;
        }
        let clean = name.trim_start_matches('/').trim_end_matches('/');
        if clean.split('/').any(|s| s == "..") {
            let _ = ctx.stderr.write_str(&format!("tar: {name}: Member name contains '..'\n")).await;
            status = 2;
            continue;
        }
        let target = ctx.abs(&join_typed(base, clean));
        if is_dir {
            match ctx.vfs.mkdir(&target).await {
                Ok(()) => {}
                Err(e) if e.kind == ErrorKind::AlreadyExists => {}
                Err(e) => {
                    let _ = ctx.stderr.write_str(&format!("tar: {clean}: Cannot mkdir: {e}\n")).await;
                    status = 2;
                }
            }
        } else {
            // Parents first, like tar does for members without directory entries.
            let mut parents = Vec::new();
            let mut p = path::dirname(&target).to_string();
            while ctx.vfs.stat(&p).await.is_err() && p != "/" {
                parents.push(p.clone());
                p = path::dirname(&p).to_string();
            }
            for d in parents.into_iter().rev() {
                let _ = ctx.vfs.mkdir(&d).await;
            }
            if let Err(e) = ctx.vfs.write(&target, Bytes::from(body)).await {
                let _ = ctx.stderr.write_str(&format!("tar: {clean}: Cannot open: {e}\n")).await;
                status = 2;
            }
        }
    }
    if common::out(ctx, out).await.is_err() {
        return EXIT_PIPE;
    }
    for (k, n) in names.iter().enumerate() {
        if !found[k] {
            let _ = ctx.stderr.write_str(&format!("tar: {n}: Not found in archive\n")).await;
            status = 2;
        }
    }
    if status != 0 {
        let _ = ctx.stderr.write_str("tar: Exiting with failure status due to previous errors\n").await;
    }
    status
}

type Item = (String, bool, u64, u64, u32, String, Vec<u8>);

fn entries(data: &[u8], bodies: bool) -> Result<Vec<Item>, String> {
    let bad = || "This does not look like a tar archive\ntar: Exiting with failure status due to previous errors".to_string();
    let mut items = Vec::new();
    let mut ar = tar::Archive::new(data);
    let mut tick = crate::limits::Ticker::every(64);
    for e in ar.entries().map_err(|_| bad())? {
        tick.tick().map_err(|_| "Interrupted".to_string())?;
        let mut e = e.map_err(|_| bad())?;
        let name = e.path().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
        let is_dir = e.header().entry_type().is_dir();
        let size = e.header().size().unwrap_or(0);
        let mtime = e.header().mtime().unwrap_or(0);
        let mode_bits = e.header().mode().unwrap_or(0o644);
        // `user/group` by name, else by number, as `tar -tv` shows them.
        let h = e.header();
        let user = h.username().ok().flatten().filter(|s| !s.is_empty()).map(str::to_string).unwrap_or_else(|| h.uid().unwrap_or(0).to_string());
        let group = h.groupname().ok().flatten().filter(|s| !s.is_empty()).map(str::to_string).unwrap_or_else(|| h.gid().unwrap_or(0).to_string());
        let owner = format!("{user}/{group}");
        let mut body = Vec::new();
        if bodies && !is_dir && e.read_to_end(&mut body).is_err() {
            return Err("Unexpected EOF in archive".into());
        }
        items.push((name, is_dir, size, mtime, mode_bits, owner, body));
    }
    Ok(items)
}
