//! Every Box/raw-pointer conversion of a C handle lives here.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::ffi::error::Fail;

/// A type handed to C as an opaque pointer. After a panic inside a call that
/// borrowed it, it is poisoned and every later call fails with
/// `NB_STATUS_POISONED` instead of running on broken invariants.
pub(crate) trait Handle: Sized {
    const KIND: &'static str;
    /// Written in front of every live handle of this type, so a handle of
    /// another type, or one already freed, is caught instead of misread.
    const TAG: u64;
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

/// What C holds: a pointer to this, typed as a pointer to `H`. Every
/// `Tagged` starts with its tag (`repr(C)`), so the tag of any live handle
/// can be read whatever its type.
#[repr(C)]
struct Tagged<H> {
    tag: AtomicU64,
    value: H,
}

/// The tag a freed handle is left with, until its memory is reused.
const FREED: u64 = 0xdead_f4ee_dead_f4ee;

/// Checks the tag behind a non-null handle pointer.
///
/// SAFETY (caller): `p` points to a live `Tagged` of some handle type,
/// or to freed memory of one (then the check is best effort).
unsafe fn checked<H: Handle>(p: *const H, name: &'static str) -> Result<*mut Tagged<H>, Fail> {
    let t = p.cast::<Tagged<H>>().cast_mut();
    if t.is_null() {
        return Err(Fail::Null(name));
    }
    match unsafe { (*t).tag.load(Ordering::Acquire) } {
        tag if tag == H::TAG => Ok(t),
        FREED => Err(Fail::BadHandle(format!("{name} is an {} that was already freed", H::KIND))),
        _ => Err(Fail::BadHandle(format!("{name} is not an {} (a handle of another type, or freed memory)", H::KIND))),
    }
}

/// Borrows a `const` handle argument, checking NULL, type and poisoning.
pub(crate) unsafe fn borrow<'a, H: Handle>(p: *const H, name: &'static str) -> Result<Borrowed<'a, H>, Fail> {
    // SAFETY: non-null handles come from `give` and are alive (C contract).
    let h = unsafe { &(*checked(p, name)?).value };
    if h.poison_flag().load(Ordering::Relaxed) {
        return Err(Fail::Poisoned(H::KIND));
    }
    Ok(Borrowed(h))
}

/// Borrows a mutable handle argument, checking NULL, type and poisoning.
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(p: *mut H, name: &'static str) -> Result<BorrowedMut<'a, H>, Fail> {
    // SAFETY: as `borrow`; the C contract forbids concurrent use of mutable handles.
    let h = unsafe { &mut (*checked(p, name)?).value };
    if h.poison_flag().load(Ordering::Relaxed) {
        return Err(Fail::Poisoned(H::KIND));
    }
    Ok(BorrowedMut(h))
}

/// Hands a new handle to C through an already checked out-pointer.
pub(crate) fn give<H: Handle>(h: H, out: &mut std::mem::MaybeUninit<*mut H>) {
    out.write(Box::into_raw(Box::new(Tagged { tag: AtomicU64::new(H::TAG), value: h })).cast::<H>());
}

/// Frees a handle given out by `give`; NULL is a no-op. A pointer that is
/// not a live `H` is left alone and reported as the thread's last error:
/// freeing it would corrupt the heap.
pub(crate) unsafe fn free<H: Handle>(p: *mut H) {
    if p.is_null() {
        return;
    }
    match unsafe { checked(p, "handle") } {
        Ok(t) => {
            // SAFETY: `t` came from `give` and its tag proves it is still live.
            unsafe { (*t).tag.store(FREED, Ordering::Release) };
            drop(unsafe { Box::from_raw(t) });
        }
        Err(fail) => crate::ffi::error::record(fail),
    }
}
