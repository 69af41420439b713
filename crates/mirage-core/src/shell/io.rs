//! Byte streams between commands: bounded channels of chunks, so a pipeline streams with
//! back-pressure and a reader that stops (like `head`) makes its writer stop too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::vfs::{ByteStream, FsError};

/// Chunks in flight between two pipeline stages.
pub const PIPE_CAPACITY: usize = 8;

/// The reader went away: the writer should stop (SIGPIPE in a real shell).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenPipe;

/// Collected output with a byte cap; past it, writes fail so the producer stops.
pub struct Capture {
    buf: Mutex<Vec<u8>>,
    limit: usize,
    truncated: AtomicBool,
}

impl Capture {
    pub fn new(limit: usize) -> Arc<Capture> {
        Arc::new(Capture { buf: Mutex::new(Vec::new()), limit, truncated: AtomicBool::new(false) })
    }

    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buf.lock().unwrap())
    }

    pub fn len(&self) -> usize {
        self.buf.lock().unwrap().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn truncated(&self) -> bool {
        self.truncated.load(Ordering::Relaxed)
    }

    fn push(&self, data: &[u8]) -> Result<(), BrokenPipe> {
        let mut buf = self.buf.lock().unwrap();
        let room = self.limit.saturating_sub(buf.len());
        if data.len() <= room {
            buf.extend_from_slice(data);
            Ok(())
        } else {
            buf.extend_from_slice(&data[..room]);
            self.truncated.store(true, Ordering::Relaxed);
            Err(BrokenPipe)
        }
    }
}

#[derive(Clone)]
pub enum Output {
    Pipe(mpsc::Sender<Bytes>),
    Capture(Arc<Capture>),
    Null,
    /// Output under a command safeguard (a byte or line cap).
    Limited(Arc<Limiter>),
}

/// Caps a command's output at some bytes or lines. Truncating passes output through until
/// the cap; erroring holds it back until the command ends, so nothing leaks if it exceeds.
pub struct Limiter {
    inner: Output,
    max_bytes: Option<u64>,
    max_lines: Option<u64>,
    state: Mutex<LimitState>,
}

#[derive(Default)]
struct LimitState {
    bytes: u64,
    lines: u64,
    exceeded: bool,
    held: Option<Vec<u8>>,
}

impl Limiter {
    pub fn new(inner: Output, max_bytes: Option<u64>, max_lines: Option<u64>, hold: bool) -> Arc<Limiter> {
        Arc::new(Limiter { inner, max_bytes, max_lines, state: Mutex::new(LimitState { held: hold.then(Vec::new), ..Default::default() }) })
    }

    pub fn exceeded(&self) -> bool {
        self.state.lock().unwrap().exceeded
    }

    /// Send what was held back (erroring mode, cap not reached).
    pub async fn release(&self) -> Result<(), BrokenPipe> {
        let held = self.state.lock().unwrap().held.take();
        match held {
            Some(h) => self.inner.write(h).await,
            None => Ok(()),
        }
    }

    /// How much of `data` fits under the caps; records it.
    fn admit(&self, data: &[u8]) -> (usize, bool) {
        let mut st = self.state.lock().unwrap();
        if st.exceeded {
            return (0, true);
        }
        let mut n = data.len();
        if let Some(max) = self.max_bytes {
            let room = max.saturating_sub(st.bytes) as usize;
            if n > room {
                n = room;
                st.exceeded = true;
            }
        }
        if let Some(max) = self.max_lines {
            if st.lines >= max && n > 0 {
                n = 0;
                st.exceeded = true;
            } else {
                let mut lines = st.lines;
                for (i, b) in data[..n].iter().enumerate() {
                    if *b == b'\n' {
                        lines += 1;
                        if lines == max {
                            if i + 1 < n {
                                n = i + 1;
                                st.exceeded = true;
                            }
                            break;
                        }
                    }
                }
            }
        }
        st.bytes += n as u64;
        st.lines += data[..n].iter().filter(|b| **b == b'\n').count() as u64;
        let exceeded = st.exceeded;
        if st.held.is_some() {
            if exceeded {
                st.held = None;
                return (0, true);
            }
            if let Some(h) = st.held.as_mut() {
                h.extend_from_slice(&data[..n]);
            }
            return (0, false);
        }
        (n, exceeded)
    }
}

