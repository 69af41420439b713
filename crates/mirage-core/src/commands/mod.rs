//! The commands: one file per command, named after it. Each is an async function from a
//! `Ctx` (arguments, streams, filesystem, cwd) to an exit status.

pub mod args;
pub mod awk;
pub mod base64;
pub mod basename;
pub mod cat;
pub mod cfmt;
pub mod cmp;
pub mod column;
pub mod comm;
pub mod common;
pub mod cp;
pub mod cut;
pub mod date;
pub mod diff;
pub mod dirname;
pub mod du;
pub mod echo;
pub mod env;
pub mod expand;
pub mod file;
pub mod find;
pub mod fold;
pub mod grep;
pub mod gzip;
pub mod hashsum;
pub mod head;
pub mod join;
pub mod jq;
pub mod ln;
pub mod ls;
pub mod md5sum;
pub mod mkdir;
pub mod mv;
pub mod nl;
pub mod paste;
pub mod prefetch;
pub mod printf;
pub mod pwd;
pub mod readlink;
pub mod realpath;
pub mod rev;
pub mod rg;
pub mod rm;
pub mod rmdir;
pub mod sed;
pub mod seq;
pub mod sha1sum;
pub mod sha256sum;
pub mod sha512sum;
pub mod shuf;
pub mod sleep;
pub mod sort;
pub mod split;
pub mod stat;
pub mod strings;
pub mod tac;
pub mod tail;
pub mod tar;
pub mod tee;
pub mod test;
pub mod textutil;
pub mod touch;
pub mod tr;
pub mod tree;
pub mod truefalse;
pub mod unexpand;
pub mod uniq;
pub mod wc;
pub mod xargs;
pub mod xxd;

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::shell::io::{LineReader, Output, Reader, SharedInput};
use crate::vfs::{path, FsError, Vfs};

/// Everything a command can see.
pub struct Ctx {
    /// The name it was called by (`argv[0]`).
    pub name: String,
    /// Its arguments, after expansion (`argv[1..]`).
    pub args: Vec<String>,
    pub stdin: SharedInput,
    pub stdout: Output,
    pub stderr: Output,
    pub vfs: Arc<Vfs>,
    pub cwd: String,
    /// Exported variables.
    pub env: Arc<HashMap<String, String>>,
    /// Every command, for commands that run others (`xargs`, `find -exec`, `timeout`).
    pub registry: Arc<Registry>,
}

impl Ctx {
    /// The absolute, normalised form of a path as the user typed it.
    pub fn abs(&self, p: &str) -> String {
        path::normalize(&self.cwd, p)
    }

    /// Print `name: message` on stderr.
    pub async fn err(&self, message: impl AsRef<str>) {
        let _ = self.stderr.write_str(&format!("{}: {}\n", self.name, message.as_ref())).await;
    }

    /// Print `name: 'path': error` style errors as GNU does: `name: path: strerror`.
    pub async fn err_path(&self, p: &str, e: &FsError) {
        self.err(format!("{p}: {e}")).await;
    }

    /// Open an operand for reading: `-` is stdin, anything else a file.
    pub async fn open(&self, operand: &str) -> Result<Reader<'_>, FsError> {
        if operand == "-" {
            return Ok(Reader::Stdin(self.stdin.lock().await));
        }
        let abs = self.abs(operand);
        let meta = self.vfs.stat(&abs).await?;
        if meta.is_dir() {
            return Err(FsError::new(crate::vfs::ErrorKind::IsADirectory));
        }
        let h = self.vfs.read(&abs, None).await?;
        Ok(Reader::Stream(h.body))
    }

    /// A context for running another command with the same filesystem, cwd and env.
    pub fn child(&self, name: &str, args: Vec<String>, stdin: SharedInput, stdout: Output) -> Ctx {
        Ctx {
            name: name.to_string(),
            args,
            stdin,
            stdout,
            stderr: self.stderr.clone(),
            vfs: self.vfs.clone(),
            cwd: self.cwd.clone(),
            env: self.env.clone(),
            registry: self.registry.clone(),
        }
    }

    pub async fn lines(&self, operand: &str) -> Result<LineReader<'_>, FsError> {
        Ok(LineReader::new(self.open(operand).await?))
    }
}

/// Exit status of a command killed by SIGPIPE.
pub const EXIT_PIPE: i32 = 141;

/// A command implementation.
pub trait Command: Send + Sync {
    fn run(&self, ctx: Ctx) -> BoxFuture<'static, i32>;
}

/// A command that is a plain async function.
pub struct FnCommand(pub fn(Ctx) -> BoxFuture<'static, i32>);

impl Command for FnCommand {
    fn run(&self, ctx: Ctx) -> BoxFuture<'static, i32> {
        (self.0)(ctx)
    }
}

