//! Versioned option structs: a caller compiled against an older header
//! passes a shorter struct; the library reads and writes only its bytes.

use crate::ffi::error::Fail;
use crate::ffi::status::*;

pub(crate) fn check_version(got: u32, current: u32, name: &str) -> Result<(), Fail> {
    if got == 0 || got > current {
        return Err(Fail::Status(NB_STATUS_BAD_VERSION, format!("{name} version {got} is not supported: this library knows versions 1..={current}")));
    }
    Ok(())
}

/// Copies an options struct that a caller compiled against an older header
/// may have passed shorter: `size(version)` bytes of it over the defaults
/// that `init` writes. The struct's first field is its `u32` version.
///
/// SAFETY: `p` is NULL or points to a `T` of at least `size(its version)` bytes.
pub(crate) unsafe fn read_versioned<T>(
    p: *const T,
    current: u32,
    name: &str,
    size: fn(u32) -> usize,
    init: unsafe extern "C" fn(*mut T, u32) -> nb_status,
) -> Result<Option<T>, Fail> {
    if p.is_null() {
        return Ok(None);
    }
    let version = unsafe { p.cast::<u32>().read_unaligned() };
    check_version(version, current, name)?;
    let mut full = std::mem::MaybeUninit::<T>::uninit();
    if unsafe { init(full.as_mut_ptr(), current) } != NB_STATUS_OK {
        return Err(Fail::Invalid(format!("{name}: initialising the defaults failed")));
    }
    let n = size(version).min(std::mem::size_of::<T>());
    // SAFETY: both are valid for `n` bytes; every field is plain data.
    unsafe { std::ptr::copy_nonoverlapping(p.cast::<u8>(), full.as_mut_ptr().cast::<u8>(), n) };
    Ok(Some(unsafe { full.assume_init() }))
}
