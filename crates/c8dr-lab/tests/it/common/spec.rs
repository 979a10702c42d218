//! Validating JSON against the official OpenAPI specs vendored in `fixtures/camunda-api/`.
//!
//! The specs are the check, not hand-written field lists. OpenAPI 3.0 schemas become JSON
//! Schema (draft 4, whose `$ref` ignores siblings as OpenAPI 3.0 does): `nullable` turns into
//! an explicit null alternative, cross-file refs are rewritten into one document, and `allOf`
//! is merged so that a *strict* mode can forbid properties the spec does not define. Strict
//! mode catches a misspelled field that plain validation would let through.

use super::camunda_api_dir;
use serde_json::{Map, Value, json};
use std::path::Path;

pub fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reading spec {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    } else {
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

fn walk(v: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            f(m);
            for child in m.values_mut() {
                walk(child, f);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| walk(c, f)),
        _ => {}
    }
}

/// `{"…", "nullable": true}` → `{"anyOf": [{"…"}, {"type": "null"}]}`.
fn nullable(v: &mut Value) {
    walk(v, &mut |m| {
        if m.remove("nullable") == Some(Value::Bool(true)) {
            let inner = Value::Object(std::mem::take(m));
            m.insert("anyOf".into(), json!([inner, {"type": "null"}]));
        }
    });
}

/// Points every `$ref` at `#/schemas/<Name>` in the merged document.
fn rewrite_refs(v: &mut Value) {
    walk(v, &mut |m| {
        if let Some(Value::String(r)) = m.get_mut("$ref")
            && let Some(name) = r.rsplit('/').next()
        {
            *r = format!("#/schemas/{name}");
        }
    });
}

/// Merges `allOf: [{$ref}, {properties}]` into one object schema; a lone `allOf: [{$ref}]` to
/// a schema that is no object (an enum, a string) becomes that schema.
fn merge_all_of(v: &mut Value, schemas: &Map<String, Value>) {
    walk(v, &mut |m| {
        let Some(Value::Array(parts)) = m.remove("allOf") else {
            return;
        };
        if let [part] = parts.as_slice()
            && let Some(Value::Object(target)) = part
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .and_then(|n| schemas.get(n))
            && !target.contains_key("properties")
            && target.get("type") != Some(&json!("object"))
        {
            m.extend(target.clone());
            return;
        }
        let mut props = Map::new();
        let mut required = Vec::new();
        for part in parts {
            let resolved = match part.get("$ref").and_then(Value::as_str) {
                Some(r) => r
                    .rsplit('/')
                    .next()
                    .and_then(|n| schemas.get(n))
                    .cloned()
                    .unwrap_or(part),
                None => part,
            };
            if let Some(Value::Object(p)) = resolved.get("properties") {
                props.extend(p.clone());
            }
            if let Some(Value::Array(r)) = resolved.get("required") {
                required.extend(r.clone());
            }
        }
        m.insert("type".into(), json!("object"));
        m.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            m.insert("required".into(), Value::Array(required));
        }
    });
}

/// The REST spec marks `ProblemDetail.instance` (and `type`) `format: uri` while describing
/// `instance` as "a URI path"; real servers send a path such as `/v2/topology`. Checked as
/// a URI reference instead (draft 4 knows no such format, so only the type is checked).
fn uri_references(v: &mut Value) {
    walk(v, &mut |m| {
        if m.get("format") == Some(&json!("uri")) {
            m.insert("format".into(), json!("uri-reference"));
        }
    });
}

/// Forbids properties the spec does not list on every object schema that lists some.
fn strict(v: &mut Value) {
    walk(v, &mut |m| {
        if m.contains_key("properties") && !m.contains_key("additionalProperties") {
            m.insert("additionalProperties".into(), json!(false));
        }
    });
}

/// A compiled schema for one named component.
pub struct Schema {
    name: String,
    validator: jsonschema::Validator,
}

