//! The values of --channels, --from and --to: parsed when the command line
//! is read, resolved against the recording once it is open.

use std::path::Path;

use neurobatch_core::error::show;

use crate::exit::Failure;

/// The help of --channels, and the end of every message about it.
pub const CHANNELS_SYNTAX: &str = "channel numbers from 0 and ranges whose end is included: 0:383 (channels 0 to 383, 384 channels), 1,5,9 or 0:10,20";

/// `--channels`: channels and ranges, ends included (as SpikeGLX writes them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelSpec {
    text: String,
    /// Inclusive ranges, in the order given.
    ranges: Vec<(usize, usize)>,
}

impl ChannelSpec {
    pub fn parse(text: &str) -> Result<ChannelSpec, String> {
        let bad = |why: String| Err(format!("{why}; expected {CHANNELS_SYNTAX}"));
        if text.trim().is_empty() {
            return bad("the channel list is empty".into());
        }
        let mut ranges = Vec::new();
        for part in text.split(',') {
            let number = |s: &str| -> Result<usize, String> {
                let s = s.trim();
                if s.starts_with('-') && s.len() > 1 {
                    return Err(format!("'{s}' is negative: channels count from 0"));
                }
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(if s == part.trim() && !s.is_empty() {
                        format!("'{s}' is not a channel number")
                    } else {
                        format!("'{s}' in '{part}' is not a channel number")
                    });
                }
                s.parse().map_err(|_| format!("channel {s} is too large"))
            };
            let range = match part.split_once(':') {
                Some((a, b)) => (number(a), number(b)),
                None => (number(part), number(part)),
            };
            match range {
                (Ok(a), Ok(b)) if a <= b => ranges.push((a, b)),
                (Ok(a), Ok(b)) => return bad(format!("the range {a}:{b} ends before it starts")),
                (Err(e), _) | (_, Err(e)) => return bad(e),
            }
        }
        Ok(ChannelSpec { text: text.to_string(), ranges })
    }

    /// The selected channels of a recording of `n_channels` channels, in order.
    pub fn resolve(&self, n_channels: usize, path: &Path) -> Result<Vec<usize>, Failure> {
        let mut out = Vec::new();
        for &(a, b) in &self.ranges {
            if b >= n_channels {
                let what = if a == b { format!("channel {b}") } else { format!("the range {a}:{b} (ends included)") };
                return Err(Failure::usage(format!(
                    "--channels {}: {what} is past the last channel of {}, which has {n_channels} channel(s), 0 to {}",
                    self.text,
                    show(path),
                    n_channels.saturating_sub(1)
                )));
            }
            out.extend(a..=b);
        }
        Ok(out)
    }
}

/// `--from` / `--to`: a sample number, or a time with a unit.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSpec {
    text: String,
    value: Time,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Time {
    Samples(u64),
    Seconds(f64),
}

/// The help of --from and --to, and the end of every message about them.
pub const TIME_SYNTAX: &str = "a sample number (300000) or a time: 250ms, 10s, 2.5min, 1h";

