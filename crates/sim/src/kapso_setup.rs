//! The page a Kapso setup link opens (`/whatsapp/setup/{code}`) on the simulator. Followed with a
//! plain GET it does what the business would: it connects a number on the simulated Cloud API
//! (coexistence or dedicated as the link allows, a new one when it provisions) and redirects to
//! the link's success URL with Kapso's parameters, or to its failure URL with an `error_code`
//! (`link_expired` for a revoked or expired link, `already_used`, or the one a test asked for).

use super::kapso::KapsoNumberRecord;
use super::signup::{page, redirect_to, with_query};
use super::{SimNumber, Simulator};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;

/// Dial codes for the countries a provisioned number may come from.
fn dial_code(country: &str) -> &'static str {
    match country {
        "MX" => "52",
        "BR" => "55",
        "AR" => "54",
        "CO" => "57",
        "CL" => "56",
        "ES" => "34",
        "GB" => "44",
        _ => "1",
    }
}

/// `GET /whatsapp/setup/{code}`: the business goes through the page; a plain GET completes it.
pub(super) async fn setup_page(
    State(sim): State<Arc<Simulator>>,
    Path(code): Path<String>,
) -> Response {
    let now = wabox_domain::time::now_unix();
    let mut s = sim.lock();
    let Some(link) = s.kapso.links.iter().find(|l| l.code == code).cloned() else {
        return page(
            StatusCode::NOT_FOUND,
            "Link not found",
            "This setup link does not exist.",
        );
    };
    let fail = |code: &str| {
        redirect_to(&with_query(
            &link.failure_redirect_url,
            &[("setup_link_id", &link.id), ("error_code", code)],
        ))
    };
    match link.status.as_str() {
        "used" => return fail("already_used"),
        "revoked" => return fail("link_expired"),
        _ if now >= link.expires_at => return fail("link_expired"),
        _ => {}
    }
    if let Some(code) = s.kapso.fail_next.take() {
        return fail(&code);
    }
    let Some(customer) = s
        .kapso
        .customers
        .iter()
        .find(|c| c.id == link.customer_id)
        .cloned()
    else {
        return fail("facebook_auth_failed");
    };
    if let Some(pnid) = link.reconnect.clone() {
        // The same WABA and number, with a fresh token for Kapso: the connection works again.
        let Some(n) = s
            .extra_numbers
            .iter_mut()
            .find(|n| n.phone_number_id == pnid)
        else {
            return fail("facebook_auth_failed");
        };
        n.token = format!("EAA-SIM-KAPSO-{:032x}", rand::random::<u128>());
        let (waba, display) = (n.waba_id.clone(), format!("+{}", n.display_phone));
        s.kapso.broken.retain(|p| *p != pnid);
        if let Some(l) = s.kapso.links.iter_mut().find(|l| l.id == link.id) {
            l.status = "used".into();
        }
        drop(s);
        return redirect_to(&with_query(
            &link.success_redirect_url,
            &[
                ("setup_link_id", link.id.as_str()),
                ("status", "completed"),
                ("phone_number_id", pnid.as_str()),
                ("business_account_id", waba.as_str()),
                ("display_phone_number", display.as_str()),
            ],
        ));
    }
    // The business's choice: a new number is dedicated; with both kinds allowed, it keeps its
    // number on the WhatsApp Business app.
    let coexistence = !link.provision_phone_number
        && link
            .allowed_connection_types
            .iter()
            .any(|t| t == "coexistence");
    s.kapso.next += 1;
    let n = s.kapso.next;
    let country = link
        .phone_number_country_isos
        .first()
        .map(String::as_str)
        .unwrap_or("US");
    let display = if link.provision_phone_number {
        format!("{}55501{:05}", dial_code(country), n % 100_000)
    } else if coexistence {
        format!("5215560{:06}", n % 1_000_000)
    } else {
        format!("1555020{:04}", n % 10_000)
    };
    let number = SimNumber {
        phone_number_id: format!("5{:014}", 20_000_000_000_000 + n),
        waba_id: format!("6{:014}", 20_000_000_000_000 + n),
        display_phone: display,
        // Hyphens keep it from looking like a real Meta token to secret scanners.
        token: format!("EAA-SIM-KAPSO-{:032x}", rand::random::<u128>()),
        coexistence,
        verified_name: customer.name.clone(),
    };
    let provisioned = link
        .provision_phone_number
        .then(|| format!("{:08x}-prov-{n:04}", rand::random::<u32>()));
    s.extra_numbers.push(number.clone());
    s.kapso.numbers.push(KapsoNumberRecord {
        phone_number_id: number.phone_number_id.clone(),
        waba_id: number.waba_id.clone(),
        customer_id: customer.id.clone(),
        coexistence,
        provisioned_id: provisioned.clone(),
    });
    // Kapso's own app is subscribed to the WABA during the setup.
    s.subscribed.push(number.waba_id.clone());
    s.signed_up.push(number.waba_id.clone());
    if let Some(l) = s.kapso.links.iter_mut().find(|l| l.id == link.id) {
        l.status = "used".into();
    }
    drop(s);
    let display = format!("+{}", number.display_phone);
    let config_id = format!("cfg-{n:06}");
    let mut params = vec![
        ("setup_link_id", link.id.as_str()),
        ("status", "completed"),
        ("phone_number_id", number.phone_number_id.as_str()),
        ("business_account_id", number.waba_id.as_str()),
        ("display_phone_number", display.as_str()),
        ("whatsapp_config_id", config_id.as_str()),
    ];
    if let Some(p) = provisioned.as_deref() {
        params.push(("provisioned_phone_number_id", p));
    }
    redirect_to(&with_query(&link.success_redirect_url, &params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    async fn sim() -> Arc<Simulator> {
        Simulator::start(
            super::super::SimOptions::new("secret", vec![]),
            "127.0.0.1:0".parse().unwrap(),
        )
        .await
        .unwrap()
    }

    fn http() -> reqwest::Client {
        wabox_cloud::client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    async fn call(
        sim: &Simulator,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let r = http()
            .request(method, format!("{}/platform/v1{path}", sim.base_url()))
            .header("x-api-key", super::super::SIM_KAPSO_API_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// A customer of the simulated Kapso; its id.
    async fn customer(sim: &Simulator, name: &str) -> String {
        let (_, c) = call(
            sim,
            reqwest::Method::POST,
            "/customers",
            json!({"customer": {"name": name}}),
        )
        .await;
        c["data"]["id"].as_str().unwrap().to_string()
    }

    fn location(r: &reqwest::Response) -> reqwest::Url {
        reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap()
    }

    fn param(u: &reqwest::Url, k: &str) -> Option<String> {
        u.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    }

    #[tokio::test]
    async fn a_setup_link_connects_a_new_number_and_redirects_with_kapsos_parameters() {
        let sim = sim().await;
        let wrong = http()
            .post(format!("{}/platform/v1/customers", sim.base_url()))
            .header("x-api-key", "nope")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status().as_u16(), 401);
        let (status, c) = call(
            &sim,
            reqwest::Method::POST,
            "/customers",
            json!({"customer": {"name": "Acme", "external_customer_id": "t-1"}}),
        )
        .await;
        assert_eq!(status, 201, "{c}");
        let customer = c["data"]["id"].as_str().unwrap().to_string();
        let body = json!({"setup_link": {
            "success_redirect_url": "http://127.0.0.1:1/kapso/success?state=s1",
            "failure_redirect_url": "http://127.0.0.1:1/kapso/failed?state=s1",
            "allowed_connection_types": ["dedicated"], "provision_phone_number": true,
            "phone_number_country_isos": ["MX"], "language": "es",
            "theme_config": {"primary_color": "#10b981"}}});
        let (status, l) = call(
            &sim,
            reqwest::Method::POST,
            &format!("/customers/{customer}/setup_links"),
            body,
        )
        .await;
        assert_eq!(status, 201, "{l}");
        assert_eq!(l["data"]["status"], "active");
        assert!(l["data"]["expires_at"].as_str().unwrap().ends_with('Z'));
        let r = http()
            .get(l["data"]["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 302);
        let to = location(&r);
        assert_eq!(to.path(), "/kapso/success");
        assert_eq!(param(&to, "state").as_deref(), Some("s1"));
        assert_eq!(param(&to, "status").as_deref(), Some("completed"));
        assert!(param(&to, "provisioned_phone_number_id").is_some());
        assert!(
            param(&to, "display_phone_number")
                .unwrap()
                .starts_with("+52")
        );
        let pnid = param(&to, "phone_number_id").unwrap();
        assert!(sim.number(&pnid).is_some_and(|n| !n.coexistence));
        let (_, numbers) = call(
            &sim,
            reqwest::Method::GET,
            &format!("/whatsapp/phone_numbers?customer_id={customer}"),
            Value::Null,
        )
        .await;
        assert_eq!(numbers["data"][0]["phone_number_id"], pnid.as_str());
        let (_, one) = call(
            &sim,
            reqwest::Method::GET,
            &format!("/whatsapp/phone_numbers/{pnid}"),
            Value::Null,
        )
        .await;
        assert_eq!(one["data"]["customer_id"], customer.as_str());
        // Used once: the same link again says so.
        let again = http()
            .get(l["data"]["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        let to = location(&again);
        assert_eq!(to.path(), "/kapso/failed");
        assert_eq!(param(&to, "error_code").as_deref(), Some("already_used"));
    }

    #[tokio::test]
    async fn revoked_expired_and_failing_links_redirect_to_the_failure_url() {
        let sim = sim().await;
        let customer = customer(&sim, "Acme").await;
        let make = || {
            json!({"setup_link": {"success_redirect_url": "http://127.0.0.1:1/ok",
                                             "failure_redirect_url": "http://127.0.0.1:1/ko"}})
        };
        let links = format!("/customers/{customer}/setup_links");
        let (_, first) = call(&sim, reqwest::Method::POST, &links, make()).await;
        let (_, second) = call(&sim, reqwest::Method::POST, &links, make()).await;
        // A new link revoked the first.
        let error_of = |v: &Value| {
            let url = v["data"]["url"].as_str().unwrap().to_string();
            async move {
                let r = http().get(url).send().await.unwrap();
                param(&location(&r), "error_code")
            }
        };
        assert_eq!(error_of(&first).await.as_deref(), Some("link_expired"));
        sim.kapso_fail_next("phone_verification_failed");
        assert_eq!(
            error_of(&second).await.as_deref(),
            Some("phone_verification_failed")
        );
        let (status, _) = call(
            &sim,
            reqwest::Method::PATCH,
            &format!("{links}/{}", second["data"]["id"].as_str().unwrap()),
            json!({"setup_link": {"status": "revoked"}}),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(error_of(&second).await.as_deref(), Some("link_expired"));
        let (_, third) = call(&sim, reqwest::Method::POST, &links, make()).await;
        sim.kapso_expire_link(third["data"]["id"].as_str().unwrap());
        assert_eq!(error_of(&third).await.as_deref(), Some("link_expired"));
        assert!(sim.kapso_numbers().is_empty());
        let (status, bad) = call(
            &sim,
            reqwest::Method::POST,
            &links,
            json!({"setup_link": {
            "success_redirect_url": "http://x/ok", "failure_redirect_url": "http://x/ko",
            "allowed_connection_types": ["coexistence"], "provision_phone_number": true}}),
        )
        .await;
        assert_eq!(status, 422, "{bad}");
    }

    #[tokio::test]
    async fn a_reconnection_link_is_checked_like_kapso_and_gives_back_the_same_number() {
        let sim = sim().await;
        let customer = customer(&sim, "Acme").await;
        let links = format!("/customers/{customer}/setup_links");
        let link = |extra: Value| {
            let mut l = json!({"success_redirect_url": "http://127.0.0.1:1/ok",
                               "failure_redirect_url": "http://127.0.0.1:1/ko",
                               "allowed_connection_types": ["dedicated"]});
            for (k, v) in extra.as_object().unwrap() {
                l[k] = v.clone();
            }
            json!({"setup_link": l})
        };
        let (_, first) = call(&sim, reqwest::Method::POST, &links, link(json!({}))).await;
        let r = http()
            .get(first["data"]["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        let pnid = param(&location(&r), "phone_number_id").unwrap();
        let display = param(&location(&r), "display_phone_number").unwrap();
        // Not the customer's number, a new number, or another kind: refused as Kapso does.
        for (extra, field) in [
            (
                json!({"reconnect_phone_number": "+19990000000"}),
                "reconnect_phone_number",
            ),
            (
                json!({"reconnect_phone_number": display, "provision_phone_number": true}),
                "provision_phone_number",
            ),
            (
                json!({"reconnect_phone_number": display,
                       "allowed_connection_types": ["coexistence"]}),
                "allowed_connection_types",
            ),
        ] {
            let (status, body) = call(&sim, reqwest::Method::POST, &links, link(extra)).await;
            assert_eq!(status, 422, "{body}");
            assert!(body["errors"].get(field).is_some(), "{body}");
        }
        sim.kapso_break(&pnid);
        let (status, again) = call(
            &sim,
            reqwest::Method::POST,
            &links,
            link(json!({"reconnect_phone_number": display})),
        )
        .await;
        assert_eq!(status, 201, "{again}");
        let r = http()
            .get(again["data"]["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        let to = location(&r);
        assert_eq!(to.path(), "/ok");
        assert_eq!(
            param(&to, "phone_number_id").as_deref(),
            Some(pnid.as_str())
        );
        assert!(!sim.kapso_is_broken(&pnid));
        assert_eq!(sim.kapso_numbers().len(), 1, "no second number");
    }
}
