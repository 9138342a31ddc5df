//! Fixture recordings whose value at (observation s, channel c) is computed
//! from both, so any row/column mix-up changes values.
#![allow(dead_code)]

pub mod ffi;

use std::path::{Path, PathBuf};

use neurobatch_core::{DataOrder, Dtype};

/// The fixture value at (s, c), representable in every dtype.
pub fn value(dtype: Dtype, n_ch: usize, s: u64, c: usize) -> i64 {
    let m = if dtype.itemsize() == 1 { 101 } else { 32749 };
    ((s * n_ch as u64 + c as u64) % m) as i64
}

pub fn encode(dtype: Dtype, v: i64) -> Vec<u8> {
    match dtype {
        Dtype::I8 => (v as i8).to_le_bytes().to_vec(),
        Dtype::U8 => (v as u8).to_le_bytes().to_vec(),
        Dtype::I16 => (v as i16).to_le_bytes().to_vec(),
        Dtype::U16 => (v as u16).to_le_bytes().to_vec(),
        Dtype::I32 => (v as i32).to_le_bytes().to_vec(),
        Dtype::U32 => (v as u32).to_le_bytes().to_vec(),
        Dtype::I64 => v.to_le_bytes().to_vec(),
        Dtype::U64 => (v as u64).to_le_bytes().to_vec(),
        Dtype::F32 => (v as f32).to_le_bytes().to_vec(),
        Dtype::F64 => (v as f64).to_le_bytes().to_vec(),
    }
}

pub fn decode(dtype: Dtype, b: &[u8]) -> i64 {
    match dtype {
        Dtype::I8 => b[0] as i8 as i64,
        Dtype::U8 => b[0] as i64,
        Dtype::I16 => i16::from_le_bytes([b[0], b[1]]) as i64,
        Dtype::U16 => u16::from_le_bytes([b[0], b[1]]) as i64,
        Dtype::I32 => i32::from_le_bytes(b[..4].try_into().unwrap()) as i64,
        Dtype::U32 => u32::from_le_bytes(b[..4].try_into().unwrap()) as i64,
        Dtype::I64 => i64::from_le_bytes(b[..8].try_into().unwrap()),
        Dtype::U64 => u64::from_le_bytes(b[..8].try_into().unwrap()) as i64,
        Dtype::F32 => f32::from_le_bytes(b[..4].try_into().unwrap()) as i64,
        Dtype::F64 => f64::from_le_bytes(b[..8].try_into().unwrap()) as i64,
    }
}

/// Writes an `n_obs × n_ch` fixture in `order` to `dir/name`.
pub fn write_fixture(dir: &Path, name: &str, dtype: Dtype, n_ch: usize, n_obs: u64, order: DataOrder) -> PathBuf {
    let mut bytes = Vec::with_capacity(n_obs as usize * n_ch * dtype.itemsize());
    match order {
        DataOrder::Samples => {
            for s in 0..n_obs {
                for c in 0..n_ch {
                    bytes.extend(encode(dtype, value(dtype, n_ch, s, c)));
                }
            }
        }
        DataOrder::Channels => {
            for c in 0..n_ch {
                for s in 0..n_obs {
                    bytes.extend(encode(dtype, value(dtype, n_ch, s, c)));
                }
            }
        }
    }
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Element (row, col) of a block of `n_rows × n_cols` in `layout`.
pub fn at(dtype: Dtype, data: &[u8], layout: neurobatch_core::Layout, n_rows: usize, n_cols: usize, row: usize, col: usize) -> i64 {
    let i = match layout {
        neurobatch_core::Layout::SampleMajor => row * n_cols + col,
        neurobatch_core::Layout::ChannelMajor => col * n_rows + row,
    };
    let w = dtype.itemsize();
    decode(dtype, &data[i * w..(i + 1) * w])
}

/// Checks a block against the fixture: block row r is observation
/// `first + r - buffer`, zero outside `[0, n_obs)`.
#[allow(clippy::too_many_arguments)]
pub fn check_block(
    dtype: Dtype,
    n_ch: usize,
    n_obs: u64,
    data: &[u8],
    layout: neurobatch_core::Layout,
    n_rows: usize,
    channels: &[usize],
    first: u64,
    buffer: u64,
) {
    check_block_edge(dtype, n_ch, n_obs, data, layout, n_rows, channels, first, buffer, neurobatch_core::Edge::Zeros)
}

/// As `check_block`, with rows beyond the edges as `edge` defines them
/// (reference: numpy's pad modes constant/reflect/edge, written out here).
#[allow(clippy::too_many_arguments)]
pub fn check_block_edge(
    dtype: Dtype,
    n_ch: usize,
    n_obs: u64,
    data: &[u8],
    layout: neurobatch_core::Layout,
    n_rows: usize,
    channels: &[usize],
    first: u64,
    buffer: u64,
    edge: neurobatch_core::Edge,
) {
    assert_eq!(data.len(), n_rows * channels.len() * dtype.itemsize());
    let n = n_obs as i64;
    let source = |s: i64| -> Option<u64> {
        if (0..n).contains(&s) {
            return Some(s as u64);
        }
        match edge {
            neurobatch_core::Edge::Zeros => None,
            _ if n == 0 => None,
            neurobatch_core::Edge::Replicate => Some(s.clamp(0, n - 1) as u64),
            neurobatch_core::Edge::Reflect if n == 1 => Some(0),
            neurobatch_core::Edge::Reflect => {
                // Mirror at whichever edge is crossed until inside.
                let mut i = s;
                while !(0..n).contains(&i) {
                    i = if i < 0 { -i } else { 2 * (n - 1) - i };
                }
                Some(i as u64)
            }
        }
    };
    for r in 0..n_rows {
        let s = first as i64 + r as i64 - buffer as i64;
        for (j, &c) in channels.iter().enumerate() {
            let want = source(s).map_or(0, |o| value(dtype, n_ch, o, c));
            let got = at(dtype, data, layout, n_rows, channels.len(), r, j);
            assert_eq!(got, want, "row {r} (obs {s}), column {j} (channel {c}), {dtype}, {layout:?}");
        }
    }
}
