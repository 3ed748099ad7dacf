//! Amazon S3's REST protocol for the actions in
//! [`S3_ACTIONS`](crate::services::S3_ACTIONS): the request (method,
//! path-style path and query, headers, body) and the answer as the AWS SDK
//! for Java 2.x behind `aws-sdk:s3:*` gives it to the state machine
//! (PascalCase members, numbers and booleans typed, timestamps in ISO
//! 8601, absent members left out).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::request::{escape, invalid};
use crate::response::{iso_instant, Answer};
use crate::services::Target;
use crate::TaskError;

/// Method, path (and query) after the endpoint's `/`, headers, body.
pub(crate) type S3Request = (&'static str, String, Vec<(String, String)>, Vec<u8>);

/// Parameters sent as headers, by every action that takes them.
const HEADER_PARAMS: &[(&str, &str)] = &[
    ("ContentType", "content-type"),
    ("CacheControl", "cache-control"),
    ("ContentDisposition", "content-disposition"),
    ("ContentEncoding", "content-encoding"),
    ("ContentLanguage", "content-language"),
    ("Range", "range"),
    ("IfMatch", "if-match"),
    ("IfNoneMatch", "if-none-match"),
    ("ACL", "x-amz-acl"),
    ("StorageClass", "x-amz-storage-class"),
    ("ServerSideEncryption", "x-amz-server-side-encryption"),
    ("SSEKMSKeyId", "x-amz-server-side-encryption-aws-kms-key-id"),
    ("Tagging", "x-amz-tagging"),
    ("RequestPayer", "x-amz-request-payer"),
    ("ExpectedBucketOwner", "x-amz-expected-bucket-owner"),
    ("MetadataDirective", "x-amz-metadata-directive"),
    ("TaggingDirective", "x-amz-tagging-directive"),
    ("CopySourceIfMatch", "x-amz-copy-source-if-match"),
    ("CopySourceIfNoneMatch", "x-amz-copy-source-if-none-match"),
    ("ChecksumMode", "x-amz-checksum-mode"),
    ("ChecksumCRC32", "x-amz-checksum-crc32"),
    ("ChecksumCRC32C", "x-amz-checksum-crc32c"),
    ("ChecksumCRC64NVME", "x-amz-checksum-crc64nvme"),
    ("ChecksumSHA1", "x-amz-checksum-sha1"),
    ("ChecksumSHA256", "x-amz-checksum-sha256"),
];

/// The checksum parameters: with no checksum given (and no
/// `ChecksumAlgorithm` but CRC32), PutObject sends the body's CRC32, as
/// the AWS SDK for Java 2.x does by default (since 2.30), and S3 answers
/// with it (`ChecksumCRC32`, `ChecksumType`). DIFFERENCE: another
/// `ChecksumAlgorithm` sends no checksum (the SDK would compute it).
const CHECKSUM_PARAMS: &[&str] = &[
    "ChecksumAlgorithm",
    "ChecksumCRC32",
    "ChecksumCRC32C",
    "ChecksumCRC64NVME",
    "ChecksumSHA1",
    "ChecksumSHA256",
];

/// Query parameters of the list actions: (parameter, query name).
const LIST_OBJECTS_QUERY: &[(&str, &str)] = &[
    ("Delimiter", "delimiter"),
    ("EncodingType", "encoding-type"),
    ("Marker", "marker"),
    ("MaxKeys", "max-keys"),
    ("Prefix", "prefix"),
];
const LIST_OBJECTS_V2_QUERY: &[(&str, &str)] = &[
    ("ContinuationToken", "continuation-token"),
    ("Delimiter", "delimiter"),
    ("EncodingType", "encoding-type"),
    ("FetchOwner", "fetch-owner"),
    ("MaxKeys", "max-keys"),
    ("Prefix", "prefix"),
    ("StartAfter", "start-after"),
];
const LIST_BUCKETS_QUERY: &[(&str, &str)] = &[
    ("BucketRegion", "bucket-region"),
    ("ContinuationToken", "continuation-token"),
    ("MaxBuckets", "max-buckets"),
    ("Prefix", "prefix"),
];

/// The request of an S3 action. DIFFERENCE: the SDK behind AWS addresses
/// buckets virtual-hosted (`bucket.s3.region.amazonaws.com`); path-style
/// works on AWS and on every emulator.
pub(crate) fn request(
    target: &Target,
    params: &Map<String, Value>,
) -> Result<S3Request, TaskError> {
    let text = |name: &str| match params.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(other) if !other.is_null() => Err(invalid(
            target,
            format!(
                "{name} must be a string, got {}",
                stepwell_core::json_kind(other)
            ),
        )),
        _ => Err(invalid(target, format!("{name} is required"))),
    };
    let mut headers = Vec::new();
    for (param, header) in HEADER_PARAMS {
        if let Some(v) = params.get(*param).and_then(scalar) {
            headers.push((header.to_string(), v));
        }
    }
    let action = target.action.as_str();
    if action == "ListBuckets" {
        return Ok((
            "GET",
            query("", params, LIST_BUCKETS_QUERY, None),
            headers,
            Vec::new(),
        ));
    }
    let bucket = text("Bucket")?;
    let mut path = String::new();
    escape(&bucket, &mut path);
    if action == "ListObjectsV2" {
        let path = query(&path, params, LIST_OBJECTS_V2_QUERY, Some("list-type=2"));
        return Ok(("GET", path, headers, Vec::new()));
    }
    if action == "ListObjects" {
        let path = query(&path, params, LIST_OBJECTS_QUERY, None);
        return Ok(("GET", path, headers, Vec::new()));
    }
    let key = text("Key")?;
    for segment in key.split('/') {
        path.push('/');
        escape(segment, &mut path);
    }
    if let Some(Value::Object(meta)) = params.get("Metadata") {
        for (k, v) in meta {
            let v = scalar(v).unwrap_or_else(|| v.to_string());
            headers.push((format!("x-amz-meta-{}", k.to_ascii_lowercase()), v));
        }
    }
    if let Some(Value::String(v)) = params.get("VersionId") {
        path.push_str("?versionId=");
        escape(v, &mut path);
    }
    Ok(match action {
        "PutObject" => {
            // A JSON Body is stored as its text.
            let body = match params.get("Body") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::String(s)) => s.clone().into_bytes(),
                Some(other) => other.to_string().into_bytes(),
            };
            let algorithm = params.get("ChecksumAlgorithm").and_then(Value::as_str);
            let given = CHECKSUM_PARAMS[1..].iter().any(|p| params.contains_key(*p));
            if !given && algorithm.is_none_or(|a| a.eq_ignore_ascii_case("CRC32")) {
                headers.push((
                    "x-amz-checksum-crc32".into(),
                    BASE64.encode(crc32fast::hash(&body).to_be_bytes()),
                ));
            }
            ("PUT", path, headers, body)
        }
        "CopyObject" => {
            // `bucket/key` (URL-encoded, optionally `?versionId=`), sent
            // as given. DIFFERENCE: characters a header cannot hold
            // (spaces, non-ASCII) are percent-encoded here, where the SDK
            // would refuse them.
            let source = text("CopySource")?;
            let mut encoded = String::new();
            for b in source.bytes() {
                if b <= b' ' || b >= 0x7f {
                    encoded.push_str(&format!("%{b:02X}"));
                } else {
                    encoded.push(b as char);
                }
            }
            headers.push(("x-amz-copy-source".into(), encoded));
            ("PUT", path, headers, Vec::new())
        }
        "DeleteObject" => ("DELETE", path, headers, Vec::new()),
        "HeadObject" => ("HEAD", path, headers, Vec::new()),
        _ => ("GET", path, headers, Vec::new()),
    })
}

