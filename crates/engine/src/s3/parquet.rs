//! Parquet objects (`InputType: PARQUET`, and the Parquet data files of an
//! Athena data manifest): one item per row, an object from column name to
//! value.
//!
//! AWS ("ItemReader (Map)", Parquet files): row groups of at most 256 MB
//! and a footer of at most 5 MB, else the read fails; GZIP, ZSTD and
//! SNAPPY pages are read (no file-name extension needed); `VersionId` is
//! not supported with PARQUET (here it is ignored for every type).
//!
//! AWS is silent on how a column's values become JSON. Chosen here, for
//! what a user of the items would expect (and what Athena's JSON output
//! gives for most of them):
//! * BOOLEAN → `true`/`false`; the integers (INT8 … INT64, UINT8 … UINT64)
//!   → JSON integers, exact; FLOAT, DOUBLE, FLOAT16 → JSON numbers (FLOAT
//!   by its shortest decimal form, `0.1` not `0.10000000149011612`), NaN
//!   and the infinities → the strings `"NaN"`, `"Infinity"`,
//!   `"-Infinity"` (JSON has no such numbers);
//! * strings (UTF8/STRING, ENUM, JSON) → JSON strings (a JSON column is
//!   not parsed); BINARY without a string type → standard base64;
//!   UUID → its `8-4-4-4-12` hex text;
//! * DECIMAL → a string holding the exact decimal (`"12.30"`, as many
//!   fraction digits as the scale): a JSON number would lose digits past
//!   about 15;
//! * DATE → `"YYYY-MM-DD"`; TIME → `"HH:MM:SS.fff"` (millisecond) or
//!   `"HH:MM:SS.ffffff"` (microsecond); TIMESTAMP (millis, micros, nanos
//!   and the legacy INT96, read as milliseconds) → RFC 3339 in UTC with
//!   the unit's fraction digits, `"2024-05-01T12:00:00.000Z"`;
//! * null → `null`: every column is in every item, as with CSV;
//! * a struct → an object; a list → an array; a map → an object (keys as
//!   text: a string key as it is, another key as its JSON text; the last
//!   of equal keys wins).
//!
//! Hostile files (this crate's own checks, before the `parquet` crate
//! decodes anything):
//! * the footer is read only if it takes at most 5 MiB (AWS's limit) and
//!   its schema nests at most [`MAX_SCHEMA_DEPTH`] deep (the `parquet`
//!   crate builds the schema and every row recursively);
//! * every column chunk's byte range must lie inside the file, and every
//!   page header in it is read: a page's declared sizes must fit the
//!   chunk, a row group's pages may declare at most 256 MiB decompressed
//!   (AWS: "row group size"), the pages of the file at most the local
//!   S3's `max_inflated`, and a GZIP page (which the `parquet` crate
//!   inflates without a bound) is inflated here first, stopping one byte
//!   past what its header declares; the other codecs decompress into the
//!   declared size only;
//! * a row group with repeated (list or map) columns may declare at most
//!   one value per 64 bytes of `max_inflated` in them: one row's list is
//!   built whole before it can be counted;
//! * each item takes its size as JSON from the read's budget (the same
//!   1 GiB as CSV rows);
//! * the `parquet` crate still asserts things about well-formed input in
//!   places these checks do not reach: each call into it runs under
//!   `catch_unwind` (`guarded`), and a panic there fails the read like
//!   any malformed file (the last resort, not the first; the panic hook
//!   still prints its message to stderr).
//!
//! Codecs: UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, and LZ4 in the
//! Hadoop framing (what parquet-mr and Arrow write). DIFFERENCE: BROTLI,
//! LZO and the old LZ4 frame layout fail the read naming the codec; AWS
//! documents only GZIP, ZSTD and SNAPPY.

use bytes::Bytes;
use parquet::basic::{Compression, LogicalType, TimeUnit, Type as PhysicalType};
use parquet::file::metadata::{ColumnChunkMetaData, RowGroupMetaData};
use parquet::file::properties::ReaderProperties;
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::{ReadOptionsBuilder, SerializedFileReader};
use parquet::record::{Field, Row};
use serde_json::{Map as JsonMap, Number, Value};

use super::thrift::{Compact, PageHeader, I32, LIST, STRUCT};
use super::Budget;

/// AWS: "a maximum footer size of 5MB".
pub const MAX_FOOTER_BYTES: u64 = 5 << 20;

