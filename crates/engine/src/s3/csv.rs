//! CSV objects (`InputType: CSV`), the CSV data files of S3 Inventory
//! manifests and of Athena data manifests: one item per row, an object
//! from column header to value, every value a string.

use serde_json::{Map as JsonMap, Value};
use stepwell_asl::{CsvHeaderLocation, ReaderConfig};

use super::{reached, Budget};

/// AWS's cause for a header row that names a column twice (recorded:
/// LocalStack's `test_map_item_reader_csv_headers_decl_duplicate_headers`),
/// passed on without naming the object.
pub(super) const DUPLICATE_HEADERS: &str = "CSV headers cannot contain duplicates.";

/// The most bytes a CSV header row may take (AWS: "up to 10 KiB").
pub(super) const MAX_CSV_HEADER_BYTES: usize = 10 * 1024;

/// The items of a CSV text: one object per row, from header to value,
/// each taking its size as JSON from `budget`.
pub(super) fn csv_items(
    text: &str,
    config: &ReaderConfig,
    max_items: Option<u64>,
    budget: &mut Budget,
) -> Result<Vec<Value>, String> {
    let mut rows = parse_csv(text, config.csv_delimiter.byte())?.into_iter();
    let headers = match config.csv_header_location {
        CsvHeaderLocation::FirstRow => rows
            .next()
            .ok_or_else(|| "it is empty: the first row must hold the column headers".to_string())?,
        CsvHeaderLocation::Given => config.csv_headers.clone(),
    };
    // AWS: "Currently, Step Functions supports CSV headers of up to 10 KiB."
    let header_bytes: usize = headers.iter().map(|h| h.len() + 1).sum();
    if header_bytes.saturating_sub(1) > MAX_CSV_HEADER_BYTES {
        return Err(format!(
            "its column headers take {} bytes, more than the {MAX_CSV_HEADER_BYTES} bytes (10 KiB) Step Functions supports",
            header_bytes.saturating_sub(1)
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if !headers.iter().all(|h| seen.insert(h.as_str())) {
        return Err(DUPLICATE_HEADERS.into());
    }
    // `{}`, and `"header":"",` for each column.
    let empty_row = headers
        .iter()
        .fold(2u64, |n, h| n.saturating_add(h.len() as u64 + 6));
    // AWS gives a row's columns in the order a Java `HashMap` of them
    // iterates (recorded: LocalStack's
    // `test_map_item_reader_csv_headers_first_row_typed_headers`, columns
    // `0,True,{}` given as `0,{},True`).
    let order = stepwell_java::hash_map_order(headers.iter().map(String::as_str));
    let mut items = Vec::new();
    for row in rows {
        if reached(&items, max_items) {
            break;
        }
        let values = row
            .iter()
            .take(headers.len())
            .fold(0u64, |n, v| n.saturating_add(v.len() as u64));
        let size = empty_row.saturating_add(values);
        budget.take(size)?;
        let mut o = JsonMap::with_capacity(headers.len());
        for &i in &order {
            let v = row.get(i).cloned().unwrap_or_default();
            o.insert(headers[i].clone(), Value::String(v));
        }
        items.push(Value::Object(o));
    }
    Ok(items)
}

/// RFC 4180 records: fields split by `delim`, `"` quoting (with `""` for a
/// quote, delimiters and line breaks allowed inside), rows ended by LF or
/// CRLF. Blank lines are skipped; a stray quote is kept as text.
fn parse_csv(text: &str, delim: u8) -> Result<Vec<Vec<String>>, String> {
    let delim = char::from(delim);
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    // Whether the current field began with a quote (and so was quoted).
    let mut was_quoted = false;
    let mut line = 1usize;
    let mut chars = text.chars().peekable();
    let end_row = |row: &mut Vec<String>, field: &mut String, rows: &mut Vec<Vec<String>>| {
        row.push(std::mem::take(field));
        let blank = row.len() == 1 && row[0].is_empty();
        let done = std::mem::take(row);
        if !blank {
            rows.push(done);
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            // A quote inside an unquoted field is kept, as Python's csv
            // module (and most readers) keep it.
            '"' => field.push(c),
            c if c == delim => {
                row.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                end_row(&mut row, &mut field, &mut rows);
                was_quoted = false;
                line += 1;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {line}: a quoted field is not closed"));
    }
    if !field.is_empty() || !row.is_empty() || was_quoted {
        end_row(&mut row, &mut field, &mut rows);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::MAX_CSV_ITEMS_BYTES;

    #[test]
    fn csv_records() {
        let rows = parse_csv(
            "a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\n3,\"multi\nline\"\n",
            b',',
        )
        .unwrap_or_default();
        assert_eq!(
            rows,
            vec![
                vec!["a".to_string(), "b".into()],
                vec!["x,1".into(), "say \"hi\"".into()],
                vec!["3".into(), "multi\nline".into()],
            ]
        );
        assert_eq!(
            parse_csv("a\tb", b'\t').unwrap_or_default(),
            vec![vec!["a".to_string(), "b".into()]]
        );
        assert!(parse_csv("\"open", b',').is_err());
        let wide = format!("{}\n1\n", "h".repeat(MAX_CSV_HEADER_BYTES + 1));
        let mut budget = Budget::new(MAX_CSV_ITEMS_BYTES);
        let err = csv_items(&wide, &ReaderConfig::default(), None, &mut budget);
        assert!(err.is_err_and(|e| e.contains("10 KiB")));
        assert_eq!(
            parse_csv("a\"b", b',').unwrap_or_default(),
            vec![vec!["a\"b".to_string()]]
        );
    }

    /// A row's keys in AWS's order (recorded: LocalStack's
    /// `test_map_item_reader_csv_headers_first_row_typed_headers` and
    /// `test_map_item_reader_csv_first_row_extra_fields`).
    #[test]
    fn columns_come_in_java_hash_map_order() {
        let keys = |text: &str| -> Vec<String> {
            let mut budget = Budget::new(MAX_CSV_ITEMS_BYTES);
            let items =
                csv_items(text, &ReaderConfig::default(), None, &mut budget).unwrap_or_default();
            match items.first() {
                Some(Value::Object(o)) => o.keys().cloned().collect(),
                _ => Vec::new(),
            }
        };
        assert_eq!(
            keys("0,True,{}\nValue4,Value5,Value6\n"),
            ["0", "{}", "True"]
        );
        assert_eq!(keys("H1,\nValue4,Value5\n"), ["", "H1"]);
        assert_eq!(keys("Col1,Col2,Col3\n1,2,3\n"), ["Col1", "Col2", "Col3"]);
    }
}
