//! A local stand-in for Amazon S3, for Distributed Maps with an `ItemReader`
//! (`Command::ReadItems`): a directory whose subdirectories are buckets
//! and whose files are objects, `<dir>/<bucket>/<key>`.
//!
//! AWS ("ItemReader (Map)") reads one object with `s3:getObject` and parses
//! it by `ReaderConfig.InputType`:
//! * `JSON`: the object is a JSON array of items, or with `ItemsPointer`
//!   a JSON document holding one at that JSON Pointer;
//! * `JSONL`: one JSON item per line;
//! * `CSV`: one item per row, an object from column header to value, every
//!   value a string; headers from the first row (`FIRST_ROW`) or the
//!   definition (`GIVEN` with `CSVHeaders`); `CSVDelimiter` COMMA (default),
//!   PIPE, SEMICOLON, SPACE or TAB;
//! * `PARQUET`: one item per row, an object from column name to value
//!   ([`parquet`] says how each column type becomes JSON, and what AWS
//!   limits: 256 MB row groups, a 5 MB footer; GZIP, SNAPPY, ZSTD pages);
//! * `MANIFEST`: an S3 Inventory `manifest.json`, whose CSV data files
//!   (gzip-compressed, `.csv.gz`, as S3 Inventory writes them; or plain)
//!   hold one item per object, keyed by the manifest's `fileSchema`.
//!
//! With `ManifestType: ATHENA_DATA` the object is the data manifest an
//! Athena `UNLOAD` query writes (`<QueryId>-manifest.csv`: a text file
//! listing the S3 URIs of the data files it wrote, one a line), and
//! `InputType` is `MANIFEST` or the format of those data files, `CSV`,
//! `JSONL` or `PARQUET` (the `UNLOAD` formats TEXTFILE, JSON and PARQUET);
//! the items are the rows of every listed file in the manifest's order.
//! With `MANIFEST`, each file's format is told from its bytes. Athena
//! compresses text data files with gzip by default: a data file that
//! starts like gzip is decompressed (to at most [`MAX_INFLATED`] bytes).
//!
//! With `s3:listObjectsV2` the items are the objects under `Prefix`, each
//! `{"Etag", "Key", "LastModified", "Size", "StorageClass"}` as in AWS's
//! example (`LastModified` in seconds since the epoch), in key order as S3
//! lists them; with `Transformation: LOAD_AND_FLATTEN` every listed object
//! is read by `InputType` and the items of all of them are iterated over.
//!
//! Not documented by AWS, or not possible here, and chosen here:
//! * `Etag` is the quoted hex MD5 of the content, as S3 gives for objects
//!   uploaded in one part; `StorageClass` is always `STANDARD`.
//! * A CSV row with fewer values than headers gets `""` for the missing
//!   ones and values beyond the headers are dropped; blank lines are
//!   skipped; duplicate headers fail the read ("CSV headers cannot contain
//!   duplicates.").
//! * `VersionId` is ignored (a directory keeps one version of each file).
//! * An inventory or Athena data file is decompressed to at most
//!   [`MAX_INFLATED`] bytes, and so are the pages of one Parquet file.
//! * The items one read builds from CSV and Parquet rows (CSV objects,
//!   inventory and Athena data files, Parquet objects) and from the JSON
//!   Lines of Athena data files take at most
//!   [`MAX_CSV_ITEMS_BYTES`] as JSON: a row short of values still gets
//!   every column, so 10 KiB of headers over a file of short rows would
//!   otherwise take thousands of times the file's size, and Parquet's
//!   encodings let a small file hold many large rows.
//! * AWS is silent: an Athena manifest's CSV data files are read with the
//!   definition's CSV options, each file on its own (with `FIRST_ROW`,
//!   each file's first row is its header; Athena's TEXTFILE output has
//!   none, so give `CSVHeaders`); a line of the manifest that is not an
//!   `s3://bucket/key` URI fails the read.
//! * Keys may not climb out of the bucket (`..` segments) and bucket names
//!   may not contain `/`: such a request fails like a missing object.
//!
//! Every failure is the cause of the Map Run's `States.ItemReaderFailed`,
//! naming the object and S3's error code (`NoSuchBucket`, `NoSuchKey`).
//!
//! A `ResultWriter`'s results (`Command::WriteResults`, rendered by the
//! core) are written with [`write_results`]: each object to
//! `<dir>/<bucket>/<key>` (the bucket directory must exist, as an S3 bucket
//! must; the key's folders are made), through a temporary file renamed into
//! place, the manifest last. A failure is the cause of the Map Run's
//! `States.ResultWriterFailed`.

