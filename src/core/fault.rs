//! Test-only fault injection (cargo feature `testing`): the library panics
//! when a chosen point is reached for the n-th time, so tests can prove that
//! a panic anywhere in an apply leaves no output and a usable library.
//! Without the feature `check` compiles to nothing.

/// Where an injected panic happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Point {
    /// The calling thread, handing a result to the sink.
    Deliver = 1,
    /// The output writer's thread, appending a result.
    Write = 2,
    /// A worker thread of a parallel apply, after its callback.
    Worker = 3,
}

#[cfg(feature = "testing")]
mod armed {
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    static POINT: AtomicU32 = AtomicU32::new(0);
    static REMAINING: AtomicU64 = AtomicU64::new(0);

    pub fn arm(point: u32, skip: u64) {
        REMAINING.store(skip, Ordering::SeqCst);
        POINT.store(point, Ordering::SeqCst);
    }

    pub fn check(point: super::Point) {
        if POINT.load(Ordering::SeqCst) != point as u32 {
            return;
        }
        let fire = REMAINING.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_err();
        if fire && POINT.compare_exchange(point as u32, 0, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            panic!("injected panic at {point:?}");
        }
    }
}

/// Arms a panic at `point` after it has been passed `skip` times (test builds).
#[cfg(feature = "testing")]
pub fn arm(point: u32, skip: u64) {
    armed::arm(point, skip)
}

#[inline(always)]
pub fn check(_point: Point) {
    #[cfg(feature = "testing")]
    armed::check(_point)
}
