//! Against the real s3s-fs server (which checks SigV4) on 127.0.0.1.
//! Skipped with a note when s3s-fs is missing, unless `CI` is set.

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use mirage_s3::testutil::{S3sFs, SECRET_KEY};
use mirage_s3::{ListRequest, Range, S3Client, S3Error};

macro_rules! server {
    ($bucket:expr) => {
        match S3sFs::start($bucket) {
            Some(s) => s,
            None => return,
        }
    };
}

async fn read_all(c: &S3Client, key: &str, range: Option<Range>) -> (u64, Vec<u8>) {
    let out = c
        .get_object(key, range)
        .await
        .unwrap_or_else(|e| panic!("get {key:?}: {e}"));
    let mut body = out.body;
    let mut v = Vec::new();
    while let Some(chunk) = body.next().await {
        v.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(v.len() as u64, out.content_length, "{key:?}");
    (out.meta.size, v)
}

async fn list_all(
    c: &S3Client,
    prefix: &str,
    delimiter: Option<&str>,
    page: Option<u32>,
) -> (Vec<String>, Vec<String>, usize) {
    let mut keys = Vec::new();
    let mut prefixes = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let p = c
            .list_objects_v2(ListRequest {
                prefix: prefix.to_string(),
                delimiter: delimiter.map(str::to_string),
                continuation_token: token.take(),
                max_keys: page,
                start_after: None,
            })
            .await
            .unwrap();
        pages += 1;
        keys.extend(p.objects.into_iter().map(|o| o.key));
        prefixes.extend(p.common_prefixes);
        if !p.is_truncated {
            break;
        }
        token = p.next_continuation_token;
        assert!(token.is_some());
    }
    (keys, prefixes, pages)
}

#[tokio::test]
async fn put_get_head_list_delete() {
    let s = server!("basic");
    let c = S3Client::new(s.config()).unwrap();

    let etag = c
        .put_object(
            "a.txt",
            Bytes::from_static(b"hello world\n"),
            Some("text/plain"),
        )
        .await
        .unwrap();
    assert_eq!(etag, "6f5902ac237024bdd0c176cb93063dc4"); // md5("hello world\n")
    c.put_object("dir/b.txt", Bytes::from_static(b"bbb"), None)
        .await
        .unwrap();
    c.put_object("dir/sub/c.txt", Bytes::from_static(b"c"), None)
        .await
        .unwrap();
    c.put_object("empty", Bytes::new(), None).await.unwrap();

    let m = c.head_object("a.txt").await.unwrap();
    assert_eq!(m.size, 12);
    assert_eq!(m.etag.as_deref(), Some("6f5902ac237024bdd0c176cb93063dc4"));
    assert!(m.last_modified.is_some());
    assert_eq!(m.content_type.as_deref(), Some("text/plain"));

    assert_eq!(
        read_all(&c, "a.txt", None).await,
        (12, b"hello world\n".to_vec())
    );
    assert_eq!(read_all(&c, "empty", None).await, (0, vec![]));

    let (keys, prefixes, _) = list_all(&c, "", Some("/"), None).await;
    assert_eq!(keys, vec!["a.txt", "empty"]);
    assert_eq!(prefixes, vec!["dir/"]);
    let (keys, prefixes, _) = list_all(&c, "dir/", Some("/"), None).await;
    assert_eq!(keys, vec!["dir/b.txt"]);
    assert_eq!(prefixes, vec!["dir/sub/"]);
    let (keys, prefixes, _) = list_all(&c, "", None, None).await;
    assert_eq!(keys, vec!["a.txt", "dir/b.txt", "dir/sub/c.txt", "empty"]);
    assert!(prefixes.is_empty());
    let (keys, _, _) = list_all(&c, "nothing/", Some("/"), None).await;
    assert!(keys.is_empty());

    // Missing things.
    assert!(c.head_object("nope").await.unwrap_err().is_not_found());
    let e = c.get_object("nope", None).await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchKey"), "{e:?}");

    // Copy.
    c.copy_object("a.txt", "copy of a.txt").await.unwrap();
    assert_eq!(
        read_all(&c, "copy of a.txt", None).await.1,
        b"hello world\n"
    );
    assert!(c.copy_object("nope", "x").await.unwrap_err().is_not_found());

    // Delete one, then many (a missing key is not an error).
    c.delete_object("copy of a.txt").await.unwrap();
    assert!(c
        .head_object("copy of a.txt")
        .await
        .unwrap_err()
        .is_not_found());
    let failed = c
        .delete_objects(&[
            "a.txt".into(),
            "dir/b.txt".into(),
            "never-existed".into(),
            "bad/../key".into(),
        ])
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, "bad/../key");
    assert!(matches!(failed[0].1, S3Error::InvalidKey(_)));
    let (keys, _, _) = list_all(&c, "", None, None).await;
    assert_eq!(keys, vec!["dir/sub/c.txt", "empty"]);
}