use std::path::{Component, Path, PathBuf};

use md5::{Digest, Md5};
use serde_json::{json, Value};
use stepwell_asl::{CsvHeaderLocation, InputType, ReaderConfig, ReaderResource};
use stepwell_core::{ReadRequest, WriteRequest};

mod csv;
pub mod parquet;
mod thrift;

use csv::csv_items;

/// A directory standing for S3: `<root>/<bucket>/<key>`.
#[derive(Debug, Clone)]
pub struct LocalS3 {
    root: PathBuf,
    /// The most bytes one compressed data file (or the pages of one
    /// Parquet file) may decompress to.
    max_inflated: u64,
    /// The most bytes (as JSON) the items built from CSV and Parquet rows
    /// in one read may take.
    max_csv_items_bytes: u64,
}

/// The most bytes a compressed inventory or Athena data file, or the
/// pages of one Parquet file, may decompress to.
pub const MAX_INFLATED: u64 = 1 << 30;

/// The most bytes (as JSON text) the items one read builds from CSV and
/// Parquet rows (CSV objects, inventory and Athena data files, Parquet
/// objects) may take. Every item has every
/// column, so a file of short rows under 10 KiB of headers would
/// otherwise make thousands of times its own size in memory; an
/// `ItemsRead` event that large could not be stored anyway.
pub const MAX_CSV_ITEMS_BYTES: u64 = 1 << 30;

/// An object's bytes as text, without a byte-order mark.
fn utf8_text(bytes: Vec<u8>, bucket: &str, key: &str) -> Result<String, String> {
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("The object s3://{bucket}/{key} is not UTF-8 text"))?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Read `req` from `s3`, or explain that there is no local S3 to read from.
pub fn read_items(s3: Option<&LocalS3>, req: &ReadRequest) -> Result<Vec<Value>, String> {
    match s3 {
        Some(s3) => s3.read_items(req),
        None => Err(format!(
            "The Map state '{}' reads its items from S3 ({}), but no local S3 directory is configured: pass --s3-dir DIR (or set STEPWELL_S3_DIR); DIR/<bucket>/<key> is an object.",
            req.state_name,
            req.resource.arn()
        )),
    }
}

/// Write `req`'s objects to `s3`, or explain that there is no local S3.
pub fn write_results(s3: Option<&LocalS3>, req: &WriteRequest) -> Result<(), String> {
    match s3 {
        Some(s3) => {
            for (key, content) in &req.objects {
                s3.put_object(&req.bucket, key, content.as_bytes())?;
            }
            Ok(())
        }
        None => Err(format!(
            "The Map state '{}' writes its results to S3 (arn:aws:states:::s3:putObject), but no local S3 directory is configured: pass --s3-dir DIR (or set STEPWELL_S3_DIR); DIR/<bucket>/<key> is an object.",
            req.state_name,
        )),
    }
}

