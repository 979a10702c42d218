//! Property tests of the API types (issue 17 §2): every real payload in `fixtures/`, mutated
//! (fields dropped or replaced by random JSON, bytes truncated or flipped), and random input,
//! parsed into every API type. Errors are fine; a panic is not. An error names the field that
//! does not fit (or a parent of it); an enum word c8dr does not know is kept, not refused.

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

// ---------------------------------------------------------------------------------------------
// Errors name the field; unknown values are kept.

use c8dr_api::backups::BackupState;
use c8dr_api::elasticsearch::{HealthStatus, SnapshotState};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A JSON path as `decode` reports it.
type Path = Vec<PathSegment>;

/// An API type: a body read into it (by `decode`) and written back as JSON.
struct Ty {
    name: &'static str,
    read: fn(&[u8]) -> Result<Value, DecodeError>,
}

fn read_as<T: DeserializeOwned + Serialize>(b: &[u8]) -> Result<Value, DecodeError> {
    decode::<T>(b).map(|t| serde_json::to_value(t).unwrap())
}

macro_rules! types {
    ($($t:ty),+ $(,)?) => { vec![$( Ty { name: stringify!($t), read: read_as::<$t> } ),+] };
}

/// Every API type c8dr reads or sends.
fn types() -> &'static [Ty] {
    static ALL: OnceLock<Vec<Ty>> = OnceLock::new();
    ALL.get_or_init(|| {
        types![
            TopologyResponse,
            ClusterTopology,
            CompletedChange,
            ClusterPatchRequest,
            ScaleRequest,
            PlannedOperationsResponse,
            EnableExporterRequest,
            Vec<ExporterStatus>,
            ExportingWrapper,
            ExportingStatusResponse,
            PartitionStatus,
            PartitionsResponse,
            Vec<backups::BackupInfo>,
            backups::BackupInfo,
            backups::BackupScheduled,
            backups::HistoryBackupScheduled,
            ErrorBody,
            ProblemDetail,
            ZoneAddRequest,
            ZoneMigrateRequest,
            PartitioningRequest,
            es::ClusterHealth,
            es::CreateSnapshotRequest,
            es::CreateSnapshotResponse,
            es::RestoreRequest,
            es::RestoreResponse,
            es::RepositoryRequest,
            es::GetRepositoryResponse,
            es::GetSnapshotsResponse,
            es::SnapshotStatusResponse,
            es::CatIndex,
            Vec<es::CatIndex>,
            es::ClusterInfo,
            es::EsErrorBody,
        ]
    })
}

/// Every word of every open enum (`open_enum!`), to tell an enum's value in a payload.
fn known_words() -> Vec<&'static str> {
    [
        BackupState::KNOWN,
        BrokerStateCode::KNOWN,
        PartitionStateCode::KNOWN,
        ExporterStateCode::KNOWN,
        ChangeStatus::KNOWN,
        OperationKind::KNOWN,
        HealthStatus::KNOWN,
        SnapshotState::KNOWN,
        ExporterStatusCode::KNOWN,
        ExportingStatusCode::KNOWN,
        ExporterPhase::KNOWN,
        PartitionRole::KNOWN,
        PartitionHealth::KNOWN,
        PartitioningScheme::KNOWN,
        ClusterMode::KNOWN,
    ]
    .concat()
}

fn is_known(word: &str) -> bool {
    known_words().iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// The value at `path`.
fn at<'a>(v: &'a Value, path: &[PathSegment]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, s| match s {
        PathSegment::Key(k) => v.get(k),
        PathSegment::Index(i) => v.get(i),
        PathSegment::Unknown => None,
    })
}

fn at_mut<'a>(v: &'a mut Value, path: &[PathSegment]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, s| match s {
        PathSegment::Key(k) => v.get_mut(k),
        PathSegment::Index(i) => v.get_mut(i),
        PathSegment::Unknown => None,
    })
}

/// The paths of every leaf: a value that is not a non-empty array or object.
fn leaves(v: &Value, here: &mut Path, out: &mut Vec<Path>) {
    match v {
        Value::Array(a) if !a.is_empty() => {
            for (i, x) in a.iter().enumerate() {
                here.push(PathSegment::Index(i));
                leaves(x, here, out);
                here.pop();
            }
        }
        Value::Object(o) if !o.is_empty() => {
            for (k, x) in o {
                here.push(PathSegment::Key(k.clone()));
                leaves(x, here, out);
                here.pop();
            }
        }
        _ => out.push(here.clone()),
    }
}

