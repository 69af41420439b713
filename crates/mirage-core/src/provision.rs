//! Provision: what a command line would cost on a paid bucket, without running it.
//!
//! Only listings and HEADs are sent (to learn sizes); never a GET, PUT, COPY or DELETE.
//! Each command's request plan is known (a HEAD for `wc -c`, ranged GETs for `head`), so
//! estimates are marked `Exact` where they are.

use std::collections::HashMap;

use crate::shell::ast::*;
use crate::shell::exec::Shell;
use crate::shell::parser::parse;
use crate::vfs::{path, Metadata};

/// Prices of a remote store, in US dollars.
#[derive(Clone, Debug, PartialEq)]
pub struct Pricing {
    /// Per 10,000 GET/HEAD requests.
    pub get_per_10k: f64,
    /// Per 1,000 LIST requests.
    pub list_per_1k: f64,
    /// Per 1,000 PUT/COPY requests.
    pub put_per_1k: f64,
    /// Per GB downloaded.
    pub egress_per_gb: f64,
}

impl Pricing {
    /// Backblaze B2's published prices (checked 2026-11-26): Class B (downloads, HEAD) and
    /// Class C (listings) at $0.004 per 10,000 and per 1,000, uploads free, egress $0.01/GB.
    pub fn backblaze() -> Pricing {
        Pricing { get_per_10k: 0.004, list_per_1k: 0.004, put_per_1k: 0.0, egress_per_gb: 0.01 }
    }

