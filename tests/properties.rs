//! Property tests: for any recording shape and any options, a plan is either
//! an error or covers the range exactly once per channel within the memory
//! bound; and every block a cursor returns equals the padded reference
//! (both file orders, both loaders, both layouts, every traversal, every
//! edge policy).

mod common;

use std::path::Path;
use std::sync::Arc;

use neurobatch_core::plan::Shape;
use neurobatch_core::{BatchOptions, ChannelSel, Cursor, DataOrder, Dtype, Edge, Layout, Loader, OpenOptions, Plan, Reader, Traversal};
use proptest::prelude::*;

fn dtype() -> impl Strategy<Value = Dtype> {
    (0..Dtype::ALL.len()).prop_map(|i| Dtype::ALL[i])
}

fn traversal() -> impl Strategy<Value = Traversal> {
    prop_oneof![
        Just(Traversal::MultiChannel),
        Just(Traversal::SingleChannel { force_complete: true }),
        Just(Traversal::SingleChannel { force_complete: false }),
    ]
}

/// Options for a recording of `n_obs` × `n_ch`: mostly valid, sometimes not.
fn options(n_obs: u64, n_ch: usize) -> impl Strategy<Value = BatchOptions> {
    (
        0u64..40_000,
        prop::option::of(0..=n_obs + 3),
        prop::option::of(0..=n_obs + 3),
        prop::option::of(prop::collection::vec(0..n_ch + 1, 0..6)),
        0u64..40,
        traversal(),
        prop_oneof![Just(Layout::SampleMajor), Just(Layout::ChannelMajor)],
        prop_oneof![Just(Edge::Zeros), Just(Edge::Reflect), Just(Edge::Replicate)],
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(max_memory, from, to, channels, buffer, traversal, layout, edge, read_ahead)| BatchOptions {
            max_memory,
            from,
            to,
            channels: channels.map_or(ChannelSel::All, ChannelSel::List),
            buffer,
            traversal,
            layout,
            edge,
            microvolts: false,
            follow: false,
            follow_idle: None,
            read_ahead,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn plans_cover_the_range_once_within_the_memory_bound(
        (n_obs, n_ch, opts) in (0u64..5000, 1usize..12).prop_flat_map(|(n, c)| (Just(n), Just(c), options(n, c))),
        dtype in dtype(),
    ) {
        if let Ok(plan) = Plan::for_shape(&Shape { n_obs, n_channels: n_ch, dtype }, Path::new("p.bin"), &opts) {
            prop_assert!(plan.check_consistency(1_000_000).is_ok(), "{:?}", plan.check_consistency(1_000_000));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn every_block_equals_the_zero_padded_reference(
        (n_obs, n_ch, opts) in (0u64..700, 1usize..7).prop_flat_map(|(n, c)| (Just(n), Just(c), options(n, c))),
        dtype in dtype(),
        channels_order in any::<bool>(),
        mmap in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let order = if channels_order { DataOrder::Channels } else { DataOrder::Samples };
        let path = common::write_fixture(dir.path(), "p.bin", dtype, n_ch, n_obs, order);
        let open = OpenOptions { dtype: Some(dtype), n_channels: Some(n_ch), data_order: Some(order), loader: if mmap { Loader::Mmap } else { Loader::Pread }, ..Default::default() };
        let reader = Arc::new(Reader::open(&path, &open).unwrap());
        // The cursor accepts exactly the options the planner accepts.
        let planned = Plan::new(&reader, &opts);
        let cursor = Cursor::new(reader.clone(), &opts);
        prop_assert_eq!(planned.is_ok(), cursor.is_ok());
        let Ok(mut cursor) = cursor else { return Ok(()) };
        let n_batches = cursor.plan().n_batches;
        let mut seen = 0;
        while let Some(batch) = cursor.next_batch().unwrap() {
            let info = batch.info;
            let cols: Vec<usize> = batch.channels.to_vec();
            common::check_block_edge(dtype, n_ch, n_obs, batch.data, batch.layout, info.n_rows, &cols, info.start, info.buffer, opts.edge);
            prop_assert_eq!(info.n_rows as u64, info.stop - info.start + 2 * opts.buffer);
            seen += 1;
        }
        prop_assert_eq!(seen, n_batches);
    }
}