/// A real payload with the types it parses into and its leaves.
struct Case {
    file: String,
    value: Value,
    /// Indices into [`types`] of the types the payload parses into as it is.
    types: Vec<usize>,
    leaves: Vec<Path>,
    /// Leaves holding an open enum's word, with the types that read it into a field and write
    /// it back (a type that ignores the field is no evidence).
    enums: Vec<(Path, Vec<usize>)>,
}

fn cases() -> &'static [Case] {
    static ALL: OnceLock<Vec<Case>> = OnceLock::new();
    ALL.get_or_init(|| {
        examples()
            .iter()
            .map(|(file, value)| {
                let bytes = serde_json::to_vec(value).unwrap();
                let read: Vec<(usize, Value)> = types()
                    .iter()
                    .enumerate()
                    .filter_map(|(i, t)| (t.read)(&bytes).ok().map(|v| (i, v)))
                    .collect();
                let mut all = vec![];
                leaves(value, &mut vec![], &mut all);
                let enums = all
                    .iter()
                    .filter_map(|p| {
                        let word = at(value, p)?.as_str().filter(|w| is_known(w))?;
                        let carriers: Vec<usize> = read
                            .iter()
                            .filter(|(_, back)| {
                                at(back, p)
                                    .and_then(Value::as_str)
                                    .is_some_and(|b| b.eq_ignore_ascii_case(word))
                            })
                            .map(|(i, _)| *i)
                            .collect();
                        (!carriers.is_empty()).then(|| (p.clone(), carriers))
                    })
                    .collect();
                Case {
                    file: file.clone(),
                    value: value.clone(),
                    types: read.into_iter().map(|(i, _)| i).collect(),
                    leaves: all,
                    enums,
                }
            })
            .collect()
    })
}

