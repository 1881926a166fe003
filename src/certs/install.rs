//! Adding the local CA to (and removing it from) the trust stores of this
//! machine: detect the stores, make a [`Plan`], then [`execute`] it.
//! Planning only looks at files and PATH, so it can be tested against a
//! fake root.

use std::fmt;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::ca::pem_encode;
use super::error::Result;
use super::files::{self, CERT_MODE};
use super::x509::hex;

const DEBIAN_DIR: &str = "usr/local/share/ca-certificates";
const FEDORA_DIR: &str = "etc/pki/ca-trust/source/anchors";
const MAC_KEYCHAIN: &str = "/Library/Keychains/System.keychain";
const NEEDS_ROOT: &str = "needs root: run again with sudo";

/// Operating system families with a supported system trust store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Other,
}

/// The machine as far as planning is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    pub os: Os,
    /// Where the file system starts: `/`, or a fake root in tests.
    pub root: PathBuf,
    /// The user's home (already under `root`), for browser databases.
    pub home: Option<PathBuf>,
    /// Whether we run as root (system stores need it).
    pub is_root: bool,
    /// The directories of PATH, searched for programs.
    pub path: Vec<PathBuf>,
    /// SUDO_USER, when we were started through sudo.
    pub sudo_user: Option<String>,
}

impl Host {
    /// This machine.
    pub fn current() -> Host {
        let os = if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(target_os = "linux") {
            Os::Linux
        } else {
            Os::Other
        };
        Host {
            os,
            root: PathBuf::from("/"),
            home: std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(PathBuf::from),
            is_root: effective_uid_is_root(),
            path: std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect())
                .unwrap_or_default(),
            sudo_user: std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty()),
        }
    }

    /// The first executable called `program` on PATH.
    pub fn which(&self, program: &str) -> Option<PathBuf> {
        self.path.iter().map(|d| d.join(program)).find(|p| {
            fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
    }

    /// An absolute system path, under `root`.
    fn sys(&self, path: &str) -> PathBuf {
        self.root.join(path.trim_start_matches('/'))
    }
}

/// One thing to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    WriteFile {
        path: PathBuf,
        contents: Vec<u8>,
        mode: u32,
    },
    RemoveFile {
        path: PathBuf,
    },
    Run {
        program: PathBuf,
        args: Vec<String>,
    },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::WriteFile { path, .. } => write!(f, "write {}", path.display()),
            Action::RemoveFile { path } => write!(f, "remove {}", path.display()),
            Action::Run { program, args } => {
                write!(f, "run {}", program.display())?;
                for a in args {
                    if a.contains(' ') || a.is_empty() {
                        write!(f, " '{a}'")?;
                    } else {
                        write!(f, " {a}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// A step of a plan, for one trust store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The trust store this step is for, e.g. "NSS database /home/u/.pki/nssdb".
    pub store: String,
    pub action: Action,
    pub needs_root: bool,
    /// If set, a failure of this step is reported as skipped with this
    /// reason (e.g. removing a certificate that was never added).
    pub failure_means: Option<String>,
}

impl Step {
    /// A step on the system store: it needs root, and any failure is a failure.
    fn system(store: String, action: Action) -> Step {
        Step {
            store,
            action,
            needs_root: true,
            failure_means: None,
        }
    }
}

/// A store left alone, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub store: String,
    pub reason: String,
}

/// What [`execute`] would do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub skipped: Vec<Skipped>,
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            let root = if s.needs_root { " (needs root)" } else { "" };
            writeln!(f, "{}: {}{root}", s.store, s.action)?;
        }
        for s in &self.skipped {
            writeln!(f, "{}: skipped: {}", s.store, s.reason)?;
        }
        Ok(())
    }
}

/// What [`execute`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// "store: action" for every step that succeeded.
    pub changed: Vec<String>,
    pub skipped: Vec<Skipped>,
    /// Steps that failed, with the error.
    pub failed: Vec<Skipped>,
}

impl Report {
    pub fn is_ok(&self) -> bool {
        self.failed.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.changed {
            writeln!(f, "done:    {c}")?;
        }
        for s in &self.skipped {
            writeln!(f, "skipped: {}: {}", s.store, s.reason)?;
        }
        for s in &self.failed {
            writeln!(f, "FAILED:  {}: {}", s.store, s.reason)?;
        }
        Ok(())
    }
}

