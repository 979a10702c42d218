//! A simulated Elasticsearch per region: Camunda's indices growing with exported records,
//! snapshot repositories, snapshots and restores with Elasticsearch's rules.
//!
//! A snapshot repository is identified by its storage (type plus bucket, location or
//! container and base path), so the same S3 bucket registered in both regions is one store,
//! as in the failback procedure. A region sees snapshots that existed when it registered the
//! repository, and those it took itself: the docs tell operators to register the repository
//! in the recreated region only after the snapshot was taken "otherwise it won't see it".

use c8dr_api::elasticsearch::{ClusterHealth, HealthStatus};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Camunda 8.8's indices, as listed by the snapshot in the 8.8 dual-region docs.
const INDICES_88: &[&str] = &[
    "camunda-authorization-8.8.0_",
    "camunda-correlated-message-subscription-8.8.0_",
    "camunda-group-8.8.0_",
    "camunda-mapping-rule-8.8.0_",
    "camunda-role-8.8.0_",
    "camunda-tenant-8.8.0_",
    "camunda-usage-metric-8.8.0_",
    "camunda-usage-metric-tu-8.8.0_",
    "camunda-user-8.8.0_",
    "camunda-web-session-8.8.0_",
    "operate-batch-operation-1.0.0_",
    "operate-decision-8.3.0_",
    "operate-decision-instance-8.3.0_",
    "operate-decision-requirements-8.3.0_",
    "operate-event-8.3.0_",
    "operate-flownode-instance-8.3.1_",
    "operate-import-position-8.3.0_",
    "operate-incident-8.3.1_",
    "operate-job-8.6.0_",
    "operate-list-view-8.3.0_",
    "operate-message-8.5.0_",
    "operate-metric-8.3.0_",
    "operate-operation-8.4.1_",
    "operate-post-importer-queue-8.3.0_",
    "operate-process-8.3.0_",
    "operate-sequence-flow-8.3.0_",
    "operate-variable-8.3.0_",
    "tasklist-draft-task-variable-8.3.0_",
    "tasklist-form-8.4.0_",
    "tasklist-import-position-8.2.0_",
    "tasklist-metric-8.3.0_",
    "tasklist-task-8.8.0_",
    "tasklist-task-variable-8.3.0_",
];

/// Camunda 8.7's indices (Operate, Tasklist and the Elasticsearch exporter's records).
const INDICES_87: &[&str] = &[
    "operate-batch-operation-1.0.0_",
    "operate-decision-8.3.0_",
    "operate-flownode-instance-8.3.1_",
    "operate-import-position-8.3.0_",
    "operate-incident-8.3.1_",
    "operate-list-view-8.3.0_",
    "operate-operation-8.4.0_",
    "operate-process-8.3.0_",
    "operate-variable-8.3.0_",
    "operate-web-session-1.1.0_",
    "tasklist-draft-task-variable-8.3.0_",
    "tasklist-form-8.4.0_",
    "tasklist-task-8.5.0_",
    "tasklist-web-session-1.1.0_",
    "zeebe-record_job_8.7.0_",
    "zeebe-record_process-instance_8.7.0_",
    "zeebe-record_variable_8.7.0_",
];

/// Where exported records land, in shares of every hundred.
fn hot_indices(family87: bool) -> [(&'static str, u64); 4] {
    if family87 {
        [
            ("zeebe-record_process-instance_8.7.0_", 40),
            ("zeebe-record_job_8.7.0_", 25),
            ("zeebe-record_variable_8.7.0_", 25),
            ("operate-list-view-8.3.0_", 10),
        ]
    } else {
        [
            ("operate-list-view-8.3.0_", 40),
            ("operate-flownode-instance-8.3.1_", 30),
            ("operate-variable-8.3.0_", 20),
            ("tasklist-task-8.8.0_", 10),
        ]
    }
}

/// An Elasticsearch error: HTTP status, ES error type and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsFailure {
    pub status: u16,
    pub kind: &'static str,
    pub reason: String,
}

