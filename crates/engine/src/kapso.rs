//! Kapso setup links: the tenant's customer on Kapso (made once, remembered), a setup link whose
//! redirects come back to the engine's `/kapso/success` and `/kapso/failed` carrying the signup's
//! single-use state, revoking a link, and the callback. A success is believed only once Kapso's
//! own API lists the number for that tenant's customer; the number is then attached like every
//! other path, reached through Kapso's Meta proxy with the Kapso API key (no Meta token of ours).

use super::Engine;
use super::connect::AttachNumber;
use super::signup::CallbackOutcome;
use std::collections::HashMap;
use std::sync::Arc;
use wabox_cloud::Credential;
use wabox_cloud::kapso::{KapsoClient, SetupLinkRequest};
use wabox_domain::connections::{display_digits, is_meta_id};
use wabox_i18n::{Lang, kapso_failure};
use wabox_protocol::{ApiError, KapsoLinkOptions};
use wabox_store::signups;

/// A setup link Kapso made.
pub struct KapsoLink {
    pub id: String,
    pub url: String,
    pub expires_at: i64,
}

/// The languages Kapso's setup page speaks.
const LANGUAGES: [&str; 6] = ["en", "es", "pt", "hi", "id", "ar"];

/// A link's choices checked and tidied: known connection types (both when none is named), a
/// language Kapso's page speaks, a `#RRGGBB` colour, two-letter countries (the US when a new
/// number is asked for without one). A new number can only be a dedicated one.
pub(crate) fn checked_options(o: &KapsoLinkOptions) -> Result<KapsoLinkOptions, String> {
    let mut types: Vec<String> = Vec::new();
    for t in &o.connection_types {
        let t = t.trim().to_lowercase();
        if !matches!(t.as_str(), "coexistence" | "dedicated") {
            return Err(format!(
                "{t:?} is not a connection type: coexistence (the number stays on the WhatsApp \
                 Business app) or dedicated (Cloud API only)"
            ));
        }
        if !types.contains(&t) {
            types.push(t);
        }
    }
    if types.is_empty() {
        types = vec!["coexistence".into(), "dedicated".into()];
    }
    let reconnect = o
        .reconnect
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    if reconnect.is_some() && o.provision_number {
        return Err(
            "a reconnection keeps the number: --reconnect cannot go with --provision-number".into(),
        );
    }
    if o.provision_number && !types.iter().any(|t| t == "dedicated") {
        return Err(
            "a new number cannot be on the WhatsApp Business app: --provision-number needs \
             --dedicated (or both types)"
                .into(),
        );
    }
    let mut countries = Vec::new();
    for c in &o.countries {
        let c = c.trim().to_uppercase();
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "{c:?} is not a country code: two letters, like US or MX"
            ));
        }
        if !countries.contains(&c) {
            countries.push(c);
        }
    }
    if !countries.is_empty() && !o.provision_number {
        return Err(
            "--country chooses where a new number is bought: add --provision-number".into(),
        );
    }
    if o.provision_number && countries.is_empty() {
        countries.push("US".into());
    }
    let language = match o.language.trim().to_lowercase() {
        l if l.is_empty() => "en".to_string(),
        l if LANGUAGES.contains(&l.as_str()) => l,
        l => {
            return Err(format!(
                "Kapso's page does not speak {l:?}: use one of {}",
                LANGUAGES.join(", ")
            ));
        }
    };
    let primary_color = match o.primary_color.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c)
            if c.len() == 7
                && c.starts_with('#')
                && c[1..].bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Some(c.to_lowercase())
        }
        Some(c) => return Err(format!("{c:?} is not a colour: #RRGGBB, like #10b981")),
    };
    Ok(KapsoLinkOptions {
        connection_types: types,
        provision_number: o.provision_number,
        countries,
        language,
        primary_color,
        reconnect,
    })
}

/// `{public}/kapso/{what}?state=…`: Kapso adds its own parameters to it.
fn redirect(public_url: &str, what: &str, state: &str) -> Result<String, ApiError> {
    let mut url = reqwest::Url::parse(&format!("{public_url}/kapso/{what}")).map_err(|e| {
        ApiError::from(wabox_protocol::ErrorCode::PublicUrlNotAUrl {
            detail: e.to_string(),
        })
    })?;
    url.query_pairs_mut().append_pair("state", state);
    Ok(url.to_string())
}

/// The external id a tenant's customer carries on Kapso.
pub(super) fn external_customer_id(tenant_id: i64) -> String {
    format!("wabox-tenant-{tenant_id}")
}

