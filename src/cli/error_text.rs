//! An error as one line: its causes joined by `: `, each said once.
//!
//! Several layers both quote their cause in their own text and name it as their source (the
//! store's database error, the `postgres` client's "error connecting to server"), so anyhow's
//! `{:#}` printed the same words two or three times over: `database error: FATAL: password
//! authentication failed …: FATAL: password authentication failed …: db error: FATAL: …`.

/// The error and each cause whose words the line does not already hold.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        // `db error: X` is the client's wrapper of the server's X, which the line quotes.
        let bare = text.strip_prefix("db error: ").unwrap_or(&text);
        if bare.is_empty() || line.contains(bare) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("database error: {0}")]
    struct Quoting(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("FATAL: password authentication failed for user \"wabox\"")]
    struct Inner(#[source] Wrapped);

    #[derive(Debug, thiserror::Error)]
    #[error("db error: FATAL: password authentication failed for user \"wabox\"")]
    struct Wrapped;

    #[test]
    fn a_cause_the_line_already_quotes_is_not_said_again() {
        let e = anyhow::Error::new(Quoting(Inner(Wrapped)));
        assert_eq!(
            error_text(&e),
            "database error: FATAL: password authentication failed for user \"wabox\""
        );
    }

    #[test]
    fn causes_with_words_of_their_own_are_all_said() {
        let e = anyhow::anyhow!("permission denied (os error 13)")
            .context("could not read /etc/wabox/config.toml");
        assert_eq!(
            error_text(&e),
            "could not read /etc/wabox/config.toml: permission denied (os error 13)"
        );
    }
}
