//! The store's errors as a client reads them (`impl From<StoreError> for ApiError`, in the
//! store's `api_error.rs`: neither type is the engine's).

#[cfg(test)]
mod tests {
    use wabox_protocol::ApiError;
    use wabox_store::StoreError;

    #[tokio::test]
    async fn a_stopped_writer_answers_one_flat_error_that_reads_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, thread) = crate::writer::start(
            &crate::store_at::StoreAt::Sqlite(dir.path().join("wabox.db")),
            false,
            None,
        )
        .unwrap();
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
        let code = wabox_protocol::ErrorCode::InvalidValue {
            detail: "that queue has agents: remove them first".into(),
        };
        let e = StoreError::Invalid(code.clone());
        assert_eq!(ApiError::from(e), ApiError::from(code));
    }
}
