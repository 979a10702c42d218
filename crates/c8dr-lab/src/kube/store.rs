//! Resource versions and watch events for one region's API server.
//!
//! Objects are rendered from the simulation on demand; the store compares each rendering
//! with the last one, assigns a new `resourceVersion` to what changed and keeps the events
//! (ADDED / MODIFIED / DELETED) that watches replay from a given version. A pod replaced under
//! the same name (new uid) is a DELETED followed by an ADDED, as a StatefulSet makes it.

use super::objects::{Kind, Rendered};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

const KEEP_EVENTS: usize = 5000;

#[derive(Debug, Clone)]
struct Stored {
    uid: String,
    plain: Value,
    value: Value,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub rv: u64,
    pub kind: Kind,
    pub kind_of_event: &'static str,
    pub object: Value,
}

#[derive(Debug, Default)]
pub struct Store {
    rv: u64,
    objects: BTreeMap<(Kind, String), Stored>,
    events: VecDeque<Event>,
}

fn with_rv(mut v: Value, rv: u64) -> Value {
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
    v
}

impl Store {
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    fn push(&mut self, kind: Kind, kind_of_event: &'static str, object: Value) {
        self.events.push_back(Event {
            rv: self.rv,
            kind,
            kind_of_event,
            object,
        });
        while self.events.len() > KEEP_EVENTS {
            self.events.pop_front();
        }
    }

    /// Takes a fresh rendering of every object and records what changed.
    pub fn sync(&mut self, rendered: Vec<Rendered>) {
        let mut seen = std::collections::BTreeSet::new();
        for r in rendered {
            let key = (r.kind, r.name.clone());
            seen.insert(key.clone());
            match self.objects.get(&key) {
                Some(old) if old.uid == r.uid && old.plain == r.value => {}
                Some(old) if old.uid != r.uid => {
                    self.rv += 1;
                    let gone = with_rv(old.value.clone(), self.rv);
                    self.push(r.kind, "DELETED", gone);
                    self.rv += 1;
                    let value = with_rv(r.value.clone(), self.rv);
                    self.push(r.kind, "ADDED", value.clone());
                    self.objects.insert(
                        key,
                        Stored {
                            uid: r.uid,
                            plain: r.value,
                            value,
                        },
                    );
                }
                existing => {
                    let event = if existing.is_some() {
                        "MODIFIED"
                    } else {
                        "ADDED"
                    };
                    self.rv += 1;
                    let value = with_rv(r.value.clone(), self.rv);
                    self.push(r.kind, event, value.clone());
                    self.objects.insert(
                        key,
                        Stored {
                            uid: r.uid,
                            plain: r.value,
                            value,
                        },
                    );
                }
            }
        }
        let gone: Vec<(Kind, String)> = self
            .objects
            .keys()
            .filter(|k| !seen.contains(*k))
            .cloned()
            .collect();
        for key in gone {
            if let Some(old) = self.objects.remove(&key) {
                self.rv += 1;
                let value = with_rv(old.value, self.rv);
                self.push(key.0, "DELETED", value);
            }
        }
    }

    pub fn list(&self, kind: Kind) -> Vec<Value> {
        self.objects
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|(_, s)| s.value.clone())
            .collect()
    }

    pub fn get(&self, kind: Kind, name: &str) -> Option<Value> {
        self.objects
            .get(&(kind, name.to_string()))
            .map(|s| s.value.clone())
    }

    /// Events of `kind` after `rv`; `None` when they are no longer kept (410 Gone).
    pub fn events_since(&self, kind: Kind, rv: u64) -> Option<Vec<Event>> {
        if let Some(first) = self.events.front()
            && rv + 1 < first.rv
            && rv < self.rv
        {
            return None;
        }
        Some(
            self.events
                .iter()
                .filter(|e| e.rv > rv && e.kind == kind)
                .cloned()
                .collect(),
        )
    }
}

/// A parsed `labelSelector`: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// Splits on commas outside parentheses.
fn split_top(s: &str) -> Vec<String> {
    let (mut parts, mut depth, mut cur) = (vec![], 0, String::new());
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    parts
}

pub fn parse_selector(s: &str) -> Result<Vec<Requirement>, String> {
    let mut out = vec![];
    for part in split_top(s)
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        let set = |op: &str| -> Option<(String, Vec<String>)> {
            let (k, rest) = part.split_once(op)?;
            let list = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
            Some((
                k.trim().into(),
                list.split(',').map(|v| v.trim().to_string()).collect(),
            ))
        };
        let req = if let Some((k, v)) = set(" notin ") {
            Requirement::NotIn(k, v)
        } else if let Some((k, v)) = set(" in ") {
            Requirement::In(k, v)
        } else if let Some((k, v)) = part.split_once("!=") {
            Requirement::NotEquals(k.trim().into(), v.trim().into())
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            Requirement::Equals(k.trim().into(), v.trim().into())
        } else if let Some(k) = part.strip_prefix('!') {
            Requirement::NotExists(k.trim().into())
        } else if part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "./-_".contains(c))
        {
            Requirement::Exists(part.into())
        } else {
            return Err(format!("unable to parse requirement: {part:?}"));
        };
        out.push(req);
    }
    Ok(out)
}

pub fn matches(labels: &Value, reqs: &[Requirement]) -> bool {
    let get = |k: &str| labels.get(k).and_then(Value::as_str);
    reqs.iter().all(|r| match r {
        Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
        Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
        Requirement::Exists(k) => get(k).is_some(),
        Requirement::NotExists(k) => get(k).is_none(),
        Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
        Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors_of_every_form() {
        let labels = json!({"app.kubernetes.io/component": "zeebe-broker", "tier": "a"});
        for (sel, want) in [
            ("app.kubernetes.io/component=zeebe-broker", true),
            ("app.kubernetes.io/component==zeebe-broker,tier=a", true),
            ("app.kubernetes.io/component!=zeebe-broker", false),
            ("tier", true),
            ("!tier", false),
            ("tier in (a, b)", true),
            ("tier notin (a)", false),
        ] {
            assert_eq!(
                matches(&labels, &parse_selector(sel).unwrap()),
                want,
                "{sel}"
            );
        }
        assert!(parse_selector("a b c").is_err());
    }

    fn rendered(name: &str, uid: &str, v: i64) -> Rendered {
        Rendered {
            kind: Kind::Pod,
            name: name.into(),
            uid: uid.into(),
            value: json!({"metadata": {"name": name}, "v": v}),
        }
    }

    #[test]
    fn changes_become_events_and_replacements_delete_then_add() {
        let mut s = Store::default();
        s.sync(vec![rendered("a", "1", 0)]);
        let rv = s.resource_version();
        s.sync(vec![rendered("a", "1", 0)]);
        assert_eq!(s.resource_version(), rv, "nothing changed");
        s.sync(vec![rendered("a", "1", 1)]);
        s.sync(vec![rendered("a", "2", 1)]);
        let kinds: Vec<&str> = s
            .events_since(Kind::Pod, rv)
            .unwrap()
            .iter()
            .map(|e| e.kind_of_event)
            .collect();
        assert_eq!(kinds, vec!["MODIFIED", "DELETED", "ADDED"]);
        s.sync(vec![]);
        assert!(s.list(Kind::Pod).is_empty());
    }
}