    /// AWS S3 Standard (us-east-1): GET $0.0004/1,000, LIST and PUT $0.005/1,000, egress $0.09/GB.
    pub fn aws_s3() -> Pricing {
        Pricing { get_per_10k: 0.004, list_per_1k: 0.005, put_per_1k: 0.005, egress_per_gb: 0.09 }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Exact,
    Range,
    Unknown,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Exact => "exact",
            Precision::Range => "range",
            Precision::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProvisionResult {
    pub command: String,
    pub children: Vec<ProvisionResult>,
    pub network_read_low: u64,
    pub network_read_high: u64,
    pub network_write_low: u64,
    pub network_write_high: u64,
    /// GET requests.
    pub read_ops: u64,
    /// HEAD and LIST requests the command itself would send.
    pub metadata_ops: u64,
    pub write_ops: u64,
    pub cache_hits: u64,
    pub precision: Precision,
    pub estimated_cost_usd: f64,
}

impl ProvisionResult {
    fn empty(command: &str) -> Self {
        ProvisionResult {
            command: command.to_string(),
            children: Vec::new(),
            network_read_low: 0,
            network_read_high: 0,
            network_write_low: 0,
            network_write_high: 0,
            read_ops: 0,
            metadata_ops: 0,
            write_ops: 0,
            cache_hits: 0,
            precision: Precision::Exact,
            estimated_cost_usd: 0.0,
        }
    }

    fn add(&mut self, c: &ProvisionResult) {
        self.network_read_low += c.network_read_low;
        self.network_read_high += c.network_read_high;
        self.network_write_low += c.network_write_low;
        self.network_write_high += c.network_write_high;
        self.read_ops += c.read_ops;
        self.metadata_ops += c.metadata_ops;
        self.write_ops += c.write_ops;
        self.cache_hits += c.cache_hits;
        self.precision = self.precision.max(c.precision);
        self.estimated_cost_usd += c.estimated_cost_usd;
    }
}

/// First size a ranged `head`/`tail` reads; later reads double it.
const FIRST_RANGE: u64 = 64 * 1024;

/// Commands that read every byte of their file operands.
const FULL_READERS: &[&str] = &[
    "cat", "grep", "egrep", "fgrep", "rg", "sort", "uniq", "cut", "tr", "sed", "awk", "gawk", "jq", "md5sum", "sha1sum",
    "sha256sum", "sha512sum", "diff", "cmp", "tac", "rev", "nl", "base64", "xxd", "strings", "zcat", "gunzip", "fold", "expand",
    "unexpand", "paste", "join", "comm", "column", "wc",
];
/// Commands whose first operand is a pattern or program, not a file.
const PATTERN_FIRST: &[&str] = &["grep", "egrep", "fgrep", "rg", "sed", "awk", "gawk", "jq"];
/// Commands that only look at metadata.
const METADATA_ONLY: &[&str] = &["ls", "stat", "du", "test", "[", "tree", "find"];

impl Shell {
    /// Estimate a script's cost. Listings and HEADs may be sent to learn sizes.
    pub async fn provision(&mut self, src: &str, prices: &HashMap<String, Pricing>) -> ProvisionResult {
        let mut total = ProvisionResult::empty(src);
        let list = match parse(src) {
            Ok(l) => l,
            Err(_) => {
                total.precision = Precision::Unknown;
                return total;
            }
        };
        let mut commands = Vec::new();
        collect_list(&list, &mut commands);
        for cmd in commands {
            let child = self.provision_command(cmd, prices).await;
            total.add(&child);
            total.children.push(child);
        }
        total
    }

    async fn provision_command(&mut self, cmd: &Command, prices: &HashMap<String, Pricing>) -> ProvisionResult {
        let CommandKind::Simple { words, .. } = &cmd.kind else { return ProvisionResult::empty("") };
        let mut argv = Vec::new();
        let mut unknown = false;
        for w in words {
            match self.static_words(w).await {
                Some(v) => argv.extend(v),
                None => unknown = true,
            }
        }
        let name = argv.first().cloned().unwrap_or_default();
        let mut r = ProvisionResult::empty(&argv.join(" "));
        if unknown {
            r.precision = Precision::Unknown;
        }
        // Redirections to files write an amount we cannot know before running.
        for red in &cmd.redirects {
            if matches!(red.op, RedirOp::Out | RedirOp::Append | RedirOp::OutErr | RedirOp::AppendOutErr) {
                if let RedirTarget::Word(w) = &red.target {
                    if let Some(t) = self.static_words(w).await.and_then(|v| v.into_iter().next()) {
                        let abs = path::normalize(&self.cwd, &t);
                        if abs != "/dev/null" && self.is_remote(&abs) {
                            r.write_ops += 1;
                            r.precision = Precision::Unknown;
                        }
                    }
                }
            }
        }
        let args: Vec<String> = argv.iter().skip(1).cloned().collect();
        let (flags, mut operands): (Vec<String>, Vec<String>) = args.into_iter().partition(|a| a.starts_with('-') && a.len() > 1);
        if PATTERN_FIRST.contains(&name.as_str()) && !flags.iter().any(|f| f == "-e" || f == "-f") && !operands.is_empty() {
            operands.remove(0);
        }
        let recursive = flags.iter().any(|f| f.starts_with('-') && !f.starts_with("--") && (f.contains('r') || f.contains('R')));
        let price_of = |abs: &str, this: &Shell| this.vfs.mount_of(abs).and_then(|m| prices.get(&m.prefix).cloned());
        match name.as_str() {
            n if METADATA_ONLY.contains(&n) || (n == "wc" && flags.iter().all(|f| f == "-c" || f == "--bytes") && !flags.is_empty()) => {
                for op in operands.iter().chain(std::iter::once(&".".to_string()).filter(|_| operands.is_empty())) {
                    let abs = path::normalize(&self.cwd, op);
                    if self.is_remote(&abs) {
                        r.metadata_ops += 1;
                        if let Some(p) = price_of(&abs, self) {
                            r.estimated_cost_usd += if n == "ls" || n == "find" || n == "du" || n == "tree" { p.list_per_1k / 1000.0 } else { p.get_per_10k / 10000.0 };
                        }
                    }
                }
            }
            "head" | "tail" | "file" => {
                let bytes_flag = flags.iter().position(|f| f.starts_with("-c"));
                for op in &operands {
                    let abs = path::normalize(&self.cwd, op);
                    let Some(meta) = self.remote_file(&abs).await else { continue };
                    let (low, high) = match bytes_flag {
                        Some(_) => {
                            let n = flag_number(&flags, &argv, "-c").unwrap_or(meta.size);
                            (n.min(meta.size), n.min(meta.size))
                        }
                        None => (FIRST_RANGE.min(meta.size), meta.size),
                    };
                    r.read_ops += 1;
                    r.network_read_low += low;
                    r.network_read_high += high;
                    if low != high {
                        r.precision = r.precision.max(Precision::Range);
                    }
                    if let Some(p) = price_of(&abs, self) {
                        r.estimated_cost_usd += p.get_per_10k / 10000.0 + high as f64 / 1e9 * p.egress_per_gb;
                    }
                }
            }
            "cp" | "mv" | "rm" | "mkdir" | "touch" | "rmdir" | "tee" | "ln" => {
                let targets: Vec<&String> = if name == "cp" || name == "mv" { operands.iter().skip(operands.len().saturating_sub(1)).collect() } else { operands.iter().collect() };
                for op in &targets {
                    let abs = path::normalize(&self.cwd, op);
                    if self.is_remote(&abs) {
                        r.write_ops += 1;
                        if let Some(p) = price_of(&abs, self) {
                            r.estimated_cost_usd += p.put_per_1k / 1000.0;
                        }
                    }
                }
                if name == "cp" {
                    for op in operands.iter().take(operands.len().saturating_sub(1)) {
                        let abs = path::normalize(&self.cwd, op);
                        if let Some(meta) = self.remote_file(&abs).await {
                            r.read_ops += 1;
                            r.network_read_low += meta.size;
                            r.network_read_high += meta.size;
                            r.network_write_low += meta.size;
                            r.network_write_high += meta.size;
                        }
                    }
                }
                if name == "tee" {
                    r.precision = Precision::Unknown;
                }
            }
            n if FULL_READERS.contains(&n) => {
                for op in &operands {
                    let abs = path::normalize(&self.cwd, op);
                    if !self.is_remote(&abs) {
                        continue;
                    }
                    let files: Vec<(String, u64)> = if recursive {
                        match self.vfs.stat(&abs).await {
                            Ok(m) if m.is_dir() => {
                                r.metadata_ops += 1;
                                self.vfs
                                    .walk(&abs)
                                    .await
                                    .map(|v| v.into_iter().filter(|(_, m)| !m.is_dir()).map(|(p, m)| (p, m.size)).collect())
                                    .unwrap_or_default()
                            }
                            Ok(m) => vec![(abs.clone(), m.size)],
                            Err(_) => Vec::new(),
                        }
                    } else {
                        self.remote_file(&abs).await.map(|m| vec![(abs.clone(), m.size)]).unwrap_or_default()
                    };
                    for (_, size) in files {
                        r.read_ops += 1;
                        r.network_read_low += size;
                        r.network_read_high += size;
                        if let Some(p) = price_of(&abs, self) {
                            r.estimated_cost_usd += p.get_per_10k / 10000.0 + size as f64 / 1e9 * p.egress_per_gb;
                        }
                    }
                }
            }
            _ => {}
        }
        r
    }

    fn is_remote(&self, abs: &str) -> bool {
        self.vfs.mount_of(abs).is_some_and(|m| !matches!(m.resource.kind(), "ram" | "disk"))
    }

    async fn remote_file(&self, abs: &str) -> Option<Metadata> {
        if !self.is_remote(abs) {
            return None;
        }
        self.vfs.stat(abs).await.ok().filter(|m| !m.is_dir())
    }

    /// A word's values without running anything: `None` if it needs a command substitution.
    async fn static_words(&mut self, w: &Word) -> Option<Vec<String>> {
        fn has_sub(parts: &[WordPart]) -> bool {
            parts.iter().any(|p| match p {
                WordPart::CommandSub(_) | WordPart::ProcessSub(..) => true,
                WordPart::DoubleQuoted(inner) => has_sub(inner),
                _ => false,
            })
        }
        if has_sub(&w.parts) {
            return None;
        }
        let io = crate::shell::exec::Io {
            stdin: crate::shell::io::shared(crate::shell::io::Input::Empty),
            stdout: crate::shell::io::Output::Null,
            stderr: crate::shell::io::Output::Null,
        };
        self.expand_words(std::slice::from_ref(w), &io).await.ok()
    }
}

fn flag_number(flags: &[String], argv: &[String], flag: &str) -> Option<u64> {
    for f in flags {
        if let Some(v) = f.strip_prefix(flag) {
            if !v.is_empty() {
                return v.parse().ok();
            }
            let i = argv.iter().position(|a| a == f)?;
            return argv.get(i + 1)?.parse().ok();
        }
    }
    None
}

fn collect_list<'a>(l: &'a List, out: &mut Vec<&'a Command>) {
    for item in &l.items {
        collect_pipeline(&item.and_or.first, out);
        for (_, p) in &item.and_or.rest {
            collect_pipeline(p, out);
        }
    }
}

fn collect_pipeline<'a>(p: &'a Pipeline, out: &mut Vec<&'a Command>) {
    for c in &p.commands {
        match &c.kind {
            CommandKind::Simple { .. } => out.push(c),
            CommandKind::Group(l) | CommandKind::Subshell(l) => collect_list(l, out),
            CommandKind::If { branches, otherwise } => {
                for (a, b) in branches {
                    collect_list(a, out);
                    collect_list(b, out);
                }
                if let Some(o) = otherwise {
                    collect_list(o, out);
                }
            }
            CommandKind::For { body, .. } | CommandKind::ArithFor { body, .. } => collect_list(body, out),
            CommandKind::While { cond, body, .. } => {
                collect_list(cond, out);
                collect_list(body, out);
            }
            CommandKind::Case { arms, .. } => {
                for a in arms {
                    collect_list(&a.body, out);
                }
            }
            _ => {}
        }
    }
}
