//! The one place a store or writer error becomes the answer a client reads. Here, beside
//! `StoreError`, because the protocol's `ApiError` is below the store; the engine's
//! `store_error.rs` tests it through a real writer.

use super::StoreError;
use wabox_protocol::ApiError;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            // Refusals written for the user: passed on as they are.
            StoreError::NotFound(code) | StoreError::Conflict(code) | StoreError::Invalid(code) => {
                ApiError::from(code)
            }
            // The writer logged these where they happened; the client hears what became of
            // its request.
            StoreError::WriterStopped
            | StoreError::NotStarted(_)
            | StoreError::NotCommitted(_)
            | StoreError::JobPanicked
            | StoreError::JournalNotCommitted(_) => ApiError::internal(e),
            other @ (StoreError::Db(_) | StoreError::Migration(_)) => {
                tracing::error!(error = %other, "store error while answering a client");
                ApiError::internal(other)
            }
        }
    }
}
