//! Which environment values of a client entry are secrets. A secret becomes a name under
//! `secrets:` (its value comes from `deploy/.env` at run time); its value is never written.

use crate::config::validate::secret_looking;

/// Why `name=value` is a secret, or `None` for a plain value.
pub fn why_secret(name: &str, value: &str) -> Option<String> {
    if value.contains("${input:") {
        return Some("a value the client asks the user for".into());
    }
    if value.contains("${env:") {
        return Some("read from the user's environment".into());
    }
    if let Some(why) = secret_looking(name, value) {
        return Some(why.to_string());
    }
    if let Some(word) = secret_word(name) {
        if !names_a_place(name) || value.contains('@') {
            return Some(format!("its name ({word})"));
        }
    }
    if high_entropy(value) {
        return Some("it looks like a random token".into());
    }
    None
}

/// Parts of a variable name that say it holds a secret: `GITHUB_PERSONAL_ACCESS_TOKEN`,
/// `OPENAI_API_KEY`, `DB_PASSWORD`, `BRAVE_APIKEY`, `GITLAB_PAT`, `SLACK_BOT_TOKEN`.
fn secret_word(name: &str) -> Option<&'static str> {
    const WORDS: &[&str] = &[
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PWD",
        "PASS",
        "KEY",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "AUTH",
        "PAT",
        "COOKIE",
        "SESSION",
        "BEARER",
        "PRIVATE",
        "DSN",
    ];
    let upper = name.to_ascii_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|part| WORDS.iter().find(|w| **w == part).copied())
        .or_else(|| {
            ["TOKEN", "SECRET", "PASSWORD", "APIKEY", "CREDENTIAL"]
                .into_iter()
                .find(|w| upper.contains(w))
        })
}

/// `TOKEN_URL`, `KEY_FILE`, `AUTH_TYPE`: a name about a secret that holds none.
fn names_a_place(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "_URL",
        "_URI",
        "_FILE",
        "_PATH",
        "_DIR",
        "_NAME",
        "_TYPE",
        "_MODE",
        "_HEADER",
        "_ID",
        "_ENDPOINT",
        "_HOST",
    ]
    .iter()
    .any(|s| upper.ends_with(s))
}

/// At least 20 characters of one word, letters and digits mixed, and close to random: a token
/// with a format nobody listed.
fn high_entropy(value: &str) -> bool {
    let v = value.trim();
    if v.len() < 20 || v.contains(char::is_whitespace) || v.contains("://") || v.contains('/') {
        return false;
    }
    let letters = v.chars().any(|c| c.is_ascii_alphabetic());
    let digits = v.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return false;
    }
    let mut counts = std::collections::BTreeMap::new();
    for c in v.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = v.chars().count() as f64;
    let bits: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    bits >= 3.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_say_secret() {
        for name in [
            "GITHUB_PERSONAL_ACCESS_TOKEN",
            "OPENAI_API_KEY",
            "BRAVE_APIKEY",
            "DB_PASSWORD",
            "GITLAB_PAT",
            "SLACK_BOT_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS_JSON",
            "SENTRY_DSN",
            "AUTH",
            "x-api-key",
        ] {
            assert!(why_secret(name, "short").is_some(), "{name}");
        }
    }

    #[test]
    fn plain_values_stay_plain() {
        for (name, value) in [
            ("LOG_LEVEL", "debug"),
            ("TZ", "Europe/Berlin"),
            ("MEMORY_FILE_PATH", "/data/memory.json"),
            ("TOKEN_URL", "https://auth.example.com/token"),
            ("AUTH_TYPE", "oauth"),
            ("MONKEY", "banana"),
            ("BASE_URL", "https://api.example.com/v1"),
            ("ALLOWED_DIRS", "/home/me/projects,/tmp"),
            ("PATH_VALUE", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"),
        ] {
            assert_eq!(why_secret(name, value), None, "{name}={value}");
        }
    }

    #[test]
    fn values_that_say_secret() {
        assert!(why_secret("X", "${input:github_token}").is_some());
        assert!(why_secret("X", "Bearer ${input:t}").is_some());
        assert!(why_secret("X", "${env:GH}").is_some());
        assert!(why_secret("GH", "ghp_0123456789abcdefABCDEF0123456789abcd").is_some());
        assert!(why_secret("LLM", "sk-proj-abcdefghijklmnop1234").is_some());
        assert!(why_secret("DATABASE_URL", "postgres://u:hunter2@db/x").is_some());
        assert!(why_secret("OPAQUE", "q8Zr2Lw9XkP4vN7mT1sB6yH3").is_some());
    }
}
