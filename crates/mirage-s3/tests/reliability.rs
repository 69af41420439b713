//! Reliability of the client against a scripted HTTP/1.1 server on 127.0.0.1: streamed
//! GETs cut mid-body resume with a ranged GET from the next byte (checked with `If-Match`
//! and the response ETag, at most `MAX_READ_RESUMES` times), a stalled body resumes after
//! the body idle timeout, and the per-client semaphore bounds requests in flight.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use mirage_s3::{Range, S3Client, S3Config, S3Error, MAX_READ_RESUMES};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

mod common;
use common::{read_request, response_head, Seen};

enum Reply {
    /// status, headers, body (Content-Length = body length).
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// status, headers, promised Content-Length, bytes actually sent before the close.
    Cut(u16, Vec<(String, String)>, usize, Vec<u8>),
    /// Like `Cut`, but the connection stays open and silent for the given time.
    Stall(u16, Vec<(String, String)>, usize, Vec<u8>, Duration),
}

struct Fake {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    peak: Arc<AtomicUsize>,
}

/// A server answering from `script` in order (then 200 with an empty body), each reply
/// after `delay`, counting the peak number of requests being answered at once.
async fn fake(script: Vec<Reply>, delay: Duration) -> Fake {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let peak = Arc::new(AtomicUsize::new(0));
    let now = Arc::new(AtomicUsize::new(0));
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let (seen2, peak2) = (seen.clone(), peak.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = l.accept().await else {
                return;
            };
            let (seen, script, peak, now) =
                (seen2.clone(), script.clone(), peak2.clone(), now.clone());
            tokio::spawn(async move {
                let Some(req) = read_request(&mut sock).await else { return };
                let in_flight = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(in_flight, Ordering::SeqCst);
                seen.lock().unwrap().push(req);
                tokio::time::sleep(delay).await;
                let r = script
                    .lock()
                    .unwrap()
                    .pop_front()
                    .unwrap_or(Reply::Full(200, vec![], vec![]));
                now.fetch_sub(1, Ordering::SeqCst);
                match r {
                    Reply::Full(status, hs, body) => {
                        let _ = sock
                            .write_all(response_head(status, &hs, body.len()).as_bytes())
                            .await;
                        let _ = sock.write_all(&body).await;
                        let _ = sock.shutdown().await;
                    }
                    Reply::Cut(status, hs, len, part) => {
                        let _ = sock.write_all(response_head(status, &hs, len).as_bytes()).await;
                        let _ = sock.write_all(&part).await;
                        let _ = sock.flush().await;
                        // Dropping the socket closes it with bytes still owed.
                    }
                    Reply::Stall(status, hs, len, part, pause) => {
                        let _ = sock.write_all(response_head(status, &hs, len).as_bytes()).await;
                        let _ = sock.write_all(&part).await;
                        let _ = sock.flush().await;
                        tokio::time::sleep(pause).await;
                    }
                }
            });
        }
    });
    Fake { port, seen, peak }
}

