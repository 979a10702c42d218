//! Text views of a plan and a run: `c8dr failover --plan` (every step with its exact request
//! and `curl` equivalent, in procedure order) and the progress lines of `--execute`. The TUI
//! pane draws from the same pieces.

use super::engine::RunState;
use super::journal::StepState;
use super::plan::{Action, Api, Inputs, Request, Step};
use crate::api::{BrokerId, Region};
use crate::config::Config;

/// How a request is reached by hand: the configured URL, or a port-forward.
pub fn base_for(config: &Config, api: Api, region: Region) -> (String, Option<String>) {
    let r = config.region(region);
    let direct = r.and_then(|r| match api {
        Api::Management => r.management_url.clone(),
        Api::Elasticsearch => r.elasticsearch_url.clone(),
    });
    if let Some(url) = direct {
        return (url.trim_end_matches('/').to_string(), None);
    }
    let port = match api {
        Api::Management => 9600,
        Api::Elasticsearch => 9200,
    };
    let forward = r.and_then(|r| r.kube.as_ref()).map(|k| {
        let service = match api {
            Api::Management => format!("services/{}-zeebe-gateway", k.release),
            Api::Elasticsearch => format!("services/{}-elasticsearch", k.release),
        };
        format!(
            "kubectl --context {} -n {} port-forward {service} {port}:{port}",
            k.context, k.namespace
        )
    });
    (format!("http://localhost:{port}"), forward)
}

