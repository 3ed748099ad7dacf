//! A Distributed Map's `ItemReader` over Parquet objects (`InputType:
//! PARQUET`) and Athena data manifests (`ManifestType: ATHENA_DATA`),
//! with real Parquet files written by the `parquet` crate's writer.
//!
//! AWS: <https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html>
//! (Parquet files: 256 MB row groups, a 5 MB footer, GZIP/ZSTD/SNAPPY;
//! Athena data manifests from `UNLOAD`). How each column type becomes JSON
//! is ours (AWS is silent): `stepwell_engine::s3::parquet` says what and
//! why. Runs through a whole Map are checked for the replay property by
//! `common::run_plan_s3`.

mod common;

use std::sync::Arc;

use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, FixedLenByteArray, FixedLenByteArrayType,
    FloatType, Int32Type, Int64Type,
};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use serde_json::{json, Value};
use stepwell_asl::{InputType, ReaderConfig, ReaderResource};
use stepwell_core::{map_run, ReadRequest};
use stepwell_engine::LocalS3;

use common::{parse, run_plan_s3, Run};

/// One column chunk's values with their definition and repetition levels.
#[derive(Clone)]
enum Col {
    Bool(Vec<bool>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bytes(Vec<&'static [u8]>),
    Fixed(Vec<Vec<u8>>),
}

#[derive(Clone)]
struct Chunk {
    values: Col,
    def: Option<Vec<i16>>,
    rep: Option<Vec<i16>>,
}

fn req(values: Col) -> Chunk {
    Chunk {
        values,
        def: None,
        rep: None,
    }
}

fn opt(values: Col, def: &[i16]) -> Chunk {
    Chunk {
        values,
        def: Some(def.to_vec()),
        rep: None,
    }
}

fn nested(values: Col, def: &[i16], rep: &[i16]) -> Chunk {
    Chunk {
        values,
        def: Some(def.to_vec()),
        rep: Some(rep.to_vec()),
    }
}

/// A Parquet file with `schema` (the message-type text), one row group per
/// element of `groups` (each a chunk per leaf column, in schema order).
fn parquet_file(schema: &str, props: WriterProperties, groups: &[Vec<Chunk>]) -> Vec<u8> {
    let schema = Arc::new(parse_message_type(schema).unwrap_or_else(|e| panic!("{e}")));
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, schema, Arc::new(props))
        .unwrap_or_else(|e| panic!("{e}"));
    for group in groups {
        let mut rg = writer.next_row_group().unwrap_or_else(|e| panic!("{e}"));
        for chunk in group {
            let Ok(Some(mut col)) = rg.next_column() else {
                panic!("more chunks than columns");
            };
            let (def, rep) = (chunk.def.as_deref(), chunk.rep.as_deref());
            let written = match &chunk.values {
                Col::Bool(v) => col.typed::<BoolType>().write_batch(v, def, rep),
                Col::I32(v) => col.typed::<Int32Type>().write_batch(v, def, rep),
                Col::I64(v) => col.typed::<Int64Type>().write_batch(v, def, rep),
                Col::F32(v) => col.typed::<FloatType>().write_batch(v, def, rep),
                Col::F64(v) => col.typed::<DoubleType>().write_batch(v, def, rep),
                Col::Bytes(v) => {
                    let v: Vec<ByteArray> = v.iter().map(|b| ByteArray::from(b.to_vec())).collect();
                    col.typed::<ByteArrayType>().write_batch(&v, def, rep)
                }
                Col::Fixed(v) => {
                    let v: Vec<FixedLenByteArray> = v
                        .iter()
                        .map(|b| FixedLenByteArray::from(ByteArray::from(b.clone())))
                        .collect();
                    col.typed::<FixedLenByteArrayType>()
                        .write_batch(&v, def, rep)
                }
            };
            written.unwrap_or_else(|e| panic!("{e}"));
            col.close().unwrap_or_else(|e| panic!("{e}"));
        }
        rg.close().unwrap_or_else(|e| panic!("{e}"));
    }
    writer.close().unwrap_or_else(|e| panic!("{e}"));
    out
}

fn props(compression: Compression) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(compression)
        .build()
}

/// A local S3 with the bucket `data` holding `files`.
fn s3_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, LocalS3) {
    let (dir, s3) = common::local_s3(&["data"], &[]);
    for (key, content) in files {
        assert!(s3.put_object("data", key, content).is_ok(), "{key}");
    }
    (dir, s3)
}

fn get(key: &str, config: ReaderConfig, max_items: Option<u64>) -> ReadRequest {
    ReadRequest {
        read: 1,
        state_name: "Map".into(),
        resource: ReaderResource::GetObject,
        parameters: Arc::new(json!({"Bucket": "data", "Key": key})),
        config,
        max_items,
    }
}

fn parquet_config() -> ReaderConfig {
    ReaderConfig {
        input_type: Some(InputType::Parquet),
        ..ReaderConfig::default()
    }
}

