//! The ingest bench's own dir: its stores can take gigabytes, so a temporary one is removed at
//! the end (and on Ctrl-C), and a given one is only reused when the bench made it.

use anyhow::Context as _;
use std::path::PathBuf;

/// The bench's own dir: a temporary one removed at the end, or the one given (kept).
pub struct BenchDir {
    pub root: PathBuf,
    pub temporary: bool,
}

const MARKER: &str = ".wabox-bench";

impl BenchDir {
    pub fn new(given: Option<PathBuf>) -> anyhow::Result<BenchDir> {
        let (root, temporary) = match given {
            Some(d) => (d, false),
            None => (
                std::env::temp_dir().join(format!(
                    "wabox-bench-{}-{:08x}",
                    std::process::id(),
                    rand::random::<u32>()
                )),
                true,
            ),
        };
        if root.exists() {
            let empty = std::fs::read_dir(&root)
                .with_context(|| format!("reading {}", root.display()))?
                .next()
                .is_none();
            if !empty && !root.join(MARKER).exists() {
                anyhow::bail!(
                    "{} holds files the bench did not make: give an empty or new dir to --data-dir (the bench replaces what is in it)",
                    root.display()
                );
            }
        }
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        std::fs::write(root.join(MARKER), "made by `wabox bench`; safe to delete\n")?;
        Ok(BenchDir { root, temporary })
    }

    /// A fresh subdir for one phase (whatever a previous run left there is removed).
    pub fn phase(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = self.root.join(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
        crate::engine::ensure_data_dir(&dir)?;
        Ok(dir)
    }
}

impl Drop for BenchDir {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.root);
        }
    }
}
