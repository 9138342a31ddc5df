//! Reading cold data past the page cache. A large byte range of a
//! recording that is not in the page cache is read with the system's
//! uncached reads (`platform::open_uncached`, Linux `O_DIRECT`): the device
//! writes straight into the batch buffer. Through the cache, the kernel
//! allocates a page for every 4 KiB and copies it again into the buffer:
//! on the 2-vCPU VM of docs/performance.md a cold 2 GB pass cost 1.4-2.0 s
//! of system time that way and 0.1-0.3 s uncached, time the callbacks did
//! not get. A pass over hundreds of GB also no longer evicts everything
//! else from the cache. A range that is cached is read from the cache.

use std::collections::BTreeSet;
use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use crate::platform::{self, UNCACHED_ALIGN};

/// Ranges smaller than this are read through the cache: the probe costs
/// three system calls, and small reads gain little.
const FROM_BYTES: usize = 16 << 20;

/// The uncached handle of one input file, opened on first use.
#[derive(Debug, Default)]
pub(crate) struct Uncached {
    handle: OnceLock<Option<File>>,
    /// Set when the file system refused an uncached read (alignment it
    /// does not accept): every later read goes through the cache.
    refused: AtomicBool,
}

impl Uncached {
    /// Whether a large cold range of this file may be read past the cache
    /// (not yet known to be impossible): such ranges need no read-ahead advice.
    pub(crate) fn possible(&self) -> bool {
        cfg!(target_os = "linux") && !self.refused.load(Ordering::Relaxed) && !matches!(self.handle.get(), Some(None))
    }

    /// Whether `file`'s bytes `[offset, offset + len)` would be read past
    /// the page cache now: large, not cached, and this file not known to
    /// refuse uncached reads.
    pub(crate) fn is_cold(&self, file: &File, offset: u64, len: usize) -> bool {
        len >= FROM_BYTES && self.possible() && platform::is_cached(file, offset, len as u64) == Some(false)
    }

    /// Reads `file`'s bytes `[offset, offset + len)` into `buf[at..at + len]`
    /// past the page cache when the range is large and not cached (probed
    /// here unless `known_cold`: a probe that misses starts the system's
    /// read-ahead of a few pages around it, so a second probe of the same
    /// range moments later may find it "cached"), and says whether it did;
    /// `false`: nothing was read, read the range through the cache. The uncached read covers whole aligned blocks around the range,
    /// so `buf` must hold them: `at` must have the same offset within an
    /// [`UNCACHED_ALIGN`] block (in memory) as `offset` (in the file), and
    /// `buf` must reach the block boundary after `at + len`. A range the file
    /// no longer holds (truncated by another process) is read through the
    /// cache from where the uncached read stopped, so the caller gets the
    /// same `UnexpectedEof` as from a cached read.
    pub(crate) fn read(&self, file: &File, offset: u64, len: usize, buf: &mut [u8], at: usize, known_cold: bool) -> io::Result<bool> {
        let skew = (offset % UNCACHED_ALIGN as u64) as usize;
        let Some(start) = at.checked_sub(skew) else { return Ok(false) };
        let end = start + (skew + len).next_multiple_of(UNCACHED_ALIGN);
        let aligned = (buf.as_ptr() as usize + start).is_multiple_of(UNCACHED_ALIGN);
        if !aligned || end > buf.len() || !(known_cold || self.is_cold(file, offset, len)) {
            return Ok(false);
        }
        let Some(direct) = self.handle.get_or_init(|| platform::open_uncached(file).ok()) else { return Ok(false) };
        let from = offset - skew as u64;
        let mut pos = start;
        while pos < end {
            match platform::read_at(direct, &mut buf[pos..end], from + (pos - start) as u64) {
                Ok(0) => break,
                // Short only at the end of the file: the rest, if the range
                // reaches it, is read below.
                Ok(n) if (pos + n - start) % UNCACHED_ALIGN != 0 => {
                    pos += n;
                    break;
                }
                Ok(n) => pos += n,
                Err(e) if pos == start => {
                    if e.kind() == io::ErrorKind::InvalidInput {
                        self.refused.store(true, Ordering::Relaxed);
                    }
                    return Ok(false);
                }
                Err(_) => break,
            }
        }
        let done = pos.max(at);
        if done < at + len {
            platform::read_exact_at(file, &mut buf[done..at + len], offset + (done - at) as u64)?;
        }
        Ok(true)
    }
}