fn fail(status: u16, kind: &'static str, reason: String) -> EsFailure {
    EsFailure {
        status,
        kind,
        reason,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub uuid: String,
    pub docs: u64,
    /// Sim time until which the index is still being recovered from a snapshot.
    pub restoring_until: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    pub kind: String,
    pub settings: BTreeMap<String, Value>,
    pub uuid: String,
    pub store: String,
    /// Store generation when registered: later snapshots from elsewhere stay unseen.
    pub seen_generation: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub name: String,
    pub uuid: String,
    pub repository: String,
    pub version: String,
    pub indices: BTreeMap<String, u64>,
    pub global_state: bool,
    pub metadata: Option<Value>,
    pub started: Duration,
    pub duration: Duration,
    pub created_in: u8,
    pub generation: u64,
}

impl Snapshot {
    pub fn done(&self, now: Duration) -> bool {
        now >= self.started + self.duration
    }
}

/// Snapshot storage shared by both regions (S3 buckets and the like), keyed by storage.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SnapshotStore {
    pub stores: BTreeMap<String, Vec<Snapshot>>,
    pub generation: u64,
}

/// One region's Elasticsearch.
#[derive(Debug, Clone, PartialEq)]
pub struct Elasticsearch {
    pub region: u8,
    pub version: &'static str,
    pub cluster_uuid: String,
    pub indices: BTreeMap<String, Index>,
    /// Camunda's index templates (part of the global state).
    pub templates: bool,
    pub repositories: BTreeMap<String, Registration>,
    family87: bool,
}

fn uuid() -> String {
    let mut rng = fastrand::Rng::new();
    (0..22)
        .map(|_| {
            let c = rng.alphanumeric();
            if rng.u8(..10) == 0 { '_' } else { c }
        })
        .collect()
}

impl Elasticsearch {
    /// A region's Elasticsearch; with `schema` Camunda's schema exists (indices, templates).
    pub fn new(region: u8, version: &'static str, family87: bool, schema: bool) -> Self {
        let mut es = Elasticsearch {
            region,
            version,
            cluster_uuid: uuid(),
            indices: BTreeMap::new(),
            templates: false,
            repositories: BTreeMap::new(),
            family87,
        };
        if schema {
            es.create_schema();
        }
        es
    }

    /// What Camunda's schema manager does at start-up: templates and empty indices.
    pub fn create_schema(&mut self) {
        self.templates = true;
        let names = if self.family87 {
            INDICES_87
        } else {
            INDICES_88
        };
        for name in names {
            self.indices
                .entry((*name).to_string())
                .or_insert_with(|| Index {
                    uuid: uuid(),
                    docs: 0,
                    restoring_until: None,
                });
        }
    }

    pub fn restoring(&self, now: Duration) -> usize {
        self.indices
            .values()
            .filter(|i| i.restoring_until.is_some_and(|t| t > now))
            .count()
    }

    /// Cluster health: red while restored primaries are still recovering.
    pub fn health(&self, now: Duration) -> ClusterHealth {
        let total = self.indices.len() as u32;
        let initializing = self.restoring(now) as u32;
        let active = total - initializing;
        ClusterHealth {
            cluster_name: format!("camunda-elasticsearch-region{}", self.region),
            status: if initializing > 0 {
                HealthStatus::Red
            } else {
                HealthStatus::Green
            },
            timed_out: false,
            number_of_nodes: 1,
            number_of_data_nodes: 1,
            active_primary_shards: active,
            active_shards: active,
            relocating_shards: 0,
            initializing_shards: initializing,
            unassigned_shards: 0,
            unassigned_primary_shards: Some(0),
            delayed_unassigned_shards: 0,
            number_of_pending_tasks: 0,
            number_of_in_flight_fetch: 0,
            task_max_waiting_in_queue_millis: 0,
            active_shards_percent_as_number: if total == 0 {
                100.0
            } else {
                100.0 * active as f64 / total as f64
            },
        }
    }

    /// Exporters can write: the schema exists and nothing is being restored. From 8.8 the
    /// Camunda exporter also needs the index templates (the global state).
    pub fn writable(&self, now: Duration) -> bool {
        let hot = hot_indices(self.family87);
        hot.iter().all(|(name, _)| self.indices.contains_key(*name))
            && self.restoring(now) == 0
            && (self.family87 || self.templates)
    }

