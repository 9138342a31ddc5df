//! Which code a panic comes from: the library's own, or a host's. A C-ABI
//! front end installs a panic hook that stays silent for the library's
//! panics (they are reported through a status and message) and hands every
//! other panic to the host's hook. The library's threads and calls mark
//! themselves `inside`; user callbacks run `outside` again.

use std::cell::Cell;

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Marks the current thread as running library code until dropped.
pub struct Inside {
    _not_send: std::marker::PhantomData<*const ()>,
}

/// Enters library code on this thread (calls nest).
pub fn enter() -> Inside {
    DEPTH.with(|d| d.set(d.get() + 1));
    Inside { _not_send: std::marker::PhantomData }
}

impl Drop for Inside {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// Whether the current thread is running library code.
pub fn is_inside() -> bool {
    DEPTH.with(|d| d.get() > 0)
}

/// Runs `f` (a user's callback) as host code.
pub fn outside<R>(f: impl FnOnce() -> R) -> R {
    let saved = DEPTH.with(|d| d.replace(0));
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            DEPTH.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(saved);
    f()
}
