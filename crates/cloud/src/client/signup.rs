//! Embedded Signup's calls made with the app's own credentials: the code exchange and
//! debug_token.

use super::{GraphClient, GraphError};
use serde_json::Value;
use wabox_secret::Secret;

impl GraphClient {
    /// `GET /oauth/access_token?client_id&client_secret&code&redirect_uri`: the Embedded Signup
    /// code traded for the business's token. The secret travels in the query, as Meta requires;
    /// errors never carry the URL.
    pub async fn exchange_code(
        &self,
        app_id: &str,
        app_secret: &Secret,
        code: &str,
        redirect_uri: &str,
    ) -> Result<Secret, GraphError> {
        let v = self
            .call_without_token(
                self.http
                    .get(self.url(&["oauth", "access_token"])?)
                    .query(&[
                        ("client_id", app_id),
                        ("client_secret", app_secret.expose()),
                        ("code", code),
                        ("redirect_uri", redirect_uri),
                    ]),
            )
            .await?;
        v.get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or_else(|| GraphError::Unexpected("Meta answered the code without a token".into()))
    }

    /// `GET /debug_token?input_token=…&access_token=…` with the app's own token
    /// (`app_id|app_secret`), both as query parameters as Meta documents the call: which WABAs
    /// the token reaches (`granular_scopes`), whether it is valid, and when it expires. The URL
    /// therefore holds secrets: it goes over TLS to Meta and is never logged (errors drop it).
    pub async fn debug_token(
        &self,
        app_id: &str,
        app_secret: &Secret,
        token: &Secret,
    ) -> Result<Value, GraphError> {
        let app_token = Secret::new(format!("{app_id}|{}", app_secret.expose()));
        let v = self
            .call_without_token(self.http.get(self.url(&["debug_token"])?).query(&[
                ("input_token", token.expose()),
                ("access_token", app_token.expose()),
            ]))
            .await?;
        Ok(v.get("data").cloned().unwrap_or(Value::Null))
    }
}
