//! The `c8dr` binary as a user runs it: `c8dr lab` prints exactly one JSON line, serves,
//! and stops cleanly on SIGTERM; bad flags get a clear message and a non-zero exit.

mod install;

use crate::common::{DEADLINE, wait_until};
use c8dr::api::Region;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn c8dr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_c8dr"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_prints_one_ready_line_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = c8dr()
        .args(["lab", "--speed", "5", "--camunda", "8.8", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("c8dr starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(first)) = lines.next() {
            let _ = tx.send(first);
        }
        lines.map_while(Result::ok).collect::<Vec<String>>()
    });
    let line = rx
        .recv_timeout(DEADLINE)
        .expect("a ready line within the deadline");
    let ready: Value = serde_json::from_str(&line).expect("the ready line is JSON");

    for key in [
        "control",
        "config",
        "camunda",
        "rest_auth",
        "regions",
        "brokers",
    ] {
        assert!(ready.get(key).is_some(), "ready line lacks {key}: {line}");
    }
    assert_eq!(ready["camunda"], "8.8");
    assert_eq!(ready["regions"].as_array().unwrap().len(), 2);
    assert_eq!(ready["brokers"].as_array().unwrap().len(), 8);
    for url in [
        &ready["control"],
        &ready["regions"][0]["rest"],
        &ready["brokers"][7]["management"],
    ] {
        let url = url.as_str().unwrap();
        assert!(
            url.starts_with("http://127.0.0.1:") && !url.ends_with('/'),
            "{url}"
        );
    }
    assert_eq!(ready["brokers"][3]["region"], 1);
    for key in [
        "elasticsearch",
        "kube_api",
        "kube_context",
        "namespace",
        "traffic_address",
    ] {
        assert!(
            ready["regions"][1][key].is_string(),
            "region lacks {key}: {line}"
        );
    }
    let kubeconfig = std::fs::read_to_string(ready["kubeconfig"].as_str().unwrap()).unwrap();
    assert!(kubeconfig.contains(ready["regions"][1]["kube_context"].as_str().unwrap()));
    assert!(
        !kubeconfig.contains("current-context"),
        "c8dr never relies on the current context"
    );
    let kube_only = std::fs::read_to_string(ready["config_kube"].as_str().unwrap()).unwrap();
    assert!(!kube_only.contains("management_url") && kube_only.contains("[regions.kube]"));

    // The config refers to the secret by file; the secret is private.
    let config = std::fs::read_to_string(ready["config"].as_str().unwrap()).unwrap();
    let password = ready["rest_auth"]["password"].as_str().unwrap();
    assert!(
        !config.contains(password),
        "the config must not hold the secret inline"
    );
    assert!(config.contains("password_file"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("rest-password"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o077,
            0,
            "password file readable by others: {mode:o}"
        );
    }

    c8dr::source::http::install_crypto();
    let http = reqwest::Client::new();
    let state_url = format!("{}/lab/state", ready["control"].as_str().unwrap());
    let state: Value = http
        .get(&state_url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["brokers"].as_array().unwrap().len(), 8);
    let topo = http
        .get(format!(
            "{}/v2/topology",
            ready["regions"][1]["rest"].as_str().unwrap()
        ))
        .basic_auth("demo", Some(password))
        .send()
        .await
        .unwrap();
    assert_eq!(topo.status(), 200);

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = wait_until("c8dr lab to exit after SIGTERM", DEADLINE, || {
        let r = child.try_wait();
        async move {
            match r {
                Ok(Some(s)) => Ok(s),
                other => Err(format!("{other:?}")),
            }
        }
    })
    .await;
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "exit {status:?}, stderr: {stderr}");
    let rest = reader.join().unwrap();
    assert!(
        rest.is_empty(),
        "exactly one line on stdout, got more: {rest:?}"
    );
    assert!(
        http.get(&state_url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_err()
    );
    let log = std::fs::read_to_string(dir.path().join("lab.log")).unwrap_or_default();
    assert!(
        log.contains("lab: stopped"),
        "the log file records the shutdown: {log}"
    );
}

