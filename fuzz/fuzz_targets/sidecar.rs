//! Any bytes as a sidecar: a parse either succeeds with values that are
//! valid on their own, or fails with a message; never a panic, hang or abort.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurobatch_core::sidecar::parse_sidecar;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_sidecar(text) {
        Ok(v) => {
            assert!(v.params.n_channels != Some(0), "n_channels 0 accepted from {text:?}");
            assert!(v.sampling_rate.is_none_or(|r| r.is_finite() && r > 0.0), "sampling_rate {:?} accepted from {text:?}", v.sampling_rate);
        }
        Err(message) => assert!(!message.is_empty()),
    }
});
