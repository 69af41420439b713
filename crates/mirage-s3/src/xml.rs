//! XML bodies: a small event-based tree parser (text is kept exactly, whitespace included,
//! so keys like `" a "` survive), the response shapes this client reads, and the two
//! request bodies it writes.

use std::time::SystemTime;

use quick_xml::events::Event;
use quick_xml::Reader;

use crate::error::S3Error;
use crate::time::parse_iso8601;

/// Elements nested deeper than this are refused (no S3 response goes past 4).
const MAX_DEPTH: usize = 16;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub name: String,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

fn bad(why: &str) -> S3Error {
    S3Error::InvalidResponse(format!("malformed XML ({why})"))
}

/// Parse a whole document into its root element (local names, namespaces dropped).
pub(crate) fn parse_tree(body: &[u8]) -> Result<Node, S3Error> {
    let text = std::str::from_utf8(body).map_err(|_| bad("not UTF-8"))?;
    let mut reader = Reader::from_str(text);
    {
        let cfg = reader.config_mut();
        cfg.trim_text(false);
        cfg.expand_empty_elements = true;
    }
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        match reader.read_event().map_err(|_| bad("syntax"))? {
            Event::Start(e) => {
                if root.is_some() {
                    return Err(bad("content after the root element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(bad("too deep"));
                }
                let name = {
                    let n = e.local_name();
                    let s: &str = n.as_ref();
                    s.to_string()
                };
                stack.push(Node {
                    name,
                    ..Default::default()
                });
            }
            Event::End(_) => {
                let node = stack.pop().ok_or_else(|| bad("unbalanced"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let s: String = match r
                    .resolve_char_ref()
                    .map_err(|_| bad("character reference"))?
                {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| bad("unknown entity"))?
                            .to_string()
                    }
                };
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&s);
                }
            }
            Event::Eof => break,
            // Declarations, comments, processing instructions, DOCTYPE (never expanded).
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(bad("unclosed element"));
    }
    root.ok_or_else(|| bad("no root element"))
}

/// The root element's name, if the body is XML at all (used to spot `200` + `<Error>`).
pub(crate) fn root_name(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return Some({
                    let n = e.local_name();
                    let s: &str = n.as_ref();
                    s.to_string()
                })
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// The `<Code>` of an `<Error>` body, if the body is one. Nothing else of it is kept.
pub(crate) fn error_code(body: &[u8]) -> Option<String> {
    let root = parse_tree(body).ok()?;
    if root.name != "Error" {
        return None;
    }
    root.text_of("Code")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

/// The `<ServerTime>` of a `RequestTimeTooSkewed` error body.
pub(crate) fn error_server_time(body: &[u8]) -> Option<SystemTime> {
    let root = parse_tree(body).ok()?;
    root.text_of("ServerTime").and_then(parse_iso8601)
}

/// One object in a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    pub key: String,
    pub size: u64,
    /// The ETag without its quotes.
    pub etag: Option<String>,
    pub last_modified: Option<SystemTime>,
}

/// One page of ListObjectsV2.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListPage {
    pub objects: Vec<ObjectInfo>,
    /// Full prefixes, each ending in the delimiter (`dir/sub/`).
    pub common_prefixes: Vec<String>,
    pub next_continuation_token: Option<String>,
    pub is_truncated: bool,
}

pub(crate) fn unquote_etag(s: &str) -> String {
    let s = s.trim();
    let s = s.strip_prefix("W/").unwrap_or(s);
    s.trim_matches('"').to_string()
}

fn parse_bool(s: &str) -> bool {
    s.trim().eq_ignore_ascii_case("true")
}