impl LocalS3 {
    /// Store `content` as `s3://bucket/key`.
    pub fn put_object(&self, bucket: &str, key: &str, content: &[u8]) -> Result<(), String> {
        let dir = self.bucket_dir(bucket)?;
        let safe = !key.is_empty()
            && !key.ends_with('/')
            && Path::new(key)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            return Err(format!(
                "The key '{key}' cannot be written (Service: S3, Status Code: 400, Error Code: InvalidArgument; bucket '{bucket}', local S3 directory {})",
                self.root.display()
            ));
        }
        let path = dir.join(key);
        let fail = |e: std::io::Error| format!("Cannot write s3://{bucket}/{key}: {e}");
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let mut tmp = path.clone().into_os_string();
        tmp.push(".stepwell-tmp");
        std::fs::write(&tmp, content).map_err(fail)?;
        std::fs::rename(&tmp, &path).map_err(fail)
    }

    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalS3 {
            root: root.into(),
            max_inflated: MAX_INFLATED,
            max_csv_items_bytes: MAX_CSV_ITEMS_BYTES,
        }
    }

    /// The same directory with another cap on decompressed data files and
    /// Parquet pages than [`MAX_INFLATED`] (tests and the fuzz target keep
    /// memory low).
    pub fn with_max_inflated(mut self, bytes: u64) -> Self {
        self.max_inflated = bytes;
        self
    }

    /// The same directory with another cap on the items built from CSV and
    /// Parquet rows in one read than [`MAX_CSV_ITEMS_BYTES`].
    pub fn with_max_csv_items_bytes(mut self, bytes: u64) -> Self {
        self.max_csv_items_bytes = bytes;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The items `req` asks for (at most `req.max_items`), or the cause of
    /// the failure.
    pub fn read_items(&self, req: &ReadRequest) -> Result<Vec<Value>, String> {
        let params = &req.parameters;
        let bucket = string_param(params, "Bucket", true)?.unwrap_or_default();
        let mut budget = Budget::new(self.max_csv_items_bytes);
        let mut items = match req.resource {
            ReaderResource::GetObject => {
                let key = string_param(params, "Key", true)?.unwrap_or_default();
                self.read_object(&bucket, &key, &req.config, req.max_items, &mut budget)?
            }
            ReaderResource::ListObjectsV2 => {
                let prefix = string_param(params, "Prefix", false)?.unwrap_or_default();
                let listed = self.list(&bucket, &prefix)?;
                if req.config.load_and_flatten {
                    let mut items = Vec::new();
                    for object in listed {
                        if reached(&items, req.max_items) {
                            break;
                        }
                        let key = object["Key"].as_str().unwrap_or_default().to_string();
                        let left = req.max_items.map(|m| m.saturating_sub(items.len() as u64));
                        items.extend(self.read_object(
                            &bucket,
                            &key,
                            &req.config,
                            left,
                            &mut budget,
                        )?);
                    }
                    items
                } else {
                    listed
                }
            }
        };
        if let Some(m) = req.max_items {
            items.truncate(usize::try_from(m).unwrap_or(usize::MAX));
        }
        Ok(items)
    }

    /// One object's items, parsed by `InputType` (or, with `ManifestType:
    /// ATHENA_DATA`, the items of the data files the Athena manifest
    /// lists); items built from CSV and Parquet rows take from `budget`
    /// (bytes).
    fn read_object(
        &self,
        bucket: &str,
        key: &str,
        config: &ReaderConfig,
        max_items: Option<u64>,
        budget: &mut Budget,
    ) -> Result<Vec<Value>, String> {
        if config.manifest_type.as_deref() == Some("ATHENA_DATA") {
            let text = self.get_text(bucket, key)?;
            return self.athena_items(bucket, key, &text, config, max_items, budget);
        }
        let at = || format!("s3://{bucket}/{key}");
        match config.input_type {
            Some(InputType::Json) => {
                let doc = stepwell_core::parse_json(&self.get_text(bucket, key)?)
                    .map_err(|e| format!("The object {} is not valid JSON: {e}", at()))?;
                let found = match &config.items_pointer {
                    Some(p) => doc.pointer(p).ok_or_else(|| {
                        format!(
                            "The ItemsPointer '{p}' selects nothing in the JSON object {}",
                            at()
                        )
                    })?,
                    None => &doc,
                };
                match found {
                    Value::Array(a) => Ok(a.clone()),
                    _ => Err(match &config.items_pointer {
                        Some(p) => format!(
                            "The ItemsPointer '{p}' in the JSON object {} does not select a JSON array",
                            at()
                        ),
                        // AWS's cause, recorded (LocalStack's
                        // `test_map_item_reader_json_no_json_list_object`).
                        None => "Attempting to map over non-iterable node.".to_string(),
                    }),
                }
            }
            Some(InputType::Jsonl) => jsonl_items(&self.get_text(bucket, key)?, max_items, None)
                .map_err(|e| format!("The JSONL object {} cannot be read: {e}", at())),
            Some(InputType::Csv) => {
                csv_items(&self.get_text(bucket, key)?, config, max_items, budget).map_err(|e| {
                    if e == csv::DUPLICATE_HEADERS {
                        e
                    } else {
                        format!("The CSV object {} cannot be read: {e}", at())
                    }
                })
            }
            Some(InputType::Parquet) => parquet::items(
                self.get_bytes(bucket, key)?,
                max_items,
                budget,
                self.max_inflated,
            )
            .map_err(|e| format!("The Parquet object {} cannot be read: {e}", at())),
            Some(InputType::Manifest) => {
                let text = self.get_text(bucket, key)?;
                self.manifest_items(bucket, key, &text, max_items, budget)
            }
            None => Err(format!(
                "No ReaderConfig InputType to read the object {}",
                at()
            )),
        }
    }

    /// An Athena data manifest (`ManifestType: ATHENA_DATA`): the S3 URIs
    /// of the data files an `UNLOAD` query wrote, one a line; their rows,
    /// read by `InputType` (CSV, JSONL or PARQUET), in the manifest's
    /// order.
    fn athena_items(
        &self,
        bucket: &str,
        key: &str,
        text: &str,
        config: &ReaderConfig,
        max_items: Option<u64>,
        budget: &mut Budget,
    ) -> Result<Vec<Value>, String> {
        let at = format!("s3://{bucket}/{key}");
        let kind = match config.input_type {
            Some(t @ (InputType::Csv | InputType::Jsonl | InputType::Parquet)) => Some(t),
            // Each file's format is told from its bytes (see `data_format`).
            Some(InputType::Manifest) => None,
            other => {
                return Err(format!(
                    "The Athena data manifest {at} is read with the InputType MANIFEST or the format of its data files (CSV, JSONL or PARQUET), found {}",
                    other.map_or("none", input_type_name)
                ))
            }
        };
        let mut items = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if reached(&items, max_items) {
                break;
            }
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (data_bucket, data_key) = line
                .strip_prefix("s3://")
                .and_then(|rest| rest.split_once('/'))
                .filter(|(b, k)| !b.is_empty() && !k.is_empty())
                .ok_or_else(|| {
                    format!(
                        "Line {} of the Athena data manifest {at} is not an S3 URI (s3://bucket/key): '{line}'",
                        i + 1
                    )
                })?;
            let file = format!("s3://{data_bucket}/{data_key}");
            let bytes = self.get_data_file(data_bucket, data_key, "Athena data file")?;
            let left = max_items.map(|m| m.saturating_sub(items.len() as u64));
            let read = match kind.unwrap_or_else(|| data_format(&bytes)) {
                InputType::Parquet => parquet::items(bytes, left, budget, self.max_inflated),
                InputType::Jsonl => utf8_text(bytes, data_bucket, data_key)
                    .and_then(|text| jsonl_items(&text, left, Some(budget))),
                _ => utf8_text(bytes, data_bucket, data_key)
                    .and_then(|text| csv_items(&text, config, left, budget)),
            };
            items.extend(read.map_err(|e| {
                format!("The Athena data file {file} (listed in {at}) cannot be read: {e}")
            })?);
        }
        Ok(items)
    }

    /// An S3 Inventory manifest: the rows of its (CSV) data files, each an
    /// object keyed by the manifest's `fileSchema`.
    fn manifest_items(
        &self,
        bucket: &str,
        key: &str,
        text: &str,
        max_items: Option<u64>,
        budget: &mut Budget,
    ) -> Result<Vec<Value>, String> {
        let at = format!("s3://{bucket}/{key}");
        let manifest = stepwell_core::parse_json(text)
            .map_err(|e| format!("The manifest {at} is not valid JSON: {e}"))?;
        let format = manifest["fileFormat"].as_str().unwrap_or("CSV");
        if !format.eq_ignore_ascii_case("CSV") {
            return Err(format!(
                "The manifest {at} lists {format} files; Stepwell reads CSV inventory files only"
            ));
        }
        let schema: Vec<String> = manifest["fileSchema"]
            .as_str()
            .ok_or_else(|| format!("The manifest {at} has no fileSchema"))?
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        let data_bucket = manifest["destinationBucket"]
            .as_str()
            .map(|b| b.strip_prefix("arn:aws:s3:::").unwrap_or(b).to_string())
            .unwrap_or_else(|| bucket.to_string());
        let files = manifest["files"]
            .as_array()
            .ok_or_else(|| format!("The manifest {at} has no files list"))?;
        let csv = ReaderConfig {
            input_type: Some(InputType::Csv),
            csv_header_location: CsvHeaderLocation::Given,
            csv_headers: schema,
            ..ReaderConfig::default()
        };
        let mut items = Vec::new();
        for file in files {
            if reached(&items, max_items) {
                break;
            }
            let Some(file_key) = file["key"].as_str() else {
                return Err(format!("The manifest {at} lists a file without a key"));
            };
            let bytes = self.get_data_file(&data_bucket, file_key, "inventory file")?;
            let text = utf8_text(bytes, &data_bucket, file_key)?;
            let left = max_items.map(|m| m.saturating_sub(items.len() as u64));
            items.extend(csv_items(&text, &csv, left, budget).map_err(|e| {
                format!("The inventory file s3://{data_bucket}/{file_key} cannot be read: {e}")
            })?);
        }
        Ok(items)
    }

    fn bucket_dir(&self, bucket: &str) -> Result<PathBuf, String> {
        let invalid = bucket.is_empty() || bucket.contains(['/', '\\']) || bucket.starts_with('.');
        let dir = self.root.join(bucket);
        if invalid || !dir.is_dir() {
            return Err(format!(
                "The specified bucket does not exist (Service: S3, Status Code: 404, Error Code: NoSuchBucket; bucket '{bucket}', local S3 directory {})",
                self.root.display()
            ));
        }
        Ok(dir)
    }

    fn object_path(&self, bucket: &str, key: &str) -> Result<PathBuf, String> {
        let dir = self.bucket_dir(bucket)?;
        let safe = !key.is_empty()
            && Path::new(key)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        let path = dir.join(key);
        if !safe || !path.is_file() {
            return Err(format!(
                "The specified key does not exist (Service: S3, Status Code: 404, Error Code: NoSuchKey; s3://{bucket}/{key}, local S3 directory {})",
                self.root.display()
            ));
        }
        Ok(path)
    }

    fn get_bytes(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
        let path = self.object_path(bucket, key)?;
        std::fs::read(&path).map_err(|e| format!("Cannot read s3://{bucket}/{key}: {e}"))
    }

    fn get_text(&self, bucket: &str, key: &str) -> Result<String, String> {
        utf8_text(self.get_bytes(bucket, key)?, bucket, key)
    }

    /// A data file a manifest lists (`what` names it in errors: "inventory
    /// file", "Athena data file"): gzip-compressed (what S3 Inventory
    /// writes, and Athena by default for text formats, whatever the key's
    /// ending), decompressed to at most `max_inflated` bytes; or as it is.
    fn get_data_file(&self, bucket: &str, key: &str, what: &str) -> Result<Vec<u8>, String> {
        let bytes = self.get_bytes(bucket, key)?;
        if !bytes.starts_with(&[0x1f, 0x8b]) {
            return Ok(bytes);
        }
        use std::io::Read;
        let cap = self.max_inflated;
        let mut inflated = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .take(cap.saturating_add(1))
            .read_to_end(&mut inflated)
            .map_err(|e| format!("The {what} s3://{bucket}/{key} is not valid gzip: {e}"))?;
        if inflated.len() as u64 > cap {
            return Err(format!(
                "The {what} s3://{bucket}/{key} holds more than {cap} bytes once decompressed"
            ));
        }
        Ok(inflated)
    }

    /// The objects of `bucket` whose keys start with `prefix`, in key order.
    fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<Value>, String> {
        let dir = self.bucket_dir(bucket)?;
        let mut files = Vec::new();
        walk(&dir, "", &mut files)
            .map_err(|e| format!("Cannot list the bucket '{bucket}': {e}"))?;
        files.retain(|(key, _)| key.starts_with(prefix));
        // S3 lists keys in UTF-8 binary order.
        files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut items = Vec::with_capacity(files.len());
        for (key, path) in files {
            let meta = std::fs::metadata(&path)
                .map_err(|e| format!("Cannot read s3://{bucket}/{key}: {e}"))?;
            let content = std::fs::read(&path)
                .map_err(|e| format!("Cannot read s3://{bucket}/{key}: {e}"))?;
            let digest = Md5::digest(&content);
            let etag: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            items.push(json!({
                "Etag": format!("\"{etag}\""),
                "Key": key,
                "LastModified": modified,
                "Size": meta.len(),
                "StorageClass": "STANDARD",
            }));
        }
        Ok(items)
    }
}

