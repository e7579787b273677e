//! Every integration test in one binary: each test binary links the whole crate, and the
//! twenty-one binaries they were cost twenty-one links, most of a fresh-clone CI's time. They run the real `wabox` binary
//! against a real data dir, real HTTP on 127.0.0.1 and, for boundaries between users, real Unix
//! users. `cargo test --test it security::` runs one area.

mod common;

mod admin_day;
mod agent_tools;
mod blocking;
mod both_stores;
mod broadcasts;
mod cluster;
mod connect;
mod dead_host;
mod demo_restart;
mod engine_now;
mod engine_process;
mod failover;
mod failures;
mod focus;
mod hours;
mod journal_keep;
mod json_shape;
mod kapso;
mod migrate;
mod optout;
mod protocol_version;
mod reading;
mod remote;
mod remote_resume;
mod report;
mod security;
mod sending;
mod sequences;
mod signup;
mod store_files;
mod team;
mod tui_demo;
mod tui_link;
mod watch;
mod webhook_ingest;
mod webhook_refusals;
mod wire;
mod wizard;
