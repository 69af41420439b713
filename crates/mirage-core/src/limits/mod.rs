//! Limits on what one command line may do to the process that hosts it: how deep any
//! recursion goes, how much memory a session holds, and how fast it stops when asked.
//!
//! Every `execute` runs on a thread of its own (`isolate`), with a stack large enough for
//! the nesting limits below, so a CPU-bound command of one agent never holds a thread that
//! another agent's command needs: the OS shares the cores between them. Long loops call
//! [`checkpoint`] (or a [`Ticker`]); once the execute is cancelled (deadline, AbortSignal,
//! `close()`) or its session is over its memory budget, the checkpoint fails and the work
//! unwinds through the normal error paths, while the execute's future is dropped.

pub mod alloc;
pub mod isolate;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

pub use isolate::{isolate, spawn_blocking, Ended};

/// Nesting of any expression or construct in any parser or evaluator (shell compound
/// commands, `$(...)`, `${...}`, arithmetic, patterns, brace expansion, awk, jq filters,
/// `find`/`test` expressions).
pub const MAX_NESTING: usize = 200;
/// Depth of JSON input jq parses (jq 1.6's limit).
pub const MAX_JSON_DEPTH: usize = 256;
/// Default `FUNCNEST`: shell function calls in progress at once.
pub const DEFAULT_FUNCNEST: usize = 1000;
/// `eval`, `source`, command substitutions and subshells in progress at once, on top of functions.
pub const MAX_SHELL_DEPTH: usize = 1000;
/// Depth of a directory walk (`find`, `tree`, `du`, `ls -R`, `grep -r`, `cp -r`, `rm -r`).
pub const MAX_WALK_DEPTH: usize = 1000;
/// Default memory a session may hold while an execute runs.
pub const DEFAULT_MAX_MEMORY: u64 = 512 << 20;
/// Stack of an execute's threads: the limits above keep real use far below it.
pub const STACK_BYTES: usize = 256 << 20;

/// Why an execute stops before its command ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Its deadline passed.
    Timeout,
    /// Its AbortSignal fired.
    Aborted,
    /// The workspace was closed.
    Closed,
    /// Its session went past its memory budget, or the process past its ceiling.
    Memory,
    /// Whoever read its output went away (a streamed stdout cancelled): SIGPIPE.
    Hangup,
}

impl Stop {
    fn code(self) -> u8 {
        match self {
            Stop::Timeout => 1,
            Stop::Aborted => 2,
            Stop::Closed => 3,
            Stop::Memory => 4,
            Stop::Hangup => 5,
        }
    }

    fn from_code(c: u8) -> Option<Stop> {
        Some(match c {
            1 => Stop::Timeout,
            2 => Stop::Aborted,
            3 => Stop::Closed,
            4 => Stop::Memory,
            5 => Stop::Hangup,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::Timeout => "Timer expired",
            Stop::Aborted | Stop::Closed => "Interrupted",
            Stop::Memory => "Cannot allocate memory",
            Stop::Hangup => "Broken pipe",
        })
    }
}

impl std::error::Error for Stop {}

/// The stop switch of one execute, shared by its thread, its helper threads and the caller.
#[derive(Default)]
pub struct Cancel {
    reason: AtomicU8,
    notify: tokio::sync::Notify,
    /// Extra switches that fire with this one (a workspace's `close()` fires every execute).
    children: Mutex<Vec<std::sync::Weak<Cancel>>>,
}

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel").field("reason", &self.reason()).finish()
    }
}

impl Cancel {
    pub fn new() -> Arc<Cancel> {
        Arc::new(Cancel::default())
    }

    /// Stop, for `why`; the first reason wins.
    pub fn cancel(&self, why: Stop) {
        if self.reason.compare_exchange(0, why.code(), Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            self.notify.notify_waiters();
            let kids: Vec<_> = self.children.lock().unwrap().drain(..).collect();
            for k in kids.into_iter().filter_map(|k| k.upgrade()) {
                k.cancel(why);
            }
        }
    }

    pub fn reason(&self) -> Option<Stop> {
        Stop::from_code(self.reason.load(Ordering::Relaxed))
    }

    pub fn is_cancelled(&self) -> bool {
        self.reason.load(Ordering::Relaxed) != 0
    }

    /// Resolves once cancelled.
    pub async fn cancelled(&self) -> Stop {
        loop {
            let n = self.notify.notified();
            if let Some(r) = self.reason() {
                return r;
            }
            n.await;
        }
    }

    /// Fire `child` too when this fires (at once if it already has).
    pub fn link(&self, child: &Arc<Cancel>) {
        if let Some(r) = self.reason() {
            child.cancel(r);
            return;
        }
        let mut kids = self.children.lock().unwrap();
        kids.retain(|k| k.strong_count() > 0);
        kids.push(Arc::downgrade(child));
    }
}

/// The memory slot of a session: what it holds is counted there by the allocator.
pub struct MemorySlot {
    index: u32,
    generation: u32,
}

