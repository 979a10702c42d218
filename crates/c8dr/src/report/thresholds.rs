//! `c8dr check`'s thresholds: warning and critical ranges for the export lag and the data
//! age, in the monitoring-plugin range syntax (`10` alerts outside 0..10, `10:` below 10,
//! `~:10` above 10, `10:20` outside, `@10:20` inside). They can only raise the verdict's
//! level, never lower it: a lost region is CRITICAL whatever the lag.

use crate::model::{ClusterView, Level};
use nagios_range::NagiosRange;

/// A range as typed (for the performance data) and as parsed.
#[derive(Debug, Clone)]
pub struct Range {
    pub text: String,
    range: NagiosRange,
}

impl Range {
    /// Whether `v` raises an alert.
    pub fn alerts(&self, v: f64) -> bool {
        self.range.check(v)
    }
}

impl std::str::FromStr for Range {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let range = NagiosRange::from(s)
            .map_err(|e| format!("{e} (ranges look like 10, 10:, ~:10, 10:20 or @10:20)"))?;
        // Rust reads "NaN" and "inf" as numbers; a range with NaN never alerts.
        let (_, start, end) = range.into_inner();
        if start.is_nan() || end.is_nan() {
            return Err("NaN is not a bound".into());
        }
        Ok(Range {
            text: s.to_string(),
            range,
        })
    }
}

/// The thresholds on the command line.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Args {
    /// Export lag (log positions not yet exported) that raises WARNING.
    #[arg(long, value_name = "RANGE")]
    pub lag_warning: Option<Range>,
    /// Export lag that raises CRITICAL.
    #[arg(long, value_name = "RANGE")]
    pub lag_critical: Option<Range>,
    /// Age in seconds of a region's newest answer that raises WARNING.
    #[arg(long, value_name = "RANGE")]
    pub age_warning: Option<Range>,
    /// Age in seconds of a region's newest answer that raises CRITICAL.
    #[arg(long, value_name = "RANGE")]
    pub age_critical: Option<Range>,
}

/// What the thresholds say about a view: the level they raise, their reasons, and the
/// warning/critical fields of each measured value's performance data.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub level: Level,
    pub reasons: Vec<String>,
}

/// The export lag the thresholds judge: the largest of any exporter on any partition (from
/// the brokers' metrics), named; else the leaders' largest from `/actuator/partitions`.
fn worst_lag(v: &ClusterView) -> (String, Option<f64>) {
    let worst = v
        .exporters
        .iter()
        .flat_map(|x| x.partitions.iter().map(move |p| (x, p)))
        .filter_map(|(x, p)| p.lag.map(|l| (l, x, p.id)))
        .max_by_key(|(l, _, _)| *l);
    match worst {
        Some((l, x, p)) => (
            format!("export lag of {} on partition {p}", x.id),
            Some(l as f64),
        ),
        None => ("export lag".to_string(), v.export.lag.map(|l| l as f64)),
    }
}

/// How bad a level is for the combined result: a threshold's UNKNOWN (the value could not
/// be measured) must not hide a CRITICAL.
fn severity(l: Level) -> u8 {
    match l {
        Level::Ok => 0,
        Level::Warning => 1,
        Level::Unknown => 2,
        Level::Critical => 3,
    }
}

/// The worse of two levels.
pub fn worse(a: Level, b: Level) -> Level {
    if severity(b) > severity(a) { b } else { a }
}

/// One measured value against its pair of ranges.
fn judge(
    what: &str,
    value: Option<f64>,
    unit: &str,
    warning: Option<&Range>,
    critical: Option<&Range>,
    out: &mut Judgement,
) {
    if warning.is_none() && critical.is_none() {
        return;
    }
    let Some(v) = value else {
        out.level = worse(out.level, Level::Unknown);
        out.reasons
            .push(format!("{what} unknown: its thresholds cannot be checked"));
        return;
    };
    let shown = if unit.is_empty() {
        format!("{v:.0}")
    } else {
        format!("{v:.1}{unit}")
    };
    if let Some(c) = critical.filter(|c| c.alerts(v)) {
        out.level = worse(out.level, Level::Critical);
        out.reasons
            .push(format!("{what} {shown} (critical range {})", c.text));
    } else if let Some(w) = warning.filter(|w| w.alerts(v)) {
        out.level = worse(out.level, Level::Warning);
        out.reasons
            .push(format!("{what} {shown} (warning range {})", w.text));
    }
}

impl Args {
    pub fn any(&self) -> bool {
        self.lag_warning.is_some()
            || self.lag_critical.is_some()
            || self.age_warning.is_some()
            || self.age_critical.is_some()
    }

    /// The thresholds' judgement of `v`.
    pub fn judge(&self, v: &ClusterView) -> Judgement {
        let mut out = Judgement {
            level: Level::Ok,
            reasons: vec![],
        };
        let (what, lag) = worst_lag(v);
        judge(
            &what,
            lag,
            "",
            self.lag_warning.as_ref(),
            self.lag_critical.as_ref(),
            &mut out,
        );
        for r in &v.regions {
            judge(
                &format!("region {} ({}) data age", r.id, r.name),
                r.data_age_s,
                "s",
                self.age_warning.as_ref(),
                self.age_critical.as_ref(),
                &mut out,
            );
        }
        out
    }

    /// The `;warn;crit` part of a performance datum.
    pub fn perf(warning: Option<&Range>, critical: Option<&Range>) -> String {
        let t = |r: Option<&Range>| r.map_or(String::new(), |r| r.text.clone());
        format!(";{};{}", t(warning), t(critical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> Range {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn ranges_alert_as_the_plugin_guidelines_say() {
        // (range, value, alerts)
        for (r, v, alerts) in [
            ("10", 11.0, true),
            ("10", 10.0, false),
            ("10", -1.0, true),
            ("10:", 9.0, true),
            ("10:", 10.0, false),
            ("~:10", 11.0, true),
            ("~:10", -100.0, false),
            ("10:20", 21.0, true),
            ("10:20", 15.0, false),
            ("@10:20", 15.0, true),
            ("@10:20", 21.0, false),
        ] {
            assert_eq!(range(r).alerts(v), alerts, "{r} with {v}");
        }
    }

    #[test]
    fn nonsense_ranges_are_refused_with_the_syntax() {
        for bad in ["", "abc", "20:10", "NaN", "@", "1:NaN"] {
            let e = bad.parse::<Range>().err();
            assert!(e.is_some(), "{bad:?} accepted");
        }
        let e = "x".parse::<Range>().err().unwrap_or_default();
        assert!(e.contains("10:20"), "{e}");
    }

    #[test]
    fn the_worse_level_wins_and_unknown_never_hides_critical() {
        assert_eq!(worse(Level::Critical, Level::Unknown), Level::Critical);
        assert_eq!(worse(Level::Warning, Level::Unknown), Level::Unknown);
        assert_eq!(worse(Level::Ok, Level::Warning), Level::Warning);
    }
}
