//! `wabox send --file`: what a file is, from its first bytes before its name (the engine then
//! refuses one whose bytes are not the kind it is sent as, whoever sends it).

use crate::domain::media::HEAD_BYTES;
use std::io::Read;
use std::path::Path;

/// The first bytes of a file (all of it when shorter).
pub fn head(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    std::fs::File::open(path)
        .and_then(|f| f.take(HEAD_BYTES as u64).read_to_end(&mut head))
        .map_err(|e| anyhow::anyhow!("could not read {}: {e}", path.display()))?;
    Ok(head)
}

/// The MIME type the content shows, else the one its extension suggests.
pub fn mime_of(path: &Path, head: &[u8]) -> String {
    crate::domain::media_content::sniff(head)
        .map(str::to_string)
        .or_else(|| mime_guess::from_path(path).first_raw().map(str::to_string))
        .unwrap_or_else(|| "application/octet-stream".to_string())
}
