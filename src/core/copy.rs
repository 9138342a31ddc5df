//! Element-moving kernels. Copies never look at values, only at widths, so
//! every dtype of one width shares one kernel.

use bytemuck::Pod;

/// Rows per block when writing channel-major output from row-major input:
/// a block of a 385-channel int16 batch (~200 KB) stays in L2 while each
/// channel's column is written out.
const ROW_BLOCK: usize = 256;

/// Where element (row r, selected column j) lives, in elements:
/// `r * row + cols[j] * col` for a source, `r * row + j * col` for a destination.
#[derive(Clone, Copy, Debug)]
pub struct Strides {
    pub row: usize,
    pub col: usize,
}

/// Copies `rows × cols.len()` elements of `width` bytes from `src` to `dst`
/// (see [`Strides`]).
pub fn gather(width: usize, src: &[u8], s: Strides, cols: &[usize], dst: &mut [u8], d: Strides, rows: usize) {
    if rows == 0 || cols.is_empty() {
        return;
    }
    let (src, dst) = (trim(src, width), trim_mut(dst, width));
    if width == 2 && contiguous_run(cols) && transpose16(src, s, cols, dst, d, rows) {
        return;
    }
    macro_rules! typed {
        ($t:ty) => {{
            let aligned = bytemuck::try_cast_slice::<u8, $t>(src).is_ok() && bytemuck::try_cast_slice::<u8, $t>(dst).is_ok();
            if aligned {
                run::<$t>(bytemuck::cast_slice(src), s, cols, bytemuck::cast_slice_mut(dst), d, rows)
            } else {
                // Caller buffers need not be aligned: move byte arrays instead.
                type A = [u8; std::mem::size_of::<$t>()];
                run::<A>(bytemuck::cast_slice(src), s, cols, bytemuck::cast_slice_mut(dst), d, rows)
            }
        }};
    }
    match width {
        1 => run::<u8>(src, s, cols, dst, d, rows),
        2 => typed!(u16),
        4 => typed!(u32),
        8 => typed!(u64),
        w => unreachable!("no dtype has width {w}"),
    }
}

fn trim(b: &[u8], w: usize) -> &[u8] {
    &b[..b.len() / w * w]
}

fn trim_mut(b: &mut [u8], w: usize) -> &mut [u8] {
    let n = b.len() / w * w;
    &mut b[..n]
}

/// int16 (and uint16) transposes between row-major and column-major blocks,
/// through the SIMD kernel. Returns false when the copy is not a transpose.
fn transpose16(src: &[u8], s: Strides, cols: &[usize], dst: &mut [u8], d: Strides, rows: usize) -> bool {
    let (Ok(src), Ok(dst)) = (bytemuck::try_cast_slice::<u8, u16>(src), bytemuck::try_cast_slice_mut::<u8, u16>(dst)) else {
        return false;
    };
    let (c0, n) = (cols[0], cols.len());
    if s.col == 1 && d.row == 1 && n > 1 && rows > 1 {
        // row-major source (stride s.row) to columns (stride d.col)
        crate::simd::transpose_u16(&src[c0..], s.row, rows, n, dst, d.col);
        return true;
    }
    if s.row == 1 && d.col == 1 && n > 1 && rows > 1 {
        // columns (stride s.col) to rows (stride d.row)
        crate::simd::transpose_u16(&src[c0 * s.col..], s.col, n, rows, dst, d.row);
        return true;
    }
    false
}

fn contiguous_run(cols: &[usize]) -> bool {
    cols.windows(2).all(|w| w[1] == w[0] + 1)
}

fn run<T: Pod>(src: &[T], s: Strides, cols: &[usize], dst: &mut [T], d: Strides, rows: usize) {
    let n = cols.len();
    if s.col == 1 && d.col == 1 && contiguous_run(cols) {
        // Row-major to row-major with a contiguous channel run: one slice per row,
        // or a single copy when rows are back to back on both sides.
        let c0 = cols[0];
        if s.row == n && d.row == n {
            dst[..rows * n].copy_from_slice(&src[c0..c0 + rows * n]);
        } else {
            for r in 0..rows {
                dst[r * d.row..r * d.row + n].copy_from_slice(&src[r * s.row + c0..r * s.row + c0 + n]);
            }
        }
    } else if d.row == 1 {
        // Column-wise destination: block over rows so the source block stays in cache.
        for r0 in (0..rows).step_by(ROW_BLOCK) {
            let r1 = (r0 + ROW_BLOCK).min(rows);
            for (j, &c) in cols.iter().enumerate() {
                let out = &mut dst[j * d.col + r0..j * d.col + r1];
                let base = c * s.col;
                if s.row == 1 {
                    out.copy_from_slice(&src[base + r0..base + r1]);
                } else {
                    for (k, o) in out.iter_mut().enumerate() {
                        *o = src[base + (r0 + k) * s.row];
                    }
                }
            }
        }
    } else {
        for r in 0..rows {
            let out = &mut dst[r * d.row..];
            for (j, &c) in cols.iter().enumerate() {
                out[j * d.col] = src[r * s.row + c * s.col];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_bytes(v: &[u16]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn from_bytes(b: &[u8]) -> Vec<u16> {
        b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect()
    }

    #[test]
    fn row_major_subset_to_both_layouts() {
        // 600 rows x 5 channels, value = r*10 + c
        let src: Vec<u16> = (0..600).flat_map(|r| (0..5).map(move |c| (r * 10 + c) as u16)).collect();
        let sb = to_bytes(&src);
        let cols = [4, 1, 1];
        let mut rm = vec![0u8; 600 * 3 * 2];
        gather(2, &sb, Strides { row: 5, col: 1 }, &cols, &mut rm, Strides { row: 3, col: 1 }, 600);
        let mut cm = vec![0u8; 600 * 3 * 2];
        gather(2, &sb, Strides { row: 5, col: 1 }, &cols, &mut cm, Strides { row: 1, col: 600 }, 600);
        let (rm, cm) = (from_bytes(&rm), from_bytes(&cm));
        for r in 0..600 {
            for (j, &c) in cols.iter().enumerate() {
                assert_eq!(rm[r * 3 + j] as usize, r * 10 + c);
                assert_eq!(cm[j * 600 + r] as usize, r * 10 + c);
            }
        }
    }

    #[test]
    fn misaligned_buffers_use_byte_path() {
        let src: Vec<u16> = (0..40).collect();
        let mut sb = Vec::from([0u8]);
        sb.extend(to_bytes(&src));
        let mut db = [0u8; 81];
        gather(2, &sb[1..], Strides { row: 4, col: 1 }, &[3, 0], &mut db[1..], Strides { row: 1, col: 10 }, 10);
        let out = from_bytes(&db[1..]);
        assert_eq!(&out[..3], &[3, 7, 11]);
        assert_eq!(&out[10..13], &[0, 4, 8]);
    }
}
