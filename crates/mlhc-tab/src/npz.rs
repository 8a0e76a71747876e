//! NumPy `.npz` archives: the on-disk format of mlhc feature matrices.
//!
//! A feature matrix is written exactly as scipy's `save_npz` writes a CSR matrix (arrays `data` f4,
//! `indices` i4, `indptr` i8, `shape` i8, `format` = `b"csr"`), so Python loads it with
//! `scipy.sparse.load_npz`, and row metadata is a plain `.npz` for `numpy.load`. Archives are
//! uncompressed ZIP files (as `numpy.savez`); the reader also accepts deflate (`numpy.savez_compressed`).
//! Archives larger than 4 GiB (ZIP64) are rejected with an error.

use std::io::{Read, Write};
use std::path::Path;

use mlhc_core::CsrMatrix;

use crate::{Error, Result};

/// A typed 1-d (or 0-d bytes) array to store in an archive.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyArray {
    /// `<f4`.
    F32(Vec<f32>),
    /// `<f8`.
    F64(Vec<f64>),
    /// `<i4`.
    I32(Vec<i32>),
    /// `<i8`.
    I64(Vec<i64>),
    /// `|b1`.
    Bool(Vec<bool>),
    /// A 0-d byte string (`|S<n>`).
    Bytes(Vec<u8>),
}