/// Adds the CA at `ca_cert` to every trust store found on this machine.
/// The system store needs root and the browsers' NSS databases must not be
/// touched as root, so a full install is one run with sudo and one without;
/// the report says which parts were skipped and why.
pub fn install(ca_cert: &Path) -> Result<Report> {
    let host = Host::current();
    Ok(execute(&host, &plan_install(&host, ca_cert)?))
}

/// Removes the CA at `ca_cert` from every trust store found on this machine.
pub fn uninstall(ca_cert: &Path) -> Result<Report> {
    let host = Host::current();
    Ok(execute(&host, &plan_uninstall(&host, ca_cert)?))
}

struct CaFile {
    path: PathBuf,
    pem: Vec<u8>,
    /// First 16 hex digits of the SHA-256 of the certificate.
    id: String,
    sha1_upper: String,
}

impl CaFile {
    fn read(path: &Path) -> Result<CaFile> {
        let der = files::read_cert_chain(path)?.swap_remove(0);
        let sha256 = hex(ring::digest::digest(&ring::digest::SHA256, &der).as_ref());
        let sha1 =
            hex(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der).as_ref());
        Ok(CaFile {
            path: path.to_path_buf(),
            pem: pem_encode("CERTIFICATE", &der).into_bytes(),
            id: sha256[..16].to_string(),
            sha1_upper: sha1.to_ascii_uppercase(),
        })
    }

    fn nickname(&self) -> String {
        format!("mcpstack development CA {}", self.id)
    }
}

/// The system store this host has, as (label, anchor file, update command).
fn system_store(
    host: &Host,
    ca: &CaFile,
) -> std::result::Result<(String, PathBuf, Action), Skipped> {
    let label = "system trust store";
    let skip = |reason: String| Skipped {
        store: label.to_string(),
        reason,
    };
    match host.os {
        Os::MacOs | Os::Other => Err(skip("not a Linux system".into())),
        Os::Linux => {
            let fedora_dir = host.sys(FEDORA_DIR);
            let debian_dir = host.sys(DEBIAN_DIR);
            if fedora_dir.is_dir() {
                let program = host.which("update-ca-trust").ok_or_else(|| {
                    skip("update-ca-trust not found: install the ca-certificates package".into())
                })?;
                Ok((
                    format!("{label} (Fedora/RHEL)"),
                    fedora_dir.join(format!("mcpstack-{}.pem", ca.id)),
                    Action::Run {
                        program,
                        args: vec!["extract".into()],
                    },
                ))
            } else if debian_dir.is_dir() || host.which("update-ca-certificates").is_some() {
                let program = host.which("update-ca-certificates").ok_or_else(|| {
                    skip(
                        "update-ca-certificates not found: install the ca-certificates package"
                            .into(),
                    )
                })?;
                Ok((
                    format!("{label} (Debian/Ubuntu)"),
                    debian_dir.join(format!("mcpstack-{}.crt", ca.id)),
                    Action::Run {
                        program,
                        args: Vec::new(),
                    },
                ))
            } else {
                Err(skip(
                    "no supported system trust store found (supported: Debian/Ubuntu update-ca-certificates, Fedora/RHEL update-ca-trust)".into(),
                ))
            }
        }
    }
}

/// The NSS databases (Firefox profiles, Chromium's ~/.pki/nssdb) of the user.
pub fn nss_databases(host: &Host) -> Vec<PathBuf> {
    let Some(home) = &host.home else {
        return Vec::new();
    };
    let mut dbs = vec![
        home.join(".pki/nssdb"),
        home.join("snap/chromium/current/.pki/nssdb"),
    ];
    for profiles in [
        ".mozilla/firefox",
        "snap/firefox/common/.mozilla/firefox",
        "Library/Application Support/Firefox/Profiles",
    ] {
        if let Ok(entries) = fs::read_dir(home.join(profiles)) {
            let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            found.sort();
            dbs.extend(found);
        }
    }
    dbs.retain(|d| d.join("cert9.db").is_file());
    dbs
}

