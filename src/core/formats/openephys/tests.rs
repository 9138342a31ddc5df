//! `structure.oebin` streams as each GUI generation writes them, with the
//! kinds and µV per count the Binary Format documentation gives.

use super::*;
use ChannelKind::*;

/// A recording folder holding `oebin` and an empty `continuous.dat` per stream.
fn open_stream(oebin: &str, stream: StreamSel) -> Located {
    let dir = std::env::temp_dir().join(format!("nb-oebin-{}-{}", std::process::id(), COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("structure.oebin"), oebin).unwrap();
    let located = open(&dir.join("structure.oebin"), stream).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    located
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs()
}

/// GUI 0.4/0.5 (Rhythm FPGA): every channel labelled "uV", the ADC ones too.
const GUI_04: &str = r#"{
 "GUI version": "0.4.5",
 "continuous": [{
  "folder_name": "Rhythm_FPGA-100.0/", "sample_rate": 30000, "source_processor_name": "Rhythm FPGA",
  "source_processor_id": 100, "source_processor_sub_idx": 0, "recorded_processor": "Rhythm FPGA",
  "recorded_processor_id": 100, "num_channels": 5,
  "channels": [
   {"channel_name": "CH1", "description": "Headstage data channel", "identifier": "genericdata.continuous", "history": "Rhythm FPGA", "bit_volts": 0.19499999284744263, "units": "uV", "source_processor_index": 0, "recorded_processor_index": 0},
   {"channel_name": "CH2", "description": "Headstage data channel", "identifier": "genericdata.continuous", "history": "Rhythm FPGA", "bit_volts": 0.19499999284744263, "units": "uV", "source_processor_index": 1, "recorded_processor_index": 1},
   {"channel_name": "AUX1", "description": "Auxiliar data channel", "identifier": "genericdata.continuous", "history": "Rhythm FPGA", "bit_volts": 0.0000374, "units": "uV", "source_processor_index": 2, "recorded_processor_index": 2},
   {"channel_name": "ADC1", "description": "ADC data channel", "identifier": "genericdata.continuous", "history": "Rhythm FPGA", "bit_volts": 0.00015258789062500001, "units": "uV", "source_processor_index": 3, "recorded_processor_index": 3},
   {"channel_name": "ADC2", "description": "ADC data channel", "identifier": "genericdata.continuous", "history": "Rhythm FPGA", "bit_volts": 0.00015258789062500001, "units": "uV", "source_processor_index": 4, "recorded_processor_index": 4}
  ]}],
 "events": [], "spikes": []
}"#;

#[test]
fn gui_04_headstage_aux_and_adc() {
    let l = open_stream(GUI_04, StreamSel::Index(0));
    assert_eq!(l.meta.channel_kinds.as_deref().unwrap(), [Neural, Neural, Analog, Analog, Analog]);
    let s = l.meta.scale_uv.unwrap();
    // headstage: bit_volts is uV: 0.195; AUX: 0.0000374 V = 37.4 uV; ADC:
    // 0.000152587890625 V = 152.587890625 uV, whatever the "uV" label says
    assert!(close(s[0], 0.19499999284744263));
    assert!(close(s[2], 37.4));
    assert!(close(s[3], 152.587890625) && close(s[4], 152.587890625));
}

/// GUI 0.5 Neuropix-PXI: AP and LFP as two streams, units "uV".
const GUI_05: &str = r#"{
 "GUI version": "0.5.3",
 "continuous": [
  {"folder_name": "Neuropix-PXI-116.0/", "sample_rate": 30000, "source_processor_name": "Neuropix-PXI", "source_processor_id": 116,
   "source_processor_sub_idx": 0, "recorded_processor": "Neuropix-PXI", "recorded_processor_id": 116, "num_channels": 2,
   "channels": [{"channel_name": "AP1", "description": "Headstage data channel", "identifier": "genericdata.continuous", "history": "Neuropix-PXI", "bit_volts": 0.19499999284744263, "units": "uV", "source_processor_index": 0, "recorded_processor_index": 0},
                {"channel_name": "AP2", "description": "Headstage data channel", "identifier": "genericdata.continuous", "history": "Neuropix-PXI", "bit_volts": 0.19499999284744263, "units": "uV", "source_processor_index": 1, "recorded_processor_index": 1}]},
  {"folder_name": "Neuropix-PXI-116.1/", "sample_rate": 2500, "source_processor_name": "Neuropix-PXI", "source_processor_id": 116,
   "source_processor_sub_idx": 1, "recorded_processor": "Neuropix-PXI", "recorded_processor_id": 116, "num_channels": 1,
   "channels": [{"channel_name": "LFP1", "description": "Headstage data channel", "identifier": "genericdata.continuous", "history": "Neuropix-PXI", "bit_volts": 0.19499999284744263, "units": "uV", "source_processor_index": 0, "recorded_processor_index": 0}]}
 ], "events": [], "spikes": []
}"#;

