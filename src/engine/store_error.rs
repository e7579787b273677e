//! The one place a store or writer error becomes the answer a client reads.

use crate::protocol::ApiError;
use crate::store::StoreError;

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
            other @ (StoreError::Sqlite(_) | StoreError::Migration(_)) => {
                tracing::error!(error = %other, "store error while answering a client");
                ApiError::internal(other)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stopped_writer_answers_one_flat_error_that_reads_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, thread) =
            crate::engine::writer::start(&dir.path().join("wabox.db"), false).unwrap();
        writer.stop();
        thread.join().unwrap();
        match writer.run(|_| Ok(())).await {
            Err(e @ StoreError::WriterStopped) => {
                assert!(
                    ApiError::from(e)
                        .english()
                        .contains("the engine's writer has stopped")
                )
            }
            other => panic!("a stopped writer answered {other:?}"),
        }
    }

    #[test]
    fn a_refusal_reaches_the_client_in_its_own_words() {
        let code = crate::protocol::ErrorCode::InvalidValue {
            detail: "that queue has agents: remove them first".into(),
        };
        let e = StoreError::Invalid(code.clone());
        assert_eq!(ApiError::from(e), ApiError::from(code));
    }
}
