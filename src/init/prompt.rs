//! The interactive `init`: one question per answer, each checked as it is typed with the rules
//! and messages of `mcpstack validate`. Answers given as flags are not asked again.

use super::answers::{Answers, From, ServerAnswer, TlsAnswer};
use super::check::{self, Scope};
use super::defaults::{self, flag_problem};
use super::detect::{self, Candidate};
use super::names;
use super::options::{Options, Stop};
use crate::config::{AuthType, Runtime, TlsMode, Transport};
use dialoguer::console::{style, Term};
use dialoguer::theme::Theme;
use dialoguer::{Confirm, Input, MultiSelect, Select};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Asks on the terminal (standard error), with `theme`.
pub struct Asker<'a> {
    theme: &'a dyn Theme,
    term: Term,
    dir: PathBuf,
}

const TRANSPORTS: [(Transport, &str); 3] = [
    (
        Transport::StreamableHttp,
        "streamable-http  the current MCP transport over HTTP",
    ),
    (
        Transport::Sse,
        "sse              the legacy HTTP+SSE transport",
    ),
    (
        Transport::Stdio,
        "stdio            stdin/stdout, bridged to streamable HTTP",
    ),
];

impl<'a> Asker<'a> {
    pub fn new(theme: &'a dyn Theme, dir: &Path) -> Self {
        Asker {
            theme,
            term: Term::stderr(),
            dir: dir.to_path_buf(),
        }
    }

    /// Every answer: flags where given, questions for the rest.
    pub fn ask(&self, opts: &Options, candidates: &[Candidate]) -> Result<Answers, Stop> {
        let mut a = Answers::new("");
        a.name = match &opts.name {
            Some(n) => n.clone(),
            None => self.text(
                &a,
                "Project name",
                defaults::folder_name(&self.dir),
                |d, v| d.name = v.to_string(),
                vec![Scope::at(&["name"])],
            )?,
        };
        self.flag_ok(&a, &[Scope::at(&["name"])])?;
        a.domain = match &opts.domain {
            Some(d) => d.clone(),
            None => self.text(
                &a,
                "Domain the gateway serves",
                Some(a.domain.clone()),
                |d, v| d.domain = v.to_string(),
                vec![Scope::at(&["domain"])],
            )?,
        };
        self.flag_ok(&a, &[Scope::at(&["domain"])])?;
        self.servers(&mut a, opts, candidates)?;
        self.tls(&mut a, opts)?;
        a.auth = match opts.auth {
            Some(x) => x,
            None => {
                let i = Select::with_theme(self.theme)
                    .with_prompt("Who may use the servers")
                    .items([
                        "anyone who reaches the gateway (auth: none)",
                        "clients with a bearer token; `mcpstack token` makes one (auth: bearer)",
                    ])
                    .default(0)
                    .interact_on(&self.term)?;
                [AuthType::None, AuthType::Bearer][i]
            }
        };
        a.monitoring = match opts.monitoring {
            Some(m) => m,
            None => Confirm::with_theme(self.theme)
                .with_prompt("Add monitoring (Prometheus and Grafana)?")
                .default(false)
                .interact_on(&self.term)?,
        };
        self.flag_ok(&a, &[Scope::below(&[])])?;
        Ok(a)
    }

    /// Asks before writing `file`.
    pub fn confirm_write(&self, file: &Path) -> Result<bool, Stop> {
        Ok(Confirm::with_theme(self.theme)
            .with_prompt(format!("Write {}?", file.display()))
            .default(true)
            .interact_on(&self.term)?)
    }

