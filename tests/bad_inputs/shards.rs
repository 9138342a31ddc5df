//! Sharded applies.

use super::*;

pub fn cases(k: &mut Catalogue, rec: &Path) {
    let rec = rec.to_path_buf();
    // ----------------------------------------------------------------- shards
    {
        let out = k.path("never-sharded.bin");
        k.add("nb_shard_finish", "no shard ran", NB_STATUS_SHARD_INCOMPLETE, &["never-sharded.bin", "3 shards", "none completed"], move || unsafe {
            nb_shard_finish(c(&out).as_ptr(), 3, std::ptr::null(), null_mut())
        });
    }
    {
        let out = k.path("zero-shards.bin");
        k.add("nb_shard_finish", "shard_count 0", NB_STATUS_INVALID_ARGUMENT, &["shard_count must be at least 1, got 0"], move || unsafe {
            nb_shard_finish(c(&out).as_ptr(), 0, std::ptr::null(), null_mut())
        });
    }
    {
        let p = rec.clone();
        k.add("nb_reader_shard_batches", "shard 9 of 2", NB_STATUS_INVALID_ARGUMENT, &["shard 9 of 2"], move || {
            let r = reader(&p);
            let st = unsafe { nb_reader_shard_batches(r, null(), 9, 2, &mut 0, &mut 0) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
}
