//! `SdkHttpMetadata`, as the AWS SDK for Java 1.x reports a response's
//! headers and Step Functions shows them in the results of its optimized
//! integrations (`lambda:invoke` here, the others in `stepwell-aws`).
//!
//! The SDK keeps the headers twice. `HttpHeaders` is a `TreeMap` ordered
//! by `String.CASE_INSENSITIVE_ORDER` (one value per name: the last one
//! received, under the first spelling received). `AllHttpHeaders` is a
//! `java.util.HashMap` of every value per name, which Jackson writes in the
//! map's iteration order: by bucket (`String.hashCode()`, its high half
//! folded into the low one, masked by the table's size: 16, doubled
//! whenever the map holds more than three quarters of it), then in the
//! order the names went into the bucket.
//!
//! That rule gives the orders recorded against AWS (LocalStack's snapshots,
//! tests/aws/services/stepfunctions/v2/services): SQS `test_send_message`
//! `x-amzn-RequestId, connection, Content-Length, Date, Content-Type`;
//! DynamoDB `test_base_integrations[DYNAMODB_PUT_GET_ITEM]`
//! `Server, Connection, x-amzn-RequestId, x-amz-crc32, Content-Length,
//! Date, Content-Type`; Lambda `test_invoke_unsupported_param`
//! `X-Amz-Log-Result, X-Amz-Executed-Version,
//! x-amzn-Remapped-Content-Length, Connection, x-amzn-RequestId,
//! Content-Length, Date, X-Amzn-Trace-Id, Content-Type`.

use serde_json::{Map, Value};

/// `SdkHttpMetadata` for a response with `status` and `headers` (names as
/// the SDK would see them on the wire, in the order received).
pub fn http_metadata(headers: &[(String, String)], status: u16) -> Map<String, Value> {
    let mut metadata = Map::new();
    metadata.insert(
        "AllHttpHeaders".into(),
        Value::Object(all_http_headers(headers)),
    );
    metadata.insert("HttpHeaders".into(), Value::Object(http_headers(headers)));
    metadata.insert("HttpStatusCode".into(), Value::from(status));
    metadata
}

/// Every value of every name, in `java.util.HashMap`'s iteration order.
fn all_http_headers(headers: &[(String, String)]) -> Map<String, Value> {
    // The names in the order they went in, each with its values.
    let mut names: Vec<(&str, Vec<Value>)> = Vec::new();
    for (name, value) in headers {
        match names.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => values.push(Value::String(value.clone())),
            None => names.push((name, vec![Value::String(value.clone())])),
        }
    }
    let order = stepwell_java::hash_map_order(names.iter().map(|(name, _)| *name));
    let mut names: Vec<Option<(&str, Vec<Value>)>> = names.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| names.get_mut(i).and_then(Option::take))
        .map(|(name, values)| (name.to_string(), Value::Array(values)))
        .collect()
}

/// One value per name (the last), in `CASE_INSENSITIVE_ORDER`.
fn http_headers(headers: &[(String, String)]) -> Map<String, Value> {
    let mut single: Vec<(&str, &str)> = Vec::new();
    for (name, value) in headers {
        match single
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some((_, v)) => *v = value,
            None => single.push((name, value)),
        }
    }
    single.sort_by(|(a, _), (b, _)| case_insensitive(a, b));
    single
        .into_iter()
        .map(|(name, value)| (name.to_string(), Value::String(value.to_string())))
        .collect()
}

/// `String.CASE_INSENSITIVE_ORDER`: UTF-16 units compared after
/// `Character.toUpperCase` then `toLowerCase`.
fn case_insensitive(a: &str, b: &str) -> std::cmp::Ordering {
    let fold = |c: char| -> String { c.to_uppercase().flat_map(char::to_lowercase).collect() };
    let a = a.chars().map(fold).collect::<String>();
    let b = b.chars().map(fold).collect::<String>();
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(map: &Map<String, Value>) -> Vec<&str> {
        map.keys().map(String::as_str).collect()
    }

    fn headers(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("v-{n}")))
            .collect()
    }

    /// The orders recorded against AWS (LocalStack's snapshots, see the
    /// module's docs), whatever order the headers arrive in.
    #[test]
    fn all_http_headers_in_java_hash_map_order() {
        let rows: &[&[&str]] = &[
            // SQS test_send_message, SNS test_publish_message_attributes.
            &[
                "x-amzn-RequestId",
                "connection",
                "Content-Length",
                "Date",
                "Content-Type",
            ],
            // SNS test_publish_base[HelloWorld].
            &["x-amzn-RequestId", "Content-Length", "Date", "Content-Type"],
            // DynamoDB test_base_integrations[DYNAMODB_PUT_GET_ITEM].
            &[
                "Server",
                "Connection",
                "x-amzn-RequestId",
                "x-amz-crc32",
                "Content-Length",
                "Date",
                "Content-Type",
            ],
            // Lambda test_invoke_unsupported_param.
            &[
                "X-Amz-Log-Result",
                "X-Amz-Executed-Version",
                "x-amzn-Remapped-Content-Length",
                "Connection",
                "x-amzn-RequestId",
                "Content-Length",
                "Date",
                "X-Amzn-Trace-Id",
                "Content-Type",
            ],
        ];
        for recorded in rows {
            // Names that share a bucket stay in their order of arrival
            // (AWS's answers send `Connection` before `x-amzn-RequestId`,
            // `Date` before `X-Amzn-Trace-Id`).
            let mut sorted: Vec<&str> = recorded.to_vec();
            sorted.sort_by(|a, b| case_insensitive(a, b));
            for arrival in [recorded.to_vec(), sorted] {
                let m = http_metadata(&headers(&arrival), 200);
                let Some(Value::Object(all)) = m.get("AllHttpHeaders") else {
                    panic!("{m:?}");
                };
                assert_eq!(keys(all), *recorded, "arriving as {arrival:?}");
            }
        }
    }

    /// `HttpHeaders` is sorted case-insensitively (DynamoDB's recording:
    /// `Connection, Content-Length, Content-Type, Date, Server,
    /// x-amz-crc32, x-amzn-RequestId`); the last value of a name repeated
    /// wins, `AllHttpHeaders` keeps them all.
    #[test]
    fn http_headers_sorted_case_insensitively() {
        let mut h = headers(&[
            "Server",
            "Connection",
            "x-amzn-RequestId",
            "x-amz-crc32",
            "Content-Length",
            "Date",
            "Content-Type",
        ]);
        h.push(("Server".into(), "second".into()));
        let m = http_metadata(&h, 200);
        let Some(Value::Object(single)) = m.get("HttpHeaders") else {
            panic!("{m:?}");
        };
        assert_eq!(
            keys(single),
            [
                "Connection",
                "Content-Length",
                "Content-Type",
                "Date",
                "Server",
                "x-amz-crc32",
                "x-amzn-RequestId"
            ]
        );
        assert_eq!(single["Server"], "second");
        assert_eq!(
            m["AllHttpHeaders"]["Server"],
            serde_json::json!(["v-Server", "second"])
        );
        assert_eq!(m["HttpStatusCode"], 200);
        assert_eq!(
            keys(&m),
            ["AllHttpHeaders", "HttpHeaders", "HttpStatusCode"]
        );
    }
}
