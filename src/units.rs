//! Small value parsers shared by validation (config) and resolution (model).

/// `300s`, `5m`, `1h30m` or plain seconds → whole seconds.
pub fn parse_duration(s: &str) -> Option<u64> {
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    humantime::parse_duration(s).ok().map(|d| d.as_secs())
}

/// `500ms`, `2s` → milliseconds.
pub fn parse_duration_ms(s: &str) -> Option<u64> {
    humantime::parse_duration(s)
        .ok()
        .map(|d| d.as_millis() as u64)
}

/// `512M`, `1g`, `1024` → bytes.
pub fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1u64,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        _ => return None,
    };
    (n > 0.0).then_some((n * mult as f64) as u64)
}

/// `1.27`, `1.27.3` → (1, 27, 3).
pub fn parse_version(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split('.').map(|p| p.parse::<u32>());
    let major = it.next()?.ok()?;
    let minor = it.next()?.ok()?;
    // A tag such as `1.27` floats to the newest patch release of that line.
    let patch = match it.next() {
        Some(p) => p.ok()?,
        None => u32::MAX,
    };
    it.next().is_none().then_some((major, minor, patch))
}

/// The nginx version an image tag names (`nginx:1.27-alpine` → 1.27.0), if it names one.
pub fn nginx_version_of_image(image: &str) -> Option<(u32, u32, u32)> {
    let tag = image.rsplit_once(':')?.1;
    let head: String = tag
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    parse_version(head.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("300s"), Some(300));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_bytes("512M"), Some(512 << 20));
        assert_eq!(parse_bytes("1.5g"), Some(3 << 29));
        assert_eq!(parse_bytes("12x"), None);
        assert_eq!(
            nginx_version_of_image("nginx:1.27-alpine"),
            Some((1, 27, u32::MAX))
        );
        assert_eq!(nginx_version_of_image("nginx:1.27.3"), Some((1, 27, 3)));
        assert_eq!(nginx_version_of_image("local/nginx"), None);
        assert_eq!(nginx_version_of_image("nginx:stable"), None);
    }
}