/// A parameter's value as text (strings, numbers, booleans).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `path?first&name=value…` for the parameters present.
fn query(
    path: &str,
    params: &Map<String, Value>,
    names: &[(&str, &str)],
    first: Option<&str>,
) -> String {
    let mut parts: Vec<String> = first.map(str::to_string).into_iter().collect();
    for (param, name) in names {
        if let Some(v) = params.get(*param).and_then(scalar) {
            let mut part = format!("{name}=");
            escape(&v, &mut part);
            parts.push(part);
        }
    }
    if parts.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}

/// The result of an S3 action that succeeded (status 2xx), or the error
/// S3 put in a 200 answer (CopyObject can).
pub(crate) fn result(target: &Target, answer: &Answer) -> Result<Value, Option<TaskError>> {
    let action = target.action.as_str();
    match action {
        "ListObjects" | "ListObjectsV2" | "ListBuckets" | "CopyObject" => {
            let text = String::from_utf8_lossy(&answer.body);
            let doc = roxmltree::Document::parse(&text).map_err(|e| {
                Some((
                    "States.TaskFailed".to_string(),
                    format!("The response of S3 {action} is not XML: {e}"),
                ))
            })?;
            let root = doc.root_element();
            if root.tag_name().name() == "Error" {
                return Err(None);
            }
            let mut map = match xml_object(root) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            if action == "CopyObject" {
                let mut outer = Map::new();
                outer.insert("CopyObjectResult".into(), Value::Object(map));
                header_members(answer, COPY_HEADERS, &mut outer);
                map = outer;
            } else if action.starts_with("ListObjects")
                && map.get("EncodingType").and_then(Value::as_str) == Some("url")
            {
                // The SDK decodes what S3 URL-encoded.
                url_decode_members(&mut map);
            }
            Ok(Value::Object(map))
        }
        _ => Ok(object_result(action, answer)),
    }
}

