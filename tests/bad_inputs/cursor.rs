//! Batch plans and channel selections: cursors, reads, plans.

use super::*;

pub fn cases(k: &mut Catalogue, rec: &Path) {
    let rec = rec.to_path_buf();
    // --------------------------------------------------- plans and selections
    let with = |f: fn(&mut nb_batch_options)| {
        let mut b = batch_opts();
        f(&mut b);
        b
    };
    let plan_cases: Vec<(&str, nb_batch_options, nb_status, Vec<&str>)> = vec![
        ("max_memory 7 bytes for rows of 8", with(|b| b.max_memory = 7), NB_STATUS_MEMORY_TOO_SMALL, vec!["7 bytes", "at least 8"]),
        ("max_memory 0", with(|b| b.max_memory = 0), NB_STATUS_MEMORY_TOO_SMALL, vec!["0 bytes"]),
        (
            "single channel, whole channel (200 bytes) over max_memory 100",
            with(|b| {
                b.max_memory = 100;
                b.traversal = NB_TRAVERSAL_SINGLE_CHANNEL;
            }),
            NB_STATUS_MEMORY_TOO_SMALL,
            vec!["200 bytes", "100 bytes", "force_complete_channel_batch"],
        ),
        (
            "from_time 50 > to_time 10",
            with(|b| {
                b.from_time = 50;
                b.to_time = 10;
            }),
            NB_STATUS_BAD_RANGE,
            vec!["[50, 10)", "n_observations = 100"],
        ),
        ("to_time 101 past the end (100)", with(|b| b.to_time = 101), NB_STATUS_BAD_RANGE, vec!["[0, 101)", "n_observations = 100"]),
        ("from_time 2^64-2", with(|b| b.from_time = u64::MAX - 1), NB_STATUS_BAD_RANGE, vec![&"18446744073709551614"]),
        ("buffer_size 2^63", with(|b| b.buffer_size = 1 << 63), NB_STATUS_INVALID_ARGUMENT, vec!["9223372036854775808"]),
        ("traversal value 9", with(|b| b.traversal = 9), NB_STATUS_INVALID_ARGUMENT, vec!["traversal", "9"]),
        ("layout value 4", with(|b| b.layout = 4), NB_STATUS_INVALID_ARGUMENT, vec!["layout", "4"]),
        ("edge value 3", with(|b| b.edge = 3), NB_STATUS_INVALID_ARGUMENT, vec!["edge = 3", "NB_EDGE_REFLECT"]),
        ("nb_batch_options.version 0", with(|b| b.version = 0), NB_STATUS_BAD_VERSION, vec!["0"]),
    ];
    for (what, b, expect, names) in plan_cases {
        let p = rec.clone();
        k.add("nb_cursor_new", what, expect, &names, move || cursor_with(&p, b));
    }
    {
        let p = rec.clone();
        k.add("nb_reader_plan", "max_memory 3", NB_STATUS_MEMORY_TOO_SMALL, &["3 bytes"], move || {
            let r = reader(&p);
            let mut b = batch_opts();
            b.max_memory = 3;
            let st = unsafe { nb_reader_plan(r, &b, &mut 0, &mut 0) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    static EMPTY: [usize; 0] = [];
    static OUT_OF_RANGE: [usize; 2] = [1, 4];
    static HUGE: [usize; 1] = [usize::MAX];
    for (what, list, n, expect, names) in [
        ("channel list empty (non-NULL, n_channels 0)", EMPTY.as_ptr(), 0usize, NB_STATUS_BAD_CHANNEL, vec!["empty"]),
        ("channel 4 of 4", OUT_OF_RANGE.as_ptr(), 2, NB_STATUS_BAD_CHANNEL, vec!["channel 4", "valid indices are 0 to 3"]),
        ("channel SIZE_MAX", HUGE.as_ptr(), 1, NB_STATUS_BAD_CHANNEL, vec!["18446744073709551615"]),
        ("channels NULL with n_channels 3", null(), 3, NB_STATUS_NULL_ARGUMENT, vec!["channels"]),
    ] {
        let p = rec.clone();
        let (list, names) = (list as usize, names);
        k.add("nb_cursor_new", what, expect, &names, move || {
            let mut b = batch_opts();
            b.channels = list as *const usize;
            b.n_channels = n;
            cursor_with(&p, b)
        });
    }
    {
        let p = rec.clone();
        k.add("nb_cursor_seek", "batch 5 of 1", NB_STATUS_INVALID_ARGUMENT, &["batch index 5", "1 batches"], move || {
            let r = reader(&p);
            let mut cur = null_mut();
            assert_eq!(unsafe { nb_cursor_new(r, null(), &mut cur) }, NB_STATUS_OK);
            let st = unsafe { nb_cursor_seek(cur, 5) };
            unsafe {
                nb_cursor_free(cur);
                nb_reader_free(r);
            }
            st
        });
    }
    for (what, from, to, chans, n, buf_len, expect, names) in [
        ("to_time 200 past the end", 0u64, 200u64, null(), 0usize, 64usize, NB_STATUS_BAD_RANGE, vec!["[0, 200)"]),
        ("out_bytes 7 for a 16-byte block", 0, 2, null(), 0, 7, NB_STATUS_BUFFER_TOO_SMALL, vec!["needs 16 bytes", "out_bytes is 7"]),
        ("channel 4 of 4", 0, 2, OUT_OF_RANGE.as_ptr(), 2, 64, NB_STATUS_BAD_CHANNEL, vec!["channel 4"]),
    ] {
        let p = rec.clone();
        let chans = chans as usize;
        k.add("nb_reader_read", what, expect, &names, move || {
            let r = reader(&p);
            let mut out = vec![0u8; buf_len];
            let mut need = 0;
            let st = unsafe { nb_reader_read(r, from, to, chans as *const usize, n, 0, NB_LAYOUT_SAMPLE_MAJOR, out.as_mut_ptr().cast(), buf_len, &mut need) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
}
