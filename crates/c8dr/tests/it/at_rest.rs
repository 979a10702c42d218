//! Nothing secret at rest (issue 17 §4): a whole rehearsal on an 8.9 lab (REST password and
//! one Elasticsearch password per region) through the binary as an operator runs it — status,
//! the plan, the failover executed, the journal, the audit trail, logging at debug — and the
//! failback run in-process with the lab playing the operator into the same state directory,
//! logged as `c8dr demo` logs (lab and cockpit in one file); then every file written under the
//! state and config directories and the demo log (journals, audit trail, run lock, logs) is
//! read and none may hold a password, raw or base64-encoded (as Kubernetes Secrets and basic
//! auth carry it). c8dr writes no other files but screenshots (fixed scenes, no lab).
//! Also: configuration and secret files must be private (as ssh requires).

use crate::common::TestLab;
use crate::drive::{Books, HELM_88_RECREATED_0, assert_completed, run, settings};
use base64::Engine;
use c8dr::api::Region;
use c8dr::runbook::plan::Procedure;
use c8dr_lab::sim::Camunda;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The forms a secret takes at rest: itself, base64 (a Secret's `data`), and the basic-auth
/// header value `user:password` in base64.
fn forms(user: &str, password: &str) -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        password.to_string(),
        b64(password),
        b64(&format!("{user}:{password}")),
    ]
}

// One thread: the lab and the in-process failback log, as in `c8dr demo`, into the demo's log
// through c8dr's own subscriber, set as this thread's default.
#[tokio::test]
async fn a_whole_rehearsal_leaves_no_password_in_any_file_c8dr_wrote() {
    let home = tempfile::tempdir().unwrap();
    let demo_log = home.path().join("demo").join("c8dr.log");
    let _logging = tracing::subscriber::set_default(
        c8dr::logging::file_subscriber(&demo_log, tracing_subscriber::EnvFilter::new("debug"))
            .unwrap(),
    );
    let lab = TestLab::start(Camunda::V89, 10.0).await;
    let state = home.path().join("state");
    let config_home = home.path().join("config");
    let config = lab.lab.ready.config.clone();
    let cli = |args: &str| {
        let (state, config_home, config) = (state.clone(), config_home.clone(), config.clone());
        let args: Vec<String> = args.split(' ').map(String::from).collect();
        tokio::task::spawn_blocking(move || -> Output {
            Command::new(env!("CARGO_BIN_EXE_c8dr"))
                .arg("--config")
                .arg(&config)
                .args(args)
                .env("XDG_STATE_HOME", &state)
                .env("XDG_CONFIG_HOME", &config_home)
                // As much as an operator chasing a problem would log.
                .env("C8DR_LOG", "debug")
                .output()
                .unwrap()
        })
    };
    let mut printed = vec![];
    for args in [
        "status",
        "status --json",
        "check",
        "info",
        "preflight --json",
        "failover --lost london --plan",
    ] {
        printed.push(cli(args).await.unwrap());
    }

    // Region 0 lost; 8.9 is active-active: the DNS part (FO-3) is the operator's, done first.
    lab.control_post("/lab/regions/0/fail").await;
    lab.control_post("/lab/traffic/1").await;
    // As an operator does: the loss is confirmed on c8dr's own status before the failover.
    // (Once, under the whole suite's load, FO-0 refused right after the lab failed the
    // region: "london still answers c8dr". Not reproduced alone; noted for a closer look.)
    crate::common::wait_until(
        "c8dr status to see london lost",
        crate::common::DEADLINE,
        || async {
            let out = cli("status --json").await.map_err(|e| e.to_string())?;
            let v: serde_json::Value =
                serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
            if v["regions"][0]["reachable"] == "down" {
                Ok(())
            } else {
                Err(format!("{}", v["regions"][0]["reachable"]))
            }
        },
    )
    .await;
    let out = cli("failover --lost london --execute --yes").await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    printed.push(out);

    // The failback, with the lab doing the Helm and kubectl parts, into the same books.
    lab.control_post("/lab/regions/0/recreate").await;
    let books = Books {
        _dir: tempfile::tempdir().unwrap(),
        runs: state.join("c8dr").join("runs"),
        audit: state.join("c8dr").join("audit.jsonl"),
    };
    let fb = run(
        &lab,
        &books,
        Procedure::Failback,
        Region::ZERO,
        HELM_88_RECREATED_0,
        settings(),
    )
    .await;
    assert_completed(&fb);
    // The incident records (issue 16 §5) print the journal, the audit and the history.
    for args in [
        "status",
        "status --json",
        "journal",
        "audit",
        "report latest",
        "report latest --format json",
    ] {
        printed.push(cli(args).await.unwrap());
    }
    let runs = files_under(&books.runs);
    let run_ids: Vec<String> = runs
        .iter()
        .filter_map(|p| p.file_stem()?.to_str().map(String::from))
        .filter(|s| s.starts_with("fail"))
        .collect();
    for id in &run_ids {
        printed.push(cli(&format!("journal {id}")).await.unwrap());
        let report = cli(&format!("report {id} --format json")).await.unwrap();
        assert!(report.status.success(), "report {id}");
        printed.push(report);
    }

    let mut secrets = forms(
        &lab.lab.ready.rest_auth.username,
        &lab.lab.ready.rest_auth.password,
    );
    for r in &lab.lab.ready.regions {
        let es = r.elasticsearch_auth.as_ref().expect("8.9: ES passwords");
        secrets.extend(forms(&es.username, &es.password));
    }
    let demo_dir = home.path().join("demo");
    let written: Vec<PathBuf> = [&state, &config_home, &demo_dir]
        .iter()
        .flat_map(|d| files_under(d))
        .collect();
    let names: Vec<String> = written
        .iter()
        .map(|p| p.strip_prefix(home.path()).unwrap().display().to_string())
        .collect();
    // The walk found what the rehearsal wrote: it cannot pass by reading nothing.
    for expected in [
        "state/c8dr/c8dr.log",
        "state/c8dr/audit.jsonl",
        "state/c8dr/history.jsonl",
        "state/c8dr/runs/.lock",
        "demo/c8dr.log",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    assert_eq!(
        run_ids.len(),
        2,
        "a failover and a failback journal: {names:?}"
    );
    let demo = std::fs::read_to_string(&demo_log).unwrap();
    assert!(
        demo.contains("c8dr_lab::server::control") && demo.contains("kube_client"),
        "the lab and the failback's clients logged"
    );
    for path in &written {
        let bytes = std::fs::read(path).unwrap();
        assert!(!bytes.is_empty() || path.ends_with(".lock"), "{path:?}");
        let text = String::from_utf8_lossy(&bytes);
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "{} holds a password (or its base64)",
                path.display()
            );
        }
    }
    // Nor did the terminal get one.
    for out in &printed {
        for s in &secrets {
            assert!(!String::from_utf8_lossy(&out.stdout).contains(s.as_str()));
            assert!(!String::from_utf8_lossy(&out.stderr).contains(s.as_str()));
        }
    }
    lab.shutdown().await;
}