/// Members S3 sends as headers: (header, member).
const OBJECT_HEADERS: &[(&str, &str)] = &[
    ("accept-ranges", "AcceptRanges"),
    ("cache-control", "CacheControl"),
    ("content-disposition", "ContentDisposition"),
    ("content-encoding", "ContentEncoding"),
    ("content-language", "ContentLanguage"),
    ("content-type", "ContentType"),
    ("etag", "ETag"),
    ("x-amz-version-id", "VersionId"),
    ("x-amz-delete-marker", "DeleteMarker"),
    ("x-amz-server-side-encryption", "ServerSideEncryption"),
    ("x-amz-storage-class", "StorageClass"),
    ("x-amz-checksum-crc32", "ChecksumCRC32"),
    ("x-amz-checksum-crc32c", "ChecksumCRC32C"),
    ("x-amz-checksum-crc64nvme", "ChecksumCRC64NVME"),
    ("x-amz-checksum-sha1", "ChecksumSHA1"),
    ("x-amz-checksum-sha256", "ChecksumSHA256"),
    ("x-amz-checksum-type", "ChecksumType"),
];
const COPY_HEADERS: &[(&str, &str)] = &[
    ("x-amz-version-id", "VersionId"),
    ("x-amz-copy-source-version-id", "CopySourceVersionId"),
    ("x-amz-server-side-encryption", "ServerSideEncryption"),
];

fn header_members(answer: &Answer, members: &[(&str, &str)], map: &mut Map<String, Value>) {
    for (header, member) in members {
        if let Some(v) = answer.header(header) {
            let value = if *member == "DeleteMarker" {
                Value::Bool(v == "true")
            } else {
                Value::String(v.to_string())
            };
            map.insert(member.to_string(), value);
        }
    }
}

/// An object action's answer: the members S3 sends as headers, and
/// GetObject's Body as text. DIFFERENCE: a Body that is not UTF-8 is read
/// lossily.
fn object_result(action: &str, answer: &Answer) -> Value {
    let mut map = Map::new();
    let get = action == "GetObject";
    let head = action == "HeadObject";
    for (header, member) in OBJECT_HEADERS {
        if let Some(v) = answer.header(header) {
            if !(get || head) && matches!(*header, "content-type" | "accept-ranges") {
                continue;
            }
            let value = if *member == "DeleteMarker" {
                Value::Bool(v == "true")
            } else {
                Value::String(v.to_string())
            };
            map.insert(member.to_string(), value);
        }
    }
    if get || head {
        if get {
            map.insert(
                "Body".into(),
                Value::String(String::from_utf8_lossy(&answer.body).into_owned()),
            );
            map.insert("ContentLength".into(), Value::from(answer.body.len()));
        } else if let Some(n) = answer
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            map.insert("ContentLength".into(), Value::from(n));
        }
        if let Some(v) = answer.header("last-modified") {
            let iso =
                time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc2822)
                    .ok()
                    .and_then(|t| iso_instant(t.unix_timestamp() as f64));
            map.insert(
                "LastModified".into(),
                Value::String(iso.unwrap_or_else(|| v.to_string())),
            );
        }
        let mut metadata = Map::new();
        for (k, v) in &answer.headers {
            let lower = k.to_ascii_lowercase();
            if let Some(name) = lower.strip_prefix("x-amz-meta-") {
                metadata.insert(name.to_string(), Value::String(v.clone()));
            }
        }
        map.insert("Metadata".into(), Value::Object(metadata));
    }
    Value::Object(map)
}

