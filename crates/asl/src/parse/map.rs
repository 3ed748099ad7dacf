//! A Map state, with the fields only a Distributed Map has: ItemReader
//! (and its ReaderConfig), ItemBatcher and ResultWriter.

use serde_json::{Map as JsonMap, Value};

use super::dataflow::Bounds;
use super::{Names, Parser};
use crate::diag::Code;
use crate::model::{
    BatchInput, CsvDelimiter, CsvHeaderLocation, Dynamic, ExecutionType, InputType, ItemBatcher,
    ItemReader, MachineId, Map, QueryLanguage, ReaderConfig, ReaderParameters, ReaderResource,
    ResultWriter, StateId, WriterOutputType, WriterTransformation, MAX_INPUT_BYTES_PER_BATCH,
    MAX_READER_ITEMS, RESULT_WRITER_RESOURCE,
};

/// AWS's longest Map label, in characters.
const MAX_LABEL_CHARS: usize = 40;

impl Parser {
    pub(super) fn map(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        names: &Names,
        me: (MachineId, StateId),
        ql: QueryLanguage,
    ) -> Option<Map> {
        let (proc_value, proc_loc) = match (obj.get("ItemProcessor"), obj.get("Iterator")) {
            (Some(p), None) => (p, format!("{loc}/ItemProcessor")),
            (None, Some(p)) => (p, format!("{loc}/Iterator")),
            (Some(_), Some(_)) => {
                self.only_one(
                    &format!("{loc}/ItemProcessor"),
                    &["ItemProcessor", "Iterator"],
                );
                return None;
            }
            (None, None) => {
                self.schema(loc, "These fields are required: [ItemProcessor]".into());
                return None;
            }
        };
        let distributed = self.processor_mode(proc_value, &proc_loc);
        let execution_type = match proc_value.pointer("/ProcessorConfig/ExecutionType") {
            None => ExecutionType::Standard,
            Some(Value::String(t)) if t == "STANDARD" => ExecutionType::Standard,
            Some(Value::String(t)) if t == "EXPRESS" => ExecutionType::Express,
            Some(other) => {
                let why = match other {
                    Value::String(_) => "Value should be one of the following: [STANDARD, EXPRESS]",
                    _ => "Expected value of type [STRING]",
                };
                self.schema(
                    &format!("{proc_loc}/ProcessorConfig/ExecutionType"),
                    why.into(),
                );
                ExecutionType::Standard
            }
        };
        // Before the processor's: a Label given twice is the inner one.
        let label = obj.get("Label").and_then(|v| self.label(v, loc));
        let processor = self.sub_machine(proc_value, &proc_loc, me)?;
        let (item_selector, item_selector_jsonata) = match ql {
            QueryLanguage::JsonPath => {
                let sel = match (obj.get("ItemSelector"), obj.get("Parameters")) {
                    (Some(v), None) => self.template(v, "ItemSelector", loc),
                    (None, Some(v)) => self.template(v, "Parameters", loc),
                    (Some(_), Some(_)) => {
                        self.only_one(
                            &format!("{loc}/ItemSelector"),
                            &["ItemSelector", "Parameters"],
                        );
                        None
                    }
                    (None, None) => None,
                };
                (sel, None)
            }
            QueryLanguage::Jsonata => (
                None,
                obj.get("ItemSelector")
                    .map(|v| self.jsonata_template(v, &format!("{loc}/ItemSelector"))),
            ),
        };
        let items_path = self.opt_path(obj.get("ItemsPath"), "ItemsPath", loc, false);
        let items = match ql {
            QueryLanguage::Jsonata => obj
                .get("Items")
                .map(|v| self.jsonata_template(v, &format!("{loc}/Items"))),
            QueryLanguage::JsonPath => None,
        };
        Some(Map {
            processor,
            distributed,
            execution_type,
            items_path,
            items,
            item_selector,
            item_selector_jsonata,
            max_concurrency: self.dynamic_u64(obj, "MaxConcurrency", loc, ql, Bounds::int(0, None)),
            tolerated_failure_count: self.dynamic_f64(
                obj,
                "ToleratedFailureCount",
                loc,
                ql,
                Bounds::int(0, None),
            ),
            tolerated_failure_percentage: self.dynamic_f64(
                obj,
                "ToleratedFailurePercentage",
                loc,
                ql,
                Bounds::float(0.0, Some(100.0)),
            ),
            item_reader: obj
                .get("ItemReader")
                .and_then(|v| self.item_reader(v, loc, ql, distributed)),
            item_batcher: obj
                .get("ItemBatcher")
                .and_then(|v| self.item_batcher(v, loc, ql, distributed)),
            result_writer: obj
                .get("ResultWriter")
                .and_then(|v| self.result_writer(v, loc, ql, distributed)),
            label,
            retry: self.retriers(obj, loc),
            catch: self.catchers(obj, loc, names, ql),
        })
    }

