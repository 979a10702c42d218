//! Command-line interface: clap definitions; each subcommand is a thin function over the
//! library. The terminal operator of `--execute` is [`operator`].

pub mod install;
pub mod operator;

use clap::{Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr, eyre};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "c8dr",
    version = install::VERSION,
    about = "Cockpit for Camunda 8 dual-region deployments"
)]
pub struct Cli {
    /// The configuration file (else $C8DR_CONFIG, else $XDG_CONFIG_HOME/c8dr/config.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// Observe only: a banner says so and no action can change the cluster.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Colour theme: default, light, high-contrast, ansi16, mono (NO_COLOR selects mono).
    #[arg(long, global = true)]
    pub theme: Option<String>,
    /// Use a configuration or secret file that group or others can access (refused
    /// otherwise, as ssh refuses such a key), with a warning on stderr and in the log.
    #[arg(long, global = true)]
    pub insecure_permissions: bool,
    /// Without a subcommand: the live cockpit (`c8dr tui`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The live cockpit on the configured deployment (the default).
    Tui,
    /// The cockpit on an embedded simulated deployment (the lab), with a drill menu (`d`).
    #[cfg(feature = "demo")]
    Demo {
        /// Camunda version family to simulate.
        #[arg(long, value_enum, default_value = "8.8")]
        camunda: crate::demo::CamundaArg,
        /// Camunda 8.10 zone-aware brokers: region 0's zone and region 1's zone, e.g.
        /// `--zones london,paris`. Needs `--camunda 8.10`.
        #[arg(long, value_parser = crate::demo::parse_zones, value_name = "ZONE0,ZONE1")]
        zones: Option<[String; 2]>,
        /// With `--zones`: start numbered with the zoned StatefulSets beside the numbered
        /// brokers, to walk the migration to zone-aware brokers.
        #[arg(long, requires = "zones")]
        migrate: bool,
    },
    /// Renders the fixed scenes into `screenshots/` (SVG and text).
    #[cfg(feature = "demo")]
    Screenshots {
        #[arg(long, default_value = "screenshots")]
        dir: PathBuf,
    },
    /// Run the simulated dual-region deployment (for drills and tests). Prints one JSON line
    /// with every endpoint once all listeners are up, then runs until SIGINT, SIGTERM or SIGHUP.
    #[cfg(feature = "demo")]
    Lab(crate::demo::LabArgs),
    /// One snapshot of both regions: what is wrong and what to do, in words (or --json); exit
    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, like `check`.
    Status {
        /// The documented JSON schema instead of the summary.
        #[arg(long)]
        json: bool,
    },
    /// Monitoring-plugin check: one line with performance data; exit 0 OK, 1 WARNING,
    /// 2 CRITICAL, 3 UNKNOWN. Thresholds use the monitoring-plugin range syntax (`10`,
    /// `10:`, `~:10`, `10:20`, `@10:20`): outside the range (inside with `@`) raises the level.
    Check {
        #[command(flatten)]
        thresholds: crate::report::thresholds::Args,
    },
    /// Headless: observes both regions and serves the view as Prometheus metrics on
    /// `/metrics` and the watcher's own health on `/healthz` (docs/watch.md).
    Watch {
        /// The address to listen on (`127.0.0.1:0` picks a free port and prints it).
        #[arg(long, default_value = crate::watch::DEFAULT_LISTEN, value_name = "ADDR")]
        listen: String,
    },
    /// The resolved configuration (secrets as references), log and state paths.
    Info,
    /// Checks the deployment against the documented dual-region requirements; exit 2 when a
    /// check fails, 1 when one warns, else 0 (unknowns count with --strict).
    Preflight {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        strict: bool,
    },
    /// Guided failover after losing a region: --plan prints every step, --execute runs it.
    Failover {
        /// The lost region: 0, 1 or its configured name.
        #[arg(long, required_unless_present = "resume")]
        lost: Option<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Guided failback into a recreated region: --plan prints every step, --execute runs it.
    Failback {
        /// The recreated region: 0, 1 or its configured name.
        #[arg(long, required_unless_present = "resume")]
        recreated: Option<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// The audit trail: every mutating request and every refusal, oldest first.
    Audit {
        /// Only this run's entries.
        #[arg(long, value_name = "RUN")]
        run: Option<String>,
    },
    /// Runbook runs journaled under the state dir; with RUN, that run's steps and timings.
    Journal {
        /// A run id as listed (the journal's file name without `.jsonl`).
        run: Option<String>,
    },
    /// The incident record of a run: the verdicts shown before and during it, each step with
    /// its evidence, the decisions, every request, and the times against the documented RTO.
    Report {
        /// A run id as `c8dr journal` lists it, or `latest`.
        run: String,
        /// Markdown (the default) or JSON (docs/report.md describes it).
        #[arg(long, value_enum, default_value = "md")]
        format: crate::incident::Format,
    },
    /// Shell completions on stdout, e.g. `c8dr completions bash > /etc/bash_completion.d/c8dr`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The man page (roff) on stdout, e.g. `c8dr man > /usr/local/share/man/man1/c8dr.1`.
    Man,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Print every step with its exact request and curl equivalent (the default).
    #[arg(long, conflicts_with_all = ["execute", "resume"])]
    pub plan: bool,
    /// Run the steps, asking on the terminal before each one that acts.
    #[arg(long)]
    pub execute: bool,
    /// Unattended: approve every step; manual steps wait for their observable condition.
    #[arg(long, requires = "execute")]
    pub yes: bool,
    /// Continue a journaled run after a crash or an abort.
    #[arg(long, value_name = "RUN")]
    pub resume: Option<String>,
    /// Proceed although a guard refuses (audited). Only when you know better than the checks.
    #[arg(long = "override-guards-i-know-the-region-is-lost")]
    pub override_guards: bool,
    /// Take over another run's EXPIRED run lease (its holder is gone): the region's name.
    #[arg(long, value_name = "REGION_NAME")]
    pub take_over_lease: Option<String>,
    /// Run without the cluster-wide run lease, on this machine's lock alone (other machines
    /// cannot see the run): when the Lease API is forbidden or down.
    #[arg(long)]
    pub without_lease: bool,
}

/// What the person at the terminal can do about an error: the error's outermost context,
/// printed on a line of its own after the error (`c8dr check`'s one line leaves it out).
#[derive(Debug)]
pub struct NextStep(pub String);

impl std::fmt::Display for NextStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An error as the binary prints it: the chain of causes joined with ": ", cleaned (a cause
/// can quote a server's answer or a file name with control characters), without its
/// [`NextStep`].
pub fn error_line(e: &color_eyre::eyre::Report) -> String {
    let skip = usize::from(e.downcast_ref::<NextStep>().is_some());
    let chain: Vec<String> = e.chain().skip(skip).map(ToString::to_string).collect();
    crate::text::clean(&chain.join(": "))
}

/// Whether the full report was asked for: `C8DR_DEBUG` set, or `RUST_BACKTRACE` set to
/// anything but `0`. Otherwise errors and crashes show no source locations or backtrace hints.
pub fn debug_requested() -> bool {
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    set("C8DR_DEBUG") || set("RUST_BACKTRACE")
}

/// Prints an error as the binary does: one cleaned line on stderr and the next step, if the
/// error names one, on the line after; when asked for ([`debug_requested`]) the full report
/// follows, cleaned line by line. Never colour: the text is cleaned of every escape. Write
/// errors are ignored (after SIGHUP there may be no terminal left to write to).
pub fn print_error(e: &color_eyre::eyre::Report) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "c8dr: {}", error_line(e));
    if let Some(next) = e.downcast_ref::<NextStep>() {
        let _ = writeln!(err, "  next: {}", crate::text::clean(&next.0));
    }
    if debug_requested() {
        for line in format!("{e:?}").lines() {
            let _ = writeln!(err, "{}", crate::text::clean(line));
        }
    }
}

/// `--insecure-permissions`, set once by [`run`] for every subcommand's [`load_config`].
static INSECURE_PERMISSIONS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// The configuration, or an error that says what to do next. Loose permissions are refused,
/// or with `--insecure-permissions` warned about on stderr and in the log.
fn load_config(flag: Option<&std::path::Path>) -> Result<crate::config::Config> {
    const NO_CONFIG: &str = "pass --config FILE or set C8DR_CONFIG (docs/configuration.md \
        describes the file), or try `c8dr demo` on a simulated deployment";
    let Some(path) = crate::config::config_path(flag) else {
        return Err(eyre!(
            "no configuration: neither --config, C8DR_CONFIG, XDG_CONFIG_HOME nor HOME is set"
        )
        .wrap_err(NextStep(NO_CONFIG.into())));
    };
    let permissions = if INSECURE_PERMISSIONS.load(std::sync::atomic::Ordering::Relaxed) {
        crate::config::Permissions::Insecure
    } else {
        crate::config::Permissions::Private
    };
    let loaded = crate::config::Config::load_with(&path, permissions).map_err(|e| {
        if let Some(loose) = e.downcast_ref::<crate::config::LoosePermissions>() {
            let next = format!(
                "run `chmod 600 {}`, or pass --insecure-permissions to use it as it is",
                loose.path.display()
            );
            return e.wrap_err(NextStep(next));
        }
        let chosen =
            flag.is_some() || std::env::var_os("C8DR_CONFIG").is_some_and(|v| !v.is_empty());
        let next = if !chosen && !path.exists() {
            NO_CONFIG.to_string()
        } else {
            "fix the file (docs/configuration.md describes every field), or try `c8dr demo` \
             on a simulated deployment"
                .to_string()
        };
        e.wrap_err(NextStep(next))
    })?;
    let (config, warnings) = loaded;
    for w in warnings {
        eprintln!("c8dr: warning: {}", crate::text::clean(&w));
        tracing::warn!("{w}");
    }
    Ok(config)
}

fn log_to_state_dir() {
    if let Some(dir) = crate::config::state_dir() {
        let _ = crate::logging::init_file(&dir.join("c8dr.log"));
    }
}

/// Observes until every source answered once (bounded), then derives the view.
async fn observe_once(config: &crate::config::Config) -> Result<crate::model::ClusterView> {
    Ok(observe_snapshot(config).await?.1)
}

async fn observe_snapshot(
    config: &crate::config::Config,
) -> Result<(crate::model::Snapshot, crate::model::ClusterView)> {
    let mut observer = crate::observe::Observer::start(config).await?;
    let wait = config.poll.timeout() * 2 + std::time::Duration::from_secs(1);
    let snapshot = observer.first_complete(wait).await;
    let cfg = crate::model::ModelConfig::from_config(config);
    let view = crate::model::derive(&snapshot, &cfg, jiff::Timestamp::now(), None);
    Ok((snapshot, view))
}

/// `c8dr preflight [--json] [--strict]`: returns the exit code.
pub async fn run_preflight(
    flag: Option<&std::path::Path>,
    json: bool,
    strict: bool,
) -> Result<i32> {
    log_to_state_dir();
    let config = load_config(flag)?;
    // Two rounds: the second one's timings are on warm connections and tunnels.
    let mut observer = crate::observe::Observer::start(&config).await?;
    let wait = config.poll.timeout() * 2 + std::time::Duration::from_secs(1);
    let first = observer.first_complete(wait).await;
    let snapshot = observer
        .next_round(&first, config.poll.interval() + wait)
        .await;
    let cfg = crate::model::ModelConfig::from_config(&config);
    let view = crate::model::derive(&snapshot, &cfg, jiff::Timestamp::now(), None);
    let checks = crate::preflight::run(&config, &snapshot, &view);
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "checks": checks }))?
        )?;
    } else {
        write!(out, "{}", crate::preflight::table(&checks))?;
    }
    Ok(crate::preflight::exit_code(&checks, strict))
}

