//! neurobatch-core: memory-bounded batch reading of large multi-channel
//! binary recordings (YASS's `yass.batch` without its bugs), as a safe Rust
//! API. It has no C types and exports no C symbols: the C ABI
//! (`libneurobatch`, crate `neurobatch`), the Python package and the
//! command-line tool are front ends built on it.
//!
//! - [`Reader`] opens a recording (raw binary with a YAML sidecar, SpikeGLX,
//!   Open Ephys, a multi-file session, a file still being written) and
//!   reads any block in [observation, channel] orientation.
//! - [`Plan`] sizes batches exactly as YASS does from [`BatchOptions`];
//!   [`Cursor`] walks them with memory reused from batch to batch.
//! - [`apply::apply`] runs a function over every batch, results in memory or
//!   written to a file that is either complete with its sidecar or absent;
//!   [`writer::Writer`] is that sink on its own; [`pipeline`] chains steps;
//!   [`shard`] splits a job between processes.
//!
//! ```
//! use std::sync::Arc;
//! use neurobatch_core::{BatchOptions, ChannelSel, Cursor, DataOrder, Dtype, OpenOptions, Reader};
//!
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("rec.bin");
//! # let values: Vec<u8> = (0..1000 * 4).flat_map(|v: i16| v.to_le_bytes()).collect();
//! # std::fs::write(&path, values).unwrap();
//! // 1000 observations x 4 channels of int16, observation after observation
//! let opts = OpenOptions { dtype: Some(Dtype::I16), n_channels: Some(4), data_order: Some(DataOrder::Samples), ..Default::default() };
//! let reader = Arc::new(Reader::open(&path, &opts)?);
//! let batches = BatchOptions {
//!     max_memory: neurobatch_core::parse_max_memory("1KB")?, // 256 rows of 2 int16 channels
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
//! # Ok::<(), neurobatch_core::Error>(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(target_endian = "big")]
compile_error!("neurobatch reads little-endian recordings and supports little-endian hosts only");

pub mod apply;
pub mod copy;
pub mod cursor;
pub mod dtype;
pub mod error;
pub mod fault;
pub mod formats;
pub mod io;
pub mod memory;
pub mod output;
pub mod panic_scope;
pub mod pipeline;
pub mod platform;
pub mod plan;
pub mod protect;
pub mod provenance;
pub mod reader;
pub mod result;
pub mod select;
pub mod shard;
pub mod sidecar;
pub mod tempfiles;
mod simd;
mod uncached;
pub mod writer;

pub use crate::cursor::{Batch, BatchInfo, Cursor};
pub use crate::dtype::{DataOrder, Dtype, Edge, Element, Layout};
pub use crate::error::{Error, Result};
pub use crate::io::Loader;
pub use crate::memory::parse_max_memory;
pub use crate::plan::{BatchOptions, Plan, Traversal};
pub use crate::provenance::{Provenance, Source};
pub use crate::reader::{OpenOptions, Reader};
pub use crate::select::ChannelSel;
pub use crate::sidecar::{sidecar_path, RecordingParams};

// Front ends keep these in objects their languages may share between threads
// (a pyo3 class must be Send + Sync): keep them so.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Reader>();
    send_sync::<Cursor>();
    send_sync::<crate::writer::Writer>();
};
