//! The failback's Kubernetes checks end to end against the lab (issue 14 §9): the 8.8+
//! schema-manager env read from the broker StatefulSets, 8.9's password copies compared by
//! digest (and each region's own password in the commands shown), and a recreated namespace
//! with claims of the old deployment refused.

use crate::common::TestLab;
use crate::drive::*;
use c8dr::api::Region;
use c8dr::runbook::engine::{Recovery, RunState};
use c8dr::runbook::journal::{Outcome, StepState};
use c8dr::runbook::plan::{Action, Procedure};
use c8dr::runbook::render;
use c8dr_lab::sim::Camunda;
use serde_json::json;
use std::time::Duration;

const CREATE_SCHEMA: &str = "CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA";

fn step<'a>(s: &'a RunState, key: &str) -> (StepState, &'a str) {
    let i = s
        .steps
        .iter()
        .position(|st| st.key == key)
        .unwrap_or_else(|| panic!("no step {key}"));
    (s.progress[i].state, s.progress[i].evidence.as_str())
}

/// Resumes `run` with the lab playing the operator (`name` the recreated region) and expects
/// it to complete without a failure.
async fn resume_to_the_end(
    lab: &TestLab,
    b: &Books,
    run: &str,
    name: &str,
    script: &[(&str, &[&str])],
) -> RunState {
    let (fb, op) = resume(
        &config(lab, false),
        b,
        run,
        drill(lab, name, script),
        settings(),
    )
    .await;
    assert_completed(&fb);
    assert!(op.failures.is_empty(), "{:?}", op.failures);
    fb
}

/// What `kubectl set env statefulset/camunda-zeebe NAME-` sends, done by the test.
async fn unset_env(lab: &TestLab, r: usize, name: &str) {
    let reg = &lab.lab.ready.regions[r];
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": "orchestration", "env": [{"$patch": "delete", "name": name}]}]}}}});
    let a = lab
        .send(
            lab.http
                .patch(format!(
                    "{}/apis/apps/v1/namespaces/{}/statefulsets/camunda-zeebe",
                    reg.kube_api, reg.namespace
                ))
                .header("Content-Type", "application/strategic-merge-patch+json")
                .body(patch.to_string()),
        )
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
}

