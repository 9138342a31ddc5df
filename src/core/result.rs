//! Results of user functions: blocks of any shape and dtype, stored
//! row-major in 8-byte-aligned memory so C can read them as typed arrays.

use std::ops::Range;

use crate::copy::{gather, Strides};
use crate::dtype::{Dtype, Layout};
use crate::error::{Error, Result};
use crate::io::AlignedBuf;

/// A `rows × cols` matrix of `dtype`, row-major.
#[derive(Debug)]
pub struct ResultBlock {
    pub dtype: Dtype,
    pub rows: usize,
    pub cols: usize,
    storage: Storage,
}

/// Small results live on the heap; large ones in an anonymous mapping with
/// transparent huge pages, because first-touching fresh 4 KiB pages cost
/// more than copying the data (245 ms against 44 ms per 300 MB, measured
/// here) and apply makes one such block per batch.
#[derive(Debug)]
enum Storage {
    Heap(Vec<u64>),
    Mapped(AlignedBuf),
}

const MAPPED_FROM: usize = 4 << 20;

impl PartialEq for ResultBlock {
    fn eq(&self, other: &ResultBlock) -> bool {
        (self.dtype, self.rows, self.cols) == (other.dtype, other.rows, other.cols) && self.bytes() == other.bytes()
    }
}

impl ResultBlock {
    /// A zeroed block.
    pub fn zeros(dtype: Dtype, rows: usize, cols: usize) -> Result<ResultBlock> {
        let bytes = rows
            .checked_mul(cols)
            .and_then(|n| n.checked_mul(dtype.itemsize()))
            .ok_or_else(|| Error::InvalidArgument(format!("a result of {rows} × {cols} {dtype} values does not fit in memory")))?;
        let storage = if bytes >= MAPPED_FROM {
            let mut buf = AlignedBuf::default();
            buf.ensure(bytes).map_err(|e| Error::io(format!("allocating a result of {bytes} bytes"), e))?;
            Storage::Mapped(buf)
        } else {
            Storage::Heap(vec![0; bytes.div_ceil(8)])
        };
        Ok(ResultBlock { dtype, rows, cols, storage })
    }

    /// Copies `data`, a `rows × cols` matrix of `dtype` in `layout`.
    pub fn from_bytes(dtype: Dtype, rows: usize, cols: usize, layout: Layout, data: &[u8]) -> Result<ResultBlock> {
        let mut block = ResultBlock::zeros(dtype, rows, cols)?;
        let need = block.n_bytes();
        if data.len() != need {
            return Err(Error::InvalidArgument(format!("a {rows} × {cols} result of {dtype} takes {need} bytes, got {}", data.len())));
        }
        let isz = dtype.itemsize();
        match layout {
            Layout::SampleMajor => block.bytes_mut().copy_from_slice(data),
            Layout::ChannelMajor => {
                let cols_idx: Vec<usize> = (0..cols).collect();
                gather(isz, data, Strides { row: 1, col: rows }, &cols_idx, block.bytes_mut(), Strides { row: cols, col: 1 }, rows);
            }
        }
        Ok(block)
    }

    pub fn n_bytes(&self) -> usize {
        self.rows * self.cols * self.dtype.itemsize()
    }

    pub fn bytes(&self) -> &[u8] {
        let n = self.n_bytes();
        match &self.storage {
            Storage::Heap(words) => &bytemuck::cast_slice(words)[..n],
            Storage::Mapped(buf) => &buf.bytes()[..n],
        }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        let n = self.n_bytes();
        match &mut self.storage {
            Storage::Heap(words) => &mut bytemuck::cast_slice_mut(words)[..n],
            Storage::Mapped(buf) => &mut buf.bytes_mut()[..n],
        }
    }

    /// A copy. Not `Clone`: a large block's memory may not be available (an
    /// error, not a panic).
    pub fn try_clone(&self) -> Result<ResultBlock> {
        let mut copy = ResultBlock::zeros(self.dtype, self.rows, self.cols)?;
        copy.bytes_mut().copy_from_slice(self.bytes());
        Ok(copy)
    }

    /// Rows `range` as a new block.
    pub fn rows(&self, range: Range<usize>) -> Result<ResultBlock> {
        if range.start > range.end || range.end > self.rows {
            return Err(Error::InvalidArgument(format!("rows [{}, {}) are outside a result of {} rows", range.start, range.end, self.rows)));
        }
        let row = self.cols * self.dtype.itemsize();
        let mut out = ResultBlock::zeros(self.dtype, range.len(), self.cols)?;
        out.bytes_mut().copy_from_slice(&self.bytes()[range.start * row..range.end * row]);
        Ok(out)
    }

    /// The block converted to `to` as numpy's `astype` does for in-range
    /// values: integers wrap to the target width, floats truncate toward zero
    /// (saturating at the target's limits; NaN becomes 0).
    /// An error when the new block's memory is not available.
    pub fn cast(&self, to: Dtype) -> Result<ResultBlock> {
        if to == self.dtype {
            return self.try_clone();
        }
        let mut out = ResultBlock::zeros(to, self.rows, self.cols)?;
        cast_values(self.dtype, self.bytes(), to, out.bytes_mut());
        Ok(out)
    }
}

