use super::*;
use std::os::unix::fs::PermissionsExt;

fn write(dir: &Path, text: &str, mode: u32) -> PathBuf {
    let p = dir.join("config.toml");
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

#[test]
fn reads_every_documented_key_from_the_example() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../config.example.toml"
    ))
    .unwrap();
    let p = write(dir.path(), &example, 0o600);
    let c = Config::load(Some(&p), Some(dir.path())).unwrap();
    assert_eq!(c.listen, "127.0.0.1:8787".parse().unwrap());
    assert_eq!(c.graph_version, "v26.0");
    assert_eq!(c.kapso.meta_base_url, "https://api.kapso.ai/meta/whatsapp");
    assert_eq!(c.kapso.meta_version, "v24.0");
    assert!(c.kapso.webhook_secret.is_some());
    assert_eq!(c.ui.language, "en");
    assert!(c.ui.canned.contains_key("hours"));
    assert!(c.keys.contains_key("quit") && c.keys.contains_key("composer"));
    assert_eq!(c.optout.words["es"], ["BAJA", "STOP"]);
    assert!(c.optout.replies["en"].starts_with("Done"));
    assert_eq!(c.pricing.marketing, Some(0.025));
    assert_eq!(c.pricing.currency.as_deref(), Some("USD"));
    assert_eq!(c.broadcast.rate_per_second, 20);
    assert_eq!(c.broadcast.stop_after_marketing_limit, 10);
}

#[test]
fn a_numeric_setting_out_of_its_range_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (toml, named) in [
        (
            "[outbox]\nrate_per_second = 0.0\n",
            "[outbox] rate_per_second = 0",
        ),
        (
            "[outbox]\nrate_per_second = -5.0\n",
            "[outbox] rate_per_second = -5",
        ),
        (
            "[outbox]\nrate_per_second = 1e-300\n",
            "[outbox] rate_per_second",
        ),
        (
            "[outbox]\nrate_per_second = nan\n",
            "[outbox] rate_per_second = NaN",
        ),
        (
            "[outbox]\ncoexistence_rate_per_second = inf\n",
            "coexistence_rate_per_second",
        ),
        (
            "[outbox]\ncustomer_burst = 0\n",
            "[outbox] customer_burst = 0",
        ),
        (
            "[outbox]\ncustomer_interval_seconds = -1.0\n",
            "customer_interval_seconds",
        ),
        (
            "[outbox]\nrequest_timeout_seconds = 0\n",
            "request_timeout_seconds = 0",
        ),
        ("[media]\nmax_bytes = 0\n", "[media] max_bytes = 0"),
        ("[journal]\nkeep_days = 3\n", "[journal] keep_days = 3"),
        ("[media]\nkeep_days = 99999\n", "[media] keep_days = 99999"),
    ] {
        let p = write(dir.path(), toml, 0o600);
        let err = Config::load(Some(&p), Some(dir.path()))
            .expect_err(toml)
            .to_string();
        assert!(err.contains(named), "{toml}: {err}");
        assert!(err.contains("out of range"), "{toml}: {err}");
    }
    let p = write(
        dir.path(),
        "[outbox]\nrate_per_second = 1000.0\ncustomer_interval_seconds = 0.0\n",
        0o600,
    );
    Config::load(Some(&p), Some(dir.path())).expect("the ends of a range are allowed");
    for (toml, days) in [
        ("", 30),
        ("[journal]\nkeep_days = 7\n", 7),
        ("[journal]\nkeep_days = 0\n", 0),
    ] {
        let p = write(dir.path(), toml, 0o600);
        let c = Config::load(Some(&p), Some(dir.path())).expect(toml);
        assert_eq!(c.journal.keep_days, days, "{toml}");
    }
}

#[test]
fn kapso_defaults_to_its_platform_api_and_meta_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "[kapso]\napi_key = \"k-1\"\n", 0o600);
    let c = Config::load(Some(&p), Some(dir.path())).unwrap();
    assert_eq!(c.kapso.base_url, "https://api.kapso.ai/platform/v1");
    assert_eq!(c.kapso.meta_base_url, "https://api.kapso.ai/meta/whatsapp");
    assert_eq!(c.kapso.meta_version, "v24.0");
    assert!(c.kapso.webhook_secret.is_none());
    let p = write(dir.path(), "[kapso]\nwebhook_secret = \"w\"\n", 0o644);
    assert!(matches!(
        Config::load(Some(&p), Some(dir.path())),
        Err(ConfigError::SecretsExposed { .. })
    ));
}

#[test]
fn a_secret_in_a_file_others_can_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "[meta]\napp_secret = \"abc\"\n", 0o644);
    let e = Config::load(Some(&p), Some(dir.path())).unwrap_err();
    assert!(e.to_string().contains("chmod 600"), "{e}");
    assert!(!e.to_string().contains("abc"));
}

#[test]
fn a_file_without_secrets_may_be_world_readable() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "[webhook]\nlisten = \"127.0.0.1:9000\"\n",
        0o644,
    );
    let c = Config::load(Some(&p), Some(dir.path())).unwrap();
    assert_eq!(c.listen.port(), 9000);
}

#[test]
fn unknown_keys_and_missing_explicit_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "[meta]\napp_secrt = \"x\"\n", 0o600);
    let e = Config::load(Some(&p), Some(dir.path())).unwrap_err();
    assert!(e.to_string().contains("app_secrt"), "{e}");
    let e = Config::load(Some(&dir.path().join("nope.toml")), Some(dir.path())).unwrap_err();
    assert!(matches!(e, ConfigError::Missing(_)));
}