macro_rules! cmd {
    ($f:path) => {
        Arc::new(FnCommand(|ctx| Box::pin($f(ctx)))) as Arc<dyn Command>
    };
}

/// Commands by name. Behind a lock so a workspace can register commands at run time.
#[derive(Default)]
pub struct Registry {
    map: std::sync::RwLock<HashMap<String, Arc<dyn Command>>>,
}

impl Registry {
    /// Every built-in command.
    pub fn builtin() -> Registry {
        let mut r = Registry::default();
        r.add("awk", cmd!(awk::run));
        r.add("base64", cmd!(base64::run));
        r.add("basename", cmd!(basename::run));
        r.add("cat", cmd!(cat::run));
        r.add("cmp", cmd!(cmp::run));
        r.add("column", cmd!(column::run));
        r.add("comm", cmd!(comm::run));
        r.add("cp", cmd!(cp::run));
        r.add("cut", cmd!(cut::run));
        r.add("date", cmd!(date::run));
        r.add("diff", cmd!(diff::run));
        r.add("dirname", cmd!(dirname::run));
        r.add("du", cmd!(du::run));
        r.add("echo", cmd!(echo::run));
        r.add("env", cmd!(env::run));
        r.add("expand", cmd!(expand::run));
        r.add("file", cmd!(file::run));
        r.add("find", cmd!(find::run));
        r.add("fold", cmd!(fold::run));
        r.add("gawk", cmd!(awk::run));
        r.add("grep", cmd!(grep::run));
        r.add("gunzip", cmd!(gzip::run));
        r.add("gzip", cmd!(gzip::run));
        r.add("head", cmd!(head::run));
        r.add("join", cmd!(join::run));
        r.add("jq", cmd!(jq::run));
        r.add("ln", cmd!(ln::run));
        r.add("ls", cmd!(ls::run));
        r.add("md5sum", cmd!(md5sum::run));
        r.add("mkdir", cmd!(mkdir::run));
        r.add("mv", cmd!(mv::run));
        r.add("nl", cmd!(nl::run));
        r.add("paste", cmd!(paste::run));
        r.add("printf", cmd!(printf::run));
        r.add("pwd", cmd!(pwd::run));
        r.add("readlink", cmd!(readlink::run));
        r.add("realpath", cmd!(realpath::run));
        r.add("rev", cmd!(rev::run));
        r.add("rg", cmd!(rg::run));
        r.add("rm", cmd!(rm::run));
        r.add("rmdir", cmd!(rmdir::run));
        r.add("sed", cmd!(sed::run));
        r.add("seq", cmd!(seq::run));
        r.add("sha1sum", cmd!(sha1sum::run));
        r.add("sha256sum", cmd!(sha256sum::run));
        r.add("sha512sum", cmd!(sha512sum::run));
        r.add("shuf", cmd!(shuf::run));
        r.add("sleep", cmd!(sleep::run));
        r.add("sort", cmd!(sort::run));
        r.add("split", cmd!(split::run));
        r.add("stat", cmd!(stat::run));
        r.add("strings", cmd!(strings::run));
        r.add("tac", cmd!(tac::run));
        r.add("tail", cmd!(tail::run));
        r.add("tar", cmd!(tar::run));
        r.add("tee", cmd!(tee::run));
        r.add("test", cmd!(test::run));
        r.add("[", cmd!(test::run));
        r.add("touch", cmd!(touch::run));
        r.add("tr", cmd!(tr::run));
        r.add("tree", cmd!(tree::run));
        r.add("true", cmd!(truefalse::run_true));
        r.add("false", cmd!(truefalse::run_false));
        r.add("unexpand", cmd!(unexpand::run));
        r.add("uniq", cmd!(uniq::run));
        r.add("wc", cmd!(wc::run));
        r.add("xargs", cmd!(xargs::run));
        r.add("xxd", cmd!(xxd::run));
        r.add("zcat", cmd!(gzip::run));
        r
    }

    pub fn add(&mut self, name: &str, c: Arc<dyn Command>) {
        self.map.get_mut().unwrap().insert(name.to_string(), c);
    }

    /// Add or replace a command on a shared registry.
    pub fn register(&self, name: &str, c: Arc<dyn Command>) {
        self.map.write().unwrap().insert(name.to_string(), c);
    }

    pub fn get(&self, name: &str) -> Option<Arc<dyn Command>> {
        self.map.read().unwrap().get(name).cloned()
    }

    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.map.read().unwrap().keys().cloned().collect();
        v.sort();
        v
    }
}
