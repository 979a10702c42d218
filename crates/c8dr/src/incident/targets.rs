//! The documented recovery targets an incident record measures a run against
//! (dual-region-procedure.md §5 and §6.2, from Camunda's dual-region concept pages): the RTO
//! of the whole failover or failback for the Camunda version. Camunda documents no target per
//! phase or per step, and the record says so rather than inventing one.

use serde::Serialize;

/// What the record says where a per-phase target would go.
pub const NO_PHASE_TARGETS: &str = "Camunda documents no per-phase or per-step targets, only \
    the RTO of the whole procedure; the phases are measured, not judged.";

/// The blueprint's CI ceilings (camunda/c8-multi-region MR workflow): not targets, but the
/// point where Camunda's own tests call a run an error.
pub const CI_CEILINGS: &str = "Camunda's multi-region CI flags a failover over 900 s and a \
    failback over 1500 s as errors.";

/// A documented RTO for one procedure of one Camunda version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    /// As documented, e.g. `< 1 min, excluding DNS and networking`.
    pub text: String,
    /// The limit in milliseconds; for a failback, before the Elasticsearch backup and
    /// restore time X is added.
    pub limit_ms: i64,
    /// The limit adds X, the Elasticsearch backup and restore time (failback).
    pub plus_restore: bool,
    /// Where it is documented, and whether it was read for this very version.
    pub source: String,
}

const MIN: i64 = 60_000;

/// The documented RTO of `procedure` (`failover`, `failback`) for Camunda `version` (`8.8.2`,
/// `8.8`); `None` for a version or procedure without one.
pub fn documented(procedure: &str, version: &str) -> Option<Target> {
    let mut parts = version.trim_start_matches('v').split('.');
    let minor = match (parts.next(), parts.next()) {
        (Some("8"), Some(m)) => m.parse::<u32>().ok()?,
        _ => return None,
    };
    let page =
        |v: &str| format!("Camunda {v} dual-region concept page (dual-region-procedure.md §6.2)");
    let neighbours = |v: &str, from: &str| {
        format!(
            "stated on the Camunda {from} concept pages; the {v} page was not checked (dual-region-procedure.md §5)"
        )
    };
    let (source, failover, failback) = match minor {
        5 => (
            page("8.5"),
            ("15–20 min, excluding DNS", 20 * MIN),
            (
                "25–30 min + X (X = Elasticsearch backup and restore)",
                30 * MIN,
            ),
        ),
        6 | 8 => (
            page(&format!("8.{minor}")),
            ("< 1 min, excluding DNS and networking", MIN),
            ("5 min + X (X = Elasticsearch backup and restore)", 5 * MIN),
        ),
        7 => (
            neighbours("8.7", "8.6 and 8.8"),
            ("< 1 min, excluding DNS and networking", MIN),
            ("5 min + X (X = Elasticsearch backup and restore)", 5 * MIN),
        ),
        9 => (
            neighbours("8.9", "8.8 and next"),
            ("< 1 min", MIN),
            ("5 min + X (X = Elasticsearch backup and restore)", 5 * MIN),
        ),
        m if m >= 10 => (
            "Camunda next dual-region concept page (dual-region-procedure.md §6.2)".to_string(),
            ("< 1 min", MIN),
            ("5 min + X (X = Elasticsearch backup and restore)", 5 * MIN),
        ),
        _ => return None,
    };
    let ((text, limit_ms), plus_restore) = match procedure {
        "failover" => (failover, false),
        "failback" => (failback, true),
        _ => return None,
    };
    Some(Target {
        text: text.to_string(),
        limit_ms,
        plus_restore,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_the_version_and_say_where_they_come_from() {
        let t = documented("failover", "8.8.2").unwrap();
        assert_eq!(t.limit_ms, 60_000);
        assert!(!t.plus_restore && t.source.contains("8.8"));
        let t = documented("failback", "8.6.0").unwrap();
        assert_eq!(t.limit_ms, 300_000);
        assert!(t.plus_restore);
        assert_eq!(documented("failover", "8.5.1").unwrap().limit_ms, 1_200_000);
        assert!(
            documented("failover", "8.7.3")
                .unwrap()
                .source
                .contains("not checked")
        );
        assert!(
            documented("failover", "8.10.0")
                .unwrap()
                .source
                .contains("next")
        );
        assert_eq!(documented("failover", "unknown"), None);
        assert_eq!(documented("upgrade", "8.8.0"), None);
    }
}