impl Engine {
    fn kapso_client(&self) -> Result<&KapsoClient, ApiError> {
        self.kapso
            .as_ref()
            .ok_or_else(|| ApiError::from(wabox_protocol::ErrorCode::NoKapsoKey {}))
    }

    /// The tenant's customer on Kapso: the one remembered, else a new one (remembered at once).
    /// `fresh` makes a new one even when one is remembered (Kapso no longer knew it).
    async fn kapso_customer(
        self: &Arc<Self>,
        tenant_id: i64,
        tenant: &str,
        fresh: bool,
    ) -> Result<String, ApiError> {
        if !fresh
            && let Some(id) = self
                .read(move |c| signups::kapso_customer(c, tenant_id))
                .await?
        {
            return Ok(id);
        }
        let id = self
            .kapso_client()?
            .create_customer(tenant, &external_customer_id(tenant_id))
            .await
            .map_err(|e| {
                ApiError::from(wabox_protocol::ErrorCode::KapsoNoCustomer {
                    tenant: tenant.to_string(),
                    meta: e.to_string(),
                })
            })?;
        {
            let id = id.clone();
            self.write(move |ctx| signups::set_kapso_customer(&ctx.conn, tenant_id, &id))
                .await?;
        }
        tracing::info!(tenant = %tenant, "Kapso customer created");
        Ok(id)
    }

    pub(super) async fn kapso_setup_link(
        self: &Arc<Self>,
        tenant_id: i64,
        tenant: &str,
        opts: &KapsoLinkOptions,
        state: &str,
    ) -> Result<KapsoLink, ApiError> {
        let mut opts = checked_options(opts).map_err(ApiError::invalid)?;
        let kapso = self.kapso_client()?.clone();
        let public = self.public_url()?.to_string();
        // Kapso locks a reconnection to the number's own connection type.
        let reconnect = match opts.reconnect.as_deref() {
            Some(number) => {
                let target = self.reconnect_target(tenant_id, number).await?;
                opts.connection_types = vec![target.connection.as_str().to_string()];
                Some(format!("+{}", target.display_phone))
            }
            None => None,
        };
        let request = SetupLinkRequest {
            success_redirect_url: redirect(&public, "success", state)?,
            failure_redirect_url: redirect(&public, "failed", state)?,
            connection_types: opts.connection_types.clone(),
            provision_phone_number: opts.provision_number,
            countries: opts.countries.clone(),
            primary_color: opts.primary_color.clone(),
            language: opts.language.clone(),
            reconnect_phone_number: reconnect,
        };
        let customer = self.kapso_customer(tenant_id, tenant, false).await?;
        let made = match kapso.create_setup_link(&customer, &request).await {
            // The remembered customer is gone from Kapso: make a new one, once.
            Err(e) if e.status() == Some(404) => {
                tracing::warn!(tenant = %tenant, "Kapso no longer knows the tenant's customer: making a new one");
                let customer = self.kapso_customer(tenant_id, tenant, true).await?;
                kapso.create_setup_link(&customer, &request).await
            }
            other => other,
        };
        let link = made.map_err(|e| {
            ApiError::from(wabox_protocol::ErrorCode::KapsoNoLink {
                meta: e.to_string(),
            })
        })?;
        tracing::info!(tenant = %tenant, link = %link.id, "Kapso setup link created");
        let now = wabox_domain::time::now_unix();
        Ok(KapsoLink {
            id: link.id,
            url: link.url,
            expires_at: link
                .expires_at
                .unwrap_or(now + wabox_domain::signup::KAPSO_LINK_SECONDS),
        })
    }

    pub(super) async fn kapso_revoke_link(
        self: &Arc<Self>,
        tenant_id: i64,
        link_id: &str,
    ) -> Result<(), ApiError> {
        let kapso = self.kapso_client()?.clone();
        let Some(customer) = self
            .read(move |c| signups::kapso_customer(c, tenant_id))
            .await?
        else {
            return Err(ApiError::from(
                wabox_protocol::ErrorCode::KapsoNoCustomerToRevoke {},
            ));
        };
        match kapso.revoke_setup_link(&customer, link_id).await {
            Ok(()) => {
                tracing::info!(link = %link_id, "Kapso setup link revoked");
                Ok(())
            }
            // Already gone at Kapso: nothing is left to revoke.
            Err(e) if e.status() == Some(404) => Ok(()),
            Err(e) => Err(ApiError::from(
                wabox_protocol::ErrorCode::KapsoDidNotRevoke {
                    meta: e.to_string(),
                },
            )),
        }
    }

