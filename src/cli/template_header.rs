//! `wabox send --template` with a media header: `--header-file`, `--header-link`,
//! `--header-media-id` or `--header-location`, read into what the send carries. Whether the
//! template wants one, and of which kind, the engine checks against the synced template.

use crate::domain::template_header::{HeaderValue, parse_location};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug, Default)]
#[command(group(clap::ArgGroup::new("header").args(
    ["header_file", "header_link", "header_media_id", "header_location"])))]
pub struct HeaderArgs {
    /// A file for the template's IMAGE, VIDEO or DOCUMENT header (uploaded like --file).
    #[arg(long, value_name = "PATH", requires = "template")]
    pub header_file: Option<PathBuf>,
    /// An https URL Meta fetches for the template's IMAGE, VIDEO or DOCUMENT header.
    #[arg(long, value_name = "URL", requires = "template")]
    pub header_link: Option<String>,
    /// A media id already uploaded to Meta, for the template's IMAGE, VIDEO or DOCUMENT header.
    #[arg(long, value_name = "ID", requires = "template")]
    pub header_media_id: Option<String>,
    /// The place a LOCATION header shows, e.g. `-16.5,-68.15,Tienda Sopocachi,Av. 6 de Agosto 2170`.
    #[arg(
        long,
        value_name = "LAT,LONG[,NAME[,ADDRESS]]",
        requires = "template",
        allow_hyphen_values = true
    )]
    pub header_location: Option<String>,
    /// The file name a DOCUMENT header shows (else the file's own name).
    #[arg(long, value_name = "NAME", requires = "header")]
    pub header_filename: Option<String>,
}

impl HeaderArgs {
    /// What the send carries for the header; a file stays local until the client uploads it.
    pub fn value(self) -> anyhow::Result<Option<HeaderValue>> {
        let filename = self.header_filename;
        Ok(if let Some(path) = self.header_file {
            Some(HeaderValue::LocalFile { path, filename })
        } else if let Some(url) = self.header_link {
            Some(HeaderValue::Link { url, filename })
        } else if let Some(id) = self.header_media_id {
            Some(HeaderValue::MediaId { id, filename })
        } else if let Some(raw) = self.header_location {
            Some(parse_location(&raw).map_err(|e| anyhow::anyhow!("--header-location: {e}"))?)
        } else {
            None
        })
    }
}
