//! neurobatch: memory-bounded batch reading of large multi-channel binary
//! recordings (YASS's `yass.batch` without its bugs), for Rust and, through
//! the C ABI in [`ffi`], for C, C++, MATLAB and Julia.
#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(target_endian = "big")]
compile_error!("neurobatch reads little-endian recordings and supports little-endian hosts only");

/// cbindgen:ignore
pub mod core;
pub mod ffi;
/// cbindgen:ignore
mod simd;

pub use crate::core::cursor::{Batch, BatchInfo, Cursor};
pub use crate::core::dtype::{DataOrder, Dtype, Element, Layout};
pub use crate::core::error::{Error, Result};
pub use crate::core::io::Loader;
pub use crate::core::memory::parse_max_memory;
pub use crate::core::plan::{BatchOptions, Plan, Traversal};
pub use crate::core::reader::{OpenOptions, Reader};
pub use crate::core::select::ChannelSel;
pub use crate::core::sidecar::{sidecar_path, RecordingParams};