    /// `/kapso/success` and `/kapso/failed`: the browser back from Kapso, with the signup's
    /// state and Kapso's parameters. A refused state attaches nothing and says why.
    pub async fn kapso_callback(
        self: &Arc<Self>,
        success: bool,
        params: &HashMap<String, String>,
    ) -> CallbackOutcome {
        let now = wabox_domain::time::now_unix();
        let id = match self.consume_callback_state(params, now, "Kapso").await {
            Ok(id) => id,
            Err(refused) => return refused,
        };
        match self.kapso_outcome(id, success, params, now).await {
            Ok(outcome) => outcome,
            Err((why, code)) => {
                self.fail_signup(id, &why, code.as_deref(), now).await;
                CallbackOutcome {
                    ok: false,
                    title: "The number was not connected".into(),
                    detail: why,
                }
            }
        }
    }

    /// What a consumed Kapso callback comes to; Err(why, Kapso's code) fails the signup.
    async fn kapso_outcome(
        self: &Arc<Self>,
        id: i64,
        success: bool,
        params: &HashMap<String, String>,
        now: i64,
    ) -> Result<CallbackOutcome, (String, Option<String>)> {
        let plain = |why: String| (why, None);
        let secrets = self
            .read(move |c| signups::secrets(c, id))
            .await
            .map_err(|e| plain(e.english()))?;
        let Some(link) = secrets.kapso_link_id.clone() else {
            return Err(plain(
                "this signup was not a Kapso setup link: start the connection again".into(),
            ));
        };
        if params.get("setup_link_id").is_some_and(|l| *l != link) {
            return Err(plain(
                "Kapso came back about another setup link than this signup's: start again".into(),
            ));
        }
        if !success {
            let code = params
                .get("error_code")
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "unknown".into());
            tracing::warn!(signup = id, code = %code, "Kapso reported a failed setup");
            let why = kapso_failure(&code, Lang::En)
                .replace("regenerate ID", &format!("regenerate {id}"));
            return Err((why, Some(code)));
        }
        if params.get("status").is_some_and(|s| s != "completed") {
            return Err(plain(format!(
                "Kapso came back with status {:?}, not completed: start again",
                params.get("status").map(String::as_str).unwrap_or_default()
            )));
        }
        let pnid = params
            .get("phone_number_id")
            .map(|p| p.trim().to_string())
            .filter(|p| is_meta_id(p))
            .ok_or_else(|| plain("Kapso came back without the number's id: start again".into()))?;
        // The browser's word is not enough: Kapso itself must list the number for this
        // tenant's customer (a state in the wrong hands cannot attach someone else's number).
        let tenant_id = secrets.tenant_id;
        let customer = self
            .read(move |c| signups::kapso_customer(c, tenant_id))
            .await
            .map_err(|e| plain(e.english()))?
            .ok_or_else(|| plain("the tenant has no customer on Kapso".into()))?;
        let kapso = self.kapso_client().map_err(|e| plain(e.english()))?.clone();
        let held = kapso
            .phone_number(&pnid)
            .await
            .map_err(|e| plain(format!("Kapso did not confirm the number: {e}")))?;
        let Some(number) = held.filter(|n| n.customer_id.as_deref() == Some(customer.as_str()))
        else {
            tracing::warn!(signup = id, phone_number_id = %pnid, "Kapso does not list the callback's number for the tenant");
            return Err(plain(format!(
                "Kapso does not list number {pnid} for {}: nothing was connected",
                secrets.tenant
            )));
        };
        let waba = match (
            params.get("business_account_id").filter(|w| !w.is_empty()),
            number.business_account_id.as_ref(),
        ) {
            (Some(said), Some(known)) if said != known => {
                return Err(plain(format!(
                    "Kapso says number {pnid} is in WhatsApp account {known}, not {said}: nothing was connected"
                )));
            }
            (_, Some(known)) => known.clone(),
            (Some(said), None) => said.clone(),
            (None, None) => {
                return Err(plain(format!(
                    "neither the callback nor Kapso named number {pnid}'s WhatsApp account: start again"
                )));
            }
        };
        if !is_meta_id(&waba) {
            return Err(plain(format!("{waba:?} is not a WhatsApp account id")));
        }
        self.check_reconnected(tenant_id, &secrets.options, &pnid)
            .await
            .map_err(plain)?;
        self.kapso_forwarding(&kapso, &pnid).await.map_err(plain)?;
        let creator = self
            .signup_creator(id)
            .await
            .map_err(|e| plain(e.english()))?;
        let report = self
            .attach_number(
                &creator,
                AttachNumber {
                    tenant: secrets.tenant.clone(),
                    phone_number_id: pnid.clone(),
                    waba_id: waba,
                    credential: Credential::KapsoProxy {
                        phone_number_id: pnid.clone(),
                    },
                    queue: secrets.queue.clone(),
                    via: "kapso",
                    token_expires_at: None,
                    business_id: None,
                    create_tenant: false,
                },
                now,
            )
            .await
            .map_err(|e| plain(e.english()))?;
        {
            let report = report.clone();
            self.write(move |ctx| signups::connected(&ctx.conn, id, &report, now))
                .await
                .map_err(|e| plain(e.english()))?;
        }
        let shown = params
            .get("display_phone_number")
            .map(|d| display_digits(d))
            .filter(|d| *d == report.number.display_phone)
            .unwrap_or_else(|| report.number.display_phone.clone());
        tracing::info!(signup = id, phone_number_id = %pnid, "connected through Kapso");
        Ok(CallbackOutcome {
            ok: true,
            title: "Connected".into(),
            detail: format!(
                "+{shown} is connected to wabox through Kapso ({}). You can close this page.",
                report.number.connection.as_str()
            ),
        })
    }

    /// With `[kapso] webhook_secret` set, Kapso forwards Meta's raw webhooks for the number to
    /// `{public_url}/kapso/webhook`, signed with it; set up once per number.
    async fn kapso_forwarding(&self, kapso: &KapsoClient, pnid: &str) -> Result<(), String> {
        let Some(secret) = self.config.kapso.webhook_secret.clone() else {
            return Ok(());
        };
        let url = format!(
            "{}/kapso/webhook",
            self.public_url().map_err(|e| e.english())?
        );
        let existing = kapso
            .number_webhooks(pnid)
            .await
            .map_err(|e| format!("Kapso did not list the number's webhooks: {e}"))?;
        if existing
            .iter()
            .any(|w| w.url == url && w.kind == "meta" && w.active)
        {
            return Ok(());
        }
        kapso
            .forward_meta_webhooks(pnid, &url, &secret)
            .await
            .map_err(|e| {
                format!("Kapso did not agree to forward the number's webhooks to {url}: {e}")
            })?;
        tracing::info!(phone_number_id = %pnid, "Kapso forwards the number's webhooks");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> KapsoLinkOptions {
        KapsoLinkOptions {
            connection_types: vec![],
            provision_number: false,
            countries: vec![],
            language: String::new(),
            primary_color: None,
            reconnect: None,
        }
    }

    #[test]
    fn no_choice_offers_both_kinds_in_english() {
        let o = checked_options(&opts()).unwrap();
        assert_eq!(o.connection_types, ["coexistence", "dedicated"]);
        assert_eq!(o.language, "en");
        assert!(o.countries.is_empty() && o.primary_color.is_none());
    }

    #[test]
    fn choices_are_tidied_and_a_new_number_defaults_to_the_us() {
        let o = checked_options(&KapsoLinkOptions {
            connection_types: vec![" Dedicated".into(), "dedicated".into()],
            provision_number: true,
            countries: vec![],
            language: "ES".into(),
            primary_color: Some("#10B981".into()),
            reconnect: None,
        })
        .unwrap();
        assert_eq!(o.connection_types, ["dedicated"]);
        assert_eq!(o.countries, ["US"]);
        assert_eq!(o.language, "es");
        assert_eq!(o.primary_color.as_deref(), Some("#10b981"));
    }

    #[test]
    fn impossible_or_malformed_choices_say_what_is_wrong() {
        let bad = |f: &dyn Fn(&mut KapsoLinkOptions)| {
            let mut o = opts();
            f(&mut o);
            checked_options(&o).unwrap_err()
        };
        assert!(bad(&|o| o.connection_types = vec!["cloud".into()]).contains("connection type"));
        assert!(
            bad(&|o| {
                o.connection_types = vec!["coexistence".into()];
                o.provision_number = true;
            })
            .contains("--dedicated")
        );
        assert!(bad(&|o| o.countries = vec!["MX".into()]).contains("--provision-number"));
        assert!(
            bad(&|o| {
                o.provision_number = true;
                o.countries = vec!["Mexico".into()];
            })
            .contains("two letters")
        );
        assert!(bad(&|o| o.language = "fr".into()).contains("en, es"));
        assert!(bad(&|o| o.primary_color = Some("green".into())).contains("#RRGGBB"));
        assert!(
            bad(&|o| {
                o.reconnect = Some("+15550201234".into());
                o.provision_number = true;
            })
            .contains("keeps the number")
        );
    }

    #[test]
    fn the_redirects_carry_the_state_for_the_callback_to_find_its_signup() {
        let r = redirect("https://inbox.example.com", "success", "a-b_c").unwrap();
        assert_eq!(r, "https://inbox.example.com/kapso/success?state=a-b_c");
        assert_eq!(external_customer_id(7), "wabox-tenant-7");
    }
}
