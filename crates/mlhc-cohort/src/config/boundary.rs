//! Window boundaries as written in a task config (`trigger`, `input.end`, `start + 24h`,
//! `end <- admission`, `null`) and the durations inside them.

use mlhc_core::MICROS_PER_SECOND;

/// Which event a boundary is measured from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reference {
    /// The trigger event.
    Trigger,
    /// The other end of the same window: `start` (written in `end`) or `end` (written in `start`).
    OwnStart,
    /// See [`Reference::OwnStart`].
    OwnEnd,
    /// The start or end of another window: `input.end`.
    Window {
        /// The other window.
        window: String,
        /// `true` for `.end`, `false` for `.start`.
        end: bool,
    },
}

/// How far a boundary lies from its reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Extent {
    /// At the reference itself (`trigger`, `input.end`, or a zero offset).
    AtReference,
    /// A fixed, non-zero signed offset in microseconds (`start + 24h`, `end - 365d`).
    Offset(i64),
    /// The nearest event of a predicate, forward (`->`) or backward (`<-`) from the reference.
    Event {
        /// The predicate name (possibly `_RECORD_START` / `_RECORD_END` / `_ANY_EVENT`).
        predicate: String,
        /// `true` for `<-` (the nearest event before the reference).
        backward: bool,
    },
}

/// A parsed window boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Boundary {
    pub reference: Reference,
    pub extent: Extent,
}

impl Boundary {
    /// Whether this boundary lies before its reference (`None` when it is neither before nor after,
    /// as ACES's `occurs_before`).
    pub fn occurs_before(&self) -> Option<bool> {
        match &self.extent {
            Extent::AtReference => None,
            Extent::Offset(o) => Some(*o < 0),
            Extent::Event { backward, .. } => Some(*backward),
        }
    }
}

fn is_word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn parse_reference(text: &str) -> Result<Reference, String> {
    let bad = || {
        format!("{text:?} is not a valid reference: use `trigger`, `start`, `end` or `<window>.start` / `<window>.end`")
    };
    if let Some((window, point)) = text.split_once('.') {
        if !is_word(window) || point.contains('.') {
            return Err(bad());
        }
        let end = match point {
            "start" => false,
            "end" => true,
            _ => return Err(bad()),
        };
        return Ok(Reference::Window { window: window.to_string(), end });
    }
    match text {
        "trigger" => Ok(Reference::Trigger),
        "start" => Ok(Reference::OwnStart),
        "end" => Ok(Reference::OwnEnd),
        // ACES accepts any word here and then rejects everything but `trigger`.
        w if is_word(w) => Err(format!("{w:?} is not a valid reference: a bare name must be `trigger`")),
        _ => Err(bad()),
    }
}

/// Parses one boundary string, as ACES's `WindowConfig._parse_boundary`.
pub(crate) fn parse_boundary(text: &str) -> Result<Boundary, String> {
    let has_fwd = text.contains("->");
    let has_bwd = text.contains("<-");
    if has_fwd || has_bwd {
        if has_fwd && has_bwd {
            return Err("a boundary cannot contain both `->` and `<-`".into());
        }
        let sep = if has_fwd { "->" } else { "<-" };
        let parts: Vec<&str> = text.split(sep).map(str::trim).collect();
        if parts.len() != 2 {
            return Err(format!("{text:?} has more than one `{sep}`"));
        }
        let reference = parse_reference(parts[0])?;
        if !is_word(parts[1]) {
            return Err(format!("{:?} is not a predicate name", parts[1]));
        }
        return Ok(Boundary {
            reference,
            extent: Extent::Event { predicate: parts[1].to_string(), backward: has_bwd },
        });
    }
    let has_plus = text.contains('+');
    let has_minus = text.contains('-');
    if has_plus || has_minus {
        if has_plus && has_minus {
            return Err("a boundary cannot contain both `+` and `-`".into());
        }
        let sep = if has_plus { '+' } else { '-' };
        let parts: Vec<&str> = text.split(sep).map(str::trim).collect();
        if parts.len() != 2 {
            return Err(format!("{text:?} has more than one `{sep}`"));
        }
        let reference = parse_reference(parts[0])?;
        let magnitude = parse_duration(parts[1]).ok_or_else(|| format!("cannot parse the offset {:?}", parts[1]))?;
        let offset = if has_minus { -magnitude } else { magnitude };
        // ACES treats a zero offset as no offset at all (with a warning).
        let extent = if offset == 0 { Extent::AtReference } else { Extent::Offset(offset) };
        return Ok(Boundary { reference, extent });
    }
    Ok(Boundary { reference: parse_reference(text.trim())?, extent: Extent::AtReference })
}

