//! The inbox as an agent drives it: `wabox demo` in a real terminal (tmux), keys sent, the
//! screen read back. Reply inside the window and watch the tick reach "read"; try a closed
//! window and send a template instead; quit and find nothing left running.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(command: &str) -> Tmux {
        let socket = format!("wabox-test-{}", std::process::id());
        let status = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-x", "100", "-y", "30"])
            .arg(command)
            .status()
            .expect("tmux is needed for this test (.ci/run installs it)");
        assert!(status.success(), "tmux could not start");
        Tmux { socket }
    }

    /// One key at a time, with a pause: an Esc followed at once by a key reads as Alt+key, in
    /// tmux as over SSH.
    fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status = Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "0", key])
                .status()
                .unwrap();
            assert!(status.success());
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn text(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "0", "-l", text])
            .status()
            .unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(150));
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited 30 s for {what}; the screen shows:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn an_agent_replies_sees_it_read_and_answers_a_closed_window_with_a_template() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[ui]\nbell = false\n").unwrap();
    let data = home.path().join("data");
    let log = home.path().join("demo.err");
    let command = format!(
        "{} --config {} demo --traffic 0 --data-dir {} 2>{}",
        env!("CARGO_BIN_EXE_wabox"),
        config.display(),
        data.display(),
        log.display()
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for("the demo's conversations", |s| {
        s.contains("Sheena Nelson") && s.contains("Carlos Mamani") && s.contains("connected")
    });

    // Inside the window: a plain reply, delivered and read.
    tmux.keys(&["/"]);
    tmux.text("Sheena");
    tmux.keys(&["Enter", "i"]);
    tmux.text("Your order ships today");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the reply to be read", |s| {
        s.contains("Your order ships today") && s.contains("✓✓ read")
    });

    // A closed window: the composer refuses free text and offers templates.
    tmux.keys(&["Escape", "Escape", "/", "Escape", "/"]);
    tmux.text("Carlos");
    tmux.keys(&["Enter", "i"]);
    let screen = tmux.wait_for("the template picker", |s| {
        s.contains("Templates") && s.contains("bienvenida")
    });
    assert!(
        screen.contains("window is closed"),
        "the agent is told why:\n{screen}"
    );
    tmux.text("bienv");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the preview", |s| s.contains("¡Hola Carlos Mamani!"));
    // After the last field, the review: only there does Enter send.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the review", |s| s.contains("will receive exactly this"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the template to be read", |s| {
        s.contains("¡Hola Carlos Mamani! ¿Seguimos") && s.contains("✓✓ read")
    });

    // Quitting leaves nothing running.
    tmux.keys(&["Escape", "Escape", "q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() {
        assert!(
            Instant::now() < deadline,
            "the demo is still running after q"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let errors = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!errors.contains("panicked"), "{errors}");
    // The engine's socket went with it: another command would find no engine.
    assert!(!wabox::engine::socket::socket_path(&data).exists());
    assert!(
        Path::new(&data).join("wabox.db").exists(),
        "--data-dir is kept"
    );
}