/// The `curl` equivalent of a request; credentials as variables, never their values. Each
/// region's Elasticsearch has its own password (ECK generates one per region, §4.5), so the
/// variable is the region's, read from that region's ECK secret when c8dr knows its context.
pub fn curl(config: &Config, req: &Request) -> String {
    let (base, forward) = base_for(config, req.api, req.region);
    let mut out = String::new();
    if let Some(f) = forward {
        out.push_str(&f);
        out.push_str(" &\n");
    }
    let user = config
        .region(req.region)
        .filter(|_| req.api == Api::Elasticsearch)
        .and_then(|r| r.elasticsearch_auth.as_ref())
        .and_then(|a| a.username.clone());
    let var = format!("ES_PASSWORD_REGION{}", req.region);
    if user.as_deref() == Some("elastic")
        && let Some(k) = config.region(req.region).and_then(|r| r.kube.as_ref())
    {
        out.push_str(&format!(
            "{var}=$(kubectl --context {} -n {} get secret {} -o jsonpath='{{.data.elastic}}' | base64 -d) &&\n",
            k.context,
            k.namespace,
            super::check_kube::ELASTIC_USER
        ));
    }
    out.push_str(&format!("curl -sS -X {} '{base}{}'", req.method, req.path));
    if let Some(user) = user {
        out.push_str(&format!(" -u \"{user}:${var}\""));
    }
    if let Some(body) = &req.body {
        out.push_str(&format!(
            " -H 'Content-Type: application/json' -d '{}'",
            body
        ));
    }
    out
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the step does, in lines (request and curl, scale, manual commands, checklist).
pub fn action_lines(config: &Config, step: &Step) -> Vec<String> {
    match &step.action {
        Action::Http(req) => {
            let mut v = vec![format!(
                "request  {} {} (region{} {})",
                req.method,
                req.path,
                req.region,
                match req.api {
                    Api::Management => "management API",
                    Api::Elasticsearch => "Elasticsearch",
                }
            )];
            if let Some(b) = &req.body {
                v.push(format!("body     {b}"));
            }
            v.push("curl".into());
            v.extend(curl(config, req).lines().map(|l| format!("  {l}")));
            v
        }
        Action::Scale(list) => list
            .iter()
            .map(|s| {
                format!(
                    "kube     scale deployments/{} --replicas {} (region{}; c8dr does this through the API)",
                    s.deployment, s.replicas, s.region
                )
            })
            .collect(),
        Action::Manual { commands } => {
            let mut v = vec!["manual   run elsewhere; c8dr watches for the result:".to_string()];
            v.extend(
                commands
                    .iter()
                    .flat_map(|c| c.lines().map(|l| format!("  {l}")).collect::<Vec<_>>()),
            );
            v
        }
        Action::Observe => vec!["observe  nothing to send; c8dr checks the condition".into()],
        Action::RestartPod { region, pod } => vec![format!(
            "kube     delete pod {pod} (region{region}; its StatefulSet starts a new one)"
        )],
        Action::Checklist(items) => {
            let mut v = vec!["checklist (in the webapps; confirm when done):".to_string()];
            v.extend(items.iter().map(|i| format!("  [ ] {i}")));
            v
        }
    }
}

pub fn check_words(c: &super::plan::Check) -> String {
    use super::plan::Check::*;
    let ids = |v: &[BrokerId]| {
        v.iter()
            .map(BrokerId::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    match c {
        RegionLost(r) => format!(
            "region{r} does not answer, the surviving region's fresh topology lacks its brokers and its partitions cannot commit"
        ),
        BrokersRemoved(v) => format!(
            "brokers {} no members of a fresh cluster configuration, no change pending",
            ids(v)
        ),
        Exporter { id, enabled } => format!(
            "{id} {} and lastChange COMPLETED",
            if *enabled { "ENABLED" } else { "DISABLED" }
        ),
        ProcessingActive => "every partition has quorum".into(),
        TrafficAway(r) => format!("DNS no longer answers region{r}"),
        BrokersListed(v) => format!("brokers {} listed in the surviving topology", ids(v)),
        ElasticsearchUp(r) => format!("region{r} Elasticsearch green or yellow"),
        ElasticsearchGreen(r) => format!("region{r} Elasticsearch green"),
        WebappsOff(r) => format!("region{r} Operate/Tasklist off"),
        WebappsOn(r) => format!("region{r} Operate/Tasklist running"),
        RepositoryRegistered(r) => format!("region{r} has the snapshot repository"),
        SnapshotReady(r) => format!("region{r} sees the run's snapshot, SUCCESS, 0 failed shards"),
        Restored(r) => {
            format!("region{r} has every index of the snapshot with at least the documents it held")
        }
        ClusterComplete { ids: v, rf } => {
            format!(
                "brokers {} members, replication factor {rf}, no change pending",
                ids(v)
            )
        }
        BrokerEnv {
            region,
            name,
            value: Some(v),
        } => format!("region{region}'s broker StatefulSet sets {name}={v}"),
        BrokerEnv {
            region,
            name,
            value: None,
        } => format!("region{region}'s broker StatefulSet does not set {name}"),
        PasswordsSynced => {
            "both namespaces hold each region's Elasticsearch password (compared by digest)".into()
        }
        NamespaceClean(r) => format!("region{r} has no claims or pods of an earlier install"),
        ZoneRemoved(z) => format!(
            "zone {z} gone from the layout and the membership of a fresh configuration, no change pending"
        ),
        ZoneComplete { zone, brokers, rf } => format!(
            "zone {zone} in the layout with {brokers} member brokers that each host partitions, replication factor {rf}, no change pending"
        ),
        LeadersIn(r) => format!("every partition led from region{r}"),
        Unobservable => "not observable: the answer (or the operator) is the signal".into(),
        All(v) => v.iter().map(check_words).collect::<Vec<_>>().join(" and "),
    }
}

/// The instructions of a manual step or checklist, and what c8dr watches.
pub fn manual_lines(step: &Step) -> Vec<String> {
    let mut v: Vec<String> = match &step.action {
        Action::Manual { commands } => commands
            .iter()
            .flat_map(|c| c.lines().map(String::from).collect::<Vec<_>>())
            .collect(),
        Action::Checklist(items) => items.iter().map(|i| format!("[ ] {i}")).collect(),
        _ => vec![],
    };
    v.push(format!("c8dr watches: {}", check_words(&step.check)));
    v
}

pub fn guard_words(g: &super::plan::Guard) -> String {
    use super::plan::Guard::*;
    let ids = |v: &[BrokerId]| {
        v.iter()
            .map(BrokerId::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    match g {
        RegionUnreachable(r) => format!("region{r} does not answer"),
        BrokersAbsent(v) => format!("brokers {} not in the surviving topology", ids(v)),
        NoPendingChange => "no topology change pending (but this run's own)".into(),
        NoForeignChange => "no change by anyone else since the run started".into(),
        IdsMatchTopology { region, ids: v } => {
            format!("{} are exactly region{region}'s members", ids(v))
        }
        RegionReachable(r) => format!("region{r} answers"),
        NoCamundaIndices(r) => format!("region{r}'s Elasticsearch has no Camunda indices"),
        NamespaceClean(r) => format!("region{r} has no claims or pods of the old deployment"),
        ZoneAbsent(z) => format!("no broker of zone {z} in the surviving topology"),
        TopologyIs(k) => format!("the cluster is still {}", k.words()),
    }
}

/// What the run removes or adds: the brokers (numbered), or the zone with its layout
/// (zone-aware: no broker ids, the zones API names the zone).
pub fn subject(inputs: &Inputs) -> String {
    let failover = inputs.procedure == super::plan::Procedure::Failover;
    match &inputs.zone {
        Some(z) => format!(
            "zone-aware cluster · zone {}: {} · {} brokers, numberOfReplicas {}, priority {} ({})",
            z.name,
            if failover { "to remove" } else { "to add back" },
            z.brokers,
            z.replicas,
            z.priority,
            z.basis.words()
        ),
        None => format!(
            "brokers {}: {}",
            if failover { "to remove" } else { "to add" },
            inputs
                .ids
                .iter()
                .map(BrokerId::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `--plan`: the whole procedure, in order.
pub fn plan(config: &Config, inputs: &Inputs, steps: &[Step]) -> String {
    let mut out = format!(
        "{} of region{} {} · Camunda {} ({}) · surviving region{} {}\n",
        inputs.procedure.name(),
        inputs.region,
        inputs.names[inputs.region],
        inputs.version,
        match (inputs.family, &inputs.zone) {
            (_, Some(_)) => "zone-aware procedure, derived: zone-aware-dual-region.md §5.4",
            (crate::model::Family::V86To87, _) => "8.6/8.7 procedure",
            _ => "8.8+ procedure",
        },
        inputs.survivor(),
        inputs.names[inputs.survivor()],
    );
    out.push_str(&subject(inputs));
    out.push_str("\n\n");
    for (n, s) in steps.iter().enumerate() {
        out.push_str(&format!(
            "{:>2}. {} {} [{}] → region{} · {}\n",
            n + 1,
            s.key,
            s.title,
            s.danger.word(),
            s.region,
            s.cite
        ));
        for l in action_lines(config, s) {
            out.push_str(&indent(&l, "      "));
            out.push('\n');
        }
        out.push_str(&format!("      verify   {}\n", check_words(&s.check)));
        if !s.guards.is_empty() {
            out.push_str(&format!(
                "      guards   {}\n",
                s.guards
                    .iter()
                    .map(guard_words)
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        if let Some(n) = &s.note {
            out.push_str(&format!("      note     {n}\n"));
        }
        out.push('\n');
    }
    out
}

pub fn state_word(s: StepState) -> &'static str {
    match s {
        StepState::Pending => "pending",
        StepState::Checking => "checking",
        StepState::Ready => "ready",
        StepState::Running => "running",
        StepState::Verifying => "verifying",
        StepState::Done => "done",
        StepState::Skipped => "skipped",
        StepState::Manual => "manual",
        StepState::Failed => "FAILED",
        StepState::Aborted => "aborted",
    }
}

/// One line for a step's current state (the CLI prints it when it changes).
pub fn progress_line(state: &RunState, idx: usize) -> String {
    let s = &state.steps[idx];
    let p = &state.progress[idx];
    let mut line = format!(
        "[{:>6.1}s] {:<7} {:<9} {}",
        state.elapsed.as_secs_f64(),
        s.key,
        state_word(p.state),
        s.title
    );
    if let Some((d, t)) = p.progress {
        line.push_str(&format!(" ({d}/{t})"));
    }
    let why = if p.detail.is_empty() {
        &p.evidence
    } else {
        &p.detail
    };
    if !why.is_empty() {
        line.push_str(&format!(" — {why}"));
    }
    if let Some(t) = p.took
        && p.state.is_final()
    {
        line.push_str(&format!(" [{} ms]", t.as_millis()));
    }
    line
}