/// `c8dr status [--json]`.
/// `c8dr status`: the summary (or the JSON); its exit code is the verdict's, as for `check`
/// (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), and 3 when no verdict could be formed.
pub async fn run_status(flag: Option<&std::path::Path>, json: bool) -> i32 {
    log_to_state_dir();
    let result = async {
        let config = load_config(flag)?;
        let view = observe_once(&config).await?;
        let mut out = std::io::stdout().lock();
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(&view)?)?;
        } else {
            write!(out, "{}", crate::report::human(&view))?;
        }
        Ok::<_, color_eyre::eyre::Report>(crate::report::check(&view, &Default::default()).1)
    }
    .await;
    result.unwrap_or_else(|e| {
        print_error(&e);
        3
    })
}

/// `c8dr check`: never fails with a stack trace; any problem is UNKNOWN (exit 3).
pub async fn run_check(
    flag: Option<&std::path::Path>,
    thresholds: &crate::report::thresholds::Args,
) -> i32 {
    log_to_state_dir();
    let result = async {
        let config = load_config(flag)?;
        observe_once(&config).await
    }
    .await;
    match result {
        Ok(view) => {
            let (line, code) = crate::report::check(&view, thresholds);
            println!("{line}");
            code
        }
        Err(e) => {
            // `|` starts the performance data in the plugin format.
            println!("C8DR UNKNOWN - {}", error_line(&e).replace('|', "/"));
            3
        }
    }
}