/// Repeated elements that are lists (S3's flattened lists).
const FLAT_LISTS: &[&str] = &["Contents", "CommonPrefixes", "ChecksumAlgorithm"];
/// Elements whose children are a list's items (`<Buckets><Bucket>…`).
const WRAPPED_LISTS: &[&str] = &["Buckets"];
const NUMBERS: &[&str] = &["KeyCount", "MaxKeys", "Size"];
const BOOLEANS: &[&str] = &["IsTruncated", "IsRestoreInProgress"];
const TIMESTAMPS: &[&str] = &["LastModified", "CreationDate", "RestoreExpiryDate"];

/// An S3 XML element as the SDK's object, typed by member name.
fn xml_object(node: roxmltree::Node<'_, '_>) -> Value {
    let mut map = Map::new();
    for child in node.children().filter(|n| n.is_element()) {
        let name = child.tag_name().name();
        let value = if WRAPPED_LISTS.contains(&name) {
            Value::Array(
                child
                    .children()
                    .filter(|n| n.is_element())
                    .map(xml_member)
                    .collect(),
            )
        } else {
            xml_member(child)
        };
        if FLAT_LISTS.contains(&name) {
            match map
                .entry(name.to_string())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items.push(value),
                other => *other = Value::Array(vec![value]),
            }
        } else {
            map.insert(name.to_string(), value);
        }
    }
    Value::Object(map)
}