/// 1,000 rows of `{"n": i, "s": "row i"}` in three row groups.
fn numbered(compression: Compression) -> Vec<u8> {
    let group = |from: i64, to: i64| {
        let names: Vec<&'static [u8]> = (from..to)
            .map(|i| &*Box::leak(format!("row {i}").into_bytes().into_boxed_slice()))
            .collect();
        vec![req(Col::I64((from..to).collect())), req(Col::Bytes(names))]
    };
    let props = WriterProperties::builder()
        .set_compression(compression)
        // Several pages per column chunk.
        .set_data_page_row_count_limit(64)
        .set_write_batch_size(64)
        .build();
    parquet_file(
        "message m { required int64 n; required binary s (STRING); }",
        props,
        &[group(0, 400), group(400, 700), group(700, 1000)],
    )
}

fn numbered_items(from: i64, to: i64) -> Vec<Value> {
    (from..to)
        .map(|i| json!({"n": i, "s": format!("row {i}")}))
        .collect()
}

#[test]
fn column_types_become_json() {
    let uuid = vec![
        0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde,
        0xf0,
    ];
    // (case, schema, chunks, expected items)
    let cases: Vec<(&str, &str, Vec<Chunk>, Value)> = vec![
        (
            "booleans and integers",
            "message m { required boolean b; required int32 i8 (INTEGER(8,true)); required int32 i; required int64 l; required int32 u16 (INTEGER(16,false)); required int64 u64 (INTEGER(64,false)); }",
            vec![
                req(Col::Bool(vec![true, false])),
                req(Col::I32(vec![-8, 7])),
                req(Col::I32(vec![i32::MIN, 1])),
                req(Col::I64(vec![i64::MAX, -1])),
                req(Col::I32(vec![65_535, 0])),
                req(Col::I64(vec![-1, 2])),
            ],
            json!([
                {"b": true, "i8": -8, "i": i32::MIN, "l": i64::MAX, "u16": 65_535, "u64": u64::MAX},
                {"b": false, "i8": 7, "i": 1, "l": -1, "u16": 0, "u64": 2}
            ]),
        ),
        (
            "floating point: shortest text, NaN and infinities as strings",
            "message m { required float f; required double d; }",
            vec![
                req(Col::F32(vec![0.1, f32::NAN, 1.5])),
                req(Col::F64(vec![2.5e-300, f64::INFINITY, f64::NEG_INFINITY])),
            ],
            json!([
                {"f": 0.1, "d": 2.5e-300},
                {"f": "NaN", "d": "Infinity"},
                {"f": 1.5, "d": "-Infinity"}
            ]),
        ),
        (
            "strings, enums, JSON text, binary as base64, UUID",
            "message m { required binary s (STRING); required binary e (ENUM); required binary j (JSON); required binary raw; required fixed_len_byte_array(16) id (UUID); }",
            vec![
                req(Col::Bytes(vec![b"h\xc3\xa9", b""])),
                req(Col::Bytes(vec![b"RED", b"BLUE"])),
                req(Col::Bytes(vec![b"{\"a\":1}", b"[]"])),
                req(Col::Bytes(vec![b"\x00\xff", b"abc"])),
                req(Col::Fixed(vec![uuid.clone(), vec![0; 16]])),
            ],
            json!([
                {"s": "hé", "e": "RED", "j": "{\"a\":1}", "raw": "AP8=", "id": "12345678-9abc-def0-1234-56789abcdef0"},
                {"s": "", "e": "BLUE", "j": "[]", "raw": "YWJj", "id": "00000000-0000-0000-0000-000000000000"}
            ]),
        ),
        (
            "decimals as exact strings",
            "message m { required int32 a (DECIMAL(9,2)); required int64 b (DECIMAL(18,0)); required fixed_len_byte_array(16) c (DECIMAL(38,10)); required binary d (DECIMAL(10,3)); }",
            vec![
                req(Col::I32(vec![1234, -5])),
                req(Col::I64(vec![999_999_999_999_999_999, 0])),
                req(Col::Fixed(vec![
                    {
                        let mut v = vec![0u8; 16];
                        v[15] = 1;
                        v
                    },
                    vec![0xff; 16],
                ])),
                req(Col::Bytes(vec![b"\x01\x00", b"\xff"])),
            ],
            json!([
                {"a": "12.34", "b": "999999999999999999", "c": "0.0000000001", "d": "0.256"},
                {"a": "-0.05", "b": "0", "c": "-0.0000000001", "d": "-0.001"}
            ]),
        ),
        (
            "dates, times and timestamps in UTC",
            "message m { required int32 day (DATE); required int32 t (TIME(MILLIS,true)); required int64 tu (TIME(MICROS,true)); required int64 ms (TIMESTAMP(MILLIS,true)); required int64 us (TIMESTAMP(MICROS,false)); required int64 ns (TIMESTAMP(NANOS,true)); }",
            vec![
                req(Col::I32(vec![19_782, -1])),
                req(Col::I32(vec![45_296_789, 0])),
                req(Col::I64(vec![1, 86_399_999_999])),
                req(Col::I64(vec![1_714_564_800_123, 0])),
                req(Col::I64(vec![1_714_564_800_123_456, -1])),
                req(Col::I64(vec![1_714_564_800_123_456_789, 1])),
            ],
            json!([
                {"day": "2024-02-29", "t": "12:34:56.789", "tu": "00:00:00.000001", "ms": "2024-05-01T12:00:00.123Z", "us": "2024-05-01T12:00:00.123456Z", "ns": "2024-05-01T12:00:00.123456789Z"},
                {"day": "1969-12-31", "t": "00:00:00.000", "tu": "23:59:59.999999", "ms": "1970-01-01T00:00:00.000Z", "us": "1969-12-31T23:59:59.999999Z", "ns": "1970-01-01T00:00:00.000000001Z"}
            ]),
        ),
        (
            "nulls: every column in every item",
            "message m { optional int32 a; optional binary s (STRING); optional boolean b; }",
            vec![
                opt(Col::I32(vec![1]), &[1, 0, 0]),
                opt(Col::Bytes(vec![b"x", b"y"]), &[0, 1, 1]),
                opt(Col::Bool(vec![]), &[0, 0, 0]),
            ],
            json!([
                {"a": 1, "s": null, "b": null},
                {"a": null, "s": "x", "b": null},
                {"a": null, "s": "y", "b": null}
            ]),
        ),
        (
            "nested: struct, list and map columns",
            "message m {
               optional group point { required double x; required double y; }
               optional group tags (LIST) { repeated group list { optional binary element (STRING); } }
               optional group attrs (MAP) { repeated group key_value { required binary key (STRING); optional int32 value; } }
             }",
            vec![
                opt(Col::F64(vec![1.0, 3.0]), &[1, 0, 1]),
                opt(Col::F64(vec![2.0, 4.0]), &[1, 0, 1]),
                nested(Col::Bytes(vec![b"a"]), &[3, 2, 1, 0], &[0, 1, 0, 0]),
                nested(Col::Bytes(vec![b"k", b"k", b"z"]), &[2, 0, 2, 2], &[0, 0, 0, 1]),
                nested(Col::I32(vec![1, 2]), &[3, 0, 2, 3], &[0, 0, 0, 1]),
            ],
            json!([
                {"point": {"x": 1.0, "y": 2.0}, "tags": ["a", null], "attrs": {"k": 1}},
                {"point": null, "tags": [], "attrs": null},
                {"point": {"x": 3.0, "y": 4.0}, "tags": null, "attrs": {"k": null, "z": 2}}
            ]),
        ),
        (
            "a map with integer keys: keys as their JSON text",
            "message m { required group m (MAP) { repeated group key_value { required int32 key; required boolean value; } } }",
            vec![
                nested(Col::I32(vec![1, 20]), &[1, 1], &[0, 1]),
                nested(Col::Bool(vec![true, false]), &[1, 1], &[0, 1]),
            ],
            json!([{"m": {"1": true, "20": false}}]),
        ),
    ];
    for (case, schema, chunks, expected) in cases {
        let file = parquet_file(schema, props(Compression::SNAPPY), &[chunks]);
        let (_dir, s3) = s3_with(&[("t.parquet", &file)]);
        let got = s3.read_items(&get("t.parquet", parquet_config(), None));
        assert_eq!(got.map(Value::Array), Ok(expected), "{case}");
    }
}