/// AWS: "a maximum row group size of 256MB" (read here as what the row
/// group's pages declare decompressed).
pub const MAX_ROW_GROUP_BYTES: u64 = 256 << 20;

/// How deep a schema may nest (the root is depth 0). Athena and Spark
/// schemas stay far below it.
pub const MAX_SCHEMA_DEPTH: usize = 64;

/// The largest DECIMAL value read, in bytes (a 256-bit decimal: 76
/// digits).
const MAX_DECIMAL_BYTES: usize = 32;

/// The items of a Parquet file (at most `max_items`), each taking its
/// size as JSON from `budget`; its pages decompress to at most
/// `max_inflated` bytes in all. The error says what is wrong with the
/// file, for the caller to name it.
pub(super) fn items(
    bytes: Vec<u8>,
    max_items: Option<u64>,
    budget: &mut Budget,
    max_inflated: u64,
) -> Result<Vec<Value>, String> {
    let footer = footer(&bytes)?;
    schema_depth(footer)?;
    decode(Bytes::from(bytes), max_items, budget, max_inflated)
}

/// Call into the `parquet` crate: its error, or a panic (the crate still
/// asserts things about its input in places the checks here do not
/// reach), becomes the cause of the failed read.
fn guarded<T>(call: impl FnOnce() -> parquet::errors::Result<T>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("the Parquet reader stopped: {what}"))
        }
    }
}

/// The file's footer (its Thrift-encoded metadata), after checking the
/// `PAR1` magic at both ends and AWS's 5 MB limit.
fn footer(bytes: &[u8]) -> Result<&[u8], String> {
    let len = bytes.len();
    if len < 12 || !bytes.starts_with(b"PAR1") {
        return Err("it is not a Parquet file (it does not start with PAR1)".into());
    }
    let tail = &bytes[len - 8..];
    if &tail[4..] == b"PARE" {
        return Err("it is an encrypted Parquet file, which Stepwell cannot read".into());
    }
    if &tail[4..] != b"PAR1" {
        return Err("it is not a Parquet file (it does not end with PAR1)".into());
    }
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer_len > MAX_FOOTER_BYTES {
        return Err(format!(
            "its footer takes {footer_len} bytes, more than the 5 MB Step Functions reads"
        ));
    }
    let start = (len as u64)
        .checked_sub(8 + footer_len)
        .filter(|s| *s >= 4)
        .ok_or_else(|| {
            format!("its footer length ({footer_len} bytes) does not fit the file ({len} bytes)")
        })?;
    Ok(&bytes[start as usize..len - 8])
}

/// Check that the schema in the footer nests at most [`MAX_SCHEMA_DEPTH`]
/// deep. The schema is a list of elements in depth-first order, each
/// saying how many children it has (FileMetaData field 2, SchemaElement
/// field 5).
fn schema_depth(footer: &[u8]) -> Result<(), String> {
    let malformed = |e: String| format!("it is not a valid Parquet file (its footer: {e})");
    let mut r = Compact::new(footer);
    let mut children: Vec<i64> = Vec::new();
    r.read_struct(0, &mut |r, id, ty| {
        if id == 2 && ty == LIST {
            let (n, elem) = r.list_header()?;
            for _ in 0..n {
                if elem != STRUCT {
                    r.skip(elem, 1)?;
                    continue;
                }
                let mut count = 0i64;
                r.read_struct(1, &mut |r, id, ty| {
                    if id == 5 && ty == I32 {
                        count = r.i32()?.into();
                        Ok(())
                    } else {
                        r.skip(ty, 2)
                    }
                })?;
                children.push(count);
            }
            Ok(())
        } else {
            r.skip(ty, 1)
        }
    })
    .map_err(malformed)?;
    // Children still to come at each open level.
    let mut open: Vec<i64> = Vec::new();
    for count in children {
        while open.last() == Some(&0) {
            open.pop();
        }
        if let Some(left) = open.last_mut() {
            *left -= 1;
        }
        if count > 0 {
            open.push(count);
            if open.len() > MAX_SCHEMA_DEPTH {
                return Err(format!(
                    "its schema nests more than {MAX_SCHEMA_DEPTH} levels deep"
                ));
            }
        }
    }
    Ok(())
}

