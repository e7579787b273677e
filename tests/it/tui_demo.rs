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
        // A server of its own per test: tests of one process run at once.
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("wabox-test-{}-{n}", std::process::id());
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
    // Carlos's conversation (the demo's first) is there once Sheena's (its second) is, but
    // the list may be full of newer ones by then, him below the fold: the filter finds him.
    tmux.wait_for("the demo's conversations", |s| {
        s.contains("Sheena Nelson") && s.contains("connected")
    });

    reply_and_template(&tmux);
    quit(&tmux, &log);
    // The engine's socket went with it: another command would find no engine.
    assert!(!wabox::engine::socket::socket_path(&data).exists());
    assert!(
        Path::new(&data).join("wabox.db").exists(),
        "--data-dir is kept"
    );
}

/// Quitting leaves nothing running, and nothing panicked on the way (`log`: its stderr).
fn quit(tmux: &Tmux, log: &Path) {
    tmux.keys(&["Escape", "Escape", "q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux.alive() {
        assert!(Instant::now() < deadline, "still running after q");
        std::thread::sleep(Duration::from_millis(100));
    }
    let errors = std::fs::read_to_string(log).unwrap_or_default();
    assert!(!errors.contains("panicked"), "{errors}");
}

/// Inside the window, a plain reply, delivered and read; in a closed one, a template, offered
/// with the reason, previewed, reviewed, sent and read.
fn reply_and_template(tmux: &Tmux) {
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
}

/// The same, by an agent elsewhere: `wabox login` to the demo's listener with a token, then the
/// inbox with no way to this host's engine but `/api`.
#[test]
fn an_agent_logged_in_from_elsewhere_replies_and_sends_a_template() {
    use std::io::Write;
    use std::process::Stdio;
    let home = crate::common::Home::new();
    // Stopped however the test ends: a demo left running would outlive the test binary.
    let demo = crate::common::Engine::spawn(
        &home,
        home.command(&["demo", "--headless", "--traffic", "0"]),
    );
    let server = format!("http://{}", demo.addr);
    home.ok(&["agents", "add", "ana", "--role", "admin"]);
    let token = home
        .ok(&["token", "create", "ana", "--name", "test"])
        .trim()
        .to_string();

    let elsewhere = tempfile::tempdir().unwrap();
    let env = format!(
        "HOME={0} XDG_CONFIG_HOME={0}/.config",
        elsewhere.path().display()
    );
    let mut login = Command::new(env!("CARGO_BIN_EXE_wabox"))
        .args(["login", &server, "--token-stdin"])
        .env("HOME", elsewhere.path())
        .env("XDG_CONFIG_HOME", elsewhere.path().join(".config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    login
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let said = login.wait_with_output().unwrap();
    assert!(
        said.status.success(),
        "{}",
        String::from_utf8_lossy(&said.stderr)
    );

    let log = elsewhere.path().join("inbox.err");
    let config = elsewhere.path().join("config.toml");
    std::fs::write(&config, "[ui]\nbell = false\n").unwrap();
    let tmux = Tmux::start(&format!(
        "{env} {} --config {} --data-dir {}/nothing-here 2>{}",
        env!("CARGO_BIN_EXE_wabox"),
        config.display(),
        elsewhere.path().display(),
        log.display()
    ));
    tmux.wait_for("the demo's conversations, from elsewhere", |s| {
        s.contains("Sheena Nelson") && s.contains("connected")
    });
    reply_and_template(&tmux);
    quit(&tmux, &log);
    drop(demo);
}