pub(crate) fn parse_list_page(body: &[u8]) -> Result<ListPage, S3Error> {
    let root = parse_tree(body)?;
    if root.name != "ListBucketResult" {
        return Err(bad("expected ListBucketResult"));
    }
    let mut page = ListPage {
        is_truncated: root.text_of("IsTruncated").map(parse_bool).unwrap_or(false),
        next_continuation_token: root
            .text_of("NextContinuationToken")
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        ..Default::default()
    };
    for c in root.children("Contents") {
        let key = c
            .text_of("Key")
            .ok_or_else(|| bad("Contents without Key"))?
            .to_string();
        let size = match c.text_of("Size") {
            Some(s) => s.trim().parse().map_err(|_| bad("Size"))?,
            None => 0,
        };
        page.objects.push(ObjectInfo {
            key,
            size,
            etag: c
                .text_of("ETag")
                .map(unquote_etag)
                .filter(|e| !e.is_empty()),
            last_modified: c.text_of("LastModified").and_then(parse_iso8601),
        });
    }
    for p in root.children("CommonPrefixes") {
        if let Some(prefix) = p.text_of("Prefix") {
            page.common_prefixes.push(prefix.to_string());
        }
    }
    if page.is_truncated && page.next_continuation_token.is_none() {
        return Err(bad("truncated listing without NextContinuationToken"));
    }
    Ok(page)
}

/// `(key, code)` for each failed key of a DeleteObjects answer.
pub(crate) fn parse_delete_result(body: &[u8]) -> Result<Vec<(String, String)>, S3Error> {
    let root = parse_tree(body)?;
    if root.name == "Error" {
        return Err(bad("unexpected Error"));
    }
    if root.name != "DeleteResult" {
        return Err(bad("expected DeleteResult"));
    }
    Ok(root
        .children("Error")
        .map(|e| {
            (
                e.text_of("Key").unwrap_or_default().to_string(),
                e.text_of("Code")
                    .unwrap_or("InternalError")
                    .trim()
                    .to_string(),
            )
        })
        .collect())
}

pub(crate) fn parse_upload_id(body: &[u8]) -> Result<String, S3Error> {
    let root = parse_tree(body)?;
    if root.name != "InitiateMultipartUploadResult" {
        return Err(bad("expected InitiateMultipartUploadResult"));
    }
    root.text_of("UploadId")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("no UploadId"))
}

/// The ETag of a CompleteMultipartUpload or CopyObject result.
pub(crate) fn parse_result_etag(body: &[u8]) -> Option<String> {
    let root = parse_tree(body).ok()?;
    root.text_of("ETag").map(unquote_etag)
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Keep whitespace control characters exact through attribute/EOL normalisation.
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn delete_body(keys: &[String]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>");
    for k in keys {
        s.push_str("<Object><Key>");
        s.push_str(&escape(k));
        s.push_str("</Key></Object>");
    }
    s.push_str("</Delete>");
    s
}

/// A part of a multipart upload, as listed in CompleteMultipartUpload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedPart {
    pub part_number: u32,
    /// The ETag returned by UploadPart (quotes optional).
    pub etag: String,
}