impl MemorySlot {
    /// A free slot with this budget, or none when all are taken (the session is then not
    /// counted, only bounded by the process ceiling's checks).
    pub fn acquire(budget: u64) -> Option<MemorySlot> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        for _ in 0..alloc::SLOTS {
            let i = NEXT.fetch_add(1, Ordering::Relaxed) % alloc::SLOTS;
            if i == 0 {
                continue;
            }
            let s = &alloc::SLOT_TABLE[i];
            if s.in_use.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                let generation = s.generation.fetch_add(1, Ordering::SeqCst).wrapping_add(1);
                s.live.store(0, Ordering::SeqCst);
                s.over.store(false, Ordering::SeqCst);
                s.budget.store(budget.min(i64::MAX as u64) as i64, Ordering::SeqCst);
                return Some(MemorySlot { index: i as u32, generation });
            }
        }
        None
    }

    /// Bytes this session holds now.
    pub fn live(&self) -> u64 {
        alloc::SLOT_TABLE[self.index as usize].live.load(Ordering::Relaxed).max(0) as u64
    }

    pub fn budget(&self) -> u64 {
        alloc::SLOT_TABLE[self.index as usize].budget.load(Ordering::Relaxed) as u64
    }

    /// Clear the "over budget" mark before a new execute (what it holds may have shrunk).
    pub fn rearm(&self) {
        let s = &alloc::SLOT_TABLE[self.index as usize];
        let over = s.live.load(Ordering::Relaxed) > s.budget.load(Ordering::Relaxed);
        s.over.store(over, Ordering::Relaxed);
    }
}

impl Drop for MemorySlot {
    fn drop(&mut self) {
        let s = &alloc::SLOT_TABLE[self.index as usize];
        // Bytes still charged here stop counting: a new generation ignores them.
        let live = s.live.swap(0, Ordering::SeqCst);
        alloc::TRACKED.fetch_sub(live, Ordering::Relaxed);
        s.generation.fetch_add(1, Ordering::SeqCst);
        s.in_use.store(false, Ordering::SeqCst);
    }
}

/// The process-wide ceiling on what all sessions together hold (`None`: no ceiling).
pub fn set_process_ceiling(bytes: Option<u64>) {
    alloc::CEILING.store(bytes.map(|b| b.min(i64::MAX as u64) as i64).unwrap_or(i64::MAX), Ordering::SeqCst);
    alloc::PROCESS_OVER.store(false, Ordering::SeqCst);
}

/// What the current thread works for.
#[derive(Clone)]
pub struct Context {
    pub cancel: Arc<Cancel>,
    slot: (u32, u32),
}

thread_local! {
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
}

impl Context {
    pub fn new(cancel: Arc<Cancel>, slot: Option<&MemorySlot>) -> Context {
        Context { cancel, slot: slot.map(|s| (s.index, s.generation)).unwrap_or((0, 0)) }
    }

    /// The context of the calling thread, if it works for an execute.
    pub fn current() -> Option<Context> {
        CONTEXT.try_with(|c| c.borrow().clone()).ok().flatten()
    }

    /// Make this the calling thread's context until the guard drops.
    pub fn enter(self) -> EnterGuard {
        alloc::set_current(self.slot.0, self.slot.1);
        let prev = CONTEXT.with(|c| c.borrow_mut().replace(self));
        EnterGuard { prev }
    }
}

pub struct EnterGuard {
    prev: Option<Context>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        match &prev {
            Some(p) => alloc::set_current(p.slot.0, p.slot.1),
            None => alloc::set_current(0, 0),
        }
        let _ = CONTEXT.try_with(|c| *c.borrow_mut() = prev);
    }
}

/// Why the current execute must stop now, if it must: it was cancelled, or its session
/// (or the whole process) holds more memory than allowed. Cheap: call it in long loops.
pub fn checkpoint() -> Result<(), Stop> {
    let (slot, _) = alloc::current();
    if slot != 0 && alloc::SLOT_TABLE[slot as usize].over.load(Ordering::Relaxed) {
        return Err(Stop::Memory);
    }
    if slot != 0 && alloc::PROCESS_OVER.load(Ordering::Relaxed) {
        return Err(Stop::Memory);
    }
    CONTEXT
        .try_with(|c| match &*c.borrow() {
            Some(ctx) => match ctx.cancel.reason() {
                Some(r) => Err(r),
                None => Ok(()),
            },
            None => Ok(()),
        })
        .unwrap_or(Ok(()))
}

/// True once the current execute must stop (see [`checkpoint`]).
pub fn stopped() -> bool {
    checkpoint().is_err()
}

/// Whether `bytes` more may be allocated for the current execute; call it before an
/// allocation whose size comes from input.
pub fn reserve(bytes: usize) -> Result<(), Stop> {
    checkpoint()?;
    let (slot, _) = alloc::current();
    let bytes = bytes.min(i64::MAX as usize) as i64;
    if slot != 0 {
        let s = &alloc::SLOT_TABLE[slot as usize];
        if s.live.load(Ordering::Relaxed).saturating_add(bytes) > s.budget.load(Ordering::Relaxed) {
            return Err(Stop::Memory);
        }
        if alloc::TRACKED.load(Ordering::Relaxed).saturating_add(bytes) > alloc::CEILING.load(Ordering::Relaxed) {
            return Err(Stop::Memory);
        }
    } else if bytes > DEFAULT_MAX_MEMORY as i64 {
        // Outside an execute (unit tests, provision) nothing is counted; still refuse sizes
        // no budget would allow.
        return Err(Stop::Memory);
    }
    Ok(())
}