#[test]
fn gui_05_neuropixels_streams() {
    let ap = open_stream(GUI_05, StreamSel::Index(0));
    assert_eq!(ap.meta.sampling_rate, Some(30000.0));
    assert_eq!(ap.meta.channel_kinds.as_deref().unwrap(), [Neural, Neural]);
    let lf = open_stream(GUI_05, StreamSel::Name("Neuropix-PXI-116.1".into()));
    assert_eq!((lf.meta.sampling_rate, lf.meta.scale_uv.unwrap()), (Some(2500.0), vec![0.19499999284744263]));
}

/// GUI 0.6: units "" everywhere; a probe stream with its sync line, a NI-DAQ
/// stream and a OneBox ADC stream.
const GUI_06: &str = r#"{
 "GUI version": "0.6.7",
 "continuous": [
  {"folder_name": "Neuropix-PXI-100.ProbeA/", "sample_rate": 30000.0, "source_processor_name": "Neuropix-PXI", "source_processor_id": 100,
   "stream_name": "ProbeA", "recorded_processor": "Record Node", "recorded_processor_id": 101, "num_channels": 3,
   "channels": [
    {"channel_name": "CH1", "description": "Neuropixels electrode", "identifier": "", "history": "Neuropix-PXI -> Record Node", "bit_volts": 0.1949999928474426, "units": "", "channel_metadata": [{"name": "electrode_index", "description": "Electrode index for this channel", "identifier": "", "type": "uint16", "length": 1, "value": [0]}]},
    {"channel_name": "CH2", "description": "Neuropixels electrode", "identifier": "", "history": "Neuropix-PXI -> Record Node", "bit_volts": 0.1949999928474426, "units": ""},
    {"channel_name": "CH_SYNC", "description": "Neuropixels sync line (continuously sampled)", "identifier": "", "history": "Neuropix-PXI -> Record Node", "bit_volts": 1.0, "units": ""}]},
  {"folder_name": "NI-DAQmx-103.PXIe-6341/", "sample_rate": 30000.0, "source_processor_name": "NI-DAQmx", "source_processor_id": 103,
   "stream_name": "PXIe-6341", "recorded_processor": "Record Node", "recorded_processor_id": 101, "num_channels": 2,
   "channels": [
    {"channel_name": "AI0", "description": "Analog Input channel from a NIDAQ device", "identifier": "", "history": "NI-DAQmx -> Record Node", "bit_volts": 0.0003051850944757462, "units": ""},
    {"channel_name": "AI1", "description": "Analog Input channel from a NIDAQ device", "identifier": "", "history": "NI-DAQmx -> Record Node", "bit_volts": 0.0003051850944757462, "units": ""}]},
  {"folder_name": "OneBox-111.OneBox-ADC/", "sample_rate": 30300.5, "source_processor_name": "OneBox", "source_processor_id": 111,
   "stream_name": "OneBox-ADC", "recorded_processor": "Record Node", "recorded_processor_id": 101, "num_channels": 1,
   "channels": [{"channel_name": "ADC0", "description": "OneBox ADC channel", "identifier": "", "history": "OneBox -> Record Node", "bit_volts": 0.000152587890625, "units": ""}]}
 ], "events": [], "spikes": []
}"#;

#[test]
fn gui_06_empty_units() {
    let probe = open_stream(GUI_06, StreamSel::Name("ProbeA".into()));
    assert_eq!(probe.meta.channel_kinds.as_deref().unwrap(), [Neural, Neural, Digital]);
    // electrodes: empty units = uV (0.195); the sync line is a bit word: 1
    assert_eq!(probe.meta.scale_uv.unwrap(), vec![0.1949999928474426, 0.1949999928474426, 1.0]);
    let daq = open_stream(GUI_06, StreamSel::Index(1));
    assert_eq!(daq.meta.channel_kinds.as_deref().unwrap(), [Analog, Analog]);
    // analog inputs: bit_volts in volts: 0.0003051850944757462 V = 305.1850944757462 uV
    assert!(close(daq.meta.scale_uv.unwrap()[1], 305.1850944757462));
    let adc = open_stream(GUI_06, StreamSel::Name("OneBox-ADC".into()));
    assert!(close(adc.meta.scale_uv.unwrap()[0], 152.587890625));
    assert_eq!(adc.meta.sampling_rate, Some(30300.5));
}