#[test]
fn every_codec_and_several_row_groups_and_pages() {
    let codecs = [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::GZIP(GzipLevel::default()),
        Compression::ZSTD(ZstdLevel::default()),
        Compression::LZ4_RAW,
        Compression::LZ4,
    ];
    for codec in codecs {
        let (_dir, s3) = s3_with(&[("n.parquet", &numbered(codec))]);
        let got = s3.read_items(&get("n.parquet", parquet_config(), None));
        assert_eq!(got, Ok(numbered_items(0, 1000)), "{codec}");
        // MaxItems stops inside the second row group.
        let got = s3.read_items(&get("n.parquet", parquet_config(), Some(450)));
        assert_eq!(got, Ok(numbered_items(0, 450)), "{codec}");
    }
}

/// `file` with the first occurrence of `from` (after `after`) replaced by
/// `to`, which has the same length.
fn patched(file: &[u8], after: usize, from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = file[after..]
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{from:?} not found"))
        + after;
    let mut out = file.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

fn zigzag_varint(n: i32) -> Vec<u8> {
    let mut v = ((n << 1) ^ (n >> 31)) as u32;
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

#[test]
fn malformed_and_hostile_files_fail_the_read_with_a_cause() {
    let good = numbered(Compression::SNAPPY);
    let len = good.len();
    let footer_len =
        u32::from_le_bytes([good[len - 8], good[len - 7], good[len - 6], good[len - 5]]);

    // A GZIP page whose header says it holds less than it inflates to:
    // one string column of 200,000 'a's, plain (no dictionary).
    let long: &'static [u8] = Box::leak(vec![b'a'; 200_000].into_boxed_slice());
    let bomb_props = WriterProperties::builder()
        .set_compression(Compression::GZIP(GzipLevel::default()))
        .set_dictionary_enabled(false)
        .build();
    let bomb = parquet_file(
        "message m { required binary s; }",
        bomb_props,
        &[vec![req(Col::Bytes(vec![long]))]],
    );
    // Page header: type 0 (0x15 0x00), then uncompressed size (0x15 ...).
    let declared = [vec![0x15, 0x00, 0x15], zigzag_varint(200_004)].concat();
    let smaller = [vec![0x15, 0x00, 0x15], zigzag_varint(100_004)].concat();
    let bomb = patched(&bomb, 4, &declared, &smaller);

    // A column compressed with BROTLI (which Stepwell does not read): the
    // codec in the footer's column metadata (field 4 after the path).
    let plain = parquet_file(
        "message m { required int32 x; }",
        props(Compression::UNCOMPRESSED),
        &[vec![req(Col::I32(vec![1, 2]))]],
    );
    let brotli = patched(
        &plain,
        4,
        &[0x18, 0x01, b'x', 0x15, 0x00],
        &[0x18, 0x01, b'x', 0x15, zigzag_varint(4)[0]],
    );

    // A schema nested 70 deep.
    let deep = {
        let mut s = String::from("message m { ");
        for i in 0..69 {
            s.push_str(&format!("required group g{i} {{ "));
        }
        s.push_str("required int32 x; ");
        s.push_str(&"} ".repeat(70));
        parquet_file(
            &s,
            props(Compression::UNCOMPRESSED),
            &[vec![req(Col::I32(vec![1]))]],
        )
    };

    let mut truncated = good.clone();
    truncated.truncate(len / 2);
    let mut big_footer = good.clone();
    big_footer[len - 8..len - 4].copy_from_slice(&(6u32 << 20).to_le_bytes());
    let mut long_footer = good.clone();
    long_footer[len - 8..len - 4].copy_from_slice(&(len as u32).to_le_bytes());
    let mut bad_footer = good.clone();
    let footer_start = len - 8 - footer_len as usize;
    bad_footer[footer_start..len - 8].fill(0xff);
    let mut encrypted = good.clone();
    encrypted[len - 4..].copy_from_slice(b"PARE");

    let files: Vec<(&str, Vec<u8>)> = vec![
        ("csv.parquet", b"a,b\n1,2\n".to_vec()),
        ("empty.parquet", Vec::new()),
        ("truncated.parquet", truncated),
        ("big-footer.parquet", big_footer),
        ("long-footer.parquet", long_footer),
        ("bad-footer.parquet", bad_footer),
        ("encrypted.parquet", encrypted),
        ("bomb.parquet", bomb),
        ("brotli.parquet", brotli),
        ("deep.parquet", deep),
    ];
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(k, v)| (*k, v.as_slice())).collect();
    let (_dir, s3) = s3_with(&refs);
    // (key, what the cause says after "The Parquet object s3://data/KEY
    // cannot be read: ")
    let cases = [
        ("csv.parquet", "it is not a Parquet file (it does not start with PAR1)"),
        ("empty.parquet", "it is not a Parquet file (it does not start with PAR1)"),
        ("truncated.parquet", "it is not a Parquet file (it does not end with PAR1)"),
        ("big-footer.parquet", "its footer takes 6291456 bytes, more than the 5 MB Step Functions reads"),
        ("long-footer.parquet", "its footer length"),
        ("bad-footer.parquet", "it is not a valid Parquet file"),
        ("encrypted.parquet", "it is an encrypted Parquet file, which Stepwell cannot read"),
        ("bomb.parquet", "the column 's' of row group 0: a GZIP page inflates to more than the 100004 bytes its header declares"),
        ("brotli.parquet", "the column 'x' of row group 0 is compressed with BROTLI"),
        ("deep.parquet", "its schema nests more than 64 levels deep"),
    ];
    for (key, expected) in cases {
        let got = s3.read_items(&get(key, parquet_config(), None));
        let prefix = format!("The Parquet object s3://data/{key} cannot be read: ");
        match got {
            Err(cause) => assert!(
                cause.starts_with(&prefix) && cause[prefix.len()..].starts_with(expected),
                "{key}: {cause}"
            ),
            Ok(items) => panic!("{key}: read {} items", items.len()),
        }
    }
}

#[test]
fn the_bounds_on_memory_hold_for_parquet() {
    let file = numbered(Compression::SNAPPY);
    let (_dir, s3) = s3_with(&[("n.parquet", &file)]);
    // The items one read builds: 1,000 rows of about 25 bytes.
    let small = s3.clone().with_max_csv_items_bytes(10_000);
    let got = small.read_items(&get("n.parquet", parquet_config(), None));
    assert_eq!(
        got,
        Err("The Parquet object s3://data/n.parquet cannot be read: its rows make items of more than 10000 bytes (as JSON), the most Stepwell builds from CSV and Parquet rows in one read".into())
    );
    assert_eq!(
        small
            .read_items(&get("n.parquet", parquet_config(), Some(100)))
            .map(|i| i.len()),
        Ok(100)
    );
    // What the pages decompress to.
    let got =
        s3.clone()
            .with_max_inflated(1024)
            .read_items(&get("n.parquet", parquet_config(), None));
    assert_eq!(
        got,
        Err("The Parquet object s3://data/n.parquet cannot be read: its pages hold more than 1024 bytes once decompressed".into())
    );
    // Values in list columns, per row group (1 MiB / 64 = 16,384).
    let list = parquet_file(
        "message m { required group l (LIST) { repeated group list { required int32 element; } } }",
        props(Compression::SNAPPY),
        &[vec![nested(
            Col::I32((0..20_000).collect()),
            &vec![1; 20_000],
            &[vec![0], vec![1; 19_999]].concat(),
        )]],
    );
    assert!(s3.put_object("data", "list.parquet", &list).is_ok());
    let got = s3.clone().with_max_inflated(1 << 20).read_items(&get(
        "list.parquet",
        parquet_config(),
        None,
    ));
    assert_eq!(
        got,
        Err("The Parquet object s3://data/list.parquet cannot be read: row group 0 holds 20000 values in list or map columns, more than the 16384 Stepwell reads in one row group".into())
    );
    let got = s3.read_items(&get("list.parquet", parquet_config(), None));
    assert_eq!(
        got.map(|items| items[0]["l"].as_array().map(Vec::len)),
        Ok(Some(20_000))
    );
}

/// A Distributed Map over `reader`, whose children return their input;
/// `extra` adds fields to the Map state.
fn map_over(reader: Value, extra: Value) -> String {
    let mut fields = json!({"ItemReader": reader});
    if let (Some(f), Some(x)) = (fields.as_object_mut(), extra.as_object()) {
        f.extend(x.clone());
    }
    common::distributed_map(common::echo(), fields, false)
}

fn run(definition: &str, s3: &LocalS3) -> Run {
    run_plan_s3(
        parse(definition),
        "Machine",
        json!({}),
        &json!({}),
        7,
        Some(s3),
    )
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap_or_default();
    gz.finish().unwrap_or_default()
}

#[test]
fn a_map_run_over_parquet_with_max_items_and_an_item_batcher() {
    let (_dir, s3) = s3_with(&[(
        "n.parquet",
        &numbered(Compression::GZIP(GzipLevel::default())),
    )]);
    let reader = json!({
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "PARQUET", "MaxItems": 5},
        "Parameters": {"Bucket": "data", "Key": "n.parquet"}
    });
    let r = run(
        &map_over(
            reader,
            json!({
                "ItemSelector": {"n.$": "$$.Map.Item.Value.n"},
                "ItemBatcher": {"MaxItemsPerBatch": 2}
            }),
        ),
        &s3,
    );
    assert_eq!(r.status(), "SUCCEEDED", "{:?}", r.error());
    assert_eq!(
        r.output(),
        Some(json!([
            {"Items": [{"n": 0}, {"n": 1}]},
            {"Items": [{"n": 2}, {"n": 3}]},
            {"Items": [{"n": 4}]}
        ]))
    );
    let runs =
        map_run::map_runs(r.plan.clone(), &r.info, &r.history).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((runs[0].total, runs[0].total_items), (3, 5));

    // A file that is not Parquet: States.ItemReaderFailed.
    assert!(s3
        .put_object("data", "n.parquet", b"PAR1 not really")
        .is_ok());
    let reader = json!({
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "PARQUET"},
        "Parameters": {"Bucket": "data", "Key": "n.parquet"}
    });
    let r = run(&map_over(reader, json!({})), &s3);
    let (error, cause) = r.error().unwrap_or_default();
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(
        cause.starts_with("The Parquet object s3://data/n.parquet cannot be read: "),
        "{cause}"
    );
}