#[test]
fn bad_flags_are_refused_with_the_reason() {
    for (args, needle) in [
        (vec!["lab", "--brokers", "5"], "--brokers must be even"),
        (vec!["lab", "--brokers", "2"], "at least 4"),
        (vec!["lab", "--speed", "0"], "--speed"),
        (
            vec!["lab", "--replication-factor", "9"],
            "--replication-factor",
        ),
        (vec!["lab", "--camunda", "8.5"], "8.5"),
    ] {
        let out = c8dr().args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} must fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
}

#[test]
fn journal_lists_runs_from_the_state_dir_and_shows_one() {
    use c8dr::act::journal::Journal;
    use c8dr::runbook::journal::{Outcome, Record, StepState};
    let state = tempfile::tempdir().unwrap();
    let journal = |args: &[&str]| {
        c8dr()
            .args(args)
            .env("XDG_STATE_HOME", state.path())
            .output()
            .unwrap()
    };
    let out = journal(&["journal"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "no runs journaled yet\n"
    );

    let runs = state.path().join("c8dr").join("runs");
    let mut j = Journal::create(&runs, "failover-r1").unwrap();
    for r in [
        Record::run_started("failover-r1", "failover", Region::ONE, "8.8"),
        Record::step(0, "remove region1's brokers", StepState::Running, None),
        Record::step(0, "remove region1's brokers", StepState::Done, None),
        Record::run_ended(Outcome::Completed),
    ] {
        j.append(&r).unwrap();
    }
    let out = journal(&["journal"]);
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("failover-r1") && list.contains("completed") && list.contains("1/1"),
        "{list}"
    );

    let out = journal(&["journal", "failover-r1"]);
    let run = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{run}");
    assert!(
        run.contains("remove region1's brokers") && run.contains("done"),
        "{run}"
    );
    assert!(run.contains("within the documented failover RTO"), "{run}");

    let out = journal(&["journal", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no run \"nope\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_plans_executes_unattended_and_leaves_a_journal_and_an_audit_trail() {
    let lab = crate::common::TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let state = tempfile::tempdir().unwrap();
    let config = lab.lab.ready.config.clone();
    let run = |args: Vec<String>| {
        let state = state.path().to_path_buf();
        let config = config.clone();
        tokio::task::spawn_blocking(move || {
            c8dr()
                .arg("--config")
                .arg(&config)
                .args(args)
                .env("XDG_STATE_HOME", &state)
                .output()
                .unwrap()
        })
    };
    let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();

    // Healthy: the plan is printed, but executing is refused by the guards.
    let out = run(args("failover --lost paris --plan")).await.unwrap();
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{plan}");
    assert!(
        plan.contains("PATCH /actuator/cluster?force=true")
            && plan.contains(r#"-d '{"brokers":{"remove":[1,3,5,7]}}'"#)
            && plan.contains("nothing was sent"),
        "{plan}"
    );
    let out = run(args("failover --lost 1 --execute --yes"))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("refused") && text.contains("still answers"),
        "{text}"
    );

    lab.control_post("/lab/regions/1/fail").await;
    let out = run(args("failover --lost paris --execute --yes"))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(": completed in"), "{text}");
    let out = run(args("journal")).await.unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("failover-r1-") && list.contains("completed"),
        "{list}"
    );
    let out = run(args("audit --run nothing-like-this")).await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "no audit entries yet\n"
    );
    let out = run(args("audit")).await.unwrap();
    let audit = String::from_utf8_lossy(&out.stdout);
    assert!(
        audit.contains("refused") && audit.contains("PATCH") && audit.contains("→ 202"),
        "{audit}"
    );
    // A failback while region 1 is still lost: its brokers are not listed; the run would
    // wait at FB-1, so only the plan is asked for.
    let out = run(args("failback --recreated 1 --plan")).await.unwrap();
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains("helm install") && plan.contains("FB-8"),
        "{plan}"
    );
    let out = run(args("failover --lost nowhere --plan")).await.unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no region \"nowhere\""));
    lab.shutdown().await;
}

/// A configuration with a mistyped secret key, written to a temporary directory.
fn config_with_a_typo(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("c8dr.toml");
    crate::at_rest::write_private(
        &path,
        r#"name = "prod"
[[regions]]
id = 0
name = "london"
rest_url = "http://127.0.0.1:9"
[regions.rest_auth]
username = "demo"
pasword = "hunter2"
[[regions]]
id = 1
name = "paris"
rest_url = "http://127.0.0.1:10"
"#,
    );
    path
}