/// A borrowed array to write, so that large matrices are streamed to disk without copies.
#[derive(Debug, Clone, Copy)]
pub enum NpyView<'a> {
    /// `<f4`.
    F32(&'a [f32]),
    /// `<f8`.
    F64(&'a [f64]),
    /// `<i4`.
    I32(&'a [i32]),
    /// `<i8`.
    I64(&'a [i64]),
    /// `<i4`, from unsigned values below 2³¹ (column ids).
    U32AsI32(&'a [u32]),
    /// `<i8`, from unsigned values below 2⁶³ (row pointers).
    U64AsI64(&'a [u64]),
    /// `|b1`.
    Bool(&'a [bool]),
    /// A 0-d byte string.
    Bytes(&'a [u8]),
}

impl NpyView<'_> {
    /// The NPY 1.0 preamble: magic, version, header length and the header dictionary.
    fn preamble(&self) -> Vec<u8> {
        let (descr, shape) = match self {
            Self::F32(v) => ("<f4".to_string(), format!("({},)", v.len())),
            Self::F64(v) => ("<f8".into(), format!("({},)", v.len())),
            Self::I32(v) => ("<i4".into(), format!("({},)", v.len())),
            Self::U32AsI32(v) => ("<i4".into(), format!("({},)", v.len())),
            Self::I64(v) => ("<i8".into(), format!("({},)", v.len())),
            Self::U64AsI64(v) => ("<i8".into(), format!("({},)", v.len())),
            Self::Bool(v) => ("|b1".into(), format!("({},)", v.len())),
            Self::Bytes(v) => (format!("|S{}", v.len().max(1)), "()".into()),
        };
        let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64
        // and ended by a newline, as the NPY 1.0 format asks.
        let unpadded = 10 + header.len() + 1;
        header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
        header.push('\n');
        let mut out = Vec::with_capacity(10 + header.len());
        out.extend_from_slice(b"\x93NUMPY\x01\x00");
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out
    }

    /// Writes the little-endian body in chunks.
    fn write_body(&self, w: &mut dyn Write) -> std::io::Result<()> {
        fn chunked<T: Copy, const N: usize>(
            w: &mut dyn Write,
            v: &[T],
            f: impl Fn(T) -> [u8; N],
        ) -> std::io::Result<()> {
            let mut buf = Vec::with_capacity(64 * 1024);
            for chunk in v.chunks(64 * 1024 / N.max(1)) {
                buf.clear();
                for &x in chunk {
                    buf.extend_from_slice(&f(x));
                }
                w.write_all(&buf)?;
            }
            Ok(())
        }
        match *self {
            Self::F32(v) => chunked(w, v, f32::to_le_bytes),
            Self::F64(v) => chunked(w, v, f64::to_le_bytes),
            Self::I32(v) => chunked(w, v, i32::to_le_bytes),
            Self::I64(v) => chunked(w, v, i64::to_le_bytes),
            Self::U32AsI32(v) => chunked(w, v, |x| (x as i32).to_le_bytes()),
            Self::U64AsI64(v) => chunked(w, v, |x| (x as i64).to_le_bytes()),
            Self::Bool(v) => chunked(w, v, |b| [b as u8]),
            Self::Bytes(v) => w.write_all(if v.is_empty() { &[0] } else { v }),
        }
    }

    #[cfg(test)]
    fn encode(&self) -> Vec<u8> {
        let mut out = self.preamble();
        self.write_body(&mut out).expect("writing to a Vec cannot fail");
        out
    }
}

/// A `Write` that only counts bytes and updates a CRC-32 (for the ZIP headers, which precede the data).
struct CrcCounter {
    crc: flate2::Crc,
    len: u64,
}

impl Write for CrcCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.crc.update(buf);
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl NpyArray {
    /// A borrowed view of the array, for writing.
    pub fn view(&self) -> NpyView<'_> {
        match self {
            Self::F32(v) => NpyView::F32(v),
            Self::F64(v) => NpyView::F64(v),
            Self::I32(v) => NpyView::I32(v),
            Self::I64(v) => NpyView::I64(v),
            Self::Bool(v) => NpyView::Bool(v),
            Self::Bytes(v) => NpyView::Bytes(v),
        }
    }

    fn decode(bytes: &[u8], name: &str, path: &Path) -> Result<Self> {
        let bad = |m: &str| Error::File { path: path.to_path_buf(), message: format!("{name}.npy: {m}") };
        if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
            return Err(bad("not an NPY array"));
        }
        let (hlen, start) = match bytes[6] {
            1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
            2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
            _ => return Err(bad("unsupported NPY version")),
        };
        let header = bytes.get(start..start + hlen).ok_or_else(|| bad("truncated header"))?;
        let header = std::str::from_utf8(header).map_err(|_| bad("header is not text"))?;
        if header.contains("'fortran_order': True") {
            return Err(bad("Fortran-ordered arrays are not supported"));
        }
        let descr = header
            .split("'descr':")
            .nth(1)
            .and_then(|s| s.split('\'').nth(1))
            .ok_or_else(|| bad("header has no descr"))?;
        let body = &bytes[start + hlen..];
        fn chunks<const N: usize, T>(b: &[u8], f: fn([u8; N]) -> T) -> Vec<T> {
            b.chunks_exact(N).map(|c| f(c.try_into().expect("chunks_exact yields N bytes"))).collect()
        }
        Ok(match descr {
            "<f4" => Self::F32(chunks(body, f32::from_le_bytes)),
            "<f8" => Self::F64(chunks(body, f64::from_le_bytes)),
            "<i4" => Self::I32(chunks(body, i32::from_le_bytes)),
            "<i8" => Self::I64(chunks(body, i64::from_le_bytes)),
            "|b1" => Self::Bool(body.iter().map(|&b| b != 0).collect()),
            d if d.starts_with("|S") => Self::Bytes(body.iter().copied().take_while(|&b| b != 0).collect()),
            other => return Err(bad(&format!("unsupported dtype {other}"))),
        })
    }
}

/// Writes `arrays` as an `.npz` archive (written to a temporary file, then renamed into place).
pub fn write_npz(path: &Path, arrays: &[(&str, NpyArray)]) -> Result<()> {
    let views: Vec<(&str, NpyView<'_>)> = arrays.iter().map(|(n, a)| (*n, a.view())).collect();
    write_npz_views(path, &views)
}

/// Writes borrowed arrays as an `.npz` archive, streaming each array twice (once for its CRC-32, which
/// the ZIP entry header needs first, once to the file) so that no copy of the data is made.
pub fn write_npz_views(path: &Path, arrays: &[(&str, NpyView<'_>)]) -> Result<()> {
    let err = |e: std::io::Error| Error::File { path: path.to_path_buf(), message: e.to_string() };
    let too_big = || Error::File {
        path: path.to_path_buf(),
        message: "archive larger than 4 GiB (ZIP64 is not supported)".into(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = path.with_extension("npz.tmp");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp).map_err(err)?);
    let mut central: Vec<u8> = Vec::new();
    let mut offset: u64 = 0;
    for (name, array) in arrays {
        let fname = format!("{name}.npy");
        let preamble = array.preamble();
        let mut counter = CrcCounter { crc: flate2::Crc::new(), len: 0 };
        counter.write_all(&preamble).map_err(err)?;
        array.write_body(&mut counter).map_err(err)?;
        let (crc, size) = (counter.crc.sum(), counter.len);
        let size32 = u32::try_from(size).map_err(|_| too_big())?;
        let offset32 = u32::try_from(offset).map_err(|_| too_big())?;
        let fixed = |sig: u32, out: &mut Vec<u8>, central: bool| {
            out.extend_from_slice(&sig.to_le_bytes());
            if central {
                out.extend_from_slice(&20u16.to_le_bytes()); // version made by
            }
            out.extend_from_slice(&20u16.to_le_bytes()); // version needed
            out.extend_from_slice(&0u16.to_le_bytes()); // flags
            out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
            out.extend_from_slice(&0u16.to_le_bytes()); // time
            out.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01, fixed for reproducible bytes
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&size32.to_le_bytes());
            out.extend_from_slice(&size32.to_le_bytes());
            out.extend_from_slice(&(fname.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        let mut local = Vec::with_capacity(30 + fname.len());
        fixed(0x0403_4b50, &mut local, false);
        local.extend_from_slice(fname.as_bytes());
        w.write_all(&local).map_err(err)?;
        w.write_all(&preamble).map_err(err)?;
        array.write_body(&mut w).map_err(err)?;
        fixed(0x0201_4b50, &mut central, true);
        // Comment length (2), disk number (2), internal attributes (2), external attributes (4).
        central.extend_from_slice(&[0u8; 10]);
        central.extend_from_slice(&offset32.to_le_bytes());
        central.extend_from_slice(fname.as_bytes());
        offset += local.len() as u64 + size;
    }
    let cd_offset = u32::try_from(offset).map_err(|_| too_big())?;
    let mut end = Vec::with_capacity(22);
    end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    end.extend_from_slice(&[0u8; 4]);
    end.extend_from_slice(&(arrays.len() as u16).to_le_bytes());
    end.extend_from_slice(&(arrays.len() as u16).to_le_bytes());
    end.extend_from_slice(&(central.len() as u32).to_le_bytes());
    end.extend_from_slice(&cd_offset.to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes());
    w.write_all(&central).map_err(err)?;
    w.write_all(&end).map_err(err)?;
    w.into_inner().map_err(|e| err(e.into_error()))?.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Reads every array of an `.npz` archive, in archive order.
pub fn read_npz(path: &Path) -> Result<Vec<(String, NpyArray)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::File { path: path.to_path_buf(), message: e.to_string() })?;
    let bad = |m: String| Error::File { path: path.to_path_buf(), message: m };
    let u16_at = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |b: &[u8], i: usize| b.get(i..i + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    let mut out = Vec::new();
    let mut pos = 0usize;
    while u32_at(&bytes, pos) == Some(0x0403_4b50) {
        let truncated = || bad(format!("truncated zip entry at byte {pos}"));
        let method = u16_at(&bytes, pos + 8).ok_or_else(truncated)?;
        let flags = u16_at(&bytes, pos + 6).ok_or_else(truncated)?;
        let csize = u32_at(&bytes, pos + 18).ok_or_else(truncated)? as usize;
        let name_len = u16_at(&bytes, pos + 26).ok_or_else(truncated)? as usize;
        let extra_len = u16_at(&bytes, pos + 28).ok_or_else(truncated)? as usize;
        if flags & 0x08 != 0 {
            return Err(bad("zip entries with data descriptors are not supported".into()));
        }
        let name_start = pos + 30;
        let name = bytes.get(name_start..name_start + name_len).ok_or_else(truncated)?;
        let name = String::from_utf8_lossy(name).into_owned();
        let data_start = name_start + name_len + extra_len;
        let raw = bytes.get(data_start..data_start + csize).ok_or_else(truncated)?;
        let data = match method {
            0 => raw.to_vec(),
            8 => {
                let mut v = Vec::new();
                flate2::read::DeflateDecoder::new(raw).read_to_end(&mut v).map_err(|e| bad(format!("{name}: {e}")))?;
                v
            }
            m => return Err(bad(format!("{name}: unsupported zip compression method {m}"))),
        };
        let stem = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        out.push((stem.clone(), NpyArray::decode(&data, &stem, path)?));
        pos = data_start + csize;
    }
    if out.is_empty() {
        return Err(bad("not an npz archive".into()));
    }
    Ok(out)
}

/// Writes a CSR matrix as scipy's `save_npz` does, streaming its arrays without copying them.
pub fn write_csr(path: &Path, m: &CsrMatrix) -> Result<()> {
    let shape = [m.n_rows() as i64, m.n_cols() as i64];
    write_npz_views(
        path,
        &[
            ("indices", NpyView::U32AsI32(m.indices())),
            ("indptr", NpyView::U64AsI64(m.indptr())),
            ("format", NpyView::Bytes(b"csr")),
            ("shape", NpyView::I64(&shape)),
            ("data", NpyView::F32(m.data())),
        ],
    )
}

/// Reads a CSR matrix written by [`write_csr`] or scipy's `save_npz` (float32 or float64 data).
pub fn read_csr(path: &Path) -> Result<CsrMatrix> {
    let arrays = read_npz(path)?;
    let bad = |m: &str| Error::File { path: path.to_path_buf(), message: m.to_string() };
    let get = |n: &str| {
        arrays.iter().find(|(k, _)| k == n).map(|(_, a)| a).ok_or_else(|| bad(&format!("missing array {n:?}")))
    };
    if get("format")? != &NpyArray::Bytes(b"csr".to_vec()) {
        return Err(bad("not a CSR matrix (format is not 'csr')"));
    }
    let as_i64 = |a: &NpyArray| -> Option<Vec<i64>> {
        match a {
            NpyArray::I64(v) => Some(v.clone()),
            NpyArray::I32(v) => Some(v.iter().map(|&x| x as i64).collect()),
            _ => None,
        }
    };
    let shape = as_i64(get("shape")?).filter(|s| s.len() == 2).ok_or_else(|| bad("shape must be 2 integers"))?;
    let indptr: Vec<u64> =
        as_i64(get("indptr")?).ok_or_else(|| bad("indptr must be integers"))?.into_iter().map(|p| p as u64).collect();
    let indices: Vec<u32> =
        as_i64(get("indices")?).ok_or_else(|| bad("indices must be integers"))?.into_iter().map(|c| c as u32).collect();
    let data = match get("data")? {
        NpyArray::F32(v) => v.clone(),
        NpyArray::F64(v) => v.iter().map(|&x| x as f32).collect(),
        _ => return Err(bad("data must be float32 or float64")),
    };
    if indptr.len() != shape[0] as usize + 1 {
        return Err(bad("indptr length does not match the number of rows"));
    }
    CsrMatrix::from_parts(shape[1] as usize, indptr, indices, data).map_err(|e| bad(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_headers_are_64_byte_aligned_and_arrays_round_trip() {
        let a = NpyArray::F32(vec![1.0, -0.0, 2.5]);
        let enc = a.view().encode();
        let hlen = u16::from_le_bytes([enc[8], enc[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        assert_eq!(NpyArray::decode(&enc, "a", Path::new("x")).unwrap(), a);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.npz");
        let mut m = CsrMatrix::new(3);
        m.push_row(&[(1, 0.0), (2, 4.0)]);
        m.push_row(&[]);
        write_csr(&p, &m).unwrap();
        assert_eq!(read_csr(&p).unwrap(), m);
        assert!(read_npz(&dir.path().join("missing.npz")).is_err());

        // The central directory, which Python's zipfile reads first: the end record points at it, and its
        // entries (46 fixed bytes + name) chain from one signature to the next.
        let bytes = std::fs::read(&p).unwrap();
        let eocd = bytes.len() - 22;
        assert_eq!(bytes[eocd..eocd + 4], 0x0605_4b50u32.to_le_bytes());
        let n = u16::from_le_bytes([bytes[eocd + 10], bytes[eocd + 11]]) as usize;
        let mut pos = u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
        for _ in 0..n {
            assert_eq!(bytes[pos..pos + 4], 0x0201_4b50u32.to_le_bytes(), "central entry at {pos}");
            let local = u32::from_le_bytes(bytes[pos + 42..pos + 46].try_into().unwrap()) as usize;
            assert_eq!(bytes[local..local + 4], 0x0403_4b50u32.to_le_bytes());
            pos += 46 + u16::from_le_bytes([bytes[pos + 28], bytes[pos + 29]]) as usize;
        }
        assert_eq!(pos, eocd);
        std::fs::write(&p, b"PK\x03\x04short").unwrap();
        assert!(read_csr(&p).unwrap_err().to_string().contains("truncated zip entry"));
    }
}
