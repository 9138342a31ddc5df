//! Validated time ranges and channel selections (docs/yass.md).

use crate::error::{Error, Result};

/// The most channels a recording may have (2^24). Far above any probe, and
/// it keeps per-channel tables allocatable: without it, an empty file opened
/// with n_channels = 2^40 would make a plan ask for terabytes and abort.
pub const MAX_CHANNELS: usize = 1 << 24;

/// Which channels a read or traversal covers. `List` keeps the given order;
/// a repeated channel is a separate selected channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ChannelSel {
    #[default]
    All,
    List(Vec<usize>),
}

impl ChannelSel {
    pub fn one(channel: usize) -> ChannelSel {
        ChannelSel::List(vec![channel])
    }

    /// The selected file channels, in order.
    pub fn resolve(&self, n_channels: usize) -> Result<Vec<usize>> {
        if n_channels > MAX_CHANNELS {
            return Err(Error::TooManyChannels { n_channels: n_channels as u64 });
        }
        match self {
            ChannelSel::All => Ok((0..n_channels).collect()),
            ChannelSel::List(list) if list.is_empty() => Err(Error::EmptyChannels),
            ChannelSel::List(list) => {
                if let Some(&bad) = list.iter().find(|&&c| c >= n_channels) {
                    return Err(Error::BadChannel { channel: bad as u64, n_channels });
                }
                Ok(list.clone())
            }
        }
    }
}

/// `[from, to)` with defaults `0` and `n_obs`, checked `0 <= from <= to <= n_obs`.
pub fn resolve_range(from: Option<u64>, to: Option<u64>, n_obs: u64) -> Result<(u64, u64)> {
    let (f, t) = (from.unwrap_or(0), to.unwrap_or(n_obs));
    if f > t || t > n_obs {
        return Err(Error::BadRange { from: f, to: t, n_obs });
    }
    Ok((f, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels() {
        assert_eq!(ChannelSel::All.resolve(3).unwrap(), vec![0, 1, 2]);
        assert_eq!(ChannelSel::List(vec![2, 0, 2]).resolve(3).unwrap(), vec![2, 0, 2]);
        assert!(matches!(ChannelSel::List(vec![3]).resolve(3), Err(Error::BadChannel { channel: 3, .. })));
        assert!(matches!(ChannelSel::List(vec![]).resolve(3), Err(Error::EmptyChannels)));
    }

    #[test]
    fn ranges() {
        assert_eq!(resolve_range(None, None, 10).unwrap(), (0, 10));
        assert_eq!(resolve_range(Some(10), None, 10).unwrap(), (10, 10));
        assert!(resolve_range(Some(5), Some(4), 10).is_err());
        assert!(resolve_range(None, Some(11), 10).is_err());
    }
}
