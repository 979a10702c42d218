//! Exporters and exporting (management API, 8.6+ / 8.5+).
//!
//! `GET /actuator/exporters` folds every replica's exporter state into one status per
//! exporter. `POST /actuator/exporting/pause|resume` answers 204/500 up to 8.7 but, per the
//! 8.8 docs, HTTP 200 with a wrapper whose inner `status` says 204 or 500;
//! [`ExportingOutcome::from_response`] accepts both forms (procedure §3.6, §10.2).

use super::open_enum::open_enum;
use serde::{Deserialize, Serialize};

/// One entry of `GET /actuator/exporters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExporterStatus {
    pub exporter_id: String,
    pub status: ExporterStatusCode,
    /// 8.10+: always present (`"default"` on a single-tenant cluster); absent before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_tenant: Option<String>,
}

open_enum! {
    /// The folded status of an exporter across all replicas.
    pub enum ExporterStatusCode {
        Enabling => "ENABLING",
        Enabled => "ENABLED",
        Disabling => "DISABLING",
        Disabled => "DISABLED",
        Unknown => "UNKNOWN",
        ConfigNotFound => "CONFIG_NOT_FOUND",
    }
}

/// Optional body of `POST /actuator/exporters/{id}/enable`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableExporterRequest {
    /// Another exporter of the same type whose position the enabled one starts from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initialize_from: Option<String>,
}

/// The 8.8 wrapper body of `POST /actuator/exporting/pause|resume` (a serialized Spring
/// `WebEndpointResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportingWrapper {
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    pub status: u16,
    #[serde(default)]
    pub content_type: Option<String>,
}

/// What a pause or resume call achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportingOutcome {
    Succeeded,
    /// The cluster refused; `message` is the server's reason when it gave one.
    Failed {
        status: u16,
        message: Option<String>,
    },
}

impl ExportingOutcome {
    /// Interprets an HTTP status and body: 204, or 200 whose wrapper says 204, is success;
    /// anything else, including a 200 wrapper saying 500, is failure.
    pub fn from_response(http_status: u16, body: &[u8]) -> Self {
        let message_of = |v: &serde_json::Value| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        };
        match http_status {
            204 => ExportingOutcome::Succeeded,
            200 => match crate::decode::<ExportingWrapper>(body) {
                Ok(w) if w.status == 204 || w.status == 200 => ExportingOutcome::Succeeded,
                Ok(w) => ExportingOutcome::Failed {
                    status: w.status,
                    message: w.body.as_ref().and_then(message_of),
                },
                Err(e) => ExportingOutcome::Failed {
                    status: 200,
                    message: Some(format!("unreadable answer: {e}")),
                },
            },
            other => ExportingOutcome::Failed {
                status: other,
                message: serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .as_ref()
                    .and_then(message_of),
            },
        }
    }
}

/// `GET /v2/exporting` (8.10, `rest-v2/8.10-dev/exporting.yaml`): the default physical
/// tenant's exporting state folded over every replica of its partitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportingStatusResponse {
    pub status: ExportingStatusCode,
}

open_enum! {
    /// `ExportingStatusCode`: one phase when every replica reports it, else `MIXED` (a pause
    /// or resume in flight or only partly applied).
    pub enum ExportingStatusCode {
        Exporting => "EXPORTING",
        Paused => "PAUSED",
        SoftPaused => "SOFT_PAUSED",
        Mixed => "MIXED",
    }
}

impl ExportingStatusCode {
    /// The spec: "treat only PAUSED and SOFT_PAUSED as confirmation that exporting is paused".
    pub fn confirms_pause(&self) -> bool {
        matches!(self, Self::Paused | Self::SoftPaused)
    }
}

/// The region a dual-region exporter writes to: the digit its id ends with
/// (`camundaregion1`, `elasticsearchregion0`).
pub fn exporter_region(id: &str) -> Option<crate::Region> {
    match id.chars().last() {
        Some('0') => Some(crate::Region::ZERO),
        Some('1') => Some(crate::Region::ONE),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_success_forms_succeed() {
        assert_eq!(
            ExportingOutcome::from_response(204, b""),
            ExportingOutcome::Succeeded
        );
        let wrapped = br#"{"body":null,"status":204,"contentType":null}"#;
        assert_eq!(
            ExportingOutcome::from_response(200, wrapped),
            ExportingOutcome::Succeeded
        );
    }

    #[test]
    fn a_200_saying_500_is_a_failure_with_its_message() {
        let body = br#"{"body":{"message":"Expected 3 members"},"status":500,"contentType":null}"#;
        assert_eq!(
            ExportingOutcome::from_response(200, body),
            ExportingOutcome::Failed {
                status: 500,
                message: Some("Expected 3 members".into())
            }
        );
        assert!(matches!(
            ExportingOutcome::from_response(200, b"<html>"),
            ExportingOutcome::Failed { status: 200, .. }
        ));
        assert_eq!(
            ExportingOutcome::from_response(500, br#"{"message":"no"}"#),
            ExportingOutcome::Failed {
                status: 500,
                message: Some("no".into())
            }
        );
    }

    #[test]
    fn reads_the_v2_exporting_status_of_the_8_10_spec() {
        // rest-v2/8.10-dev/exporting.yaml: no response example; `ExportingStatusCode`'s
        // example is PAUSED, and MIXED is its word for replicas that disagree.
        let r: ExportingStatusResponse = serde_json::from_str(r#"{"status":"PAUSED"}"#).unwrap();
        assert_eq!(r.status, ExportingStatusCode::Paused);
        for (word, code) in [
            ("EXPORTING", ExportingStatusCode::Exporting),
            ("SOFT_PAUSED", ExportingStatusCode::SoftPaused),
            ("MIXED", ExportingStatusCode::Mixed),
        ] {
            let r: ExportingStatusResponse =
                serde_json::from_value(serde_json::json!({ "status": word })).unwrap();
            assert_eq!(r.status, code);
            assert_eq!(
                serde_json::to_value(&r).unwrap(),
                serde_json::json!({ "status": word })
            );
        }
        assert!(!ExportingStatusCode::Mixed.confirms_pause());
        assert!(ExportingStatusCode::SoftPaused.confirms_pause());
    }
}
