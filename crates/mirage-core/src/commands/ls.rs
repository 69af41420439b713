//! `ls`: list directories (`-l -a -A -1 -R -h -t -S -r -d -p -F`), one name per line as
//! GNU does when its output is not a terminal, sorted bytewise (the C.UTF-8 locale).

use std::time::SystemTime;

use super::args::{self, flag};
use super::{Ctx, EXIT_PIPE};
use crate::vfs::{DirEntry, Metadata};

const SPEC: &[args::Opt] = &[
    flag('l', ""),
    flag('a', "all"),
    flag('A', "almost-all"),
    flag('1', ""),
    flag('R', "recursive"),
    flag('h', "human-readable"),
    flag('t', ""),
    flag('S', ""),
    flag('r', "reverse"),
    flag('d', "directory"),
    flag('p', ""),
    flag('F', "classify"),
    flag('U', ""),
];

#[derive(Clone, Copy, Default)]
struct Opts {
    long: bool,
    all: bool,
    almost_all: bool,
    recursive: bool,
    human: bool,
    by_time: bool,
    by_size: bool,
    reverse: bool,
    directory: bool,
    slash: bool,
    classify: bool,
    unsorted: bool,
}

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => {
            let _ = ctx.stderr.write_str(&e.message("ls")).await;
            return 2;
        }
    };
    let o = Opts {
        long: p.has("l"),
        all: p.has("a"),
        almost_all: p.has("A"),
        recursive: p.has("R"),
        human: p.has("h"),
        by_time: p.has("t"),
        by_size: p.has("S"),
        reverse: p.has("r"),
        directory: p.has("d"),
        slash: p.has("p"),
        classify: p.has("F"),
        unsorted: p.has("U"),
    };
    let operands = if p.operands.is_empty() { vec![".".to_string()] } else { p.operands.clone() };
    let mut status = 0;
    let mut files: Vec<DirEntry> = Vec::new();
    let mut dirs: Vec<(String, Metadata)> = Vec::new();
    // A directory operand is listed straight away: on an object store the listing is also
    // the proof that it exists, so `ls DIR` costs one LIST per 1000 keys and nothing more.
    let mut listed: std::collections::HashMap<String, Vec<DirEntry>> = std::collections::HashMap::new();
    for op in &operands {
        let abs = ctx.abs(op);
        if !o.directory {
            match ctx.vfs.read_dir(&abs).await {
                Ok(entries) => {
                    listed.insert(op.clone(), entries);
                    dirs.push((op.clone(), Metadata::dir()));
                    continue;
                }
                Err(e) if e.kind != crate::vfs::ErrorKind::NotADirectory => {
                    ctx.err(format!("cannot access '{op}': {e}")).await;
                    status = 2;
                    continue;
                }
                Err(_) => {}
            }
        }
        match ctx.vfs.stat(&abs).await {
            Ok(m) if m.is_dir() && !o.directory => dirs.push((op.clone(), m)),
            Ok(m) => files.push(DirEntry { name: op.clone(), meta: m }),
            Err(e) => {
                ctx.err(format!("cannot access '{op}': {e}")).await;
                status = 2;
            }
        }
    }
    sort_entries(&mut files, &o);
    let mut out = String::new();
    if !files.is_empty() {
        let links = nlinks(&ctx, None, &files, &o).await;
        out.push_str(&render(&files, &links, &o, false));
    }
    // Directory operands keep the order the sort gives them.
    let mut dir_entries: Vec<DirEntry> = dirs.iter().map(|(n, m)| DirEntry { name: n.clone(), meta: m.clone() }).collect();
    sort_entries(&mut dir_entries, &o);
    let show_headers = operands.len() > 1 || o.recursive;
    let mut first_block = files.is_empty();
    for d in dir_entries {
        let mut queue = vec![(d.name.clone(), true)];
        while let Some((dir, operand)) = queue.pop() {
            if super::textutil::checkpoint().await.is_err() {
                return 2;
            }
            let listing = match listed.remove(&dir).filter(|_| operand) {
                Some(e) => Ok(e),
                None => ctx.vfs.read_dir(&ctx.abs(&dir)).await,
            };
            let mut entries = match listing {
                Ok(e) => e,
                // On an object store a named directory is only known to exist once listed.
                Err(e) if operand => {
                    ctx.err(format!("cannot access '{dir}': {e}")).await;
                    status = 2;
                    continue;
                }
                Err(e) => {
                    ctx.err(format!("cannot open directory '{dir}': {e}")).await;
                    status = 2;
                    continue;
                }
            };
            entries.retain(|e| o.all || o.almost_all || !e.name.starts_with('.'));
            if o.all {
                let here = ctx.abs(&dir);
                let dot = ctx.vfs.stat(&here).await.unwrap_or_else(|_| Metadata::dir());
                let up = ctx.vfs.stat(crate::vfs::path::dirname(&here)).await.unwrap_or_else(|_| Metadata::dir());
                entries.push(DirEntry { name: ".".into(), meta: dot });
                entries.push(DirEntry { name: "..".into(), meta: up });
            }
            sort_entries(&mut entries, &o);
            if !first_block {
                out.push('\n');
            }
            first_block = false;
            if show_headers {
                out.push_str(&dir);
                out.push_str(":\n");
            }
            let links = nlinks(&ctx, Some(&dir), &entries, &o).await;
            out.push_str(&render(&entries, &links, &o, true));
            if o.recursive {
                let subs: Vec<(String, bool)> = entries
                    .iter()
                    .filter(|e| e.meta.is_dir() && e.name != "." && e.name != "..")
                    .map(|e| (if dir.ends_with('/') { format!("{dir}{}", e.name) } else { format!("{dir}/{}", e.name) }, false))
                    .collect();
                // Depth first, in listing order.
                queue.extend(subs.into_iter().rev());
            }
            if out.len() > 64 * 1024 {
                if ctx.stdout.write_str(&std::mem::take(&mut out)).await.is_err() {
                    return EXIT_PIPE;
                }
            }
        }
    }
    if ctx.stdout.write_str(&out).await.is_err() {
        return EXIT_PIPE;
    }
    status
}

