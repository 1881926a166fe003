#![cfg(feature = "real-tools")]
//! Checks the certificates `mcpstack certs` writes with tools that share no code with it:
//! OpenSSL (`verify`, `x509`, `s_server`/`s_client`), NSS `certutil` (Firefox, Chromium),
//! Debian's `update-ca-certificates` and `mkcert`. Built only with `--features real-tools`;
//! a missing tool fails the test (naming it), it never skips.
//!
//! Nothing here touches the machine's trust stores: every CA, project, NSS database and
//! `update-ca-certificates` directory lives in a temporary folder, the install plans run
//! with a `Host` whose HOME is scratch and that is not root, and the TLS server listens on
//! 127.0.0.1 only and stops after a fixed number of connections.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{bin, text};
use mcpstack::certs::{self, Action, Host, KeyKind, Os, Plan};

/// The names every leaf here is made for (the project's domain, then its aliases).
const NAMES: [&str; 4] = ["mcp.local", "localhost", "127.0.0.1", "::1"];
const PROJECT: &str = r#"version: 1
name: demo
domain: mcp.local
aliases: [localhost, 127.0.0.1, "::1"]
servers:
  main:
    image: example/main:1
"#;
const DAY: i64 = 86_400;
/// How long any one tool may take before the test gives up on it.
const TOOL_LIMIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// Projects made with the real binary
// ---------------------------------------------------------------------------

/// A project folder with a leaf certificate, and the CA folder it was signed with, both made
/// by running the real `mcpstack certs`.
struct Stack {
    caroot: PathBuf,
    project: PathBuf,
}

impl Stack {
    /// A project `dir/name` with its own CA in `dir/name-ca`.
    fn new(dir: &Path, name: &str, kind: KeyKind) -> Stack {
        Stack::with_ca(dir, name, &dir.join(format!("{name}-ca")), kind)
    }

    /// A project `dir/name` whose leaf is signed by the CA in `caroot` (made if missing).
    fn with_ca(dir: &Path, name: &str, caroot: &Path, kind: KeyKind) -> Stack {
        let project = dir.join(name);
        fs::create_dir_all(&project).unwrap();
        fs::write(project.join("mcp-stack.yaml"), PROJECT).unwrap();
        let stack = Stack {
            caroot: caroot.to_path_buf(),
            project,
        };
        let flags: &[&str] = match kind {
            KeyKind::Ecdsa => &[],
            KeyKind::Rsa => &["--rsa"],
        };
        let out = stack.certs(flags);
        assert!(
            out.status.success(),
            "mcpstack certs {flags:?} for {name}: {:?}",
            text(&out)
        );
        stack
    }

    /// Runs `mcpstack --caroot CA -c PROJECT/mcp-stack.yaml certs ARGS`.
    fn certs(&self, args: &[&str]) -> Output {
        bin()
            .arg("--caroot")
            .arg(&self.caroot)
            .arg("-c")
            .arg(self.project.join("mcp-stack.yaml"))
            .arg("certs")
            .args(args)
            .current_dir(&self.project)
            .env("NO_COLOR", "1")
            .env_remove("MCPSTACK_CAROOT")
            .output()
            .expect("run mcpstack")
    }

    fn ca(&self) -> PathBuf {
        self.caroot.join(certs::CA_CERT_FILE)
    }

    fn ca_key(&self) -> PathBuf {
        self.caroot.join(certs::CA_KEY_FILE)
    }

    fn fullchain(&self) -> PathBuf {
        self.project
            .join("deploy/certs")
            .join(certs::FULLCHAIN_FILE)
    }

    fn privkey(&self) -> PathBuf {
        self.project.join("deploy/certs").join(certs::PRIVKEY_FILE)
    }
}

fn label(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::Ecdsa => "ecdsa",
        KeyKind::Rsa => "rsa",
    }
}

/// An ECDSA and an RSA stack, each with its own CA, in `dir`.
fn both_kinds(dir: &Path) -> [(KeyKind, Stack); 2] {
    [KeyKind::Ecdsa, KeyKind::Rsa].map(|k| (k, Stack::new(dir, label(k), k)))
}

// ---------------------------------------------------------------------------
// Running the tools
// ---------------------------------------------------------------------------

/// The Debian package that provides `program`, for the "missing tool" message.
fn package_of(program: &str) -> &'static str {
    match program {
        "certutil" => "libnss3-tools",
        "update-ca-certificates" => "ca-certificates",
        "mkcert" => "mkcert",
        _ => "openssl",
    }
}

/// The directories searched for tools: PATH, then the sbin folders a non-root PATH may lack
/// (`update-ca-certificates` lives in /usr/sbin).
fn tool_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from));
    dirs
}

/// The path of a required tool; a missing one fails the test, naming it and its package.
fn find_tool(program: &str) -> PathBuf {
    tool_dirs()
        .into_iter()
        .map(|d| d.join(program))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is required by the real-tool suite but is not installed \
                 (Debian package {})",
                package_of(program)
            )
        })
}

fn tool(program: &str) -> Command {
    let mut cmd = Command::new(find_tool(program));
    cmd.stdin(Stdio::null());
    cmd
}

fn describe(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        line.push(' ');
        line.push_str(&a.to_string_lossy());
    }
    line
}

/// Reads a pipe to its end on another thread.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    })
}

