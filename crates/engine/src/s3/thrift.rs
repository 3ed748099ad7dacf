//! Just enough of the Thrift compact protocol to read what the Parquet
//! reader checks before the `parquet` crate decodes a file
//! (`super::parquet`): the schema's shape in the footer and the sizes in
//! each page header. Every length is checked against what is left, and
//! nesting is bounded.

/// What a page header says (PageHeader: 2 uncompressed_page_size,
/// 3 compressed_page_size, 5 data_page_header (1 num_values),
/// 8 data_page_header_v2 (1 num_values, 5 and 6 the level lengths,
/// 7 is_compressed)).
#[derive(Debug, Default)]
pub(super) struct PageHeader {
    pub(super) uncompressed: i32,
    pub(super) compressed: i32,
    pub(super) values: i32,
    /// The uncompressed level bytes before the compressed values (v2).
    pub(super) levels_bytes: i64,
    /// Whether the body (past the levels) is compressed.
    pub(super) compressed_body: bool,
}

impl PageHeader {
    pub(super) fn read(r: &mut Compact<'_>) -> Result<PageHeader, String> {
        let mut h = PageHeader {
            uncompressed: -1,
            compressed: -1,
            compressed_body: true,
            ..PageHeader::default()
        };
        r.read_struct(0, &mut |r, id, ty| match (id, ty) {
            (2, I32) => {
                h.uncompressed = r.i32()?;
                Ok(())
            }
            (3, I32) => {
                h.compressed = r.i32()?;
                Ok(())
            }
            (5, STRUCT) => r.read_struct(1, &mut |r, id, ty| match (id, ty) {
                (1, I32) => {
                    h.values = r.i32()?;
                    Ok(())
                }
                _ => r.skip(ty, 2),
            }),
            (8, STRUCT) => r.read_struct(1, &mut |r, id, ty| match (id, ty) {
                (1, I32) => {
                    h.values = r.i32()?;
                    Ok(())
                }
                (5 | 6, I32) => {
                    h.levels_bytes = h.levels_bytes.saturating_add(r.i32()?.into());
                    Ok(())
                }
                (7, BOOL_TRUE) => Ok(()),
                (7, BOOL_FALSE) => {
                    h.compressed_body = false;
                    Ok(())
                }
                _ => r.skip(ty, 2),
            }),
            _ => r.skip(ty, 1),
        })?;
        if h.uncompressed < 0 || h.compressed < 0 {
            return Err("its page sizes are missing or negative".into());
        }
        Ok(h)
    }
}

// Thrift compact protocol type ids.
pub(super) const BOOL_TRUE: u8 = 1;
pub(super) const BOOL_FALSE: u8 = 2;
pub(super) const BYTE: u8 = 3;
pub(super) const I16: u8 = 4;
pub(super) const I32: u8 = 5;
pub(super) const I64: u8 = 6;
pub(super) const DOUBLE: u8 = 7;
pub(super) const BINARY: u8 = 8;
pub(super) const LIST: u8 = 9;
pub(super) const SET: u8 = 10;
pub(super) const MAP: u8 = 11;
pub(super) const STRUCT: u8 = 12;

/// The deepest a Thrift value is followed while skipping.
const MAX_THRIFT_DEPTH: u32 = 32;

/// A reader of the Thrift compact protocol, just enough to find a few
/// fields and skip the rest; every length is checked against what is
/// left.
pub(super) struct Compact<'a> {
    buf: &'a [u8],
    pub(super) pos: usize,
}

pub(super) type Visit<'v, 'a> = dyn FnMut(&mut Compact<'a>, i16, u8) -> Result<(), String> + 'v;

impl<'a> Compact<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Compact { buf, pos: 0 }
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| "it ends too soon".to_string())?;
        self.pos += 1;
        Ok(b)
    }

    fn left(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a varint is too long".into())
    }

    fn zigzag(&mut self) -> Result<i64, String> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub(super) fn i32(&mut self) -> Result<i32, String> {
        i32::try_from(self.zigzag()?).map_err(|_| "an i32 is out of range".to_string())
    }

    /// A list or set header: (size, element type).
    pub(super) fn list_header(&mut self) -> Result<(usize, u8), String> {
        let b = self.byte()?;
        let size = match b >> 4 {
            15 => usize::try_from(self.varint()?).unwrap_or(usize::MAX),
            n => usize::from(n),
        };
        // Every element takes at least one byte.
        if size > self.left() {
            return Err("a list is longer than what is left".into());
        }
        Ok((size, b & 0x0f))
    }

    /// Read a struct's fields, calling `visit(reader, field id, type)` for
    /// each: it must read or skip the value.
    pub(super) fn read_struct(
        &mut self,
        depth: u32,
        visit: &mut Visit<'_, 'a>,
    ) -> Result<(), String> {
        if depth > MAX_THRIFT_DEPTH {
            return Err("it nests too deep".into());
        }
        let mut last: i16 = 0;
        loop {
            let b = self.byte()?;
            if b == 0 {
                return Ok(());
            }
            let ty = b & 0x0f;
            let id = match b >> 4 {
                0 => i16::try_from(self.zigzag()?)
                    .map_err(|_| "a field id is out of range".to_string())?,
                delta => last.saturating_add(i16::from(delta)),
            };
            last = id;
            visit(self, id, ty)?;
        }
    }

    /// Skip a value of type `ty` (a struct field's: booleans are in the
    /// field header).
    pub(super) fn skip(&mut self, ty: u8, depth: u32) -> Result<(), String> {
        self.skip_value(ty, depth, false)
    }

    fn skip_value(&mut self, ty: u8, depth: u32, in_collection: bool) -> Result<(), String> {
        if depth > MAX_THRIFT_DEPTH {
            return Err("it nests too deep".into());
        }
        match ty {
            BOOL_TRUE | BOOL_FALSE => {
                if in_collection {
                    self.byte()?;
                }
            }
            BYTE => {
                self.byte()?;
            }
            I16 | I32 | I64 => {
                self.varint()?;
            }
            DOUBLE => self.advance(8)?,
            BINARY => {
                let n = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
                self.advance(n)?;
            }
            LIST | SET => {
                let (n, elem) = self.list_header()?;
                for _ in 0..n {
                    self.skip_value(elem, depth + 1, true)?;
                }
            }
            MAP => {
                let n = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
                if n > 0 {
                    if n > self.left() {
                        return Err("a map is longer than what is left".into());
                    }
                    let kinds = self.byte()?;
                    for _ in 0..n {
                        self.skip_value(kinds >> 4, depth + 1, true)?;
                        self.skip_value(kinds & 0x0f, depth + 1, true)?;
                    }
                }
            }
            STRUCT => self.read_struct(depth + 1, &mut |r, _, ty| r.skip(ty, depth + 2))?,
            other => return Err(format!("unknown Thrift type {other}")),
        }
        Ok(())
    }

    fn advance(&mut self, n: usize) -> Result<(), String> {
        if n > self.left() {
            return Err("it ends too soon".into());
        }
        self.pos += n;
        Ok(())
    }
}