/// Every (from, to) pair as a plain `as` loop, which the compiler
/// vectorises: integers wrap to the target width, floats truncate toward
/// zero and saturate (NaN becomes 0), integers round to the nearest float.
macro_rules! cast_pairs {
    ($from:expr, $to:expr, $src:expr, $dst:expr; $($f:ident $ft:ty),*; $targets:tt) => {
        match $from {
            $(Dtype::$f => cast_pairs!(@to $ft, $to, $src, $dst; $targets),)*
        }
    };
    (@to $ft:ty, $to:expr, $src:expr, $dst:expr; [$($t:ident $tt:ty),*]) => {
        match $to {
            $(Dtype::$t => {
                let src: &[$ft] = bytemuck::cast_slice($src);
                let dst: &mut [$tt] = bytemuck::cast_slice_mut($dst);
                for (d, s) in dst.iter_mut().zip(src) {
                    *d = *s as $tt;
                }
            })*
        }
    };
}

/// Converts `src` values of `from` into `dst` values of `to` at any
/// alignment: aligned values in place, others through an aligned copy (an
/// error when its memory is not available). `dst` holds as many values.
pub fn cast_bytes(from: Dtype, src: &[u8], to: Dtype, dst: &mut [u8]) -> Result<()> {
    let aligned = |p: usize, d: Dtype| p.is_multiple_of(d.itemsize());
    if aligned(src.as_ptr() as usize, from) && aligned(dst.as_ptr() as usize, to) {
        cast_values(from, src, to, dst);
    } else {
        let block = ResultBlock::from_bytes(from, src.len() / from.itemsize(), 1, Layout::SampleMajor, src)?;
        dst.copy_from_slice(block.cast(to)?.bytes());
    }
    Ok(())
}

/// Converts aligned `src` values of `from` into `dst` values of `to`.
pub fn cast_values(from: Dtype, src: &[u8], to: Dtype, dst: &mut [u8]) {
    cast_pairs!(from, to, src, dst;
        I8 i8, U8 u8, I16 i16, U16 u16, I32 i32, U32 u32, I64 i64, U64 u64, F32 f32, F64 f64;
        [I8 i8, U8 u8, I16 i16, U16 u16, I32 i32, U32 u32, I64 i64, U64 u64, F32 f32, F64 f64])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_f64(vals: &[f64], rows: usize, cols: usize) -> ResultBlock {
        let bytes: Vec<u8> = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
        ResultBlock::from_bytes(Dtype::F64, rows, cols, Layout::SampleMajor, &bytes).unwrap()
    }

    #[test]
    fn casts_bytes_at_any_alignment() {
        let values = [-2.5f64, 70000.9, 5.0];
        // u64 words: offset 0 is aligned for both dtypes, 1 and 2 are not.
        for (s, d) in [(1, 2), (1, 0), (0, 2), (0, 0)] {
            let (mut src_words, mut dst_words) = ([0u64; 4], [0u64; 3]);
            let src = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut src_words)[s..s + 24];
            src.copy_from_slice(bytemuck::cast_slice(&values));
            let dst = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut dst_words)[d..d + 12];
            cast_bytes(Dtype::F64, src, Dtype::I32, dst).unwrap();
            let got: Vec<i32> = dst.chunks(4).map(|c| i32::from_le_bytes(c.try_into().unwrap())).collect();
            assert_eq!(got, vec![-2, 70000, 5], "src offset {s}, dst offset {d}");
        }
    }

    #[test]
    fn casts_like_numpy_for_in_range_values() {
        let b = block_f64(&[1.9, -1.9, 300.0, -0.5, 65535.0, f64::NAN], 2, 3);
        let i16s: Vec<i16> = bytemuck::cast_slice(b.cast(Dtype::I16).unwrap().bytes()).to_vec();
        assert_eq!(i16s, vec![1, -1, 300, 0, i16::MAX, 0]);
        let u8s: Vec<u8> = b.cast(Dtype::I32).unwrap().cast(Dtype::U8).unwrap().bytes().to_vec();
        assert_eq!(u8s, vec![1, 255, 44, 0, 255, 0]); // int -> int wraps
        let f32s: Vec<f32> = bytemuck::cast_slice(b.cast(Dtype::F32).unwrap().bytes()).to_vec();
        assert_eq!(f32s[0], 1.9f32);
    }

    #[test]
    fn channel_major_input_is_stored_row_major() {
        // 2 rows x 3 cols given column by column
        let cm: Vec<u8> = [1i16, 4, 2, 5, 3, 6].iter().flat_map(|v| v.to_le_bytes()).collect();
        let b = ResultBlock::from_bytes(Dtype::I16, 2, 3, Layout::ChannelMajor, &cm).unwrap();
        let v: Vec<i16> = bytemuck::cast_slice(b.bytes()).to_vec();
        assert_eq!(v, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(bytemuck::cast_slice::<u8, i16>(b.rows(1..2).unwrap().bytes()), &[4, 5, 6]);
        assert!(b.rows(1..3).is_err());
        assert!(ResultBlock::from_bytes(Dtype::I16, 2, 3, Layout::SampleMajor, &cm[..10]).is_err());
    }
}
