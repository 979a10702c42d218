//! The Kubernetes state of a region that only its API server shows: what Helm or kubectl
//! changed in the broker StatefulSet's container environment (over the chart's), the
//! persistent volume claims (one `data-<statefulset>-N` per replica, and those an earlier
//! install left behind), and the Secrets (8.9: ECK's `elasticsearch-es-elastic-user` with the
//! region's own password, and the cross-region copies `elasticsearch-es-password-region-0/1`
//! that `sync_elasticsearch_passwords.sh` writes into both namespaces; procedure §4.5).

use super::Sim;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The env FB-1 adds on 8.8+ (value `"false"`) and removes again before FB-2/FB-8 (§4.4).
pub const CREATE_SCHEMA: &str = "CAMUNDA_DATABASE_SCHEMAMANAGER_CREATESCHEMA";

/// ECK's secret with the region's `elastic` password (key `elastic`).
pub const ELASTIC_USER_SECRET: &str = "elasticsearch-es-elastic-user";

/// The copy of region `r`'s password the exporters of both regions read (key `elastic`).
pub fn password_secret(r: u8) -> String {
    format!("elasticsearch-es-password-region-{r}")
}

/// One region's Kubernetes state beyond the simulation's workloads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionKube {
    /// When the region's release was installed (simulated time): a recreate is a new install.
    pub installed: Duration,
    /// Broker container env entries set over the chart's (name → the env entry).
    pub env_set: BTreeMap<String, Value>,
    /// The chart's env entries removed.
    pub env_removed: BTreeSet<String>,
    /// Every claim in the namespace and when it was created (simulated time).
    pub pvcs: BTreeMap<String, Duration>,
    /// Secrets: name → key → value. Values never leave the lab except through the Secret API.
    pub secrets: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
    /// Leases (`coordination.k8s.io/v1`) clients took: name → the object as the API server
    /// shows it, without `resourceVersion` (the API server's store assigns it).
    pub leases: BTreeMap<String, Value>,
    /// Leases created in the namespace so far: a new lease under an old name has a new uid.
    pub leases_created: u64,
}

impl RegionKube {
    /// The broker container's env: the chart's `base`, with what was removed left out and what
    /// was set replacing (or appended after) the chart's entry of the same name.
    pub fn env(&self, base: Vec<Value>) -> Vec<Value> {
        let mut out: Vec<Value> = base
            .into_iter()
            .filter(|e| !self.env_removed.contains(name(e)))
            .map(|e| self.env_set.get(name(&e)).cloned().unwrap_or(e))
            .collect();
        for (n, e) in &self.env_set {
            if !out.iter().any(|x| name(x) == n) {
                out.push(e.clone());
            }
        }
        out
    }

    /// Records `wanted` as the container's whole env, as differences from the chart's `base`.
    pub fn set_env(&mut self, base: &[Value], wanted: &[Value]) {
        self.env_set.clear();
        self.env_removed.clear();
        for b in base {
            match wanted.iter().find(|w| name(w) == name(b)) {
                None => {
                    self.env_removed.insert(name(b).to_string());
                }
                Some(w) if w != b => {
                    self.env_set.insert(name(w).to_string(), w.clone());
                }
                Some(_) => {}
            }
        }
        for w in wanted {
            if !base.iter().any(|b| name(b) == name(w)) {
                self.env_set.insert(name(w).to_string(), w.clone());
            }
        }
    }
}

fn name(e: &Value) -> &str {
    e["name"].as_str().unwrap_or_default()
}

/// The claims a StatefulSet's replicas use (`volumeClaimTemplates` named as the chart names
/// them).
pub fn claims_of(sim: &Sim, r: u8) -> Vec<String> {
    let w = &sim.workloads[r as usize];
    let sts = sim.zeebe_statefulset(r);
    let mut v: Vec<String> = (0..w.zeebe).map(|i| format!("data-{sts}-{i}")).collect();
    // A migration's zoned StatefulSet beside the numbered one.
    v.extend(
        sim.brokers
            .iter()
            .filter(|(b, rt)| rt.region == r && !sim.in_first_statefulset(**b))
            .map(|(b, _)| format!("data-{}", b.pod(crate::kube::objects::RELEASE))),
    );
    if w.elasticsearch > 0 {
        v.push(es_claim(sim));
    }
    v
}

fn es_claim(sim: &Sim) -> String {
    let es = crate::kube::objects::es_names(sim.settings.camunda);
    if sim.settings.camunda >= super::Camunda::V89 {
        format!("elasticsearch-data-{}", es.pod)
    } else {
        format!("data-{}", es.pod)
    }
}

