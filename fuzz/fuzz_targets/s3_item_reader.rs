//! A Distributed Map's `ItemReader` over objects whose contents are the
//! fuzzer's bytes: `LocalS3::read_items` must return items or an error
//! (never panic, never hang), and never more items than `MaxItems`.
//!
//! Input: four header bytes choose the reader (resource, `InputType`,
//! `LOAD_AND_FLATTEN`, CSV header location and delimiter, `MaxItems`,
//! `ItemsPointer`, `Prefix`, how a manifest is made and whether its data
//! files are gzip-compressed); the rest, split at `0xFE`, is the contents
//! of `in/0` .. `in/3` in bucket `b`, then the `CSVHeaders` of `GIVEN`
//! (comma-separated). With a built manifest, `in/0`'s bytes are the
//! `fileSchema` and `in/1` .. `in/3` are its data files; with a built
//! Athena manifest (`ATHENA_DATA`), `in/0` lists `in/1` .. `in/3` as S3
//! URIs. A single Parquet object (`PARQUET` with `s3:getObject`, no
//! Athena manifest) is the whole rest, not split (a Parquet file holds
//! 0xFE bytes); seeds hold real Parquet files.
//!
//! The `parquet` crate may panic on malformed input; `s3::parquet` calls
//! it under `catch_unwind` and fails the read. libFuzzer's panic hook
//! would abort on such a caught panic, so the hook here lets panics
//! raised in the `parquet` crate's own source unwind to that guard
//! (printing each place once); any other panic still aborts.
//!
//! One temporary directory serves every run; files are overwritten or
//! removed each time.
#![no_main]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use stepwell_asl::{CsvDelimiter, CsvHeaderLocation, InputType, ReaderConfig, ReaderResource};
use stepwell_core::ReadRequest;
use stepwell_engine::LocalS3;

const KEYS: [&str; 4] = ["in/0", "in/1", "in/2", "in/3"];

/// Decompressed inventory files and the items built from CSV stay far
/// below libFuzzer's memory limit even when run with a large `-max_len`.
const MAX_INFLATED: u64 = 16 << 20;
const MAX_CSV_ITEMS_BYTES: u64 = 64 << 20;

fn bucket_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("stepwell-fuzz-s3-{}", std::process::id()));
        let dir = root.join("b").join("in");
        std::fs::create_dir_all(&dir).expect("a temporary directory for the local S3");
        root.join("b")
    })
}

/// Panics in the `parquet` crate unwind to `s3::parquet`'s guard; the
/// rest abort, as libFuzzer expects.
fn install_panic_hook() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if place.contains("/parquet-") {
                if seen
                    .lock()
                    .map(|mut s| s.insert(place.clone()))
                    .unwrap_or(false)
                {
                    eprintln!("parquet crate panicked (caught by the reader) at {place}: {info}");
                }
                return;
            }
            eprintln!("{info}");
            std::process::abort();
        }));
    });
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    install_panic_hook();
    let (head, rest) = data.split_at(data.len().min(4));
    let h = |i: usize| head.get(i).copied().unwrap_or(0);
    let (h0, h1, h2, h3) = (h(0), h(1), h(2), h(3));

    let input_type = match h0 % 8 {
        0 | 1 => Some(InputType::Csv),
        2 => Some(InputType::Json),
        3 => Some(InputType::Jsonl),
        4 | 5 => Some(InputType::Manifest),
        6 => Some(InputType::Parquet),
        _ => None,
    };
    let list = h0 & 0x08 != 0;
    let load_and_flatten = h0 & 0x10 != 0;
    let built_manifest = h0 & 0x20 != 0;
    let gzipped = h0 & 0x40 != 0;
    let athena = h0 & 0x80 != 0 && h1 & 0x80 != 0;
    let delimiter = [
        CsvDelimiter::Comma,
        CsvDelimiter::Pipe,
        CsvDelimiter::Semicolon,
        CsvDelimiter::Space,
        CsvDelimiter::Tab,
    ][usize::from(h1 % 5)];
    let given = h1 & 0x08 != 0;
    let max_items = match h2 {
        0x80..=0xFE => None,
        0xFF => Some(u64::MAX),
        n => Some(u64::from(n % 16)),
    };
    let items_pointer = ["", "/items", "/a/0", "/~1x~0", "/0", "/-"]
        .get(usize::from(h3 % 8))
        .map(|p| p.to_string());
    let prefix = ["", "in/", "in/1", "zz", "i"][usize::from((h3 >> 3) % 5)];

    let single_parquet = input_type == Some(InputType::Parquet) && !list && !athena;
    let mut chunks = rest.split(|b| *b == 0xFE);
    let dir = bucket_dir();
    let (contents, headers): (Vec<Option<&[u8]>>, _) = if single_parquet {
        (vec![Some(rest), None, None, None], None)
    } else {
        let contents = KEYS.iter().map(|_| chunks.next()).collect();
        (contents, chunks.next())
    };
    for (i, (key, content)) in KEYS.iter().zip(&contents).enumerate() {
        let path = dir.join(key);
        let Some(content) = content else {
            let _ = std::fs::remove_file(&path);
            continue;
        };
        let bytes = if i == 0 && built_manifest && athena {
            b"s3://b/in/1\ns3://b/in/2\n\ns3://b/in/3\n".to_vec()
        } else if i == 0 && built_manifest {
            serde_json::to_vec(&json!({
                "sourceBucket": "b",
                "destinationBucket": "arn:aws:s3:::b",
                "fileFormat": "CSV",
                "fileSchema": String::from_utf8_lossy(content),
                "files": [{"key": "in/1"}, {"key": "in/2"}, {"key": "in/3"}],
            }))
            .unwrap_or_default()
        } else if i > 0 && gzipped {
            gzip(content)
        } else {
            content.to_vec()
        };
        std::fs::write(&path, bytes).expect("writing an object");
    }

    let config = ReaderConfig {
        input_type,
        csv_header_location: if given {
            CsvHeaderLocation::Given
        } else {
            CsvHeaderLocation::FirstRow
        },
        csv_headers: match headers {
            Some(h) => String::from_utf8_lossy(h)
                .split(',')
                .map(str::to_string)
                .collect(),
            None => vec!["a".into(), "b".into()],
        },
        csv_delimiter: delimiter,
        items_pointer: items_pointer.filter(|p| !p.is_empty()),
        load_and_flatten,
        manifest_type: athena.then(|| "ATHENA_DATA".to_string()),
    };
    let parameters = if list {
        json!({"Bucket": "b", "Prefix": prefix})
    } else {
        json!({"Bucket": "b", "Key": "in/0"})
    };
    let req = ReadRequest {
        read: 1,
        state_name: "Map".into(),
        resource: if list {
            ReaderResource::ListObjectsV2
        } else {
            ReaderResource::GetObject
        },
        parameters: Arc::new(parameters),
        config,
        max_items,
    };
    let s3 = LocalS3::new(dir.parent().unwrap_or(dir))
        .with_max_inflated(MAX_INFLATED)
        .with_max_csv_items_bytes(MAX_CSV_ITEMS_BYTES);
    if let Ok(items) = s3.read_items(&req) {
        if let Some(m) = max_items {
            assert!(
                items.len() as u64 <= m,
                "{} items, MaxItems {m}",
                items.len()
            );
        }
        if input_type == Some(InputType::Csv) && !list {
            assert!(items.iter().all(|i| i
                .as_object()
                .is_some_and(|o| o.values().all(Value::is_string))));
        }
    }
});