impl TimeSpec {
    pub fn parse(text: &str) -> Result<TimeSpec, String> {
        let bad = |why: String| Err(format!("{why}; expected {TIME_SYNTAX}"));
        let t = text.trim();
        let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        if number.is_empty() {
            return bad(format!("'{text}' has no number"));
        }
        if number.starts_with('-') {
            return bad(format!("'{text}' is negative: samples and times count from 0, the start of the recording"));
        }
        let seconds_per_unit = match unit {
            "" => {
                return match number.parse::<u64>() {
                    Ok(n) => Ok(TimeSpec { text: text.to_string(), value: Time::Samples(n) }),
                    Err(_) if number.bytes().all(|b| b.is_ascii_digit()) => bad(format!("sample number {number} is too large")),
                    Err(_) => bad(format!("'{text}' is not a whole number of samples (for seconds, write {number}s)")),
                };
            }
            "ms" => 1e-3,
            "s" => 1.0,
            "min" => 60.0,
            "h" => 3600.0,
            other => return bad(format!("unknown unit '{other}' in '{text}'")),
        };
        match number.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 && number.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
                Ok(TimeSpec { text: text.to_string(), value: Time::Seconds(v * seconds_per_unit) })
            }
            _ => bad(format!("'{number}' in '{text}' is not a non-negative number")),
        }
    }

    /// The sample this time falls on (rounded to the nearest sample),
    /// `option` naming it in messages.
    pub fn samples(&self, option: &str, rate: Option<f64>, path: &Path) -> Result<u64, Failure> {
        match self.value {
            Time::Samples(n) => Ok(n),
            Time::Seconds(s) => {
                let Some(rate) = rate else {
                    return Err(Failure::usage(format!(
                        "{option} {} is a time, but the sampling rate of {} is not known: give --sampling-rate, add sampling_rate to its sidecar, or give a sample number",
                        self.text,
                        show(path)
                    )));
                };
                let n = (s * rate).round();
                if n >= u64::MAX as f64 {
                    return Err(Failure::usage(format!("{option} {} is beyond any recording", self.text)));
                }
                Ok(n as u64)
            }
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Given as a time (not a sample number).
    pub fn is_time(&self) -> bool {
        matches!(self.value, Time::Seconds(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_lists_and_inclusive_ranges() {
        let p = |s: &str| ChannelSpec::parse(s).unwrap().resolve(400, Path::new("r.bin")).unwrap();
        assert_eq!(p("0:383").len(), 384);
        assert_eq!(p("1,5,9"), [1, 5, 9]);
        assert_eq!(p("0:3,20"), [0, 1, 2, 3, 20]);
        assert_eq!(p(" 7 , 2:3"), [7, 2, 3]);
        assert_eq!(p("4:4"), [4]);
        for (bad, says) in [
            ("", "empty"),
            ("1,,2", "'' in '' is not a channel number"),
            ("0:x", "'x' in '0:x'"),
            ("5:1", "the range 5:1 ends before it starts"),
            ("-1", "'-1' is negative: channels count from 0"),
            ("0 1", "'0 1' is not a channel number"),
            ("1:2:3", "'2:3'"),
            ("99999999999999999999999", "too large"),
        ] {
            let e = ChannelSpec::parse(bad).unwrap_err();
            assert!(e.contains(says) && e.ends_with(CHANNELS_SYNTAX), "{bad}: {e}");
        }
        let e = ChannelSpec::parse("0:400").unwrap().resolve(385, Path::new("r.bin")).unwrap_err();
        assert_eq!(e.message, "--channels 0:400: the range 0:400 (ends included) is past the last channel of 'r.bin', which has 385 channel(s), 0 to 384");
        let e = ChannelSpec::parse("385").unwrap().resolve(385, Path::new("r.bin")).unwrap_err();
        assert!(e.message.contains("channel 385 is past"), "{}", e.message);
    }

    #[test]
    fn times_in_samples_and_units() {
        let at = |s: &str, rate| TimeSpec::parse(s).unwrap().samples("--from", rate, Path::new("r.bin")).unwrap();
        assert_eq!(at("300000", None), 300000);
        assert_eq!(at("10s", Some(30000.0)), 300000);
        assert_eq!(at("2.5min", Some(30000.0)), 4_500_000);
        assert_eq!(at("250ms", Some(30000.0)), 7500);
        assert_eq!(at("1h", Some(1000.0)), 3_600_000);
        // rounded to the nearest sample: 0.1 s at 30000.123 Hz is 3000.0123
        assert_eq!(at("0.1s", Some(30000.123)), 3000);
        for (bad, says) in [
            ("10x", "unknown unit 'x'"),
            ("2.5", "not a whole number"),
            ("-3s", "'-3s' is negative: samples and times count from 0"),
            ("-1", "'-1' is negative"),
            ("s", "'s' has no number"),
            ("1e3s", "unknown unit 'e3s'"),
        ] {
            let e = TimeSpec::parse(bad).unwrap_err();
            assert!(e.contains(says) && e.ends_with(TIME_SYNTAX), "{bad}: {e}");
        }
        let e = TimeSpec::parse("10s").unwrap().samples("--to", None, Path::new("r.bin")).unwrap_err();
        assert!(e.message.starts_with("--to 10s is a time, but the sampling rate of 'r.bin' is not known"), "{}", e.message);
    }
}
