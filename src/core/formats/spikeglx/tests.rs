//! `.meta` files as SpikeGLX writes them, one per probe family and stream
//! type, with what the metadata guides say a reader must find: the channel
//! count, the kinds and the µV per count, computed here by hand.

use super::*;
use ChannelKind::*;

/// A `.meta` text: keys in SpikeGLX's order (alphabetical, `~` tables
/// last), `\n` or, as SpikeGLX on Windows writes them, `\r\n` line ends.
fn meta_text(pairs: &[(&str, String)], crlf: bool) -> String {
    let mut plain: Vec<&(&str, String)> = pairs.iter().filter(|(k, _)| !k.starts_with('~')).collect();
    plain.sort_by_key(|(k, _)| k.to_ascii_lowercase());
    let tables = pairs.iter().filter(|(k, _)| k.starts_with('~'));
    let eol = if crlf { "\r\n" } else { "\n" };
    plain.into_iter().chain(tables).map(|(k, v)| format!("{k}={v}{eol}")).collect()
}

fn values(pairs: &[(&str, String)]) -> SpikeGlxStream {
    spikeglx_values(&parse_meta(&meta_text(pairs, false))).unwrap()
}

fn error(pairs: &[(&str, String)]) -> String {
    spikeglx_values(&parse_meta(&meta_text(pairs, false))).unwrap_err()
}

