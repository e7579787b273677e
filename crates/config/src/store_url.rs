//! The PostgreSQL store's address, as PostgreSQL's clients take it: a URL
//! (`postgres://user:password@host:5432/wabox`) or `key=value` words
//! (`host=/run/postgresql dbname=wabox`). It may hold a password, so it is a secret: what is
//! shown of it is `redacted`.

/// Whether the address is one PostgreSQL's clients take; the error says what is wrong.
pub fn check(address: &str) -> Result<(), String> {
    let address = address.trim();
    if let Some(url) = Url::split(address) {
        if url.hosts.is_empty() && !url.query.contains("host=") {
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
    match Url::split(address) {
        Some(url) => {
            url.password().is_some() || query_pairs(url.query).any(|(k, _)| k == "password")
        }
        None => words(address).any(|(k, _)| k == "password"),
    }
}

/// The address with its password replaced by `***`, to show.
pub fn redacted(address: &str) -> String {
    let address = address.trim();
    if let Some(url) = Url::split(address) {
        let user = match url.password() {
            Some(_) => format!("{}:***@", url.user()),
            None if url.userinfo.is_empty() => String::new(),
            None => format!("{}@", url.userinfo),
        };
        let query = if url.query.is_empty() {
            String::new()
        } else {
            let pairs: Vec<String> = query_pairs(url.query)
                .map(|(k, v)| {
                    if k == "password" {
                        "password=***".to_string()
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            format!("?{}", pairs.join("&"))
        };
        return format!("{}://{user}{}{}{query}", url.scheme, url.hosts, url.path);
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

/// A `postgres://` URL's parts, read by hand: it may name several hosts
/// (`db1:5432,db2:5432`), which a general URL parser refuses.
struct Url<'a> {
    scheme: &'a str,
    userinfo: &'a str,
    hosts: &'a str,
    path: &'a str,
    query: &'a str,
}

impl<'a> Url<'a> {
    fn split(address: &'a str) -> Option<Url<'a>> {
        let (scheme, rest) = address.split_once("://")?;
        if scheme != "postgres" && scheme != "postgresql" {
            return None;
        }
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let (userinfo, hosts) = authority.rsplit_once('@').unwrap_or(("", authority));
        Some(Url {
            scheme,
            userinfo,
            hosts,
            path,
            query,
        })
    }

    fn user(&self) -> &'a str {
        self.userinfo
            .split_once(':')
            .map_or(self.userinfo, |(u, _)| u)
    }

    fn password(&self) -> Option<&'a str> {
        self.userinfo.split_once(':').map(|(_, p)| p)
    }
}

fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// `key=value` words, a value quoted with '...' when it holds spaces, or a space escaped with a
/// backslash; `\'` and `\\` escaped inside either, as libpq reads them.
pub fn words(address: &str) -> impl Iterator<Item = (&str, String)> {
    let mut rest = address;
    std::iter::from_fn(move || {
        rest = rest.trim_start();
        if rest.is_empty() {
            return None;
        }
        let (key, after) = rest.split_once('=').unwrap_or((rest, ""));
        let after = after.trim_start();
        let mut value = String::new();
        match after.strip_prefix('\'') {
            Some(quoted) => {
                let mut chars = quoted.char_indices();
                rest = "";
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next().map(|(_, c)| c)),
                        '\'' => {
                            rest = &quoted[i + 1..];
                            break;
                        }
                        c => value.push(c),
                    }
                }
            }
            // Unquoted, a backslash escapes the next character too (`password=two\ words`):
            // the value ends at the first whitespace not escaped.
            None => {
                let mut chars = after.char_indices();
                rest = "";
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => value.extend(chars.next().map(|(_, c)| c)),
                        c if c.is_whitespace() => {
                            rest = &after[i..];
                            break;
                        }
                        c => value.push(c),
                    }
                }
            }
        }
        Some((key.trim(), value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_password_with_an_escaped_quote_is_hidden_whole() {
        // Read as libpq reads it: the quote after a backslash does not end the value.
        let address = r"host=db password='it\'s a secret' dbname=wabox";
        assert!(has_password(address));
        assert_eq!(redacted(address), "host=db password=*** dbname=wabox");
        let pairs: Vec<(&str, String)> = words(address).collect();
        assert_eq!(pairs[1], ("password", "it's a secret".to_string()));
    }

    #[test]
    fn an_unquoted_password_with_escaped_spaces_is_hidden_whole() {
        // libpq reads `Sec\ ret\ Tail` as one value; split at the spaces, its tail was shown.
        let address = r"host=db user=w password=Sec\ ret\ Tail dbname=wabox";
        assert!(has_password(address));
        assert_eq!(
            redacted(address),
            "host=db user=w password=*** dbname=wabox"
        );
        let pairs: Vec<(&str, String)> = words(address).collect();
        assert_eq!(pairs[2], ("password", "Sec ret Tail".to_string()));
        assert_eq!(pairs[3], ("dbname", "wabox".to_string()));
    }

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
