//! Versioned option structs (libgit2's pattern): a caller compiled against an
//! older header owns an older, shorter struct. `_init` writes exactly the
//! bytes of the caller's version and the library reads exactly those, the
//! newer fields taking their defaults.

use crate::ffi::error::Fail;
use crate::ffi::status::*;

/// An options struct whose first field is its `u32` version.
pub(crate) trait Versioned: Sized {
    /// The C type's name, for messages.
    const NAME: &'static str;
    /// The version this header defines.
    const CURRENT: u32;
    /// Bytes of the struct as version `version` laid it out.
    fn size(version: u32) -> usize;
    /// The defaults, with `version` in the version field.
    fn defaults(version: u32) -> Self;
}

pub(crate) fn check_version(got: u32, current: u32, name: &str) -> Result<(), Fail> {
    if got == 0 || got > current {
        return Err(Fail::Status(NB_STATUS_BAD_VERSION, format!("{name} version {got} is not supported: this library knows versions 1..={current}")));
    }
    Ok(())
}

/// The body of every `_init`: checks the version and writes the defaults
/// into exactly `T::size(version)` bytes at `out`.
///
/// SAFETY: `out` is NULL or points to writable storage of at least
/// `T::size(version)` bytes (a struct of that version).
pub(crate) unsafe fn init<T: Versioned>(out: *mut T, version: u32) -> Result<nb_status, Fail> {
    if out.is_null() {
        return Err(Fail::Null("opts"));
    }
    check_version(version, T::CURRENT, T::NAME)?;
    let defaults = std::mem::MaybeUninit::new(T::defaults(version));
    let n = T::size(version).min(std::mem::size_of::<T>());
    // SAFETY: `defaults` is valid for `size_of::<T>()` bytes and `out` for
    // `n` (caller contract); the copy is untyped, padding included.
    unsafe { std::ptr::copy_nonoverlapping(defaults.as_ptr().cast::<u8>(), out.cast::<u8>(), n) };
    Ok(NB_STATUS_OK)
}

/// The struct a caller passed, read by its own version's size over the
/// current defaults; None for NULL.
///
/// SAFETY: `p` is NULL or points to a struct of at least `T::size(its version)` bytes.
pub(crate) unsafe fn read<T: Versioned>(p: *const T) -> Result<Option<T>, Fail> {
    if p.is_null() {
        return Ok(None);
    }
    let version = unsafe { p.cast::<u32>().read_unaligned() };
    check_version(version, T::CURRENT, T::NAME)?;
    let mut full = std::mem::MaybeUninit::new(T::defaults(T::CURRENT));
    let n = T::size(version).min(std::mem::size_of::<T>());
    // SAFETY: both are valid for `n` bytes; every field is plain data, so any
    // bytes a C caller wrote are a valid value (enum-like fields are integers).
    unsafe { std::ptr::copy_nonoverlapping(p.cast::<u8>(), full.as_mut_ptr().cast::<u8>(), n) };
    Ok(Some(unsafe { full.assume_init() }))
}