impl Schema {
    fn build(name: &str, mut schemas: Map<String, Value>, strict_mode: bool) -> Schema {
        let mut all = Value::Object(schemas.clone());
        rewrite_refs(&mut all);
        if let Value::Object(m) = &all {
            schemas = m.clone();
        }
        merge_all_of(&mut all, &schemas);
        nullable(&mut all);
        uri_references(&mut all);
        if strict_mode {
            strict(&mut all);
        }
        assert!(all.get(name).is_some(), "schema {name} not in the spec");
        let root = json!({ "$ref": format!("#/schemas/{name}"), "schemas": all });
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&root)
            .unwrap_or_else(|e| panic!("compiling schema {name}: {e}"));
        Schema {
            name: name.into(),
            validator,
        }
    }

    /// Every violation, with where it is.
    pub fn check(&self, instance: &Value) -> Result<(), String> {
        let errors: Vec<String> = self
            .validator
            .iter_errors(instance)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} violations of {}:\n{}\nin {instance}",
                errors.len(),
                self.name,
                errors.join("\n")
            ))
        }
    }

    pub fn assert_valid(&self, instance: &Value) {
        if let Err(e) = self.check(instance) {
            panic!("{e}");
        }
    }
}

/// A schema of the Orchestration Cluster REST API (`"8.8"` single file, `"8.9"` bundle).
pub fn rest_v2(version: &str, name: &str, strict_mode: bool) -> Schema {
    let dir = camunda_api_dir().join("rest-v2").join(version);
    let spec = match version {
        "8.8" => load(&dir.join("rest-api.yaml")),
        _ => load(&dir.join("rest-api.bundle.json")),
    };
    let schemas = spec["components"]["schemas"]
        .as_object()
        .cloned()
        .expect("components.schemas");
    Schema::build(name, schemas, strict_mode)
}

/// A schema of the management API in its 8.8/8.9-era form (`historic/components-d4a292db`)
/// plus the exporter API's own schemas.
pub fn management(name: &str, strict_mode: bool) -> Schema {
    let mgmt = camunda_api_dir().join("management");
    let components = load(&mgmt.join("historic/components-d4a292db/components.yaml"));
    let exporter = load(&mgmt.join("latest-8.10-dev/exporter-api.yaml"));
    let mut schemas = components["schemas"]
        .as_object()
        .cloned()
        .expect("components schemas");
    if let Some(more) = exporter["components"]["schemas"].as_object() {
        schemas.extend(more.clone());
    }
    Schema::build(name, schemas, strict_mode)
}

/// A schema of the 8.10 management API (rc1 and later: zones, `partitioning`, changes,
/// `LEARNER`, `PARTITION_PROMOTE`, `exportingState`, `physicalTenant`), from the docs copy
/// in `fixtures/camunda-api/zones/specs/camunda-docs-api-cluster/` (components and the
/// exporter API).
pub fn management_810(name: &str, strict_mode: bool) -> Schema {
    let dir = camunda_api_dir().join("zones/specs/camunda-docs-api-cluster");
    let components = load(&dir.join("components.yaml"));
    let exporter = load(&dir.join("exporter-api.yaml"));
    let mut schemas = components["schemas"]
        .as_object()
        .cloned()
        .expect("components schemas");
    if let Some(more) = exporter["components"]["schemas"].as_object() {
        schemas.extend(more.clone());
    }
    Schema::build(name, schemas, strict_mode)
}

/// `GET /actuator/exporters` of 8.10: a list of `ExporterStatus` with `physicalTenant`.
pub fn management_810_exporters() -> Schema {
    management_810("ExporterList", false)
}

/// `GET /v2/exporting` of 8.10 (`rest-v2/8.10-dev`, `ExportingStatusResponse`), strict.
pub fn rest_v2_810_exporting() -> Schema {
    rest_v2("8.10-dev", "ExportingStatusResponse", true)
}