    /// A Map's `Label` (at the Map state's `loc`), which names its Map
    /// Runs in their ARNs. AWS: at most 40 characters, unique in the state
    /// machine, and none of the characters a name must not contain (white
    /// space, `< > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /` and control
    /// characters). The codes are AWS's; the wording is ours.
    fn label(&mut self, v: &Value, loc: &str) -> Option<String> {
        let lloc = format!("{loc}/Label");
        let Some(label) = v.as_str() else {
            self.schema(&lloc, "Expected value of type [STRING]".into());
            return None;
        };
        let refused = label.chars().find(|&c| {
            c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
        });
        let problem = if label.is_empty() {
            Some("must not be empty".to_string())
        } else if label.chars().count() > MAX_LABEL_CHARS {
            Some(format!(
                "exceeds the {MAX_LABEL_CHARS}-character limit allowed by the service"
            ))
        } else {
            refused.map(|c| format!("contains {c:?}, a character a label must not contain"))
        };
        if let Some(problem) = problem {
            self.push(
                Code::InvalidLabelName,
                format!("Invalid Label name: Label '{label}' {problem}"),
                Some(lloc),
            );
            return None;
        }
        if !self.labels.insert(label.to_owned()) {
            self.push(
                Code::DuplicateLabelName,
                format!("Duplicate Label name: {label}"),
                Some(lloc),
            );
        }
        Some(label.to_owned())
    }

    /// Whether the processor's `ProcessorConfig` says `DISTRIBUTED` (else
    /// the Map is inline), checking its fields.
    fn processor_mode(&mut self, processor: &Value, proc_loc: &str) -> bool {
        let Some(config) = processor.get("ProcessorConfig") else {
            return false;
        };
        let loc = format!("{proc_loc}/ProcessorConfig");
        let Some(config) = config.as_object() else {
            self.schema(&loc, "The field 'ProcessorConfig' must be an object".into());
            return false;
        };
        self.check_fields(config, &["Mode", "ExecutionType"], &loc);
        match config.get("Mode") {
            None => false,
            Some(Value::String(m)) if m == "INLINE" => false,
            Some(Value::String(m)) if m == "DISTRIBUTED" => true,
            Some(_) => {
                self.schema(
                    &format!("{loc}/Mode"),
                    "Value should be one of the following: [INLINE, DISTRIBUTED]".into(),
                );
                false
            }
        }
    }

