//! Settings and sizes: nothing a config or a request asks for can crash the engine or be cut
//! off without saying so.

use crate::common::*;

#[test]
fn a_rate_of_zero_or_less_is_refused_at_start_naming_the_setting() {
    for rate in ["0.0", "-1.0", "1e-300", "nan"] {
        let home = Home::new();
        home.append_config(&format!("\n[outbox]\nrate_per_second = {rate}\n"));
        let out = home.run(&["serve"]);
        assert!(!out.status.success(), "serve started with rate {rate}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("[outbox] rate_per_second") && err.contains("out of range"),
            "{rate}: {err}"
        );
        assert_ne!(out.status.code(), Some(101), "{rate}: a panic");
    }
}
