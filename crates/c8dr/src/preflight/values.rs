//! The Helm values each region's release is installed with, as the configuration lists them
//! (`[runbook] helm_values`, then `helm_region_values`, paths relative to the configuration
//! file): read once per preflight run, merged the way Helm merges `-f` files (later maps win,
//! key by key; lists and scalars are replaced), so the rules stay pure.

use crate::api::{PerRegion, Region};
use crate::config::Config;
use serde_yaml::Value;

/// One release's merged values, or why they could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum HelmValues {
    Read(Value),
    NotRead(String),
}

impl HelmValues {
    /// The value at a dotted path (`orchestration.partitioning.zone`), when read and present.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let HelmValues::Read(v) = self else {
            return None;
        };
        path.split('.').try_fold(v, |v, k| v.get(k))
    }

    pub fn is_read(&self) -> bool {
        matches!(self, HelmValues::Read(_))
    }
}

/// Both releases' values.
pub fn load(config: &Config) -> PerRegion<HelmValues> {
    let dir = config
        .path
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    PerRegion::from_fn(|r: Region| {
        let mut merged = Value::Mapping(Default::default());
        for file in config.runbook.values_for(r) {
            let path = dir.join(&file);
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => return HelmValues::NotRead(format!("{}: {e}", path.display())),
            };
            match serde_yaml::from_str::<Value>(&text) {
                Ok(v) => merge(&mut merged, v),
                Err(e) => return HelmValues::NotRead(format!("{}: {e}", path.display())),
            }
        }
        HelmValues::Read(merged)
    })
}

/// `over` into `base`, as a later `-f` file overrides an earlier one.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_files_override_key_by_key() {
        let mut base: Value =
            serde_yaml::from_str("a: {b: 1, c: [1, 2]}\nd: x").unwrap_or(Value::Null);
        merge(
            &mut base,
            serde_yaml::from_str("a: {c: [3]}\ne: y").unwrap_or(Value::Null),
        );
        let v = HelmValues::Read(base);
        assert_eq!(v.get("a.b").and_then(Value::as_i64), Some(1));
        assert_eq!(
            v.get("a.c").and_then(Value::as_sequence).map(Vec::len),
            Some(1)
        );
        assert_eq!(v.get("e").and_then(Value::as_str), Some("y"));
        assert!(v.get("a.b.z").is_none());
    }
}
