//! Real Unix users for the tests of the boundaries between users. CI runs as root, so these
//! tests create a group (the team, `[access] group`) and users in it or outside it, and remove
//! them when the test ends; without root they say "skipped: needs root" and prove nothing.

use super::Home;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// Whether this process may create users; when not, prints why the calling test proves nothing.
pub fn need_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        true
    } else {
        eprintln!("skipped: needs root ({test} creates Unix users)");
        false
    }
}

/// A short name no other test (or earlier run) uses: Unix names are at most 32 characters.
fn fresh_name(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}{}x{n}", std::process::id() % 100_000)
}

/// Runs a user-administration command, retrying while another test holds /etc/passwd's lock.
fn admin(program: &str, args: &[&str]) {
    for _ in 0..100 {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        if out.status.success() {
            return;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        // useradd/groupadd exit 10 (or say "lock") while another one holds the files.
        if err.contains("lock") || out.status.code() == Some(10) {
            std::thread::sleep(std::time::Duration::from_millis(50));
            continue;
        }
        panic!("{program} {args:?}: {err}");
    }
    panic!("{program} {args:?}: /etc/passwd stayed locked");
}

/// A group and its users, removed when dropped.
pub struct Team {
    pub group: String,
    users: Vec<String>,
}

impl Team {
    /// A new group; `None` (after saying "skipped") when this process is not root.
    pub fn new(test: &str) -> Option<Team> {
        if !need_root(test) {
            return None;
        }
        let group = fresh_name("wbg");
        admin("groupadd", &[&group]);
        Some(Team {
            group,
            users: Vec::new(),
        })
    }

    /// A user in the team's group (who may reach the socket).
    pub fn member(&mut self) -> String {
        let name = fresh_name("wbu");
        admin(
            "useradd",
            &[
                "-M",
                "-N",
                "-s",
                "/usr/sbin/nologin",
                "-G",
                &self.group,
                &name,
            ],
        );
        self.users.push(name.clone());
        name
    }

    /// A local user outside the team.
    pub fn outsider(&mut self) -> String {
        let name = fresh_name("wbo");
        admin("useradd", &["-M", "-N", "-s", "/usr/sbin/nologin", &name]);
        self.users.push(name.clone());
        name
    }

    /// The config line that makes an engine use this team's group.
    pub fn access_toml(&self) -> String {
        format!("\n[access]\ngroup = \"{}\"\n", self.group)
    }
}

impl Drop for Team {
    fn drop(&mut self) {
        for user in &self.users {
            let _ = Command::new("userdel").arg(user).output();
        }
        let _ = Command::new("groupdel").arg(&self.group).output();
    }
}

pub fn uid_of(user: &str) -> u32 {
    nix::unistd::User::from_name(user)
        .unwrap()
        .unwrap_or_else(|| panic!("no user {user}"))
        .uid
        .as_raw()
}

impl Home {
    /// A home whose engine will serve `team`: its users may traverse to the data dir, and the
    /// socket is the team's group's.
    pub fn for_team(team: &Team) -> Home {
        let home = Home::new();
        home.open_to_users();
        home.append_config(&team.access_toml());
        home
    }

    /// Acme with its number in a queue Sales, whose agents are `agents`.
    pub fn with_sales_agents(&self, agents: &[&str]) {
        self.with_acme();
        self.ok(&["queues", "add", "Sales"]);
        for agent in agents {
            self.ok(&["agents", "add", agent, "--queue", "Sales"]);
        }
    }

    /// Lets other users traverse (not list) the test's directory, as a real installation's
    /// parent directories would; the data dir inside keeps the engine's own modes.
    pub fn open_to_users(&self) {
        std::fs::set_permissions(self.dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    }

    /// Appends to the engine's config (e.g. `Team::access_toml`).
    pub fn append_config(&self, toml: &str) {
        let mut text = std::fs::read_to_string(&self.config).unwrap();
        text.push_str(toml);
        std::fs::write(&self.config, text).unwrap();
    }

    /// A home directory of the user's own, as a login would give them.
    pub fn user_home(&self, user: &str) -> PathBuf {
        let home = self.dir.path().join("homes").join(user);
        std::fs::create_dir_all(&home).unwrap();
        std::fs::set_permissions(
            self.dir.path().join("homes"),
            PermissionsExt::from_mode(0o711),
        )
        .unwrap();
        let uid = nix::unistd::Uid::from_raw(uid_of(user));
        nix::unistd::chown(&home, Some(uid), None).unwrap();
        std::fs::set_permissions(&home, PermissionsExt::from_mode(0o700)).unwrap();
        home
    }

    /// A `wabox` command run as `user` (real uid, gid and groups), with the data dir and no
    /// config file of the engine's (that one is the engine user's alone).
    pub fn command_as(&self, user: &str, args: &[&str]) -> Command {
        let home = self.user_home(user);
        let mut c = Command::new("setpriv");
        c.arg(format!("--reuid={user}"))
            .arg(format!("--regid={}", uid_gid(user)))
            .arg("--init-groups")
            .arg("--")
            .arg(super::bin())
            .arg("--data-dir")
            .arg(&self.data)
            .args(args)
            .env_clear()
            .env("HOME", &home)
            .env("PATH", "/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .current_dir(&home);
        c
    }

    /// Runs a command as `user` to completion, with empty stdin.
    pub fn run_as(&self, user: &str, args: &[&str]) -> Output {
        let out = self
            .command_as(user, args)
            .stdin(Stdio::null())
            .output()
            .expect("run wabox as another user");
        super::record_output(&self.dir, &out);
        out
    }
}

/// The primary gid of a user, as setpriv wants it.
fn uid_gid(user: &str) -> u32 {
    nix::unistd::User::from_name(user)
        .unwrap()
        .unwrap_or_else(|| panic!("no user {user}"))
        .gid
        .as_raw()
}
