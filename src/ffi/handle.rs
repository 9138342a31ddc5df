//! Every Box/raw-pointer conversion of a C handle lives here.
//!
//! Each live handle is in one registry (its address and type), so a handle
//! argument is checked without reading memory behind it: a pointer that is
//! not a live handle of the expected type (another type, freed, zeroed
//! memory, a result slot kept after its callback returned) is
//! `NB_STATUS_BAD_HANDLE`, never a read or write of dead memory. Each handle
//! also counts the calls using it, so freeing one that a running call still
//! uses (from inside its own apply callback, say) waits for that call to
//! return, and a second call that would mutate it meanwhile is `NB_STATUS_BUSY`.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::ffi::error::Fail;
use crate::ffi::status::NB_STATUS_BUSY;

/// A type handed to C as an opaque pointer. After a panic inside a call that
/// borrowed it, it is poisoned and every later call fails with
/// `NB_STATUS_POISONED` instead of running on broken invariants.
pub(crate) trait Handle: Sized {
    const KIND: &'static str;
    /// Identifies the type in the registry.
    const TAG: u64;
    fn poison_flag(&self) -> &AtomicBool;
}

/// Makes a struct with a `poisoned: AtomicBool` field a handle type; the tag
/// is eight ASCII bytes that identify it in the registry.
macro_rules! handle_type {
    ($ty:ident, $tag:expr) => {
        impl $crate::ffi::handle::Handle for $ty {
            const KIND: &'static str = stringify!($ty);
            const TAG: u64 = $tag;
            fn poison_flag(&self) -> &std::sync::atomic::AtomicBool {
                &self.poisoned
            }
        }
    };
}
pub(crate) use handle_type;

/// What C holds: a pointer to this, typed as a pointer to `H`.
#[repr(C)]
pub(crate) struct Tagged<H> {
    /// Calls using the handle now, plus the flags below.
    uses: AtomicU32,
    value: H,
}

/// Set while one call uses the handle mutably (it excludes every other use).
const EXCLUSIVE: u32 = 1 << 30;
/// Set by a free that found the handle in use: the last use frees it.
const FREE_PENDING: u32 = 1 << 31;
const COUNT: u32 = EXCLUSIVE - 1;

/// Live handles: address -> type tag.
fn registry() -> &'static RwLock<HashMap<usize, u64>> {
    static LIVE: OnceLock<RwLock<HashMap<usize, u64>>> = OnceLock::new();
    LIVE.get_or_init(Default::default)
}

fn read() -> RwLockReadGuard<'static, HashMap<usize, u64>> {
    registry().read().unwrap_or_else(|p| p.into_inner())
}

fn write() -> RwLockWriteGuard<'static, HashMap<usize, u64>> {
    registry().write().unwrap_or_else(|p| p.into_inner())
}

/// The registry's answer for `p`, or the reason it is not a live `H`.
fn lookup<H: Handle>(live: &HashMap<usize, u64>, p: *const H, name: &'static str) -> Result<*mut Tagged<H>, Fail> {
    if p.is_null() {
        return Err(Fail::Null(name));
    }
    match live.get(&(p as usize)) {
        Some(&tag) if tag == H::TAG => Ok(p.cast::<Tagged<H>>().cast_mut()),
        Some(_) => Err(Fail::BadHandle(format!("{name} is a handle of another type, not an {}", H::KIND))),
        None => Err(Fail::BadHandle(format!(
            "{name} is not a live {}: it was freed, never created by the library, or (a result slot) its callback has returned",
            H::KIND
        ))),
    }
}

/// A borrowed handle: poisons it if a panic unwinds past the borrow, and
/// releases its use when dropped (freeing it if a free waited for that).
pub(crate) struct Borrowed<'a, H: Handle> {
    tagged: &'a Tagged<H>,
    exclusive: bool,
}

impl<H: Handle> Drop for Borrowed<'_, H> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.tagged.value.poison_flag().store(true, Ordering::Relaxed);
        }
        let release = if self.exclusive { EXCLUSIVE | 1 } else { 1 };
        let before = self.tagged.uses.fetch_sub(release, Ordering::AcqRel);
        if before - release == FREE_PENDING {
            // The free came while this call ran; it is the last use.
            let t = self.tagged as *const Tagged<H> as *mut Tagged<H>;
            // SAFETY: the handle was removed from the registry by that free, so
            // nothing can borrow it again, and this was its last use.
            drop(unsafe { Box::from_raw(t) });
        }
    }
}

impl<H: Handle> Deref for Borrowed<'_, H> {
    type Target = H;
    fn deref(&self) -> &H {
        &self.tagged.value
    }
}

pub(crate) struct BorrowedMut<'a, H: Handle>(Borrowed<'a, H>);

impl<H: Handle> Deref for BorrowedMut<'_, H> {
    type Target = H;
    fn deref(&self) -> &H {
        &self.0.tagged.value
    }
}

