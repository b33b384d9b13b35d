//! When and how long to wait before trying a request again: exponential backoff with jitter,
//! `Retry-After` in seconds or as an HTTP date, and a cap on attempts.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Retry settings.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per page, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles on each further attempt.
    pub base_delay: Duration,
    /// Upper bound of one backoff.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this stops the fetch (resumable) instead of sleeping:
    /// OpenAlex answers 429 with a long wait when the daily allowance is spent.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::from_millis(1000),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// Backoff after failed attempt number `attempt` (1-based): `base · 2^(attempt−1)`, capped,
    /// then scaled by a random factor in [0.5, 1) ("equal jitter"), so clients that failed
    /// together do not retry together.
    pub fn backoff(&self, attempt: u32, rng: &mut Jitter) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let raw = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        raw.mul_f64(0.5 + 0.5 * rng.unit())
    }
}

/// A small xorshift generator for jitter (no dependency; quality is irrelevant here).
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    /// Seeded from the clock and the process id.
    pub fn from_entropy() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self::new(nanos ^ (u64::from(std::process::id()) << 32))
    }

    /// A number in [0, 1).
    pub fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Parses a `Retry-After` value: delay seconds, or an HTTP date (IMF-fixdate, RFC 850 or
/// asctime), relative to `now`. A date in the past means no wait.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_http_date(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// Seconds since the Unix epoch of an HTTP date, in any of the three formats of RFC 9110.
pub fn parse_http_date(value: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mut month = None;
    let mut time = None;
    let mut numbers = Vec::new();
    for token in value.split([' ', ',', '-']).filter(|t| !t.is_empty()) {
        let lower = token.to_ascii_lowercase();
        if let Some(m) = MONTHS.iter().position(|m| *m == lower) {
            month = Some(m as u32 + 1);
        } else if token.contains(':') {
            let mut parts = token.split(':').map(|p| p.parse::<u32>().ok());
            let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
            if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
                return None;
            }
            time = Some(h * 3600 + m * 60 + s);
        } else if token.bytes().all(|b| b.is_ascii_digit()) {
            numbers.push(token);
        }
    }
    let (month, time) = (month?, time?);
    let [day, year] = numbers.as_slice() else {
        return None;
    };
    let day: u32 = day.parse().ok()?;
    let year: i64 = match year.len() {
        2 => {
            let y: i64 = year.parse().ok()?;
            if y >= 70 { 1900 + y } else { 2000 + y }
        }
        4 => year.parse().ok()?,
        _ => return None,
    };
    if !(1..=31).contains(&day) || year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    u64::try_from(days * 86_400 + i64::from(time)).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The UTC calendar day (`YYYY-MM-DD`) of a time, for the daily budget.
pub fn utc_day(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_all_date_formats() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        for (value, secs) in [
            ("120", Some(120)),
            (" 0 ", Some(0)),
            ("Sun, 06 Nov 1994 08:49:37 GMT", Some(0)),
            ("Sun, 06 Nov 1994 08:51:37 GMT", Some(120)),
            ("Sunday, 06-Nov-94 08:50:37 GMT", Some(60)),
            ("Sun Nov  6 08:49:47 1994", Some(10)),
            ("Sat, 05 Nov 1994 08:49:37 GMT", Some(0)),
            ("tomorrow", None),
            ("Sun, 06 Nov 1994 25:00:00 GMT", None),
            ("-5", None),
        ] {
            assert_eq!(
                parse_retry_after(value, now),
                secs.map(Duration::from_secs),
                "{value}"
            );
        }
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        let mut rng = Jitter::new(7);
        for (attempt, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            let d = p.backoff(attempt, &mut rng).as_millis();
            assert!(d >= full / 2 && d < full, "attempt {attempt}: {d} ms");
        }
        let spread: std::collections::BTreeSet<u128> = (0..20)
            .map(|_| p.backoff(3, &mut rng).as_millis())
            .collect();
        assert!(spread.len() > 5, "no jitter: {spread:?}");
    }

    #[test]
    fn utc_days() {
        assert_eq!(utc_day(UNIX_EPOCH), "1970-01-01");
        assert_eq!(
            utc_day(UNIX_EPOCH + Duration::from_secs(784_111_777)),
            "1994-11-06"
        );
        assert_eq!(
            utc_day(UNIX_EPOCH + Duration::from_secs(1_709_164_800)),
            "2024-02-29"
        );
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
    }
}
