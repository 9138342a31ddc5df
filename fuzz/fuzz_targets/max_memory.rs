//! Any string as max_memory: accepted exactly when it is `<digits><unit>`
//! with a value that fits in 64 bits, and then equal to digits × unit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neurobatch_core::parse_max_memory;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    let shift = match unit {
        "" | "B" => Some(0),
        "K" | "KB" => Some(10),
        "M" | "MB" => Some(20),
        "G" | "GB" => Some(30),
        _ => None,
    };
    let want = match (digits, shift) {
        (1.., Some(s)) => number.parse::<u64>().ok().and_then(|v| v.checked_mul(1 << s)),
        _ => None,
    };
    match parse_max_memory(text) {
        Ok(v) => assert_eq!(Some(v), want, "{text:?}"),
        Err(e) => {
            assert_eq!(want, None, "{text:?} rejected: {e}");
            assert!(e.to_string().contains(&format!("'{text}'")), "message does not quote the input: {e}");
        }
    }
});
