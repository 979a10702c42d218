//! A runbook run as its Kubernetes Lease publishes it (issue 17 §1): who runs which procedure
//! for which region, the step it is on, and until when the holder promised to be alive. The
//! run that holds the lease writes it (`crate::act::lease`); every cockpit connected to the
//! cluster reads it, so observers in a war room see the run without sharing a screen. Pure:
//! the conversion from and to the Kubernetes object is `crate::source::lease`.

use crate::api::Region;
use serde::Serialize;
use std::time::Duration;

/// The Lease's name in each region's namespace.
pub const NAME: &str = "c8dr-runbook";

/// What a run's lease says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunLease {
    /// `operator@host`; `None` once the run released it (ended or stopped cleanly).
    pub holder: Option<String>,
    /// The run id (`failover-r1-20261201t060301`): what tells one run from another, since
    /// one person on one host can start two.
    pub run: String,
    /// `failover` or `failback`.
    pub procedure: String,
    /// The region the run is for (the lost one, or the one being brought back).
    pub region: Option<Region>,
    /// That region's name as the configuration of the run's operator calls it.
    pub region_name: String,
    /// The step in progress or last acted on (`FO-2`) and its title.
    pub step: Option<String>,
    pub step_title: Option<String>,
    /// What the run is doing: a step state (`running`, `verifying`, `waiting for approval`,
    /// …) while it lives, its outcome (`completed`, `failed`, `aborted`) or `stopped` after.
    pub state: String,
    #[serde(serialize_with = "ser_time")]
    pub acquired: Option<jiff::Timestamp>,
    #[serde(serialize_with = "ser_time")]
    pub renewed: Option<jiff::Timestamp>,
    /// How long after `renewed` the holder counts as dead.
    #[serde(serialize_with = "ser_secs")]
    pub duration: Option<Duration>,
}

fn ser_time<S: serde::Serializer>(t: &Option<jiff::Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_some(&t.to_string()),
        None => s.serialize_none(),
    }
}

fn ser_secs<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs()),
        None => s.serialize_none(),
    }
}

/// Whether a lease binds anyone at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    /// Held, renewed in time: its run is alive (as far as a clock can tell).
    Live,
    /// Held, but not renewed in time: the holder may have died (or lost its network); taking
    /// it over needs a person to say so.
    Expired,
    /// Released: nobody holds it.
    Released,
}

impl RunLease {
    /// Whether the lease binds anyone at `now`. A held lease without a renewal time or a
    /// duration cannot be proven dead, so it counts as live (never take over on a guess).
    pub fn liveness(&self, now: jiff::Timestamp) -> Liveness {
        if self.holder.as_deref().is_none_or(|h| h.trim().is_empty()) {
            return Liveness::Released;
        }
        let (Some(renewed), Some(duration)) = (self.renewed, self.duration) else {
            return Liveness::Live;
        };
        let until = renewed
            .checked_add(jiff::SignedDuration::try_from(duration).unwrap_or_default())
            .unwrap_or(renewed);
        if now <= until {
            Liveness::Live
        } else {
            Liveness::Expired
        }
    }

    /// "failover of paris in progress by alice@laptop since 06:03:01Z, FO-2 running".
    pub fn sentence(&self, now: jiff::Timestamp) -> String {
        let of = format!("{} of {}", self.procedure, self.region_name);
        let by = self.holder.as_deref().unwrap_or("nobody");
        let since = self
            .acquired
            .map(|t| format!(" since {}", t.strftime("%H:%M:%SZ")))
            .unwrap_or_default();
        let step = match (&self.step, self.state.as_str()) {
            (Some(s), state) => format!(", {s} {state}"),
            (None, state) => format!(", {state}"),
        };
        match self.liveness(now) {
            Liveness::Live => format!("{of} in progress by {by}{since}{step}"),
            Liveness::Expired => format!(
                "{of} by {by}{since}: lease EXPIRED{} (the holder may have died){step}",
                self.renewed
                    .map(|r| format!(", last renewed {}", r.strftime("%H:%M:%SZ")))
                    .unwrap_or_default()
            ),
            Liveness::Released => format!("{of} {} (run {})", self.state, self.run),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: Option<&str>, renewed: &str, secs: u64) -> RunLease {
        RunLease {
            holder: holder.map(str::to_string),
            run: "failover-r1-20261201t060301".into(),
            procedure: "failover".into(),
            region: Some(Region::ONE),
            region_name: "paris".into(),
            step: Some("FO-2".into()),
            step_title: Some("Pause the exporters".into()),
            state: "running".into(),
            acquired: Some("2026-12-01T06:03:01Z".parse().unwrap()),
            renewed: Some(renewed.parse().unwrap()),
            duration: Some(Duration::from_secs(secs)),
        }
    }

    #[test]
    fn a_lease_is_live_until_its_renewal_plus_duration_then_expired() {
        let l = lease(Some("alice@laptop"), "2026-12-01T06:04:00Z", 30);
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        assert_eq!(l.liveness(at("2026-12-01T06:04:30Z")), Liveness::Live);
        assert_eq!(l.liveness(at("2026-12-01T06:04:31Z")), Liveness::Expired);
        assert_eq!(
            l.sentence(at("2026-12-01T06:04:10Z")),
            "failover of paris in progress by alice@laptop since 06:03:01Z, FO-2 running"
        );
        assert!(
            l.sentence(at("2026-12-01T06:05:00Z"))
                .contains("lease EXPIRED, last renewed 06:04:00Z")
        );
    }

    #[test]
    fn a_released_or_unprovable_lease() {
        let mut l = lease(None, "2026-12-01T06:04:00Z", 30);
        l.state = "completed".into();
        let now = "2026-12-01T06:04:10Z".parse().unwrap();
        assert_eq!(l.liveness(now), Liveness::Released);
        assert_eq!(
            l.sentence(now),
            "failover of paris completed (run failover-r1-20261201t060301)"
        );
        let mut l = lease(Some("bob@host"), "2026-12-01T06:04:00Z", 30);
        l.duration = None;
        assert_eq!(
            l.liveness("2030-01-01T00:00:00Z".parse().unwrap()),
            Liveness::Live
        );
    }
}