#[tokio::test]
async fn ranges() {
    let s = server!("ranges");
    let c = S3Client::new(s.config()).unwrap();
    let data: Vec<u8> = (0..100u8).collect();
    c.put_object("r", Bytes::from(data.clone()), None)
        .await
        .unwrap();
    assert_eq!(
        read_all(
            &c,
            "r",
            Some(Range::Span {
                start: 10,
                end_inclusive: 19
            })
        )
        .await,
        (100, data[10..20].to_vec())
    );
    assert_eq!(
        read_all(&c, "r", Some(Range::From(95))).await,
        (100, data[95..].to_vec())
    );
    assert_eq!(
        read_all(&c, "r", Some(Range::Suffix(7))).await,
        (100, data[93..].to_vec())
    );
    assert_eq!(
        read_all(
            &c,
            "r",
            Some(Range::Span {
                start: 90,
                end_inclusive: 1000
            })
        )
        .await,
        (100, data[90..].to_vec())
    );
    // A suffix longer than the object is the whole object (s3s-fs answers 500 to it; the
    // client falls back to HEAD + explicit range).
    assert_eq!(
        read_all(&c, "r", Some(Range::Suffix(200))).await,
        (100, data.clone())
    );
    // Unsatisfiable: empty body, real size.
    assert_eq!(
        read_all(&c, "r", Some(Range::From(100))).await,
        (100, vec![])
    );
    c.put_object("zero", Bytes::new(), None).await.unwrap();
    assert_eq!(
        read_all(&c, "zero", Some(Range::From(0))).await,
        (0, vec![])
    );
    assert_eq!(
        read_all(&c, "zero", Some(Range::Suffix(10))).await,
        (0, vec![])
    );
    assert_eq!(
        read_all(
            &c,
            "zero",
            Some(Range::Span {
                start: 0,
                end_inclusive: 99
            })
        )
        .await,
        (0, vec![])
    );
    assert!(c
        .get_object("missing", Some(Range::From(0)))
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test]
async fn pagination_over_1000_keys() {
    let s = server!("many");
    for i in 0..2345 {
        s.seed(&format!("many/f{i:05}"), b"x");
    }
    for d in 0..1100 {
        s.seed(&format!("dirs/d{d:05}/file"), b"y");
    }
    s.seed("dirs/top", b"z");
    let c = S3Client::new(s.config()).unwrap();
    let (keys, _, pages) = list_all(&c, "many/", None, None).await;
    assert_eq!(keys.len(), 2345);
    assert_eq!(pages, 3);
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 2345);
    let (keys, _, pages) = list_all(&c, "many/", Some("/"), Some(500)).await;
    assert_eq!((keys.len(), pages), (2345, 5));
    // Common prefixes paginate too.
    let (keys, prefixes, pages) = list_all(&c, "dirs/", Some("/"), None).await;
    assert_eq!(keys, vec!["dirs/top"]);
    assert_eq!(prefixes.len(), 1100);
    assert_eq!(pages, 2);
}

