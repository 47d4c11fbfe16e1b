//! Durations as configuration writes them, in days: `744h`, `30d`, `1w`
//! (Prometheus/Loki), `30d`, `12h` (Elasticsearch, where `m` is minutes),
//! `10 days`, `1 week`, `3 months` (loguru), and the rotation periods of
//! logrotate and `TimedRotatingFileHandler`.

/// Days in a Prometheus/Loki/Elasticsearch duration (`744h`, `30d`,
/// `1w`, `1y`, `90m`, `1h30m`); `None` when it is not one.
pub fn compact(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut days = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit] {
            "y" => 365.0,
            "w" => 7.0,
            "d" => 1.0,
            "h" => 1.0 / 24.0,
            "m" => 1.0 / 1440.0,
            "s" => 1.0 / 86_400.0,
            "ms" => 1.0 / 86_400_000.0,
            _ => return None,
        };
        days += n * factor;
        rest = &rest[unit..];
    }
    Some(days)
}

/// Days in a loguru-style duration (`10 days`, `1 week`, `2 months`,
/// `12 h`); `None` when it is not one.
pub fn words(text: &str) -> Option<f64> {
    let text = text.trim().to_ascii_lowercase();
    let digits = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let n: f64 = if digits == 0 {
        1.0
    } else {
        text[..digits].parse().ok()?
    };
    let unit = text[digits..].trim();
    let factor = match unit.trim_end_matches('s') {
        "year" | "y" => 365.0,
        "month" => 30.0,
        "week" | "w" => 7.0,
        "day" | "d" => 1.0,
        "hour" | "h" => 1.0 / 24.0,
        "minute" | "min" | "m" => 1.0 / 1440.0,
        "second" | "sec" => 1.0 / 86_400.0,
        _ => return None,
    };
    Some(n * factor)
}

/// A logrotate frequency in days.
pub fn logrotate_period(directive: &str) -> Option<f64> {
    Some(match directive {
        "hourly" => 1.0 / 24.0,
        "daily" => 1.0,
        "weekly" => 7.0,
        "monthly" => 30.0,
        "yearly" => 365.0,
        _ => return None,
    })
}

/// The length of one `when` unit of `TimedRotatingFileHandler`, in days.
pub fn handler_when(when: &str) -> Option<f64> {
    let w = when.to_ascii_uppercase();
    Some(match w.as_str() {
        "S" => 1.0 / 86_400.0,
        "M" => 1.0 / 1440.0,
        "H" => 1.0 / 24.0,
        "D" | "MIDNIGHT" => 1.0,
        _ if w.len() == 2 && w.starts_with('W') && matches!(w.as_bytes()[1], b'0'..=b'6') => 7.0,
        _ => return None,
    })
}

/// Days as a message says them: `7 days`, `0.5 days`, `1 day`.
pub fn say(days: f64) -> String {
    let rounded = (days * 10.0).round() / 10.0;
    if rounded == 1.0 {
        "1 day".into()
    } else if rounded.fract() == 0.0 {
        format!("{} days", rounded as i64)
    } else {
        format!("{rounded} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(compact("744h"), Some(31.0));
        assert_eq!(compact("30d"), Some(30.0));
        assert_eq!(compact("1w"), Some(7.0));
        assert_eq!(compact("1h30m"), Some(1.5 / 24.0));
        assert_eq!(compact("0s"), Some(0.0));
        assert_eq!(compact("forever"), None);
        assert_eq!(words("10 days"), Some(10.0));
        assert_eq!(words("1 week"), Some(7.0));
        assert_eq!(words("3 months"), Some(90.0));
        assert_eq!(words("soon"), None);
        assert_eq!(handler_when("midnight"), Some(1.0));
        assert_eq!(handler_when("W6"), Some(7.0));
        assert_eq!(say(7.0), "7 days");
        assert_eq!(say(1.0), "1 day");
    }
}
