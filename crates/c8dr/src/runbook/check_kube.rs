//! The failback's checks of Kubernetes objects, as the procedure asks and the API shows them
//! (dual-region-procedure.md §4.4, §4.5, §9.9–10): the broker StatefulSet's temporary
//! `CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA` env, 8.9's Elasticsearch password copies in
//! both namespaces, and a recreated namespace without claims or pods of an earlier install.
//!
//! Secrets are compared by digest only: their values are never read into the facts, so they
//! cannot reach evidence, logs, the journal or the screen.

use super::check::Eval;
use crate::api::{PerRegion, Region};
use std::collections::BTreeMap;

/// The env FB-1 adds (value `"false"`) on 8.8+ and FB-2/FB-8 need gone (§4.4).
pub const CREATE_SCHEMA: &str = "CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA";

/// ECK's secret with a region's `elastic` password (§2.6).
pub const ELASTIC_USER: &str = "elasticsearch-es-elastic-user";

/// The copy of region `r`'s password the exporters read, in both namespaces (§4.5).
pub fn password_copy(r: Region) -> String {
    format!("elasticsearch-es-password-region-{r}")
}

/// The `secret/key` entries the password check reads in every namespace.
pub fn secret_keys() -> Vec<(String, &'static str)> {
    let mut v = vec![(ELASTIC_USER.to_string(), "elastic")];
    v.extend(Region::BOTH.map(|r| (password_copy(r), "elastic")));
    v
}

/// A region's Kubernetes objects as a failback needs them, read just now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KubeFacts {
    /// The broker container's env (`None`: not read, e.g. no kube context for the region).
    pub env: Option<Result<BTreeMap<String, String>, String>>,
    /// SHA-256 digests of Secret keys by `secret/key` (`Ok(None)`: the secret or key is absent).
    pub secrets: BTreeMap<String, Result<Option<String>, String>>,
    /// Claims and pods older than the release's StatefulSet (`None`: not read).
    pub leftovers: Option<Result<Leftovers, String>>,
}

/// What an earlier install left in a namespace, and where (for the command that removes it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Leftovers {
    pub context: String,
    pub namespace: String,
    /// When the release's broker StatefulSet was created (`None`: there is none yet, so every
    /// claim and pod is a leftover).
    pub installed: Option<String>,
    pub pvcs: Vec<String>,
    pub pods: Vec<String>,
}

fn unknown(e: impl Into<String>) -> Eval {
    Eval {
        met: None,
        progress: None,
        evidence: e.into(),
    }
}

fn eval(met: bool, e: impl Into<String>) -> Eval {
    Eval {
        met: Some(met),
        progress: None,
        evidence: e.into(),
    }
}

/// The broker StatefulSet of `name` sets `var` to `want`, or (`want` `None`) does not set it.
pub fn broker_env(k: &KubeFacts, name: &str, var: &str, want: Option<&str>) -> Eval {
    let env = match &k.env {
        Some(Ok(env)) => env,
        Some(Err(e)) => return unknown(format!("{name}: cannot read the broker StatefulSet: {e}")),
        None => return unknown(format!("{name}: the broker StatefulSet was not read")),
    };
    match (env.get(var), want) {
        (Some(v), Some(w)) if v == w => {
            eval(true, format!("{name}: the brokers' env sets {var}={w}"))
        }
        (Some(v), Some(w)) => eval(
            false,
            format!("{name}: the brokers' env sets {var}={v:?}, not {w:?} (§4.4 FB-1)"),
        ),
        (None, Some(w)) => eval(
            false,
            format!(
                "{name}: the brokers' env lacks {var}={w}: the schema manager would create indices and the restore fail (§4.4 FB-1: add it to orchestration.env before installing)"
            ),
        ),
        (None, None) => eval(
            true,
            format!("{name}: the brokers' env no longer sets {var}"),
        ),
        (Some(v), None) => eval(
            false,
            format!(
                "{name}: the brokers' env still sets {var}={v}: remove it from camunda-values.yml and upgrade this region again (§4.4)"
            ),
        ),
    }
}

