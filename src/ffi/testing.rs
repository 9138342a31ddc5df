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