fn decode(
    bytes: Bytes,
    max_items: Option<u64>,
    budget: &mut Budget,
    max_inflated: u64,
) -> Result<Vec<Value>, String> {
    let file_len = bytes.len() as u64;
    let props = ReaderProperties::builder()
        // Only the Hadoop framing: the fallbacks inflate without a bound.
        .set_backward_compatible_lz4(false)
        .set_read_bloom_filter(false)
        .build();
    let options = ReadOptionsBuilder::new()
        .with_reader_properties(props)
        .build();
    let reader = guarded(|| SerializedFileReader::new_with_options(bytes.clone(), options))
        .map_err(|e| format!("it is not a valid Parquet file: {e}"))?;
    let mut inflated = 0u64;
    for (i, group) in reader.metadata().row_groups().iter().enumerate() {
        check_row_group(&bytes, file_len, i, group, max_inflated, &mut inflated)?;
    }
    let hints = hints(&reader);
    let mut items = Vec::new();
    if max_items == Some(0) {
        return Ok(items);
    }
    let mut rows = guarded(|| reader.get_row_iter(None))
        .map_err(|e| format!("its rows cannot be read: {e}"))?;
    while let Some(row) = guarded(|| rows.next().transpose())
        .map_err(|e| format!("row {} cannot be read: {e}", items.len() + 1))?
    {
        let item = row_json(&row, &hints).map_err(|e| format!("row {}: {e}", items.len() + 1))?;
        budget.take(json_len(&item))?;
        items.push(item);
        if super::reached(&items, max_items) {
            break;
        }
    }
    Ok(items)
}

/// The codecs read, by their Parquet names.
const CODECS: &str = "UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, LZ4 (Hadoop framing)";

/// Check one row group's column chunks and the page headers in them (see
/// the module's notes), adding what its pages declare decompressed to
/// `inflated`.
fn check_row_group(
    bytes: &[u8],
    file_len: u64,
    index: usize,
    group: &RowGroupMetaData,
    max_inflated: u64,
    inflated: &mut u64,
) -> Result<(), String> {
    let mut group_bytes = 0u64;
    let mut repeated_values = 0u64;
    for column in group.columns() {
        let name = column.column_path().string();
        let at = || format!("column '{name}' of row group {index}");
        let codec = column.compression();
        let gzip = match codec {
            Compression::UNCOMPRESSED
            | Compression::SNAPPY
            | Compression::ZSTD(_)
            | Compression::LZ4_RAW
            | Compression::LZ4 => false,
            Compression::GZIP(_) => true,
            other => {
                return Err(format!(
                "the {} is compressed with {other}, which Stepwell cannot read (it reads {CODECS})",
                at()
            ))
            }
        };
        let (start, len) = chunk_range(column)
            .filter(|(s, l)| s.checked_add(*l).is_some_and(|end| end <= file_len))
            .ok_or_else(|| format!("the {} lies outside the file", at()))?;
        let chunk = &bytes[start as usize..(start + len) as usize];
        let pages = scan_pages(chunk, gzip).map_err(|e| format!("the {}: {e}", at()))?;
        group_bytes = group_bytes.saturating_add(pages.uncompressed);
        if column.column_descr().max_rep_level() > 0 {
            repeated_values = repeated_values.saturating_add(pages.values);
        }
    }
    if group_bytes > MAX_ROW_GROUP_BYTES {
        return Err(format!(
            "row group {index} takes {group_bytes} bytes decompressed, more than the 256 MB Step Functions reads"
        ));
    }
    *inflated = inflated.saturating_add(group_bytes);
    if *inflated > max_inflated {
        return Err(format!(
            "its pages hold more than {max_inflated} bytes once decompressed"
        ));
    }
    if repeated_values > max_inflated / 64 {
        return Err(format!(
            "row group {index} holds {repeated_values} values in list or map columns, more than the {} Stepwell reads in one row group",
            max_inflated / 64
        ));
    }
    Ok(())
}

/// A column chunk's (offset, length), if neither is negative.
fn chunk_range(column: &ColumnChunkMetaData) -> Option<(u64, u64)> {
    let start = match column.dictionary_page_offset() {
        Some(dict) => dict,
        None => column.data_page_offset(),
    };
    Some((
        u64::try_from(start).ok()?,
        u64::try_from(column.compressed_size()).ok()?,
    ))
}

/// What the page headers of one column chunk declare.
#[derive(Debug, Default, PartialEq)]
struct Pages {
    /// Bytes, decompressed.
    uncompressed: u64,
    /// Values (data pages only).
    values: u64,
}

