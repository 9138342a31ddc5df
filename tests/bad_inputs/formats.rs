//! SpikeGLX `.meta` and Open Ephys `structure.oebin` files that break their formats.

use super::*;

pub fn cases(k: &mut Catalogue, rec: &Path) {
    let rec = rec.to_path_buf();
    // ------------------------------------------------------ recording metadata
    // An NP 1.0 .ap.meta as SpikeGLX writes it: acquired AP 384, LF 384, SY 1;
    // the .ap.bin saves acquired channels 0..383 and 768.
    let np1_meta = |subs: &[(&str, &str)]| {
        let mut imro = String::from("(0,384)");
        for c in 0..384 {
            imro += &format!("({c} 0 0 500 250 1)");
        }
        let mut t = format!(
            "acqApLfSy=384,384,1\nimAiRangeMax=0.6\nimChan0apGain=500\nimDatPrb_type=0\nimMaxInt=512\nimSampRate=30000\nnSavedChans=385\n\
             snsApLfSy=384,0,1\nsnsSaveChanSubset=0:383,768\ntypeThis=imec\n~imroTbl={imro}\n"
        );
        for (a, b) in subs {
            t = t.replace(a, b);
        }
        t
    };
    let meta_cases: Vec<(&str, &str, String, nb_status, Vec<&str>)> = vec![
        (
            "SpikeGLX .meta without nSavedChans",
            "m1",
            np1_meta(&[("nSavedChans=385\n", "")]),
            NB_STATUS_METADATA_INVALID,
            vec!["$DIR/m1.ap.meta", "nSavedChans is missing"],
        ),
        (
            "SpikeGLX .meta with imSampRate=fast",
            "m2",
            np1_meta(&[("imSampRate=30000", "imSampRate=fast")]),
            NB_STATUS_METADATA_INVALID,
            vec!["imSampRate=fast is not a number"],
        ),
        (
            "SpikeGLX .meta whose ~imroTbl lacks channels",
            "m3",
            np1_meta(&[("(3 0 0 500 250 1)", "")]),
            NB_STATUS_METADATA_INVALID,
            vec!["~imroTbl has 383 entries, channel 383 has none"],
        ),
        ("SpikeGLX .meta with a gain of 0", "m4", np1_meta(&[("(2 0 0 500 250 1)", "(2 0 0 0 250 1)")]), NB_STATUS_METADATA_INVALID, vec!["gain of 0"]),
        (
            "SpikeGLX .meta: nSavedChans disagrees with snsSaveChanSubset",
            "m5",
            np1_meta(&[("nSavedChans=385", "nSavedChans=384")]),
            NB_STATUS_METADATA_INVALID,
            vec!["nSavedChans=384", "snsSaveChanSubset=0:383,768 lists 385 channels"],
        ),
        (
            "SpikeGLX imec .meta without imSampRate",
            "m6",
            np1_meta(&[("imSampRate=30000\n", "")]),
            NB_STATUS_METADATA_INVALID,
            vec!["the key imSampRate is missing"],
        ),
        (
            "SpikeGLX .meta: snsSaveChanSubset beyond the acquired channels",
            "m7",
            np1_meta(&[("0:383,768", "0:383,769")]),
            NB_STATUS_METADATA_INVALID,
            vec!["snsSaveChanSubset=0:383,769", "769 is outside the 769 acquired channels (acqApLfSy=384,384,1)"],
        ),
        (
            "SpikeGLX .meta: a subset without acqApLfSy",
            "m8",
            np1_meta(&[("acqApLfSy=384,384,1\n", "")]),
            NB_STATUS_METADATA_INVALID,
            vec!["acqApLfSy is missing"],
        ),
        (
            "SpikeGLX .meta with imDatPrb_type=NP1000",
            "m9",
            np1_meta(&[("imDatPrb_type=0", "imDatPrb_type=NP1000")]),
            NB_STATUS_METADATA_INVALID,
            vec!["imDatPrb_type=NP1000 is not a probe type number"],
        ),
    ];
    std::fs::write(k.path("m0.ap.bin"), vec![0u8; 10 * 385 * 2]).unwrap();
    std::fs::write(k.path("m0.ap.meta"), np1_meta(&[])).unwrap();
    for (what, stem, text, expect, names) in meta_cases {
        let bin = k.path(&format!("{stem}.ap.bin"));
        std::fs::write(&bin, vec![0u8; 10 * 385 * 2]).unwrap();
        std::fs::write(k.path(&format!("{stem}.ap.meta")), text).unwrap();
        k.add("nb_reader_open", what, expect, &names, move || open(&bin, None));
    }
    {
        // A probe type with no documented gain and no imChan0apGain: the
        // recording opens (counts are readable), its scales are unknown.
        let bin = k.path("m10.ap.bin");
        std::fs::write(&bin, vec![0u8; 10 * 385 * 2]).unwrap();
        let mut imro = String::from("(3010,384)");
        for c in 0..384 {
            imro += &format!("({c} 0 0)");
        }
        std::fs::write(
            k.path("m10.ap.meta"),
            format!("acqApLfSy=384,0,1\nimAiRangeMax=0.67\nimDatPrb_type=3010\nimMaxInt=2048\nimSampRate=30000\nnSavedChans=385\nsnsApLfSy=384,0,1\nsnsSaveChanSubset=0:384\ntypeThis=imec\n~imroTbl={imro}\n"),
        )
        .unwrap();
        k.add(
            "nb_reader_scales_uv",
            "SpikeGLX probe type 3010 without imChan0apGain",
            NB_STATUS_NO_METADATA,
            &["$DIR/m10.ap.meta", "imDatPrb_type=3010", "imChan0apGain=<gain>"],
            move || {
                let r = reader(&bin);
                let mut out = [0.0; 385];
                let st = unsafe { nb_reader_scales_uv(r, out.as_mut_ptr(), 385) };
                unsafe { nb_reader_free(r) };
                st
            },
        );
    }
    {
        let root = k.path("oe");
        std::fs::create_dir_all(root.join("continuous/Acquisition_Board-100.Rhythm Data")).unwrap();
        std::fs::write(root.join("continuous/Acquisition_Board-100.Rhythm Data/continuous.dat"), vec![0u8; 8]).unwrap();
        std::fs::write(
            root.join("structure.oebin"),
            r#"{"GUI version": "0.6.7", "continuous": [{"folder_name": "Acquisition_Board-100.Rhythm Data/", "sample_rate": 30000.0, "stream_name": "Rhythm Data", "num_channels": 2, "channels": [{"channel_name": "CH1", "bit_volts": 0.195, "units": "uV"}, {"channel_name": "CH2", "bit_volts": 0.195, "units": "furlongs"}]}]}"#,
        )
        .unwrap();
        let oebin = root.join("structure.oebin");
        k.add(
            "nb_reader_scales_uv",
            "structure.oebin: a channel in units 'furlongs'",
            NB_STATUS_NO_METADATA,
            &["$DIR/oe/structure.oebin", "channel 1 (CH2)", "units 'furlongs', not a voltage"],
            move || {
                let r = reader(&oebin);
                let mut out = [0.0; 2];
                let st = unsafe { nb_reader_scales_uv(r, out.as_mut_ptr(), 2) };
                unsafe { nb_reader_free(r) };
                st
            },
        );
        let oebin = root.join("structure.oebin");
        k.add(
            "nb_reader_open",
            "structure.oebin: stream_index 3 of 1",
            NB_STATUS_METADATA_INVALID,
            &["stream 3 does not exist", "Acquisition_Board-100.Rhythm Data"],
            move || {
                let mut o = open_opts(NB_DTYPE_UNSET, 0, NB_DATA_ORDER_UNSET);
                o.stream_index = 3;
                open(&oebin, Some(&o))
            },
        );
        let oebin = root.join("structure.oebin");
        k.add(
            "nb_reader_open",
            "structure.oebin: stream_name \"Neuropix-PXI\"",
            NB_STATUS_METADATA_INVALID,
            &["no continuous stream is named 'Neuropix-PXI'"],
            move || {
                let name = s("Neuropix-PXI");
                let mut o = open_opts(NB_DTYPE_UNSET, 0, NB_DATA_ORDER_UNSET);
                o.stream_name = name.as_ptr();
                open(&oebin, Some(&o))
            },
        );
        let broken = k.path("broken.oebin");
        std::fs::write(&broken, "{\"continuous\": [").unwrap();
        k.add(
            "nb_reader_open",
            "a .oebin that is not JSON",
            NB_STATUS_METADATA_INVALID,
            &["$DIR/broken.oebin", "not the JSON of a structure.oebin"],
            move || open(&broken, None),
        );
        let p = rec.clone();
        k.add("nb_reader_open", "stream_index -3", NB_STATUS_INVALID_ARGUMENT, &["stream_index = -3"], move || {
            let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
            o.stream_index = -3;
            open(&p, Some(&o))
        });
        let p = rec.clone();
        k.add("nb_reader_open", "a stream chosen for a raw file", NB_STATUS_INVALID_ARGUMENT, &["not an Open Ephys recording"], move || {
            let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
            o.stream_index = 0;
            open(&p, Some(&o))
        });
    }
    {
        let p = rec.clone();
        k.add("nb_reader_open", "sampling_rate -5", NB_STATUS_INVALID_ARGUMENT, &["sampling_rate -5"], move || {
            let mut o = open_opts(NB_DTYPE_INT16, N_CH, NB_DATA_ORDER_SAMPLES);
            o.sampling_rate = -5.0;
            open(&p, Some(&o))
        });
        let p = rec.clone();
        k.add("nb_reader_sampling_rate", "a raw file without sampling_rate", NB_STATUS_NO_METADATA, &["$DIR/rec.bin", "sampling_rate"], move || {
            let r = reader(&p);
            let st = unsafe { nb_reader_sampling_rate(r, &mut 0.0) };
            unsafe { nb_reader_free(r) };
            st
        });
        let p = rec.clone();
        k.add("nb_reader_scales_uv", "a raw file", NB_STATUS_NO_METADATA, &["$DIR/rec.bin", "no scale to microvolts"], move || {
            let r = reader(&p);
            let mut out = [0.0; N_CH];
            let st = unsafe { nb_reader_scales_uv(r, out.as_mut_ptr(), N_CH) };
            unsafe { nb_reader_free(r) };
            st
        });
        let p = rec.clone();
        k.add("nb_reader_channel_kinds", "a raw file", NB_STATUS_NO_METADATA, &["$DIR/rec.bin", "channel kinds", "only SpikeGLX and Open Ephys"], move || {
            let r = reader(&p);
            let mut out = [0; N_CH];
            let st = unsafe { nb_reader_channel_kinds(r, out.as_mut_ptr(), N_CH) };
            unsafe { nb_reader_free(r) };
            st
        });
        let bin = k.path("m0.ap.bin");
        k.add("nb_reader_channel_kinds", "n 10 for 385 channels", NB_STATUS_BUFFER_TOO_SMALL, &["out holds 10 values", "385 channels"], move || {
            let r = reader(&bin);
            let mut out = [0; 10];
            let st = unsafe { nb_reader_channel_kinds(r, out.as_mut_ptr(), 10) };
            unsafe { nb_reader_free(r) };
            st
        });
        let p = rec.clone();
        k.add("nb_cursor_new", "microvolts for a raw file", NB_STATUS_NO_METADATA, &["microvolts", "$DIR/rec.bin"], move || {
            let mut b = batch_opts();
            b.microvolts = true;
            cursor_with(&p, b)
        });
    }
}
