//! neurobatch: the C ABI (`libneurobatch`, `include/neurobatch.h`) over the
//! safe Rust core in the `neurobatch-core` crate. Every exported function
//! lives in `ffi`, in the file of the C type it acts on, and only converts
//! between C and the core; the header is generated from these sources.
//!
//! Rust programs use `neurobatch-core` directly.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod ffi;
