//! Property tests of the API types (issue 17 §2): every real payload in `fixtures/`, mutated
//! (fields dropped or replaced by random JSON, bytes truncated or flipped), and random input,
//! parsed into every API type. Errors are fine; a panic is not.

use crate::examples_dir;
use c8dr_api::elasticsearch as es;
use c8dr_api::*;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::Value;
use std::sync::OnceLock;

/// A small budget inside `cargo test`; c8dr's bench binary `props` runs many more.
fn config() -> ProptestConfig {
    config_with(64)
}

/// `cases` cases, no persistence files written into the repository.
pub fn config_with(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Every JSON example (REST, management, Elasticsearch, zones), parsed once.
fn examples() -> &'static [(String, Value)] {
    static ALL: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut out = vec![];
        for dir in [examples_dir(), examples_dir().join("../zones/examples")] {
            let mut names: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            names.sort();
            for p in names {
                let text = std::fs::read_to_string(&p).unwrap();
                if let Ok(v) = serde_json::from_str(&text) {
                    out.push((p.display().to_string(), v));
                }
            }
        }
        assert!(out.len() >= 45, "found only {} examples", out.len());
        out
    })
}

/// Parses `bytes` into every API type; none may panic.
fn parse_all(bytes: &[u8]) {
    fn p<T: serde::de::DeserializeOwned>(b: &[u8]) {
        let _ = serde_json::from_slice::<T>(b);
    }
    p::<TopologyResponse>(bytes);
    p::<ClusterTopology>(bytes);
    p::<CompletedChange>(bytes);
    p::<ClusterPatchRequest>(bytes);
    p::<ScaleRequest>(bytes);
    p::<PlannedOperationsResponse>(bytes);
    p::<EnableExporterRequest>(bytes);
    p::<Vec<ExporterStatus>>(bytes);
    p::<ExportingWrapper>(bytes);
    p::<PartitionStatus>(bytes);
    p::<PartitionsResponse>(bytes);
    p::<Vec<backups::BackupInfo>>(bytes);
    p::<backups::BackupInfo>(bytes);
    p::<backups::BackupScheduled>(bytes);
    p::<backups::HistoryBackupScheduled>(bytes);
    p::<es::ClusterHealth>(bytes);
    p::<es::CreateSnapshotRequest>(bytes);
    p::<es::RestoreRequest>(bytes);
    p::<es::RepositoryRequest>(bytes);
    p::<es::GetRepositoryResponse>(bytes);
    p::<es::GetSnapshotsResponse>(bytes);
    p::<es::SnapshotStatusResponse>(bytes);
    p::<es::CatIndex>(bytes);
    p::<Vec<es::CatIndex>>(bytes);
    p::<es::ClusterInfo>(bytes);
}

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just("".to_string()),
            Just("LEADER".to_string()),
            Just("-1".to_string()),
            Just("london-0".to_string()),
            any::<String>(),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("id".to_string()),
                    Just("partitions".to_string()),
                    any::<String>()
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One change to a payload: the node at (index mod node count) is dropped or replaced.
#[derive(Debug, Clone)]
enum Mutation {
    Drop(usize),
    Replace(usize, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        (any::<usize>(), json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
    ]
}

/// How many nodes `v` has (itself included).
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// Applies `m` to the `n`th node of `v` in depth-first order; `n` is counted down as nodes pass.
fn apply(v: &mut Value, n: &mut usize, m: &Mutation) -> bool {
    // Children first decide whether one of them is the target, so a drop removes it from here.
    match v {
        Value::Array(a) => {
            let mut i = 0;
            while i < a.len() {
                if *n == 1 {
                    match m {
                        Mutation::Drop(_) => {
                            a.remove(i);
                        }
                        Mutation::Replace(_, x) => a[i] = x.clone(),
                    }
                    return true;
                }
                *n -= 1;
                if apply(&mut a[i], n, m) {
                    return true;
                }
                i += 1;
            }
        }
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                if *n == 1 {
                    match m {
                        Mutation::Drop(_) => {
                            o.remove(&k);
                        }
                        Mutation::Replace(_, x) => {
                            o.insert(k, x.clone());
                        }
                    }
                    return true;
                }
                *n -= 1;
                if let Some(c) = o.get_mut(&k)
                    && apply(c, n, m)
                {
                    return true;
                }
            }
        }
        _ => {}
    }
    false
}

/// Mutated real payloads (nodes dropped or replaced) into every type.
pub fn check_mutated(config: ProptestConfig) {
    TestRunner::new(config)
        .run(
            &(any::<usize>(), proptest::collection::vec(mutation(), 1..6)),
            |(which, mutations)| {
                let all = examples();
                let (_, original) = &all[which % all.len()];
                let mut v = original.clone();
                for m in &mutations {
                    let total = count(&v);
                    let at = match m {
                        Mutation::Drop(i) | Mutation::Replace(i, _) => *i,
                    };
                    if total > 1 {
                        let mut n = 1 + at % (total - 1);
                        prop_assert!(apply(&mut v, &mut n, m), "the mutation found its node");
                    }
                }
                parse_all(&serde_json::to_vec(&v).unwrap());
                Ok(())
            },
        )
        .unwrap();
}

/// Real payloads with bytes flipped and cut, into every type.
pub fn check_truncated(config: ProptestConfig) {
    TestRunner::new(config)
        .run(
            &(
                any::<usize>(),
                any::<usize>(),
                proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
            ),
            |(which, cut, flips)| {
                let all = examples();
                let (_, original) = &all[which % all.len()];
                let mut bytes = serde_json::to_vec_pretty(original).unwrap();
                for (at, b) in flips {
                    let len = bytes.len();
                    bytes[at % len] ^= b;
                }
                bytes.truncate(cut % (bytes.len() + 1));
                parse_all(&bytes);
                Ok(())
            },
        )
        .unwrap();
}

/// Random bytes and random JSON into every type.
pub fn check_random(config: ProptestConfig) {
    TestRunner::new(config)
        .run(
            &(proptest::collection::vec(any::<u8>(), 0..256), json()),
            |(bytes, value)| {
                parse_all(&bytes);
                parse_all(&serde_json::to_vec(&value).unwrap());
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn mutated_real_payloads_never_panic() {
    check_mutated(config());
}

#[test]
fn truncated_and_flipped_real_payloads_never_panic() {
    check_truncated(config());
}

#[test]
fn random_input_never_panics() {
    check_random(config());
}