/// Walk the pages of a column chunk: every header must parse and its
/// page fit the chunk; with `gzip`, every compressed page must inflate to
/// no more than its header declares.
fn scan_pages(chunk: &[u8], gzip: bool) -> Result<Pages, String> {
    let mut pages = Pages::default();
    let mut pos = 0usize;
    while pos < chunk.len() {
        let mut r = Compact::new(&chunk[pos..]);
        let header = PageHeader::read(&mut r).map_err(|e| format!("a page header: {e}"))?;
        let (Ok(uncompressed), Ok(compressed)) = (
            u64::try_from(header.uncompressed),
            usize::try_from(header.compressed),
        ) else {
            return Err("a page header declares a negative size".into());
        };
        let body_start = pos + r.pos;
        let body = chunk
            .get(body_start..body_start.saturating_add(compressed))
            .ok_or_else(|| "a page runs past the end of its column chunk".to_string())?;
        pages.uncompressed = pages.uncompressed.saturating_add(uncompressed);
        pages.values = pages
            .values
            .saturating_add(u64::try_from(header.values).unwrap_or(0));
        if gzip && header.compressed_body {
            let levels = usize::try_from(header.levels_bytes)
                .ok()
                .filter(|l| *l <= body.len() && (*l as u64) <= uncompressed)
                .ok_or_else(|| "a page's level lengths do not fit it".to_string())?;
            let limit = uncompressed - levels as u64;
            if !body[levels..].is_empty() && inflated_len(&body[levels..], limit) > limit {
                return Err(format!(
                    "a GZIP page inflates to more than the {uncompressed} bytes its header declares"
                ));
            }
        }
        pos = body_start + compressed;
    }
    Ok(pages)
}

/// How many bytes `data` inflates to (gzip), counting at most `limit + 1`;
/// a stream that does not inflate counts 0 (the parquet crate reports it).
fn inflated_len(data: &[u8], limit: u64) -> u64 {
    use std::io::Read;
    let mut sink = std::io::sink();
    let mut decoder = flate2::read::MultiGzDecoder::new(data).take(limit.saturating_add(1));
    std::io::copy(&mut decoder, &mut sink).unwrap_or(0)
}

/// What the schema says about a top-level column beyond what the record
/// reader's `Field` carries.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hint {
    /// INT64 TIMESTAMP(NANOS): the record reader gives the bare number.
    TimestampNanos,
    /// INT64 TIME(NANOS): the same.
    TimeNanos,
    /// FIXED_LEN_BYTE_ARRAY(16) UUID: the record reader gives the bytes.
    Uuid,
}

/// The hints for the top-level columns, by name.
fn hints(reader: &SerializedFileReader<Bytes>) -> Vec<(String, Hint)> {
    let schema = reader.metadata().file_metadata().schema_descr();
    let mut hints = Vec::new();
    for field in schema.root_schema().get_fields() {
        if !field.is_primitive() {
            continue;
        }
        let info = field.get_basic_info();
        let hint = match (info.logical_type_ref(), field.get_physical_type()) {
            (Some(LogicalType::Timestamp(t)), PhysicalType::INT64) if t.unit == TimeUnit::NANOS => {
                Some(Hint::TimestampNanos)
            }
            (Some(LogicalType::Time(t)), PhysicalType::INT64) if t.unit == TimeUnit::NANOS => {
                Some(Hint::TimeNanos)
            }
            (Some(LogicalType::Uuid), PhysicalType::FIXED_LEN_BYTE_ARRAY) => Some(Hint::Uuid),
            _ => None,
        };
        if let Some(hint) = hint {
            hints.push((info.name().to_string(), hint));
        }
    }
    hints
}

/// One row as a JSON object.
fn row_json(row: &Row, hints: &[(String, Hint)]) -> Result<Value, String> {
    let mut o = JsonMap::new();
    for (name, field) in row.get_column_iter() {
        let hint = hints.iter().find(|(n, _)| n == name).map(|(_, h)| *h);
        let value = match (hint, field) {
            (Some(Hint::TimestampNanos), Field::Long(n)) => {
                Value::String(timestamp(i128::from(*n), 9))
            }
            (Some(Hint::TimeNanos), Field::Long(n)) => Value::String(time(*n, 9)),
            (Some(Hint::Uuid), Field::Bytes(b)) if b.data().len() == 16 => {
                Value::String(uuid(b.data()))
            }
            _ => field_json(field)?,
        };
        o.insert(name.clone(), value);
    }
    Ok(Value::Object(o))
}