    /// Adds `records` exported documents to the hot indices.
    pub fn write(&mut self, records: u64) {
        for (name, share) in hot_indices(self.family87) {
            if let Some(i) = self.indices.get_mut(name) {
                i.docs += records * share / 100;
            }
        }
    }

    /// `DELETE /{index}`: explicit names only (`action.destructive_requires_name`).
    pub fn delete_indices(&mut self, names: &str) -> Result<Vec<String>, EsFailure> {
        let list: Vec<&str> = names
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if list.iter().any(|n| n.contains('*') || *n == "_all") {
            return Err(fail(
                400,
                "illegal_argument_exception",
                "Wildcard expressions or all indices are not allowed".into(),
            ));
        }
        if let Some(missing) = list.iter().find(|n| !self.indices.contains_key(**n)) {
            return Err(fail(
                404,
                "index_not_found_exception",
                format!("no such index [{missing}]"),
            ));
        }
        for n in &list {
            self.indices.remove(*n);
        }
        Ok(list.into_iter().map(str::to_string).collect())
    }

    /// `PUT /_snapshot/{name}`.
    pub fn register(
        &mut self,
        name: &str,
        kind: &str,
        settings: BTreeMap<String, Value>,
        store: &SnapshotStore,
    ) -> Result<(), EsFailure> {
        let text = |k: &str| settings.get(k).and_then(Value::as_str).map(str::to_string);
        let place = match kind {
            "s3" | "gcs" => text("bucket").ok_or_else(|| {
                fail(
                    500,
                    "repository_exception",
                    format!("[{name}] No bucket defined for {kind} repository"),
                )
            })?,
            "azure" => text("container").unwrap_or_else(|| "elasticsearch-snapshots".into()),
            "fs" => text("location").ok_or_else(|| {
                fail(
                    500,
                    "repository_exception",
                    format!("[{name}] missing location"),
                )
            })?,
            "url" => text("url").unwrap_or_default(),
            other => {
                return Err(fail(
                    500,
                    "repository_exception",
                    format!("[{name}] repository type [{other}] does not exist"),
                ));
            }
        };
        let key = format!("{kind}:{place}/{}", text("base_path").unwrap_or_default());
        let uuid = self
            .repositories
            .get(name)
            .map(|r| r.uuid.clone())
            .unwrap_or_else(uuid);
        self.repositories.insert(
            name.to_string(),
            Registration {
                kind: kind.to_string(),
                settings,
                uuid,
                store: key,
                seen_generation: store.generation,
            },
        );
        Ok(())
    }

    fn registration(&self, repo: &str) -> Result<&Registration, EsFailure> {
        self.repositories.get(repo).ok_or_else(|| {
            fail(
                404,
                "repository_missing_exception",
                format!("[{repo}] missing"),
            )
        })
    }