#[tokio::test]
async fn multipart_and_streams() {
    let s = server!("multi");
    let c = S3Client::new(s.config()).unwrap();
    // ~12 MiB in odd-sized chunks, with 5 MiB parts: 3 parts.
    let total = 12 * 1024 * 1024 + 12345;
    let data: Vec<u8> = (0..total).map(|i| (i * 31 % 251) as u8).collect();
    let chunks: Vec<Result<Bytes, std::io::Error>> = data
        .chunks(70_001)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let n = c
        .put_object_stream(
            "big/file.bin",
            futures::stream::iter(chunks),
            5 * 1024 * 1024,
        )
        .await
        .unwrap();
    assert_eq!(n, total as u64);
    let (size, got) = read_all(&c, "big/file.bin", None).await;
    assert_eq!(size, total as u64);
    assert!(got == data, "multipart content differs");
    let m = c.head_object("big/file.bin").await.unwrap();
    assert_eq!(m.size, total as u64);
    // The ranged read across a part boundary.
    let start = 5 * 1024 * 1024 - 10;
    let (_, got) = read_all(
        &c,
        "big/file.bin",
        Some(Range::Span {
            start: start as u64,
            end_inclusive: start as u64 + 19,
        }),
    )
    .await;
    assert_eq!(got, data[start..start + 20]);

    // Small stream: one PUT.
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        vec![Ok(Bytes::from_static(b"ab")), Ok(Bytes::from_static(b"cd"))];
    assert_eq!(
        c.put_object_stream("small", futures::stream::iter(chunks), 16 << 20)
            .await
            .unwrap(),
        4
    );
    assert_eq!(read_all(&c, "small", None).await.1, b"abcd");
    let empty: Vec<Result<Bytes, std::io::Error>> = vec![];
    assert_eq!(
        c.put_object_stream("empty-stream", futures::stream::iter(empty), 16 << 20)
            .await
            .unwrap(),
        0
    );
    assert_eq!(c.head_object("empty-stream").await.unwrap().size, 0);

    // A source failing after the first part: error, upload aborted, nothing visible.
    let mut chunks: Vec<Result<Bytes, std::io::Error>> = data[..6 * 1024 * 1024]
        .chunks(1 << 20)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    chunks.push(Err(std::io::Error::other("source broke")));
    let e = c
        .put_object_stream("broken", futures::stream::iter(chunks), 5 * 1024 * 1024)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, S3Error::Body(m) if m.contains("source broke")),
        "{e:?}"
    );
    assert!(c.head_object("broken").await.unwrap_err().is_not_found());

    // Explicit multipart calls, and abort.
    let id = c.create_multipart_upload("aborted", None).await.unwrap();
    c.upload_part("aborted", &id, 1, Bytes::from(vec![1u8; 5 << 20]))
        .await
        .unwrap();
    c.abort_multipart_upload("aborted", &id).await.unwrap();
    assert!(c.head_object("aborted").await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn tricky_keys_round_trip() {
    let s = server!("tricky");
    let c = S3Client::new(s.config()).unwrap();
    let keys = [
        "with space+plus.txt",
        "ünï cödé/文件 😀.txt",
        "pct%41%2e%2e%2F.txt",
        "amp&eq=q?hash#.txt",
        "tilde~_-.txt",
        "a.b/..c/...d",
        " lead and trail ",
        "semi;colon,comma'quote\"!@$()*[]{}^`|\\<>.txt",
        "tab\there",
    ];
    for (i, k) in keys.iter().enumerate() {
        let body = format!("content {i}");
        c.put_object(k, Bytes::from(body.clone()), None)
            .await
            .unwrap_or_else(|e| panic!("put {k:?}: {e}"));
        assert_eq!(read_all(&c, k, None).await.1, body.as_bytes(), "{k:?}");
        assert_eq!(
            c.head_object(k).await.unwrap().size,
            body.len() as u64,
            "{k:?}"
        );
    }
    let (mut listed, _, _) = list_all(&c, "", None, None).await;
    listed.sort();
    let mut want: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    want.sort();
    assert_eq!(listed, want);
    // Prefix and delimiter with unicode and spaces.
    let (k, p, _) = list_all(&c, "ünï cödé/", Some("/"), None).await;
    assert_eq!((k, p), (vec!["ünï cödé/文件 😀.txt".to_string()], vec![]));
    // Copy and delete of tricky keys.
    c.copy_object("amp&eq=q?hash#.txt", "ünï cödé/copy +%.txt")
        .await
        .unwrap();
    assert_eq!(
        read_all(&c, "ünï cödé/copy +%.txt", None).await.1,
        b"content 3"
    );
    let failed = c
        .delete_objects(&keys.iter().map(|k| k.to_string()).collect::<Vec<_>>())
        .await
        .unwrap();
    assert!(failed.is_empty(), "{failed:?}");
    let (left, _, _) = list_all(&c, "", None, None).await;
    assert_eq!(left, vec!["ünï cödé/copy +%.txt"]);
}

#[tokio::test]
async fn auth_errors_and_presign() {
    let s = server!("auth");
    let good = S3Client::new(s.config()).unwrap();
    good.put_object("k y", Bytes::from_static(b"v"), None)
        .await
        .unwrap();

    let mut cfg = s.config();
    cfg.secret_access_key = "wrong-secret-CANARY".into();
    let bad = S3Client::new(cfg).unwrap();
    for e in [
        bad.get_object("k y", None).await.unwrap_err(),
        bad.put_object("x", Bytes::from_static(b"v"), None)
            .await
            .unwrap_err(),
        bad.list_objects_v2(ListRequest::default())
            .await
            .unwrap_err(),
    ] {
        assert_eq!(
            e,
            S3Error::AccessDenied {
                code: "SignatureDoesNotMatch".into()
            }
        );
        let text = format!("{e} {e:?}");
        assert!(
            !text.contains("CANARY")
                && !text.contains(SECRET_KEY)
                && !text.contains("mirage-test-key-id"),
            "{text}"
        );
        assert_eq!(e.to_string(), "SignatureDoesNotMatch");
        assert!(!e.is_retryable());
    }
    // HEAD has no body: the code comes from a 1-byte GET.
    assert_eq!(
        bad.head_object("k y").await.unwrap_err(),
        S3Error::AccessDenied {
            code: "SignatureDoesNotMatch".into()
        }
    );
    let d = format!("{bad:?}");
    assert!(
        !d.contains("CANARY") && !d.contains("mirage-test-key-id"),
        "{d}"
    );

    let mut cfg = s.config();
    cfg.access_key_id = "unknown-key-id".into();
    let e = S3Client::new(cfg)
        .unwrap()
        .get_object("k y", None)
        .await
        .unwrap_err();
    assert!(matches!(e, S3Error::AccessDenied { .. }), "{e:?}");

    // Presigned GET with a plain HTTP client.
    mirage_s3::ensure_crypto_provider();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = good
        .presign("GET", "k y", &[], &[], Duration::from_secs(60))
        .unwrap();
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap(), "v");
    let tampered = url.replace("X-Amz-Expires=60", "X-Amz-Expires=61");
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 403);
    let url = bad
        .presign("GET", "k y", &[], &[], Duration::from_secs(60))
        .unwrap();
    assert_eq!(http.get(&url).send().await.unwrap().status(), 403);
    // Presigned PUT with a signed content-type.
    let url = good
        .presign(
            "PUT",
            "up/ü.txt",
            &[],
            &[("content-type".into(), "text/plain".into())],
            Duration::from_secs(60),
        )
        .unwrap();
    let r = http
        .put(&url)
        .header("content-type", "text/plain")
        .body("pre")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(read_all(&good, "up/ü.txt", None).await.1, b"pre");
    // Presigned LIST (bucket level, signed query).
    let url = good
        .presign(
            "GET",
            "",
            &[
                ("list-type".into(), "2".into()),
                ("prefix".into(), "up/".into()),
            ],
            &[],
            Duration::from_secs(60),
        )
        .unwrap();
    let body = http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(body.contains("<Key>up/ü.txt</Key>"), "{body}");
}

