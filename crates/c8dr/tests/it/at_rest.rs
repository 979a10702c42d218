//! Nothing secret at rest (issue 17 §4): a whole rehearsal on an 8.9 lab (REST password and
//! one Elasticsearch password per region) through the binary as an operator runs it — status,
//! the plan, the failover executed, the journal, the audit trail — and the failback run with
//! the lab playing the operator into the same state directory; then every file written under
//! the state and config directories (journals, audit trail, run lock, log) is read and none
//! may hold a password, raw or base64-encoded (as Kubernetes Secrets and basic auth carry it).

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_rehearsal_leaves_no_password_in_any_file_c8dr_wrote() {
    let lab = TestLab::start(Camunda::V89, 10.0).await;
    let home = tempfile::tempdir().unwrap();
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
    for args in ["status", "status --json", "journal", "audit"] {
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
    }

    let mut secrets = forms(
        &lab.lab.ready.rest_auth.username,
        &lab.lab.ready.rest_auth.password,
    );
    for r in &lab.lab.ready.regions {
        let es = r.elasticsearch_auth.as_ref().expect("8.9: ES passwords");
        secrets.extend(forms(&es.username, &es.password));
    }
    let written: Vec<PathBuf> = [&state, &config_home]
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
        "state/c8dr/runs/.lock",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    assert_eq!(
        run_ids.len(),
        2,
        "a failover and a failback journal: {names:?}"
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