fn plan_nss(host: &Host, ca: &CaFile, install: bool, plan: &mut Plan) {
    if let (true, Some(user)) = (host.is_root, &host.sudo_user) {
        // certutil run as root would leave root-owned files in the user's
        // browser profiles, and HOME may be root's anyway.
        plan.skipped.push(Skipped {
            store: "Firefox/Chromium (NSS)".into(),
            reason: format!("running through sudo: run the same command again as {user}, without sudo, for the browsers"),
        });
        return;
    }
    let dbs = nss_databases(host);
    if dbs.is_empty() {
        plan.skipped.push(Skipped {
            store: "Firefox/Chromium (NSS)".into(),
            reason: "no NSS database (cert9.db) found".into(),
        });
        return;
    }
    let Some(certutil) = host.which("certutil") else {
        plan.skipped.push(Skipped {
            store: format!("Firefox/Chromium (NSS, {} database(s))", dbs.len()),
            reason: "certutil not found: install libnss3-tools (Debian/Ubuntu), nss-tools (Fedora) or nss (Homebrew)".into(),
        });
        return;
    };
    for db in dbs {
        let mut args = vec![if install { "-A" } else { "-D" }.to_string()];
        args.extend(["-d".into(), format!("sql:{}", db.display())]);
        if install {
            args.extend(["-t".into(), "C,,".into()]);
        }
        args.extend(["-n".into(), ca.nickname()]);
        if install {
            args.extend(["-i".into(), ca.path.display().to_string()]);
        }
        plan.steps.push(Step {
            store: format!("NSS database {}", db.display()),
            action: Action::Run {
                program: certutil.clone(),
                args,
            },
            needs_root: false,
            failure_means: (!install).then(|| "not installed there".to_string()),
        });
    }
}

/// The steps that add the CA at `ca_cert` to this host's trust stores.
pub fn plan_install(host: &Host, ca_cert: &Path) -> Result<Plan> {
    let ca = CaFile::read(ca_cert)?;
    let mut plan = Plan::default();
    match host.os {
        Os::MacOs => plan.steps.push(Step {
            store: "macOS System keychain".into(),
            action: Action::Run {
                program: host
                    .which("security")
                    .unwrap_or_else(|| PathBuf::from("/usr/bin/security")),
                args: vec![
                    "add-trusted-cert".into(),
                    "-d".into(),
                    "-r".into(),
                    "trustRoot".into(),
                    "-k".into(),
                    MAC_KEYCHAIN.into(),
                    ca.path.display().to_string(),
                ],
            },
            needs_root: true,
            failure_means: None,
        }),
        _ => match system_store(host, &ca) {
            Ok((store, anchor, update)) => {
                if fs::read(&anchor).ok().as_deref() == Some(ca.pem.as_slice()) {
                    plan.skipped.push(Skipped {
                        store,
                        reason: format!("already installed ({})", anchor.display()),
                    });
                } else {
                    plan.steps.push(Step::system(
                        store.clone(),
                        Action::WriteFile {
                            path: anchor,
                            contents: ca.pem.clone(),
                            mode: CERT_MODE,
                        },
                    ));
                    plan.steps.push(Step::system(store, update));
                }
            }
            Err(skipped) => plan.skipped.push(skipped),
        },
    }
    plan_nss(host, &ca, true, &mut plan);
    Ok(plan)
}