    fn servers(
        &self,
        a: &mut Answers,
        opts: &Options,
        candidates: &[Candidate],
    ) -> Result<(), Stop> {
        if opts.has_servers() {
            a.servers = defaults::flagged_servers(&self.dir, opts)?;
            defaults::apply_overrides(a, opts)?;
            for i in 0..a.servers.len() {
                if self.needs_command(a, &a.servers[i]) {
                    let s = a.servers[i].clone();
                    a.servers[i].command = self.command(a, &s)?;
                }
                let scope = Scope::below(&["servers", &a.servers[i].name]);
                self.flag_ok(a, &[scope])?;
            }
            return Ok(());
        }
        let mut offered = Vec::new();
        for c in candidates {
            let s = defaults::from_candidate(c);
            match defaults::build_problem(&self.dir, &s) {
                Some(d) => self.note(&format!("{} is not offered: {}", c.folder, check::line(&d))),
                None => offered.push(s),
            }
        }
        let mut probe = Answers::new("init");
        probe.servers = offered.clone();
        defaults::apply_overrides(&mut probe, opts)?;
        let offered = probe.servers;
        if offered.is_empty() {
            self.note("no MCP server was found in this folder");
        } else {
            let items: Vec<String> = offered.iter().map(describe).collect();
            let chosen = MultiSelect::with_theme(self.theme)
                .with_prompt("Servers found here (space toggles, enter accepts)")
                .items(&items)
                .defaults(&vec![true; items.len()])
                .report(false)
                .interact_on(&self.term)?;
            let names: Vec<&str> = chosen.iter().map(|i| offered[*i].name.as_str()).collect();
            self.done(
                "Servers found here",
                &if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                },
            );
            for i in chosen {
                let s = self.confirm_or_edit(a, offered[i].clone())?;
                a.servers.push(s);
            }
        }
        loop {
            let none = a.servers.is_empty();
            let more = Confirm::with_theme(self.theme)
                .with_prompt(if none {
                    "Add a server?"
                } else {
                    "Add another server?"
                })
                .default(none)
                .interact_on(&self.term)?;
            if more {
                let s = self.new_server(a)?;
                a.servers.push(s);
            } else if none {
                self.note("a stack needs at least one server");
            } else {
                return Ok(());
            }
        }
    }

    /// A found server as it is, if it is complete and the user agrees; else its questions.
    fn confirm_or_edit(&self, a: &Answers, s: ServerAnswer) -> Result<ServerAnswer, Stop> {
        let complete =
            check::problems(&with(a, &s), &self.dir, &[server_scope(&s.name)]).is_empty();
        if complete {
            for n in &s.notes {
                self.note(&format!("{}: {n}", s.name));
            }
            let keep = Confirm::with_theme(self.theme)
                .with_prompt(format!("Use `{}` as shown?", s.name))
                .default(true)
                .interact_on(&self.term)?;
            if keep {
                return Ok(s);
            }
        }
        self.edit_server(a, s)
    }

    /// A server not found in the folder: a folder to build, or an image.
    fn new_server(&self, a: &Answers) -> Result<ServerAnswer, Stop> {
        let mut taken: BTreeSet<String> = a.servers.iter().map(|s| s.name.clone()).collect();
        let probe = names::unique("new-server", &mut taken.clone());
        let kind = Select::with_theme(self.theme)
            .with_prompt("Where does it come from")
            .items([
                "a folder to build (Python with uv, Node, or its own Dockerfile)",
                "a prebuilt image",
            ])
            .default(0)
            .interact_on(&self.term)?;
        let s = if kind == 0 {
            let base = a.clone();
            let folder = self.text(
                &base,
                "Folder, relative to mcp-stack.yaml",
                None,
                {
                    let probe = probe.clone();
                    move |d, v| {
                        d.servers.push(ServerAnswer::new(
                            &probe,
                            From::Build {
                                folder: v.to_string(),
                                runtime: Runtime::Auto,
                            },
                            Transport::StreamableHttp,
                        ))
                    }
                },
                vec![
                    Scope::at(&["servers", &probe, "build"]),
                    Scope::at(&["servers", &probe, "runtime"]),
                ],
            )?;
            let folder = folder.trim_end_matches('/');
            let folder = folder.strip_prefix("./").unwrap_or(folder);
            let folder = if folder.is_empty() { "." } else { folder };
            let found = detect::inspect_in(&self.dir.join(folder), &self.dir);
            let base_name = Path::new(folder)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .or_else(|| defaults::folder_name(&self.dir))
                .unwrap_or_default();
            let name = names::unique(&names::label_from(&base_name, "server"), &mut taken);
            defaults::from_found(&name, folder, &found)
        } else {
            let image = self.text(
                a,
                "Image",
                None,
                {
                    let probe = probe.clone();
                    move |d, v| {
                        d.servers.push(ServerAnswer::new(
                            &probe,
                            From::Image(v.to_string()),
                            Transport::StreamableHttp,
                        ))
                    }
                },
                vec![Scope::at(&["servers", &probe, "image"])],
            )?;
            let repo = image.split(['@']).next().unwrap_or(&image);
            let repo = repo.rsplit('/').next().unwrap_or(repo);
            let repo = repo.split(':').next().unwrap_or(repo);
            let name = names::unique(&names::label_from(repo, "server"), &mut taken);
            ServerAnswer::new(&name, From::Image(image), Transport::StreamableHttp)
        };
        self.edit_server(a, s)
    }

    /// Name, transport, command and path of one server, each with its default.
    fn edit_server(&self, a: &Answers, mut s: ServerAnswer) -> Result<ServerAnswer, Stop> {
        let others: Vec<String> = a.servers.iter().map(|o| o.name.clone()).collect();
        let old_name = s.name.clone();
        let name = {
            let base = with(a, &s);
            let dir = self.dir.clone();
            let input = Input::<String>::with_theme(self.theme)
                .with_prompt("Server name")
                .default(s.name.clone())
                .validate_with(move |v: &String| -> Result<(), String> {
                    if others.contains(v) {
                        return Err(format!("`{v}` is already a server"));
                    }
                    let mut d = base.clone();
                    if let Some(last) = d.servers.last_mut() {
                        last.name = v.clone();
                    }
                    check::first(&d, &dir, &[Scope::at(&["servers", v])])
                });
            input.interact_text_on(&self.term)?
        };
        if s.path == format!("/{old_name}/") {
            s.path = format!("/{name}/");
        }
        s.name = name;
        loop {
            let current = TRANSPORTS
                .iter()
                .position(|(t, _)| *t == s.transport)
                .unwrap_or(0);
            let i = Select::with_theme(self.theme)
                .with_prompt("Transport")
                .items(TRANSPORTS.iter().map(|(_, d)| *d))
                .default(current)
                .interact_on(&self.term)?;
            s.transport = TRANSPORTS[i].0;
            let problem = check::problems(
                &with(a, &s),
                &self.dir,
                &[Scope::at(&["servers", &s.name, "transport"])],
            )
            .into_iter()
            .find(|d| !d.message.contains("needs `command`"));
            match problem {
                Some(d) => self.note(&check::line(&d)),
                None => break,
            }
        }
        s.command = self.command(a, &s)?;
        let path = {
            let base = with(a, &s);
            let name = s.name.clone();
            self.text(
                &base,
                "Path on the gateway",
                Some(s.path.clone()),
                move |d, v| {
                    if let Some(last) = d.servers.last_mut() {
                        last.path = v.to_string();
                    }
                },
                vec![Scope::at(&["servers", &name, "path"])],
            )?
        };
        s.path = path;
        Ok(s)
    }

    /// The start command; empty keeps the image's own where that is allowed.
    fn command(&self, a: &Answers, s: &ServerAnswer) -> Result<Option<Vec<String>>, Stop> {
        let required = self.needs_command(a, s);
        let base = with(a, s);
        let dir = self.dir.clone();
        let name = s.name.clone();
        let default = s
            .command
            .as_ref()
            .map(shell_words::join)
            .unwrap_or_default();
        let prompt = if required {
            "Start command"
        } else {
            "Start command (empty: the image's own)"
        };
        // Empty input reaches the check too, which says why a command is needed.
        let mut input = Input::<String>::with_theme(self.theme)
            .with_prompt(prompt)
            .allow_empty(true);
        if !default.is_empty() {
            input = input.default(default);
        }
        let text = input
            .validate_with(move |v: &String| -> Result<(), String> {
                let words = parse_command(v)?;
                let mut d = base.clone();
                if let Some(last) = d.servers.last_mut() {
                    last.command = words;
                }
                check::first(
                    &d,
                    &dir,
                    &[
                        Scope::below(&["servers", &name, "command"]),
                        Scope::at(&["servers", &name, "transport"]),
                    ],
                )
            })
            .interact_text_on(&self.term)?;
        Ok(parse_command(&text).unwrap_or_default())
    }

    fn needs_command(&self, a: &Answers, s: &ServerAnswer) -> bool {
        let mut bare = s.clone();
        bare.command = None;
        check::problems(
            &with(a, &bare),
            &self.dir,
            &[
                Scope::at(&["servers", &s.name, "command"]),
                Scope::at(&["servers", &s.name, "transport"]),
            ],
        )
        .iter()
        .any(|d| d.message.contains("needs `command`"))
    }

    fn tls(&self, a: &mut Answers, opts: &Options) -> Result<(), Stop> {
        const MODES: [(TlsMode, &str); 3] = [
            (
                TlsMode::Local,
                "local   a certificate from mcpstack's local CA (private names, development)",
            ),
            (
                TlsMode::Manual,
                "manual  your own certificate and key files",
            ),
            (TlsMode::Acme, "acme    Let's Encrypt, for a public domain"),
        ];
        loop {
            let mode = match opts.tls {
                Some(m) => m,
                None => {
                    let i = Select::with_theme(self.theme)
                        .with_prompt("TLS certificate")
                        .items(MODES.iter().map(|(_, d)| *d))
                        .default(0)
                        .interact_on(&self.term)?;
                    MODES[i].0
                }
            };
            a.tls = TlsAnswer {
                mode,
                ..TlsAnswer::default()
            };
            let tls_key = |k: &str| Scope::at(&["gateway", "tls", k]);
            match mode {
                TlsMode::Local => {}
                TlsMode::Acme => {
                    let domain = check::problems(a, &self.dir, &[Scope::at(&["domain"])]);
                    if let Some(d) = domain.first() {
                        if opts.tls.is_some() {
                            return Err(flag_problem(d));
                        }
                        self.note(&check::line(d));
                        continue;
                    }
                    a.tls.email = Some(match &opts.email {
                        Some(e) => e.clone(),
                        None => self.text(
                            a,
                            "E-mail for Let's Encrypt's expiry notices",
                            None,
                            |d, v| d.tls.email = Some(v.to_string()),
                            vec![tls_key("email")],
                        )?,
                    });
                }
                TlsMode::Manual => {
                    a.tls.cert = Some(match &opts.cert {
                        Some(c) => c.clone(),
                        None => self.text(
                            a,
                            "Certificate chain file (PEM), relative to mcp-stack.yaml",
                            None,
                            |d, v| d.tls.cert = Some(v.to_string()),
                            vec![tls_key("cert")],
                        )?,
                    });
                    a.tls.key = Some(match &opts.key {
                        Some(k) => k.clone(),
                        None => self.text(
                            a,
                            "Private key file (PEM), relative to mcp-stack.yaml",
                            None,
                            |d, v| d.tls.key = Some(v.to_string()),
                            vec![tls_key("key")],
                        )?,
                    });
                }
            }
            let scopes = [Scope::below(&["gateway", "tls"]), Scope::at(&["domain"])];
            match check::problems(a, &self.dir, &scopes).first() {
                None => return Ok(()),
                Some(d) if opts.tls.is_some() => return Err(flag_problem(d)),
                Some(d) => self.note(&check::line(d)),
            }
        }
    }

    /// A text answer checked with `validate` on the answers so far, `set` applied to a copy.
    fn text(
        &self,
        a: &Answers,
        prompt: &str,
        default: Option<String>,
        set: impl Fn(&mut Answers, &str) + 'a,
        scopes: Vec<Scope>,
    ) -> Result<String, Stop> {
        let base = a.clone();
        let dir = self.dir.clone();
        let mut input = Input::<String>::with_theme(self.theme).with_prompt(prompt);
        if let Some(d) = default {
            input = input.default(d);
        }
        Ok(input
            .validate_with(move |v: &String| -> Result<(), String> {
                let mut d = base.clone();
                set(&mut d, v);
                check::first(&d, &dir, &scopes)
            })
            .interact_text_on(&self.term)?)
    }

    /// A flag's answer must pass too: its error names the flag.
    fn flag_ok(&self, a: &Answers, scopes: &[Scope]) -> Result<(), Stop> {
        match check::problems(a, &self.dir, scopes).first() {
            Some(d) => Err(flag_problem(d)),
            None => Ok(()),
        }
    }

    /// A line like the prompts' own reports: `✔ question · answer`.
    fn done(&self, prompt: &str, answer: &str) {
        let mut line = String::new();
        if self
            .theme
            .format_input_prompt_selection(&mut line, prompt, answer)
            .is_ok()
        {
            let _ = self.term.write_line(&line);
        }
    }

    fn note(&self, text: &str) {
        let _ = self.term.write_line(&format!(
            "{} {text}",
            style("!").yellow().bold().for_stderr()
        ));
    }
}