/// The items of a JSON Lines text: one JSON value a line, blank lines
/// skipped; with a `budget` (Athena data files, which may be
/// gzip-compressed), each line takes its length from it.
fn jsonl_items(
    text: &str,
    max_items: Option<u64>,
    mut budget: Option<&mut Budget>,
) -> Result<Vec<Value>, String> {
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if reached(&items, max_items) {
            break;
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(budget) = budget.as_deref_mut() {
            budget.take(line.len() as u64)?;
        }
        items.push(
            stepwell_core::parse_json(line)
                .map_err(|e| format!("line {} is not valid JSON: {e}", i + 1))?,
        );
    }
    Ok(items)
}

/// The format of an Athena data file read with `InputType: MANIFEST`:
/// Parquet if it starts with `PAR1`, JSON Lines if its first character
/// (past white space and a byte-order mark) is `{` (Athena's JSON output
/// is one object a line), else CSV. AWS is silent on how it tells them
/// apart; with the format as the InputType nothing is guessed.
fn data_format(bytes: &[u8]) -> InputType {
    if bytes.starts_with(b"PAR1") {
        return InputType::Parquet;
    }
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => InputType::Jsonl,
        _ => InputType::Csv,
    }
}

/// The ASL spelling of an `InputType`.
fn input_type_name(t: InputType) -> &'static str {
    match t {
        InputType::Csv => "CSV",
        InputType::Json => "JSON",
        InputType::Jsonl => "JSONL",
        InputType::Parquet => "PARQUET",
        InputType::Manifest => "MANIFEST",
    }
}

