//! Running an execute on a thread of its own.
//!
//! The thread has a large stack (`STACK_BYTES`) for the nesting limits, and drives a
//! current-thread Tokio runtime: the command's tasks (pipeline stages, reads ahead) live and
//! die with it. Network requests go to the shared I/O runtime (`mirage_s3::io`), so
//! connections outlive the execute. The OS shares the cores between execute threads, so one
//! agent's CPU-bound command cannot starve another's, and the caller's runtime never runs
//! command code.

use std::cell::Cell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;

use super::{checkpoint, Context, Stop, STACK_BYTES};

thread_local! {
    pub(crate) static ON_EXECUTE_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// How long a cancelled execute's thread gets to unwind before the caller stops waiting.
pub const GRACE: Duration = Duration::from_secs(2);

/// How an isolated run ended without a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Stopped(Stop),
    /// A bug: the message of a panic.
    Panicked(String),
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown error".into())
}

/// Run the future `make` builds on a new execute thread under `ctx`; resolves with its
/// output, or with why it stopped. A cancel (or the memory budget) drops the future there;
/// the caller waits for the thread to finish unwinding, at most `GRACE`.
pub async fn isolate<T, Fut, F>(ctx: Context, make: F) -> Result<T, Ended>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T> + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, Ended>>();
    let cancel = ctx.cancel.clone();
    let thread_ctx = ctx.clone();
    let spawned = std::thread::Builder::new().name("mirage-exec".into()).stack_size(STACK_BYTES).spawn(move || {
        ON_EXECUTE_THREAD.with(|f| f.set(true));
        super::mark_stack_base();
        let _entered = thread_ctx.clone().enter();
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_stack_size(STACK_BYTES)
            .on_thread_start({
                let c = thread_ctx.clone();
                move || {
                    ON_EXECUTE_THREAD.with(|f| f.set(true));
                    super::mark_stack_base();
                    std::mem::forget(c.clone().enter());
                }
            })
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = tx.send(Err(Ended::Panicked(format!("cannot start a runtime: {e}"))));
                return;
            }
        };
        let cancel = thread_ctx.cancel.clone();
        let out = rt.block_on(async move {
            let work = AssertUnwindSafe(async move { make().await }).catch_unwind();
            tokio::select! {
                biased;
                why = cancel.cancelled() => Err(Ended::Stopped(why)),
                why = watchdog() => Err(Ended::Stopped(why)),
                r = work => match checkpoint() {
                    // The command unwound because it had to stop: report why, not its status.
                    Err(why) => Err(Ended::Stopped(why)),
                    Ok(()) => r.map_err(|p| Ended::Panicked(panic_message(p))),
                },
            }
        });
        // Helper threads (awk, jq) check the same switch; give them a moment to see it.
        thread_ctx.cancel.cancel(Stop::Closed);
        rt.shutdown_timeout(GRACE);
        let _ = tx.send(out);
    });
    if let Err(e) = spawned {
        return Err(Ended::Panicked(format!("cannot start a thread: {e}")));
    }
    let mut rx = rx;
    tokio::select! {
        r = &mut rx => r.unwrap_or_else(|_| Err(Ended::Panicked("execute thread ended without a result".into()))),
        why = cancel.cancelled() => {
            match tokio::time::timeout(GRACE, rx).await {
                Ok(Ok(Err(Ended::Stopped(w)))) => Err(Ended::Stopped(w)),
                Ok(Ok(r)) => r,
                _ => Err(Ended::Stopped(why)),
            }
        }
    }
}

/// Resolves when the execute must stop for memory: the allocator only flags it.
async fn watchdog() -> Stop {
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if let Err(why) = checkpoint() {
            return why;
        }
    }
}

/// `tokio::task::spawn_blocking`, with the execute's context (its stop switch and memory
/// slot) on the helper thread.
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let ctx = Context::current();
    tokio::task::spawn_blocking(move || {
        let _g = ctx.map(|c| c.enter());
        f()
    })
}