/// 8.9: in both namespaces the copy of each region's password matches that region's ECK
/// password (by digest; §4.5 FB-1 "resync the passwords").
pub fn passwords_synced(k: &PerRegion<KubeFacts>, names: &PerRegion<String>) -> Eval {
    let key = |s: &str| format!("{s}/elastic");
    let mut wrong = Vec::new();
    let mut checked = 0;
    for owner in Region::BOTH {
        let source = match k[owner].secrets.get(&key(ELASTIC_USER)) {
            Some(Ok(Some(d))) => d,
            Some(Ok(None)) => {
                wrong.push(format!(
                    "{} has no secret {ELASTIC_USER} (is ECK's Elasticsearch deployed?)",
                    names[owner]
                ));
                continue;
            }
            Some(Err(e)) => {
                return unknown(format!(
                    "{}: cannot read secret {ELASTIC_USER}: {e}",
                    names[owner]
                ));
            }
            None => return unknown(format!("{}: secret {ELASTIC_USER} not read", names[owner])),
        };
        let copy = password_copy(owner);
        for ns in Region::BOTH {
            match k[ns].secrets.get(&key(&copy)) {
                Some(Ok(Some(d))) if d == source => checked += 1,
                Some(Ok(Some(_))) => wrong.push(format!(
                    "{copy} in {} does not match {}'s password",
                    names[ns], names[owner]
                )),
                Some(Ok(None)) => wrong.push(format!("{} has no secret {copy}", names[ns])),
                Some(Err(e)) => {
                    return unknown(format!("{}: cannot read secret {copy}: {e}", names[ns]));
                }
                None => return unknown(format!("{}: secret {copy} not read", names[ns])),
            }
        }
    }
    if wrong.is_empty() {
        eval(
            true,
            format!("the {checked} password copies match each region's Elasticsearch password"),
        )
    } else {
        let mut e = eval(
            false,
            format!(
                "{}: run sync_elasticsearch_passwords.sh (§4.5)",
                wrong.join("; ")
            ),
        );
        e.progress = Some((checked, 4));
        e
    }
}

/// The namespace holds no claims or pods from before the release's StatefulSet (§4 "the
/// recreated region must be clean").
pub fn namespace_clean(k: &KubeFacts, name: &str) -> Eval {
    match &k.leftovers {
        Some(Ok(l)) if l.pvcs.is_empty() && l.pods.is_empty() => eval(
            true,
            format!(
                "{name}: no claims or pods of an earlier install in {}",
                l.namespace
            ),
        ),
        Some(Ok(l)) => eval(false, leftover_words(l, name)),
        Some(Err(e)) => unknown(format!("{name}: cannot list claims and pods: {e}")),
        None => unknown(format!("{name}: claims and pods were not read")),
    }
}

