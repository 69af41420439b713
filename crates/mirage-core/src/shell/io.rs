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
        }
    }

    /// Whether nobody will read what is written any more (the pipe's reader is gone, or
    /// the capture is full): the command should stop as if killed by SIGPIPE.
    pub fn is_closed(&self) -> bool {
        match self {
            Output::Pipe(tx) => tx.is_closed(),
            Output::Capture(c) => c.truncated(),
            Output::Null => false,
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
                Input::Stream(s) => s.next().await.transpose(),
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
            Reader::Stream(s) => s.next().await.transpose(),
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