pub(crate) fn complete_body(parts: &[CompletedPart]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for p in parts {
        s.push_str(&format!(
            "<Part><PartNumber>{}</PartNumber><ETag>&quot;{}&quot;</ETag></Part>",
            p.part_number,
            escape(&unquote_etag(&p.etag))
        ));
    }
    s.push_str("</CompleteMultipartUpload>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_result() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>
<Contents><Key>a.txt</Key><LastModified>2026-11-26T12:10:00.000Z</LastModified><ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key> with space+plus &amp; &lt;x&gt; &#x1F600;.txt </Key><Size>26</Size></Contents>
<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>e f/</Prefix></CommonPrefixes>
<Contents><Key>z</Key><Size>0</Size></Contents>
<NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>"#;
        let p = parse_list_page(body).unwrap();
        assert!(p.is_truncated);
        assert_eq!(p.next_continuation_token.as_deref(), Some("tok+/="));
        assert_eq!(p.objects.len(), 3);
        assert_eq!(p.objects[0].key, "a.txt");
        assert_eq!(p.objects[0].size, 12);
        assert_eq!(
            p.objects[0].etag.as_deref(),
            Some("0cc175b9c0f1b6a831c399e269772661")
        );
        assert!(p.objects[0].last_modified.is_some());
        assert_eq!(p.objects[1].key, " with space+plus & <x> \u{1F600}.txt ");
        assert_eq!(p.objects[2].key, "z");
        assert_eq!(p.common_prefixes, vec!["dir/", "e f/"]);
    }

    #[test]
    fn empty_listing() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>nothing/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>"#;
        let p = parse_list_page(body).unwrap();
        assert_eq!(p, ListPage::default());
        let body =
            br#"<ListBucketResult><IsTruncated>false</IsTruncated><Contents/></ListBucketResult>"#;
        assert!(
            parse_list_page(body).is_err(),
            "Contents without Key must be refused"
        );
        assert!(parse_list_page(
            b"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"
        )
        .is_err());
        assert!(parse_list_page(b"<Error><Code>X</Code></Error>").is_err());
        assert!(parse_list_page(b"not xml <").is_err());
    }

    #[test]
    fn error_bodies() {
        // AWS-shaped, with fields that must never surface.
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message><AWSAccessKeyId>AKIDCANARY</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256...</StringToSign><CanonicalRequest>GET /</CanonicalRequest><RequestId>1</RequestId></Error>"#;
        assert_eq!(error_code(body).as_deref(), Some("SignatureDoesNotMatch"));
        // s3s-fs: no <Message>.
        let body =
            br#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code></Error>"#;
        assert_eq!(error_code(body).as_deref(), Some("NoSuchKey"));
        assert_eq!(error_code(b""), None);
        assert_eq!(error_code(b"<html>502</html>"), None);
        let skew = br#"<Error><Code>RequestTimeTooSkewed</Code><ServerTime>2026-11-26T12:10:00Z</ServerTime></Error>"#;
        assert!(error_server_time(skew).is_some());
        assert_eq!(
            root_name(b"  \n <?xml version=\"1.0\"?>\n\n<Error><Code>InternalError</Code></Error>")
                .as_deref(),
            Some("Error")
        );
        assert_eq!(
            root_name(b"<CopyObjectResult><ETag>\"x\"</ETag></CopyObjectResult>").as_deref(),
            Some("CopyObjectResult")
        );
    }

    #[test]
    fn delete_and_multipart_bodies() {
        let b = delete_body(&["a&b".into(), "<c>\n".into()]);
        assert!(
            b.contains("<Key>a&amp;b</Key>") && b.contains("<Key>&lt;c&gt;&#10;</Key>"),
            "{b}"
        );
        // Round-trip through our own parser.
        let t = parse_tree(b.as_bytes()).unwrap();
        let keys: Vec<_> = t
            .children("Object")
            .map(|o| o.text_of("Key").unwrap().to_string())
            .collect();
        assert_eq!(keys, vec!["a&b", "<c>\n"]);
        let r = br#"<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code><Message>no</Message></Error><Deleted><Key>c</Key></Deleted></DeleteResult>"#;
        assert_eq!(
            parse_delete_result(r).unwrap(),
            vec![("b".to_string(), "AccessDenied".to_string())]
        );
        let r = br#"<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>abc-123</UploadId></InitiateMultipartUploadResult>"#;
        assert_eq!(parse_upload_id(r).unwrap(), "abc-123");
        let c = complete_body(&[
            CompletedPart {
                part_number: 1,
                etag: "\"e1\"".into(),
            },
            CompletedPart {
                part_number: 2,
                etag: "e2".into(),
            },
        ]);
        assert!(c.contains("<Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part><Part><PartNumber>2</PartNumber>"), "{c}");
    }

    #[test]
    fn hostile_xml() {
        // Entities are never expanded; unknown ones are an error, not a lookup.
        let body = br#"<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>&xxe;</Key></Contents></ListBucketResult>"#;
        assert!(parse_list_page(body).is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse_tree(deep.as_bytes()).is_err());
    }
}
