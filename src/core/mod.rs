//! The safe core: no raw pointers, no C types. The C ABI in `ffi` only converts.

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
pub mod pipeline;
pub mod plan;
pub mod reader;
pub mod result;
pub mod select;
pub mod shard;
pub mod sidecar;
pub mod writer;
