//! Object keys: which ones can be addressed through a URL, and how they are encoded.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::error::S3Error;

/// Everything except `A-Za-z0-9-_.~` (SigV4 "unreserved").
pub const SIGV4_QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same, keeping `/` as the path separator.
pub const SIGV4_PATH: &AsciiSet = &SIGV4_QUERY.remove(b'/');

/// S3's key length limit, in bytes.
pub const MAX_KEY_LEN: usize = 1024;

/// Refuse keys that cannot be sent as written: empty, too long, a leading `/`, an empty
/// segment (`a//b`), or a `.`/`..` segment, all of which the `url` crate under reqwest
/// would rewrite into a different key. One trailing `/` (a directory marker) is allowed.
pub fn check_key(key: &str) -> Result<(), S3Error> {
    if key.is_empty() {
        return Err(S3Error::InvalidKey("empty key".into()));
    }
    if key.len() > MAX_KEY_LEN {
        return Err(S3Error::InvalidKey("key longer than 1024 bytes".into()));
    }
    let body = key.strip_suffix('/').unwrap_or(key);
    if body.is_empty() {
        return Err(S3Error::InvalidKey("key is only '/'".into()));
    }
    for seg in body.split('/') {
        match seg {
            "" => return Err(S3Error::InvalidKey("empty path segment".into())),
            "." | ".." => return Err(S3Error::InvalidKey("'.' or '..' path segment".into())),
            _ => {}
        }
    }
    Ok(())
}

/// Percent-encode a key for the URL path (every byte but `A-Za-z0-9-_.~` and `/`).
pub fn encode_key(key: &str) -> String {
    utf8_percent_encode(key, SIGV4_PATH).to_string()
}

/// Percent-encode a query name or value per SigV4 (every byte but `A-Za-z0-9-_.~`).
pub fn encode_query_component(s: &str) -> String {
    utf8_percent_encode(s, SIGV4_QUERY).to_string()
}

/// `a=b&c=d`, each part encoded, in the given order.
pub fn encode_query(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&encode_query_component(k));
        out.push('=');
        out.push_str(&encode_query_component(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(
            encode_key("a/b c+d%e&f=g?h#i"),
            "a/b%20c%2Bd%25e%26f%3Dg%3Fh%23i"
        );
        assert_eq!(
            encode_key("üñí/~x-y_z.txt"),
            "%C3%BC%C3%B1%C3%AD/~x-y_z.txt"
        );
        assert_eq!(encode_query_component("a/b c+~"), "a%2Fb%20c%2B~");
        assert_eq!(
            encode_query(&[
                ("list-type".into(), "2".into()),
                ("prefix".into(), "dir/ü x".into())
            ]),
            "list-type=2&prefix=dir%2F%C3%BC%20x"
        );
    }

    #[test]
    fn dot_segments_refused() {
        for bad in [
            "", "/", "/a", "a//b", "a/./b", "a/../b", ".", "..", "./a", "a/..", "a/.", "../x",
            "a//", "a/../",
        ] {
            assert!(
                matches!(check_key(bad), Err(S3Error::InvalidKey(_))),
                "{bad:?} accepted"
            );
        }
        for ok in [
            "a",
            "a/",
            "a/b",
            "a.b",
            "a/.b/..c/...",
            "dir/",
            "with space+plus.txt",
            "ü/%41/&=?#",
        ] {
            assert!(check_key(ok).is_ok(), "{ok:?} refused");
        }
        assert!(check_key(&"x".repeat(1025)).is_err());
        assert!(check_key(&"x".repeat(1024)).is_ok());
    }

    #[test]
    fn encoded_keys_survive_the_url_crate() {
        // What reqwest does to our URL: it must not change the path we signed.
        for key in [
            "a.b/..c/x",
            "with space+plus.txt",
            "ü/%2e%2e/&=?#",
            "%2E./b",
            "a/%2e/b",
        ] {
            check_key(key).unwrap();
            let path = format!("/bucket/{}", encode_key(key));
            let u = url::Url::parse(&format!("http://127.0.0.1:1{path}")).unwrap();
            assert_eq!(u.path(), path, "{key:?}");
        }
    }
}
