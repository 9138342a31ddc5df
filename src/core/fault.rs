//! Test-only fault injection (cargo feature `testing`): the library panics,
//! an I/O call fails, or a thread is held, when a chosen point is reached for
//! the n-th time, so tests can prove that a fault anywhere in an apply leaves
//! no output, the previous output untouched and a usable library, and can
//! order threads that would race. Without the feature `check`, `io` and
//! `hold` compile to nothing.

/// Where an injected fault happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Point {
    /// The calling thread, handing a result to the sink.
    Deliver = 1,
    /// The output writer's thread, appending a result.
    Write = 2,
    /// A worker thread of a parallel apply, after its callback.
    Worker = 3,
    /// Publishing an output: renaming the new sidecar into place (an I/O error, not a panic).
    PublishSidecar = 4,
    /// Publishing an output: renaming the data into place (an I/O error).
    PublishData = 5,
    /// Putting the previous sidecar back after the data rename failed (an I/O error).
    RestoreSidecar = 6,
    /// Writing output data to the temporary file (an I/O error, as a full
    /// disk or a file size limit gives; on every platform, where
    /// `RLIMIT_FSIZE` exists on Unix only).
    WriteData = 7,
    /// A worker of a parallel apply, having taken a batch from the queue:
    /// held there (not a panic) until the apply has ended.
    WorkerTake = 8,
}

#[cfg(feature = "testing")]
mod armed {
    use std::sync::Mutex;

    /// Armed points and how many passes each still lets through.
    static ARMED: Mutex<Vec<(u32, u64)>> = Mutex::new(Vec::new());

    pub fn arm(point: u32, skip: u64) {
        let mut armed = ARMED.lock().unwrap_or_else(|p| p.into_inner());
        armed.retain(|&(p, _)| p != point);
        armed.push((point, skip));
    }

    /// Whether the fault armed at `point` fires now (each fires once).
    pub fn fires(point: super::Point) -> bool {
        let mut armed = ARMED.lock().unwrap_or_else(|p| p.into_inner());
        let Some(k) = armed.iter().position(|&(p, _)| p == point as u32) else { return false };
        if armed[k].1 > 0 {
            armed[k].1 -= 1;
            return false;
        }
        armed.remove(k);
        true
    }
}

/// Arms a panic at `point` after it has been passed `skip` times (test builds).
#[cfg(feature = "testing")]
pub fn arm(point: u32, skip: u64) {
    armed::arm(point, skip)
}

/// Panics when a panic is armed at this point (test builds).
#[inline(always)]
pub fn check(_point: Point) {
    #[cfg(feature = "testing")]
    if armed::fires(_point) {
        panic!("injected panic at {_point:?}");
    }
}

/// Holds this thread when a fault is armed at this point (test builds):
/// it waits until `until` is set, at most ten seconds, so a test can fix an
/// order that threads would otherwise race for.
#[inline(always)]
pub fn hold(_point: Point, _until: &std::sync::atomic::AtomicBool) {
    #[cfg(feature = "testing")]
    if armed::fires(_point) {
        let start = std::time::Instant::now();
        while !_until.load(std::sync::atomic::Ordering::Acquire) && start.elapsed() < std::time::Duration::from_secs(10) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

/// Fails with an I/O error when one is armed at this point (test builds).
#[inline(always)]
pub fn io(_point: Point) -> std::io::Result<()> {
    #[cfg(feature = "testing")]
    if armed::fires(_point) {
        return Err(std::io::Error::other(format!("injected I/O error at {_point:?}")));
    }
    Ok(())
}