#[tokio::test]
async fn missing_bucket_and_dead_endpoint() {
    let s = server!("exists");
    let mut cfg = s.config();
    cfg.bucket = "no-such-bucket".into();
    let c = S3Client::new(cfg).unwrap();
    assert_eq!(
        c.list_objects_v2(ListRequest::default()).await.unwrap_err(),
        S3Error::NoSuchBucket
    );
    assert_eq!(
        c.get_object("k", None).await.unwrap_err().code(),
        Some("NoSuchKey")
    ); // s3s-fs: a key, not a bucket
    let e = c.head_object("k").await.unwrap_err();
    assert!(e.is_not_found() || e == S3Error::NoSuchBucket, "{e:?}");

    // Nothing listens on this port (it was ours a moment ago): refused, retried, then Transport.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = s.config();
    cfg.endpoint = format!("http://127.0.0.1:{port}");
    cfg.max_attempts = 2;
    let c = S3Client::new(cfg).unwrap();
    let t = std::time::Instant::now();
    let e = c.head_object("k").await.unwrap_err();
    assert_eq!(e, S3Error::Transport("connection refused".into()));
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn directory_quirks_of_s3s_fs() {
    let s = server!("quirks");
    let c = S3Client::new(s.config()).unwrap();
    c.put_object("d/f", Bytes::from_static(b"1"), None)
        .await
        .unwrap();
    // A zero-byte `dir/` marker becomes an empty folder that LIST does not show.
    c.put_object("marker/", Bytes::new(), None).await.unwrap();
    assert!(s.bucket_dir().join("marker").is_dir());
    let (keys, prefixes, _) = list_all(&c, "", Some("/"), None).await;
    assert!(keys.is_empty(), "{keys:?}");
    assert_eq!(prefixes, vec!["d/"]);
    // HEAD of a key that is a folder on disk: 500 (S3 would say 404). After retries.
    let e = c.head_object("d").await.unwrap_err();
    assert!(matches!(e, S3Error::Service { status: 500, .. }), "{e:?}");
    // Deleting the marker removes the empty folder.
    c.delete_object("marker/").await.unwrap();
    assert!(!s.bucket_dir().join("marker").exists());
}