#[test]
fn list_objects_load_and_flatten_reads_parquet_objects() {
    let (_dir, s3) = s3_with(&[
        ("p/a.parquet", &numbered(Compression::SNAPPY)),
        (
            "p/b.parquet",
            &numbered(Compression::ZSTD(ZstdLevel::default())),
        ),
    ]);
    let reader = json!({
        "Resource": "arn:aws:states:::s3:listObjectsV2",
        "ReaderConfig": {"InputType": "PARQUET", "Transformation": "LOAD_AND_FLATTEN", "MaxItems": 1002},
        "Parameters": {"Bucket": "data", "Prefix": "p/"}
    });
    let r = run(
        &map_over(
            reader,
            json!({"ItemSelector": {"n.$": "$$.Map.Item.Value.n"}}),
        ),
        &s3,
    );
    assert_eq!(r.status(), "SUCCEEDED", "{:?}", r.error());
    let out = r.output().unwrap_or_default();
    let ns: Vec<i64> = out
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["n"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ns.len(), 1002);
    assert_eq!(&ns[998..], &[998, 999, 0, 1]);
}

#[test]
fn athena_data_manifests_read_the_files_they_list() {
    let rows = json!([
        {"id": "1", "name": "ana"},
        {"id": "2", "name": "bo"},
        {"id": "3", "name": "cy"}
    ]);
    let parquet_rows = |from: i64, to: i64| {
        let names: Vec<&'static [u8]> = (from..to)
            .map(|i| &*Box::leak(format!("p{i}").into_bytes().into_boxed_slice()))
            .collect();
        parquet_file(
            "message m { required int64 id; required binary name (STRING); }",
            props(Compression::GZIP(GzipLevel::default())),
            &[vec![
                req(Col::I64((from..to).collect())),
                req(Col::Bytes(names)),
            ]],
        )
    };
    let manifest = |files: &[&str]| -> Vec<u8> {
        files
            .iter()
            .map(|f| format!("s3://data/{f}\n"))
            .collect::<String>()
            .into_bytes()
    };
    let (_dir, s3) = s3_with(&[
        // Athena's TEXTFILE output: no header row, gzip-compressed.
        ("q/csv/1.gz", &gzip(b"1,ana\n2,bo\n")),
        ("q/csv/2", b"3,cy\n"),
        ("q/csv-manifest.csv", &manifest(&["q/csv/1.gz", "q/csv/2"])),
        (
            "q/json/1.gz",
            &gzip(b"{\"id\":1,\"name\":\"ana\"}\n{\"id\":2,\"name\":\"bo\"}\n"),
        ),
        ("q/json/2", b"{\"id\":3,\"name\":\"cy\"}\n"),
        (
            "q/json-manifest.csv",
            &manifest(&["q/json/1.gz", "q/json/2"]),
        ),
        ("q/pq/1", &parquet_rows(0, 2)),
        ("q/pq/2", &parquet_rows(2, 3)),
        ("q/pq-manifest.csv", &manifest(&["q/pq/1", "q/pq/2"])),
        (
            "q/mixed-manifest.csv",
            &manifest(&["q/pq/2", "q/json/2", "q/csv/2"]),
        ),
        ("q/bad-manifest.csv", b"s3://data/q/csv/2\n\nnot a uri\n"),
        ("q/missing-manifest.csv", b"s3://data/q/nope\n"),
    ]);
    let athena = |input_type: &str, key: &str, extra: Value| {
        let mut config = json!({"InputType": input_type, "ManifestType": "ATHENA_DATA"});
        if let (Some(c), Some(x)) = (config.as_object_mut(), extra.as_object()) {
            c.extend(x.clone());
        }
        json!({
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": config,
            "Parameters": {"Bucket": "data", "Key": key}
        })
    };
    let given = json!({"CSVHeaderLocation": "GIVEN", "CSVHeaders": ["id", "name"]});
    // (case, reader, expected output)
    let cases = [
        (
            "CSV data files, headers given",
            athena("CSV", "q/csv-manifest.csv", given.clone()),
            rows.clone(),
        ),
        (
            "JSONL data files",
            athena("JSONL", "q/json-manifest.csv", json!({})),
            json!([{"id": 1, "name": "ana"}, {"id": 2, "name": "bo"}, {"id": 3, "name": "cy"}]),
        ),
        (
            "Parquet data files",
            athena("PARQUET", "q/pq-manifest.csv", json!({})),
            json!([{"id": 0, "name": "p0"}, {"id": 1, "name": "p1"}, {"id": 2, "name": "p2"}]),
        ),
        (
            "MaxItems stops inside the first file",
            athena(
                "CSV",
                "q/csv-manifest.csv",
                json!({"CSVHeaderLocation": "GIVEN", "CSVHeaders": ["id", "name"], "MaxItems": 1}),
            ),
            json!([{"id": "1", "name": "ana"}]),
        ),
        (
            "MaxItems across files",
            athena("PARQUET", "q/pq-manifest.csv", json!({"MaxItems": 3})),
            json!([{"id": 0, "name": "p0"}, {"id": 1, "name": "p1"}, {"id": 2, "name": "p2"}]),
        ),
        (
            "InputType MANIFEST: each file's format from its bytes",
            athena("MANIFEST", "q/mixed-manifest.csv", given),
            json!([{"id": 2, "name": "p2"}, {"id": 3, "name": "cy"}, {"id": "3", "name": "cy"}]),
        ),
    ];
    for (case, reader, expected) in cases {
        let r = run(&map_over(reader, json!({})), &s3);
        assert_eq!(r.status(), "SUCCEEDED", "{case}: {:?}", r.error());
        assert_eq!(r.output(), Some(expected), "{case}");
    }
    // (case, reader, start of the cause)
    let failures = [
        (
            "a line that is not an S3 URI",
            athena("CSV", "q/bad-manifest.csv", json!({})),
            "Line 3 of the Athena data manifest s3://data/q/bad-manifest.csv is not an S3 URI (s3://bucket/key): 'not a uri'",
        ),
        (
            "a data file that is missing",
            athena("CSV", "q/missing-manifest.csv", json!({})),
            "The specified key does not exist (Service: S3, Status Code: 404, Error Code: NoSuchKey; s3://data/q/nope",
        ),
        (
            "a data file in another format",
            athena("PARQUET", "q/csv-manifest.csv", json!({})),
            "The Athena data file s3://data/q/csv/1.gz (listed in s3://data/q/csv-manifest.csv) cannot be read: it is not a Parquet file",
        ),
    ];
    for (case, reader, expected) in failures {
        let r = run(&map_over(reader, json!({})), &s3);
        let (error, cause) = r.error().unwrap_or_default();
        assert_eq!(error, "States.ItemReaderFailed", "{case}");
        assert!(cause.starts_with(expected), "{case}: {cause}");
    }
    // The lines of (gzip-compressed) JSONL data files take from the read's
    // budget, as CSV and Parquet rows do: 3 lines of about 22 bytes.
    let config = ReaderConfig {
        input_type: Some(InputType::Jsonl),
        manifest_type: Some("ATHENA_DATA".into()),
        ..ReaderConfig::default()
    };
    let small = s3.clone().with_max_csv_items_bytes(50);
    let got = small.read_items(&get("q/json-manifest.csv", config.clone(), None));
    assert_eq!(
        got,
        Err("The Athena data file s3://data/q/json/2 (listed in s3://data/q/json-manifest.csv) cannot be read: its rows make items of more than 50 bytes (as JSON), the most Stepwell builds from CSV and Parquet rows in one read".into())
    );
    assert_eq!(
        small
            .read_items(&get("q/json-manifest.csv", config, Some(2)))
            .map(|items| items.len()),
        Ok(2)
    );
}