fn client_with(f: &Fake, tweak: impl FnOnce(&mut S3Config)) -> S3Client {
    let mut c = S3Config::new(
        format!("http://127.0.0.1:{}", f.port),
        "us-west-004",
        "bkt",
        "AKIDCANARY",
        "SECRETCANARY",
    );
    c.max_attempts = 3;
    c.timeout_ms = Some(3000);
    tweak(&mut c);
    S3Client::new(c).unwrap()
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Headers of a 206 for `a..=b` of `total` bytes with this ETag.
fn part(etag: &str, a: usize, b: usize, total: usize) -> Vec<(String, String)> {
    h(&[
        ("etag", &format!("\"{etag}\"")),
        ("content-range", &format!("bytes {a}-{b}/{total}")),
    ])
}

/// Collect a body: the bytes delivered, and the error that ended it (if any).
async fn drain(mut body: mirage_s3::BodyStream) -> (Vec<u8>, Option<S3Error>) {
    let mut out = Vec::new();
    while let Some(item) = body.next().await {
        match item {
            Ok(b) => out.extend_from_slice(&b),
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

const DATA: &[u8] = b"0123456789abcdefghij";

#[tokio::test]
async fn a_cut_body_resumes_from_the_next_byte() {
    let etag = h(&[("etag", "\"e1\"")]);
    let f = fake(
        vec![
            Reply::Cut(200, etag.clone(), 20, DATA[..5].to_vec()),
            Reply::Cut(206, part("e1", 5, 19, 20), 15, DATA[5..12].to_vec()),
            // The re-open itself meets a 503 once: retried like any request.
            Reply::Full(
                503,
                vec![],
                b"<Error><Code>SlowDown</Code></Error>".to_vec(),
            ),
            Reply::Full(206, part("e1", 12, 19, 20), DATA[12..].to_vec()),
        ],
        Duration::ZERO,
    )
    .await;
    let c = client_with(&f, |_| {});
    let out = c.get_object("dir/k", None).await.unwrap();
    assert_eq!((out.content_length, out.meta.size), (20, 20));
    let (bytes, err) = drain(out.body).await;
    assert_eq!(err, None);
    assert_eq!(bytes, DATA);
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].header("range"), None);
    assert_eq!(seen[0].header("if-match"), None);
    for (s, range) in seen[1..]
        .iter()
        .zip(["bytes=5-19", "bytes=12-19", "bytes=12-19"])
    {
        assert_eq!(s.method, "GET");
        assert_eq!(s.header("range"), Some(range));
        assert_eq!(s.header("if-match"), Some("\"e1\""));
        // If-Match is signed like every other header.
        assert!(s.header("authorization").unwrap().contains("if-match"));
    }
}

#[tokio::test]
async fn a_ranged_read_resumes_inside_its_range() {
    let f = fake(
        vec![
            Reply::Cut(206, part("e1", 2, 8, 20), 7, DATA[2..5].to_vec()),
            Reply::Full(206, part("e1", 5, 8, 20), DATA[5..9].to_vec()),
        ],
        Duration::ZERO,
    )
    .await;
    let c = client_with(&f, |_| {});
    let out = c
        .get_object(
            "k",
            Some(Range::Span {
                start: 2,
                end_inclusive: 8,
            }),
        )
        .await
        .unwrap();
    let (bytes, err) = drain(out.body).await;
    assert_eq!((bytes.as_slice(), err), (&DATA[2..9], None));
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(seen[1].header("range"), Some("bytes=5-8"));

    // A server that ignores Range on the re-open: the client cuts the slice out itself.
    let f = fake(
        vec![
            Reply::Cut(200, h(&[("etag", "\"e1\"")]), 20, DATA[..9].to_vec()),
            Reply::Full(200, h(&[("etag", "\"e1\"")]), DATA.to_vec()),
        ],
        Duration::ZERO,
    )
    .await;
    let out = client_with(&f, |_| {}).get_object("k", None).await.unwrap();
    let (bytes, err) = drain(out.body).await;
    assert_eq!((bytes.as_slice(), err), (DATA, None));
}

#[tokio::test]
async fn a_changed_object_is_an_error_never_a_splice() {
    // The server honours If-Match: 412.
    let f = fake(
        vec![
            Reply::Cut(200, h(&[("etag", "\"v1\"")]), 20, DATA[..6].to_vec()),
            Reply::Full(
                412,
                vec![],
                b"<Error><Code>PreconditionFailed</Code></Error>".to_vec(),
            ),
        ],
        Duration::ZERO,
    )
    .await;
    let out = client_with(&f, |_| {}).get_object("k", None).await.unwrap();
    let (bytes, err) = drain(out.body).await;
    assert_eq!(bytes, &DATA[..6]);
    assert_eq!(err, Some(S3Error::ObjectChanged));
    assert_eq!(f.seen.lock().unwrap().len(), 2, "a 412 is not retried");

    // The server ignores If-Match (s3s-fs does) and serves the new version: the ETag
    // of the response gives it away, and none of its bytes are delivered.
    let f = fake(
        vec![
            Reply::Cut(200, h(&[("etag", "\"v1\"")]), 20, DATA[..6].to_vec()),
            Reply::Full(206, part("v2", 6, 19, 20), b"XXXXXXXXXXXXXX".to_vec()),
        ],
        Duration::ZERO,
    )
    .await;
    let out = client_with(&f, |_| {}).get_object("k", None).await.unwrap();
    let (bytes, err) = drain(out.body).await;
    assert_eq!(bytes, &DATA[..6]);
    assert_eq!(err, Some(S3Error::ObjectChanged));
    assert_eq!(
        err.unwrap().to_string(),
        "object changed during read",
        "the text the shell shows after 'Input/output error'"
    );

    // No ETag on the first answer: nothing to check a re-open against, so no resume.
    let f = fake(
        vec![Reply::Cut(200, vec![], 20, DATA[..6].to_vec())],
        Duration::ZERO,
    )
    .await;
    let out = client_with(&f, |_| {}).get_object("k", None).await.unwrap();
    let (bytes, err) = drain(out.body).await;
    assert_eq!(bytes, &DATA[..6]);
    assert!(matches!(err, Some(S3Error::Transport(_))), "{err:?}");
    assert_eq!(f.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn resumes_are_bounded() {
    // A server that cuts every answer after one byte: 1 GET + MAX_READ_RESUMES re-opens.
    let mut script = vec![Reply::Cut(200, h(&[("etag", "\"e\"")]), 20, DATA[..1].to_vec())];
    for i in 1..=(MAX_READ_RESUMES as usize + 5) {
        script.push(Reply::Cut(
            206,
            part("e", i, 19, 20),
            20 - i,
            DATA[i..i + 1].to_vec(),
        ));
    }
    let f = fake(script, Duration::ZERO).await;
    let out = client_with(&f, |_| {}).get_object("k", None).await.unwrap();
    let (bytes, err) = drain(out.body).await;
    assert_eq!(bytes, &DATA[..MAX_READ_RESUMES as usize + 1]);
    assert!(matches!(err, Some(S3Error::Transport(_))), "{err:?}");
    assert_eq!(
        f.seen.lock().unwrap().len(),
        1 + MAX_READ_RESUMES as usize
    );
}

#[tokio::test]
async fn a_stalled_body_resumes_after_the_idle_timeout() {
    let f = fake(
        vec![
            Reply::Stall(
                200,
                h(&[("etag", "\"e\"")]),
                20,
                DATA[..8].to_vec(),
                Duration::from_secs(20),
            ),
            Reply::Full(206, part("e", 8, 19, 20), DATA[8..].to_vec()),
        ],
        Duration::ZERO,
    )
    .await;
    let c = client_with(&f, |c| c.body_idle_timeout_ms = Some(400));
    let t = Instant::now();
    let out = c.get_object("k", None).await.unwrap();
    let (bytes, err) = drain(out.body).await;
    assert_eq!((bytes.as_slice(), err), (DATA, None));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].header("range"), Some("bytes=8-19"));
}

#[tokio::test]
async fn the_semaphore_bounds_requests_in_flight() {
    // 4 slots, 40 concurrent HEADs each answered after 60 ms: never more than 4 at once.
    let f = fake(Vec::new(), Duration::from_millis(60)).await;
    let c = client_with(&f, |c| c.max_concurrency = 4);
    let t = Instant::now();
    let all = futures::future::join_all((0..40).map(|i| {
        let c = c.clone();
        async move { c.head_object(&format!("k{i}")).await }
    }))
    .await;
    assert!(all.iter().all(|r| r.is_ok()));
    assert_eq!(f.seen.lock().unwrap().len(), 40);
    let peak = f.peak.load(Ordering::SeqCst);
    assert!((1..=4).contains(&peak), "peak {peak}");
    // 40 requests 4 at a time take at least 10 rounds of 60 ms.
    assert!(t.elapsed() >= Duration::from_millis(550), "{:?}", t.elapsed());

    // The default (32): 100 concurrent requests reach 32 at once, never more.
    let f = fake(Vec::new(), Duration::from_millis(150)).await;
    let c = client_with(&f, |_| {});
    let all = futures::future::join_all((0..100).map(|i| {
        let c = c.clone();
        async move {
            c.put_object(&format!("k{i}"), Bytes::from_static(b"x"), None)
                .await
        }
    }))
    .await;
    assert!(all.iter().all(|r| r.is_ok()));
    let peak = f.peak.load(Ordering::SeqCst);
    assert!(peak <= mirage_s3::DEFAULT_MAX_CONCURRENCY, "peak {peak}");
    assert!(peak > 4, "requests did run in parallel (peak {peak})");
}