/// Worker threads that read their own batches take turns for cold ones:
/// one uncached read at a time, in batch order. Reads at once would share
/// the device, so the batch the next callback needs would arrive later
/// (the first two both after twice the time of one), and the device would
/// sit idle whenever every worker computes at the same time.
pub(crate) struct ReadTurns {
    /// Every batch below `.0` was read (or failed), and those in `.1` too.
    done: Mutex<(u64, BTreeSet<u64>)>,
    changed: Condvar,
}

/// A batch's turn: the batch counts as read when it is dropped, whether
/// the read succeeded, failed or panicked.
pub(crate) struct Turn<'a> {
    turns: &'a ReadTurns,
    index: u64,
}

impl ReadTurns {
    /// Turns for batches `first`, `first + 1`, ... (each read by one thread).
    pub(crate) fn new(first: u64) -> ReadTurns {
        ReadTurns { done: Mutex::new((first, BTreeSet::new())), changed: Condvar::new() }
    }

    /// Batch `index`'s turn; with `wait` (a cold batch), only once every
    /// batch before it was read. Never waits forever while each batch before
    /// `index` is held by a thread that reads it.
    pub(crate) fn take(&self, index: u64, wait: bool) -> Turn<'_> {
        if wait {
            let mut done = self.done.lock().unwrap_or_else(|p| p.into_inner());
            while done.0 < index {
                done = self.changed.wait(done).unwrap_or_else(|p| p.into_inner());
            }
        }
        Turn { turns: self, index }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut done = self.turns.done.lock().unwrap_or_else(|p| p.into_inner());
        let (below, above) = &mut *done;
        above.insert(self.index);
        while above.remove(below) {
            *below += 1;
        }
        self.turns.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cold_reads_take_turns_in_batch_order_and_a_failed_read_passes_its_turn_on() {
        let turns = ReadTurns::new(10);
        let order = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            // Started in reverse order: each must still read after the one before.
            for index in (10..16).rev() {
                let (turns, order) = (&turns, &order);
                s.spawn(move || {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let _turn = turns.take(index, true);
                        order.lock().unwrap().push(index);
                        if index == 12 {
                            panic!("a read that panics still ends its turn");
                        }
                    }));
                });
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        assert_eq!(*order.lock().unwrap(), (10..16).collect::<Vec<_>>());
    }

    #[test]
    fn a_range_known_cold_is_read_past_the_cache_though_a_second_probe_finds_its_probed_pages() {
        // A probe that misses makes the system read a few pages around it, so
        // a worker that probed before waiting for its turn must not probe again.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cold.bin");
        let bytes: Vec<u8> = (0..FROM_BYTES as u32 + 3 * 4096 + 777).map(|v| (v % 253) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().sync_all().unwrap();
        let file = File::open(&path).unwrap();
        let (offset, len) = (4096 + 123, FROM_BYTES + 1000);
        if platform::evict_from_page_cache(&path).is_err()
            || platform::is_cached(&file, offset as u64, len as u64) != Some(false)
            || platform::open_uncached(&file).is_err()
        {
            eprintln!("NOTE: uncached reads not exercised: {} is not evictable or not readable past the cache here", path.display());
            return;
        }
        for at in [offset, offset + len / 2, offset + len - 1] {
            platform::read_exact_at(&file, &mut [0u8], at as u64).unwrap();
        }
        assert_eq!(platform::is_cached(&file, offset as u64, len as u64), Some(true));
        let mut buf = crate::io::AlignedBuf::default();
        let buf = buf.ensure(2 * UNCACHED_ALIGN + len).unwrap();
        let at = offset % UNCACHED_ALIGN;
        let uncached = Uncached::default();
        assert!(!uncached.read(&file, offset as u64, len, buf, at, false).unwrap());
        assert!(uncached.read(&file, offset as u64, len, buf, at, true).unwrap());
        assert!(buf[at..at + len] == bytes[offset..offset + len]);
    }

    #[test]
    fn a_warm_read_does_not_wait_for_its_turn() {
        let turns = ReadTurns::new(0);
        let later = turns.take(5, false); // batches 0-4 not read yet: no wait
        drop(later);
        let first = turns.take(0, true); // nothing before batch 0
        drop(first);
        assert_eq!(turns.done.lock().unwrap().0, 1);
        assert!(turns.done.lock().unwrap().1.contains(&5));
    }
}
