//! The contact panel beside the messages (`p`): the open conversation's contact and who
//! claimed and moved it, read when the panel is shown.

use crate::protocol::admin::ContactDetails;
use crate::protocol::directory::HandEvent;

#[derive(Debug, Clone, Default)]
pub struct ContactPanel {
    pub shown: bool,
    /// The open conversation's contact, once asked for.
    pub details: Option<ContactDetails>,
    /// Who claimed and moved the open conversation.
    pub history: Vec<HandEvent>,
}

impl ContactPanel {
    /// Another conversation opened: what was shown was the last one's.
    pub fn forget(&mut self) {
        self.details = None;
        self.history.clear();
    }
}