/// The steps that remove the CA at `ca_cert` from this host's trust stores.
pub fn plan_uninstall(host: &Host, ca_cert: &Path) -> Result<Plan> {
    let ca = CaFile::read(ca_cert)?;
    let mut plan = Plan::default();
    match host.os {
        Os::MacOs => {
            let security = host
                .which("security")
                .unwrap_or_else(|| PathBuf::from("/usr/bin/security"));
            let store = "macOS System keychain".to_string();
            plan.steps.push(Step {
                store: store.clone(),
                action: Action::Run {
                    program: security.clone(),
                    args: vec![
                        "remove-trusted-cert".into(),
                        "-d".into(),
                        ca.path.display().to_string(),
                    ],
                },
                needs_root: true,
                failure_means: Some("not trusted there".into()),
            });
            plan.steps.push(Step {
                store,
                action: Action::Run {
                    program: security,
                    args: vec![
                        "delete-certificate".into(),
                        "-Z".into(),
                        ca.sha1_upper.clone(),
                        MAC_KEYCHAIN.into(),
                    ],
                },
                needs_root: true,
                failure_means: Some("not in the keychain".into()),
            });
        }
        _ => match system_store(host, &ca) {
            Ok((store, anchor, update)) => {
                if anchor.symlink_metadata().is_err() {
                    plan.skipped.push(Skipped {
                        store,
                        reason: "not installed".into(),
                    });
                } else {
                    let update = match update {
                        // Drop the removed certificate from the bundle.
                        Action::Run { program, args } if args.is_empty() => Action::Run {
                            program,
                            args: vec!["--fresh".into()],
                        },
                        other => other,
                    };
                    plan.steps.push(Step::system(
                        store.clone(),
                        Action::RemoveFile { path: anchor },
                    ));
                    plan.steps.push(Step::system(store, update));
                }
            }
            Err(skipped) => plan.skipped.push(skipped),
        },
    }
    plan_nss(host, &ca, false, &mut plan);
    Ok(plan)
}

/// Runs a plan. Steps that need root are skipped when not root; once a
/// step of a store fails or is skipped, the rest of that store's steps are
/// skipped too.
pub fn execute(host: &Host, plan: &Plan) -> Report {
    let mut report = Report {
        skipped: plan.skipped.clone(),
        ..Report::default()
    };
    let mut stopped: Vec<String> = Vec::new();
    for step in &plan.steps {
        if stopped.contains(&step.store) {
            continue;
        }
        if step.needs_root && !host.is_root {
            report.skipped.push(Skipped {
                store: step.store.clone(),
                reason: NEEDS_ROOT.into(),
            });
            stopped.push(step.store.clone());
            continue;
        }
        match run(&step.action) {
            Ok(()) => report
                .changed
                .push(format!("{}: {}", step.store, step.action)),
            Err(e) => {
                let entry = Skipped {
                    store: step.store.clone(),
                    reason: match &step.failure_means {
                        Some(meaning) => meaning.clone(),
                        None => format!("{}: {e}", step.action),
                    },
                };
                if step.failure_means.is_some() {
                    report.skipped.push(entry);
                } else {
                    report.failed.push(entry);
                }
                stopped.push(step.store.clone());
            }
        }
    }
    report
}

fn run(action: &Action) -> std::result::Result<(), String> {
    match action {
        Action::WriteFile {
            path,
            contents,
            mode,
        } => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            files::write_atomic(path, contents, *mode).map_err(|e| e.to_string())
        }
        Action::RemoveFile { path } => match fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
            _ => Ok(()),
        },
        Action::Run { program, args } => {
            let out = Command::new(program)
                .args(args)
                .output()
                .map_err(|e| e.to_string())?;
            if out.status.success() {
                Ok(())
            } else {
                let text = String::from_utf8_lossy(&out.stderr);
                let text = if text.trim().is_empty() {
                    String::from_utf8_lossy(&out.stdout)
                } else {
                    text
                };
                let last = text.trim().lines().last().unwrap_or("").trim().to_string();
                Err(format!("exited with {}: {last}", out.status))
            }
        }
    }
}

