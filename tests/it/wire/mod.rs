//! Meta's real wire format (issue 14), through the real binary against the simulator: shapes of
//! webhooks that public client libraries and Meta's reference publish, stored and shown right,
//! and sends that Meta would refuse caught before they are queued. The fixtures are our own
//! (`tests/fixtures/wire_*.json`), written in each shape Meta documents.

mod business;
mod content;
mod history;
mod identity;
mod outbound;
mod replies;
mod requests;