/// [`reserve`] for code that cannot report the failure itself (the shell's word expansion):
/// a refusal also marks the session over its budget, as the allocation would have, so the
/// execute stops at its next checkpoint with `Cannot allocate memory`. A command with its
/// own message for this (`sed: memory exhausted`) uses [`reserve`] and carries on as GNU's does.
pub fn reserve_or_stop(bytes: usize) -> Result<(), Stop> {
    let r = reserve(bytes);
    if r == Err(Stop::Memory) {
        let (slot, _) = alloc::current();
        if slot != 0 {
            alloc::SLOT_TABLE[slot as usize].over.store(true, Ordering::Relaxed);
        }
    }
    r
}

/// A checkpoint every `every` calls, for hot loops.
pub struct Ticker {
    n: u32,
    every: u32,
}

impl Default for Ticker {
    fn default() -> Self {
        Ticker::new()
    }
}

impl Ticker {
    pub fn new() -> Ticker {
        Ticker { n: 0, every: 1024 }
    }

    pub fn every(every: u32) -> Ticker {
        Ticker { n: 0, every: every.max(1) }
    }

    #[inline]
    pub fn tick(&mut self) -> Result<(), Stop> {
        self.n += 1;
        if self.n >= self.every {
            self.n = 0;
            return checkpoint();
        }
        Ok(())
    }
}

/// A nesting counter for a recursive parser or evaluator: `enter` fails past `max`.
#[derive(Clone, Copy, Debug)]
pub struct Depth {
    pub current: usize,
    pub max: usize,
}

impl Depth {
    pub fn new(max: usize) -> Depth {
        Depth { current: 0, max }
    }

    pub fn enter(&mut self) -> Result<(), TooDeep> {
        if self.current >= self.max {
            return Err(TooDeep);
        }
        self.current += 1;
        Ok(())
    }

    pub fn leave(&mut self) {
        self.current = self.current.saturating_sub(1);
    }
}

/// A nesting limit was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooDeep;

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("maximum nesting level exceeded")
    }
}

thread_local! {
    static NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// An address near the bottom of this thread's stack, when it is an execute's thread.
    static STACK_BASE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Stack kept free below the deepest check: what one step between two checks may use
/// (debug builds use several times more stack per frame than release builds).
pub const STACK_MARGIN: usize = 64 << 20;

/// Remember where this thread's stack starts (called first thing on execute threads).
pub(crate) fn mark_stack_base() {
    let here = 0u8;
    let _ = STACK_BASE.try_with(|b| b.set(&here as *const u8 as usize));
}

/// Whether recursion on this thread must stop before it overflows the stack: on an execute
/// thread, when less than `STACK_MARGIN` is left. Elsewhere (unit tests, the caller's
/// runtime) the depth counters alone bound recursion.
#[inline(never)]
pub fn stack_exhausted() -> bool {
    let here = 0u8;
    let sp = &here as *const u8 as usize;
    let base = STACK_BASE.try_with(|b| b.get()).unwrap_or(0);
    base != 0 && base.saturating_sub(sp) > STACK_BYTES - STACK_MARGIN
}

/// One level of nesting in a parser or evaluator of expressions: fails past `MAX_NESTING`
/// levels on this thread (all such parsers together) or when the stack runs low. Keep the
/// guard for the level's lifetime.
pub fn nest() -> Result<NestGuard, TooDeep> {
    nest_at_most(MAX_NESTING)
}

/// [`nest`] with another limit (an interpreter's own call depth).
pub fn nest_at_most(max: usize) -> Result<NestGuard, TooDeep> {
    let depth = NESTING.try_with(|n| n.get()).unwrap_or(0);
    if depth >= max || stack_exhausted() {
        return Err(TooDeep);
    }
    let _ = NESTING.try_with(|n| n.set(depth + 1));
    Ok(NestGuard(()))
}

/// Leaves one level of [`nest`] when dropped.
pub struct NestGuard(());

impl Drop for NestGuard {
    fn drop(&mut self) {
        let _ = NESTING.try_with(|n| n.set(n.get().saturating_sub(1)));
    }
}

/// Whether this thread is an execute's thread (with the large stack).
pub fn on_execute_thread() -> bool {
    isolate::ON_EXECUTE_THREAD.try_with(|f| f.get()).unwrap_or(false)
}

/// `512 MiB`, `1.5 GiB`, `100000 bytes`: a budget as messages show it.
pub fn format_bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size {
            let v = n as f64 / size as f64;
            return if n % size == 0 { format!("{} {unit}", n / size) } else { format!("{v:.1} {unit}") };
        }
    }
    format!("{n} bytes")
}

