//! TLS to a real server: a throwaway cluster with `ssl=on` on 127.0.0.1 (`WABOX_TEST_PG_BIN`,
//! as `.ci/postgres start` prints it), its certificate issued by a test authority made with
//! `openssl`.

use super::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The server, stopped when dropped.
struct Server {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

/// As root, PostgreSQL's tools run as `postgres` (the server refuses root).
fn as_owner(bin: &Path, tool: &str) -> Command {
    let mut c = if nix_is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    };
    c.current_dir("/").stdin(Stdio::null());
    c
}

/// Whether the tests run as root: what they create is root's.
fn nix_is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::tempdir().unwrap();
    std::fs::metadata(probe.path()).unwrap().uid() == 0
}

fn run(mut c: Command, what: &str) {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(args: &[&str], dir: &Path) {
    let mut c = Command::new("openssl");
    c.args(args).current_dir(dir).stdin(Stdio::null());
    run(c, &format!("openssl {args:?}"));
}

/// `openssl req` with a new P-256 key, unencrypted, and `args`.
fn request(dir: &Path, args: &[&str]) {
    let new_key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let all: Vec<&str> = ["req"]
        .iter()
        .chain(&new_key)
        .chain(args)
        .copied()
        .collect();
    openssl(&all, dir);
}

/// A certificate authority (`NAME.crt`, `NAME.key`) in `dir`.
fn authority(dir: &Path, name: &str) {
    let (key, crt, subject) = (
        format!("{name}.key"),
        format!("{name}.crt"),
        format!("/CN=wabox test {name}"),
    );
    request(
        dir,
        &[
            "-x509", "-keyout", &key, "-out", &crt, "-days", "2", "-subj", &subject,
        ],
    );
}

impl Server {
    fn start(bin: PathBuf) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        set_mode(d, 0o755);
        authority(d, "ca");
        authority(d, "other");
        request(
            d,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        );
        std::fs::write(
            d.join("server.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             extendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.crt",
                "-days",
                "2",
                "-extfile",
                "server.ext",
            ],
            d,
        );
        set_mode(&d.join("server.key"), 0o600);
        if nix_is_root() {
            let mut chown = Command::new("chown");
            chown.arg("-R").arg("postgres").arg(d);
            run(chown, "chown");
        }
        let data = d.join("data");
        let mut initdb = as_owner(&bin, "initdb");
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(initdb, "initdb");
        let port = 20_000 + rand::random::<u16>() % 20_000;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{}' \
             -c fsync=off -c ssl=on -c ssl_cert_file='{}' -c ssl_key_file='{}'",
            d.display(),
            d.join("server.crt").display(),
            d.join("server.key").display()
        );
        let mut start = as_owner(&bin, "pg_ctl");
        start
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(d.join("server.log"))
            .args(["-w", "start", "-o", &options]);
        let server = Server { bin, dir, port };
        run(start, "pg_ctl start");
        server
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let mut stop = as_owner(&self.bin, "pg_ctl");
        stop.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = stop.status();
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// `WABOX_TEST_PG_BIN`, or `None` after saying the test is skipped (failing instead where
/// `WABOX_REQUIRE_PG` is set, as in CI).
fn pg_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("WABOX_TEST_PG_BIN").filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    assert!(
        std::env::var_os("WABOX_REQUIRE_PG").is_none(),
        "WABOX_REQUIRE_PG is set but WABOX_TEST_PG_BIN is not: `.ci/postgres start` prints it"
    );
    eprintln!("TLS to PostgreSQL: skipped (WABOX_TEST_PG_BIN is not set)");
    None
}

/// Whether this connection is over TLS, by the server's account.
fn over_tls(c: &Connection) -> bool {
    c.query_row(
        "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        [],
        |r| r.get::<_, i64>(0),
    )
    .unwrap()
        == 1
}

#[test]
fn require_uses_tls_and_refuses_a_certificate_nobody_it_trusts_issued() {
    let Some(bin) = pg_bin() else {
        return;
    };
    let server = Server::start(bin);
    let base = format!(
        "host=localhost port={} user=postgres dbname=postgres",
        server.port
    );
    let ca = server.path("ca.crt");
    let trusted =
        Connection::connect_postgres(&format!("{base} sslmode=verify-full sslrootcert={ca}"))
            .unwrap();
    assert!(over_tls(&trusted));
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/postgres?sslmode=require&sslrootcert={}",
        server.port,
        ca.replace('/', "%2F")
    );
    assert!(over_tls(&Connection::connect_postgres(&url).unwrap()));
    let other = server.path("other.crt");
    let refused =
        Connection::connect_postgres(&format!("{base} sslmode=require sslrootcert={other}"))
            .err()
            .expect("a certificate another authority issued");
    let why = format!("{refused} {refused:?}").to_lowercase();
    assert!(why.contains("certificate"), "{why}");
    // Without sslmode=require, as before: no TLS.
    assert!(!over_tls(&Connection::connect_postgres(&base).unwrap()));
}
