//! Connecting numbers by hand: checking a number and its token, connecting it, the demo
//! numbers, and the history a connected number brings along.

use crate::Engine;
use crate::access::Access;
use std::sync::Arc;
use wabox_protocol::{ApiError, Request, Response};

impl Engine {
    pub(super) async fn connecting_request(
        self: &Arc<Self>,
        access: &Access,
        request: Request,
        now: i64,
    ) -> Result<Response, ApiError> {
        match request {
            Request::CheckNumber {
                phone_number_id,
                access_token,
            } => self.check_number(phone_number_id, access_token).await,
            Request::DemoNumbers => Ok(Response::DemoNumbers(
                self.demo_numbers.get().cloned().unwrap_or_default(),
            )),
            Request::HistoryProgress { phone_number_id } => {
                let scope = access.scope.clone();
                self.read(move |c| {
                    wabox_store::signups::history_progress(c, &scope, phone_number_id.trim())
                })
                .await
                .map(|v| Response::HistoryProgress(Box::new(v)))
            }
            Request::RequestHistorySync { phone_number_id } => {
                self.request_history_sync(access, phone_number_id, now)
                    .await
            }
            Request::ConnectManual {
                tenant,
                phone_number_id,
                waba_id,
                access_token,
                queue,
                business_id,
                create_tenant,
            } => {
                self.connect_manual(
                    access,
                    crate::connect::ManualNumber {
                        tenant,
                        phone_number_id,
                        waba_id,
                        token: access_token,
                        queue,
                        business_id,
                        create_tenant,
                    },
                    now,
                )
                .await
            }
            other => Err(ApiError::from(wabox_protocol::ErrorCode::WrongRequest {
                area: "connecting".into(),
                request: format!("{other:?}"),
            })),
        }
    }
}