fn field_json(field: &Field) -> Result<Value, String> {
    Ok(match field {
        Field::Null => Value::Null,
        Field::Bool(b) => Value::Bool(*b),
        Field::Byte(n) => Value::from(*n),
        Field::Short(n) => Value::from(*n),
        Field::Int(n) => Value::from(*n),
        Field::Long(n) => Value::from(*n),
        Field::UByte(n) => Value::from(*n),
        Field::UShort(n) => Value::from(*n),
        Field::UInt(n) => Value::from(*n),
        Field::ULong(n) => Value::from(*n),
        Field::Float16(f) => {
            let v = f.to_f32();
            float(f64::from(v), v.to_string())
        }
        Field::Float(f) => float(f64::from(*f), f.to_string()),
        Field::Double(f) => float(*f, f.to_string()),
        Field::Decimal(d) => Value::String(decimal(d.data(), d.scale())?),
        Field::Str(s) => Value::String(s.clone()),
        Field::Bytes(b) => Value::String(base64(b.data())),
        Field::Date(days) => Value::String(date(i64::from(*days))),
        Field::TimeMillis(ms) => Value::String(time(i64::from(*ms), 3)),
        Field::TimeMicros(us) => Value::String(time(*us, 6)),
        Field::TimestampMillis(ms) => Value::String(timestamp(i128::from(*ms), 3)),
        Field::TimestampMicros(us) => Value::String(timestamp(i128::from(*us), 6)),
        Field::Group(row) => {
            let mut o = JsonMap::new();
            for (name, f) in row.get_column_iter() {
                o.insert(name.clone(), field_json(f)?);
            }
            Value::Object(o)
        }
        Field::ListInternal(list) => Value::Array(
            list.elements()
                .iter()
                .map(field_json)
                .collect::<Result<_, _>>()?,
        ),
        Field::MapInternal(map) => {
            let mut o = JsonMap::new();
            for (k, v) in map.entries() {
                let key = match field_json(k)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                o.insert(key, field_json(v)?);
            }
            Value::Object(o)
        }
    })
}