impl Output {
    pub async fn write(&self, data: impl Into<Bytes>) -> Result<(), BrokenPipe> {
        let data = data.into();
        if data.is_empty() {
            return Ok(());
        }
        match self {
            Output::Pipe(tx) => tx.send(data).await.map_err(|_| BrokenPipe),
            Output::Capture(c) => c.push(&data),
            Output::Null => Ok(()),
            Output::Limited(l) => {
                let (n, exceeded) = l.admit(&data);
                if n > 0 {
                    Box::pin(l.inner.write(data.slice(..n))).await?;
                }
                if exceeded {
                    Err(BrokenPipe)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Whether nobody will read what is written any more (the pipe's reader is gone, or
    /// the capture is full): the command should stop as if killed by SIGPIPE.
    pub fn is_closed(&self) -> bool {
        match self {
            Output::Pipe(tx) => tx.is_closed(),
            Output::Capture(c) => c.truncated(),
            Output::Null => false,
            Output::Limited(l) => l.exceeded() || l.inner.is_closed(),
        }
    }

    pub async fn write_str(&self, s: &str) -> Result<(), BrokenPipe> {
        self.write(Bytes::copy_from_slice(s.as_bytes())).await
    }
}

/// Where a command's standard input comes from.
pub enum Input {
    Empty,
    Bytes(Bytes),
    Pipe(mpsc::Receiver<Bytes>),
    Stream(ByteStream),
    /// Bytes put back by a reader that took more than it used (`read`), then the rest.
    Chained(Bytes, Box<Input>),
}

impl Input {
    pub fn chunk(&mut self) -> futures::future::BoxFuture<'_, Result<Option<Bytes>, FsError>> {
        Box::pin(async move {
            match self {
                Input::Empty => Ok(None),
                Input::Bytes(b) => {
                    if b.is_empty() {
                        Ok(None)
                    } else {
                        Ok(Some(std::mem::take(b)))
                    }
                }
                Input::Pipe(rx) => Ok(rx.recv().await),
                Input::Stream(s) => {
                    let next = s.next().await.transpose();
                    // A finished stream must not be polled again: later readers see EOF.
                    if matches!(next, Ok(None)) {
                        *self = Input::Empty;
                    }
                    next
                }
                Input::Chained(first, rest) => {
                    if first.is_empty() {
                        rest.chunk().await
                    } else {
                        Ok(Some(std::mem::take(first)))
                    }
                }
            }
        })
    }

    /// Put bytes back in front of what is left to read.
    pub fn unread(&mut self, data: Bytes) {
        if data.is_empty() {
            return;
        }
        let rest = std::mem::replace(self, Input::Empty);
        *self = Input::Chained(data, Box::new(rest));
    }
}

/// Standard input shared by the commands of a group, which read it in turn.
pub type SharedInput = Arc<tokio::sync::Mutex<Input>>;

pub fn shared(input: Input) -> SharedInput {
    Arc::new(tokio::sync::Mutex::new(input))
}

/// A pipe between two stages.
pub fn pipe() -> (Output, Input) {
    let (tx, rx) = mpsc::channel(PIPE_CAPACITY);
    (Output::Pipe(tx), Input::Pipe(rx))
}

/// Something to read chunks from: the shared stdin or an opened file.
pub enum Reader<'a> {
    Stdin(tokio::sync::MutexGuard<'a, Input>),
    Stream(ByteStream),
}

impl Reader<'_> {
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, FsError> {
        match self {
            Reader::Stdin(g) => g.chunk().await,
            Reader::Stream(s) => {
                let next = s.next().await.transpose();
                if matches!(next, Ok(None)) {
                    *s = Box::pin(futures::stream::empty());
                }
                next
            }
        }
    }

    pub async fn read_to_end(&mut self) -> Result<Vec<u8>, FsError> {
        let mut out = Vec::new();
        while let Some(c) = self.chunk().await? {
            out.extend_from_slice(&c);
        }
        Ok(out)
    }
}

/// Splits a chunked reader into lines, each with its `\n` (the last may lack one).
pub struct LineReader<'a> {
    reader: Reader<'a>,
    buf: Vec<u8>,
    start: usize,
    eof: bool,
}

impl<'a> LineReader<'a> {
    pub fn new(reader: Reader<'a>) -> Self {
        LineReader { reader, buf: Vec::new(), start: 0, eof: false }
    }

    pub async fn next_line(&mut self) -> Result<Option<Vec<u8>>, FsError> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.start..]) {
                let end = self.start + i + 1;
                let line = self.buf[self.start..end].to_vec();
                self.start = end;
                return Ok(Some(line));
            }
            if self.eof {
                if self.start < self.buf.len() {
                    let line = self.buf[self.start..].to_vec();
                    self.start = self.buf.len();
                    return Ok(Some(line));
                }
                return Ok(None);
            }
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            match self.reader.chunk().await? {
                Some(c) => self.buf.extend_from_slice(&c),
                None => self.eof = true,
            }
        }
    }

    /// Whatever has not been read as lines yet, for readers that stop early.
    pub fn into_reader(self) -> Reader<'a> {
        self.reader
    }
}
