//! Element types a recording may hold (docs/yass.md).

use crate::error::Error;

/// One of the ten little-endian element types recordings use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dtype {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
}

impl Dtype {
    pub const ALL: [Dtype; 10] = [Dtype::I8, Dtype::U8, Dtype::I16, Dtype::U16, Dtype::I32, Dtype::U32, Dtype::I64, Dtype::U64, Dtype::F32, Dtype::F64];

    /// Bytes per element.
    pub fn itemsize(self) -> usize {
        match self {
            Dtype::I8 | Dtype::U8 => 1,
            Dtype::I16 | Dtype::U16 => 2,
            Dtype::I32 | Dtype::U32 | Dtype::F32 => 4,
            Dtype::I64 | Dtype::U64 | Dtype::F64 => 8,
        }
    }

    /// The numpy name, as written in sidecars (`int16`, `float32`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::I8 => "int8",
            Dtype::U8 => "uint8",
            Dtype::I16 => "int16",
            Dtype::U16 => "uint16",
            Dtype::I32 => "int32",
            Dtype::U32 => "uint32",
            Dtype::I64 => "int64",
            Dtype::U64 => "uint64",
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
        }
    }

    /// Parses a numpy dtype name. Only the exact names of the ten supported
    /// types are accepted, so a typo never silently picks another width.
    pub fn parse(name: &str) -> Result<Dtype, Error> {
        Dtype::ALL.into_iter().find(|d| d.name() == name).ok_or_else(|| Error::BadDtype(name.to_string()))
    }
}

impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Order of the values in the file (docs/yass.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DataOrder {
    /// Observation 0 of every channel, then observation 1, ... (`[T, C]` row-major).
    Samples,
    /// All of channel 0, then all of channel 1, ... (`[C, T]` row-major).
    Channels,
}

impl DataOrder {
    pub fn name(self) -> &'static str {
        match self {
            DataOrder::Samples => "samples",
            DataOrder::Channels => "channels",
        }
    }

    /// Accepts `samples`/`channels` and the historical aliases `long`/`wide`.
    pub fn parse(name: &str) -> Result<DataOrder, Error> {
        match name {
            "samples" | "long" => Ok(DataOrder::Samples),
            "channels" | "wide" => Ok(DataOrder::Channels),
            other => Err(Error::BadDataOrder(other.to_string())),
        }
    }
}

impl std::fmt::Display for DataOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Memory layout of a block handed to the caller. Both hold the same
/// `[observation, channel]` matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// `data[row * n_channels + ch]`: C and numpy row-major.
    #[default]
    SampleMajor,
    /// `data[ch * n_rows + row]`: MATLAB's and Julia's column-major `rows × channels`.
    ChannelMajor,
}

/// Rust element types matching each [`Dtype`], for typed views of batches.
pub trait Element: bytemuck::Pod {
    const DTYPE: Dtype;
}

macro_rules! element {
    ($($t:ty => $d:ident),*) => { $(impl Element for $t { const DTYPE: Dtype = Dtype::$d; })* };
}
element!(i8 => I8, u8 => U8, i16 => I16, u16 => U16, i32 => I32, u32 => U32, i64 => I64, u64 => U64, f32 => F32, f64 => F64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sizes() {
        for d in Dtype::ALL {
            assert_eq!(Dtype::parse(d.name()).unwrap(), d);
        }
        assert_eq!(Dtype::I16.itemsize(), 2);
        assert_eq!(Dtype::F64.itemsize(), 8);
        assert!(Dtype::parse("int12").is_err());
        assert!(Dtype::parse("Int16").is_err());
    }

    #[test]
    fn data_order_aliases() {
        assert_eq!(DataOrder::parse("long").unwrap(), DataOrder::Samples);
        assert_eq!(DataOrder::parse("wide").unwrap(), DataOrder::Channels);
        assert!(DataOrder::parse("rows").is_err());
    }
}

/// What buffer rows beyond the recording's edges hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Edge {
    /// Zeros (YASS).
    #[default]
    Zeros,
    /// The recording mirrored at its edge, the edge sample not repeated
    /// (numpy's "reflect": observation -k is observation k).
    Reflect,
    /// The edge sample repeated (Kilosort; numpy's "edge").
    Replicate,
}

impl Edge {
    pub fn parse(name: &str) -> crate::error::Result<Edge> {
        match name {
            "zeros" => Ok(Edge::Zeros),
            "reflect" => Ok(Edge::Reflect),
            "replicate" => Ok(Edge::Replicate),
            other => Err(crate::error::Error::InvalidArgument(format!("unknown edge '{other}': expected 'zeros', 'reflect' or 'replicate'"))),
        }
    }

    /// The observation that stands for observation `s` (outside `[0, n)`,
    /// `n > 0`). Reflection folds again when the recording is shorter than
    /// the buffer, as numpy does.
    pub fn source(self, s: i128, n: u64) -> u64 {
        let n = n as i128;
        match self {
            Edge::Zeros | Edge::Replicate => s.clamp(0, n - 1) as u64,
            Edge::Reflect if n == 1 => 0,
            Edge::Reflect => {
                let period = 2 * (n - 1);
                let m = s.rem_euclid(period);
                (if m >= n { period - m } else { m }) as u64
            }
        }
    }
}

#[cfg(test)]
mod edge_tests {
    use super::Edge;

    #[test]
    fn sources_match_numpy() {
        // np.pad(np.arange(5), 3, mode="reflect") = [3 2 1 0 1 2 3 4 3 2 1]
        let got: Vec<u64> = (-3..8).map(|s| Edge::Reflect.source(s, 5)).collect();
        assert_eq!(got, [3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1]);
        // np.pad(np.arange(2), 4, mode="reflect") = [0 1 0 1 0 1 0 1 0 1]
        let got: Vec<u64> = (-4..6).map(|s| Edge::Reflect.source(s, 2)).collect();
        assert_eq!(got, [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
        let got: Vec<u64> = (-2..7).map(|s| Edge::Replicate.source(s, 5)).collect();
        assert_eq!(got, [0, 0, 0, 1, 2, 3, 4, 4, 4]);
    }
}