/// A floating-point value: a JSON number from its shortest decimal text
/// `text` (so a FLOAT's 0.1 stays 0.1), or a string for NaN and the
/// infinities.
fn float(f: f64, text: String) -> Value {
    if f.is_nan() {
        return Value::String("NaN".into());
    }
    if f.is_infinite() {
        return Value::String(if f > 0.0 { "Infinity" } else { "-Infinity" }.into());
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .or_else(|| Number::from_f64(f))
        .map_or(Value::Null, Value::Number)
}

/// The exact text of a DECIMAL: `data` is the unscaled value, big-endian
/// two's complement; `scale` digits follow the point.
fn decimal(data: &[u8], scale: i32) -> Result<String, String> {
    if data.len() > MAX_DECIMAL_BYTES {
        return Err(format!(
            "a DECIMAL value takes {} bytes, more than the {MAX_DECIMAL_BYTES} Stepwell reads",
            data.len()
        ));
    }
    let scale = usize::try_from(scale)
        .ok()
        .filter(|s| *s <= 2 * MAX_DECIMAL_BYTES + 12)
        .ok_or_else(|| format!("a DECIMAL column has the scale {scale}"))?;
    let negative = data.first().is_some_and(|b| b & 0x80 != 0);
    // The magnitude, big-endian.
    let mut mag: Vec<u8> = data.to_vec();
    if negative {
        for b in &mut mag {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    // Decimal digits, least significant first.
    let mut digits = Vec::new();
    while mag.iter().any(|b| *b != 0) {
        let mut rem = 0u32;
        for b in &mut mag {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    while digits.len() <= scale {
        digits.push(b'0');
    }
    let mut text = String::with_capacity(digits.len() + 2);
    if negative {
        text.push('-');
    }
    for (i, d) in digits.iter().rev().enumerate() {
        if i == digits.len() - scale {
            text.push('.');
        }
        text.push(char::from(*d));
    }
    Ok(text)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64, padded.
fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn uuid(b: &[u8]) -> String {
    match uuid::Uuid::from_slice(b) {
        Ok(id) => id.to_string(),
        Err(_) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

/// The civil date of a day count from 1970-01-01 (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn date(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `HH:MM:SS.f…` of `units` (10^-`digits` seconds) since midnight.
fn time(units: i64, digits: u32) -> String {
    let per_second = 10i64.pow(digits);
    let units = units.rem_euclid(86_400 * per_second);
    let secs = units / per_second;
    let frac = units % per_second;
    format!(
        "{:02}:{:02}:{:02}.{frac:0width$}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        width = digits as usize
    )
}

/// RFC 3339 in UTC of `units` (10^-`digits` seconds) since the epoch.
fn timestamp(units: i128, digits: u32) -> String {
    let per_second = 10i128.pow(digits);
    let secs = units.div_euclid(per_second);
    let frac = units.rem_euclid(per_second);
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    // |units| < 2^63, so the day count fits an i64.
    let (y, m, d) = civil(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:0width$}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        width = digits as usize
    )
}

/// The length of `value` as compact JSON text.
fn json_len(value: &Value) -> u64 {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len() as u64;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_json_text() {
        // (what, got, expected)
        let cases = [
            ("epoch", date(0), "1970-01-01"),
            ("a leap day", date(19_782), "2024-02-29"),
            ("before the epoch", date(-1), "1969-12-31"),
            ("time in ms", time(45_296_789, 3), "12:34:56.789"),
            ("time in µs", time(1, 6), "00:00:00.000001"),
            (
                "timestamp in ms",
                timestamp(1_714_564_800_123, 3),
                "2024-05-01T12:00:00.123Z",
            ),
            (
                "timestamp before the epoch",
                timestamp(-1, 6),
                "1969-12-31T23:59:59.999999Z",
            ),
            (
                "timestamp in ns",
                timestamp(1_000_000_001, 9),
                "1970-01-01T00:00:01.000000001Z",
            ),
            ("base64, two pad", base64(b"a"), "YQ=="),
            ("base64, one pad", base64(b"ab"), "YWI="),
            ("base64, none", base64(b"abc\xff"), "YWJj/w=="),
            ("base64, empty", base64(b""), ""),
            (
                "uuid",
                uuid(&[
                    0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a,
                    0xbc, 0xde, 0xf0,
                ]),
                "12345678-9abc-def0-1234-56789abcdef0",
            ),
        ];
        for (what, got, expected) in cases {
            assert_eq!(got, expected, "{what}");
        }
        let decimals: [(&[u8], i32, &str); 7] = [
            (&[0x04, 0xd2], 2, "12.34"),
            (&[0xfb, 0x2e], 2, "-12.34"),
            (&[0x05], 3, "0.005"),
            (&[0xff], 1, "-0.1"),
            (&[0x00], 0, "0"),
            (
                &[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                0,
                "9223372036854775807",
            ),
            (
                &[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                38,
                "-1.70141183460469231731687303715884105728",
            ),
        ];
        for (data, scale, expected) in decimals {
            assert_eq!(decimal(data, scale).as_deref(), Ok(expected), "{data:?}");
        }
        assert!(decimal(&[1; 33], 0).is_err());
        assert!(decimal(&[1], -1).is_err());
        assert_eq!(
            float(f64::from(0.1f32), 0.1f32.to_string()),
            serde_json::json!(0.1)
        );
        assert_eq!(float(f64::NAN, String::new()), serde_json::json!("NaN"));
        assert_eq!(
            float(f64::NEG_INFINITY, String::new()),
            serde_json::json!("-Infinity")
        );
        assert_eq!(json_len(&serde_json::json!({"a": [1, "x"]})), 13);
    }

    #[test]
    fn page_headers_are_read_with_every_length_checked() {
        // PageHeader{type: 0, uncompressed: 10, compressed: 3,
        // data_page_header: {num_values: 2}} then a 3-byte body.
        let page = [
            0x15, 0x00, 0x15, 0x14, 0x15, 0x06, 0x2c, 0x15, 0x04, 0x00, 0x00, 1, 2, 3,
        ];
        assert_eq!(
            scan_pages(&page, false),
            Ok(Pages {
                uncompressed: 10,
                values: 2
            })
        );
        let two = [page, page].concat();
        assert_eq!(scan_pages(&two, false).map(|p| p.uncompressed), Ok(20));
        // Cut short: the body, then the header.
        assert!(scan_pages(&page[..12], false).is_err());
        assert!(scan_pages(&page[..5], false).is_err());
        // A list claiming more elements than bytes left.
        let mut r = Compact::new(&[0xf9, 0xff, 0xff, 0xff, 0x0f]);
        assert!(r.skip(LIST, 0).is_err());
        // Structs nested past the limit.
        let deep = vec![0x1c; 100];
        assert!(Compact::new(&deep).skip(STRUCT, 0).is_err());
    }
}
