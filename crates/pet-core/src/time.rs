//! Time stamps: seconds since the Unix epoch, and their UTC rendering.

/// Seconds since the Unix epoch, as f64.
pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// UTC time as `2026-11-27T06:55:00Z` (no external time crate needed).
pub fn utc_timestamp(unix: f64) -> String {
    let secs = unix.max(0.0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_utc() {
        assert_eq!(super::utc_timestamp(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(
            super::utc_timestamp(1_795_000_000.0),
            "2026-11-18T11:06:40Z"
        );
        assert_eq!(super::utc_timestamp(951_782_400.0), "2000-02-29T00:00:00Z");
    }
}
