//! `nb_layout`: the memory layout of a block.

use crate::ffi::error::Fail;
use neurobatch_core::dtype::Layout;

/// Memory layout of a block; both hold the same [observation, channel] matrix
/// (one of the `NB_LAYOUT_` constants).
pub type nb_layout = i32;

/// `data[row * n_channels + channel]`: C and numpy row-major. The default.
pub const NB_LAYOUT_SAMPLE_MAJOR: nb_layout = 0;

/// `data[channel * n_rows + row]`: MATLAB's and Julia's column-major rows × channels.
pub const NB_LAYOUT_CHANNEL_MAJOR: nb_layout = 1;

pub(crate) fn layout_from_c(v: nb_layout, field: &str) -> Result<Layout, Fail> {
    match v {
        NB_LAYOUT_SAMPLE_MAJOR => Ok(Layout::SampleMajor),
        NB_LAYOUT_CHANNEL_MAJOR => Ok(Layout::ChannelMajor),
        _ => Err(Fail::Invalid(format!("{field} = {v} is not an nb_layout: expected NB_LAYOUT_SAMPLE_MAJOR (0) or NB_LAYOUT_CHANNEL_MAJOR (1)"))),
    }
}

pub(crate) fn layout_to_c(l: Layout) -> nb_layout {
    match l {
        Layout::SampleMajor => NB_LAYOUT_SAMPLE_MAJOR,
        Layout::ChannelMajor => NB_LAYOUT_CHANNEL_MAJOR,
    }
}