fn sort_entries(v: &mut [DirEntry], o: &Opts) {
    if o.unsorted {
        return;
    }
    if o.by_size {
        v.sort_by(|a, b| b.meta.size.cmp(&a.meta.size).then_with(|| a.name.as_bytes().cmp(b.name.as_bytes())));
    } else if o.by_time {
        v.sort_by(|a, b| b.meta.modified.cmp(&a.meta.modified).then_with(|| a.name.as_bytes().cmp(b.name.as_bytes())));
    } else {
        v.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    }
    if o.reverse {
        v.reverse();
    }
}

fn suffix(e: &DirEntry, o: &Opts) -> &'static str {
    if (o.slash || o.classify) && e.meta.is_dir() {
        "/"
    } else {
        ""
    }
}

/// Most directories whose subdirectories are counted for `-l` (one listing each).
const MAX_LINK_COUNTS: usize = 256;

/// The link counts `-l` shows: 1 for a file, 2 + subdirectories for a directory (as on ext4).
async fn nlinks(ctx: &Ctx, dir: Option<&str>, entries: &[DirEntry], o: &Opts) -> Vec<u64> {
    let mut out = vec![1u64; entries.len()];
    if !o.long {
        return out;
    }
    let mut counted = 0;
    for (i, e) in entries.iter().enumerate() {
        if !e.meta.is_dir() {
            continue;
        }
        out[i] = 2;
        if counted >= MAX_LINK_COUNTS {
            continue;
        }
        counted += 1;
        let abs = match dir {
            None => ctx.abs(&e.name),
            Some(d) => ctx.abs(&format!("{d}/{}", e.name)),
        };
        if let Ok(children) = ctx.vfs.read_dir(&abs).await {
            out[i] += children.iter().filter(|c| c.meta.is_dir()).count() as u64;
        }
    }
    out
}

fn render(entries: &[DirEntry], links: &[u64], o: &Opts, with_total: bool) -> String {
    let mut out = String::new();
    if !o.long {
        for e in entries {
            out.push_str(&e.name);
            out.push_str(suffix(e, o));
            out.push('\n');
        }
        return out;
    }
    if with_total {
        let blocks: u64 = entries.iter().map(|e| if e.meta.is_dir() { 4 } else { blocks_1k(e.meta.size) }).sum();
        out.push_str(&format!("total {}\n", if o.human { human(blocks * 1024) } else { blocks.to_string() }));
    }
    let sizes: Vec<String> = entries.iter().map(|e| size_text(&e.meta, o)).collect();
    let size_w = sizes.iter().map(|s| s.len()).max().unwrap_or(1);
    let now = SystemTime::now();
    let links_w = links.iter().map(|l| l.to_string().len()).max().unwrap_or(1);
    for ((e, size), links) in entries.iter().zip(sizes).zip(links) {
        let mode = if e.meta.is_dir() { "drwxr-xr-x" } else { "-rw-r--r--" };
        let links = format!("{links:>links_w$}");
        out.push_str(&format!(
            "{mode} {links} root root {size:>size_w$} {} {}{}\n",
            time_text(e.meta.modified, now),
            e.name,
            suffix(e, o)
        ));
    }
    out
}

/// Disk usage in KiB as an ext4-like filesystem reports it (4 KiB blocks).
pub fn blocks_1k(size: u64) -> u64 {
    size.div_ceil(4096) * 4
}

fn size_text(m: &Metadata, o: &Opts) -> String {
    let size = if m.is_dir() { 4096 } else { m.size };
    if o.human {
        human(size)
    } else {
        size.to_string()
    }
}

/// GNU's `-h` sizes: 1023, 1.0K, 9.9K, 10K, 1.5M ... (rounded up).
pub fn human(n: u64) -> String {
    if n < 1024 {
        return n.to_string();
    }
    let units = ['K', 'M', 'G', 'T', 'P', 'E'];
    let mut v = n as f64;
    let mut i = 0;
    loop {
        v /= 1024.0;
        if v < 1024.0 || i == units.len() - 1 {
            break;
        }
        i += 1;
    }
    if v < 10.0 {
        let r = (v * 10.0).ceil() / 10.0;
        if r >= 10.0 {
            return format!("{}{}", r.ceil() as u64, units[i]);
        }
        format!("{r:.1}{}", units[i])
    } else {
        format!("{}{}", v.ceil() as u64, units[i])
    }
}

fn time_text(t: Option<SystemTime>, now: SystemTime) -> String {
    use chrono::{DateTime, Utc};
    let t = t.unwrap_or(SystemTime::UNIX_EPOCH);
    let dt: DateTime<Utc> = t.into();
    let six_months = std::time::Duration::from_secs(365 * 24 * 3600 / 2);
    let recent = match now.duration_since(t) {
        Ok(age) => age < six_months,
        Err(e) => e.duration() < std::time::Duration::from_secs(3600),
    };
    if recent {
        dt.format("%b %e %H:%M").to_string()
    } else {
        dt.format("%b %e  %Y").to_string()
    }
}