/// `c8dr info`.
pub fn run_info(flag: Option<&std::path::Path>) -> Result<()> {
    let path = crate::config::config_path(flag);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "config:  {}",
        path.as_ref()
            .map_or("(none)".into(), |p| p.display().to_string())
    )?;
    let state = crate::config::state_dir();
    writeln!(
        out,
        "state:   {}",
        state
            .as_ref()
            .map_or("(no HOME)".into(), |p| p.display().to_string())
    )?;
    writeln!(
        out,
        "log:     {}",
        state.as_ref().map_or("(no HOME)".into(), |p| p
            .join("c8dr.log")
            .display()
            .to_string())
    )?;
    if path.is_none() {
        return Ok(());
    }
    let config = load_config(flag)?;
    writeln!(
        out,
        "name:    {} (primary region {}{})",
        config.name,
        config.primary,
        if config.read_only { ", read-only" } else { "" }
    )?;
    writeln!(
        out,
        "poll:    every {} ms (Kubernetes, DNS, indices every {} ms), timeout {} ms",
        config.poll.interval_ms, config.poll.slow_interval_ms, config.poll.timeout_ms
    )?;
    for r in &config.regions {
        write_region(&mut out, r)?;
    }
    if let Some(t) = &config.traffic {
        writeln!(
            out,
            "traffic: {} hostname {} nameserver {}",
            t.mode.word(),
            t.hostname.as_deref().unwrap_or("(none)"),
            t.nameserver.as_deref().unwrap_or("system")
        )?;
    }
    Ok(())
}