    /// Snapshots of `repo` this cluster can see.
    pub fn visible<'a>(
        &self,
        repo: &str,
        store: &'a SnapshotStore,
    ) -> Result<Vec<&'a Snapshot>, EsFailure> {
        let reg = self.registration(repo)?;
        Ok(store
            .stores
            .get(&reg.store)
            .map(|snaps| {
                snaps
                    .iter()
                    .filter(|s| s.created_in == self.region || s.generation <= reg.seen_generation)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Snapshots matching `pattern` (`_all`, `*`, names, comma lists, trailing wildcards).
    pub fn find<'a>(
        &self,
        repo: &str,
        pattern: &str,
        store: &'a SnapshotStore,
    ) -> Result<Vec<&'a Snapshot>, EsFailure> {
        let visible = self.visible(repo, store)?;
        let mut found = Vec::new();
        for part in pattern.split(',').map(str::trim) {
            let matching: Vec<&Snapshot> = visible
                .iter()
                .copied()
                .filter(|s| {
                    part == "_all"
                        || part == "*"
                        || s.name == part
                        || part
                            .strip_suffix('*')
                            .is_some_and(|p| s.name.starts_with(p))
                })
                .collect();
            if matching.is_empty() && !part.contains('*') && part != "_all" {
                return Err(fail(
                    404,
                    "snapshot_missing_exception",
                    format!("[{repo}:{part}] is missing"),
                ));
            }
            found.extend(matching);
        }
        Ok(found)
    }

    /// `PUT /_snapshot/{repo}/{name}`: captures the open indices (or `indices`).
    #[allow(clippy::too_many_arguments)]
    pub fn create_snapshot(
        &self,
        repo: &str,
        name: &str,
        indices: Option<Vec<String>>,
        global_state: bool,
        metadata: Option<Value>,
        store: &mut SnapshotStore,
        now: Duration,
    ) -> Result<Snapshot, EsFailure> {
        let reg = self.registration(repo)?.clone();
        if store
            .stores
            .get(&reg.store)
            .is_some_and(|v| v.iter().any(|s| s.name == name))
        {
            return Err(fail(
                400,
                "invalid_snapshot_name_exception",
                format!(
                    "[{repo}:{name}] Invalid snapshot name [{name}], snapshot with the same name already exists"
                ),
            ));
        }
        let chosen: BTreeMap<String, u64> = self
            .indices
            .iter()
            .filter(|(n, _)| {
                indices
                    .as_ref()
                    .is_none_or(|want| want.iter().any(|w| w == *n))
            })
            .map(|(n, i)| (n.clone(), i.docs))
            .collect();
        store.generation += 1;
        let snapshot = Snapshot {
            name: name.to_string(),
            uuid: uuid(),
            repository: repo.to_string(),
            version: self.version.to_string(),
            indices: chosen.clone(),
            global_state: global_state && self.templates,
            metadata,
            started: now,
            duration: Duration::from_secs_f64(0.3 + 0.02 * chosen.len() as f64),
            created_in: self.region,
            generation: store.generation,
        };
        store
            .stores
            .entry(reg.store)
            .or_default()
            .push(snapshot.clone());
        Ok(snapshot)
    }

    /// `DELETE /_snapshot/{repo}/{name}`.
    pub fn delete_snapshot(
        &self,
        repo: &str,
        name: &str,
        store: &mut SnapshotStore,
    ) -> Result<(), EsFailure> {
        let found: Vec<String> = self
            .find(repo, name, store)?
            .iter()
            .map(|s| s.name.clone())
            .collect();
        let key = self.registration(repo)?.store.clone();
        if let Some(v) = store.stores.get_mut(&key) {
            v.retain(|s| !found.contains(&s.name));
        }
        Ok(())
    }

    /// `POST /_snapshot/{repo}/{name}/_restore`: refuses when an open index of the same name
    /// exists (the trap the 8.8+ schema-manager switch prevents). Returns the restored names.
    #[allow(clippy::too_many_arguments)]
    pub fn restore(
        &mut self,
        repo: &str,
        name: &str,
        indices: Option<Vec<String>>,
        rename: Option<(String, String)>,
        global_state: bool,
        store: &SnapshotStore,
        now: Duration,
    ) -> Result<(Vec<String>, Duration), EsFailure> {
        let snaps = self.find(repo, name, store)?;
        let Some(snap) = snaps.first().copied() else {
            return Err(fail(
                404,
                "snapshot_missing_exception",
                format!("[{repo}:{name}] is missing"),
            ));
        };
        if !snap.done(now) {
            return Err(fail(
                503,
                "concurrent_snapshot_execution_exception",
                format!(
                    "[{repo}:{name}/{}] cannot restore a snapshot that is still being taken",
                    snap.uuid
                ),
            ));
        }
        let mut plan = Vec::new();
        for (index, docs) in &snap.indices {
            if indices
                .as_ref()
                .is_some_and(|want| !want.iter().any(|w| w == index))
            {
                continue;
            }
            let target = match &rename {
                Some((pattern, replacement)) => rename_index(index, pattern, replacement),
                None => index.clone(),
            };
            if self.indices.contains_key(&target) {
                return Err(fail(
                    500,
                    "snapshot_restore_exception",
                    format!(
                        "[{repo}:{name}/{}] cannot restore index [{target}] because an open index with same name already exists in the cluster. Either close or delete the existing index or restore the index under a different name by providing a rename pattern and replacement name",
                        snap.uuid
                    ),
                ));
            }
            plan.push((target, *docs));
        }
        let duration = Duration::from_secs_f64(0.5 + 0.03 * plan.len() as f64);
        let until = now + duration;
        let names = plan.iter().map(|(n, _)| n.clone()).collect();
        for (target, docs) in plan {
            self.indices.insert(
                target,
                Index {
                    uuid: uuid(),
                    docs,
                    restoring_until: Some(until),
                },
            );
        }
        if global_state && snap.global_state {
            self.templates = true;
        }
        Ok((names, duration))
    }
}

