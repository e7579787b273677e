//! template_sync

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncReport {
    pub waba_id: String,
    pub templates: usize,
    pub error: Option<String>,
}
