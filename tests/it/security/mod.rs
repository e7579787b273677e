//! The boundaries between users (issue 13), through the real binary: what a customer's text
//! can do to a terminal, who may act as whom, what other local users can reach on the host,
//! and what an unauthenticated sender or a misconfiguration can exhaust. Tests that need a
//! second Unix user create it (CI runs as root) and remove it, or say "skipped: needs root".

mod access;
mod access_pushes;
mod files;
mod limits;
pub(crate) mod socket;
mod text;
