use crate::{Error, Result};

/// Microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// A point in time: microseconds since 1970-01-01T00:00:00 (naive, no time zone), the unit of the MEDS
/// `time` column (`timestamp[us]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |acc, &c| acc * 10 + (c - b'0') as i64))
}

impl Timestamp {
    /// The timestamp at midnight of a calendar date, or `None` for an impossible date.
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self(days_from_civil(year, month, day) * MICROS_PER_DAY))
    }

    /// The timestamp of a calendar date and time of day, or `None` when a field is out of range.
    pub fn from_ymd_hms(year: i64, month: u32, day: u32, h: u32, mi: u32, s: u32) -> Option<Self> {
        if h > 23 || mi > 59 || s > 59 {
            return None;
        }
        let date = Self::from_ymd(year, month, day)?;
        Some(Self(date.0 + (h as i64 * 3600 + mi as i64 * 60 + s as i64) * MICROS_PER_SECOND))
    }

    /// Parses ISO-like text: `YYYY-MM-DD`, optionally followed by ` ` or `T` and `HH:MM`, `HH:MM:SS` or
    /// `HH:MM:SS.ffffff`. Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || Error::BadTimestamp { value: text.to_string() };
        let b = text.trim().as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let y = digits(&b[0..4]).ok_or_else(bad)?;
        let mo = digits(&b[5..7]).ok_or_else(bad)? as u32;
        let d = digits(&b[8..10]).ok_or_else(bad)? as u32;
        let date = Self::from_ymd(y, mo, d).ok_or_else(bad)?;
        if b.len() == 10 {
            return Ok(date);
        }
        if b[10] != b' ' && b[10] != b'T' {
            return Err(bad());
        }
        let t = &b[11..];
        if t.len() < 5 || t[2] != b':' {
            return Err(bad());
        }
        let h = digits(&t[0..2]).ok_or_else(bad)?;
        let mi = digits(&t[3..5]).ok_or_else(bad)?;
        let (s, frac) = match t.len() {
            5 => (0, 0),
            _ if t.len() >= 8 && t[5] == b':' => {
                let s = digits(&t[6..8]).ok_or_else(bad)?;
                let frac = if t.len() == 8 {
                    0
                } else if t[8] == b'.' && t.len() > 9 && t.len() <= 15 {
                    let f = &t[9..];
                    digits(f).ok_or_else(bad)? * 10i64.pow(6 - f.len() as u32)
                } else {
                    return Err(bad());
                };
                (s, frac)
            }
            _ => return Err(bad()),
        };
        if h > 23 || mi > 59 || s > 59 {
            return Err(bad());
        }
        Ok(Self(date.0 + (h * 3600 + mi * 60 + s) * MICROS_PER_SECOND + frac))
    }

    /// The (year, month, day) of this timestamp.
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.0.div_euclid(MICROS_PER_DAY))
    }
}

impl std::fmt::Display for Timestamp {
    /// ISO 8601 without a zone, `YYYY-MM-DDTHH:MM:SS`, with `.ffffff` only when there are microseconds.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = self.0.div_euclid(MICROS_PER_DAY);
        let rem = self.0.rem_euclid(MICROS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let secs = rem / MICROS_PER_SECOND;
        let micros = rem % MICROS_PER_SECOND;
        write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)?;
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_a_wide_range() {
        for z in (-1_000_000..1_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn parses_the_formats_ehr_extracts_use() {
        // 2000-01-01 is 10957 days after the epoch.
        assert_eq!(Timestamp::parse("2000-01-01").unwrap().0, 10_957 * MICROS_PER_DAY);
        let t = Timestamp::parse("2180-03-23 11:51:00").unwrap();
        assert_eq!(Timestamp::parse("2180-03-23T11:51").unwrap(), t);
        assert_eq!(Timestamp::parse("2180-03-23 11:51:00.5").unwrap().0, t.0 + 500_000);
        assert_eq!(t.to_string(), "2180-03-23T11:51:00");
        assert_eq!(Timestamp(-1).to_string(), "1969-12-31T23:59:59.999999");
    }

    #[test]
    fn rejects_impossible_dates_with_the_text() {
        for bad in ["2021-02-29", "2021-13-01", "2021-01-01 24:00:00", "20210101", "2021-01-01x", ""] {
            let err = Timestamp::parse(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("{bad:?}")), "{err}");
        }
        assert!(Timestamp::parse("2024-02-29").is_ok());
    }
}
