//! The demo's tenant and numbers, added through the engine's own requests. Here rather than in
//! the simulator: the simulator plays Meta and knows nothing of the engine.

use crate::sim::SimNumber;

/// Adds a tenant and the simulator's numbers (with their tokens) to an engine, as an admin
/// would with `wabox tenants add` and `wabox numbers add`.
pub async fn register_numbers(
    engine: &std::sync::Arc<crate::engine::Engine>,
    tenant: &str,
    numbers: &[SimNumber],
) -> Result<(), crate::protocol::ApiError> {
    use crate::domain::ConnectionKind;
    use crate::protocol::Request;
    let me = crate::engine::api::Caller::current();
    engine
        .handle(
            &me,
            Request::AddTenant {
                name: tenant.into(),
            },
        )
        .await?;
    for n in numbers {
        let connection = if n.coexistence {
            ConnectionKind::Coexistence
        } else {
            ConnectionKind::Dedicated
        };
        let request = Request::AddNumber {
            tenant: tenant.into(),
            phone_number_id: n.phone_number_id.clone(),
            waba_id: n.waba_id.clone(),
            display_phone: format!("+{}", n.display_phone),
            connection,
            access_token: Some(crate::secret::Secret::new(n.token.clone())),
            business_id: Some(crate::sim::business::business_id_of(&n.waba_id)),
        };
        engine.handle(&me, request).await?;
    }
    Ok(())
}
