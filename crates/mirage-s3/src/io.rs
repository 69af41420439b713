//! The shared I/O runtime: every network request runs here, not on the runtime of the
//! command that asked for it. Commands run on short-lived runtimes of their own (one per
//! execute, see mirage-core's `limits`); connections opened there would die with them, so
//! keep-alive connections and their pool live on this one, for the life of the process.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Handle, Runtime};

fn runtime() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mirage-io")
            .enable_all()
            .build()
            .expect("the I/O runtime starts")
    })
}

/// The I/O runtime's handle.
pub fn handle() -> Handle {
    runtime().handle().clone()
}

/// Run `f` on the I/O runtime and wait for it here; dropping the returned future cancels it.
pub async fn run<F>(f: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let task = AbortOnDrop(runtime().spawn(f));
    match task.wait().await {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => unreachable!("only AbortOnDrop cancels the task, and it is still alive"),
    }
}

/// Spawn `f` on the I/O runtime and let it run on its own (cleanup such as aborting a
/// multipart upload).
pub fn spawn_detached<F>(f: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    runtime().spawn(f);
}

struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    async fn wait(mut self) -> Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