/// Writes a configuration or secret file as c8dr requires them: 0600 (private to the user).
pub fn write_private(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A configuration others can read is refused by the binary with the file, its mode and the
/// fix; `--insecure-permissions` uses it with a warning on stderr and in the log.
#[cfg(unix)]
#[test]
fn a_config_readable_by_others_is_refused_unless_insecure_permissions_and_then_warned() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c8dr.toml");
    write_private(
        &path,
        "name = \"prod\"\n[[regions]]\nid = 0\nname = \"london\"\nrest_url = \"http://127.0.0.1:9\"\n\
         [[regions]]\nid = 1\nname = \"paris\"\nrest_url = \"http://127.0.0.1:10\"\n",
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let state = dir.path().join("state");
    let c8dr = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_c8dr"))
            .arg("--config")
            .arg(&path)
            .args(args)
            .env("XDG_STATE_HOME", &state)
            .env_remove("C8DR_DEBUG")
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap()
    };
    let shown = path.display().to_string();
    for args in [
        &["info"][..],
        &["status"],
        &["failover", "--lost", "1", "--plan"],
    ] {
        let out = c8dr(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(0), "{args:?}: {stderr}");
        let mut lines = stderr.lines();
        assert_eq!(
            lines.next(),
            Some(
                format!(
                    "c8dr: the configuration {shown} has mode 0644: group or others can read or \
                     change it, so c8dr refuses it (as ssh refuses such a key); run `chmod 600 {shown}`"
                )
                .as_str()
            ),
            "{args:?}: {stderr}"
        );
        let next = lines.next().unwrap_or_default();
        assert!(
            next.starts_with("  next: ")
                && next.contains(&format!("chmod 600 {shown}"))
                && next.contains("--insecure-permissions"),
            "{stderr}"
        );
    }

    let out = c8dr(&["--insecure-permissions", "status"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Loaded: the summary of two unreachable regions is printed.
    assert!(!out.stdout.is_empty(), "{stderr}");
    let warning = format!("the configuration {shown} has mode 0644");
    assert!(
        stderr.starts_with("c8dr: warning: ")
            && stderr.contains(&warning)
            && stderr.contains("--insecure-permissions"),
        "{stderr}"
    );
    let log = std::fs::read_to_string(state.join("c8dr").join("c8dr.log")).unwrap();
    assert!(log.contains("WARN") && log.contains(&warning), "{log}");

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = c8dr(&["info"]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