/// Runs `cmd`, killing it (and failing the test) if it takes longer than [`TOOL_LIMIT`].
fn run_bounded(cmd: &mut Command) -> Output {
    let line = describe(cmd);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{line}`: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_bounded(&mut child, TOOL_LIMIT)
        .unwrap_or_else(|| panic!("`{line}` did not finish within {TOOL_LIMIT:?}"));
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Waits for `child` at most `limit`; kills it and returns None when it is still running.
fn wait_bounded(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn both(out: &Output) -> String {
    let (o, e) = text(out);
    format!("{o}{e}")
}

/// Runs a tool that must succeed; returns its stdout.
fn ok(what: &str, cmd: &mut Command) -> String {
    let out = run_bounded(cmd);
    assert!(
        out.status.success(),
        "{what}: `{}` failed ({}):\n{}",
        describe(cmd),
        out.status,
        both(&out)
    );
    text(&out).0
}

/// Runs a tool that must fail, saying `reason` (stdout or stderr).
fn rejects(what: &str, cmd: &mut Command, reason: &str) {
    let out = run_bounded(cmd);
    let said = both(&out);
    assert!(
        !out.status.success(),
        "{what}: `{}` should have failed but succeeded:\n{said}",
        describe(cmd)
    );
    assert!(
        said.contains(reason),
        "{what}: `{}` failed, but not with {reason:?}:\n{said}",
        describe(cmd)
    );
}

fn openssl<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut cmd = tool("openssl");
    cmd.args(args);
    cmd
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

// ---------------------------------------------------------------------------
// Reading certificates with OpenSSL
// ---------------------------------------------------------------------------

/// One extension as OpenSSL prints it, on one line: `critical Digital Signature`,
/// `TLS Web Server Authentication`, or `absent`.
fn ext(cert: &Path, name: &str) -> String {
    let out = ok(
        &format!("read {name} of {}", cert.display()),
        &mut openssl(&["x509", "-in", s(cert), "-noout", "-ext", name]),
    );
    let mut lines = out.lines();
    let Some(header) = lines.next() else {
        return "absent".into();
    };
    let value: Vec<&str> = lines.map(str::trim).filter(|l| !l.is_empty()).collect();
    let value = value.join(" ");
    if header.trim_end().ends_with("critical") {
        format!("critical {value}")
    } else {
        value
    }
}

/// The value of `openssl x509 -noout -<field>`, without the `field=` prefix.
fn x509_field(cert: &Path, field: &str) -> String {
    let out = ok(
        &format!("read {field} of {}", cert.display()),
        &mut openssl(&["x509", "-in", s(cert), "-noout", &format!("-{field}")]),
    );
    let out = out.trim();
    out.split_once('=')
        .map_or(out, |(_, v)| v)
        .trim()
        .to_string()
}

/// The first line of `-text` that contains `needle`, trimmed (e.g. `Public-Key: (256 bit)`).
fn text_line(cert: &Path, needle: &str) -> String {
    let out = ok(
        &format!("print {}", cert.display()),
        &mut openssl(&["x509", "-in", s(cert), "-noout", "-text"]),
    );
    out.lines()
        .map(str::trim)
        .find(|l| l.contains(needle))
        .unwrap_or("-")
        .to_string()
}

fn sha256_fingerprint(cert: &Path) -> String {
    ok(
        &format!("fingerprint {}", cert.display()),
        &mut openssl(&["x509", "-in", s(cert), "-noout", "-fingerprint", "-sha256"]),
    )
}

/// notBefore and notAfter, as Unix seconds.
fn validity(cert: &Path) -> (i64, i64) {
    let out = ok(
        &format!("read the dates of {}", cert.display()),
        &mut openssl(&[
            "x509",
            "-in",
            s(cert),
            "-noout",
            "-startdate",
            "-enddate",
            "-dateopt",
            "iso_8601",
        ]),
    );
    let date = |key: &str| {
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in {out:?}"));
        unix_seconds(line)
    };
    (date("notBefore="), date("notAfter="))
}

/// `2029-02-23 13:24:30Z` as Unix seconds.
fn unix_seconds(iso: &str) -> i64 {
    let n: Vec<u16> = iso
        .trim()
        .trim_end_matches('Z')
        .split(['-', ' ', ':'])
        .map(|x| x.parse().unwrap_or_else(|_| panic!("bad date {iso:?}")))
        .collect();
    let month = time::Month::try_from(n[1] as u8).unwrap();
    time::Date::from_calendar_date(i32::from(n[0]), month, n[2] as u8)
        .and_then(|d| d.with_hms(n[3] as u8, n[4] as u8, n[5] as u8))
        .unwrap_or_else(|e| panic!("bad date {iso:?}: {e}"))
        .assume_utc()
        .unix_timestamp()
}

fn lifetime_hours(cert: &Path) -> i64 {
    let (start, end) = validity(cert);
    (end - start) / 3600
}

/// Significant bits of the serial number.
fn serial_bits(cert: &Path) -> usize {
    let hex = x509_field(cert, "serial");
    let hex = hex.trim_start_matches('0');
    let first = u32::from_str_radix(&hex[..1], 16).unwrap();
    (hex.len() - 1) * 4 + (32 - first.leading_zeros() as usize)
}

/// The public key of a certificate, in PEM.
fn cert_pubkey(cert: &Path) -> String {
    ok(
        "read the certificate's public key",
        &mut openssl(&["x509", "-in", s(cert), "-noout", "-pubkey"]),
    )
}

/// The public key of a private key file, in PEM.
fn key_pubkey(key: &Path) -> String {
    ok(
        "read the private key",
        &mut openssl(&["pkey", "-in", s(key), "-pubout"]),
    )
}

/// Writes each certificate of a PEM file to `dir/<stem>-N.pem` and returns the paths.
fn split_chain(pem_file: &Path, dir: &Path, stem: &str) -> Vec<PathBuf> {
    let pem = fs::read_to_string(pem_file).unwrap();
    let end = "-----END CERTIFICATE-----";
    pem.split_inclusive(end)
        .filter(|b| b.contains("-----BEGIN CERTIFICATE-----"))
        .enumerate()
        .map(|(i, block)| {
            let path = dir.join(format!("{stem}-{i}.pem"));
            fs::write(&path, format!("{}\n", block.trim_start())).unwrap();
            path
        })
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `openssl verify -x509_strict -purpose PURPOSE EXTRA -CAfile CA CERT`.
fn verify(ca: &Path, cert: &Path, purpose: &str, extra: &[&str]) -> Command {
    let mut cmd = openssl(&["verify", "-x509_strict", "-purpose", purpose]);
    cmd.args(extra).args(["-CAfile", s(ca), s(cert)]);
    cmd
}

fn name_check(name: &str) -> [&str; 2] {
    if name.parse::<std::net::IpAddr>().is_ok() {
        ["-verify_ip", name]
    } else {
        ["-verify_hostname", name]
    }
}

// ---------------------------------------------------------------------------
// 1. OpenSSL verifies the chains
// ---------------------------------------------------------------------------

#[test]
fn openssl_verifies_each_name_and_rejects_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let [ec, rsa] = both_kinds(tmp.path());
    for ((kind, st), (_, other)) in [(&ec, &rsa), (&rsa, &ec)] {
        let k = label(*kind);
        let (ca, fc) = (st.ca(), st.fullchain());
        ok(
            &format!("{k}: leaf verifies as a TLS server certificate"),
            &mut verify(&ca, &fc, "sslserver", &[]),
        );
        for name in NAMES {
            ok(
                &format!("{k}: leaf verifies for {name}"),
                &mut verify(&ca, &fc, "sslserver", &name_check(name)),
            );
        }
        for (name, reason) in [
            ("other.local", "hostname mismatch"),
            ("mcp.local.evil", "hostname mismatch"),
            ("127.0.0.2", "IP address mismatch"),
            ("::2", "IP address mismatch"),
        ] {
            rejects(
                &format!("{k}: leaf must not verify for {name}"),
                &mut verify(&ca, &fc, "sslserver", &name_check(name)),
                reason,
            );
        }
        rejects(
            &format!("{k}: leaf must not verify as a TLS client certificate"),
            &mut verify(&ca, &fc, "sslclient", &[]),
            "unsuitable certificate purpose",
        );
        rejects(
            &format!("{k}: leaf must not verify against another CA"),
            &mut verify(&other.ca(), &fc, "sslserver", &[]),
            "unable to get local issuer certificate",
        );
        ok(
            &format!("{k}: the CA is a valid self-signed root"),
            &mut verify(&ca, &ca, "any", &[]),
        );
    }
}

// ---------------------------------------------------------------------------
// 2. Files and fields
// ---------------------------------------------------------------------------

#[test]
fn files_and_fields_are_as_documented() {
    let tmp = tempfile::tempdir().unwrap();
    for (kind, st) in both_kinds(tmp.path()) {
        let k = label(kind);
        let (ca, fc, key) = (st.ca(), st.fullchain(), st.privkey());

        // fullchain.pem = the leaf, then the CA certificate.
        let chain = split_chain(&fc, tmp.path(), &format!("{k}-chain"));
        assert_eq!(
            chain.len(),
            2,
            "{k}: fullchain.pem must hold 2 certificates"
        );
        assert_eq!(
            sha256_fingerprint(&chain[1]),
            sha256_fingerprint(&ca),
            "{k}: the second certificate of fullchain.pem must be the CA file's"
        );
        let subject = x509_field(&chain[0], "subject");
        assert!(
            subject.starts_with("O = mcpstack development certificate,")
                && subject.ends_with("CN = mcp.local"),
            "{k}: the first certificate must be the leaf for mcp.local, is {subject:?}"
        );
        assert_eq!(
            x509_field(&chain[0], "issuer"),
            x509_field(&ca, "subject"),
            "{k}: the leaf must be issued by the CA"
        );

        // The key belongs to the certificate.
        assert_eq!(
            key_pubkey(&key),
            cert_pubkey(&fc),
            "{k}: privkey.pem must be the key of the leaf"
        );

        // At most 825 days in total, at least 30 more days.
        let hours = lifetime_hours(&fc);
        assert!(
            hours <= 825 * 24,
            "{k}: leaf lifetime {hours}h exceeds 825 days"
        );
        let (start, _) = validity(&fc);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        assert!(start <= now, "{k}: leaf is not valid yet");
        let month = (30 * DAY).to_string();
        ok(
            &format!("{k}: leaf valid for 30 more days"),
            &mut openssl(&["x509", "-in", s(&fc), "-noout", "-checkend", &month]),
        );

        // File modes.
        assert_eq!(mode(&st.caroot), 0o700, "{k}: CA folder mode");
        assert_eq!(mode(&st.ca_key()), 0o600, "{k}: CA key mode");
        assert_eq!(mode(&ca), 0o644, "{k}: CA certificate mode");
        assert_eq!(mode(&key), 0o600, "{k}: leaf key mode");
        assert_eq!(mode(&fc), 0o644, "{k}: fullchain mode");

        // Extensions.
        let leaf_ku = match kind {
            KeyKind::Ecdsa => "critical Digital Signature",
            KeyKind::Rsa => "critical Digital Signature, Key Encipherment",
        };
        assert_eq!(ext(&fc, "keyUsage"), leaf_ku, "{k}: leaf keyUsage");
        assert_eq!(
            ext(&fc, "extendedKeyUsage"),
            "TLS Web Server Authentication",
            "{k}: leaf extendedKeyUsage"
        );
        assert_eq!(
            ext(&fc, "subjectAltName"),
            "DNS:mcp.local, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
            "{k}: leaf subjectAltName"
        );
        assert_eq!(
            ext(&fc, "basicConstraints"),
            "critical CA:FALSE",
            "{k}: leaf basicConstraints"
        );
        assert_eq!(
            ext(&ca, "basicConstraints"),
            "critical CA:TRUE, pathlen:0",
            "{k}: CA basicConstraints"
        );
        assert_eq!(
            ext(&ca, "keyUsage"),
            "critical Digital Signature, Certificate Sign, CRL Sign",
            "{k}: CA keyUsage"
        );
        let ski = ext(&ca, "subjectKeyIdentifier");
        assert_ne!(ski, "absent", "{k}: the CA has a subjectKeyIdentifier");
        assert_eq!(
            ext(&fc, "authorityKeyIdentifier"),
            ski,
            "{k}: leaf authorityKeyIdentifier = CA subjectKeyIdentifier"
        );

        // Key types and sizes.
        let (ca_bits, leaf_bits) = match kind {
            KeyKind::Ecdsa => (256, 256),
            KeyKind::Rsa => (3072, 2048),
        };
        assert_eq!(
            text_line(&ca, "Public-Key:"),
            format!("Public-Key: ({ca_bits} bit)"),
            "{k}: CA key size"
        );
        assert_eq!(
            text_line(&fc, "Public-Key:"),
            format!("Public-Key: ({leaf_bits} bit)"),
            "{k}: leaf key size"
        );
        if kind == KeyKind::Ecdsa {
            assert_eq!(
                text_line(&fc, "NIST CURVE"),
                "NIST CURVE: P-256",
                "ecdsa curve"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// 3. Re-running keeps the leaf, --renew replaces it
// ---------------------------------------------------------------------------

#[test]
fn rerun_keeps_the_leaf_and_renew_reissues_it() {
    let tmp = tempfile::tempdir().unwrap();
    let st = Stack::new(tmp.path(), "ecdsa", KeyKind::Ecdsa);
    let files = [st.fullchain(), st.privkey(), st.ca(), st.ca_key()];
    let read_all = || files.each_ref().map(|p| fs::read(p).unwrap());
    let before = read_all();

    let out = st.certs(&[]);
    assert!(out.status.success(), "re-run: {:?}", text(&out));
    assert!(
        both(&out).contains("certificate: kept"),
        "re-run must say it kept the leaf: {:?}",
        text(&out)
    );
    assert!(
        before == read_all(),
        "re-run must leave fullchain.pem, privkey.pem and the CA byte-identical"
    );

    let serial = x509_field(&st.fullchain(), "serial");
    let out = st.certs(&["--renew"]);
    assert!(out.status.success(), "--renew: {:?}", text(&out));
    assert!(
        both(&out).contains("renewal requested"),
        "--renew must say why it issued: {:?}",
        text(&out)
    );
    let after = read_all();
    assert_ne!(
        after[0], before[0],
        "--renew must write a new fullchain.pem"
    );
    assert_ne!(after[1], before[1], "--renew must write a new privkey.pem");
    assert_eq!(after[2..], before[2..], "--renew must not touch the CA");
    assert_ne!(
        x509_field(&st.fullchain(), "serial"),
        serial,
        "the renewed leaf has a new serial"
    );
    assert_eq!(
        key_pubkey(&st.privkey()),
        cert_pubkey(&st.fullchain()),
        "the renewed key matches the renewed certificate"
    );
    ok(
        "the renewed leaf verifies for mcp.local",
        &mut verify(
            &st.ca(),
            &st.fullchain(),
            "sslserver",
            &name_check("mcp.local"),
        ),
    );

    let out = st.certs(&["inspect"]);
    assert!(
        out.status.success() && text(&out).0.contains("local CA:    yes"),
        "certs inspect must find the leaf signed by the local CA: {:?}",
        text(&out)
    );
    let out = st.certs(&["ca-path"]);
    assert_eq!(
        text(&out).0.trim(),
        s(&st.caroot),
        "certs ca-path must print the --caroot folder"
    );
}

// ---------------------------------------------------------------------------
// 4. A real TLS handshake with OpenSSL on 127.0.0.1
// ---------------------------------------------------------------------------

/// `openssl s_server` on 127.0.0.1 (port chosen by the kernel) that exits after `accepts`
/// connections and is killed when dropped.
struct TlsServer {
    child: Child,
    port: u16,
}

impl TlsServer {
    fn start(cert: &Path, chain: &Path, key: &Path, accepts: u32) -> TlsServer {
        let mut cmd = openssl(&["s_server", "-www", "-naccept"]);
        cmd.arg(accepts.to_string())
            .args(["-accept", "127.0.0.1:0"])
            .args(["-cert", s(cert), "-cert_chain", s(chain), "-key", s(key)])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let line = describe(&cmd);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{line}`: {e}"));
        let mut server = TlsServer { child, port: 0 };
        // s_server prints `ACCEPT 127.0.0.1:PORT` once it listens.
        let (tx, rx) = mpsc::channel();
        let stdout = server.child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(l);
            }
        });
        let deadline = Instant::now() + TOOL_LIMIT;
        while server.port == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            let l = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("`{line}` did not start listening"));
            if let Some(addr) = l.strip_prefix("ACCEPT ") {
                server.port = addr.rsplit(':').next().unwrap().parse().unwrap();
            }
        }
        server
    }

    /// `openssl s_client` to this server for `name` (SNI and hostname check), trusting `ca`.
    fn client(&self, name: &str, ca: &Path) -> Command {
        let mut cmd = openssl(&["s_client", "-connect"]);
        cmd.arg(format!("127.0.0.1:{}", self.port)).args([
            "-servername",
            name,
            "-verify_hostname",
            name,
            "-verify_return_error",
            "-CAfile",
            s(ca),
        ]);
        cmd
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn openssl_handshake_on_localhost() {
    let tmp = tempfile::tempdir().unwrap();
    for (kind, st) in both_kinds(tmp.path()) {
        let k = label(kind);
        let chain = split_chain(&st.fullchain(), tmp.path(), &format!("{k}-chain"));
        let mut server = TlsServer::start(&chain[0], &chain[1], &st.privkey(), 2);

        let said = ok(
            &format!("{k}: TLS handshake for mcp.local"),
            &mut server.client("mcp.local", &st.ca()),
        );
        assert!(
            said.contains("Verify return code: 0 (ok)")
                && said.contains("Verified peername: mcp.local"),
            "{k}: s_client must verify the server as mcp.local:\n{said}"
        );
        assert!(
            said.contains(" 1 s:O = mcpstack development CA"),
            "{k}: the server must send the CA after the leaf:\n{said}"
        );
        rejects(
            &format!("{k}: TLS handshake for other.local"),
            &mut server.client("other.local", &st.ca()),
            "hostname mismatch",
        );

        let status = wait_bounded(&mut server.child, TOOL_LIMIT);
        assert!(
            status.is_some(),
            "{k}: s_server must exit after its 2 connections"
        );
    }
}

// ---------------------------------------------------------------------------
// 5. NSS (Firefox, Chromium), through the library's install plan
// ---------------------------------------------------------------------------

/// This machine as the installer sees it, except: HOME is `home`, the file system root is
/// `root` (both scratch), and we are not root, so `execute` skips every system-store step.
fn scratch_host(root: &Path, home: &Path) -> Host {
    Host {
        os: Os::Linux,
        root: root.to_path_buf(),
        home: Some(home.to_path_buf()),
        is_root: false,
        path: tool_dirs(),
        sudo_user: None,
    }
}

/// Fails unless every step `execute` would run (those that do not need root, since the host
/// is not root) is certutil on a database under `home`, and every file step is under `root`.
fn assert_only_scratch(plan: &Plan, root: &Path, home: &Path) {
    for step in &plan.steps {
        match &step.action {
            Action::WriteFile { path, .. } | Action::RemoveFile { path } => assert!(
                step.needs_root && path.starts_with(root),
                "plan step outside the scratch root: {}: {}",
                step.store,
                step.action
            ),
            Action::Run { program, args } => {
                let on_scratch_db = program.file_name() == Some(OsStr::new("certutil"))
                    && args.iter().any(|a| {
                        a.strip_prefix("sql:")
                            .is_some_and(|d| Path::new(d).starts_with(home))
                    });
                assert!(
                    step.needs_root || on_scratch_db,
                    "plan step would run outside the scratch folders: {}: {}",
                    step.store,
                    step.action
                );
            }
        }
    }
}

fn certutil_list(db: &Path) -> String {
    ok(
        "list an NSS database",
        tool("certutil").args(["-L", "-d", &format!("sql:{}", db.display())]),
    )
}

/// `certutil -V -u V`: is `nick` a valid SSL server certificate for this database?
fn certutil_validate(db: &Path, nick: &str) -> Command {
    let mut cmd = tool("certutil");
    cmd.args([
        "-V",
        "-u",
        "V",
        "-d",
        &format!("sql:{}", db.display()),
        "-n",
        nick,
    ]);
    cmd
}

#[test]
fn nss_trusts_the_installed_ca_in_scratch_databases() {
    let tmp = tempfile::tempdir().unwrap();
    let st = Stack::new(tmp.path(), "ecdsa", KeyKind::Ecdsa);
    let (root, home) = (tmp.path().join("sysroot"), tmp.path().join("home"));
    fs::create_dir_all(&root).unwrap();
    let dbs = [
        home.join(".pki/nssdb"),
        home.join(".mozilla/firefox/test.default"),
    ];
    for db in &dbs {
        fs::create_dir_all(db).unwrap();
        ok(
            "create a scratch NSS database",
            tool("certutil").args([
                "-N",
                "-d",
                &format!("sql:{}", db.display()),
                "--empty-password",
            ]),
        );
    }
    let host = scratch_host(&root, &home);
    assert_eq!(
        certs::nss_databases(&host),
        dbs,
        "the installer must find both scratch databases"
    );

    // Install.
    let plan = certs::plan_install(&host, &st.ca()).unwrap();
    println!("install plan:\n{plan}");
    assert_only_scratch(&plan, &root, &home);
    let report = certs::execute(&host, &plan);
    println!("install report:\n{report}");
    assert!(report.is_ok(), "install into NSS failed:\n{report}");
    assert_eq!(
        report.changed.len(),
        2,
        "install must change exactly the 2 NSS databases:\n{report}"
    );
    assert!(
        report.changed.iter().all(|c| c.starts_with("NSS database")),
        "install must change nothing but NSS databases:\n{report}"
    );
    let nick = certutil_list(&dbs[0])
        .lines()
        .find(|l| l.starts_with("mcpstack development CA "))
        .map(|l| l.trim_end().trim_end_matches("C,,").trim().to_string())
        .unwrap_or_else(|| panic!("the CA is not in {}", dbs[0].display()));
    for db in &dbs {
        let listed = certutil_list(db);
        assert!(
            listed
                .lines()
                .any(|l| l.starts_with(&nick) && l.trim_end().ends_with("C,,")),
            "{}: CA {nick:?} must be trusted for TLS servers (C,,):\n{listed}",
            db.display()
        );
    }

    // NSS accepts the leaf as an SSL server certificate.
    for db in &dbs {
        ok(
            "add the leaf to the database (no trust of its own)",
            tool("certutil").args([
                "-A",
                "-d",
                &format!("sql:{}", db.display()),
                "-t",
                ",,",
                "-n",
                "leaf",
                "-i",
                s(&st.fullchain()),
            ]),
        );
        let said = ok(
            &format!("{}: NSS accepts the leaf", db.display()),
            &mut certutil_validate(db, "leaf"),
        );
        assert!(said.contains("certificate is valid"), "{said}");
    }

    // Uninstall, then the leaf is no longer trusted.
    let plan = certs::plan_uninstall(&host, &st.ca()).unwrap();
    println!("uninstall plan:\n{plan}");
    assert_only_scratch(&plan, &root, &home);
    let report = certs::execute(&host, &plan);
    assert!(report.is_ok(), "uninstall from NSS failed:\n{report}");
    assert_eq!(report.changed.len(), 2, "uninstall:\n{report}");
    for db in &dbs {
        rejects(
            &format!("{}: the CA must be gone", db.display()),
            tool("certutil").args(["-L", "-d", &format!("sql:{}", db.display()), "-n", &nick]),
            "Could not find cert",
        );
        rejects(
            &format!("{}: NSS must no longer accept the leaf", db.display()),
            &mut certutil_validate(db, "leaf"),
            "issuer is not recognized",
        );
    }

    // Uninstalling again is not an error: the databases just do not have it.
    let report = certs::execute(&host, &certs::plan_uninstall(&host, &st.ca()).unwrap());
    assert!(
        report.is_ok() && report.changed.is_empty(),
        "second uninstall:\n{report}"
    );
    assert!(
        report
            .skipped
            .iter()
            .any(|s| s.reason == "not installed there"),
        "second uninstall must say the CA was not there:\n{report}"
    );
}

// ---------------------------------------------------------------------------
// 6. update-ca-certificates builds a bundle that OpenSSL trusts (scratch dirs)
// ---------------------------------------------------------------------------

/// Debian's store, laid out under a scratch folder.
struct ScratchStore {
    root: PathBuf,
}

impl ScratchStore {
    const LOCAL: &'static str = "usr/local/share/ca-certificates";

    /// An empty store whose "distribution" certificates are just `distro_ca`.
    fn new(root: &Path, distro_ca: &Path) -> ScratchStore {
        let store = ScratchStore {
            root: root.to_path_buf(),
        };
        for d in [Self::LOCAL, "share", "etc-certs", "hooks", "tmp"] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        fs::copy(distro_ca, root.join("share/distro-ca.crt")).unwrap();
        fs::write(root.join("ca-certificates.conf"), "distro-ca.crt\n").unwrap();
        store
    }

    fn bundle(&self) -> PathBuf {
        self.root.join("etc-certs/ca-certificates.crt")
    }

    /// Runs a planned `update-ca-certificates` with its arguments, on the scratch dirs only.
    fn run(&self, program: &Path, args: &[String]) -> String {
        let r = |p: &str| self.root.join(p).display().to_string();
        let mut cmd = Command::new(program);
        cmd.stdin(Stdio::null())
            .args(args)
            .args(["--certsconf", &r("ca-certificates.conf")])
            .args(["--certsdir", &r("share")])
            .args(["--localcertsdir", &r(Self::LOCAL)])
            .args(["--etccertsdir", &r("etc-certs")])
            .args(["--hooksdir", &r("hooks")])
            .args(["--certbundle", "ca-certificates.crt"])
            .env("TMPDIR", r("tmp"));
        ok("update-ca-certificates on scratch dirs", &mut cmd)
    }

    fn bundle_size(&self) -> usize {
        fs::read_to_string(self.bundle())
            .unwrap()
            .matches("BEGIN CERTIFICATE")
            .count()
    }
}

/// The actions the plan has for the Debian/Ubuntu system store (each must need root).
fn debian_steps(plan: &Plan) -> Vec<&Action> {
    plan.steps
        .iter()
        .filter(|s| s.store == "system trust store (Debian/Ubuntu)")
        .map(|s| {
            assert!(s.needs_root, "system store steps need root: {}", s.action);
            &s.action
        })
        .collect()
}

#[test]
fn update_ca_certificates_bundle_verifies_the_leaf() {
    // The script runs `openssl rehash`: name both tools if missing, rather than failing inside.
    find_tool("update-ca-certificates");
    find_tool("openssl");
    let tmp = tempfile::tempdir().unwrap();
    let st = Stack::new(tmp.path(), "ecdsa", KeyKind::Ecdsa);
    let distro = Stack::new(tmp.path(), "distro", KeyKind::Ecdsa);
    let root = tmp.path().join("sysroot");
    let store = ScratchStore::new(&root, &distro.ca());
    let host = scratch_host(&root, &tmp.path().join("home"));

    // Install: the plan writes the anchor file, then runs update-ca-certificates. We do the
    // same by hand, pointing the tool at the scratch dirs (execute would run it on /etc).
    let plan = certs::plan_install(&host, &st.ca()).unwrap();
    println!("install plan:\n{plan}");
    let anchor = match debian_steps(&plan)[..] {
        [Action::WriteFile {
            path,
            contents,
            mode,
        }, Action::Run { program, args }] => {
            assert!(path.starts_with(root.join(ScratchStore::LOCAL)), "{plan}");
            assert_eq!(*mode, 0o644, "anchor file mode");
            fs::write(path, contents).unwrap();
            fs::set_permissions(path, fs::Permissions::from_mode(*mode)).unwrap();
            store.run(program, args);
            path.clone()
        }
        _ => panic!("unexpected system-store plan:\n{plan}"),
    };
    assert_eq!(store.bundle_size(), 2, "bundle = distribution CA + ours");
    let link = root.join("etc-certs").join(
        anchor
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".crt", ".pem"),
    );
    assert_eq!(
        fs::read_link(&link).ok().as_deref(),
        Some(anchor.as_path()),
        "update-ca-certificates must link {} to the anchor",
        link.display()
    );
    ok(
        "the bundle trusts the leaf",
        &mut verify(
            &store.bundle(),
            &st.fullchain(),
            "sslserver",
            &name_check("mcp.local"),
        ),
    );
    ok(
        "the hashed certificate folder trusts the leaf",
        openssl(&["verify", "-x509_strict", "-purpose", "sslserver", "-CApath"])
            .arg(root.join("etc-certs"))
            .arg(st.fullchain()),
    );

    // Uninstall: remove the anchor, then `update-ca-certificates --fresh`.
    let plan = certs::plan_uninstall(&host, &st.ca()).unwrap();
    println!("uninstall plan:\n{plan}");
    match debian_steps(&plan)[..] {
        [Action::RemoveFile { path }, Action::Run { program, args }] => {
            assert_eq!(path, &anchor, "uninstall removes the installed anchor");
            fs::remove_file(path).unwrap();
            store.run(program, args);
        }
        _ => panic!("unexpected system-store uninstall plan:\n{plan}"),
    }
    assert_eq!(store.bundle_size(), 1, "bundle = distribution CA only");
    rejects(
        "after uninstall the bundle no longer trusts the leaf",
        &mut verify(&store.bundle(), &st.fullchain(), "sslserver", &[]),
        "unable to get local issuer certificate",
    );
}

