//! How a renamed or removed tenant is told.

use super::output::say;
use crate::protocol::directory::TenantChange;

pub fn print_change(c: &TenantChange) {
    match (&c.renamed_from, &c.removed) {
        (Some(from), _) => say!("tenant {from:?} is now {:?}", c.tenant),
        (None, Some(gone)) => {
            say!("tenant {:?} removed", c.tenant);
            // Said even when empty: a removal never goes silently.
            say!("  with it went: {}", gone.describe());
        }
        (None, None) => say!("tenant {:?}", c.tenant),
    }
}
