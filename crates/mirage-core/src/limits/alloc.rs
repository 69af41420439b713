//! The process allocator, counting the bytes each session holds.
//!
//! Every allocation carries a 16-byte header naming the memory slot (a session) that made it
//! and that slot's generation, so a buffer freed on another thread, or after its execute ended,
//! is still charged to the right owner and never to a later user of the same slot. A slot
//! past its budget is flagged here; the flag stops the execute at its next checkpoint (an
//! allocator may neither fail gracefully nor unwind, so sizes that come from input are also
//! checked with `limits::reserve` before they are allocated).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, Ordering};

/// Memory slots; slot 0 is "not tracked" (the I/O runtime, the JS glue).
pub const SLOTS: usize = 1024;

const HEADER: usize = 16;

pub(crate) struct Slot {
    pub live: AtomicI64,
    pub budget: AtomicI64,
    pub over: AtomicBool,
    pub generation: AtomicU32,
    pub in_use: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    live: AtomicI64::new(0),
    budget: AtomicI64::new(i64::MAX),
    over: AtomicBool::new(false),
    generation: AtomicU32::new(0),
    in_use: AtomicBool::new(false),
};

pub(crate) static SLOT_TABLE: [Slot; SLOTS] = [EMPTY; SLOTS];
/// Bytes held by all tracked slots together.
pub(crate) static TRACKED: AtomicI64 = AtomicI64::new(0);
/// The per-process ceiling on `TRACKED`.
pub(crate) static CEILING: AtomicI64 = AtomicI64::new(i64::MAX);
/// Set when `TRACKED` passed the ceiling; every tracked execute stops at its next checkpoint.
pub(crate) static PROCESS_OVER: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// (slot, generation) of the execute this thread works for.
    static CURRENT: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
}

pub(crate) fn set_current(slot: u32, generation: u32) {
    let _ = CURRENT.try_with(|c| c.set((slot, generation)));
}

pub(crate) fn current() -> (u32, u32) {
    CURRENT.try_with(|c| c.get()).unwrap_or((0, 0))
}

/// The allocator that counts. Installed as the global allocator by `mirage-core`.
pub struct CountingAlloc;

#[inline]
fn charge(slot: u32, generation: u32, delta: i64) {
    if slot == 0 {
        return;
    }
    let s = &SLOT_TABLE[slot as usize];
    if s.generation.load(Ordering::Relaxed) != generation {
        return;
    }
    let live = s.live.fetch_add(delta, Ordering::Relaxed) + delta;
    let total = TRACKED.fetch_add(delta, Ordering::Relaxed) + delta;
    if delta > 0 {
        if live > s.budget.load(Ordering::Relaxed) {
            s.over.store(true, Ordering::Relaxed);
        }
        if total > CEILING.load(Ordering::Relaxed) {
            PROCESS_OVER.store(true, Ordering::Relaxed);
        }
    }
}

#[inline]
fn outer(layout: Layout) -> Option<(Layout, usize)> {
    let offset = layout.align().max(HEADER);
    let size = layout.size().checked_add(offset)?;
    Layout::from_size_align(size, layout.align().max(HEADER)).ok().map(|l| (l, offset))
}

/// Write the current owner into the header of a fresh block at `base` and charge it; the
/// pointer handed out.
#[inline]
unsafe fn tag(base: *mut u8, offset: usize, size: usize) -> *mut u8 {
    let (slot, generation) = current();
    let p = base.add(offset);
    (p.sub(HEADER) as *mut u32).write(slot);
    (p.sub(HEADER - 4) as *mut u32).write(generation);
    charge(slot, generation, size as i64);
    p
}

/// The (slot, generation) a block was charged to.
#[inline]
unsafe fn owner(ptr: *mut u8) -> (u32, u32) {
    ((ptr.sub(HEADER) as *const u32).read(), (ptr.sub(HEADER - 4) as *const u32).read())
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some((o, offset)) = outer(layout) else { return std::ptr::null_mut() };
        let base = System.alloc(o);
        if base.is_null() {
            return base;
        }
        tag(base, offset, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let Some((o, offset)) = outer(layout) else { return std::ptr::null_mut() };
        let base = System.alloc_zeroed(o);
        if base.is_null() {
            return base;
        }
        tag(base, offset, layout.size())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let (o, offset) = outer(layout).expect("a layout that was allocated");
        let (slot, generation) = owner(ptr);
        charge(slot, generation, -(layout.size() as i64));
        System.dealloc(ptr.sub(offset), o);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let (o, offset) = outer(layout).expect("a layout that was allocated");
        let Some(new_total) = new_size.checked_add(offset) else { return std::ptr::null_mut() };
        let (slot, generation) = owner(ptr);
        let base = System.realloc(ptr.sub(offset), o, new_total);
        if base.is_null() {
            return base;
        }
        charge(slot, generation, new_size as i64 - layout.size() as i64);
        base.add(offset)
    }
}
