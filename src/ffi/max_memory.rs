//! `nb_max_memory_parse`.

use std::ffi::c_char;

use crate::ffi::status::*;
use crate::ffi::{cstr_arg, out_arg};
use neurobatch_core::memory::parse_max_memory;

/// Parses a YASS `max_memory` string into bytes.
///
/// Accepted: `<integer><unit>` with unit `B` or none (bytes), `K`/`KB`,
/// `M`/`MB`, `G`/`GB`, all 1024-based: "1GB" = 1073741824, "300MB" =
/// 314572800, "100KB" = 102400, "160B" = 160. Anything else ("1.5GB",
/// "1kB", "1TB", "", "+5", "-5", non-ASCII digits, values above 2^64 - 1)
/// is an error whose message quotes the string.
///
/// @param[in] text NUL-terminated string.
/// @param[out] out_bytes the number of bytes, written on success only.
/// @return `NB_STATUS_OK`, `NB_STATUS_BAD_MEMORY`, `NB_STATUS_NULL_ARGUMENT`.
///
/// **Thread safety:** may be called from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nb_max_memory_parse(text: *const c_char, out_bytes: *mut u64) -> nb_status {
    ffi_status!({
        let out = out_arg(out_bytes, "out_bytes")?;
        let text = unsafe { cstr_arg(text, "text")? };
        out.write(parse_max_memory(&text.to_string_lossy())?);
        Ok(NB_STATUS_OK)
    })
}