fn short() -> c8dr::runbook::engine::Settings {
    c8dr::runbook::engine::Settings {
        step_timeout: Duration::from_secs(15),
        ..settings()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failback_88_reads_the_schema_manager_env_from_the_statefulsets() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let b = books();
    let fo = lose_and_fail_over(&lab, &b, Region::ONE, &[]).await;
    assert_completed(&fo);
    // The install forgot the env: FB-1 waits until the StatefulSet has it (the operator sets
    // it), and FB-8 until the recreated region's upgrade dropped it again.
    lab.control_post("/lab/regions/1/recreate").await;
    unset_env(&lab, 1, CREATE_SCHEMA).await;
    let forgetful: &[(&str, &[&str])] = &[
        (
            "FB-1",
            &["kube/1/env/CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA=false"],
        ),
        ("FB-2", &["/lab/regions/0/webapps/off"]),
        (
            "FB-8",
            &[
                "/lab/regions/0/webapps/on",
                "/lab/regions/1/webapps/on?schema_env=keep",
            ],
        ),
    ];
    let (fb, failures) = run_with(
        &lab,
        &b,
        Procedure::Failback,
        Region::ONE,
        forgetful,
        short(),
        vec![],
    )
    .await;
    let (state, evidence) = step(&fb, "FB-1");
    assert_eq!(
        state,
        StepState::Done,
        "waited for, not skipped: {evidence}"
    );
    assert!(
        evidence.contains(&format!("sets {CREATE_SCHEMA}=false")),
        "{evidence}"
    );
    assert_eq!(fb.outcome, Some(Outcome::Failed), "{:?}", states(&fb));
    assert_eq!(step(&fb, "FB-8").0, StepState::Failed);
    let (key, why, refused) = failures.last().cloned().expect("FB-8 failed");
    assert_eq!((key.as_str(), refused), ("FB-8", false));
    assert!(
        why.contains(&format!("still sets {CREATE_SCHEMA}=false"))
            && why.contains("camunda-values.yml"),
        "{why}"
    );
    // Upgraded from values without it (and removed with kubectl): the same run ends.
    let fb = resume_to_the_end(&lab, &b, &fb.run, "paris", HELM_88_RECREATED_1).await;
    assert!(
        step(&fb, "FB-8")
            .1
            .contains(&format!("no longer sets {CREATE_SCHEMA}")),
        "{}",
        step(&fb, "FB-8").1
    );
    assert_failed_back(&lab, 1).await;
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failback_89_compares_the_password_copies_by_digest_and_shows_each_regions_own() {
    let lab = TestLab::start(Camunda::V89, 10.0).await;
    let b = books();
    let fo = lose_and_fail_over(&lab, &b, Region::ZERO, &[("FO-3", &["/lab/traffic/1"])]).await;
    assert_completed(&fo);
    lab.control_post("/lab/regions/0/recreate").await;
    let passwords: Vec<String> = lab
        .lab
        .ready
        .regions
        .iter()
        .map(|r| r.elasticsearch_auth.clone().unwrap().password)
        .collect();
    // Without the sync the recreated namespace has no copies: FB-1.2 is not done.
    let no_sync: Vec<(&str, &[&str])> = HELM_88_RECREATED_0
        .iter()
        .copied()
        .filter(|(k, _)| *k != "FB-1.2")
        .collect();
    let (fb, failures) = run_with(
        &lab,
        &b,
        Procedure::Failback,
        Region::ZERO,
        &no_sync,
        short(),
        vec![],
    )
    .await;
    assert_eq!(
        step(&fb, "FB-1.2").0,
        StepState::Failed,
        "{:?}",
        states(&fb)
    );
    let (key, why, _) = failures.last().cloned().expect("FB-1.2 failed");
    assert_eq!(key, "FB-1.2");
    for part in [
        "london has no secret elasticsearch-es-password-region-0",
        "london has no secret elasticsearch-es-password-region-1",
        "sync_elasticsearch_passwords.sh",
    ] {
        assert!(why.contains(part), "{part} in {why}");
    }
    // Secrets never reach the journal, the audit trail or the messages.
    let files: Vec<String> = std::fs::read_dir(&b.runs)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .chain(std::iter::once(std::fs::read_to_string(&b.audit).unwrap()))
        .collect();
    for p in &passwords {
        assert!(!why.contains(p.as_str()));
        assert!(
            files.iter().all(|f| !f.contains(p.as_str())),
            "a password was written"
        );
    }
    // Synced, the same run goes on, with the copies checked.
    let fb = resume_to_the_end(&lab, &b, &fb.run, "london", HELM_88_RECREATED_0).await;
    let (state, evidence) = step(&fb, "FB-1.2");
    assert_eq!(state, StepState::Done);
    assert!(evidence.contains("4 password copies match"), "{evidence}");

    // The copy-paste commands: each region's Elasticsearch with its own password, read from
    // its own namespace, and never the value.
    let config = config(&lab, false);
    for st in &fb.steps {
        let Action::Http(req) = &st.action else {
            continue;
        };
        if req.api != c8dr::runbook::plan::Api::Elasticsearch {
            continue;
        }
        let curl = render::curl(&config, req);
        let r = req.region;
        let ns = &lab.lab.ready.regions[r.index()].namespace;
        assert!(
            curl.contains(&format!("-u \"elastic:$ES_PASSWORD_REGION{r}\"")),
            "{curl}"
        );
        assert!(
            curl.contains(&format!(
                "ES_PASSWORD_REGION{r}=$(kubectl --context c8dr-lab-{} -n {ns} get secret elasticsearch-es-elastic-user"
                , lab.lab.ready.regions[r.index()].name
            )),
            "{curl}"
        );
        assert!(passwords.iter().all(|p| !curl.contains(p.as_str())));
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failback_refuses_a_recreated_namespace_with_leftover_claims() {
    let lab = TestLab::start(Camunda::V88, 10.0).await;
    let b = books();
    let fo = lose_and_fail_over(&lab, &b, Region::ONE, &[]).await;
    assert_completed(&fo);
    lab.control_post("/lab/regions/1/recreate?leftover_pvcs=on")
        .await;
    let (fb, failures) = run_with(
        &lab,
        &b,
        Procedure::Failback,
        Region::ONE,
        HELM_88_RECREATED_1,
        settings(),
        vec![Recovery::Abort],
    )
    .await;
    assert_ne!(fb.outcome, Some(Outcome::Completed));
    let (key, why, refused) = failures.first().cloned().expect("FB-1 refused");
    assert_eq!((key.as_str(), refused), ("FB-1", true), "{why}");
    for part in [
        "data-camunda-zeebe-0, data-camunda-zeebe-1, data-camunda-zeebe-2, data-camunda-zeebe-3",
        "kubectl --context c8dr-lab-paris -n camunda-paris delete pvc data-camunda-zeebe-0 data-camunda-zeebe-1 data-camunda-zeebe-2 data-camunda-zeebe-3",
    ] {
        assert!(why.contains(part), "{part} in {why}");
    }
    assert!(
        !requests(&lab)
            .await
            .iter()
            .any(|r| r["path"].as_str().is_some_and(|p| p.contains("exporting"))),
        "no step after FB-1 ran"
    );
    // Removed as the message says: the same run goes on.
    let reg = &lab.lab.ready.regions[1];
    for n in 0..4 {
        let a = lab
            .send(lab.http.delete(format!(
                "{}/api/v1/namespaces/{}/persistentvolumeclaims/data-camunda-zeebe-{n}",
                reg.kube_api, reg.namespace
            )))
            .await;
        assert_eq!(a.status, 200);
    }
    resume_to_the_end(&lab, &b, &fb.run, "paris", HELM_88_RECREATED_1).await;
    assert_failed_back(&lab, 1).await;
    lab.shutdown().await;
}
