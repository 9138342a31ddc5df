//! Opening a recording: handles, paths, dtype/order/memory names, sidecars.

use super::*;

pub fn cases(k: &mut Catalogue, rec: &Path) {
    let rec = rec.to_path_buf();
    // ---------------------------------------------------------------- handles
    {
        let p = rec.clone();
        k.add("nb_cursor_new", "reader NULL", NB_STATUS_NULL_ARGUMENT, &["reader"], move || {
            let mut cur = null_mut();
            let _ = &p;
            unsafe { nb_cursor_new(null(), null(), &mut cur) }
        });
    }
    {
        let p = rec.clone();
        k.add("nb_cursor_new", "an nb_cursor passed as the reader", NB_STATUS_BAD_HANDLE, &["reader", "not an nb_reader"], move || {
            let r = reader(&p);
            let mut cur = null_mut();
            assert_eq!(unsafe { nb_cursor_new(r, null(), &mut cur) }, NB_STATUS_OK);
            let mut other = null_mut();
            let st = unsafe { nb_cursor_new(cur.cast::<nb_reader>(), null(), &mut other) };
            assert!(other.is_null());
            unsafe {
                nb_cursor_free(cur);
                nb_reader_free(r);
            }
            st
        });
    }
    {
        let p = rec.clone();
        k.add("nb_cursor_next", "an nb_reader passed as the cursor", NB_STATUS_BAD_HANDLE, &["cursor", "not an nb_cursor"], move || {
            let r = reader(&p);
            let mut b = null();
            let st = unsafe { nb_cursor_next(r.cast::<nb_cursor>(), &mut b) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    k.add("nb_reader_read", "a pointer to zeroed memory as the reader", NB_STATUS_BAD_HANDLE, &["reader", "not a live nb_reader"], || {
        let fake = [0u64; 16];
        let mut out = [0u8; 8];
        unsafe { nb_reader_read(fake.as_ptr().cast(), 0, 1, null(), 0, 0, NB_LAYOUT_SAMPLE_MAJOR, out.as_mut_ptr().cast(), 8, null_mut()) }
    });
    {
        let p = rec.clone();
        k.add("nb_result_list_get", "an nb_reader passed as the results", NB_STATUS_BAD_HANDLE, &["results", "not an nb_result_list"], move || {
            let r = reader(&p);
            let mut v = null();
            let st = unsafe { nb_result_list_get(r.cast::<nb_result_list>(), 0, &mut v) };
            unsafe { nb_reader_free(r) };
            st
        });
    }
    {
        let out = k.path("w_wrong.bin");
        let p = rec.clone();
        k.add("nb_writer_append", "an nb_reader passed as the writer", NB_STATUS_BAD_HANDLE, &["writer", "not an nb_writer"], move || {
            let r = reader(&p);
            let data = [0i16; 4];
            let st = unsafe { nb_writer_append(r.cast::<nb_writer>(), NB_DTYPE_INT16, 1, 4, NB_LAYOUT_SAMPLE_MAJOR, data.as_ptr().cast()) };
            unsafe { nb_reader_free(r) };
            assert!(!out.exists());
            st
        });
    }
    k.add("nb_cursor_next", "out_batch NULL", NB_STATUS_NULL_ARGUMENT, &["out_batch"], {
        let p = rec.clone();
        move || {
            let r = reader(&p);
            let mut cur = null_mut();
            assert_eq!(unsafe { nb_cursor_new(r, null(), &mut cur) }, NB_STATUS_OK);
            let st = unsafe { nb_cursor_next(cur, null_mut()) };
            unsafe {
                nb_cursor_free(cur);
                nb_reader_free(r);
            }
            st
        }
    });

    // ------------------------------------------------------------------ paths
    let o16 = || open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
    {
        let p = k.path("does-not-exist.bin");
        k.add("nb_reader_open", "a path that does not exist", NB_STATUS_IO, &["$DIR/does-not-exist.bin", OS_NO_SUCH_FILE], move || open(&p, Some(&o16())));
    }
    {
        let p = k.path("a-directory.bin");
        std::fs::create_dir(&p).unwrap();
        k.add("nb_reader_open", "a directory", NB_STATUS_INVALID_ARGUMENT, &["$DIR/a-directory.bin", "is a directory", "regular"], move || {
            open(&p, Some(&o16()))
        });
    }
    k.add("nb_reader_open", &format!("a character device ({})", DEVICES.0), NB_STATUS_INVALID_ARGUMENT, &[DEVICES.0, "not a regular file"], move || {
        open(Path::new(DEVICES.0), Some(&o16()))
    });
    {
        let p = rec.join("x.bin");
        k.add("nb_reader_open", "a path through a file (rec.bin/x.bin)", NB_STATUS_IO, &[&os_path("rec.bin/x.bin"), OS_NOT_A_DIRECTORY], move || {
            open(&p, Some(&o16()))
        });
    }
    k.add("nb_reader_open", "path NULL", NB_STATUS_NULL_ARGUMENT, &["path"], move || {
        let mut r = null_mut();
        unsafe { nb_reader_open(null(), &o16(), &mut r) }
    });
    {
        let p = k.path("odd.bin");
        std::fs::write(&p, vec![0u8; 8 * 3 + 5]).unwrap();
        k.add("nb_reader_open", "file of 29 bytes, 4 × int16 per observation", NB_STATUS_BAD_FILE_SIZE, &["29 bytes", "4 × 2", "remainder 5"], move || {
            open(&p, Some(&o16()))
        });
    }
    {
        let p = rec.clone();
        let o = open_opts(NB_DTYPE_INT64, usize::MAX, NB_DATA_ORDER_SAMPLES);
        k.add("nb_reader_open", "n_channels = SIZE_MAX", NB_STATUS_BAD_CHANNEL, &["18446744073709551615", "2^24"], move || open(&p, Some(&o)));
    }
    {
        let p = k.path("empty.bin");
        std::fs::write(&p, b"").unwrap();
        let o = open_opts(NB_DTYPE_INT8, 1 << 40, NB_DATA_ORDER_SAMPLES);
        k.add("nb_reader_open", "n_channels = 2^40 for an empty file", NB_STATUS_BAD_CHANNEL, &["1099511627776", "2^24"], move || open(&p, Some(&o)));
    }
    {
        let out = k.path("wide-writer.bin");
        k.add("nb_writer_open", "channels order, n_channels = 2^40", NB_STATUS_BAD_CHANNEL, &["1099511627776", "2^24"], move || {
            let mut w = null_mut();
            let st = unsafe { nb_writer_open(c(&out).as_ptr(), NB_DATA_ORDER_CHANNELS, 1 << 40, NB_DTYPE_INT16, &mut w) };
            unsafe { nb_writer_free(w) };
            st
        });
    }
    {
        let p = rec.clone();
        let o = open_opts(NB_DTYPE_INT16, 1_000_007, NB_DATA_ORDER_SAMPLES);
        k.add("nb_reader_open", "n_channels = 1000007 for an 800-byte file", NB_STATUS_BAD_FILE_SIZE, &["800 bytes", "1000007"], move || open(&p, Some(&o)));
    }
    {
        let p = rec.clone();
        let o = open_opts(99, N_CH, NB_DATA_ORDER_SAMPLES);
        k.add("nb_reader_open", "dtype value 99", NB_STATUS_BAD_DTYPE, &["99"], move || open(&p, Some(&o)));
    }
    {
        let p = rec.clone();
        let o = open_opts(NB_DTYPE_INT16, N_CH, 7);
        k.add("nb_reader_open", "data_order value 7", NB_STATUS_BAD_DATA_ORDER, &["7"], move || open(&p, Some(&o)));
    }
    {
        let p = rec.clone();
        let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
        o.loader = 5;
        k.add("nb_reader_open", "loader value 5", NB_STATUS_INVALID_ARGUMENT, &["loader", "5"], move || open(&p, Some(&o)));
    }
    {
        let p = rec.clone();
        let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
        o.version = 99;
        k.add("nb_reader_open", "nb_open_options.version 99", NB_STATUS_BAD_VERSION, &["99"], move || open(&p, Some(&o)));
    }
    k.add("nb_open_options_init", "version 0", NB_STATUS_BAD_VERSION, &["0"], || {
        let mut o = std::mem::MaybeUninit::<nb_open_options>::uninit();
        unsafe { nb_open_options_init(o.as_mut_ptr(), 0) }
    });
    k.add("nb_batch_options_init", "version 5", NB_STATUS_BAD_VERSION, &["version 5"], || {
        let mut o = std::mem::MaybeUninit::<nb_batch_options>::uninit();
        unsafe { nb_batch_options_init(o.as_mut_ptr(), 5) }
    });
    k.add("nb_apply_options_init", "version 1000", NB_STATUS_BAD_VERSION, &["1000"], || {
        let mut o = std::mem::MaybeUninit::<nb_apply_options>::uninit();
        unsafe { nb_apply_options_init(o.as_mut_ptr(), 1000) }
    });
    k.add("nb_pipeline_step_init", "version 7", NB_STATUS_BAD_VERSION, &["7"], || {
        let mut o = std::mem::MaybeUninit::<nb_pipeline_step>::uninit();
        unsafe { nb_pipeline_step_init(o.as_mut_ptr(), 7) }
    });
    k.add("nb_pipeline_options_init", "version 3", NB_STATUS_BAD_VERSION, &["3"], || {
        let mut o = std::mem::MaybeUninit::<nb_pipeline_options>::uninit();
        unsafe { nb_pipeline_options_init(o.as_mut_ptr(), 3) }
    });

    // ------------------------------------------------------- names and strings
    for (name, expect) in [("int17", NB_STATUS_BAD_DTYPE), ("INT16", NB_STATUS_BAD_DTYPE), ("", NB_STATUS_BAD_DTYPE), ("float16", NB_STATUS_BAD_DTYPE)] {
        k.add("nb_dtype_from_name", &format!("{name:?}"), expect, &[&format!("'{name}'"), "expected one of"], move || unsafe {
            nb_dtype_from_name(s(name).as_ptr(), &mut 0)
        });
    }
    for name in ["sideways", "Samples", ""] {
        k.add("nb_data_order_from_name", &format!("{name:?}"), NB_STATUS_BAD_DATA_ORDER, &[&format!("'{name}'"), "'samples'"], move || unsafe {
            nb_data_order_from_name(s(name).as_ptr(), &mut 0)
        });
    }
    k.add("nb_if_file_exists_from_name", "\"replace\"", NB_STATUS_INVALID_ARGUMENT, &["'replace'", "overwrite"], || unsafe {
        nb_if_file_exists_from_name(s("replace").as_ptr(), &mut 0)
    });
    k.add("nb_pipeline_mode_from_name", "\"all_channels\"", NB_STATUS_INVALID_ARGUMENT, &["'all_channels'", "multi_channel"], || unsafe {
        nb_pipeline_mode_from_name(s("all_channels").as_ptr(), &mut 0)
    });
    for text in ["", "1.5GB", "-1", "+5", "10XB", "GB", " 1GB", "1GB ", "1 GB", "1gb", "1TB", "0x10", "١٢", "99999999999999999999", "17179869184GB"] {
        k.add("nb_max_memory_parse", &format!("{text:?}"), NB_STATUS_BAD_MEMORY, &[&format!("'{text}'"), "e.g. '300MB'"], move || {
            let mut v = 12345;
            let st = unsafe { nb_max_memory_parse(s(text).as_ptr(), &mut v) };
            assert_eq!(v, 12345, "output written on failure");
            st
        });
    }
    k.add("nb_max_memory_parse", "text NULL", NB_STATUS_NULL_ARGUMENT, &["text"], || unsafe { nb_max_memory_parse(null(), &mut 0) });
    k.add("nb_dtype_from_name", "non-UTF-8 bytes", NB_STATUS_BAD_DTYPE, &["\u{FFFD}"], || unsafe { nb_dtype_from_name(c"int\xff16".as_ptr(), &mut 0) });

    // --------------------------------------------------------------- sidecars
    let sidecars: Vec<(&str, &str, Vec<u8>, nb_status, Vec<&str>)> = vec![
        ("missing sidecar", "nosidecar", vec![], NB_STATUS_SIDECAR_MISSING, vec!["$DIR/nosidecar.yaml", "does not exist"]),
        ("empty sidecar", "empty", b"".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["$DIR/empty.yaml"]),
        ("only dtype", "onlydtype", b"dtype: int16\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["missing n_channels, data_order"]),
        ("dtype of the wrong type (16)", "dtypeint", b"dtype: 16\nn_channels: 4\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["16"]),
        ("unknown dtype", "int17", b"dtype: int17\nn_channels: 4\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["'int17'"]),
        ("n_channels a string", "chstr", b"dtype: int16\nn_channels: ten\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["ten"]),
        ("n_channels negative", "chneg", b"dtype: int16\nn_channels: -3\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["-3"]),
        ("n_channels fractional", "chfrac", b"dtype: int16\nn_channels: 1.5\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["1.5"]),
        ("n_channels 0", "chzero", b"dtype: int16\nn_channels: 0\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["at least 1, got 0"]),
        ("n_channels 2^25", "chbig", b"dtype: int16\nn_channels: 33554432\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["33554432", "2^24"]),
        ("n_channels 10^23", "chhuge", b"dtype: int16\nn_channels: 99999999999999999999999\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["n_channels"]),
        ("unknown data_order", "order", b"dtype: int16\nn_channels: 4\ndata_order: diagonal\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["'diagonal'"]),
        ("a list, not a mapping", "list", b"- int16\n- 4\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["not a YAML mapping"]),
        ("duplicate key", "dup", b"dtype: int16\ndtype: int32\nn_channels: 4\ndata_order: samples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["dtype"]),
        ("not YAML", "garbage", b"dtype: [int16\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["$DIR/garbage.yaml"]),
        ("non-UTF-8 bytes", "latin1", b"dtype: int16\nn_channels: 4\ndata_order: s\xe9mples\n".to_vec(), NB_STATUS_SIDECAR_INVALID, vec!["not UTF-8", "offset 40"]),
        ("30 000 nested lists under an unknown key", "deep", format!("x: {}{}\ndtype: int16\n", "[".repeat(30_000), "]".repeat(30_000)).into_bytes(), NB_STATUS_SIDECAR_INVALID, vec!["missing n_channels, data_order"]),
        (
            "alias bomb (billion laughs)",
            "laughs",
            b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\ndtype: [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\nn_channels: 4\ndata_order: samples\n".to_vec(),
            NB_STATUS_SIDECAR_INVALID,
            vec!["dtype: invalid type: sequence"],
        ),
        ("a 1 MiB sidecar", "big", format!("# {}\ndtype: int16\n", "x".repeat(1 << 20)).into_bytes(), NB_STATUS_SIDECAR_INVALID, vec!["larger than 65536 bytes"]),
    ];
    for (what, stem, text, expect, names) in sidecars {
        let data = k.path(&format!("{stem}.bin"));
        std::fs::write(&data, vec![0u8; 16]).unwrap();
        if stem != "nosidecar" {
            std::fs::write(k.path(&format!("{stem}.yaml")), &text).unwrap();
        }
        k.add("nb_reader_open", &format!("sidecar: {what}"), expect, &names, move || open(&data, None));
    }
    {
        let data = k.path("yamldir.bin");
        std::fs::write(&data, vec![0u8; 16]).unwrap();
        std::fs::create_dir(k.path("yamldir.yaml")).unwrap();
        k.add("nb_reader_open", "sidecar: a directory", NB_STATUS_SIDECAR_INVALID, &["$DIR/yamldir.yaml", "is a directory"], move || open(&data, None));
    }
}

pub fn session_cases(k: &mut Catalogue, rec: &Path) {
    let rec = rec.to_path_buf();
    // -------------------------------------------------- sessions and following
    {
        let p = rec.clone();
        k.add("nb_reader_open_files", "n_paths 0", NB_STATUS_INVALID_ARGUMENT, &["at least one file, got none"], move || {
            let _ = &p;
            let mut r = null_mut();
            let paths: [*const std::ffi::c_char; 0] = [];
            unsafe { nb_reader_open_files(paths.as_ptr(), 0, null(), &mut r) }
        });
        let (a, b) = (rec.clone(), k.path("twochan.bin"));
        std::fs::write(&b, vec![0u8; 40]).unwrap();
        std::fs::write(k.path("twochan.yaml"), "dtype: int16\nn_channels: 2\ndata_order: samples\n").unwrap();
        k.add(
            "nb_reader_open_files",
            "files of 4 and 2 channels",
            NB_STATUS_INVALID_ARGUMENT,
            &["$DIR/twochan.bin", "$DIR/rec.bin", "int16 / 2 / samples"],
            move || {
                let (ca, cb) = (c(&a), c(&b));
                let paths = [ca.as_ptr(), cb.as_ptr()];
                let mut r = null_mut();
                let st = unsafe { nb_reader_open_files(paths.as_ptr(), 2, null(), &mut r) };
                unsafe { nb_reader_free(r) };
                st
            },
        );
        let p = rec.clone();
        k.add("nb_reader_refresh", "a reader not opened with follow", NB_STATUS_INVALID_ARGUMENT, &["$DIR/rec.bin", "not opened with follow"], move || {
            let r = reader(&p);
            let st = unsafe { nb_reader_refresh(r, null_mut()) };
            unsafe { nb_reader_free(r) };
            st
        });
        let p = rec.clone();
        k.add(
            "nb_cursor_new",
            "follow on a reader not opened with follow",
            NB_STATUS_INVALID_ARGUMENT,
            &["$DIR/rec.bin", "was not opened with follow"],
            move || {
                let mut b = batch_opts();
                b.follow = true;
                cursor_with(&p, b)
            },
        );
    }
}
