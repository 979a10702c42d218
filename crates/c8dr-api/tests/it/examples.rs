//! Every real Zeebe payload in `fixtures/camunda-api/examples` parses into c8dr's API types,
//! and what it says survives parsing (not just "it did not fail").

use crate::examples_dir;
use c8dr_api::elasticsearch as es;
use c8dr_api::*;

fn read(name: &str) -> String {
    let path = examples_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn parse<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Parses one file into the type its name says it holds. Panics on a Zeebe file no rule
/// covers, so a new example cannot be skipped silently.
fn parse_by_name(name: &str) {
    let text = read(name);
    let r = |res: Result<(), serde_json::Error>| res.unwrap_or_else(|e| panic!("{name}: {e}"));
    let is = |prefix: &str| name.starts_with(prefix);
    if is("v2-topology-get") {
        r(serde_json::from_str::<TopologyResponse>(&text).map(drop));
    } else if is("actuator-cluster-get") {
        r(serde_json::from_str::<ClusterTopology>(&text).map(drop));
    } else if is("actuator-cluster-lastchange") {
        r(serde_json::from_str::<CompletedChange>(&text).map(drop));
    } else if is("actuator-cluster-patch") && name.contains("-request-") {
        r(serde_json::from_str::<ClusterPatchRequest>(&text).map(drop));
    } else if is("actuator-cluster-post-brokers") && name.contains("-request-") {
        r(serde_json::from_str::<ScaleRequest>(&text).map(drop));
    } else if is("actuator-cluster-post") && name.contains("-response-") {
        r(serde_json::from_str::<PlannedOperationsResponse>(&text).map(drop));
    } else if is("actuator-exporters-enable") {
        r(serde_json::from_str::<EnableExporterRequest>(&text).map(drop));
    } else if is("actuator-exporters-get") {
        r(serde_json::from_str::<Vec<ExporterStatus>>(&text).map(drop));
    } else if is("actuator-exporting-") {
        r(serde_json::from_str::<ExportingWrapper>(&text).map(drop));
    } else if is("actuator-partitions-get-single") {
        r(serde_json::from_str::<PartitionStatus>(&text).map(drop));
    } else if is("actuator-partitions-") {
        r(serde_json::from_str::<PartitionsResponse>(&text).map(drop));
    } else if is("actuator-backups-list") {
        r(serde_json::from_str::<Vec<backups::BackupInfo>>(&text).map(drop));
    } else if is("actuator-backups-get") {
        r(serde_json::from_str::<backups::BackupInfo>(&text).map(drop));
    } else if is("actuator-backups-post") {
        r(serde_json::from_str::<backups::BackupScheduled>(&text).map(drop));
    } else if is("actuator-backupHistory-post") {
        r(serde_json::from_str::<backups::HistoryBackupScheduled>(&text).map(drop));
    } else if is("es-cluster-health") {
        r(serde_json::from_str::<es::ClusterHealth>(&text).map(drop));
    } else if is("es-snapshot-create-and-restore-request") {
        r(serde_json::from_str::<es::CreateSnapshotRequest>(&text).map(drop));
        r(serde_json::from_str::<es::RestoreRequest>(&text).map(drop));
    } else if is("es-snapshot-create-repository-request") {
        r(serde_json::from_str::<es::RepositoryRequest>(&text).map(drop));
    } else if is("es-snapshot-create-request") {
        r(serde_json::from_str::<es::CreateSnapshotRequest>(&text).map(drop));
    } else if is("es-snapshot-get-repository-response") {
        r(serde_json::from_str::<es::GetRepositoryResponse>(&text).map(drop));
    } else if is("es-snapshot-get-") {
        r(serde_json::from_str::<es::GetSnapshotsResponse>(&text).map(drop));
    } else if is("es-snapshot-restore-request") {
        r(serde_json::from_str::<es::RestoreRequest>(&text).map(drop));
    } else if is("es-snapshot-status-response") {
        r(serde_json::from_str::<es::SnapshotStatusResponse>(&text).map(drop));
    } else {
        panic!("{name}: no parser rule for this example; add one");
    }
}

#[test]
fn every_example_parses() {
    let mut parsed = 0;
    let mut names: Vec<String> = std::fs::read_dir(examples_dir())
        .expect("examples directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    for name in &names {
        parse_by_name(name);
        parsed += 1;
    }
    assert!(
        parsed >= 45,
        "expected the ~49 examples, found {parsed} in {:?}",
        examples_dir()
    );
}

#[test]
fn region_lost_topology_lists_only_survivors_with_leaders() {
    for name in [
        "v2-topology-get-region-lost-before-failover-8.8.0-doc.json",
        "v2-topology-get-region-lost-before-failover-8.6.0-doc.json",
    ] {
        let t: TopologyResponse = parse(name);
        assert_eq!(t.cluster_size, Some(8), "{name}");
        assert_eq!(t.replication_factor, Some(4), "{name}");
        assert_eq!(t.brokers.len(), 4, "{name}");
        assert!(
            t.brokers
                .iter()
                .all(|b| b.id().parity_region() == Some(c8dr_api::Region::ZERO)),
            "{name}"
        );
        // The trap: leaders are still reported although no partition has quorum.
        let leaders = t
            .brokers
            .iter()
            .flat_map(|b| &b.partitions)
            .filter(|p| p.role == PartitionRole::Leader)
            .count();
        assert!(leaders > 0, "{name}");
    }
}

#[test]
fn after_force_remove_the_topology_reports_rf_2() {
    let t: TopologyResponse = parse("v2-topology-get-after-force-remove-8.8.0-doc.json");
    assert_eq!((t.cluster_size, t.replication_factor), (Some(4), Some(2)));
    assert_eq!(t.gateway_version.as_deref(), Some("8.8.0"));
}

#[test]
fn pending_change_shows_progress_and_operations() {
    let c: ClusterTopology = parse("actuator-cluster-get-pending-change-8.5-doc.json");
    let pending = c.pending_change.as_ref().expect("pending change");
    assert_eq!(pending.status, ChangeStatus::InProgress);
    assert!(
        pending
            .pending
            .iter()
            .any(|o| o.operation == OperationKind::BrokerAdd)
    );
    assert_eq!(
        c.last_change.as_ref().map(|l| l.status.clone()),
        Some(ChangeStatus::Completed)
    );
    assert!(matches!(
        c.brokers[0].last_updated_at,
        Some(Timestamp::At(_))
    ));
}

#[test]
fn instant_min_timestamps_are_read_as_never() {
    let p: PlannedOperationsResponse =
        parse("actuator-cluster-post-brokers-scale-up-response-8.5-doc.json");
    assert_eq!(p.change_id, 2);
    assert!(matches!(
        p.current_topology[0].last_updated_at,
        Some(Timestamp::Never(_))
    ));
    assert!(
        p.planned_changes
            .iter()
            .any(|o| o.operation == OperationKind::PartitionJoin)
    );
}

#[test]
fn lastchange_examples_have_the_documented_ids() {
    let ids: Vec<i64> = [
        "actuator-cluster-lastchange-after-force-remove-8.7-doc.json",
        "actuator-cluster-lastchange-after-exporter-disable-8.7-doc.json",
        "actuator-cluster-lastchange-after-exporter-enable-8.7-doc.json",
    ]
    .iter()
    .map(|n| parse::<CompletedChange>(n).id)
    .collect();
    assert_eq!(ids, vec![2, 4, 6]);
}

#[test]
fn request_bodies_read_both_id_spellings() {
    let keep: ScaleRequest = parse("actuator-cluster-post-brokers-force-request-8.7-doc.json");
    assert_eq!(
        keep,
        vec![
            BrokerId::Numbered(0),
            BrokerId::Numbered(2),
            BrokerId::Numbered(4),
            BrokerId::Numbered(6)
        ]
    );
    let patch: ClusterPatchRequest =
        parse("actuator-cluster-patch-force-remove-brokers-request-8.8-doc.json");
    let remove = patch.brokers.and_then(|b| b.remove).expect("remove list");
    assert_eq!(
        remove,
        vec![
            BrokerId::Numbered(1),
            BrokerId::Numbered(3),
            BrokerId::Numbered(5),
            BrokerId::Numbered(7)
        ]
    );
    let add: ClusterPatchRequest =
        parse("actuator-cluster-patch-add-brokers-rf4-request-8.8-doc.json");
    assert_eq!(add.partitions.and_then(|p| p.replication_factor), Some(4));
    let enable: EnableExporterRequest =
        parse("actuator-exporters-enable-initializeFrom-request-8.8-doc.json");
    assert_eq!(enable.initialize_from.as_deref(), Some("camundaregion0"));
}

#[test]
fn exporter_lists_and_exporting_answers() {
    let list: Vec<ExporterStatus> =
        parse("actuator-exporters-get-dual-region-region1-disabled-8.8-doc.json");
    let r1 = list
        .iter()
        .find(|e| e.exporter_id == "camundaregion1")
        .expect("camundaregion1");
    assert_eq!(r1.status, ExporterStatusCode::Disabled);
    let fail = read("actuator-exporting-pause-response-failure-8.8-doc.json");
    assert!(matches!(
        ExportingOutcome::from_response(200, fail.as_bytes()),
        ExportingOutcome::Failed { status: 500, message: Some(m) } if m.starts_with("Expected 3 members")
    ));
    let ok = read("actuator-exporting-pause-response-success-8.8-doc.json");
    assert_eq!(
        ExportingOutcome::from_response(200, ok.as_bytes()),
        ExportingOutcome::Succeeded
    );
}

#[test]
fn followers_report_nulls_and_leaders_positions() {
    let f: PartitionsResponse =
        parse("actuator-partitions-get-follower-legacy-2021-zeebe-chaos.json");
    assert_eq!(f["1"].role.as_deref(), Some("FOLLOWER"));
    assert_eq!(f["1"].processed_position, None);
    let l: PartitionsResponse =
        parse("actuator-partitions-post-takeSnapshot-leader-legacy-2021-zeebe-chaos.json");
    assert_eq!(l["1"].exporter_phase, Some(ExporterPhase::Exporting));
    assert_eq!(l["1"].exported_position, Some(722841));
}

#[test]
fn steady_state_after_purge_has_exporter_config() {
    let c: ClusterTopology = parse("actuator-cluster-get-steady-after-purge-8.8-doc.json");
    assert!(c.pending_change.is_none());
    let last = c.last_change.as_ref().expect("lastChange");
    assert_eq!((last.id, &last.status), (2, &ChangeStatus::Completed));
}

#[test]
fn elasticsearch_examples_say_what_the_procedure_needs() {
    let snaps: es::GetSnapshotsResponse =
        parse("es-snapshot-get-all-failback-es-8.18.0-camunda-8.8-doc.json");
    let s = &snaps.snapshots[0];
    assert_eq!(
        (s.snapshot.as_str(), s.state.clone()),
        ("failback", es::SnapshotState::Success)
    );
    assert_eq!(s.include_global_state, Some(true));
    assert_eq!(s.indices.len(), 33);
    assert_eq!(s.shards.as_ref().map(|x| x.failed), Some(0));
    let health: es::ClusterHealth = parse("es-cluster-health-get-response.json");
    assert_eq!(health.status, es::HealthStatus::Yellow);
    let create: es::CreateSnapshotRequest = parse("es-snapshot-create-request.json");
    assert_eq!(
        create.indices.map(|i| i.names()),
        Some(vec!["index_1".to_string(), "index_2".to_string()])
    );
    let repo: es::RepositoryRequest = parse("es-snapshot-create-repository-request-s3.json");
    assert_eq!(repo.kind, "s3");
    let status: es::SnapshotStatusResponse = parse("es-snapshot-status-response-ex1.json");
    assert_eq!(status.snapshots[0].shards_stats.done, 1);
    let repos: es::GetRepositoryResponse = parse("es-snapshot-get-repository-response.json");
    assert_eq!(repos["my_repository"].kind, "fs");
}