#[test]
fn errors_are_one_clean_line_and_never_echo_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_a_typo(dir.path());
    let state = dir.path().join("state");
    let run = |args: &[&str], debug: bool| {
        let mut cmd = c8dr();
        cmd.arg("--config")
            .arg(&config)
            .args(args)
            .env("XDG_STATE_HOME", &state)
            .env_remove("C8DR_DEBUG")
            .env_remove("RUST_BACKTRACE");
        if debug {
            cmd.env("C8DR_DEBUG", "1");
        }
        cmd.output().unwrap()
    };

    // No verdict could be formed: UNKNOWN, as `check` says (issue 14 §6).
    let out = run(&["status"], false);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "c8dr: {}:8:1: regions.rest_auth.pasword: unknown field `pasword`",
        config.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    // The error, then what to do about it (issue 14 §12).
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert!(
        stderr.lines().nth(1).unwrap().starts_with("  next: "),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");

    let out = run(&["check"], false);
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("C8DR UNKNOWN - ") && stdout.contains("regions.rest_auth.pasword"),
        "{stdout}"
    );
    assert!(!stdout.contains("hunter2"), "{stdout}");

    // The full report only on request, and cleaned as well.
    let out = run(&["status"], true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().count() > 1, "{stderr}");
    assert!(
        !stderr.contains("hunter2") && !stderr.contains('\x1b'),
        "{stderr}"
    );
}

#[test]
fn control_characters_in_errors_and_the_audit_trail_are_shown_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let out = c8dr()
        .arg("--config")
        .arg(dir.path().join("\x1b]2;pwned\x07.toml"))
        .arg("status")
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("c8dr: reading the configuration")
            && stderr.contains(r"\u{1b}]2;pwned\u{7}.toml"),
        "{stderr}"
    );
    assert!(!stderr.contains(['\x1b', '\x07']), "{stderr:?}");

    // A trail written before entries were cleaned.
    let audit = dir.path().join("c8dr").join("audit.jsonl");
    std::fs::create_dir_all(audit.parent().unwrap()).unwrap();
    std::fs::write(
        &audit,
        concat!(
            r#"{"at":"2025-01-01T00:00:00Z","user":"op","run":"r1","step":"FO-1","region":1,"#,
            r#""kind":"request","outcome":"failed","detail":"\u001b]2;x\u0007\u001b[2J"}"#,
            "\n",
            "not json \x1b[2J\n",
        ),
    )
    .unwrap();
    let out = c8dr()
        .arg("audit")
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stdout.contains(r"\u{1b}]2;x\u{7}"), "{stdout}");
    assert!(!stdout.contains(['\x1b', '\x07']), "{stdout:?}");
    assert!(stderr.contains("unreadable audit line"), "{stderr}");
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
}