/// One region of `c8dr info`: how c8dr reaches each API, its Kubernetes names, and where its
/// credentials come from (never the secrets).
fn write_region(out: &mut impl Write, r: &crate::config::Region) -> std::io::Result<()> {
    let via = |url: &Option<String>, what: &str| match (url, &r.kube) {
        (Some(u), _) => u.clone(),
        (None, Some(k)) => format!(
            "port-forward to {what} via context {} namespace {}",
            k.context, k.namespace
        ),
        (None, None) => "not configured".into(),
    };
    writeln!(out, "{}:", r.label())?;
    writeln!(out, "  rest:          {}", via(&r.rest_url, "the gateway"))?;
    writeln!(
        out,
        "  management:    {}",
        via(&r.management_url, "the gateway")
    )?;
    writeln!(
        out,
        "  elasticsearch: {}",
        via(&r.elasticsearch_url, "Elasticsearch")
    )?;
    if let Some(k) = &r.kube {
        writeln!(
            out,
            "  kube:          context {} namespace {} release {}{}",
            k.context,
            k.namespace,
            k.release,
            k.kubeconfig
                .as_ref()
                .map(|p| format!(" kubeconfig {}", p.display()))
                .unwrap_or_default()
        )?;
    }
    if let Some(a) = &r.rest_auth {
        match a.credentials() {
            Ok(crate::config::RestCredentials::Basic { username, password }) => writeln!(
                out,
                "  rest auth:     basic {username} / password from {password}"
            )?,
            Ok(crate::config::RestCredentials::OAuth {
                token_url,
                client_id,
                client_secret,
                ..
            }) => writeln!(
                out,
                "  rest auth:     OAuth {client_id} at {token_url} / secret from {client_secret}"
            )?,
            Err(e) => writeln!(out, "  rest auth:     invalid: {e}")?,
        }
    }
    if let Some(a) = &r.elasticsearch_auth {
        match a.credentials() {
            Ok(crate::config::EsCredentials::Basic { username, password }) => writeln!(
                out,
                "  es auth:       basic {username} / password from {password}"
            )?,
            Ok(crate::config::EsCredentials::ApiKey(k)) => {
                writeln!(out, "  es auth:       API key from {k}")?
            }
            Err(e) => writeln!(out, "  es auth:       invalid: {e}")?,
        }
    }
    Ok(())
}