/// ES's `rename_pattern`/`rename_replacement` for the common `prefix(.+)` → `new$1` form;
/// other patterns leave the name unchanged (the lab does not carry a regex engine).
fn rename_index(index: &str, pattern: &str, replacement: &str) -> String {
    match pattern.strip_suffix("(.+)") {
        Some(prefix) if index.starts_with(prefix) => {
            replacement.replace("$1", &index[prefix.len()..])
        }
        _ => index.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3() -> BTreeMap<String, Value> {
        BTreeMap::from([("bucket".to_string(), Value::from("camunda-backups"))])
    }

    fn register_s3(es: &mut Elasticsearch, store: &SnapshotStore) {
        es.register("camunda_backup", "s3", s3(), store).unwrap();
    }

    /// The failback snapshot of the docs: all indices, with the global state.
    fn snapshot_failback(es: &mut Elasticsearch, store: &mut SnapshotStore) -> Snapshot {
        es.create_snapshot(
            "camunda_backup",
            "failback",
            None,
            true,
            None,
            store,
            Duration::ZERO,
        )
        .unwrap()
    }

    #[test]
    fn a_shared_bucket_carries_snapshots_across_regions() {
        let mut store = SnapshotStore::default();
        let mut survivor = Elasticsearch::new(0, "8.18.0", false, true);
        survivor.write(1000);
        let mut recreated = Elasticsearch::new(1, "8.18.0", false, false);
        register_s3(&mut survivor, &store);
        let snap = snapshot_failback(&mut survivor, &mut store);
        assert_eq!(snap.indices.len(), 33);
        register_s3(&mut recreated, &store);
        let now = Duration::from_secs(5);
        let (restored, _) = recreated
            .restore("camunda_backup", "failback", None, None, true, &store, now)
            .unwrap();
        assert_eq!(restored.len(), 33);
        assert!(!recreated.writable(now), "red while recovering");
        let later = now + Duration::from_secs(5);
        assert!(recreated.writable(later));
        assert_eq!(recreated.indices["operate-list-view-8.3.0_"].docs, 400);
    }

    #[test]
    fn restore_into_an_existing_schema_fails_like_elasticsearch() {
        let mut store = SnapshotStore::default();
        let mut survivor = Elasticsearch::new(0, "8.18.0", false, true);
        // The schema manager ran in the recreated region: Camunda's indices exist.
        let mut recreated = Elasticsearch::new(1, "8.18.0", false, true);
        register_s3(&mut survivor, &store);
        snapshot_failback(&mut survivor, &mut store);
        register_s3(&mut recreated, &store);
        let err = recreated
            .restore(
                "camunda_backup",
                "failback",
                None,
                None,
                true,
                &store,
                Duration::from_secs(9),
            )
            .unwrap_err();
        assert_eq!((err.status, err.kind), (500, "snapshot_restore_exception"));
        assert!(
            err.reason
                .contains("open index with same name already exists")
        );
    }

    #[test]
    fn registering_before_the_snapshot_hides_it() {
        let mut store = SnapshotStore::default();
        let mut survivor = Elasticsearch::new(0, "8.18.0", false, true);
        let mut recreated = Elasticsearch::new(1, "8.18.0", false, false);
        register_s3(&mut survivor, &store);
        register_s3(&mut recreated, &store);
        snapshot_failback(&mut survivor, &mut store);
        assert!(
            recreated
                .find("camunda_backup", "_all", &store)
                .unwrap()
                .is_empty()
        );
        register_s3(&mut recreated, &store);
        assert_eq!(
            recreated
                .find("camunda_backup", "_all", &store)
                .unwrap()
                .len(),
            1
        );
    }
}
