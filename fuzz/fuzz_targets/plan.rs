//! Any recording shape and batch options: planning gives an error or a plan
//! that covers the range exactly once per channel within max_memory
//! (`Plan::check_consistency`); never a panic or an overflow.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use neurobatch_core::plan::Shape;
use neurobatch_core::{BatchOptions, ChannelSel, Dtype, Edge, Layout, Plan, Traversal};

/// Reads little-endian integers off the input, zeros when it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u64(&mut self) -> u64 {
        let n = self.0.len().min(8);
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        u64::from_le_bytes(b)
    }
    fn byte(&mut self) -> u8 {
        self.u64() as u8
    }
    /// Mostly small values, sometimes any: small ones reach deeper states.
    fn num(&mut self) -> u64 {
        let v = self.u64();
        if v & 1 == 0 { (v >> 1) % 100_000 } else { v >> 1 }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let dtype = Dtype::ALL[b.byte() as usize % Dtype::ALL.len()];
    let shape = Shape { n_obs: b.num(), n_channels: (b.num() as usize).max(1), dtype };
    let optional = |b: &mut Bytes, v: u64| if b.byte() & 1 == 1 { Some(v) } else { None };
    let (from, to) = (b.num(), b.num());
    let from = optional(&mut b, from);
    let to = optional(&mut b, to);
    let channels = match b.byte() % 3 {
        0 => ChannelSel::All,
        n => ChannelSel::List((0..(b.byte() % 8) as usize * n as usize).map(|_| b.num() as usize % (shape.n_channels + 2)).collect()),
    };
    let opts = BatchOptions {
        max_memory: b.num(),
        from,
        to,
        channels,
        buffer: b.num(),
        traversal: match b.byte() % 3 {
            0 => Traversal::MultiChannel,
            1 => Traversal::SingleChannel { force_complete: true },
            _ => Traversal::SingleChannel { force_complete: false },
        },
        layout: if b.byte() & 1 == 0 { Layout::SampleMajor } else { Layout::ChannelMajor },
        edge: [Edge::Zeros, Edge::Reflect, Edge::Replicate][b.byte() as usize % 3],
        ..BatchOptions::default()
    };
    if let Ok(plan) = Plan::for_shape(&shape, Path::new("fuzz.bin"), &opts) {
        if let Err(why) = plan.check_consistency(10_000) {
            panic!("inconsistent plan for {shape:?} {opts:?}: {why}");
        }
    }
});
