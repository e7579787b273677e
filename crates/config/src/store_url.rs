//! The PostgreSQL store's address, as PostgreSQL's clients take it: a URL
//! (`postgres://user:password@host:5432/wabox`) or `key=value` words
//! (`host=/run/postgresql dbname=wabox`). It may hold a password, so it is a secret: what is
//! shown of it is `redacted`.

/// Whether the address is one PostgreSQL's clients take; the error says what is wrong.
pub fn check(address: &str) -> Result<(), String> {
    let address = address.trim();
    if is_url(address) {
        let parsed = url::Url::parse(address)
            .map_err(|e| format!("[store] url is not a valid URL ({e})"))?;
        if parsed.host_str().is_none_or(str::is_empty)
            && !parsed.query().is_some_and(|q| q.contains("host="))
        {
            return Err("[store] url names no host: postgres://USER@HOST/DATABASE".into());
        }
        return Ok(());
    }
    if words(address).any(|(k, _)| k.is_empty()) || !address.contains('=') {
        return Err(
            "[store] url is neither a postgres:// URL nor key=value words (host=... dbname=...)"
                .into(),
        );
    }
    Ok(())
}

/// Whether it carries a password, which makes the config file's mode rule apply.
pub fn has_password(address: &str) -> bool {
    let address = address.trim();
    if is_url(address) {
        return url::Url::parse(address).is_ok_and(|u| {
            u.password().is_some() || u.query_pairs().any(|(k, _)| k == "password")
        });
    }
    words(address).any(|(k, _)| k == "password")
}

/// The address with its password replaced by `***`, to show.
pub fn redacted(address: &str) -> String {
    let address = address.trim();
    if is_url(address) {
        return match url::Url::parse(address) {
            Ok(mut u) => {
                if u.password().is_some() {
                    let _ = u.set_password(Some("***"));
                }
                if u.query_pairs().any(|(k, _)| k == "password") {
                    let pairs: Vec<(String, String)> = u
                        .query_pairs()
                        .map(|(k, v)| {
                            let v = if k == "password" {
                                "***".into()
                            } else {
                                v.into_owned()
                            };
                            (k.into_owned(), v)
                        })
                        .collect();
                    u.query_pairs_mut().clear().extend_pairs(pairs);
                }
                u.to_string()
            }
            Err(_) => "postgres://(not a valid URL)".into(),
        };
    }
    words(address)
        .map(|(k, v)| {
            if k == "password" {
                "password=***".to_string()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_url(address: &str) -> bool {
    address.starts_with("postgres://") || address.starts_with("postgresql://")
}

/// `key=value` words, a value quoted with '...' when it holds spaces.
fn words(address: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = address.trim();
    std::iter::from_fn(move || {
        rest = rest.trim_start();
        if rest.is_empty() {
            return None;
        }
        let (key, after) = rest.split_once('=').unwrap_or((rest, ""));
        let key = key.trim();
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('\'') {
            match quoted.find('\'') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => (quoted, ""),
            }
        } else {
            match after.find(char::is_whitespace) {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        rest = next;
        Some((key, value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_found_and_hidden_in_either_form() {
        for (address, password, shown) in [
            (
                "postgres://wabox:s3cret@db.internal:5432/wabox",
                true,
                "postgres://wabox:***@db.internal:5432/wabox",
            ),
            (
                "postgresql://wabox@db.internal/wabox?password=s3cret&sslmode=disable",
                true,
                "postgresql://wabox@db.internal/wabox?password=***&sslmode=disable",
            ),
            (
                "postgres://wabox@db.internal/wabox",
                false,
                "postgres://wabox@db.internal/wabox",
            ),
            (
                "host=/run/postgresql dbname=wabox password='two words'",
                true,
                "host=/run/postgresql dbname=wabox password=***",
            ),
            (
                "host=/run/postgresql dbname=wabox",
                false,
                "host=/run/postgresql dbname=wabox",
            ),
        ] {
            assert_eq!(has_password(address), password, "{address}");
            assert_eq!(redacted(address), shown);
            assert!(!redacted(address).contains("s3cret"));
            assert!(check(address).is_ok(), "{address}");
        }
    }

    #[test]
    fn an_address_postgres_would_not_take_is_refused_with_the_form_it_takes() {
        for (address, says) in [
            ("mysql://root@localhost/wabox", "neither a postgres:// URL"),
            ("/var/lib/wabox/wabox.db", "neither a postgres:// URL"),
            ("postgres://", "names no host"),
        ] {
            let refused = check(address).unwrap_err();
            assert!(refused.contains(says), "{address}: {refused}");
        }
    }
}