fn leftover_words(l: &Leftovers, name: &str) -> String {
    let when = l
        .installed
        .as_ref()
        .map(|t| format!("older than the StatefulSet (installed {t})"))
        .unwrap_or_else(|| "before any install".into());
    let mut what = Vec::new();
    let mut commands = Vec::new();
    if !l.pvcs.is_empty() {
        what.push(format!("claims {}", l.pvcs.join(", ")));
        commands.push(format!(
            "kubectl --context {} -n {} delete pvc {}",
            l.context,
            l.namespace,
            l.pvcs.join(" ")
        ));
    }
    if !l.pods.is_empty() {
        what.push(format!("pods {}", l.pods.join(", ")));
        commands.push(format!(
            "kubectl --context {} -n {} delete pod {}",
            l.context,
            l.namespace,
            l.pods.join(" ")
        ));
    }
    format!(
        "{name}: {} {when} are left from the old deployment: the brokers would start on its diverged data (§4: start from a clean namespace). Uninstall the release, then remove them: {}, and install again",
        what.join(" and "),
        commands.join(" && ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> KubeFacts {
        KubeFacts {
            env: Some(Ok(pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect())),
            ..Default::default()
        }
    }

    #[test]
    fn the_schema_manager_env_is_read_from_the_statefulset() {
        let set = env(&[(CREATE_SCHEMA, "false")]);
        assert_eq!(
            broker_env(&set, "paris", CREATE_SCHEMA, Some("false")).met,
            Some(true)
        );
        let e = broker_env(&set, "paris", CREATE_SCHEMA, None);
        assert_eq!(e.met, Some(false));
        assert!(e.evidence.contains("still sets") && e.evidence.contains("camunda-values.yml"));
        let unset = env(&[]);
        assert_eq!(
            broker_env(&unset, "paris", CREATE_SCHEMA, None).met,
            Some(true)
        );
        assert_eq!(
            broker_env(&unset, "paris", CREATE_SCHEMA, Some("false")).met,
            Some(false)
        );
        let on = env(&[(CREATE_SCHEMA, "true")]);
        assert_eq!(
            broker_env(&on, "paris", CREATE_SCHEMA, Some("false")).met,
            Some(false)
        );
        let unread = KubeFacts {
            env: Some(Err("HTTP 403".into())),
            ..Default::default()
        };
        assert_eq!(broker_env(&unread, "paris", CREATE_SCHEMA, None).met, None);
        assert_eq!(
            broker_env(&KubeFacts::default(), "paris", CREATE_SCHEMA, None).met,
            None
        );
    }

    fn secrets(entries: &[(&str, Option<&str>)]) -> KubeFacts {
        KubeFacts {
            secrets: entries
                .iter()
                .map(|(k, v)| (format!("{k}/elastic"), Ok(v.map(str::to_string))))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn password_copies_are_compared_by_digest_in_both_namespaces() {
        let names = PerRegion(["london".to_string(), "paris".to_string()]);
        let synced = PerRegion([
            secrets(&[
                (ELASTIC_USER, Some("d0")),
                ("elasticsearch-es-password-region-0", Some("d0")),
                ("elasticsearch-es-password-region-1", Some("d1")),
            ]),
            secrets(&[
                (ELASTIC_USER, Some("d1")),
                ("elasticsearch-es-password-region-0", Some("d0")),
                ("elasticsearch-es-password-region-1", Some("d1")),
            ]),
        ]);
        assert_eq!(passwords_synced(&synced, &names).met, Some(true));
        // Recreated paris: a new namespace without copies, london's copy of paris stale.
        let stale = PerRegion([
            secrets(&[
                (ELASTIC_USER, Some("d0")),
                ("elasticsearch-es-password-region-0", Some("d0")),
                ("elasticsearch-es-password-region-1", Some("old")),
            ]),
            secrets(&[
                (ELASTIC_USER, Some("d1")),
                ("elasticsearch-es-password-region-0", None),
                ("elasticsearch-es-password-region-1", None),
            ]),
        ]);
        let e = passwords_synced(&stale, &names);
        assert_eq!(e.met, Some(false));
        assert!(
            e.evidence.contains(
                "elasticsearch-es-password-region-1 in london does not match paris's password"
            ),
            "{}",
            e.evidence
        );
        assert!(
            e.evidence
                .contains("paris has no secret elasticsearch-es-password-region-0")
        );
        assert!(e.evidence.contains("sync_elasticsearch_passwords.sh"));
        assert!(
            !e.evidence.contains("old") || !e.evidence.contains("d1"),
            "no digests shown"
        );
        let mut unread = synced.clone();
        unread[Region::ONE]
            .secrets
            .insert(format!("{ELASTIC_USER}/elastic"), Err("forbidden".into()));
        assert_eq!(passwords_synced(&unread, &names).met, None);
    }

    #[test]
    fn leftovers_are_named_with_the_command_that_removes_them() {
        let clean = KubeFacts {
            leftovers: Some(Ok(Leftovers {
                context: "eks-paris".into(),
                namespace: "camunda-paris".into(),
                installed: Some("2026-11-30T22:00:00Z".into()),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(namespace_clean(&clean, "paris").met, Some(true));
        let mut dirty = clean.clone();
        if let Some(Ok(l)) = &mut dirty.leftovers {
            l.pvcs = vec!["data-camunda-zeebe-1".into(), "data-camunda-zeebe-3".into()];
            l.pods = vec!["camunda-zeebe-9".into()];
        }
        let e = namespace_clean(&dirty, "paris");
        assert_eq!(e.met, Some(false));
        for part in [
            "data-camunda-zeebe-1, data-camunda-zeebe-3",
            "kubectl --context eks-paris -n camunda-paris delete pvc data-camunda-zeebe-1 data-camunda-zeebe-3",
            "delete pod camunda-zeebe-9",
        ] {
            assert!(e.evidence.contains(part), "{part} in {}", e.evidence);
        }
        assert_eq!(namespace_clean(&KubeFacts::default(), "paris").met, None);
    }
}