fn effective_uid_is_root() -> bool {
    if let Ok(meta) = fs::metadata("/proc/self") {
        return meta.uid() == 0;
    }
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";

    struct Fake {
        dir: tempfile::TempDir,
    }

    impl Fake {
        fn new() -> Fake {
            let fake = Fake {
                dir: tempfile::tempdir().unwrap(),
            };
            fs::create_dir_all(fake.root()).unwrap();
            fs::create_dir_all(fake.bin()).unwrap();
            fs::write(fake.ca(), CA_PEM).unwrap();
            fake
        }
        fn root(&self) -> PathBuf {
            self.dir.path().join("root")
        }
        fn bin(&self) -> PathBuf {
            self.dir.path().join("bin")
        }
        fn home(&self) -> PathBuf {
            self.root().join("home/u")
        }
        fn ca(&self) -> PathBuf {
            self.dir.path().join("rootCA.pem")
        }
        fn mkdir(&self, rel: &str) -> PathBuf {
            let p = self.root().join(rel);
            fs::create_dir_all(&p).unwrap();
            p
        }
        fn program(&self, name: &str) -> PathBuf {
            let p = self.bin().join(name);
            fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
            p
        }
        fn nssdb(&self, rel: &str) -> PathBuf {
            let d = self.mkdir(rel);
            fs::write(d.join("cert9.db"), b"").unwrap();
            d
        }
        fn host(&self, os: Os, is_root: bool) -> Host {
            Host {
                os,
                root: self.root(),
                home: Some(self.home()),
                is_root,
                path: vec![self.bin()],
                sudo_user: None,
            }
        }
    }

    fn id() -> String {
        let der = [0x30, 0x03, 0x02, 0x01, 0x00];
        hex(ring::digest::digest(&ring::digest::SHA256, &der).as_ref())[..16].to_string()
    }

    #[test]
    fn debian_root_with_certutil() {
        let f = Fake::new();
        f.mkdir(DEBIAN_DIR);
        let update = f.program("update-ca-certificates");
        let certutil = f.program("certutil");
        let chromium = f.nssdb("home/u/.pki/nssdb");
        let firefox = f.nssdb("home/u/.mozilla/firefox/abc.default-release");
        f.mkdir("home/u/.mozilla/firefox/no-db-profile");

        let plan = plan_install(&f.host(Os::Linux, true), &f.ca()).unwrap();
        let anchor = f
            .root()
            .join(DEBIAN_DIR)
            .join(format!("mcpstack-{}.crt", id()));
        assert_eq!(plan.steps.len(), 4, "{plan}");
        assert_eq!(
            plan.steps[0].action,
            Action::WriteFile {
                path: anchor,
                contents: CA_PEM.as_bytes().to_vec(),
                mode: 0o644
            }
        );
        assert!(plan.steps[0].needs_root);
        assert_eq!(plan.steps[0].store, "system trust store (Debian/Ubuntu)");
        assert_eq!(
            plan.steps[1].action,
            Action::Run {
                program: update,
                args: vec![]
            }
        );
        assert!(plan.steps[1].needs_root);
        let nick = format!("mcpstack development CA {}", id());
        for (step, db) in plan.steps[2..].iter().zip([&chromium, &firefox]) {
            assert!(!step.needs_root);
            assert_eq!(
                step.action,
                Action::Run {
                    program: certutil.clone(),
                    args: vec![
                        "-A".into(),
                        "-d".into(),
                        format!("sql:{}", db.display()),
                        "-t".into(),
                        "C,,".into(),
                        "-n".into(),
                        nick.clone(),
                        "-i".into(),
                        f.ca().display().to_string(),
                    ]
                }
            );
        }
        assert!(plan.skipped.is_empty(), "{plan}");
    }

    #[test]
    fn debian_without_certutil_reports_why() {
        let f = Fake::new();
        f.mkdir(DEBIAN_DIR);
        f.program("update-ca-certificates");
        f.nssdb("home/u/.pki/nssdb");
        let plan = plan_install(&f.host(Os::Linux, false), &f.ca()).unwrap();
        assert_eq!(plan.steps.len(), 2);
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0].reason.contains("certutil not found"));
        assert!(plan.skipped[0].reason.contains("libnss3-tools"));
    }

    #[test]
    fn under_sudo_browsers_are_left_for_the_user() {
        let f = Fake::new();
        f.mkdir(DEBIAN_DIR);
        f.program("update-ca-certificates");
        f.program("certutil");
        f.nssdb("home/u/.pki/nssdb");
        let mut host = f.host(Os::Linux, true);
        host.sudo_user = Some("alice".into());
        let plan = plan_install(&host, &f.ca()).unwrap();
        assert_eq!(plan.steps.len(), 2, "{plan}");
        assert!(plan.steps.iter().all(|s| s.store.contains("Debian")));
        assert!(plan.skipped[0].reason.contains("as alice, without sudo"));
    }

    #[test]
    fn fedora_root() {
        let f = Fake::new();
        f.mkdir(FEDORA_DIR);
        let update = f.program("update-ca-trust");
        let plan = plan_install(&f.host(Os::Linux, true), &f.ca()).unwrap();
        assert_eq!(plan.steps.len(), 2, "{plan}");
        assert_eq!(plan.steps[0].store, "system trust store (Fedora/RHEL)");
        match &plan.steps[0].action {
            Action::WriteFile { path, .. } => {
                assert_eq!(
                    path,
                    &f.root()
                        .join(FEDORA_DIR)
                        .join(format!("mcpstack-{}.pem", id()))
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            plan.steps[1].action,
            Action::Run {
                program: update,
                args: vec!["extract".into()]
            }
        );
        // No NSS database: reported, not an error.
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0].reason.contains("no NSS database"));
    }

    #[test]
    fn fedora_without_update_tool() {
        let f = Fake::new();
        f.mkdir(FEDORA_DIR);
        let plan = plan_install(&f.host(Os::Linux, true), &f.ca()).unwrap();
        assert!(plan.steps.is_empty());
        assert!(plan.skipped[0].reason.contains("update-ca-trust not found"));
    }

    #[test]
    fn unknown_linux() {
        let f = Fake::new();
        let plan = plan_install(&f.host(Os::Linux, true), &f.ca()).unwrap();
        assert!(plan.steps.is_empty());
        assert!(plan.skipped[0]
            .reason
            .contains("no supported system trust store"));
    }

    #[test]
    fn already_installed_is_skipped_and_uninstall_removes() {
        let f = Fake::new();
        let dir = f.mkdir(DEBIAN_DIR);
        f.program("update-ca-certificates");
        let anchor = dir.join(format!("mcpstack-{}.crt", id()));
        fs::write(&anchor, CA_PEM).unwrap();
        let host = f.host(Os::Linux, true);
        let plan = plan_install(&host, &f.ca()).unwrap();
        assert!(plan.steps.is_empty());
        assert!(plan.skipped[0].reason.starts_with("already installed"));

        let plan = plan_uninstall(&host, &f.ca()).unwrap();
        assert_eq!(plan.steps[0].action, Action::RemoveFile { path: anchor });
        match &plan.steps[1].action {
            Action::Run { args, .. } => assert_eq!(args, &vec!["--fresh".to_string()]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn uninstall_nss_uses_delete() {
        let f = Fake::new();
        f.program("certutil");
        f.nssdb("home/u/.pki/nssdb");
        let plan = plan_uninstall(&f.host(Os::Linux, false), &f.ca()).unwrap();
        let step = plan.steps.last().unwrap();
        match &step.action {
            Action::Run { args, .. } => {
                assert_eq!(args[0], "-D");
                assert!(!args.contains(&"-i".to_string()));
            }
            other => panic!("{other:?}"),
        }
        assert!(step.failure_means.is_some());
    }

    #[test]
    fn macos_plan() {
        let f = Fake::new();
        let plan = plan_install(&f.host(Os::MacOs, false), &f.ca()).unwrap();
        assert_eq!(plan.steps.len(), 1);
        match &plan.steps[0].action {
            Action::Run { program, args } => {
                assert_eq!(program, Path::new("/usr/bin/security"));
                assert_eq!(
                    args[..6],
                    [
                        "add-trusted-cert",
                        "-d",
                        "-r",
                        "trustRoot",
                        "-k",
                        MAC_KEYCHAIN
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(plan.steps[0].needs_root);
    }

    #[test]
    fn execute_skips_root_steps_when_not_root() {
        let f = Fake::new();
        f.mkdir(DEBIAN_DIR);
        f.program("update-ca-certificates");
        let host = f.host(Os::Linux, false);
        let plan = plan_install(&host, &f.ca()).unwrap();
        let report = execute(&host, &plan);
        assert!(report.changed.is_empty());
        assert!(report.failed.is_empty());
        assert!(report
            .skipped
            .iter()
            .any(|s| s.reason.contains("needs root") && s.store.contains("Debian")));
        // Nothing was written.
        assert_eq!(fs::read_dir(f.root().join(DEBIAN_DIR)).unwrap().count(), 0);
    }

    #[test]
    fn missing_ca_file_is_an_error_naming_it() {
        let f = Fake::new();
        let missing = f.dir.path().join("nope.pem");
        let err = plan_install(&f.host(Os::Linux, false), &missing).unwrap_err();
        assert!(err.to_string().contains("nope.pem"));
    }
}
