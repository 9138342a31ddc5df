//! Test-only exports (feature `testing`); excluded from the public header.

use crate::ffi::handle::borrow;
use crate::ffi::reader::nb_reader;
use crate::ffi::status::*;

/// Panics while `reader` is borrowed, to test the panic boundary and poisoning.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb__test_panic(reader: *const nb_reader) -> nb_status {
    ffi_status!({
        let _r = unsafe { borrow(reader, "reader")? };
        panic!("test panic requested");
    })
}

/// Arms a fault inside the library at `point` after `skip` passes; it fires
/// once. Panics: 1 delivering a result on the calling thread, 2 the output
/// writer thread, 3 a parallel worker. I/O errors: 4 renaming a new sidecar
/// into place, 5 renaming the data into place, 6 putting the previous
/// sidecar back, 7 writing output data. Hold: 8 a parallel worker that took
/// a batch from the queue waits until the apply has ended.
#[unsafe(no_mangle)]
pub extern "C" fn nb__test_inject_panic(point: u32, skip: u64) {
    neurobatch_core::fault::arm(point, skip)
}
