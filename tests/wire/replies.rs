//! Issue 14: see main.rs.
