//! `nb_channel_kind`: what a channel of a recording holds, a plain integer
//! with named constants (see `nb_reader_channel_kinds`).

use std::ffi::c_char;

use neurobatch_core::formats::ChannelKind;

/// What a channel holds (one of the `NB_CHANNEL_KIND_` constants), as the
/// recording's SpikeGLX or Open Ephys metadata says.
pub type nb_channel_kind = i32;
/// The metadata does not say.
pub const NB_CHANNEL_KIND_UNKNOWN: nb_channel_kind = 0;
/// A wideband neural channel: Open Ephys headstage/electrode channels,
/// NI-DAQ MN channels, SpikeGLX probes without an LF band (NP 2.0).
pub const NB_CHANNEL_KIND_NEURAL: nb_channel_kind = 1;
/// The AP (action potential) band of a SpikeGLX probe with AP and LF bands.
pub const NB_CHANNEL_KIND_NEURAL_AP: nb_channel_kind = 2;
/// The LF (local field potential) band of a SpikeGLX probe.
pub const NB_CHANNEL_KIND_NEURAL_LF: nb_channel_kind = 3;
/// An auxiliary analog input: NI-DAQ MA/XA, OneBox XA, Open Ephys ADC/AUX.
pub const NB_CHANNEL_KIND_ANALOG: nb_channel_kind = 4;
/// A word of digital lines or status bits: SpikeGLX SY, NI-DAQ/OneBox XD,
/// an Open Ephys sync line. Not a voltage: its scale to µV is 1.
pub const NB_CHANNEL_KIND_DIGITAL: nb_channel_kind = 5;

pub(crate) fn kind_to_c(k: ChannelKind) -> nb_channel_kind {
    match k {
        ChannelKind::Unknown => NB_CHANNEL_KIND_UNKNOWN,
        ChannelKind::Neural => NB_CHANNEL_KIND_NEURAL,
        ChannelKind::NeuralAp => NB_CHANNEL_KIND_NEURAL_AP,
        ChannelKind::NeuralLf => NB_CHANNEL_KIND_NEURAL_LF,
        ChannelKind::Analog => NB_CHANNEL_KIND_ANALOG,
        ChannelKind::Digital => NB_CHANNEL_KIND_DIGITAL,
    }
}

/// The name of a channel kind: "unknown", "neural", "neural_ap",
/// "neural_lf", "analog" or "digital".
///
/// @param[in] kind an `NB_CHANNEL_KIND_` value.
/// @return a static NUL-terminated name; "" for any other value. Never NULL.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn nb_channel_kind_name(kind: nb_channel_kind) -> *const c_char {
    ffi_boundary!(c"".as_ptr(), {
        let name: &'static std::ffi::CStr = match kind {
            NB_CHANNEL_KIND_UNKNOWN => c"unknown",
            NB_CHANNEL_KIND_NEURAL => c"neural",
            NB_CHANNEL_KIND_NEURAL_AP => c"neural_ap",
            NB_CHANNEL_KIND_NEURAL_LF => c"neural_lf",
            NB_CHANNEL_KIND_ANALOG => c"analog",
            NB_CHANNEL_KIND_DIGITAL => c"digital",
            _ => c"",
        };
        name.as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_core() {
        for k in [ChannelKind::Unknown, ChannelKind::Neural, ChannelKind::NeuralAp, ChannelKind::NeuralLf, ChannelKind::Analog, ChannelKind::Digital] {
            let name = unsafe { std::ffi::CStr::from_ptr(nb_channel_kind_name(kind_to_c(k))) };
            assert_eq!(name.to_str().unwrap(), k.name());
        }
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(nb_channel_kind_name(6)) }.to_bytes(), b"");
        assert_eq!(unsafe { std::ffi::CStr::from_ptr(nb_channel_kind_name(-1)) }.to_bytes(), b"");
    }
}