pub async fn run(cli: Cli) -> Result<()> {
    INSECURE_PERMISSIONS.store(
        cli.insecure_permissions,
        std::sync::atomic::Ordering::Relaxed,
    );
    let flag = cli.config.as_deref();
    match cli.command.unwrap_or(Command::Tui) {
        Command::Tui => {
            crate::tui::require_terminal("the cockpit", " (or `c8dr check` for monitoring)")?;
            log_to_state_dir();
            let config = load_config(flag)?;
            crate::signals::until_stopped(crate::tui::run(
                &config,
                crate::tui::Options {
                    read_only: cli.read_only,
                    theme: cli.theme,
                    drills: None,
                },
            ))
            .await
        }
        #[cfg(feature = "demo")]
        Command::Demo {
            camunda,
            zones,
            migrate,
        } => {
            crate::tui::require_terminal(
                "c8dr demo",
                " against `c8dr lab` (with --config set to the config its ready line names)",
            )?;
            crate::signals::until_stopped(crate::demo::demo(
                cli.theme,
                camunda.into(),
                zones,
                migrate,
            ))
            .await
        }
        #[cfg(feature = "demo")]
        Command::Screenshots { dir } => {
            for p in crate::demo::screenshots(&dir)? {
                println!("{}", p.display());
            }
            Ok(())
        }
        #[cfg(feature = "demo")]
        Command::Lab(args) => crate::demo::run_lab(&args).await,
        Command::Status { json } => std::process::exit(run_status(flag, json).await),
        Command::Check { thresholds } => std::process::exit(run_check(flag, &thresholds).await),
        Command::Watch { listen } => {
            log_to_state_dir();
            let config = load_config(flag)?;
            crate::signals::until_stopped(crate::watch::run(&config, &listen)).await
        }
        Command::Info => run_info(flag),
        Command::Preflight { json, strict } => {
            let code = run_preflight(flag, json, strict).await?;
            std::process::exit(code)
        }
        Command::Journal { run } => run_journal(run.as_deref()),
        Command::Audit { run } => run_audit(run.as_deref()),
        Command::Report { run, format } => run_report(&run, format),
        Command::Completions { shell } => install::completions(shell),
        Command::Man => install::man(),
        Command::Failover { lost, run } => {
            let code = run_procedure(
                flag,
                cli.read_only,
                crate::runbook::plan::Procedure::Failover,
                lost.as_deref(),
                &run,
            )
            .await?;
            std::process::exit(code)
        }
        Command::Failback { recreated, run } => {
            let code = run_procedure(
                flag,
                cli.read_only,
                crate::runbook::plan::Procedure::Failback,
                recreated.as_deref(),
                &run,
            )
            .await?;
            std::process::exit(code)
        }
    }
}

