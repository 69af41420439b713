//! Commands implemented in JavaScript (`ws.command(name, handler)`), called from the shell
//! through a thread-safe function.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use mirage_core::commands::{Command, Ctx, EXIT_PIPE};
use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;

/// Largest stdin handed to a JavaScript command.
const MAX_STDIN: usize = 64 << 20;

/// The second argument of a JavaScript command handler.
#[napi(object)]
pub struct CommandContext {
    /// All of standard input.
    pub stdin: Uint8Array,
    pub cwd: String,
    pub env: HashMap<String, String>,
    /// The session the command runs in. Calling `execute` on that session from the handler
    /// is refused: the session is busy until the handler returns.
    pub session_id: String,
}

/// What a JavaScript command handler resolves to.
#[napi(object)]
pub struct CommandOutput {
    #[napi(ts_type = "string | Uint8Array")]
    pub stdout: Option<Either<String, Uint8Array>>,
    #[napi(ts_type = "string | Uint8Array")]
    pub stderr: Option<Either<String, Uint8Array>>,
    /// A whole number from 0 to 255 (default 0); anything else (NaN, -1, 1.5, 256) makes the
    /// command fail with exit 1 and a message on stderr.
    pub exit_code: Option<f64>,
}

pub type HandlerFn =
    ThreadsafeFunction<FnArgs<(Vec<String>, CommandContext)>, Promise<CommandOutput>, FnArgs<(Vec<String>, CommandContext)>, Status, false, true>;

pub struct JsCommand {
    pub handler: Arc<HandlerFn>,
}

fn bytes_of(v: Option<Either<String, Uint8Array>>) -> Vec<u8> {
    match v {
        Some(Either::A(s)) => s.into_bytes(),
        Some(Either::B(b)) => b.to_vec(),
        None => Vec::new(),
    }
}

impl Command for JsCommand {
    fn run(&self, ctx: Ctx) -> BoxFuture<'static, i32> {
        let handler = self.handler.clone();
        Box::pin(async move {
            let stdin = {
                let mut guard = ctx.stdin.lock().await;
                let mut buf = Vec::new();
                while let Ok(Some(chunk)) = guard.chunk().await {
                    buf.extend_from_slice(&chunk);
                    if buf.len() > MAX_STDIN {
                        break;
                    }
                }
                buf
            };
            let session_id = mirage_core::workspace::current_session().unwrap_or_else(|| mirage_core::workspace::DEFAULT_SESSION.to_string());
            let context = CommandContext { stdin: Uint8Array::new(stdin), cwd: ctx.cwd.clone(), env: (*ctx.env).clone(), session_id };
            let result = match handler.call_async_catch(FnArgs::from((ctx.args.clone(), context))).await {
                Ok(promise) => promise.await,
                Err(e) => Err(e),
            };
            match result {
                Ok(out) => {
                    let code = match crate::options::int_in("exitCode", out.exit_code, 0, 255, 0) {
                        Ok(c) => c as i32,
                        Err(e) => {
                            ctx.err(format!("the handler's {}", e.message())).await;
                            return 1;
                        }
                    };
                    let (stdout, stderr) = (bytes_of(out.stdout), bytes_of(out.stderr));
                    if ctx.stdout.write(stdout).await.is_err() {
                        return EXIT_PIPE;
                    }
                    let _ = ctx.stderr.write(stderr).await;
                    code
                }
                Err(e) => {
                    ctx.err(e.reason.clone()).await;
                    1
                }
            }
        })
    }
}