impl Sim {
    /// The initial install of both regions: the claims of every replica.
    pub fn install_kube(&mut self) {
        for r in [0u8, 1] {
            let claims = claims_of(self, r);
            let k = &mut self.kube[r as usize];
            k.installed = Duration::ZERO;
            k.pvcs = claims.into_iter().map(|c| (c, Duration::ZERO)).collect();
        }
    }

    /// 8.9 (ECK): each region's own `elastic` password, its copies synced into both
    /// namespaces as the setup does.
    pub fn install_es_passwords(&mut self, p: [String; 2]) {
        for r in [0u8, 1] {
            self.put_secret(r, ELASTIC_USER_SECRET, &p[r as usize]);
        }
        for ns in [0u8, 1] {
            for r in [0u8, 1] {
                self.put_secret(ns, &password_secret(r), &p[r as usize]);
            }
        }
    }

    /// `sync_elasticsearch_passwords.sh`: every region's ECK password as its copy in both
    /// namespaces.
    pub fn sync_es_passwords(&mut self) {
        for r in [0u8, 1] {
            let Some(p) = self.es_password(r) else {
                continue;
            };
            for ns in [0u8, 1] {
                self.kube[ns as usize].secrets.insert(
                    password_secret(r),
                    BTreeMap::from([("elastic".to_string(), p.clone())]),
                );
            }
        }
    }

    /// A Helm upgrade of region `r`: the broker env is the values' again (the blueprint's,
    /// plus FB-1's temporary schema-manager env when the values still carry it).
    pub fn upgrade_env(&mut self, r: u8, keep_schema_env: bool) {
        let k = &mut self.kube[r as usize];
        let schema = k.env_set.get(CREATE_SCHEMA).cloned();
        k.env_set.clear();
        k.env_removed.clear();
        if let (true, Some(e)) = (keep_schema_env, schema) {
            k.env_set.insert(CREATE_SCHEMA.into(), e);
        }
    }

    fn put_secret(&mut self, r: u8, secret: &str, value: &str) {
        self.kube[r as usize].secrets.insert(
            secret.to_string(),
            BTreeMap::from([("elastic".to_string(), value.as_bytes().to_vec())]),
        );
    }

    /// Region `r`'s Elasticsearch `elastic` password (8.9), from ECK's secret.
    pub fn es_password(&self, r: u8) -> Option<Vec<u8>> {
        self.kube[r as usize]
            .secrets
            .get(ELASTIC_USER_SECRET)
            .and_then(|s| s.get("elastic"))
            .cloned()
    }

    /// A new install in a new namespace: no env changes, only ECK's own secret (the region
    /// keeps its password, so that c8dr's password file stays valid), the claims of the new
    /// replicas, and with `leftover_pvcs` the broker claims of the old install still there
    /// (they are older than the new StatefulSet and hold the old data).
    pub fn reinstall_kube(&mut self, r: u8, leftover_pvcs: bool) {
        let now = self.now;
        let password = self.es_password(r);
        let claims = claims_of(self, r);
        let k = &mut self.kube[r as usize];
        let old = std::mem::take(&mut k.pvcs);
        k.installed = now;
        k.env_set.clear();
        k.env_removed.clear();
        k.secrets.clear();
        // A new namespace: the old one's Leases went with it.
        k.leases.clear();
        if leftover_pvcs {
            k.pvcs = old
                .into_iter()
                .filter(|(n, _)| n.contains("-zeebe-"))
                .collect();
        }
        for c in claims {
            k.pvcs.entry(c).or_insert(now);
        }
        if let Some(p) = password {
            k.secrets.insert(
                ELASTIC_USER_SECRET.into(),
                BTreeMap::from([("elastic".to_string(), p)]),
            );
        }
    }

    /// Deletes a claim. One a replica uses is created again (its pod is replaced and binds a
    /// new, empty claim, as deleting both would): the broker restarts.
    pub fn delete_pvc(&mut self, r: u8, claim: &str) -> bool {
        if self.kube[r as usize].pvcs.remove(claim).is_none() {
            return false;
        }
        if claims_of(self, r).iter().any(|c| c == claim) {
            let now = self.now;
            self.kube[r as usize].pvcs.insert(claim.to_string(), now);
            if let Some(b) = claim
                .strip_prefix("data-")
                .and_then(|pod| self.broker_of_pod(r, pod))
            {
                self.delete_broker_pod(b);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_changes_are_kept_as_differences_from_the_chart() {
        let base = vec![
            json!({"name": "A", "value": "1"}),
            json!({"name": "B", "value": "2"}),
        ];
        let mut k = RegionKube::default();
        let wanted = vec![
            json!({"name": "B", "value": "3"}),
            json!({"name": "C", "value": "false"}),
        ];
        k.set_env(&base, &wanted);
        assert_eq!(k.env(base.clone()), wanted);
        k.set_env(&base, &base);
        assert_eq!(k, RegionKube::default());
    }
}
