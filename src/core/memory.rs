//! `max_memory` strings (docs/yass.md).

use crate::error::{Error, Result};

/// Parses `<integer><unit>` where unit is `B` or nothing (bytes), `K`/`KB`,
/// `M`/`MB`, `G`/`GB` (1024-based, as YASS). Anything else, including signs,
/// decimals, lower-case units, non-ASCII digits and values that overflow
/// 64 bits, is an error quoting the string.
pub fn parse_max_memory(text: &str) -> Result<u64> {
    let bad = || Error::BadMemory(text.to_string());
    let digits_end = text.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, unit) = text.split_at(digits_end);
    if digits.is_empty() {
        return Err(bad());
    }
    let shift = match unit {
        "" | "B" => 0,
        "K" | "KB" => 10,
        "M" | "MB" => 20,
        "G" | "GB" => 30,
        _ => return Err(bad()),
    };
    let value: u64 = digits.parse().map_err(|_| bad())?;
    value.checked_mul(1u64 << shift).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::parse_max_memory as p;

    #[test]
    fn documented_values() {
        assert_eq!(p("1GB").unwrap(), 1073741824);
        assert_eq!(p("300MB").unwrap(), 314572800);
        assert_eq!(p("100KB").unwrap(), 102400);
        assert_eq!(p("160B").unwrap(), 160);
        assert_eq!(p("160").unwrap(), 160);
        assert_eq!(p("2G").unwrap(), 2 << 30);
        assert_eq!(p("3K").unwrap(), 3072);
        assert_eq!(p("0").unwrap(), 0);
    }

    #[test]
    fn rejects_everything_else() {
        for s in ["1.5GB", "1kB", "1TB", "", "-5", "+5", "GB", " 1GB", "1GB ", "1 GB", "١٢", "99999999999999999999", "17179869184GB"] {
            let e = p(s).unwrap_err().to_string();
            assert!(e.contains(&format!("'{s}'")), "{e}");
        }
    }
}