// ---------------------------------------------------------------------------
// 7. mkcert, field by field
// ---------------------------------------------------------------------------

fn mkcert(caroot: &Path, dir: &Path, stem: &str, extra: &[&str]) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{stem}.pem")),
        dir.join(format!("{stem}-key.pem")),
    );
    ok(
        "mkcert makes a certificate",
        tool("mkcert")
            .env("CAROOT", caroot)
            .args(extra)
            .args(["-cert-file", s(&cert), "-key-file", s(&key)])
            .args(NAMES),
    );
    (cert, key)
}

/// The comparison table: field | mkcert | ours (RSA) | ours (ECDSA).
#[derive(Default)]
struct Table(String);

impl Table {
    fn row(&mut self, name: &str, values: [String; 3]) {
        let [a, b, c] = values;
        self.0
            .push_str(&format!("{name:<28} | {a:<44.44} | {b:<44.44} | {c:.44}\n"));
    }
}

#[test]
fn agrees_with_mkcert_where_it_must() {
    let tmp = tempfile::tempdir().unwrap();
    let mk_root = tmp.path().join("mkcert-ca");
    let (mk, mk_key) = mkcert(&mk_root, tmp.path(), "mk", &[]);
    let (mk_ec, mk_ec_key) = mkcert(&mk_root, tmp.path(), "mk-ec", &["-ecdsa"]);
    let mk_ca = mk_root.join("rootCA.pem");
    let [(_, ec), (_, rsa)] = both_kinds(tmp.path());
    let (ours_rsa, ours_ec) = (rsa.fullchain(), ec.fullchain());

    // The table: mkcert (RSA) | ours (RSA) | ours (ECDSA).
    let leaves = [&mk, &ours_rsa, &ours_ec];
    let cas = [mk_ca.clone(), rsa.ca(), ec.ca()];
    let mut table = Table::default();
    table.row(
        "field",
        ["mkcert".into(), "ours (rsa)".into(), "ours (ecdsa)".into()],
    );
    for e in [
        "keyUsage",
        "extendedKeyUsage",
        "basicConstraints",
        "subjectAltName",
        "subjectKeyIdentifier",
        "authorityKeyIdentifier",
    ] {
        table.row(&format!("leaf {e}"), leaves.map(|c| ext(c, e)));
    }
    table.row(
        "leaf ecdsa keyUsage",
        [
            ext(&mk_ec, "keyUsage"),
            "-".into(),
            ext(&ours_ec, "keyUsage"),
        ],
    );
    table.row("leaf subject", leaves.map(|c| x509_field(c, "subject")));
    table.row(
        "leaf lifetime (hours)",
        leaves.map(|c| lifetime_hours(c).to_string()),
    );
    table.row("leaf key", leaves.map(|c| text_line(c, "Public-Key:")));
    table.row(
        "leaf serial (bits)",
        leaves.map(|c| serial_bits(c).to_string()),
    );
    table.row(
        "certs in leaf file",
        leaves.map(|c| split_chain(c, tmp.path(), "count").len().to_string()),
    );
    for e in ["keyUsage", "basicConstraints", "subjectKeyIdentifier"] {
        table.row(&format!("CA {e}"), cas.each_ref().map(|c| ext(c, e)));
    }
    table.row(
        "CA subject",
        cas.each_ref().map(|c| x509_field(c, "subject")),
    );
    table.row(
        "CA lifetime (hours)",
        cas.each_ref().map(|c| lifetime_hours(c).to_string()),
    );
    table.row(
        "CA key",
        cas.each_ref().map(|c| text_line(c, "Public-Key:")),
    );
    table.row(
        "CA key file mode",
        [mk_root.join("rootCA-key.pem"), rsa.ca_key(), ec.ca_key()]
            .map(|p| format!("{:o}", mode(&p))),
    );
    println!("\nmkcert vs mcpstack:\n{}", table.0);

    // What must agree with mkcert.
    assert_eq!(
        ext(&ours_rsa, "subjectAltName"),
        ext(&mk, "subjectAltName"),
        "SAN classification (DNS vs IP) must match mkcert's"
    );
    assert_eq!(
        ext(&ours_ec, "subjectAltName"),
        ext(&mk, "subjectAltName"),
        "SAN classification (DNS vs IP) must match mkcert's"
    );
    for ours in [&ours_rsa, &ours_ec] {
        assert_eq!(
            ext(ours, "extendedKeyUsage"),
            ext(&mk, "extendedKeyUsage"),
            "extendedKeyUsage must match mkcert's"
        );
    }
    assert_eq!(
        ext(&ours_rsa, "keyUsage"),
        ext(&mk, "keyUsage"),
        "RSA leaf keyUsage must match mkcert's"
    );
    for ours in [rsa.ca(), ec.ca()] {
        assert_eq!(
            ext(&ours, "basicConstraints"),
            ext(&mk_ca, "basicConstraints"),
            "CA basicConstraints must match mkcert's"
        );
    }
    for cert in [&mk, &ours_rsa, &ours_ec] {
        let bits = serial_bits(cert);
        assert!(
            (65..=128).contains(&bits),
            "{}: serial must be a random number of up to 128 bits like mkcert's, has {bits} bits",
            cert.display()
        );
    }
    assert_eq!(
        text_line(&rsa.ca(), "Public-Key:"),
        text_line(&mk_ca, "Public-Key:"),
        "RSA CA key size must match mkcert's"
    );
    assert_eq!(
        text_line(&ours_rsa, "Public-Key:"),
        text_line(&mk, "Public-Key:"),
        "RSA leaf key size must match mkcert's"
    );
    assert_eq!(
        ext(&mk, "authorityKeyIdentifier"),
        ext(&mk_ca, "subjectKeyIdentifier"),
        "mkcert's leaf AKI = its CA's SKI, as ours"
    );

    // mkcert's leaf verifies for the same names under its own CA.
    for name in NAMES {
        ok(
            &format!("mkcert's leaf verifies for {name}"),
            &mut verify(&mk_ca, &mk, "sslserver", &name_check(name)),
        );
    }

    // Our manual-certificate check reads mkcert's output.
    for name in ["mcp.local", "::1"] {
        certs::check_manual(&mk, &mk_key, name)
            .unwrap_or_else(|e| panic!("check_manual rejects mkcert's pair for {name}: {e}"));
    }
    assert!(
        certs::check_manual(&mk, &mk_ec_key, "mcp.local").is_err(),
        "check_manual must reject mkcert's certificate with another key"
    );
    assert!(
        certs::check_manual(&mk, &mk_key, "other.local").is_err(),
        "check_manual must reject a name mkcert's certificate does not cover"
    );
    assert!(
        certs::check_manual(&mk_ec, &mk_ec_key, "localhost").is_ok(),
        "check_manual must accept mkcert's ECDSA pair"
    );

    // mcpstack signs with mkcert's CA (same file names) without changing it.
    let mk_files = [mk_ca.clone(), mk_root.join("rootCA-key.pem")];
    let before = mk_files.each_ref().map(|p| fs::read(p).unwrap());
    let on_mk = Stack::with_ca(tmp.path(), "on-mkcert", &mk_root, KeyKind::Ecdsa);
    ok(
        "our leaf signed by mkcert's CA verifies for mcp.local",
        &mut verify(
            &mk_ca,
            &on_mk.fullchain(),
            "sslserver",
            &name_check("mcp.local"),
        ),
    );
    let out = on_mk.certs(&["inspect"]);
    assert!(
        text(&out).0.contains("local CA:    yes"),
        "inspect must see the leaf chains to mkcert's CA: {:?}",
        text(&out)
    );
    assert!(
        before == mk_files.each_ref().map(|p| fs::read(p).unwrap()),
        "mcpstack must not rewrite mkcert's CA files"
    );
}