fn known(s: &SpikeGlxStream) -> &[f64] {
    match &s.scales {
        Scales::Known(v) => v,
        Scales::Unknown(why) => panic!("scales unknown: {why}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs()
}

/// Runs of equal kinds: `[(NeuralAp, 384), (Digital, 1)]`.
fn runs(kinds: &[ChannelKind]) -> Vec<(ChannelKind, usize)> {
    let mut out: Vec<(ChannelKind, usize)> = Vec::new();
    for &k in kinds {
        match out.last_mut() {
            Some((last, n)) if *last == k => *n += 1,
            _ => out.push((k, 1)),
        }
    }
    out
}

/// NP 1.0-like table: `(type,384)(chan bank ref apgain lfgain hpfilt)...`,
/// `gains(chan)` giving (AP, LF).
fn np1_imro(ty: &str, gains: impl Fn(usize) -> (u32, u32)) -> String {
    let mut t = format!("({ty},384)");
    for c in 0..384 {
        let (ap, lf) = gains(c);
        t += &format!("({c} 0 0 {ap} {lf} 1)");
    }
    t
}

/// Keys every imec `.meta` carries, then `extra`.
fn imec(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let base = [
        ("appVersion", "20230815"),
        ("fileCreateTime", "2024-03-01T10:00:00"),
        ("fileName", "D:/SGL_DATA/run_g0/run_g0_imec0/run_g0_t0.imec0.ap.bin"),
        ("fileSizeBytes", "7700000"),
        ("fileTimeSecs", "10"),
        ("firstSample", "123456"),
        ("imAiRangeMax", "0.6"),
        ("imAiRangeMin", "-0.6"),
        ("imSampRate", "30000"),
        ("typeThis", "imec"),
    ];
    set(base.iter().map(|(k, v)| (*k, v.to_string())).collect(), extra)
}

/// `m` with the given keys set (added when absent).
fn set(mut m: Vec<(&'static str, String)>, kv: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    for (k, v) in kv {
        match m.iter_mut().find(|(mk, _)| mk == k) {
            Some(slot) => slot.1 = v.to_string(),
            None => m.push((k, v.to_string())),
        }
    }
    m
}

fn without(mut m: Vec<(&'static str, String)>, key: &str) -> Vec<(&'static str, String)> {
    m.retain(|(k, _)| *k != key);
    m
}

// ------------------------------------------------------------ NP 1.0 family

/// NP 1.0 (type 0), current metadata: acquired AP 384, LF 384, SY 1; the
/// `.ap.bin` saves acquired channels 0..383 and 768 (the SY word).
fn np1_ap(gains: impl Fn(usize) -> (u32, u32)) -> Vec<(&'static str, String)> {
    let (ap0, lf0) = (gains(0).0.to_string(), gains(0).1.to_string());
    imec(&[
        ("acqApLfSy", "384,384,1"),
        ("imChan0apGain", &ap0),
        ("imChan0lfGain", &lf0),
        ("imDatPrb_type", "0"),
        ("imMaxInt", "512"),
        ("nSavedChans", "385"),
        ("snsApLfSy", "384,0,1"),
        ("snsSaveChanSubset", "0:383,768"),
        ("~imroTbl", &np1_imro("0", gains)),
        ("~snsChanMap", "(384,384,1)(AP0;0:0)(SY0;768:768)"),
    ])
}

#[test]
fn np1_ap_file() {
    // Channel 7 at AP gain 1000, the others at 500 (a hand-edited imro file).
    let s = values(&np1_ap(|c| (if c == 7 { 1000 } else { 500 }, 250)));
    assert_eq!((s.n_channels, s.sampling_rate), (385, 30000.0));
    assert_eq!(runs(&s.kinds), [(NeuralAp, 384), (Digital, 1)]);
    let v = known(&s);
    // 0.6 V / 512 / 500 x 1e6 = 2.34375 uV; gain 1000: 1.171875; SY word: 1
    assert!(close(v[0], 2.34375) && close(v[383], 2.34375));
    assert!(close(v[7], 1.171875));
    assert_eq!(v[384], 1.0);
}

#[test]
fn np1_lf_file() {
    // The .lf.bin of the same run: acquired channels 384..767 (LF) and 768.
    let lf = [("snsApLfSy", "0,384,1"), ("snsSaveChanSubset", "384:768"), ("imSampRate", "2500")];
    let s = values(&set(np1_ap(|c| (500, if c == 3 { 50 } else { 250 })), &lf));
    assert_eq!((s.n_channels, s.sampling_rate), (385, 2500.0));
    assert_eq!(runs(&s.kinds), [(NeuralLf, 384), (Digital, 1)]);
    let v = known(&s);
    // LF gain 250: 0.6 / 512 / 250 x 1e6 = 4.6875 uV; channel 3 at LF gain 50: 23.4375
    assert!(close(v[0], 4.6875) && close(v[3], 23.4375) && close(v[383], 4.6875));
    assert_eq!(v[384], 1.0);
}

#[test]
fn np1_subset_save() {
    // Only AP channels 0..150 and the SY word saved (snsApLfSy=151,0,1).
    let s = values(&set(np1_ap(|_| (500, 250)), &[("nSavedChans", "152"), ("snsApLfSy", "151,0,1"), ("snsSaveChanSubset", "0:150,768")]));
    assert_eq!(s.n_channels, 152);
    assert_eq!(runs(&s.kinds), [(NeuralAp, 151), (Digital, 1)]);
    assert!(close(known(&s)[150], 2.34375) && known(&s)[151] == 1.0);
}

#[test]
fn np1_old_metadata_without_max_int_or_chan0_gains() {
    // Phase 3B2 metadata (2019): no imMaxInt (its guide: Imax = 512), no
    // imChan0apGain; an LF gain of 125 in every entry. CRLF line ends.
    let old = without(without(without(np1_ap(|_| (500, 125)), "imMaxInt"), "imChan0apGain"), "imChan0lfGain");
    let pairs = set(old, &[("appVersion", "20190327"), ("snsApLfSy", "0,384,1"), ("snsSaveChanSubset", "384:768"), ("imSampRate", "2500")]);
    let s = spikeglx_values(&parse_meta(&meta_text(&pairs, true))).unwrap();
    // 0.6 / 512 / 125 x 1e6 = 9.375 uV
    assert!(close(known(&s)[0], 9.375));
    assert_eq!(runs(&s.kinds), [(NeuralLf, 384), (Digital, 1)]);
}

#[test]
fn phase_3a() {
    // Metadata_3A: no imDatPrb_type but imProbeOpt; table header (serial,
    // option, channels), five-field entries (chan bank ref apgain lfgain).
    let mut imro = "(513180531,3,384)".to_string();
    for c in 0..384 {
        imro += &format!("({c} 0 0 {} 250)", if c == 0 { 2500 } else { 500 });
    }
    let pairs = set(
        Vec::new(),
        &[
            ("acqApLfSy", "384,384,1"),
            ("appVersion", "20180525"),
            ("imAiRangeMax", "0.6"),
            ("imAiRangeMin", "-0.6"),
            ("imProbeOpt", "3"),
            ("imProbeSN", "513180531"),
            ("imSampRate", "30000"),
            ("nSavedChans", "385"),
            ("snsApLfSy", "384,0,1"),
            ("snsSaveChanSubset", "0:383,768"),
            ("typeThis", "imec"),
            ("~imroTbl", &imro),
        ],
    );
    let s = values(&pairs);
    // Imax 512 (3A guide): 0.6 / 512 / 500 x 1e6 = 2.34375; channel 0 at 2500: 0.46875
    assert!(close(known(&s)[1], 2.34375) && close(known(&s)[0], 0.46875));
    assert_eq!(runs(&s.kinds), [(NeuralAp, 384), (Digital, 1)]);
    let lf = set(pairs, &[("snsApLfSy", "0,384,1"), ("snsSaveChanSubset", "384:768"), ("imSampRate", "2500")]);
    // LF 250: 4.6875 for every channel, channel 0 included
    assert!(close(known(&values(&lf))[0], 4.6875));
}

#[test]
fn np1_like_types_carry_gains_per_channel() {
    // NHP long (1030) and UHD (1100) tables are NP 1.0-like; imChan0apGain is
    // channel 0's gain only, the table gives each channel's.
    for ty in ["1030", "1100", "1020", "1120", "1300"] {
        let gains = |c| (if c == 100 { 250 } else { 500 }, 250);
        let s = values(&set(np1_ap(gains), &[("imDatPrb_type", ty), ("~imroTbl", &np1_imro(ty, gains))]));
        // 0.6 / 512 / 500 = 2.34375 uV; channel 100 at 250: 4.6875
        assert!(close(known(&s)[0], 2.34375) && close(known(&s)[100], 4.6875), "type {ty}");
    }
}

#[test]
fn np1110_gains_in_the_table_header() {
    // UHD programmable: header (type,colmode,refid,apgain,lfgain,apflt) and
    // 24 group entries (group bankA bankB) without gains.
    let mut imro = "(1110,0,0,1000,50,1)".to_string();
    for g in 0..24 {
        imro += &format!("({g} 0 0)");
    }
    let pairs = set(np1_ap(|_| (1000, 50)), &[("imDatPrb_type", "1110"), ("~imroTbl", &imro)]);
    let s = values(&pairs);
    // 0.6 / 512 / 1000 x 1e6 = 1.171875
    assert!(close(known(&s)[0], 1.171875) && close(known(&s)[383], 1.171875));
    let pairs = set(pairs, &[("snsApLfSy", "0,384,1"), ("snsSaveChanSubset", "384:768")]);
    // LF gain 50: 0.6 / 512 / 50 x 1e6 = 23.4375
    assert!(close(known(&values(&pairs))[200], 23.4375));
}

// ------------------------------------------------------------ NP 2.0 family

/// An NP 2.0-family `.ap.bin`: no LF band (acqApLfSy=N,0,S).
fn np2(ty: &str, range: &str, max_int: &str, imro: String, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let base = imec(&[
        ("acqApLfSy", "384,0,1"),
        ("imAiRangeMax", range),
        ("imAiRangeMin", &format!("-{range}")),
        ("imDatPrb_type", ty),
        ("imMaxInt", max_int),
        ("nSavedChans", "385"),
        ("snsApLfSy", "384,0,1"),
        ("snsSaveChanSubset", "0:384"),
        ("~imroTbl", &imro),
    ]);
    set(base, extra)
}

fn imro_21() -> String {
    // (chan bankmask ref elec)
    (0..384).fold("(21,384)".to_string(), |t, c| t + &format!("({c} 1 0 {c})"))
}

fn imro_4field_shank(ty: &str, n: usize) -> String {
    // (chan shank bank ref elec)
    (0..n).fold(format!("({ty},{n})"), |t, c| t + &format!("({c} {} 0 0 {})", c / 384, c % 384))
}

#[test]
fn np2_single_and_four_shank_old_metadata_fixed_gain_80() {
    // 2019-2022 metadata: no imChan0apGain; the guide: types 21 and 24 gain 80.
    for (ty, imro) in [("21", imro_21()), ("24", imro_4field_shank("24", 384))] {
        let s = values(&np2(ty, "0.5", "8192", imro, &[("appVersion", "20201103")]));
        assert_eq!(s.n_channels, 385);
        // No LF band: the AP channels are full band (Neural).
        assert_eq!(runs(&s.kinds), [(Neural, 384), (Digital, 1)]);
        // 0.5 V / 8192 / 80 x 1e6 = 0.762939453125 uV
        assert!(close(known(&s)[0], 0.762939453125), "type {ty}");
        assert_eq!(known(&s)[384], 1.0);
    }
}

#[test]
fn np2_four_shank_subset() {
    // Shank 0's first 96 channels and the SY word.
    let s =
        values(&np2("24", "0.5", "8192", imro_4field_shank("24", 384), &[("nSavedChans", "97"), ("snsApLfSy", "96,0,1"), ("snsSaveChanSubset", "0:95,384")]));
    assert_eq!(runs(&s.kinds), [(Neural, 96), (Digital, 1)]);
    assert!(close(known(&s)[95], 0.762939453125));
}

#[test]
fn np2_2b_probes_gain_100() {
    // 2003 / 2013: Imax 2048, Vmax 0.62; imChan0apGain=100 (new), or the
    // guide's fixed 100 (metadata without it): 0.62 / 2048 / 100 x 1e6 = 3.02734375
    for ty in ["2003", "2013"] {
        let imro = if ty == "2003" { imro_21().replacen("(21,", "(2003,", 1) } else { imro_4field_shank("2013", 384) };
        let with_key = values(&np2(ty, "0.62", "2048", imro.clone(), &[("imChan0apGain", "100")]));
        let old = values(&np2(ty, "0.62", "2048", imro, &[]));
        assert!(close(known(&with_key)[0], 3.02734375) && close(known(&old)[0], 3.02734375), "type {ty}");
    }
    // A subset: channels 0-35, 72-95, 192-227, 264-287 and SY (120 + 1).
    let s = values(&np2(
        "2013",
        "0.62",
        "2048",
        imro_4field_shank("2013", 384),
        &[("imChan0apGain", "100"), ("nSavedChans", "121"), ("snsApLfSy", "120,0,1"), ("snsSaveChanSubset", "0:35,72:95,192:227,264:287,384")],
    ));
    assert_eq!(runs(&s.kinds), [(Neural, 120), (Digital, 1)]);
    assert!(close(known(&s)[119], 3.02734375) && known(&s)[120] == 1.0);
}

#[test]
fn np2_exported_without_sync() {
    // An export that dropped the SY word: acquired 384,0,1, saved 384,0,0.
    let s = values(&np2(
        "2013",
        "0.62",
        "2048",
        imro_4field_shank("2013", 384),
        &[("imChan0apGain", "100"), ("nSavedChans", "384"), ("snsApLfSy", "384,0,0"), ("snsSaveChanSubset", "0:383")],
    ));
    assert_eq!(runs(&s.kinds), [(Neural, 384)]);
    // The last channel is an electrode, not a sync word: 3.02734375
    assert!(close(known(&s)[383], 3.02734375));
}

#[test]
fn quad_base_2020() {
    // Four shanks of 384 and four SY words (one per shank): 1540 channels.
    let pairs = np2(
        "2020",
        "0.62",
        "2048",
        imro_4field_shank("2020", 1536),
        &[("acqApLfSy", "1536,0,4"), ("imChan0apGain", "100"), ("nSavedChans", "1540"), ("snsApLfSy", "1536,0,4"), ("snsSaveChanSubset", "0:1539")],
    );
    let s = values(&pairs);
    assert_eq!(runs(&s.kinds), [(Neural, 1536), (Digital, 4)]);
    // 0.62 / 2048 / 100 x 1e6 = 3.02734375 (not 80: that would give 3.784...)
    assert!(close(known(&s)[1535], 3.02734375) && known(&s)[1539] == 1.0);
    assert_eq!(known(&values(&without(pairs, "imChan0apGain")))[0], known(&s)[0]);
}

#[test]
fn unknown_probe_type_gain() {
    // A type the guide gives no fixed gain for: with imChan0apGain the key
    // is the gain (0.67 / 2048 / 100 x 1e6 = 3.271484375); without it the
    // scales are unknown, the channels still readable.
    let imro = imro_4field_shank("3010", 384);
    let s = values(&np2("3010", "0.67", "2048", imro.clone(), &[("imChan0apGain", "100")]));
    assert!(close(known(&s)[0], 3.271484375));
    let s = values(&np2("3010", "0.67", "2048", imro, &[]));
    assert_eq!(s.n_channels, 385);
    match s.scales {
        Scales::Unknown(why) => assert!(why.contains("imDatPrb_type=3010") && why.contains("imChan0apGain=<gain>"), "{why}"),
        Scales::Known(_) => panic!("a gain was invented"),
    }
    // Imax is only implied for NP 1.0 metadata older than imMaxInt.
    let s = values(&without(np2("2013", "0.62", "2048", imro_4field_shank("2013", 384), &[("imChan0apGain", "100")]), "imMaxInt"));
    assert!(matches!(&s.scales, Scales::Unknown(why) if why.contains("imMaxInt is missing for imDatPrb_type=2013")), "{:?}", s.scales);
}

// ------------------------------------------------------------ NI-DAQ, OneBox

fn nidq(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let base = [
        ("acqMnMaXaDw", "192,64,0,1"),
        ("appVersion", "20230815"),
        ("niAiRangeMax", "2.5"),
        ("niAiRangeMin", "-2.5"),
        ("niMAGain", "1.0"),
        ("niMaxInt", "32768"),
        ("niMNGain", "200.0"),
        ("niSampRate", "25000"),
        ("nSavedChans", "257"),
        ("snsMnMaXaDw", "192,64,0,1"),
        ("snsSaveChanSubset", "all"),
        ("typeThis", "nidq"),
    ];
    set(base.iter().map(|(k, v)| (*k, v.to_string())).collect(), extra)
}

#[test]
fn nidq_whisper_mn_ma_xd() {
    // The guide's example: 192 MN, 64 MA, 1 XD word.
    let s = values(&nidq(&[]));
    assert_eq!((s.n_channels, s.sampling_rate), (257, 25000.0));
    assert_eq!(runs(&s.kinds), [(Neural, 192), (Analog, 64), (Digital, 1)]);
    let v = known(&s);
    // MN: 2.5 / 32768 / 200 x 1e6 = 0.3814697265625 uV; MA: 2.5 / 32768 / 1 x 1e6 = 76.2939453125 uV
    assert!(close(v[0], 0.3814697265625) && close(v[191], 0.3814697265625));
    assert!(close(v[192], 76.2939453125) && v[256] == 1.0);
}

#[test]
fn nidq_subset() {
    // MN 0..5, MA 192 and the XD word at 256.
    let s = values(&nidq(&[("nSavedChans", "8"), ("snsMnMaXaDw", "6,1,0,1"), ("snsSaveChanSubset", "0:5,192,256")]));
    assert_eq!(runs(&s.kinds), [(Neural, 6), (Analog, 1), (Digital, 1)]);
    assert!(close(known(&s)[6], 76.2939453125) && known(&s)[7] == 1.0);
}

#[test]
fn nidq_xa_only_old_metadata() {
    // 2019: 8 XA inputs and a digital word, no niMaxInt (guide: 32768); XA gain 1.
    let s = values(&without(
        nidq(&[("acqMnMaXaDw", "0,0,8,1"), ("snsMnMaXaDw", "0,0,8,1"), ("nSavedChans", "9"), ("niAiRangeMax", "2"), ("appVersion", "20190327")]),
        "niMaxInt",
    ));
    assert_eq!(runs(&s.kinds), [(Analog, 8), (Digital, 1)]);
    // 2 / 32768 x 1e6 = 61.03515625 uV
    assert!(close(known(&s)[0], 61.03515625) && known(&s)[8] == 1.0);
    // A digital-only stream needs no range at all.
    let s = values(&without(nidq(&[("acqMnMaXaDw", "0,0,0,1"), ("snsMnMaXaDw", "0,0,0,1"), ("nSavedChans", "1")]), "niAiRangeMax"));
    assert_eq!((s.kinds.as_slice(), known(&s)), ([Digital].as_slice(), [1.0].as_slice()));
}

#[test]
fn onebox_adc_stream() {
    // obx: 11 XA inputs, 1 XD word, 1 SY word; V = i x 5 / 32768.
    let pairs = set(
        Vec::new(),
        &[
            ("acqXaDwSy", "11,1,1"),
            ("nSavedChans", "13"),
            ("obAiRangeMax", "5.0"),
            ("obAiRangeMin", "-5.0"),
            ("obMaxInt", "32768"),
            ("obSampRate", "30300.5"),
            ("snsSaveChanSubset", "all"),
            ("snsXaDwSy", "11,1,1"),
            ("typeThis", "obx"),
        ],
    );
    let s = values(&pairs);
    assert_eq!(runs(&s.kinds), [(Analog, 11), (Digital, 2)]);
    // 5 / 32768 x 1e6 = 152.587890625 uV
    assert!(close(known(&s)[10], 152.587890625) && known(&s)[11] == 1.0 && known(&s)[12] == 1.0);
}

// ------------------------------------------------------------ bad metadata

#[test]
fn errors_name_the_key_and_value() {
    let ap = np1_ap(|_| (500, 250));
    let with = |k: &'static str, v: &str| set(ap.clone(), &[(k, v)]);
    assert!(error(&without(ap.clone(), "nSavedChans")).contains("nSavedChans is missing"));
    let e = error(&with("nSavedChans", "384"));
    assert!(e.contains("nSavedChans=384") && e.contains("snsSaveChanSubset=0:383,768 lists 385"), "{e}");
    let e = error(&with("snsSaveChanSubset", "0:383,769"));
    assert!(e.contains("769 is outside the 769 acquired channels (acqApLfSy=384,384,1)"), "{e}");
    let e = error(&without(ap.clone(), "acqApLfSy"));
    assert!(e.contains("acqApLfSy is missing"), "{e}");
    assert!(error(&with("imSampRate", "fast")).contains("imSampRate=fast is not a number"));
    let e = error(&with("acqApLfSy", "384,18446744073709551615,1"));
    assert!(e.contains("acqApLfSy=384,18446744073709551615,1 counts more than 16777216 channels"), "{e}");
    assert!(error(&with("imDatPrb_type", "x")).contains("imDatPrb_type=x"));
    assert!(error(&with("~imroTbl", &np1_imro("0", |_| (500, 250)).replace("(3 0 0 500 250 1)", ""))).contains("channel 383 has none"));
    assert!(error(&with("~imroTbl", &np1_imro("0", |c| (if c == 2 { 0 } else { 500 }, 250)))).contains("channel 2 a gain of 0"));
    assert!(error(&with("~imroTbl", &np1_imro("0", |_| (500, 250)).replace("(5 0 0 500 250 1)", "(5 0 500 250 1)"))).contains("has 5 fields"));
    assert!(error(&set(Vec::new(), &[("nSavedChans", "3")])).contains("neither imSampRate"));
}
