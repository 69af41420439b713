//! Files read ahead of their turn, for commands that use several in order (`cat a b c`,
//! `grep PAT a b c`, `grep -r`). Each file is fetched by its own task that pumps chunks into
//! a small bounded channel, so its download goes on while an earlier file is being used:
//! on a remote mount the bodies arrive in parallel, not one after another. Memory stays
//! bounded (`window` files of at most `AHEAD_CHUNKS` chunks each) and the caller keeps its
//! order. Dropping a `Prefetch` (the command done, or its output closed) stops every task.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc;

use crate::vfs::{ByteStream, FsError, Vfs};

/// Chunks buffered per file ahead of its turn (each up to about `COALESCE` bytes): 1 MiB.
const AHEAD_CHUNKS: usize = 16;
/// Small chunks that are already there are joined up to this size before they are passed on,
/// so fewer and bigger pieces cross the pipes.
pub const COALESCE: usize = 64 * 1024;

pub struct Prefetch {
    vfs: Arc<Vfs>,
    /// Absolute paths, in the order they will be opened; `None` needs no read (stdin, or a
    /// file known to be empty).
    paths: Vec<Option<String>>,
    slots: Vec<Option<mpsc::Receiver<Result<Bytes, FsError>>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    started: usize,
    /// Files fetched beyond the one being opened (0: each is read only when opened).
    window: usize,
}

impl Prefetch {
    pub fn new(vfs: Arc<Vfs>, paths: Vec<Option<String>>, window: usize) -> Prefetch {
        let slots = paths.iter().map(|_| None).collect();
        Prefetch { vfs, paths, slots, tasks: Vec::new(), started: 0, window }
    }

    /// File `i`, read whole without a `stat` first (a directory fails the read). Files are
    /// meant to be opened in order; the next `window` ones start downloading now.
    pub async fn open(&mut self, i: usize) -> Result<ByteStream, FsError> {
        let Some(abs) = self.paths[i].clone() else {
            return Ok(Box::pin(futures::stream::empty()));
        };
        if self.window == 0 {
            return Ok(coalesce(self.vfs.read(&abs, None).await?.body, COALESCE));
        }
        let end = (i + 1 + self.window).min(self.paths.len());
        while self.started < end {
            let j = self.started;
            self.started += 1;
            let Some(path) = self.paths[j].clone() else { continue };
            let (tx, rx) = mpsc::channel(AHEAD_CHUNKS);
            let vfs = self.vfs.clone();
            let pump = async move {
                match vfs.read(&path, None).await {
                    Err(e) => {
                        let _ = tx.send(Err(e)).await;
                    }
                    Ok(h) => {
                        let mut body = coalesce(h.body, COALESCE);
                        while let Some(c) = body.next().await {
                            let failed = c.is_err();
                            if tx.send(c).await.is_err() || failed {
                                break;
                            }
                        }
                    }
                }
            };
            self.tasks.push(crate::stats::spawn(pump));
            self.slots[j] = Some(rx);
        }
        let Some(mut rx) = self.slots[i].take() else { return Err(FsError::not_found()) };
        // An open failure arrives as the first item: report it as one.
        let first = match rx.recv().await {
            Some(Err(e)) => return Err(e),
            Some(Ok(c)) => Some(c),
            None => None,
        };
        let rest = futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|x| (x, rx)) });
        Ok(Box::pin(futures::stream::iter(first.map(Ok)).chain(rest)))
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A stream that hands out the chunks of `body` joined up to `target` bytes, without waiting
/// for more than what is already available.
pub fn coalesce(body: ByteStream, target: usize) -> ByteStream {
    struct St {
        body: ByteStream,
        error: Option<FsError>,
        ended: bool,
    }
    let st = St { body, error: None, ended: false };
    Box::pin(futures::stream::unfold(st, move |mut st| async move {
        if let Some(e) = st.error.take() {
            st.ended = true;
            return Some((Err(e), st));
        }
        if st.ended {
            return None;
        }
        let first = match st.body.next().await {
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                st.ended = true;
                return Some((Err(e), st));
            }
            None => return None,
        };
        // Joined only when more is already there: a lone chunk passes as it is, uncopied.
        let mut joined: Option<BytesMut> = None;
        while joined.as_ref().map_or(first.len(), BytesMut::len) < target {
            match st.body.next().now_or_never() {
                Some(Some(Ok(c))) => joined
                    .get_or_insert_with(|| {
                        let mut b = BytesMut::with_capacity(target.max(first.len() + c.len()));
                        b.extend_from_slice(&first);
                        b
                    })
                    .extend_from_slice(&c),
                Some(Some(Err(e))) => {
                    st.error = Some(e);
                    break;
                }
                Some(None) => {
                    st.ended = true;
                    break;
                }
                None => break,
            }
        }
        Some((Ok(joined.map_or(first, BytesMut::freeze)), st))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::ErrorKind;

    fn chunks(items: Vec<Result<&'static [u8], FsError>>) -> ByteStream {
        Box::pin(futures::stream::iter(items.into_iter().map(|r| r.map(Bytes::from_static))))
    }

    #[tokio::test]
    async fn ready_chunks_are_joined_up_to_the_target_and_an_error_comes_after_the_data() {
        let body = chunks(vec![Ok(b"ab"), Ok(b"cd"), Ok(b"ef"), Err(FsError::new(ErrorKind::Io))]);
        let out: Vec<_> = coalesce(body, 4).collect().await;
        assert_eq!(out[0].as_ref().unwrap().as_ref(), b"abcd");
        assert_eq!(out[1].as_ref().unwrap().as_ref(), b"ef");
        assert_eq!(out[2].as_ref().unwrap_err().kind, ErrorKind::Io);
        assert_eq!(out.len(), 3);
    }

    #[tokio::test]
    async fn a_lone_chunk_passes_uncopied() {
        let data = Bytes::from_static(b"only");
        let body: ByteStream = Box::pin(futures::stream::iter([Ok(data.clone())]));
        let out: Vec<_> = coalesce(body, 64).collect().await;
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref().unwrap().as_ptr(), data.as_ptr());
    }
}