#[test]
fn athena_manifest_types_are_validated() {
    let reader = |config: Value| {
        map_over(
            json!({
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": config,
                "Parameters": {"Bucket": "b", "Key": "k"}
            }),
            json!({}),
        )
    };
    for input_type in ["MANIFEST", "CSV", "JSONL", "PARQUET"] {
        let def = reader(json!({"InputType": input_type, "ManifestType": "ATHENA_DATA"}));
        assert!(stepwell_asl::parse_definition(&def).is_ok(), "{input_type}");
    }
    let cases = [
        (
            json!({"InputType": "JSON", "ManifestType": "ATHENA_DATA"}),
            "The ManifestType ATHENA_DATA is only supported with the InputType MANIFEST, CSV, JSONL or PARQUET",
        ),
        (
            json!({"InputType": "PARQUET", "ManifestType": "S3_INVENTORY"}),
            "The field 'ManifestType' is only supported with the InputType MANIFEST",
        ),
    ];
    for (config, message) in cases {
        let diags = match stepwell_asl::parse_definition(&reader(config.clone())) {
            Ok(_) => panic!("{config}: accepted"),
            Err(d) => d,
        };
        assert_eq!(diags.len(), 1, "{config}: {diags:?}");
        assert_eq!(
            diags[0].location.as_deref(),
            Some("/States/Fan/ItemReader/ReaderConfig/ManifestType")
        );
        assert_eq!(diags[0].message, message, "{config}");
    }
}

