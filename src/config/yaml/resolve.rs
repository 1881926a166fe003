//! What a scalar's text means: YAML 1.2's core schema, with the spellings serde_yaml accepts
//! (so that a file reads as it always has).

/// `~`, `null`, `Null` or `NULL` (an empty plain scalar is null too, where a value is read).
pub fn is_null(text: &str) -> bool {
    matches!(text, "~" | "null" | "Null" | "NULL")
}

pub fn boolean(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// An integer: an optional sign, then decimal digits (no leading zero unless alone), or
/// `0x`, `0o` or `0b` and digits of that base. `None` beyond u128 or below i128.
pub fn integer(text: &str) -> Option<Int> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(d) = rest.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = rest.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = rest.strip_prefix("0b") {
        (2, d)
    } else {
        if leading_zero(text) {
            return None;
        }
        (10, rest)
    };
    // `from_str_radix` would take a sign of its own: the one above is the only one allowed.
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if !negative {
        return Some(Int::Positive(magnitude));
    }
    // Below i128's range it is not an integer (a decimal one reads as a float).
    0i128.checked_sub_unsigned(magnitude)?;
    Some(Int::Negative(magnitude))
}

/// An integer's sign and size, placed in the narrowest of u64, i64, u128 and i128.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Int {
    Positive(u128),
    /// The magnitude of a value below zero (`-0` included).
    Negative(u128),
}

impl Int {
    pub fn as_i64(self) -> Option<i64> {
        match self {
            Int::Positive(m) => i64::try_from(m).ok(),
            Int::Negative(m) => 0i128
                .checked_sub_unsigned(m)
                .and_then(|v| i64::try_from(v).ok()),
        }
    }

    pub fn as_u64(self) -> Option<u64> {
        match self {
            Int::Positive(m) => u64::try_from(m).ok(),
            Int::Negative(_) => None,
        }
    }

    pub fn as_i128(self) -> Option<i128> {
        match self {
            Int::Positive(m) => i128::try_from(m).ok(),
            Int::Negative(m) => 0i128.checked_sub_unsigned(m),
        }
    }
}

/// Digits with a leading zero (`007`, `-01`): a string in YAML 1.2, not a number.
pub fn leading_zero(text: &str) -> bool {
    let t = text.strip_prefix(['-', '+']).unwrap_or(text);
    t.len() > 1 && t.starts_with('0') && t.bytes().all(|b| b.is_ascii_digit())
}

/// A finite float, or `.inf`, `-.inf` or `.nan` in the core schema's spellings.
pub fn float(text: &str) -> Option<f64> {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    match unsigned {
        ".inf" | ".Inf" | ".INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(f64::NAN);
    }
    unsigned.parse::<f64>().ok().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_in_every_base_and_sign() {
        assert_eq!(integer("42"), Some(Int::Positive(42)));
        assert_eq!(integer("+42"), Some(Int::Positive(42)));
        assert_eq!(integer("-42").and_then(Int::as_i64), Some(-42));
        assert_eq!(integer("0x1F"), Some(Int::Positive(31)));
        assert_eq!(integer("-0x10").and_then(Int::as_i64), Some(-16));
        assert_eq!(integer("0o17"), Some(Int::Positive(15)));
        assert_eq!(integer("0b101"), Some(Int::Positive(5)));
        assert_eq!(integer("0"), Some(Int::Positive(0)));
        assert_eq!(integer("007"), None);
        assert_eq!(integer("0x+5"), None);
        assert_eq!(integer("+-5"), None);
        assert_eq!(integer("1_000"), None);
        assert_eq!(
            integer("-9223372036854775808").and_then(Int::as_i64),
            Some(i64::MIN)
        );
        assert_eq!(integer("-9223372036854775809").and_then(Int::as_i64), None);
        assert_eq!(integer("18446744073709551616").and_then(Int::as_u64), None);
    }

    #[test]
    fn floats_and_what_is_not_one() {
        assert_eq!(float("1.10"), Some(1.1));
        assert_eq!(float("+.INF"), Some(f64::INFINITY));
        assert_eq!(float("-.inf"), Some(f64::NEG_INFINITY));
        assert!(float(".NaN").is_some_and(f64::is_nan));
        assert_eq!(float("inf"), None);
        assert_eq!(float("NaN"), None);
        assert_eq!(float("+-1.0"), None);
    }
}