/// Parses a duration as `pytimeparse` (which ACES uses) does for the forms seen in task configs:
/// a sequence of `<number><unit>` terms (`24h`, `7 days`, `1h30m`, `1.5 days`, `2w`), optionally
/// separated by spaces or commas and optionally followed by a clock `H:MM` or `H:MM:SS`; a bare
/// number is seconds. Units: w/wk(s)/week(s), d/dy(s)/day(s), h/hr(s)/hour(s), m/min(s)/minute(s),
/// s/sec(s)/second(s). Months and years are rejected, as pytimeparse rejects them. Returns
/// microseconds (the magnitude; a leading sign is handled by the caller).
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let s = text.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut rest = s;
    let mut any = false;
    while !rest.is_empty() {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let number = &rest[..num_len];
        let after = &rest[num_len..];
        if let Some(clock) = after.strip_prefix(':') {
            // `H:MM` or `H:MM:SS`, which must be the last term.
            let mut fields = vec![number];
            fields.extend(clock.trim_end().split(':'));
            if fields.len() > 3 || fields.iter().any(|f| f.is_empty()) {
                return None;
            }
            let values: Option<Vec<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
            let values = values?;
            let secs = values[0] * 3600.0 + values[1] * 60.0 + values.get(2).copied().unwrap_or(0.0);
            total += secs;
            any = true;
            break;
        }
        let value: f64 = number.parse().ok()?;
        let after = after.trim_start();
        let unit_len = after.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(after.len());
        let unit = &after[..unit_len];
        let seconds = match unit.to_ascii_lowercase().as_str() {
            "w" | "wk" | "wks" | "week" | "weeks" => 7.0 * 86400.0,
            "d" | "dy" | "dys" | "day" | "days" => 86400.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "s" | "sec" | "secs" | "second" | "seconds" | "" => 1.0,
            _ => return None,
        };
        total += value * seconds;
        any = true;
        rest = &after[unit_len..];
    }
    if !any || !total.is_finite() {
        return None;
    }
    Some((total * MICROS_PER_SECOND as f64).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600 * MICROS_PER_SECOND;

    #[test]
    fn durations_match_pytimeparse() {
        // pytimeparse 1.1.10 `parse(...)` in seconds, as checked alongside es-aces 0.7.3.
        assert_eq!(parse_duration("24h"), Some(24 * H));
        assert_eq!(parse_duration("7 days"), Some(7 * 24 * H));
        assert_eq!(parse_duration("2 hours"), Some(2 * H));
        assert_eq!(parse_duration("6570d"), Some(6570 * 24 * H));
        assert_eq!(parse_duration("1.5h"), Some(3 * H / 2));
        assert_eq!(parse_duration("1h30m"), Some(3 * H / 2));
        assert_eq!(parse_duration("1:30:00"), Some(3 * H / 2));
        assert_eq!(parse_duration("30 days, 2:00:00"), Some(30 * 24 * H + 2 * H));
        assert_eq!(parse_duration("2w"), Some(14 * 24 * H));
        assert_eq!(parse_duration("90s"), Some(90 * MICROS_PER_SECOND));
        assert_eq!(parse_duration("10 mins"), Some(600 * MICROS_PER_SECOND));
        assert_eq!(parse_duration("1y"), None);
        assert_eq!(parse_duration("3 months"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn boundaries() {
        let b = parse_boundary("start + 24h").unwrap();
        assert_eq!(b, Boundary { reference: Reference::OwnStart, extent: Extent::Offset(24 * H) });
        let b = parse_boundary("end - 365 days").unwrap();
        assert_eq!(b.extent, Extent::Offset(-365 * 24 * H));
        assert_eq!(b.occurs_before(), Some(true));
        let b = parse_boundary("end <- admission").unwrap();
        assert_eq!(b.extent, Extent::Event { predicate: "admission".into(), backward: true });
        let b = parse_boundary("input.end").unwrap();
        assert_eq!(b.reference, Reference::Window { window: "input".into(), end: true });
        assert_eq!(parse_boundary("trigger + 0h").unwrap().extent, Extent::AtReference);
        assert!(parse_boundary("admission").is_err());
        assert!(parse_boundary("start + 1d - 2h").is_err());
        assert!(parse_boundary("input.middle").is_err());
    }
}