/// The answers with `s` added last (where the prompts' checks change it).
fn with(a: &Answers, s: &ServerAnswer) -> Answers {
    let mut d = a.clone();
    d.servers.retain(|o| o.name != s.name);
    d.servers.push(s.clone());
    d
}

fn server_scope(name: &str) -> Scope {
    Scope::below(&["servers", name])
}

/// Words of a command line; empty means none.
fn parse_command(text: &str) -> Result<Option<Vec<String>>, String> {
    let words = shell_words::split(text).map_err(|e| format!("{e}: check the quotes"))?;
    Ok((!words.is_empty()).then_some(words))
}

/// One line per found server: name, folder, runtime, transport, command.
pub fn describe(s: &ServerAnswer) -> String {
    let from = match &s.from {
        From::Build { folder, runtime } if folder == "." => {
            format!(". ({})", names::spelled(runtime))
        }
        From::Build { folder, runtime } => format!("./{folder} ({})", names::spelled(runtime)),
        From::Image(i) => i.clone(),
        From::Package(p) => p.clone(),
    };
    let transport = names::spelled(&s.transport);
    let command = s
        .command
        .as_ref()
        .map(shell_words::join)
        .unwrap_or_else(|| match &s.from {
            From::Package(_) => "package's command".into(),
            _ => "image's command".into(),
        });
    format!("{}  {from}, {transport}, `{command}`", s.name)
}