fn xml_member(node: roxmltree::Node<'_, '_>) -> Value {
    if node.children().any(|n| n.is_element()) {
        return xml_object(node);
    }
    let name = node.tag_name().name();
    let text = node.text().unwrap_or_default();
    if NUMBERS.contains(&name) {
        if let Ok(n) = text.trim().parse::<i64>() {
            return Value::from(n);
        }
    }
    if BOOLEANS.contains(&name) {
        match text.trim() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    if TIMESTAMPS.contains(&name) {
        if let Some(iso) =
            time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
                .ok()
                .and_then(|t| iso_instant(t.unix_timestamp_nanos() as f64 / 1e9))
        {
            return Value::String(iso);
        }
    }
    Value::String(text.to_string())
}

/// ListObjectsV2 with `EncodingType: url`: the keys and prefixes decoded.
fn url_decode_members(map: &mut Map<String, Value>) {
    for name in ["Delimiter", "Marker", "NextMarker", "Prefix", "StartAfter"] {
        if let Some(Value::String(s)) = map.get_mut(name) {
            *s = url_decode(s);
        }
    }
    for (list, member) in [("Contents", "Key"), ("CommonPrefixes", "Prefix")] {
        if let Some(Value::Array(items)) = map.get_mut(list) {
            for item in items {
                if let Some(Value::String(s)) = item.get_mut(member) {
                    *s = url_decode(s);
                }
            }
        }
    }
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let digit = |j: usize| bytes.get(j).and_then(|d| (*d as char).to_digit(16));
            if let (Some(h), Some(l)) = (digit(i + 1), digit(i + 2)) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' { b' ' } else { b });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::request::prepare;
    use crate::response::task_result;
    use crate::services::{test_answer as answer, test_target as target};

    #[test]
    fn requests() {
        // (action, parameters, method, url, headers that must be there)
        type Row<'a> = (
            &'a str,
            serde_json::Value,
            &'a str,
            &'a str,
            &'a [(&'a str, &'a str)],
        );
        let rows: &[Row<'_>] = &[
            (
                "listObjectsV2",
                json!({"Bucket": "b", "Prefix": "logs/2024 05/", "Delimiter": "/", "MaxKeys": 2,
                       "ContinuationToken": "1/abc+=", "StartAfter": "logs/a", "FetchOwner": true}),
                "GET",
                "http://h:9000/b?list-type=2&continuation-token=1%2Fabc%2B%3D&delimiter=%2F&fetch-owner=true&max-keys=2&prefix=logs%2F2024%2005%2F&start-after=logs%2Fa",
                &[],
            ),
            (
                "listObjectsV2",
                json!({"Bucket": "b", "ExpectedBucketOwner": "123456789012"}),
                "GET",
                "http://h:9000/b?list-type=2",
                &[("x-amz-expected-bucket-owner", "123456789012")],
            ),
            (
                "listObjects",
                json!({"Bucket": "b", "Prefix": "a/", "Marker": "a/x y", "MaxKeys": 5}),
                "GET",
                "http://h:9000/b?marker=a%2Fx%20y&max-keys=5&prefix=a%2F",
                &[],
            ),
            ("listBuckets", json!({}), "GET", "http://h:9000/", &[]),
            (
                "listBuckets",
                json!({"MaxBuckets": 10, "Prefix": "app-"}),
                "GET",
                "http://h:9000/?max-buckets=10&prefix=app-",
                &[],
            ),
            (
                "headObject",
                json!({"Bucket": "b", "Key": "a/b.txt", "IfNoneMatch": "\"e\""}),
                "HEAD",
                "http://h:9000/b/a/b.txt",
                &[("if-none-match", "\"e\"")],
            ),
            (
                "copyObject",
                json!({"Bucket": "dst", "Key": "copy of.json", "CopySource": "src/dir/o 1.json",
                       "MetadataDirective": "REPLACE", "Metadata": {"Owner": "ana"}, "ContentType": "application/json"}),
                "PUT",
                "http://h:9000/dst/copy%20of.json",
                &[
                    ("x-amz-copy-source", "src/dir/o%201.json"),
                    ("x-amz-metadata-directive", "REPLACE"),
                    ("x-amz-meta-owner", "ana"),
                    ("content-type", "application/json"),
                ],
            ),
        ];
        for (action, params, method, url, headers) in rows {
            let resource = format!("arn:aws:states:::aws-sdk:s3:{action}");
            let p = match prepare(&target(&resource), params, "http://h:9000") {
                Ok(p) => p,
                Err(e) => panic!("{action}: {e:?}"),
            };
            assert_eq!((p.method, p.url.as_str()), (*method, *url), "{action}");
            for (k, v) in *headers {
                assert!(
                    p.headers.iter().any(|(hk, hv)| hk == k && hv == v),
                    "{action}: no {k}: {v} in {:?}",
                    p.headers
                );
            }
            assert!(p.body.is_empty(), "{action}");
        }
        // Required parameters.
        for (action, params, missing) in [
            (
                "listObjectsV2",
                json!({"Prefix": "p"}),
                "Bucket is required",
            ),
            (
                "copyObject",
                json!({"Bucket": "b", "Key": "k"}),
                "CopySource is required",
            ),
            ("headObject", json!({"Bucket": "b"}), "Key is required"),
        ] {
            let resource = format!("arn:aws:states:::aws-sdk:s3:{action}");
            match prepare(&target(&resource), &params, "http://h") {
                Err((e, c)) => {
                    assert_eq!(e, "States.Runtime");
                    assert!(c.contains(missing), "{c}");
                }
                Ok(p) => panic!("{action}: {p:?}"),
            }
        }
    }

    #[test]
    fn put_object_sends_the_body_crc32_unless_a_checksum_is_given() {
        // (parameters, the checksum header expected, one not expected)
        let rows = [
            (
                json!({"Bucket": "b", "Key": "k", "Body": "hello"}),
                Some(("x-amz-checksum-crc32", "NhCmhg==")),
                None,
            ),
            (
                json!({"Bucket": "b", "Key": "k"}),
                Some(("x-amz-checksum-crc32", "AAAAAA==")),
                None,
            ),
            (
                // A JSON body is sent, and summed, as its text.
                json!({"Bucket": "b", "Key": "k", "Body": {"a": 1}, "ChecksumAlgorithm": "CRC32"}),
                Some(("x-amz-checksum-crc32", "Vhusrw==")),
                None,
            ),
            (
                json!({"Bucket": "b", "Key": "k", "Body": "hello", "ChecksumSHA256": "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="}),
                Some((
                    "x-amz-checksum-sha256",
                    "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=",
                )),
                Some("x-amz-checksum-crc32"),
            ),
            (
                json!({"Bucket": "b", "Key": "k", "Body": "hello", "ChecksumAlgorithm": "SHA256"}),
                None,
                Some("x-amz-checksum-crc32"),
            ),
        ];
        for (params, want, absent) in rows {
            let p = match prepare(
                &target("arn:aws:states:::aws-sdk:s3:putObject"),
                &params,
                "http://h",
            ) {
                Ok(p) => p,
                Err(e) => panic!("{params}: {e:?}"),
            };
            if let Some((k, v)) = want {
                assert!(
                    p.headers.iter().any(|(hk, hv)| hk == k && hv == v),
                    "{params}: no {k}: {v} in {:?}",
                    p.headers
                );
            }
            if let Some(k) = absent {
                assert!(
                    p.headers.iter().all(|(hk, _)| hk != k),
                    "{params}: {:?}",
                    p.headers
                );
            }
        }
    }

    #[test]
    fn results() {
        // (action, headers, body, result)
        type Row<'a> = (
            &'a str,
            &'a [(&'a str, &'a str)],
            &'a str,
            serde_json::Value,
        );
        let rows: &[Row<'_>] = &[
            (
                "listObjectsV2",
                &[],
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix>logs/</Prefix><Delimiter>/</Delimiter><MaxKeys>2</MaxKeys>
  <Contents><Key>logs/a.txt</Key><LastModified>2024-05-01T12:00:00.000Z</LastModified>
    <ETag>&quot;e1&quot;</ETag><ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>logs/b.txt</Key><LastModified>2024-05-01T12:00:01.250Z</LastModified>
    <ETag>&quot;e2&quot;</ETag><Size>0</Size><StorageClass>STANDARD</StorageClass>
    <Owner><ID>o-1</ID><DisplayName>ana</DisplayName></Owner></Contents>
  <CommonPrefixes><Prefix>logs/2024/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>logs/2025/</Prefix></CommonPrefixes>
  <IsTruncated>true</IsTruncated><KeyCount>4</KeyCount>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>"#,
                json!({
                    "Name": "b", "Prefix": "logs/", "Delimiter": "/", "MaxKeys": 2,
                    "Contents": [
                        {"Key": "logs/a.txt", "LastModified": "2024-05-01T12:00:00Z", "ETag": "\"e1\"",
                         "ChecksumAlgorithm": ["CRC32"], "Size": 12, "StorageClass": "STANDARD"},
                        {"Key": "logs/b.txt", "LastModified": "2024-05-01T12:00:01.250Z", "ETag": "\"e2\"",
                         "Size": 0, "StorageClass": "STANDARD", "Owner": {"ID": "o-1", "DisplayName": "ana"}}
                    ],
                    "CommonPrefixes": [{"Prefix": "logs/2024/"}, {"Prefix": "logs/2025/"}],
                    "IsTruncated": true, "KeyCount": 4,
                    "NextContinuationToken": "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM="
                }),
            ),
            (
                // An empty listing: no Contents at all.
                "listObjectsV2",
                &[],
                "<ListBucketResult><Name>b</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>",
                json!({"Name": "b", "Prefix": "", "KeyCount": 0, "MaxKeys": 1000, "IsTruncated": false}),
            ),
            (
                "listObjectsV2",
                &[],
                "<ListBucketResult><Name>b</Name><Prefix>a%20b/</Prefix><EncodingType>url</EncodingType><Contents><Key>a%20b/c%2Bd+e.txt</Key><Size>1</Size></Contents><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>",
                json!({"Name": "b", "Prefix": "a b/", "EncodingType": "url", "Contents": [{"Key": "a b/c+d e.txt", "Size": 1}], "KeyCount": 1, "IsTruncated": false}),
            ),
            (
                // ListObjects (version 1): Marker and NextMarker.
                "listObjects",
                &[],
                "<ListBucketResult><Name>b</Name><Prefix>a%20b/</Prefix><Marker>a%20b/0</Marker><NextMarker>a%20b/c</NextMarker><EncodingType>url</EncodingType><MaxKeys>1</MaxKeys><Contents><Key>a%20b/c</Key><Size>3</Size></Contents><IsTruncated>true</IsTruncated></ListBucketResult>",
                json!({"Name": "b", "Prefix": "a b/", "Marker": "a b/0", "NextMarker": "a b/c", "EncodingType": "url",
                       "MaxKeys": 1, "Contents": [{"Key": "a b/c", "Size": 3}], "IsTruncated": true}),
            ),
            (
                // S3 echoes the checksum the request sent.
                "putObject",
                &[("etag", "\"e\""), ("x-amz-checksum-crc32", "NhCmhg=="), ("x-amz-checksum-type", "FULL_OBJECT")],
                "",
                json!({"ETag": "\"e\"", "ChecksumCRC32": "NhCmhg==", "ChecksumType": "FULL_OBJECT"}),
            ),
            (
                "listBuckets",
                &[],
                "<ListAllMyBucketsResult><Owner><ID>o-1</ID><DisplayName>ana</DisplayName></Owner><Buckets><Bucket><Name>a</Name><CreationDate>2024-05-01T12:00:00.000Z</CreationDate></Bucket><Bucket><Name>b</Name><CreationDate>2024-05-02T12:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>",
                json!({
                    "Owner": {"ID": "o-1", "DisplayName": "ana"},
                    "Buckets": [
                        {"Name": "a", "CreationDate": "2024-05-01T12:00:00Z"},
                        {"Name": "b", "CreationDate": "2024-05-02T12:00:00Z"}
                    ]
                }),
            ),
            (
                "listBuckets",
                &[],
                "<ListAllMyBucketsResult><Owner><ID>o-1</ID></Owner><Buckets></Buckets></ListAllMyBucketsResult>",
                json!({"Owner": {"ID": "o-1"}, "Buckets": []}),
            ),
            (
                "copyObject",
                &[("x-amz-version-id", "v2"), ("x-amz-copy-source-version-id", "v1")],
                "<CopyObjectResult><LastModified>2024-05-01T12:00:00.000Z</LastModified><ETag>\"e\"</ETag></CopyObjectResult>",
                json!({"CopyObjectResult": {"LastModified": "2024-05-01T12:00:00Z", "ETag": "\"e\""},
                       "VersionId": "v2", "CopySourceVersionId": "v1"}),
            ),
            (
                "headObject",
                &[("content-type", "text/plain"), ("content-length", "5"), ("etag", "\"abc\""),
                  ("last-modified", "Wed, 01 May 2024 12:00:00 GMT"), ("x-amz-meta-owner", "ana"),
                  ("accept-ranges", "bytes")],
                "",
                json!({"AcceptRanges": "bytes", "ContentType": "text/plain", "ETag": "\"abc\"", "ContentLength": 5,
                       "LastModified": "2024-05-01T12:00:00Z", "Metadata": {"owner": "ana"}}),
            ),
        ];
        for (action, headers, body, want) in rows {
            let resource = format!("arn:aws:states:::aws-sdk:s3:{action}");
            match task_result(&target(&resource), &answer(200, headers, body)) {
                Ok(v) => assert_eq!(&v, want, "{action}"),
                Err(e) => panic!("{action}: {e:?}"),
            }
        }
    }

    #[test]
    fn errors() {
        // (action, status, headers, body, error, cause)
        type Row<'a> = (
            &'a str,
            u16,
            &'a [(&'a str, &'a str)],
            &'a str,
            &'a str,
            &'a str,
        );
        let rows: &[Row<'_>] = &[
            (
                "listObjectsV2",
                404,
                &[("x-amz-request-id", "R1"), ("x-amz-id-2", "X1")],
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>b</BucketName></Error>",
                "S3.NoSuchBucketException",
                "The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: R1, Extended Request ID: X1) (SDK Attempt Count: 1)",
            ),
            (
                "headObject",
                404,
                &[("x-amz-request-id", "R2"), ("x-amz-id-2", "X2")],
                "",
                "S3.NoSuchKeyException",
                "null (Service: S3, Status Code: 404, Request ID: R2, Extended Request ID: X2) (SDK Attempt Count: 1)",
            ),
            (
                "headObject",
                403,
                &[("x-amz-request-id", "R3")],
                "",
                "S3.S3Exception",
                "null (Service: S3, Status Code: 403, Request ID: R3, Extended Request ID: ) (SDK Attempt Count: 1)",
            ),
            (
                // CopyObject can fail after its 200 has been sent.
                "copyObject",
                200,
                &[("x-amz-request-id", "R4")],
                "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>",
                "S3.InternalErrorException",
                "We encountered an internal error. Please try again. (Service: S3, Status Code: 200, Request ID: R4, Extended Request ID: ) (SDK Attempt Count: 1)",
            ),
        ];
        for (action, status, headers, body, error, cause) in rows {
            let resource = format!("arn:aws:states:::aws-sdk:s3:{action}");
            match task_result(&target(&resource), &answer(*status, headers, body)) {
                Err((e, c)) => assert_eq!((e.as_str(), c.as_str()), (*error, *cause), "{action}"),
                Ok(v) => panic!("{action}: {v}"),
            }
        }
        // Not XML.
        match task_result(
            &target("arn:aws:states:::aws-sdk:s3:listBuckets"),
            &answer(200, &[], "<oops"),
        ) {
            Err((e, c)) => {
                assert_eq!(e, "States.TaskFailed");
                assert!(c.contains("S3 ListBuckets is not XML"), "{c}");
            }
            Ok(v) => panic!("{v}"),
        }
    }
}
