//! Every Box/raw-pointer conversion of a C handle lives here.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::ffi::error::Fail;

/// A type handed to C as an opaque pointer. After a panic inside a call that
/// borrowed it, it is poisoned and every later call fails with
/// `NB_STATUS_POISONED` instead of running on broken invariants.
pub(crate) trait Handle: Sized {
    const KIND: &'static str;
    fn poison_flag(&self) -> &AtomicBool;
}

/// A borrowed handle that poisons it if a panic unwinds past the borrow.
pub(crate) struct Borrowed<'a, H: Handle>(&'a H);
pub(crate) struct BorrowedMut<'a, H: Handle>(&'a mut H);

impl<H: Handle> Drop for Borrowed<'_, H> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.poison_flag().store(true, Ordering::Relaxed);
        }
    }
}

impl<H: Handle> Drop for BorrowedMut<'_, H> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.poison_flag().store(true, Ordering::Relaxed);
        }
    }
}

impl<H: Handle> Deref for Borrowed<'_, H> {
    type Target = H;
    fn deref(&self) -> &H {
        self.0
    }
}

impl<H: Handle> Deref for BorrowedMut<'_, H> {
    type Target = H;
    fn deref(&self) -> &H {
        self.0
    }
}

impl<H: Handle> DerefMut for BorrowedMut<'_, H> {
    fn deref_mut(&mut self) -> &mut H {
        self.0
    }
}

/// Borrows a `const` handle argument, checking NULL and poisoning.
pub(crate) unsafe fn borrow<'a, H: Handle>(p: *const H, name: &'static str) -> Result<Borrowed<'a, H>, Fail> {
    // SAFETY: non-null handles come from `into_raw` and are alive (C contract).
    let h = unsafe { p.as_ref() }.ok_or(Fail::Null(name))?;
    if h.poison_flag().load(Ordering::Relaxed) {
        return Err(Fail::Poisoned(H::KIND));
    }
    Ok(Borrowed(h))
}

/// Borrows a mutable handle argument, checking NULL and poisoning.
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(p: *mut H, name: &'static str) -> Result<BorrowedMut<'a, H>, Fail> {
    // SAFETY: as `borrow`; the C contract forbids concurrent use of mutable handles.
    let h = unsafe { p.as_mut() }.ok_or(Fail::Null(name))?;
    if h.poison_flag().load(Ordering::Relaxed) {
        return Err(Fail::Poisoned(H::KIND));
    }
    Ok(BorrowedMut(h))
}

/// Hands a new handle to C through an already checked out-pointer.
pub(crate) fn give<H: Handle>(h: H, out: &mut std::mem::MaybeUninit<*mut H>) {
    out.write(Box::into_raw(Box::new(h)));
}

/// Frees a handle given out by `give`; NULL is a no-op.
pub(crate) unsafe fn free<H: Handle>(p: *mut H) {
    if !p.is_null() {
        // SAFETY: `p` came from `give` and is freed once (C contract).
        drop(unsafe { Box::from_raw(p) });
    }
}
