//! How soon a connection to PostgreSQL gives up on a server that stopped answering without
//! closing it: a host that lost power, or a network that dropped it. A server that stops
//! (`pg_ctl stop`, a crash of the server alone) closes its connections, and the engine
//! connects again at once; a dead host closes nothing. With the system's defaults a statement
//! sent to one waits for TCP's retransmissions, about fifteen minutes, and a connection to
//! one for about two: the journal's threads stuck there answered no delivery (each got a 408
//! at its 30 s deadline) long after a standby had taken over.
//!
//! So, unless the address says otherwise: a connection is given `CONNECT_TIMEOUT` to be made
//! (per host, for an address that lists several), a statement is dropped once what it sent
//! has gone unacknowledged for `TCP_USER_TIMEOUT`, and an idle connection (or one waiting for
//! a long statement's answer) is probed by TCP keepalives after `KEEPALIVES_IDLE`, so a silent
//! peer is found within about `TCP_USER_TIMEOUT` too. A live server's kernel answers probes
//! and acknowledges at once, however long its statements take. None of it applies to a Unix
//! socket.

use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const TCP_USER_TIMEOUT: Duration = Duration::from_secs(15);
pub const KEEPALIVES_IDLE: Duration = Duration::from_secs(5);
pub const KEEPALIVES_INTERVAL: Duration = Duration::from_secs(2);
pub const KEEPALIVES_RETRIES: u32 = 5;

/// The client's own idle time before keepalives, which it reports when none was set.
const CLIENT_KEEPALIVES_IDLE: Duration = Duration::from_secs(2 * 60 * 60);

/// The client's settings for `conninfo`, with the timeouts above where it names none.
pub fn config(conninfo: &str) -> Result<postgres::Config, postgres::Error> {
    let mut config: postgres::Config = conninfo.parse()?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(TCP_USER_TIMEOUT);
    }
    // `keepalives=0` in the address turns them off, and stays so.
    if config.get_keepalives() {
        if config.get_keepalives_idle() == CLIENT_KEEPALIVES_IDLE {
            config.keepalives_idle(KEEPALIVES_IDLE);
        }
        if config.get_keepalives_interval().is_none() {
            config.keepalives_interval(KEEPALIVES_INTERVAL);
        }
        if config.get_keepalives_retries().is_none() {
            config.keepalives_retries(KEEPALIVES_RETRIES);
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_that_names_no_timeout_gets_ours() {
        let c = config("host=db.internal user=wabox dbname=wabox").unwrap();
        assert_eq!(c.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert_eq!(c.get_tcp_user_timeout(), Some(&TCP_USER_TIMEOUT));
        assert!(c.get_keepalives());
        assert_eq!(c.get_keepalives_idle(), KEEPALIVES_IDLE);
        assert_eq!(c.get_keepalives_interval(), Some(KEEPALIVES_INTERVAL));
        assert_eq!(c.get_keepalives_retries(), Some(KEEPALIVES_RETRIES));
        // And the same from a URL.
        let c = config("postgres://wabox@db.internal:5433/wabox").unwrap();
        assert_eq!(c.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        assert_eq!(c.get_tcp_user_timeout(), Some(&TCP_USER_TIMEOUT));
        assert_eq!(c.get_ports(), &[5433]);
    }

    #[test]
    fn what_the_address_names_is_kept() {
        let c = config(
            "host=db user=w connect_timeout=3 tcp_user_timeout=60 keepalives_idle=30 \
             keepalives_interval=7 keepalives_retries=2",
        )
        .unwrap();
        assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(3)));
        assert_eq!(c.get_tcp_user_timeout(), Some(&Duration::from_secs(60)));
        assert_eq!(c.get_keepalives_idle(), Duration::from_secs(30));
        assert_eq!(c.get_keepalives_interval(), Some(Duration::from_secs(7)));
        assert_eq!(c.get_keepalives_retries(), Some(2));
        let off = config("host=db user=w keepalives=0").unwrap();
        assert!(!off.get_keepalives());
        assert_eq!(off.get_keepalives_interval(), None);
    }

    #[test]
    fn a_bad_address_is_still_an_error() {
        assert!(config("host=db connect_timeout=soon").is_err());
    }
}