fn reached(items: &[Value], max_items: Option<u64>) -> bool {
    max_items.is_some_and(|m| items.len() as u64 >= m)
}

/// Every file under `dir`, as (key relative to the bucket, path).
fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), &format!("{key}/"), out)?;
        } else if kind.is_file() {
            out.push((key, entry.path()));
        }
    }
    Ok(())
}

/// A string field of the reader's parameters.
fn string_param(params: &Value, field: &str, required: bool) -> Result<Option<String>, String> {
    match params.get(field) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        None if !required => Ok(None),
        None => Err(format!(
            "The ItemReader's Parameters (or Arguments) must name the '{field}', found: {params}"
        )),
        Some(other) => Err(format!(
            "The ItemReader's '{field}' must be a string, found: {other}"
        )),
    }
}

/// What is left of the bytes (as JSON) one read may build from CSV and
/// Parquet rows.
pub(super) struct Budget {
    cap: u64,
    left: u64,
}

impl Budget {
    pub(super) fn new(cap: u64) -> Self {
        Budget { cap, left: cap }
    }

    /// Take `size` bytes, or explain that the read would build too much.
    pub(super) fn take(&mut self, size: u64) -> Result<(), String> {
        if size > self.left {
            return Err(format!(
                "its rows make items of more than {} bytes (as JSON), the most Stepwell builds from CSV and Parquet rows in one read",
                self.cap
            ));
        }
        self.left -= size;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(input_type: InputType, key: &str, max_items: Option<u64>) -> ReadRequest {
        ReadRequest {
            read: 1,
            state_name: "Map".into(),
            resource: ReaderResource::GetObject,
            parameters: std::sync::Arc::new(json!({"Bucket": "b", "Key": key})),
            config: ReaderConfig {
                input_type: Some(input_type),
                ..ReaderConfig::default()
            },
            max_items,
        }
    }

    #[test]
    fn csv_items_built_in_one_read_are_bounded() {
        // Each row of "x" becomes an object with every one of the 500
        // columns: the items would take about 2,000 times the file's size.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s3 = LocalS3::new(dir.path()).with_max_csv_items_bytes(1 << 20);
        assert!(std::fs::create_dir(dir.path().join("b")).is_ok());
        let headers: Vec<String> = (0..500).map(|i| format!("c{i}")).collect();
        let text = format!("{}\n{}", headers.join(","), "x\n".repeat(2_000));
        assert!(s3.put_object("b", "wide.csv", text.as_bytes()).is_ok());
        let err = s3.read_items(&reader(InputType::Csv, "wide.csv", None));
        assert_eq!(
            err,
            Err("The CSV object s3://b/wide.csv cannot be read: its rows make items of more than 1048576 bytes (as JSON), the most Stepwell builds from CSV and Parquet rows in one read".into())
        );
        // Within the bound (MaxItems stops first), the same file reads.
        let some = s3.read_items(&reader(InputType::Csv, "wide.csv", Some(100)));
        assert_eq!(some.map(|items| items.len()), Ok(100));
        // The budget is for the whole read: a manifest's files share it.
        let manifest = json!({
            "fileFormat": "CSV",
            "fileSchema": headers.join(","),
            "files": [{"key": "wide.csv"}, {"key": "wide.csv"}]
        });
        assert!(s3
            .put_object("b", "manifest.json", manifest.to_string().as_bytes())
            .is_ok());
        let s3 = s3.with_max_csv_items_bytes(3 << 20);
        let err = s3
            .read_items(&reader(InputType::Manifest, "manifest.json", None))
            .unwrap_err();
        assert!(err.contains("more than 3145728 bytes"), "{err}");
    }

    #[test]
    fn inventory_files_inflate_to_at_most_the_cap() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s3 = LocalS3::new(dir.path()).with_max_inflated(1024);
        assert!(std::fs::create_dir(dir.path().join("b")).is_ok());
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        assert!(gz.write_all(&[b'\n'; 1 << 20]).is_ok());
        let bomb = gz.finish().unwrap_or_default();
        assert!(bomb.len() < 4096);
        assert!(s3.put_object("b", "data.csv.gz", &bomb).is_ok());
        let manifest = json!({"fileSchema": "Bucket, Key", "files": [{"key": "data.csv.gz"}]});
        assert!(s3
            .put_object("b", "manifest.json", manifest.to_string().as_bytes())
            .is_ok());
        assert_eq!(
            s3.read_items(&reader(InputType::Manifest, "manifest.json", None)),
            Err("The inventory file s3://b/data.csv.gz holds more than 1024 bytes once decompressed".into())
        );
    }
}