/// The JSON type of a value: null, bool, number, string, array, object.
fn json_type(v: &Value) -> usize {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// A value of JSON type `kind`, or of the next one when `original` has that type.
fn other_type(original: &Value, kind: usize, n: i64, s: String) -> Value {
    let mut kind = kind % 6;
    if kind == json_type(original) {
        kind = (kind + 1) % 6;
    }
    match kind {
        0 => Value::Null,
        1 => Value::Bool(n % 2 == 0),
        2 if n % 3 == 0 => Value::from(n as f64 / 7.0),
        2 => Value::from(n),
        3 => Value::String(s),
        4 => Value::Array(vec![]),
        _ => Value::Object(Default::default()),
    }
}

fn show(p: &[PathSegment]) -> String {
    DecodeError {
        path: p.to_vec(),
        message: String::new(),
        line: 0,
        column: 0,
    }
    .path_text()
}

/// The cases whose error was at exactly the mutated leaf: the property must not hold only
/// because nothing ever failed.
static NAMED_EXACTLY: AtomicUsize = AtomicUsize::new(0);

/// Real payloads with one leaf replaced by a value of another JSON type, read into every type
/// that read the original. The rule: either it still parses, or the error's path is the
/// mutated leaf's path or a prefix of it (the value itself; or an object or array that holds
/// it and is read as a whole: a missing field is its parent's fault, an untagged or flattened
/// value is named as a whole), never a sibling or anything deeper, never a step it cannot name,
/// and the message is not empty.
pub fn check_error_paths(config: ProptestConfig) {
    NAMED_EXACTLY.store(0, Ordering::Relaxed);
    TestRunner::new(config)
        .run(
            &(
                any::<usize>(),
                any::<usize>(),
                0..6usize,
                any::<i64>(),
                prop_oneof![Just(String::new()), "[a-z]{1,8}", any::<String>()],
            ),
            |(which, leaf, kind, n, s)| {
                let all = cases();
                let case = &all[which % all.len()];
                let path = &case.leaves[leaf % case.leaves.len()];
                let mut v = case.value.clone();
                let slot = at_mut(&mut v, path).unwrap();
                *slot = other_type(slot, kind, n, s);
                let bytes = serde_json::to_vec(&v).unwrap();
                for &t in &case.types {
                    let ty = &types()[t];
                    if let Err(e) = (ty.read)(&bytes) {
                        prop_assert!(
                            !e.message.is_empty(),
                            "{}: {}: empty message",
                            case.file,
                            ty.name
                        );
                        prop_assert!(
                            path.starts_with(&e.path),
                            "{} as {}, {} replaced: the error names {:?}: {e}",
                            case.file,
                            ty.name,
                            show(path),
                            e.path_text()
                        );
                        if e.path == *path {
                            NAMED_EXACTLY.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    assert!(
        NAMED_EXACTLY.load(Ordering::Relaxed) > 0,
        "no mutated value was ever named exactly"
    );
}

/// An unknown word: never one an open enum knows, in any case.
fn unknown_word() -> impl Strategy<Value = String> {
    prop_oneof![
        "NEW_[A-Z_]{0,12}",
        "[a-z]{1,10}",
        Just(String::new()),
        any::<String>()
    ]
    .prop_filter("an unknown word", |w| !is_known(w))
}

/// Every open enum's value in the real payloads, replaced by an unknown word: the payload
/// still parses into every type that reads the field, and the field writes back as exactly
/// that word.
pub fn check_unknown_kept(config: ProptestConfig) {
    let with_enums: Vec<&Case> = cases().iter().filter(|c| !c.enums.is_empty()).collect();
    TestRunner::new(config)
        .run(
            &(any::<usize>(), any::<usize>(), unknown_word()),
            |(which, leaf, word)| {
                let case = with_enums[which % with_enums.len()];
                let (path, carriers) = &case.enums[leaf % case.enums.len()];
                kept(case, path, carriers, &word)
            },
        )
        .unwrap();
}

/// `word` at `path` of the case's payload: parsed by every carrier and written back as is.
fn kept(case: &Case, path: &Path, carriers: &[usize], word: &str) -> Result<(), TestCaseError> {
    let mut v = case.value.clone();
    *at_mut(&mut v, path).unwrap() = Value::String(word.to_string());
    let bytes = serde_json::to_vec(&v).unwrap();
    for &t in carriers {
        let ty = &types()[t];
        match (ty.read)(&bytes) {
            Ok(back) => prop_assert_eq!(
                at(&back, path).and_then(Value::as_str),
                Some(word),
                "{} as {}: {} written back otherwise",
                &case.file,
                ty.name,
                show(path)
            ),
            Err(e) => prop_assert!(
                false,
                "{} as {}: {word:?} at {} refused: {e}",
                case.file,
                ty.name,
                show(path)
            ),
        }
    }
    Ok(())
}

#[test]
fn a_wrong_value_is_named_by_its_path_or_a_parent() {
    check_error_paths(config());
}

#[test]
fn unknown_enum_words_in_real_payloads_are_kept() {
    check_unknown_kept(config());
}

/// Not random: every enum value in every real payload once, so none is skipped by chance.
#[test]
fn every_enum_value_in_the_real_payloads_may_be_unknown() {
    let mut fields = 0;
    let mut found: Vec<String> = vec![];
    for case in cases() {
        for (path, carriers) in &case.enums {
            kept(case, path, carriers, "NEW_IN_A_LATER_VERSION").unwrap();
            fields += 1;
            let last = path.last().map(|s| show(std::slice::from_ref(s)));
            found.extend(last);
        }
    }
    found.sort();
    found.dedup();
    // The enum fields the real payloads hold (so a change in how they are found shows).
    for f in [
        "role",
        "health",
        "state",
        "status",
        "operation",
        "exporterPhase",
    ] {
        assert!(
            found.iter().any(|x| x == f),
            "no {f} field found among {found:?}"
        );
    }
    assert!(fields >= 100, "only {fields} enum values found");
}

/// Every open enum keeps an unknown word: parsed, displayed and written back as it came.
#[test]
fn every_open_enum_keeps_and_shows_an_unknown_word() {
    fn check<E>(word: &str, parse: fn(&str) -> E, other: fn(String) -> E)
    where
        E: DeserializeOwned + Serialize + std::fmt::Display + PartialEq + std::fmt::Debug,
    {
        let e: E = serde_json::from_value(Value::String(word.into())).unwrap();
        assert_eq!(e, other(word.into()));
        assert_eq!(parse(word), e);
        assert_eq!(e.to_string(), word);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            Value::String(word.into())
        );
    }
    macro_rules! each {
        ($word:expr; $($e:ident),+) => {{
            let mut n = 0;
            $( check::<$e>($word, $e::parse, $e::Other); n += 1; )+
            n
        }};
    }
    let listed = std::cell::Cell::new(0);
    TestRunner::new(config())
        .run(&unknown_word(), |w| {
            listed.set(each!(&w;
                BackupState, BrokerStateCode, PartitionStateCode, ExporterStateCode, ChangeStatus,
                OperationKind, HealthStatus, SnapshotState, ExporterStatusCode,
                ExportingStatusCode, ExporterPhase, PartitionRole, PartitionHealth,
                PartitioningScheme, ClusterMode));
            Ok(())
        })
        .unwrap();
    // Every `open_enum!` in the crate is listed here (and in `known_words`).
    let src = crate::examples_dir().join("../../../crates/c8dr-api/src");
    let declared: usize = std::fs::read_dir(&src)
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .map(|text| text.matches("\nopen_enum! {").count())
        .sum();
    assert_eq!(
        listed.get(),
        declared,
        "an open enum is missing from this test"
    );
}
