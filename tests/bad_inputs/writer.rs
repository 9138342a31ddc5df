//! The standalone writer.

use super::*;

pub fn cases(k: &mut Catalogue, rec: &Path) {
    let rec = rec.to_path_buf();
    // ----------------------------------------------------------------- writer
    let writer_open_cases: Vec<(&str, &str, nb_data_order, usize, nb_dtype, nb_status, Vec<&str>)> = vec![
        (
            "channels order, n_channels 0",
            "w0.bin",
            NB_DATA_ORDER_CHANNELS,
            0,
            NB_DTYPE_INT16,
            NB_STATUS_INVALID_ARGUMENT,
            vec!["n_channels is 0", "at least 1"],
        ),
        ("dtype value 11", "w1.bin", NB_DATA_ORDER_SAMPLES, 2, 11, NB_STATUS_BAD_DTYPE, vec!["11"]),
        ("order value 0 (unset)", "w2.bin", 0, 2, NB_DTYPE_INT16, NB_STATUS_BAD_DATA_ORDER, vec!["NB_DATA_ORDER_UNSET (0)"]),
        ("output in a missing directory", "nodir/w.bin", NB_DATA_ORDER_SAMPLES, 2, NB_DTYPE_INT16, NB_STATUS_BAD_OUTPUT_PATH, vec!["$DIR/nodir/w.bin"]),
    ];
    for (what, name, order, n, dtype, expect, names) in writer_open_cases {
        let out = k.path(name);
        k.add("nb_writer_open", what, expect, &names, move || {
            let mut w = null_mut();
            let st = unsafe { nb_writer_open(c(&out).as_ptr(), order, n, dtype, &mut w) };
            unsafe { nb_writer_free(w) };
            assert!(!out.exists());
            st
        });
    }
    let writer_cases: Vec<(&str, &str, fn(*mut nb_writer) -> nb_status, nb_status, Vec<&str>)> = vec![
        (
            "nb_writer_append",
            "3 columns after a block of 2",
            |w| unsafe {
                assert_eq!(nb_writer_append(w, NB_DTYPE_INT16, 1, 2, 0, [0i16; 2].as_ptr().cast()), NB_STATUS_OK);
                nb_writer_append(w, NB_DTYPE_INT16, 1, 3, 0, [0i16; 3].as_ptr().cast())
            },
            NB_STATUS_RESULT_MISMATCH,
            vec!["3", "2"],
        ),
        (
            "nb_writer_append",
            "float32 rows after int16 rows",
            |w| unsafe {
                assert_eq!(nb_writer_append(w, NB_DTYPE_INT16, 1, 2, 0, [0i16; 2].as_ptr().cast()), NB_STATUS_OK);
                nb_writer_append(w, NB_DTYPE_FLOAT32, 1, 2, 0, [0f32; 2].as_ptr().cast())
            },
            NB_STATUS_RESULT_MISMATCH,
            vec!["float32", "int16"],
        ),
        (
            "nb_writer_append_channel",
            "to a samples-order writer",
            |w| unsafe { nb_writer_append_channel(w, 0, NB_DTYPE_INT16, 1, 1, 0, [0i16].as_ptr().cast()) },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["samples-order", "append"],
        ),
        (
            "nb_writer_finish",
            "a second finish",
            |w| unsafe {
                assert_eq!(nb_writer_finish(w, null_mut()), NB_STATUS_OK);
                nb_writer_finish(w, null_mut())
            },
            NB_STATUS_INVALID_ARGUMENT,
            vec!["already finished"],
        ),
    ];
    for (i, (entry, what, f, expect, names)) in writer_cases.into_iter().enumerate() {
        let out = k.path(&format!("writer{i}.bin"));
        k.add(entry, what, expect, &names, move || {
            let mut w = null_mut();
            assert_eq!(unsafe { nb_writer_open(c(&out).as_ptr(), NB_DATA_ORDER_SAMPLES, 2, NB_DTYPE_INT16, &mut w) }, NB_STATUS_OK);
            let st = f(w);
            unsafe { nb_writer_free(w) };
            st
        });
    }
    {
        let p = rec.clone();
        k.add("nb_writer_check_path", "output equal to the input", NB_STATUS_BAD_OUTPUT_PATH, &["$DIR/rec.bin"], move || {
            let cp = c(&p);
            unsafe { nb_writer_check_path(cp.as_ptr(), cp.as_ptr(), NB_IF_FILE_EXISTS_OVERWRITE, &mut false) }
        });
    }
}
