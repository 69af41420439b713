//! `tee`: copy stdin to stdout and to files (`-a`, `-i`, `-p`), streaming: each file is
//! written by its own upload fed chunk by chunk.

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::mpsc;

use super::args::{self, flag};
use super::common;
use super::{Ctx, EXIT_PIPE};
use crate::vfs::FsError;

const SPEC: &[args::Opt] = &[flag('a', "append"), flag('i', "ignore-interrupts"), flag('p', ""), args::long_value("output-error")];

pub async fn run(ctx: Ctx) -> i32 {
    let p = match args::parse(&ctx.args, SPEC) {
        Ok(p) => p,
        Err(e) => return common::usage(&ctx, "tee", e, 1).await,
    };
    let append = p.has("a");
    let mut status = 0;
    let mut sinks: Vec<(String, mpsc::Sender<Result<Bytes, FsError>>, tokio::task::JoinHandle<Result<u64, FsError>>)> = Vec::new();
    for op in &p.operands {
        if op == "/dev/null" {
            continue;
        }
        let abs = ctx.abs(op);
        let parent_ok = match ctx.vfs.stat(crate::vfs::path::dirname(&abs)).await {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(FsError::new(crate::vfs::ErrorKind::NotADirectory)),
            Err(e) => Err(e),
        };
        if let Err(e) = ctx.vfs.check_writable(&abs).and(parent_ok) {
            ctx.err(format!("{op}: {e}")).await;
            status = 1;
            continue;
        }
        if let Ok(m) = ctx.vfs.stat(&abs).await {
            if m.is_dir() {
                ctx.err(format!("{op}: Is a directory")).await;
                status = 1;
                continue;
            }
        }
        // -a: the old content goes first.
        let old = if append {
            match ctx.vfs.read_all(&abs).await {
                Ok(b) => Some(b),
                Err(e) if e.is_not_found() => None,
                Err(e) => {
                    ctx.err(format!("{op}: {e}")).await;
                    status = 1;
                    continue;
                }
            }
        } else {
            None
        };
        let (tx, rx) = mpsc::channel::<Result<Bytes, FsError>>(8);
        let vfs = ctx.vfs.clone();
        let stream = tokio_stream_from(rx);
        let handle = crate::stats::spawn(async move { vfs.write_stream(&abs, stream).await });
        if let Some(o) = old {
            let _ = tx.send(Ok(o)).await;
        }
        sinks.push((op.clone(), tx, handle));
    }
    let mut stdout_open = true;
    let mut reader = ctx.stdin.lock().await;
    loop {
        let chunk = match reader.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                ctx.err(format!("read error: {e}")).await;
                status = 1;
                break;
            }
        };
        if stdout_open && ctx.stdout.write(chunk.clone()).await.is_err() {
            stdout_open = false;
            if sinks.is_empty() {
                return EXIT_PIPE;
            }
        }
        for (_, tx, _) in &sinks {
            let _ = tx.send(Ok(chunk.clone())).await;
        }
    }
    drop(reader);
    for (op, tx, h) in sinks {
        drop(tx);
        match h.await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                ctx.err(format!("{op}: {e}")).await;
                status = 1;
            }
            Err(_) => {
                ctx.err(format!("{op}: Input/output error")).await;
                status = 1;
            }
        }
    }
    if !stdout_open {
        return EXIT_PIPE;
    }
    status
}

fn tokio_stream_from(rx: mpsc::Receiver<Result<Bytes, FsError>>) -> crate::vfs::ByteStream {
    Box::pin(futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }).boxed())
}
