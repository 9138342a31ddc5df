//! Applies: output paths, options, and calls made inside callbacks.

use super::*;

pub fn cases(k: &mut Catalogue, rec: &Path) {
    let rec = rec.to_path_buf();
    // ---------------------------------------------------------------- outputs
    {
        let (p, out) = (rec.clone(), k.path("no-such-dir/out.bin"));
        k.add("nb_reader_apply", "disk output in a missing directory", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/no-such-dir/out.bin", "directory"], move || {
            apply_disk(&p, &out, |_| ())
        });
    }
    {
        let p = rec.clone();
        k.add("nb_reader_apply", "disk output equal to the input", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/rec.bin", "input"], move || {
            let before = std::fs::read(&p).unwrap();
            let st = apply_disk(&p, &p.clone(), |_| ());
            assert_eq!(std::fs::read(&p).unwrap(), before, "input modified");
            st
        });
    }
    {
        let (p, out) = (rec.clone(), k.path("rec.dat"));
        k.add("nb_reader_apply", "disk output sharing the input's sidecar (rec.dat)", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/rec.dat", "sidecar"], move || {
            apply_disk(&p, &out, |_| ())
        });
    }
    {
        let (p, out) = (rec.clone(), k.path("out.yaml"));
        k.add("nb_reader_apply", "disk output named out.yaml", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/out.yaml", ".yaml"], move || apply_disk(&p, &out, |_| ()));
    }
    {
        let (p, out) = (rec.clone(), k.path("a-directory.bin"));
        k.add("nb_reader_apply", "disk output that is a directory", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/a-directory.bin", "directory"], move || {
            apply_disk(&p, &out, |_| ())
        });
    }
    {
        let p = rec.clone();
        k.add(
            "nb_reader_apply",
            &format!("disk output {} (not a regular file)", DEVICES.1),
            NB_STATUS_BAD_OUTPUT_PATH,
            &[DEVICES.1, "regular file"],
            move || apply_disk(&p, Path::new(DEVICES.1), |_| ()),
        );
    }
    {
        let (p, out) = (rec.clone(), k.path("exists.bin"));
        std::fs::write(&out, b"keep me").unwrap();
        k.add("nb_reader_apply", "existing output with if_file_exists = abort", NB_STATUS_FILE_EXISTS, &["$DIR/exists.bin", "abort"], move || {
            let st = apply_disk(&p, &out, |a| a.if_file_exists = NB_IF_FILE_EXISTS_ABORT);
            assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
            st
        });
    }
    {
        let p = rec.clone();
        k.add("nb_reader_apply", "disk mode, output_path NULL", NB_STATUS_NULL_ARGUMENT, &["output_path"], move || {
            let r = reader(&p);
            let mut a = apply_opts();
            a.mode = NB_APPLY_MODE_DISK;
            let st = unsafe { nb_reader_apply(r, null(), &a, Some(copy_batch), null_mut(), &mut null_mut(), null_mut()) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    let apply_cases: Vec<(&str, fn(&mut nb_apply_options), nb_status, Vec<&str>)> = vec![
        ("mode value 3", |a| a.mode = 3, NB_STATUS_INVALID_ARGUMENT, vec!["mode", "3"]),
        ("if_file_exists value 9", |a| a.if_file_exists = 9, NB_STATUS_INVALID_ARGUMENT, vec!["if_file_exists", "9"]),
        ("cast_dtype value 77", |a| a.cast_dtype = 77, NB_STATUS_BAD_DTYPE, vec!["77"]),
        (
            "pass_batch_results with n_threads 2",
            |a| {
                a.pass_batch_results = true;
                a.n_threads = 2;
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["pass_batch_results", "n_threads"],
        ),
        ("nb_apply_options.version 4", |a| a.version = 4, NB_STATUS_BAD_VERSION, vec!["version 4"]),
        (
            "shard_index 4 of shard_count 4",
            |a| {
                a.shard_index = 4;
                a.shard_count = 4;
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["shard 4 of 4", "shard_index < shard_count"],
        ),
        ("shard_index 1 with shard_count 0", |a| a.shard_index = 1, NB_STATUS_INVALID_ARGUMENT, vec!["shard 1 of 0"]),
        (
            "shard_output value 5",
            |a| {
                a.shard_count = 2;
                a.shard_output = 5;
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["shard_output = 5"],
        ),
        (
            "pass_batch_results with shard_count 3",
            |a| {
                a.pass_batch_results = true;
                a.shard_count = 3;
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["pass_batch_results", "shard_count must be 1, got 3"],
        ),
    ];
    for (what, tweak, expect, names) in apply_cases {
        let p = rec.clone();
        k.add("nb_reader_apply", what, expect, &names, move || {
            let r = reader(&p);
            let mut a = apply_opts();
            tweak(&mut a);
            let st = unsafe { nb_reader_apply(r, null(), &a, Some(copy_batch), null_mut(), &mut null_mut(), null_mut()) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    {
        let p = rec.clone();
        k.add(
            "nb_reader_apply",
            "fn NULL (a convert) with pass_batch_results",
            NB_STATUS_INVALID_ARGUMENT,
            &["pass_batch_results", "no function"],
            move || {
                let r = reader(&p);
                let mut a = std::mem::MaybeUninit::<nb_apply_options>::uninit();
                unsafe { nb_apply_options_init(a.as_mut_ptr(), NB_APPLY_OPTIONS_VERSION) };
                let mut a = unsafe { a.assume_init() };
                a.pass_batch_results = true;
                let st = unsafe { nb_reader_apply(r, null(), &a, None, null_mut(), &mut null_mut(), null_mut()) };
                unsafe { nb_reader_free(r) };
                st
            },
        );
    }

    // -------------------------------------------------- results inside callbacks
    let in_cb: Vec<(&str, fn(*mut nb_result_slot, &nb_batch) -> nb_status, nb_status, Vec<&str>)> = vec![
        (
            "nb_result_slot_set: dtype value 0 (unset)",
            |o, b| unsafe { nb_result_slot_set(o, 0, 1, 1, 0, b.data) },
            NB_STATUS_BAD_DTYPE,
            vec!["NB_DTYPE_UNSET (0)"],
        ),
        (
            "nb_result_slot_set: n_rows × n_cols overflows",
            |o, b| unsafe { nb_result_slot_set(o, NB_DTYPE_INT16, usize::MAX, 3, 0, b.data) },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["18446744073709551615"],
        ),
        (
            "nb_result_slot_set: data NULL for 4 values",
            |o, _| unsafe { nb_result_slot_set(o, NB_DTYPE_INT16, 2, 2, 0, null()) },
            NB_STATUS_NULL_ARGUMENT,
            vec!["data"],
        ),
        (
            "nb_result_slot_set: layout value 2",
            |o, b| unsafe { nb_result_slot_set(o, NB_DTYPE_INT16, 1, 1, 2, b.data) },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["layout", "2"],
        ),
        (
            "nb_result_slot_lend: out_data NULL",
            |o, _| unsafe { nb_result_slot_lend(o, NB_DTYPE_INT16, 1, 1, null_mut()) },
            NB_STATUS_NULL_ARGUMENT,
            vec!["out_data"],
        ),
    ];
    for (what, f, expect, names) in in_cb {
        let p = rec.clone();
        let entry = if what.starts_with("nb_result_slot_set") { "nb_result_slot_set" } else { "nb_result_slot_lend" };
        k.add(entry, what.split_once(": ").unwrap().1, expect, &names, move || inside_callback(&p, f));
    }
    k.add("nb_result_slot_set", "out NULL", NB_STATUS_NULL_ARGUMENT, &["out"], || unsafe {
        nb_result_slot_set(null_mut(), NB_DTYPE_INT16, 1, 1, 0, [0i16].as_ptr().cast())
    });
    k.add("nb_dtype_cast", "from dtype value 42", NB_STATUS_BAD_DTYPE, &["42"], || {
        let (src, mut dst) = ([0u8; 8], [0u8; 8]);
        unsafe { nb_dtype_cast(42, src.as_ptr().cast(), NB_DTYPE_INT16, dst.as_mut_ptr().cast(), 1) }
    });
    k.add("nb_dtype_cast", "n_values 2^62 of int64 (overflows)", NB_STATUS_INVALID_ARGUMENT, &["4611686018427387904"], || {
        let (src, mut dst) = ([0u8; 8], [0u8; 8]);
        unsafe { nb_dtype_cast(NB_DTYPE_INT64, src.as_ptr().cast(), NB_DTYPE_INT64, dst.as_mut_ptr().cast(), 1 << 62) }
    });
    {
        let p = rec.clone();
        k.add("nb_result_list_get", "index 3 of 1", NB_STATUS_INVALID_ARGUMENT, &["index 3", "1 results"], move || {
            let r = reader(&p);
            let mut res = null_mut();
            assert_eq!(unsafe { nb_reader_apply(r, null(), null(), Some(copy_batch), null_mut(), &mut res, null_mut()) }, NB_STATUS_OK);
            let mut v = null();
            let st = unsafe { nb_result_list_get(res, 3, &mut v) };
            unsafe {
                nb_result_list_free(res);
                nb_reader_free(r);
            }
            st
        });
    }
    k.add("nb_sidecar_path", "buf of 4 bytes", NB_STATUS_BUFFER_TOO_SMALL, &["needs 11 bytes", "has 4"], || {
        let mut buf = [0i8; 4];
        let mut len = 0;
        unsafe { nb_sidecar_path(s("a/rec.bin").as_ptr(), buf.as_mut_ptr(), 4, &mut len) }
    });
}