async fn run_procedure(
    flag: Option<&std::path::Path>,
    read_only: bool,
    procedure: crate::runbook::plan::Procedure,
    region: Option<&str>,
    args: &RunArgs,
) -> Result<i32> {
    use crate::act::session;
    use crate::runbook::{render, setup};
    log_to_state_dir();
    let config = load_config(flag)?;
    let region = match region {
        Some(r) => Some(setup::parse_region(&config, r).map_err(|e| eyre!(e))?),
        None => None,
    };
    let read_only = read_only || config.read_only;
    if read_only && (args.execute || args.resume.is_some()) {
        // Read-only sends nothing at all: no dry run, no journal, no lock.
        if let Some(r) = region {
            let run = session::run_id(procedure, r);
            let (_, _, inputs, steps) = session::prepare(&config, procedure, r, &run, None).await?;
            print!("{}", render::plan(&config, &inputs, &steps));
        }
        eprintln!(
            "read-only: nothing was sent and no run was started (drop --read-only / read_only = true to run it)"
        );
        return Ok(1);
    }
    if args.execute || args.resume.is_some() {
        return operator::execute(
            &config,
            Some(procedure),
            region,
            args.resume.as_deref(),
            args.yes,
            read_only,
            args.override_guards,
            &operator::LeaseArgs {
                take_over: args.take_over_lease.clone(),
                without: args.without_lease,
            },
        )
        .await;
    }
    let Some(r) = region else {
        return Err(eyre!("which region? --lost / --recreated"));
    };
    let run = session::run_id(procedure, r);
    let (_, _, inputs, steps) = session::prepare(&config, procedure, r, &run, None).await?;
    print!("{}", render::plan(&config, &inputs, &steps));
    println!(
        "nothing was sent. Run it with --execute (asks before each step that acts; --yes for unattended runs)."
    );
    Ok(0)
}

fn run_audit(run: Option<&str>) -> Result<()> {
    use crate::act::audit::{audit_path, read};
    use crate::runbook::audit;
    let Some(path) = audit_path() else {
        return Err(eyre!(
            "no state directory: neither XDG_STATE_HOME nor HOME is set"
        ));
    };
    if !path.exists() {
        println!("no audit entries yet ({})", path.display());
        return Ok(());
    }
    let (mut entries, bad) = read(&path).wrap_err_with(|| format!("reading {}", path.display()))?;
    if let Some(run) = run {
        entries.retain(|e| e.run == run);
    }
    print!("{}", audit::render(&entries));
    for b in bad {
        eprintln!("unreadable audit line: {}", crate::text::clean(&b));
    }
    Ok(())
}

/// `c8dr report RUN [--format md|json]`.
fn run_report(run: &str, format: crate::incident::Format) -> Result<()> {
    let Some(books) = crate::incident::load::Books::in_state_dir() else {
        return Err(eyre!(
            "no state directory: neither XDG_STATE_HOME nor HOME is set"
        ));
    };
    let record = crate::incident::load::load(&books, run).map_err(|e| eyre!(e))?;
    let text = crate::incident::render(&record, format).map_err(|e| eyre!(e))?;
    print!("{text}");
    Ok(())
}

fn run_journal(run: Option<&str>) -> Result<()> {
    use crate::act::journal::{list, runs_dir};
    use crate::runbook::journal;
    let Some(dir) = runs_dir() else {
        return Err(eyre!(
            "no state directory: neither XDG_STATE_HOME nor HOME is set"
        ));
    };
    let runs = list(&dir).wrap_err_with(|| format!("reading {}", dir.display()))?;
    let text = match run {
        None => journal::render_list(&runs),
        Some(id) => {
            let Some((_, found)) = runs
                .iter()
                .find(|(p, _)| p.file_stem().is_some_and(|s| s == id))
            else {
                return Err(eyre!("no run {id:?} in {}", dir.display()));
            };
            match found {
                Ok(summary) => journal::render_run(summary),
                Err(e) => return Err(eyre!("{e}")),
            }
        }
    };
    print!("{text}");
    Ok(())
}
