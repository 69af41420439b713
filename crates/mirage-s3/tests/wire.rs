//! The client against a scripted HTTP/1.1 server on 127.0.0.1: retries, Retry-After,
//! clock skew, 200-with-<Error>, timeouts, truncated bodies, redirects, and the exact
//! headers that go on the wire (B2 refuses x-amz-checksum-* and chunked bodies).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures::StreamExt;
use mirage_s3::{S3Client, S3Config, S3Error};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

mod common;
use common::{read_request, response_head, Seen};

enum Reply {
    /// status, extra headers, body
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// Claim `len` bytes, send `body`, close.
    Truncated(usize, Vec<u8>),
    /// Never answer.
    Hang,
}

fn reply(status: u16, body: &str) -> Reply {
    Reply::Full(status, vec![], body.as_bytes().to_vec())
}

struct Fake {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

async fn fake(script: Vec<Reply>) -> Fake {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut sock, _) = l.accept().await.unwrap();
            let (seen, script) = (seen2.clone(), script.clone());
            tokio::spawn(async move {
                let Some(req) = read_request(&mut sock).await else { return };
                seen.lock().unwrap().push(req);
                let r =
                    script
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or(Reply::Full(200, vec![], vec![]));
                match r {
                    Reply::Full(status, hs, body) => {
                        let _ = sock.write_all(response_head(status, &hs, body.len()).as_bytes()).await;
                        let _ = sock.write_all(&body).await;
                    }
                    Reply::Truncated(len, body) => {
                        let _ = sock.write_all(response_head(200, &[], len).as_bytes()).await;
                        let _ = sock.write_all(&body).await;
                    }
                    Reply::Hang => {
                        tokio::time::sleep(Duration::from_secs(60)).await;
                    }
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    Fake { port, seen }
}

fn client(f: &Fake) -> S3Client {
    let mut c = S3Config::new(
        format!("http://127.0.0.1:{}", f.port),
        "us-west-004",
        "bkt",
        "AKIDCANARY",
        "SECRETCANARY",
    );
    c.max_attempts = 4;
    c.timeout_ms = Some(2000);
    S3Client::new(c).unwrap()
}

fn check_b2_safe(s: &Seen) {
    for (n, _) in &s.headers {
        assert!(
            !n.starts_with("x-amz-checksum") && n != "x-amz-sdk-checksum-algorithm",
            "{n} sent"
        );
        assert!(n != "transfer-encoding" && n != "expect", "{n} sent");
        if n == "content-encoding" {
            panic!("content-encoding sent");
        }
    }
    assert!(s
        .header("authorization")
        .unwrap()
        .starts_with("AWS4-HMAC-SHA256 Credential=AKIDCANARY/"));
    assert!(s.header("x-amz-date").is_some());
    let sha = s.header("x-amz-content-sha256").unwrap();
    assert!(
        sha == "UNSIGNED-PAYLOAD"
            || (sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    assert!(!s.headers.iter().any(|(_, v)| v.contains("SECRETCANARY")));
}

#[tokio::test]
async fn retries_503_and_honours_retry_after() {
    let f = fake(vec![
        Reply::Full(
            503,
            vec![("retry-after".into(), "1".into())],
            b"<Error><Code>SlowDown</Code></Error>".to_vec(),
        ),
        reply(
            500,
            "<Error><Code>InternalError</Code><Message>Please retry your upload.</Message></Error>",
        ),
        Reply::Full(200, vec![("etag".into(), "\"abc\"".into())], vec![]),
    ])
    .await;
    let c = client(&f);
    let t = Instant::now();
    let etag = c
        .put_object("dir/k ü", Bytes::from_static(b"data"), Some("text/plain"))
        .await
        .unwrap();
    assert_eq!(etag, "abc");
    assert!(t.elapsed() >= Duration::from_secs(1), "Retry-After ignored");
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert_eq!(s.method, "PUT");
        assert_eq!(s.target, "/bkt/dir/k%20%C3%BC");
        assert_eq!(s.header("content-md5"), Some("jXd/OF09/siBXSD3SWAm3A==")); // md5("data")
        assert_eq!(s.header("content-length"), Some("4"));
        assert_eq!(s.header("content-type"), Some("text/plain"));
        assert_eq!(s.body, b"data");
        check_b2_safe(s);
        let auth = s.header("authorization").unwrap();
        assert!(
            auth.contains(
                "SignedHeaders=content-md5;content-type;host;x-amz-content-sha256;x-amz-date"
            ),
            "{auth}"
        );
    }
}

#[tokio::test]
async fn gives_up_after_max_attempts_and_never_retries_4xx() {
    let f = fake(
        (0..10)
            .map(|_| reply(503, "<Error><Code>ServiceUnavailable</Code></Error>"))
            .collect(),
    )
    .await;
    let e = client(&f).head_object("k").await.unwrap_err();
    assert_eq!(
        e,
        S3Error::Service {
            status: 503,
            code: "ServiceUnavailable".into()
        }
    );
    assert_eq!(f.seen.lock().unwrap().len(), 4);

    for (status, body, want) in [
        (
            404,
            "<Error><Code>NoSuchKey</Code></Error>",
            S3Error::NotFound {
                code: "NoSuchKey".into(),
            },
        ),
        (
            403,
            "<Error><Code>AccessDenied</Code></Error>",
            S3Error::AccessDenied {
                code: "AccessDenied".into(),
            },
        ),
        (
            400,
            "<Error><Code>InvalidArgument</Code><Message>Unsupported header</Message></Error>",
            S3Error::Service {
                status: 400,
                code: "InvalidArgument".into(),
            },
        ),
        (
            404,
            "<Error><Code>NoSuchBucket</Code></Error>",
            S3Error::NoSuchBucket,
        ),
    ] {
        let f = fake(vec![reply(status, body)]).await;
        let e = client(&f).get_object("k", None).await.unwrap_err();
        assert_eq!(e, want);
        assert_eq!(f.seen.lock().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn learns_clock_skew_and_resigns_once() {
    let server_now = SystemTime::now() + Duration::from_secs(3600);
    let date = fmt_http_date(server_now);
    let f = fake(vec![
        Reply::Full(
            403,
            vec![("date".into(), date)],
            b"<Error><Code>RequestTimeTooSkewed</Code><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds></Error>".to_vec(),
        ),
        reply(200, "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"),
    ])
    .await;
    let c = client(&f);
    c.list_objects_v2(Default::default()).await.unwrap();
    let skew = c.clock_skew_ms();
    assert!((3_598_000..=3_602_000).contains(&skew), "{skew}");
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    let d0 = seen[0].header("x-amz-date").unwrap().to_string();
    let d1 = seen[1].header("x-amz-date").unwrap().to_string();
    assert_ne!(d0, d1);
    // The presigned URL uses the corrected clock too.
    let url = c
        .presign("GET", "k", &[], &[], Duration::from_secs(60))
        .unwrap();
    assert!(
        url.contains(&format!("X-Amz-Date={}", &d1[..11])),
        "{url} vs {d1}"
    );

    // A genuine 403 with a right clock is not retried.
    let f = fake(vec![Reply::Full(
        403,
        vec![("date".into(), fmt_http_date(SystemTime::now()))],
        b"<Error><Code>AccessDenied</Code></Error>".to_vec(),
    )])
    .await;
    assert!(client(&f)
        .get_object("k", None)
        .await
        .unwrap_err()
        .is_access_denied());
    assert_eq!(f.seen.lock().unwrap().len(), 1);
    // HEAD: no body, so one 1-byte GET asks for the code.
    let f = fake(vec![
        Reply::Full(403, vec![], vec![]),
        reply(403, "<Error><Code>InvalidAccessKeyId</Code><AWSAccessKeyId>AKIDCANARY</AWSAccessKeyId></Error>"),
    ])
    .await;
    let e = client(&f).head_object("k").await.unwrap_err();
    assert_eq!(
        e,
        S3Error::AccessDenied {
            code: "InvalidAccessKeyId".into()
        }
    );
    assert!(!format!("{e} {e:?}").contains("AKIDCANARY"));
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(
        (seen[0].method.as_str(), seen[1].method.as_str()),
        ("HEAD", "GET")
    );
    assert_eq!(seen[1].header("range"), Some("bytes=0-0"));
}

#[tokio::test]
async fn copy_200_with_error_body_is_retried() {
    let f = fake(vec![
        reply(
            200,
            "  \n<?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code></Error>",
        ),
        reply(
            200,
            "<CopyObjectResult><ETag>\"e\"</ETag></CopyObjectResult>",
        ),
    ])
    .await;
    client(&f).copy_object("src dir/ü+", "dst").await.unwrap();
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].header("x-amz-copy-source"),
        Some("/bkt/src%20dir/%C3%BC%2B")
    );
    assert!(seen[0]
        .header("authorization")
        .unwrap()
        .contains("x-amz-copy-source"));

    let f = fake(vec![reply(200, "<Error><Code>AccessDenied</Code></Error>")]).await;
    assert!(client(&f)
        .copy_object("a", "b")
        .await
        .unwrap_err()
        .is_access_denied());
}

#[tokio::test]
async fn timeouts_truncation_redirects() {
    let f = fake(vec![Reply::Hang, Reply::Hang]).await;
    let mut cfg = S3Config::new(
        format!("http://127.0.0.1:{}", f.port),
        "us-east-1",
        "bkt",
        "a",
        "s",
    );
    cfg.timeout_ms = Some(300);
    cfg.max_attempts = 2;
    let t = Instant::now();
    assert_eq!(
        S3Client::new(cfg)
            .unwrap()
            .head_object("k")
            .await
            .unwrap_err(),
        S3Error::Timeout
    );
    assert!(t.elapsed() < Duration::from_secs(3));
    assert_eq!(f.seen.lock().unwrap().len(), 2);

    let f = fake(vec![Reply::Truncated(10, b"01234".to_vec())]).await;
    let out = client(&f).get_object("k", None).await.unwrap();
    assert_eq!(out.content_length, 10);
    let items: Vec<_> = out.body.collect().await;
    assert!(
        items.iter().any(|r| r.is_err()),
        "a short body must end in an error"
    );

    let f = fake(vec![Reply::Full(
        301,
        vec![("location".into(), "http://127.0.0.1:1/".into())],
        b"<Error><Code>PermanentRedirect</Code></Error>".to_vec(),
    )])
    .await;
    let e = client(&f).get_object("k", None).await.unwrap_err();
    assert!(
        matches!(&e, S3Error::Config(m) if m.contains("redirect")),
        "{e:?}"
    );
    assert_eq!(f.seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn hostile_bodies_are_capped() {
    // An error body far over 64 KiB: still a clean, code-less error.
    let big = format!("<Error><Code>{}</Code></Error>", "A".repeat(200_000));
    let f = fake(vec![reply(400, &big)]).await;
    let e = client(&f).get_object("k", None).await.unwrap_err();
    assert_eq!(
        e,
        S3Error::Service {
            status: 400,
            code: "BadRequest".into()
        }
    );
    // A server ignoring Range: the client cuts the range out itself.
    let f = fake(vec![reply(200, "0123456789")]).await;
    let out = client(&f)
        .get_object(
            "k",
            Some(mirage_s3::Range::Span {
                start: 2,
                end_inclusive: 4,
            }),
        )
        .await
        .unwrap();
    assert_eq!(out.meta.size, 10);
    let body: Vec<u8> = out
        .body
        .map(|r| r.unwrap())
        .collect::<Vec<_>>()
        .await
        .concat();
    assert_eq!(body, b"234");
}

#[tokio::test]
async fn delete_objects_batches_and_reports() {
    let keys: Vec<String> = (0..1500).map(|i| format!("k&{i}")).collect();
    let f = fake(vec![
        reply(200, "<DeleteResult><Error><Key>k&amp;7</Key><Code>AccessDenied</Code></Error></DeleteResult>"),
        reply(200, "<DeleteResult></DeleteResult>"),
    ])
    .await;
    let failed = client(&f).delete_objects(&keys).await.unwrap();
    assert_eq!(
        failed,
        vec![(
            "k&7".to_string(),
            S3Error::AccessDenied {
                code: "AccessDenied".into()
            }
        )]
    );
    let seen = f.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    for s in &seen {
        assert_eq!(s.method, "POST");
        assert_eq!(s.target, "/bkt?delete=");
        assert!(s.header("content-md5").is_some());
        check_b2_safe(s);
    }
    assert_eq!(
        String::from_utf8_lossy(&seen[0].body)
            .matches("<Object>")
            .count(),
        1000
    );
    assert_eq!(
        String::from_utf8_lossy(&seen[1].body)
            .matches("<Object>")
            .count(),
        500
    );
}

fn fmt_http_date(t: SystemTime) -> String {
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m - 1) as usize];
    format!(
        "{wd}, {d:02} {mon} {y} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[tokio::test]
async fn a_server_date_more_than_a_day_away_is_not_believed() {
    // A hostile or broken server must not move every later signature, presigned URLs
    // included, to its clock: a `Date` years ahead is ignored and the 403 stands.
    let far = SystemTime::now() + Duration::from_secs(10 * 365 * 86_400);
    let f = fake(vec![Reply::Full(
        403,
        vec![("date".into(), fmt_http_date(far))],
        b"<Error><Code>RequestTimeTooSkewed</Code></Error>".to_vec(),
    )])
    .await;
    let c = client(&f);
    assert!(c.list_objects_v2(Default::default()).await.is_err());
    assert_eq!(c.clock_skew_ms(), 0);
    assert_eq!(f.seen.lock().unwrap().len(), 1, "not re-signed with the far clock");
    let signed = f.seen.lock().unwrap()[0].header("x-amz-date").unwrap().to_string();
    let url = c.presign("GET", "k", &[], &[], Duration::from_secs(60)).unwrap();
    assert!(url.contains(&format!("X-Amz-Date={}", &signed[..8])), "{url} vs {signed}");
}