/// Issue 14 §10 in the terminal: the change blocking FO-1 is shown with its progress and the
/// risk; a wrong name keeps it (nothing sent), `--yes` cancels it and the failover completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_shows_the_change_blocking_fo1_and_cancels_it_only_when_confirmed() {
    let lab = crate::common::TestLab::start(c8dr_lab::sim::Camunda::V88, 10.0).await;
    let state = tempfile::tempdir().unwrap();
    let config = lab.lab.ready.config.clone();
    let run = |args: &'static str, stdin: &'static str| {
        let state = state.path().to_path_buf();
        let config = config.clone();
        tokio::task::spawn_blocking(move || {
            let mut child = c8dr()
                .arg("--config")
                .arg(&config)
                .args(args.split(' '))
                .env("XDG_STATE_HOME", &state)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            if let Some(mut input) = child.stdin.take() {
                use std::io::Write;
                let _ = input.write_all(stdin.as_bytes());
            }
            child.wait_with_output().unwrap()
        })
    };
    lab.control_post("/lab/regions/1/fail-mid-change").await;
    crate::common::wait_state_until(&lab, "the change to stall", |s| {
        s["pending_change"]["completed"].as_u64() == Some(16)
    })
    .await;
    // A wrong name: the cancel is refused, FO-1 stays refused, the operator aborts.
    let out = run("failover --lost paris --execute", "pari\na\n")
        .await
        .unwrap();
    let asked = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{asked}");
    for part in [
        "FO-1 Cancel the blocking change #",
        ": 16/32 operations done",
        "risk: cancelling rolls nothing back",
        "waits on brokers 1, 3, 5, 7 of the lost paris",
        "type the lost region's name to proceed",
        "not cancelled",
    ] {
        assert!(asked.contains(part), "{part:?} in\n{asked}");
    }
    let log: Value = lab
        .get(format!("{}/lab/requests", lab.control()))
        .await
        .body;
    assert!(log.as_array().unwrap().is_empty(), "nothing sent: {log}");
    // Unattended: --yes stands for typing the name; the change is cancelled, FO-1 goes on.
    let out = run("failover --lost paris --execute --yes", "")
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Cancel the blocking change"),
        "the offer is printed even when approved by --yes"
    );
    let s = lab.state().await;
    assert_eq!(s["replication_factor"], 2, "failed over: {s}");
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zone_aware_lab_is_shown_by_zone_failed_over_by_zone_and_failed_back_with_the_record() {
    let lab = crate::common::TestLab::start_with(c8dr_lab::Options {
        camunda: c8dr_lab::sim::Camunda::V810,
        speed: 10.0,
        zones: Some(["london".into(), "paris".into()]),
        ..c8dr_lab::Options::default()
    })
    .await;
    let state = tempfile::tempdir().unwrap();
    let config = lab.lab.ready.config.clone();
    let run = |args: &str| {
        let state = state.path().to_path_buf();
        let config = config.clone();
        let args: Vec<String> = args.split(' ').map(String::from).collect();
        tokio::task::spawn_blocking(move || {
            c8dr()
                .arg("--config")
                .arg(&config)
                .args(args)
                .env("XDG_STATE_HOME", &state)
                .output()
                .unwrap()
        })
    };
    // status --json: zoned ids as strings, each in its zone's region, and the kind.
    let out = run("status --json").await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cluster"]["topology"]["kind"], "zone-aware", "{v}");
    let brokers = v["brokers"].as_array().unwrap();
    assert_eq!(brokers.len(), 8, "nodeId 0 of both zones is not one broker");
    for b in brokers {
        let id = b["id"].as_str().expect("a zoned id is a string");
        let region = if id.starts_with("london_") { 0 } else { 1 };
        assert_eq!(b["region"], region, "{b}");
    }

    lab.control_post("/lab/regions/1/fail").await;
    crate::common::wait_until(
        "the cockpit sees paris lost",
        crate::common::DEADLINE,
        || async {
            let out = run("status --json").await.unwrap();
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            if v["processing"] == "halted" && v["regions"][1]["reachable"] == "down" {
                Ok(())
            } else {
                Err(v["verdict"].to_string())
            }
        },
    )
    .await;
    let out = run("failover --lost paris --plan").await.unwrap();
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{plan}");
    assert!(
        plan.contains("DELETE /actuator/cluster/zones/paris?force=true"),
        "{plan}"
    );
    for id in ["paris_", "london_", "\"brokers\"", "\"remove\""] {
        assert!(!plan.contains(id), "the plan names {id}:\n{plan}");
    }
    // 8.10 is active-active: DNS (FO-3) is the operator's, done here before the run.
    lab.control_post("/lab/traffic/0").await;
    let out = run("failover --lost paris --execute --yes").await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(": completed in"), "{text}");
    let s = crate::common::wait_state_until(&lab, "RF 2", |s| s["replication_factor"] == 2).await;
    assert_eq!(s["cluster_size"], 4);

    lab.control_post("/lab/regions/1/recreate").await;
    let out = run("failback --recreated paris --plan").await.unwrap();
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{plan}");
    assert!(
        plan.contains("POST /actuator/cluster/zones/paris")
            && plan.contains(r#""numberOfBrokers":4,"numberOfReplicas":2,"priority":500"#)
            && plan.contains("recorded by run failover-r1-"),
        "{plan}"
    );
    lab.shutdown().await;
}