impl<H: Handle> DerefMut for BorrowedMut<'_, H> {
    fn deref_mut(&mut self) -> &mut H {
        let t = self.0.tagged as *const Tagged<H> as *mut Tagged<H>;
        // SAFETY: this borrow holds the handle's only use (EXCLUSIVE).
        unsafe { &mut (*t).value }
    }
}

fn busy(kind: &str, name: &str) -> Fail {
    Fail::Status(
        NB_STATUS_BUSY,
        format!("{name} is in use by another call that is still running (on another thread, or the call whose callback is running now); an {kind} serves one such call at a time"),
    )
}

/// Borrows a `const` handle argument, checking NULL, type, poisoning, and
/// that no call uses it mutably.
pub(crate) unsafe fn borrow<'a, H: Handle>(p: *const H, name: &'static str) -> Result<Borrowed<'a, H>, Fail> {
    let live = read();
    let t = lookup(&live, p, name)?;
    // SAFETY: registered handles are live `Tagged<H>` (see `give`); the read
    // lock keeps a concurrent free from releasing it before the use is counted.
    let tagged: &'a Tagged<H> = unsafe { &*t };
    let before = tagged.uses.fetch_add(1, Ordering::AcqRel);
    if before & EXCLUSIVE != 0 {
        tagged.uses.fetch_sub(1, Ordering::AcqRel);
        return Err(busy(H::KIND, name));
    }
    drop(live);
    let b = Borrowed { tagged, exclusive: false };
    if b.poison_flag().load(Ordering::Relaxed) {
        return Err(Fail::Poisoned(H::KIND));
    }
    Ok(b)
}

/// Borrows a mutable handle argument: as `borrow`, and no other call may
/// use the handle meanwhile (`NB_STATUS_BUSY` otherwise).
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(p: *mut H, name: &'static str) -> Result<BorrowedMut<'a, H>, Fail> {
    let live = read();
    let t = lookup(&live, p, name)?;
    // SAFETY: as in `borrow`.
    let tagged: &'a Tagged<H> = unsafe { &*t };
    if tagged.uses.compare_exchange(0, EXCLUSIVE | 1, Ordering::AcqRel, Ordering::Acquire).is_err() {
        return Err(busy(H::KIND, name));
    }
    drop(live);
    let b = BorrowedMut(Borrowed { tagged, exclusive: true });
    if b.poison_flag().load(Ordering::Relaxed) {
        return Err(Fail::Poisoned(H::KIND));
    }
    Ok(b)
}

/// Hands a new handle to C through an already checked out-pointer.
pub(crate) fn give<H: Handle>(h: H, out: &mut std::mem::MaybeUninit<*mut H>) {
    let p = Box::into_raw(Box::new(Tagged { uses: AtomicU32::new(0), value: h }));
    write().insert(p as usize, H::TAG);
    out.write(p.cast::<H>());
}

/// Frees a handle given out by `give`; NULL is a no-op. A pointer that is
/// not a live `H` is left alone and reported as the thread's last error
/// (freeing it would corrupt the heap). A handle still used by a running
/// call is freed when that call returns.
pub(crate) unsafe fn free<H: Handle>(p: *mut H) {
    if p.is_null() {
        return;
    }
    let mut live = write();
    let t = match lookup(&live, p, "handle") {
        Ok(t) => t,
        Err(fail) => return crate::ffi::error::record(fail),
    };
    live.remove(&(p as usize));
    // SAFETY: it was registered, hence live; the write lock excludes new borrows.
    let before = unsafe { &*t }.uses.fetch_or(FREE_PENDING, Ordering::AcqRel);
    drop(live);
    if before & COUNT == 0 {
        // SAFETY: unregistered and unused: nothing can reach it any more.
        drop(unsafe { Box::from_raw(t) });
    }
}

/// A value lent to C for the duration of one call (a result slot lent to a
/// callback): registered while the guard lives, so only during that call
/// does its pointer pass the handle checks.
pub(crate) struct Lent<H: Handle> {
    tagged: Box<Tagged<H>>,
}

impl<H: Handle> Lent<H> {
    pub(crate) fn new(value: H) -> Lent<H> {
        let tagged = Box::new(Tagged { uses: AtomicU32::new(0), value });
        write().insert(&*tagged as *const Tagged<H> as usize, H::TAG);
        Lent { tagged }
    }

    /// The pointer C gets.
    pub(crate) fn as_ptr(&mut self) -> *mut H {
        (&mut *self.tagged as *mut Tagged<H>).cast::<H>()
    }

    /// Ends the loan and returns the value.
    pub(crate) fn take(self) -> H {
        let me = std::mem::ManuallyDrop::new(self);
        write().remove(&(&*me.tagged as *const Tagged<H> as usize));
        // SAFETY: `me` is never used or dropped again; the box is moved out once.
        let tagged = unsafe { std::ptr::read(&me.tagged) };
        tagged.value
    }
}

impl<H: Handle> Drop for Lent<H> {
    fn drop(&mut self) {
        write().remove(&(&*self.tagged as *const Tagged<H> as usize));
    }
}
