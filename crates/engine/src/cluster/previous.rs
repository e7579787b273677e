//! The name this data dir's engine last served under (`DATA_DIR/engine.previous`), so that an
//! engine started again on it after one that ended without giving its leases back (kill -9, a
//! crash, a power cut) takes those partitions back at once instead of waiting up to a lease
//! (10 s) for them to lapse: with one engine, the time nothing was applied or sent.
//!
//! Why that is safe: the engine serving on a data dir holds its lock (`lock.rs`), which the OS
//! lets go of only when the process ends. Whoever has the lock knows the engine named here is
//! dead, on this host, as surely as a lapsed lease would tell. Its sends on their way become
//! `uncertain`, as in any take-over. A name from another host (a data dir copied over) proves
//! nothing of that engine, and is left to its leases.

use std::path::Path;

const FILE: &str = "engine.previous";

/// Records `me` (`host:pid:nonce`) as this data dir's engine, and returns the one recorded
/// before it, if any and if it ran on this host. The caller holds the data dir's lock.
pub fn swap(data_dir: &Path, me: &str) -> Option<String> {
    let path = data_dir.join(FILE);
    let host = |id: &str| id.split(':').next().map(str::to_owned);
    let before = std::fs::read_to_string(&path)
        .ok()
        .map(|text| text.trim().to_owned())
        .filter(|id| !id.is_empty() && id != me && host(id) == host(me));
    let written = crate::files::replace_private(data_dir, FILE, &format!("{me}\n"));
    if let Err(e) = written {
        // Only a restart's take-back needs it: the leases lapse by themselves otherwise.
        tracing::warn!(error = %e, file = %path.display(), "could not note this engine's name in the data dir");
    }
    before
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_learns_the_one_before_it() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            swap(dir.path(), "host:100:aaaa"),
            None,
            "the first has none"
        );
        assert_eq!(
            swap(dir.path(), "host:200:bbbb").as_deref(),
            Some("host:100:aaaa")
        );
        assert_eq!(
            swap(dir.path(), "host:300:cccc").as_deref(),
            Some("host:200:bbbb")
        );
        // Told its own name again (nothing else ran since), it has none before it.
        assert_eq!(swap(dir.path(), "host:300:cccc"), None);
        // A data dir that comes from another host names nobody dead here.
        assert_eq!(swap(dir.path(), "elsewhere:400:dddd"), None);
        assert_eq!(swap(dir.path(), "host:500:eeee"), None);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(dir.path().join(FILE))
                .unwrap()
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
    }
}