/// `c8dr --config CONFIG status --json`, parsed (null when the output is no JSON).
async fn status_json(config: std::path::PathBuf) -> serde_json::Value {
    let out = tokio::task::spawn_blocking(move || {
        c8dr()
            .arg("--config")
            .arg(&config)
            .args(["status", "--json"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_prepared_for_the_zone_migration_is_not_taken_for_a_recreated_region() {
    let lab = crate::common::TestLab::start_with(c8dr_lab::Options {
        camunda: c8dr_lab::sim::Camunda::V810,
        speed: 10.0,
        zones: Some(["london".into(), "paris".into()]),
        migrate: true,
        ..c8dr_lab::Options::default()
    })
    .await;
    let config = lab.lab.ready.config.clone();
    let reasons = crate::common::wait_until(
        "the zoned brokers are seen",
        crate::common::DEADLINE,
        || {
            let config = config.clone();
            async move {
                let v = status_json(config).await;
                let reasons = v["verdict"]["reasons"].to_string();
                if reasons.contains("zoned brokers") {
                    Ok(reasons)
                } else {
                    Err(reasons)
                }
            }
        },
    )
    .await;
    assert!(
        reasons.contains("migration to zone-aware brokers is prepared")
            && !reasons.contains("waiting to be added back")
            && !reasons.contains("failback"),
        "{reasons}"
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_to_zone_aware_brokers_is_watched_stage_by_stage_and_no_failover_is_planned_half_way()
 {
    let lab = crate::common::TestLab::start_with(c8dr_lab::Options {
        camunda: c8dr_lab::sim::Camunda::V810,
        speed: 10.0,
        zones: Some(["london".into(), "paris".into()]),
        migrate: true,
        ..c8dr_lab::Options::default()
    })
    .await;
    let config = lab.lab.ready.config.clone();
    let m = lab.lab.ready.regions[0].management.clone();
    // The topology as `status --json` sees it once `ok` holds.
    let topology = |what: &'static str, ok: fn(&serde_json::Value) -> bool| {
        let config = config.clone();
        crate::common::wait_until(what, crate::common::DEADLINE, move || {
            let config = config.clone();
            async move {
                let v = status_json(config).await;
                let t = v["cluster"]["topology"].clone();
                if ok(&t) { Ok(t) } else { Err(t.to_string()) }
            }
        })
    };
    let t = topology("numbered, zoned brokers beside", |t| {
        t["kind"] == "numbered"
    })
    .await;
    assert!(t["migration"].is_null(), "{t}");

    let put = |path: &str, body: serde_json::Value| {
        lab.send(lab.http.put(format!("{m}{path}")).json(&body))
    };
    let a = put(
        "/actuator/cluster/partitioning",
        serde_json::json!({"config": {"scheme": "ZONE_AWARE", "zones": [
            {"name": "london", "numberOfReplicas": 2, "priority": 1000},
            {"name": "paris", "numberOfReplicas": 2, "priority": 500}]}}),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    let t = topology("layout set", |t| {
        t["kind"] == "migrating" && t["migration"]["layout_set"] == true
    })
    .await;
    assert_eq!(t["migration"]["next"], "paris", "secondary zone first: {t}");

    // Half-way, neither procedure is planned.
    lab.control_post("/lab/regions/1/fail").await;
    let out = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || {
            c8dr()
                .arg("--config")
                .arg(&config)
                .args(["failover", "--lost", "paris", "--plan"])
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("half-way through the migration"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lab.control_post("/lab/regions/1/restore").await;

    let a = put(
        "/actuator/cluster/zones",
        serde_json::json!({"zone": "paris"}),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    // Mid-change both generations are members; once done, paris's numbered brokers are gone.
    let t = topology("paris migrated", |t| {
        t["migration"]["migrated"] == serde_json::json!(["paris"])
            && t["migration"]["numbered_left"] == 4
    })
    .await;
    assert_eq!(t["migration"]["next"], "london", "{t}");

    let a = put(
        "/actuator/cluster/zones",
        serde_json::json!({"zone": "london"}),
    )
    .await;
    assert_eq!(a.status, 202, "{}", a.body);
    let t = topology("zone-aware", |t| t["kind"] == "zone-aware").await;
    assert!(t["migration"].is_null(), "{t}");
    lab.shutdown().await;
}
