//! neurobatch: memory-bounded batch reading of large multi-channel binary
//! recordings (YASS's `yass.batch` without its bugs), for Rust and, through
//! the C ABI in [`ffi`], for C, C++, MATLAB and Julia.
//!
//! ```
//! use std::sync::Arc;
//! use neurobatch::{BatchOptions, ChannelSel, Cursor, DataOrder, Dtype, OpenOptions, Reader};
//!
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("rec.bin");
//! # let values: Vec<u8> = (0..1000 * 4).flat_map(|v: i16| v.to_le_bytes()).collect();
//! # std::fs::write(&path, values).unwrap();
//! // 1000 observations x 4 channels of int16, observation after observation
//! let opts = OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(4), data_order: Some(DataOrder::Samples), ..Default::default() };
//! let reader = Arc::new(Reader::open(&path, &opts)?);
//! let batches = BatchOptions {
//!     max_memory: neurobatch::parse_max_memory("1KB")?, // 256 rows of 2 int16 channels
//!     channels: ChannelSel::List(vec![3, 1]),
//!     buffer: 8,
//!     ..Default::default()
//! };
//! let mut cursor = Cursor::new(reader, &batches)?;
//! assert_eq!(cursor.plan().n_batches, 4);
//! while let Some(batch) = cursor.next_batch()? {
//!     let block = batch.view::<i16>()?;            // [observation, channel], buffer rows included
//!     let own = batch.info.idx_local();             // the batch's own rows
//!     assert_eq!(block[[own.start as usize, 0]], (batch.info.start * 4 + 3) as i16);
//! }
//! # Ok::<(), neurobatch::Error>(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(target_endian = "big")]
compile_error!("neurobatch reads little-endian recordings and supports little-endian hosts only");

/// cbindgen:ignore
pub mod core;
pub mod ffi;
/// cbindgen:ignore
mod simd;

pub use crate::core::cursor::{Batch, BatchInfo, Cursor};
pub use crate::core::dtype::{DataOrder, Dtype, Edge, Element, Layout};
pub use crate::core::error::{Error, Result};
pub use crate::core::io::Loader;
pub use crate::core::memory::parse_max_memory;
pub use crate::core::plan::{BatchOptions, Plan, Traversal};
pub use crate::core::reader::{OpenOptions, Reader};
pub use crate::core::select::ChannelSel;
pub use crate::core::sidecar::{sidecar_path, RecordingParams};