/// GUI 1.0: the channel `type` (0 electrode, 1 AUX, 2 ADC) and explicit units.
const GUI_10: &str = r#"{
 "GUI version": "1.0.1",
 "continuous": [{"folder_name": "Acquisition_Board-100.Rhythm Data/", "sample_rate": 30000.0, "source_processor_name": "Acquisition Board",
  "source_processor_id": 100, "stream_name": "Rhythm Data", "recorded_processor": "Record Node", "recorded_processor_id": 101, "num_channels": 4,
  "channels": [
   {"channel_name": "CH1", "description": "Headstage data channel", "identifier": "", "history": "Acquisition Board -> Record Node", "bit_volts": 0.1949999928, "units": "uV", "type": 0},
   {"channel_name": "AUX1", "description": "Aux input channel", "identifier": "", "history": "Acquisition Board -> Record Node", "bit_volts": 0.0000374, "units": "V", "type": 1},
   {"channel_name": "ADC1", "description": "ADC input channel", "identifier": "", "history": "Acquisition Board -> Record Node", "bit_volts": 0.00015258789, "units": "V", "type": 2},
   {"channel_name": "X1", "description": "a plugin's own channel", "identifier": "", "history": "Acquisition Board -> Record Node", "bit_volts": 0.5, "units": "mV"}]}],
 "events": [], "spikes": []
}"#;

#[test]
fn gui_10_channel_types_and_units() {
    let l = open_stream(GUI_10, StreamSel::Index(0));
    assert_eq!(l.meta.channel_kinds.as_deref().unwrap(), [Neural, Analog, Analog, Unknown]);
    let s = l.meta.scale_uv.unwrap();
    // uV: 0.1949999928; AUX 0.0000374 V = 37.4 uV; ADC 0.00015258789 V = 152.58789 uV;
    // a channel of no known kind follows its label: 0.5 mV = 500 uV
    assert!(close(s[0], 0.1949999928) && close(s[1], 37.4) && close(s[2], 152.58789) && close(s[3], 500.0));
}

#[test]
fn non_voltage_units_leave_the_stream_without_scales() {
    // A plugin's AUX stream in degrees: readable, kinds known, no microvolts.
    let oebin = r#"{"GUI version": "1.0.0", "continuous": [{"folder_name": "Onix-100.BNO-Euler/", "sample_rate": 100.0, "stream_name": "BNO-Euler",
      "num_channels": 2, "channels": [
       {"channel_name": "Y", "description": "Euler angle", "bit_volts": 0.0625, "units": "Deg.", "type": 1},
       {"channel_name": "R", "description": "Euler angle", "bit_volts": 0.0625, "units": "Deg.", "type": 1}]}]}"#;
    let l = open_stream(oebin, StreamSel::Index(0));
    assert_eq!(l.meta.channel_kinds.as_deref().unwrap(), [Analog, Analog]);
    assert_eq!(l.meta.scale_uv, None);
    let why = l.meta.no_scale_reason.unwrap();
    assert!(why.contains("channel 0 (Y)") && why.contains("'Deg.'"), "{why}");
}

#[test]
fn kinds_from_names_alone() {
    // Files that give neither a type nor a description: the GUI's own names.
    let named = |n: &str| kind(&OebinChannel { channel_name: n.into(), description: String::new(), bit_volts: 1.0, units: None, channel_type: None });
    assert_eq!(named("CH7"), Neural);
    assert_eq!(named("ADC2"), Analog);
    assert_eq!(named("AUX1"), Analog);
    assert_eq!(named("CH_SYNC"), Digital);
    assert_eq!(named("CHX"), Unknown);
    assert_eq!(named("TTL"), Unknown);
}

#[test]
fn a_recording_folder_is_its_structure_oebin_and_a_parent_folder_says_where_they_are() {
    let top = std::env::temp_dir().join(format!("nb-oe-folder-{}", std::process::id()));
    let rec = top.join("Record Node 101").join("experiment1").join("recording1");
    std::fs::create_dir_all(&rec).unwrap();
    std::fs::write(rec.join("structure.oebin"), GUI_05).unwrap();

    let by_folder = crate::formats::locate(&rec, None).unwrap();
    let by_file = crate::formats::locate(&rec.join("structure.oebin"), None).unwrap();
    assert_eq!(by_folder.data, by_file.data);
    assert_eq!(by_folder.meta.sampling_rate, Some(30000.0));
    let lfp = crate::formats::locate(&rec, Some(&StreamSel::Index(1))).unwrap();
    assert_eq!(lfp.meta.sampling_rate, Some(2500.0));

    let e = crate::formats::locate(&top, None).unwrap_err().to_string();
    assert!(e.contains("is a directory; expected a regular file"), "{e}");
    assert!(e.contains("an Open Ephys recording folder (one that holds structure.oebin)"), "{e}");
    assert!(e.contains(&format!("below it: {}", crate::error::show(&rec.join("structure.oebin")))), "{e}");
    std::fs::remove_dir_all(&top).unwrap();
}