    /// The object of `field`, a field only a Distributed Map has, and its
    /// location; `None` (with the diagnostic) when the Map is inline or the
    /// field is no object.
    fn distributed_field<'v>(
        &mut self,
        v: &'v Value,
        loc: &str,
        field: &str,
        distributed: bool,
    ) -> Option<(&'v JsonMap<String, Value>, String)> {
        let floc = format!("{loc}/{field}");
        if !distributed {
            self.schema(
                &floc,
                format!("The field '{field}' is only supported for a Map state whose ProcessorConfig Mode is DISTRIBUTED"),
            );
            return None;
        }
        let Some(obj) = v.as_object() else {
            self.schema(&floc, format!("The field '{field}' must be an object"));
            return None;
        };
        Some((obj, floc))
    }

    /// The keys an `ItemReader` or `ResultWriter` (at `loc`) may have:
    /// `Resource`, its own configuration field (`config`), and `Parameters`
    /// (JSONPath) or `Arguments` (JSONata).
    fn s3_field_keys(
        &mut self,
        obj: &JsonMap<String, Value>,
        loc: &str,
        config: &str,
        ql: QueryLanguage,
    ) {
        for key in obj.keys() {
            match (key.as_str(), ql) {
                ("Parameters", QueryLanguage::JsonPath) | ("Arguments", QueryLanguage::Jsonata) => {
                }
                ("Parameters", QueryLanguage::Jsonata) | ("Arguments", QueryLanguage::JsonPath) => {
                    self.other_language_field(loc, key, ql);
                }
                (k, _) if k == "Resource" || k == config => {}
                _ => self.schema(loc, format!("Field '{key}' is not supported")),
            }
        }
    }

    /// A Map's `ResultWriter` (at `loc`, the Map state's location).
    ///
    /// AWS ("ResultWriter (Map)"): `Resource` is
    /// `arn:aws:states:::s3:putObject`, `Parameters` (JSONPath) or
    /// `Arguments` (JSONata) give `Bucket` and `Prefix`; `WriterConfig`
    /// holds `Transformation` (NONE, COMPACT, FLATTEN) and `OutputType`
    /// (JSON, JSONL). The field cannot be empty: `WriterConfig`, or
    /// `Resource` with `Parameters`, or all three. AWS documents it for the
    /// Distributed Map only; an inline Map naming it is refused.
    fn result_writer(
        &mut self,
        v: &Value,
        loc: &str,
        ql: QueryLanguage,
        distributed: bool,
    ) -> Option<ResultWriter> {
        let (obj, wloc) = self.distributed_field(v, loc, "ResultWriter", distributed)?;
        let params_field = match ql {
            QueryLanguage::JsonPath => "Parameters",
            QueryLanguage::Jsonata => "Arguments",
        };
        self.s3_field_keys(obj, &wloc, "WriterConfig", ql);
        let export = obj.contains_key("Resource");
        match obj.get("Resource") {
            None => {}
            Some(Value::String(s)) if s == RESULT_WRITER_RESOURCE => {}
            Some(other) => self.schema(
                &format!("{wloc}/Resource"),
                format!(
                    "The ResultWriter resource {other} is not supported: expected {RESULT_WRITER_RESOURCE}"
                ),
            ),
        }
        let has_params = obj.contains_key(params_field);
        if export && !has_params {
            self.schema(
                &wloc,
                format!("These fields are required: [{params_field}] (with the field 'Resource')"),
            );
        } else if has_params && !export {
            self.schema(
                &wloc,
                format!("These fields are required: [Resource] (with the field '{params_field}')"),
            );
        } else if !export && !obj.contains_key("WriterConfig") {
            self.schema(
                &wloc,
                format!("The field 'ResultWriter' cannot be empty: it needs WriterConfig, or Resource and {params_field}, or all three"),
            );
        }
        let parameters = match ql {
            QueryLanguage::JsonPath => obj
                .get("Parameters")
                .and_then(|p| self.template(p, "Parameters", &wloc))
                .map(ReaderParameters::JsonPath),
            QueryLanguage::Jsonata => obj.get("Arguments").map(|a| {
                ReaderParameters::Jsonata(self.jsonata_template(a, &format!("{wloc}/Arguments")))
            }),
        };
        let cloc = format!("{wloc}/WriterConfig");
        let mut transformation = if export {
            WriterTransformation::None
        } else {
            WriterTransformation::Compact
        };
        let mut output_type = WriterOutputType::Json;
        match obj.get("WriterConfig") {
            None => {}
            Some(Value::Object(c)) => {
                for key in c.keys() {
                    if key != "Transformation" && key != "OutputType" {
                        self.schema(&cloc, format!("Field '{key}' is not supported"));
                    }
                }
                let mut one_of = |field: &str, allowed: &[&str]| -> Option<String> {
                    let v = c.get(field)?;
                    match v.as_str() {
                        Some(s) if allowed.contains(&s) => Some(s.to_owned()),
                        _ => {
                            self.schema(
                                &format!("{cloc}/{field}"),
                                format!(
                                    "The value for the field '{field}' must be one of [{}], found {v}",
                                    allowed.join(", ")
                                ),
                            );
                            None
                        }
                    }
                };
                if let Some(t) = one_of("Transformation", &["NONE", "COMPACT", "FLATTEN"]) {
                    transformation = match t.as_str() {
                        "NONE" => WriterTransformation::None,
                        "COMPACT" => WriterTransformation::Compact,
                        _ => WriterTransformation::Flatten,
                    };
                }
                if let Some(t) = one_of("OutputType", &["JSON", "JSONL"]) {
                    if t == "JSONL" {
                        output_type = WriterOutputType::Jsonl;
                    }
                }
                // DIFFERENCE: AWS's examples always give both fields
                // together; a missing one takes its default here.
            }
            Some(_) => self.schema(&cloc, "The field 'WriterConfig' must be an object".into()),
        }
        if output_type == WriterOutputType::Jsonl && !export {
            self.schema(
                &format!("{cloc}/OutputType"),
                "The OutputType JSONL is only supported when the results are exported (with Resource and Parameters)".into(),
            );
        }
        Some(ResultWriter {
            export,
            parameters,
            transformation,
            output_type,
        })
    }

    /// A Map's `ItemBatcher` (at `loc`, the Map state's location).
    ///
    /// AWS ("ItemBatcher (Map)", and the States Language spec): an object
    /// with `MaxItemsPerBatch` / `MaxItemsPerBatchPath` (JSONPath only),
    /// `MaxInputBytesPerBatch` / `MaxInputBytesPerBatchPath` (JSONPath only;
    /// "up to 256 KiB") and an optional `BatchInput` (a payload template in
    /// JSONPath, JSON with `{% %}` expressions in JSONata); at least one of
    /// the limits, never a field together with its `...Path` twin. Limits
    /// given directly are positive integers; JSONata may give them as
    /// expressions. AWS documents `ItemBatcher` among the Distributed Map's
    /// fields only; an inline Map that names it is refused rather than
    /// running one iteration per item, which would silently not batch.
    fn item_batcher(
        &mut self,
        v: &Value,
        loc: &str,
        ql: QueryLanguage,
        distributed: bool,
    ) -> Option<ItemBatcher> {
        let (obj, bloc) = self.distributed_field(v, loc, "ItemBatcher", distributed)?;
        const LIMITS: [&str; 4] = [
            "MaxItemsPerBatch",
            "MaxItemsPerBatchPath",
            "MaxInputBytesPerBatch",
            "MaxInputBytesPerBatchPath",
        ];
        for key in obj.keys() {
            let k = key.as_str();
            if k != "BatchInput" && !LIMITS.contains(&k) {
                self.schema(&bloc, format!("Field '{k}' is not supported"));
            } else if ql == QueryLanguage::Jsonata && k.ends_with("Path") {
                self.other_language_field(&bloc, k, ql);
            }
        }
        if !LIMITS.iter().any(|k| obj.contains_key(*k)) {
            let names = match ql {
                QueryLanguage::JsonPath => LIMITS.join(", "),
                QueryLanguage::Jsonata => "MaxItemsPerBatch, MaxInputBytesPerBatch".into(),
            };
            self.schema(
                &bloc,
                format!("At least one of these fields is required: [{names}]"),
            );
        }
        // AWS's schema takes 0 for every Map number field (a literal below
        // it is refused "Minimum value is 0": floci-io/floci issue 3733).
        let max_items = self.dynamic_u64(obj, "MaxItemsPerBatch", &bloc, ql, Bounds::int(0, None));
        let max_bytes = self.dynamic_u64(
            obj,
            "MaxInputBytesPerBatch",
            &bloc,
            ql,
            Bounds::int(0, Some(MAX_INPUT_BYTES_PER_BATCH)),
        );
        let batch_input = obj.get("BatchInput").and_then(|b| match ql {
            QueryLanguage::JsonPath => self
                .template(b, "BatchInput", &bloc)
                .map(BatchInput::JsonPath),
            QueryLanguage::Jsonata => Some(BatchInput::Jsonata(
                self.jsonata_template(b, &format!("{bloc}/BatchInput")),
            )),
        });
        Some(ItemBatcher {
            max_items,
            max_bytes,
            batch_input,
        })
    }

    /// A Map's `ItemReader` (at `loc`, the Map state's location).
    ///
    /// AWS ("ItemReader (Map)"): `Resource` is the S3 API the reader calls
    /// (`s3:getObject` for one object, `s3:listObjectsV2` for a prefix);
    /// `Parameters` (JSONPath) or `Arguments` (JSONata) name the bucket and
    /// key or prefix; `ReaderConfig` holds `InputType` (CSV, JSON, JSONL,
    /// PARQUET, MANIFEST), the CSV options (`CSVHeaderLocation` FIRST_ROW or
    /// GIVEN with `CSVHeaders`, `CSVDelimiter`), `ItemsPointer`,
    /// `Transformation`, `ManifestType` (`S3_INVENTORY` with MANIFEST;
    /// `ATHENA_DATA` with MANIFEST or the data files' format, CSV, JSONL or
    /// PARQUET) and `MaxItems` / `MaxItemsPath`
    /// (at most 100,000,000). AWS documents `ItemReader` for the Distributed
    /// Map only: an inline Map naming it is refused, as with `ItemBatcher`,
    /// rather than silently iterating over its input.
    fn item_reader(
        &mut self,
        v: &Value,
        loc: &str,
        ql: QueryLanguage,
        distributed: bool,
    ) -> Option<ItemReader> {
        let (obj, rloc) = self.distributed_field(v, loc, "ItemReader", distributed)?;
        self.s3_field_keys(obj, &rloc, "ReaderConfig", ql);
        let resource = match obj.get("Resource") {
            None => {
                self.schema(&rloc, "These fields are required: [Resource]".into());
                None
            }
            Some(Value::String(s)) if s == ReaderResource::GetObject.arn() => {
                Some(ReaderResource::GetObject)
            }
            Some(Value::String(s)) if s == ReaderResource::ListObjectsV2.arn() => {
                Some(ReaderResource::ListObjectsV2)
            }
            Some(other) => {
                self.schema(
                    &format!("{rloc}/Resource"),
                    format!(
                        "The ItemReader resource {other} is not supported: expected {} or {}",
                        ReaderResource::GetObject.arn(),
                        ReaderResource::ListObjectsV2.arn()
                    ),
                );
                None
            }
        };
        let parameters = match ql {
            QueryLanguage::JsonPath => obj
                .get("Parameters")
                .and_then(|p| self.template(p, "Parameters", &rloc))
                .map(ReaderParameters::JsonPath),
            QueryLanguage::Jsonata => obj.get("Arguments").map(|a| {
                ReaderParameters::Jsonata(self.jsonata_template(a, &format!("{rloc}/Arguments")))
            }),
        };
        let empty = JsonMap::new();
        let cloc = format!("{rloc}/ReaderConfig");
        let config_obj = match obj.get("ReaderConfig") {
            None => &empty,
            Some(Value::Object(o)) => o,
            Some(_) => {
                self.schema(&cloc, "The field 'ReaderConfig' must be an object".into());
                &empty
            }
        };
        let (config, max_items) = self.reader_config(config_obj, &cloc, ql, resource);
        if resource == Some(ReaderResource::GetObject) && config.input_type.is_none() {
            if obj.get("ReaderConfig").is_none() {
                self.schema(
                    &rloc,
                    "These fields are required: [ReaderConfig] (with the resource arn:aws:states:::s3:getObject)".into(),
                );
            } else if !config_obj.contains_key("InputType") {
                self.schema(&cloc, "These fields are required: [InputType]".into());
            }
        }
        Some(ItemReader {
            resource: resource?,
            parameters,
            config,
            max_items,
        })
    }

    fn reader_config(
        &mut self,
        obj: &JsonMap<String, Value>,
        cloc: &str,
        ql: QueryLanguage,
        resource: Option<ReaderResource>,
    ) -> (ReaderConfig, Option<Dynamic<u64>>) {
        const FIELDS: [&str; 9] = [
            "InputType",
            "CSVHeaderLocation",
            "CSVHeaders",
            "CSVDelimiter",
            "MaxItems",
            "MaxItemsPath",
            "ItemsPointer",
            "Transformation",
            "ManifestType",
        ];
        for key in obj.keys() {
            let k = key.as_str();
            if !FIELDS.contains(&k) {
                self.schema(cloc, format!("Field '{k}' is not supported"));
            } else if k == "MaxItemsPath" && ql == QueryLanguage::Jsonata {
                self.other_language_field(cloc, k, ql);
            }
        }
        let mut config = ReaderConfig::default();
        let one_of = |this: &mut Self, field: &str, allowed: &[&str]| -> Option<String> {
            let v = obj.get(field)?;
            match v.as_str() {
                Some(s) if allowed.contains(&s) => Some(s.to_owned()),
                _ => {
                    this.schema(
                        &format!("{cloc}/{field}"),
                        format!(
                            "The value for the field '{field}' must be one of [{}], found {v}",
                            allowed.join(", ")
                        ),
                    );
                    None
                }
            }
        };
        config.input_type = one_of(
            self,
            "InputType",
            &["CSV", "JSON", "JSONL", "PARQUET", "MANIFEST"],
        )
        .map(|s| match s.as_str() {
            "CSV" => InputType::Csv,
            "JSON" => InputType::Json,
            "JSONL" => InputType::Jsonl,
            "PARQUET" => InputType::Parquet,
            _ => InputType::Manifest,
        });
        if let Some(l) = one_of(self, "CSVHeaderLocation", &["FIRST_ROW", "GIVEN"]) {
            if l == "GIVEN" {
                config.csv_header_location = CsvHeaderLocation::Given;
            }
        }
        if let Some(d) = one_of(
            self,
            "CSVDelimiter",
            &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
        ) {
            config.csv_delimiter = match d.as_str() {
                "PIPE" => CsvDelimiter::Pipe,
                "SEMICOLON" => CsvDelimiter::Semicolon,
                "SPACE" => CsvDelimiter::Space,
                "TAB" => CsvDelimiter::Tab,
                _ => CsvDelimiter::Comma,
            };
        }
        let csv = matches!(
            config.input_type,
            Some(InputType::Csv | InputType::Manifest)
        );
        for field in ["CSVHeaderLocation", "CSVDelimiter", "CSVHeaders"] {
            if obj.contains_key(field) && !csv {
                self.schema(
                    &format!("{cloc}/{field}"),
                    format!("The field '{field}' is only supported with the InputType CSV"),
                );
            }
        }
        match (obj.get("CSVHeaders"), config.csv_header_location) {
            (Some(Value::Array(a)), CsvHeaderLocation::Given)
                if !a.is_empty() && a.iter().all(Value::is_string) =>
            {
                config.csv_headers = a
                    .iter()
                    .filter_map(|h| h.as_str().map(str::to_owned))
                    .collect();
            }
            (Some(_), CsvHeaderLocation::Given) => self.schema(
                &format!("{cloc}/CSVHeaders"),
                "The field 'CSVHeaders' must be a non-empty array of strings".into(),
            ),
            (None, CsvHeaderLocation::Given) => self.schema(
                cloc,
                "These fields are required: [CSVHeaders] (with CSVHeaderLocation GIVEN)".into(),
            ),
            (Some(_), CsvHeaderLocation::FirstRow) if csv => self.schema(
                &format!("{cloc}/CSVHeaders"),
                "The field 'CSVHeaders' is only supported with CSVHeaderLocation GIVEN".into(),
            ),
            _ => {}
        }
        if let Some(p) = obj.get("ItemsPointer") {
            match p.as_str() {
                Some(s) if s.is_empty() || s.starts_with('/') => {
                    config.items_pointer = Some(s.to_owned());
                }
                _ => self.schema(
                    &format!("{cloc}/ItemsPointer"),
                    "The value for the field 'ItemsPointer' must be a JSON Pointer (empty, or starting with '/')".into(),
                ),
            }
            if config.input_type != Some(InputType::Json) {
                self.schema(
                    &format!("{cloc}/ItemsPointer"),
                    "The field 'ItemsPointer' is only supported with the InputType JSON".into(),
                );
            }
        }
        if let Some(t) = one_of(self, "Transformation", &["NONE", "LOAD_AND_FLATTEN"]) {
            config.load_and_flatten = t == "LOAD_AND_FLATTEN";
            if config.load_and_flatten && resource != Some(ReaderResource::ListObjectsV2) {
                self.schema(
                    &format!("{cloc}/Transformation"),
                    "The Transformation LOAD_AND_FLATTEN is only supported with the resource arn:aws:states:::s3:listObjectsV2".into(),
                );
            }
            if config.load_and_flatten && config.input_type.is_none() {
                self.schema(
                    cloc,
                    "These fields are required: [InputType] (with the Transformation LOAD_AND_FLATTEN)".into(),
                );
            }
        }
        config.manifest_type = one_of(self, "ManifestType", &["S3_INVENTORY", "ATHENA_DATA"]);
        // An Athena data manifest lists data files; InputType may name
        // their format (CSV, JSONL, PARQUET) or be MANIFEST.
        let allowed: &[InputType] = match config.manifest_type.as_deref() {
            Some("ATHENA_DATA") => &[
                InputType::Manifest,
                InputType::Csv,
                InputType::Jsonl,
                InputType::Parquet,
            ],
            _ => &[InputType::Manifest],
        };
        if config.manifest_type.is_some()
            && !config.input_type.is_some_and(|t| allowed.contains(&t))
        {
            self.schema(
                &format!("{cloc}/ManifestType"),
                if allowed.len() > 1 {
                    "The ManifestType ATHENA_DATA is only supported with the InputType MANIFEST, CSV, JSONL or PARQUET".into()
                } else {
                    "The field 'ManifestType' is only supported with the InputType MANIFEST".into()
                },
            );
        }
        if resource == Some(ReaderResource::ListObjectsV2)
            && config.input_type.is_some()
            && !config.load_and_flatten
        {
            self.schema(
                &format!("{cloc}/InputType"),
                "The field 'InputType' is only supported with the resource arn:aws:states:::s3:listObjectsV2 when the Transformation is LOAD_AND_FLATTEN".into(),
            );
        }
        // 0 is taken (and reads every item), as AWS recorded it.
        let max_items = self.dynamic_u64(
            obj,
            "MaxItems",
            cloc,
            ql,
            Bounds::int(0, Some(MAX_READER_ITEMS)),
        );
        (config, max_items)
    }
}