/// The Parquet fixtures of the end-to-end test (tests/e2e/fixtures): this
/// test checks what they read as, and with `STEPWELL_WRITE_FIXTURES=1`
/// writes them again (`cargo test -p stepwell-engine --test parquet
/// e2e_fixtures`).
#[test]
fn e2e_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e/fixtures");
    let sensors = parquet_file(
        "message m { required binary sensor (STRING); required double reading; optional int64 at (TIMESTAMP(MILLIS,true)); }",
        props(Compression::SNAPPY),
        &[
            vec![
                req(Col::Bytes(vec![b"s-1", b"s-2"])),
                req(Col::F64(vec![21.5, 19.0])),
                opt(Col::I64(vec![1_714_564_800_000]), &[1, 0]),
            ],
            vec![
                req(Col::Bytes(vec![b"s-3"])),
                req(Col::F64(vec![-4.25])),
                opt(Col::I64(vec![1_714_564_860_000]), &[1]),
            ],
        ],
    );
    let athena = parquet_file(
        "message m { required int64 id; required binary city (STRING); }",
        props(Compression::GZIP(GzipLevel::default())),
        &[vec![
            req(Col::I64(vec![7, 8])),
            req(Col::Bytes(vec![b"Lisbon", b"Oslo"])),
        ]],
    );
    let files = [
        ("sensors.parquet", sensors),
        ("athena-part-0.parquet", athena),
    ];
    if std::env::var_os("STEPWELL_WRITE_FIXTURES").is_some() {
        for (name, bytes) in &files {
            std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    let committed: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(name, _)| {
            let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            (*name, bytes)
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = committed.iter().map(|(k, v)| (*k, v.as_slice())).collect();
    let (_dir, s3) = s3_with(&refs);
    assert_eq!(
        s3.read_items(&get("sensors.parquet", parquet_config(), None)),
        Ok(vec![
            json!({"sensor": "s-1", "reading": 21.5, "at": "2024-05-01T12:00:00.000Z"}),
            json!({"sensor": "s-2", "reading": 19.0, "at": null}),
            json!({"sensor": "s-3", "reading": -4.25, "at": "2024-05-01T12:01:00.000Z"}),
        ])
    );
    assert_eq!(
        s3.read_items(&get("athena-part-0.parquet", parquet_config(), None)),
        Ok(vec![
            json!({"id": 7, "city": "Lisbon"}),
            json!({"id": 8, "city": "Oslo"}),
        ])
    );
}

/// Parquet seeds of the `s3_item_reader` fuzz target
/// (fuzz/seeds/s3_item_reader/parquet_*: the four header bytes of a single
/// Parquet object read with `s3:getObject`, then the file): this test
/// checks that each reads, and with `STEPWELL_WRITE_FUZZ_SEEDS=1` writes
/// them again.
#[test]
fn fuzz_seeds() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/s3_item_reader");
    let types = parquet_file(
        "message m {
           optional boolean b; optional int32 i (INTEGER(16,true)); optional int64 u (INTEGER(64,false));
           optional float f; optional double d; optional binary s (STRING); optional binary raw;
           optional fixed_len_byte_array(16) dec (DECIMAL(38,4)); optional fixed_len_byte_array(16) id (UUID);
           optional int32 day (DATE); optional int64 ns (TIMESTAMP(NANOS,true)); optional int32 t (TIME(MILLIS,true));
         }",
        props(Compression::SNAPPY),
        &[vec![
            opt(Col::Bool(vec![true]), &[1, 0]),
            opt(Col::I32(vec![-3]), &[1, 0]),
            opt(Col::I64(vec![-1]), &[0, 1]),
            opt(Col::F32(vec![f32::NAN]), &[1, 0]),
            opt(Col::F64(vec![1e300]), &[0, 1]),
            opt(Col::Bytes(vec![b"x"]), &[1, 0]),
            opt(Col::Bytes(vec![b"\xff"]), &[0, 1]),
            opt(Col::Fixed(vec![vec![0xfe; 16]]), &[1, 0]),
            opt(Col::Fixed(vec![vec![7; 16]]), &[0, 1]),
            opt(Col::I32(vec![-719_468]), &[1, 0]),
            opt(Col::I64(vec![i64::MIN]), &[0, 1]),
            opt(Col::I32(vec![86_399_999]), &[1, 0]),
        ]],
    );
    let nested_file = parquet_file(
        "message m {
           optional group point { required double x; required double y; }
           optional group tags (LIST) { repeated group list { optional binary element (STRING); } }
           optional group attrs (MAP) { repeated group key_value { required binary key (STRING); optional int32 value; } }
         }",
        props(Compression::GZIP(GzipLevel::default())),
        &[vec![
            opt(Col::F64(vec![1.0, 3.0]), &[1, 0, 1]),
            opt(Col::F64(vec![2.0, 4.0]), &[1, 0, 1]),
            nested(Col::Bytes(vec![b"a"]), &[3, 2, 1, 0], &[0, 1, 0, 0]),
            nested(Col::Bytes(vec![b"k", b"k", b"z"]), &[2, 0, 2, 2], &[0, 0, 0, 1]),
            nested(Col::I32(vec![1, 2]), &[3, 0, 2, 3], &[0, 0, 0, 1]),
        ]],
    );
    let small = |codec: Compression| {
        let props = WriterProperties::builder()
            .set_compression(codec)
            .set_data_page_row_count_limit(4)
            .set_write_batch_size(4)
            .build();
        parquet_file(
            "message m { required int64 n; optional binary s (STRING); }",
            props,
            &[
                vec![
                    req(Col::I64((0..10).collect())),
                    opt(
                        Col::Bytes(vec![b"a", b"b", b"a"]),
                        &[1, 0, 1, 0, 0, 1, 0, 0, 0, 0],
                    ),
                ],
                vec![req(Col::I64(vec![10])), opt(Col::Bytes(vec![]), &[0])],
            ],
        )
    };
    // Parquet, s3:getObject, no MaxItems (0x80), then the file.
    let seed = |file: Vec<u8>| [vec![0x06, 0x00, 0x80, 0x00], file].concat();
    let seeds = [
        ("parquet_types_snappy", seed(types)),
        ("parquet_nested_gzip", seed(nested_file)),
        (
            "parquet_pages_zstd",
            seed(small(Compression::ZSTD(ZstdLevel::default()))),
        ),
        ("parquet_pages_lz4_raw", seed(small(Compression::LZ4_RAW))),
        ("parquet_pages_lz4", seed(small(Compression::LZ4))),
        (
            "parquet_pages_plain",
            seed(small(Compression::UNCOMPRESSED)),
        ),
    ];
    if std::env::var_os("STEPWELL_WRITE_FUZZ_SEEDS").is_some() {
        for (name, bytes) in &seeds {
            std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    for (name, _) in &seeds {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (_dir, s3) = s3_with(&[("in/0", &bytes[4..])]);
        let got = s3.read_items(&get("in/0", parquet_config(), None));
        assert!(
            got.as_ref().is_ok_and(|items| !items.is_empty()),
            "{name}: {got:?}"
        );
    }
}
