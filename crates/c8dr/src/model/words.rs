//! The view's states that `status --json` prints as words: typed enums, so drawing and the
//! verdict `match` on them, while the JSON keeps exactly the words it always had (the schema
//! in `docs/status-json.md` is public).
//!
//! Open enums keep a word c8dr does not know (a newer Camunda's exporter state, say) in
//! `Other`, cleaned of control characters, and print it back unchanged.

use crate::text::clean;

/// Declares a view enum written as one word per variant: `as_str`, `Display`, `Serialize`.
/// Code compares the variants, never the words (only the JSON and the screen see those).
/// With `+ Other` the enum is open: `from_word` keeps unknown words in `Other`.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $word:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// The word `status --json` prints.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $( Self::$variant => $word, )+
                }
            }
        }

        word_enum!(@common $name);
    };
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $word:literal ),+ $(,)? } + Other
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A word c8dr does not know, cleaned for the terminal.
            Other(String),
        }

        impl $name {
            /// The word `status --json` prints.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $word, )+
                    Self::Other(word) => word.as_str(),
                }
            }

            /// The value a word names, spelled exactly; any other word is kept, cleaned.
            pub fn from_word(word: &str) -> Self {
                match word {
                    $( $word => Self::$variant, )+
                    other => Self::Other(clean(other)),
                }
            }
        }

        impl From<&str> for $name {
            fn from(word: &str) -> Self {
                Self::from_word(word)
            }
        }

        word_enum!(@common $name);
    };
    (@common $name:ident) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

word_enum! {
    /// How user traffic is routed (from the configuration).
    pub enum TrafficMode {
        ActivePassive => "active-passive",
        ActiveActive => "active-active",
    }
}

word_enum! {
    /// Whether the partition leaders export, from their exporter phase.
    pub enum Exporting {
        Running => "running",
        Paused => "paused",
        /// Leaders in different phases.
        Mixed => "mixed",
        /// One phase that is neither exporting nor paused.
        Other => "other",
        Unknown => "unknown",
    }
}

word_enum! {
    /// A region's Elasticsearch as the pane shows it: its health colour, or why there is none.
    pub enum ElasticsearchStatus {
        Green => "green",
        Yellow => "yellow",
        Red => "red",
        Unreachable => "unreachable",
        NotConfigured => "not configured",
        Unknown => "unknown",
    } + Other
}

word_enum! {
    /// A replica's role as its broker reports it (never a proof of quorum).
    pub enum ReplicaRole {
        Leader => "leader",
        Follower => "follower",
        Inactive => "inactive",
    } + Other
}

word_enum! {
    /// A replica's health as its broker reports it; a partition shows its worst replica's.
    pub enum ReplicaHealth {
        Healthy => "healthy",
        Unhealthy => "unhealthy",
        Dead => "dead",
        /// No replica to tell.
        Unknown => "unknown",
    } + Other
}

word_enum! {
    /// An exporter's state folded over its replicas (`/actuator/exporters`).
    pub enum ExporterState {
        Enabling => "ENABLING",
        Enabled => "ENABLED",
        Disabling => "DISABLING",
        Disabled => "DISABLED",
        Unknown => "UNKNOWN",
        ConfigNotFound => "CONFIG_NOT_FOUND",
    } + Other
}

word_enum! {
    /// What an exporter's position does, from successive observations of the brokers'
    /// metrics (derived by c8dr, not a state Camunda reports).
    pub enum ExporterFlow {
        /// It moves (or stands still for less than a flush takes).
        Exporting => "exporting",
        /// It stands still, and so does the log: nothing new to export (processing halted,
        /// or no load).
        Idle => "idle",
        /// It stands still while the log grows and its Elasticsearch answers.
        Stuck => "stuck",
        /// It stands still while the log grows and its Elasticsearch does not answer: it
        /// waits for its target (a lost region's exporter, until it is disabled).
        Blocked => "blocked",
        /// It stands still while the log grows, and whether its Elasticsearch answers is not
        /// known (not configured, or not read yet).
        Stalled => "stalled",
        /// Exporting is paused (a backup): standing still is meant.
        Paused => "paused",
        /// Not enabled (`/actuator/exporters`): nothing to judge.
        Disabled => "disabled",
        /// Not observed (long enough) to tell.
        Unknown => "unknown",
    }
}

word_enum! {
    /// A topology change's status (`/actuator/cluster`).
    pub enum ChangeState {
        InProgress => "IN_PROGRESS",
        Completed => "COMPLETED",
        Failed => "FAILED",
        Cancelled => "CANCELLED",
    } + Other
}

/// A rate per second with its sign: "+428/s", "-12/s", and "+0/s" for anything that rounds
/// to nothing (never "-0/s").
pub fn rate_words(r: f64) -> String {
    let r = if r.abs() < 0.5 { 0.0 } else { r };
    format!("{r:+.0}/s")
}

/// Ids as ranges where they run on: "1-8", "1-3, 6".
pub fn id_ranges(ids: &[i32]) -> String {
    let mut out: Vec<String> = vec![];
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j].saturating_add(1) {
            j += 1;
        }
        out.push(if j > i {
            format!("{}-{}", ids[i], ids[j])
        } else {
            ids[i].to_string()
        });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_never_say_minus_zero() {
        assert_eq!(rate_words(-0.3), "+0/s");
        assert_eq!(rate_words(0.4), "+0/s");
        assert_eq!(rate_words(427.6), "+428/s");
        assert_eq!(rate_words(-12.0), "-12/s");
    }

    #[test]
    fn ids_run_into_ranges() {
        assert_eq!(id_ranges(&[1, 2, 3, 4, 5, 6, 7, 8]), "1-8");
        assert_eq!(id_ranges(&[1, 2, 3, 6, 8, 9]), "1-3, 6, 8-9");
        assert_eq!(id_ranges(&[]), "");
    }

    #[test]
    fn words_round_trip_and_unknown_words_are_kept_cleaned() {
        assert_eq!(
            ElasticsearchStatus::from_word("not configured").as_str(),
            "not configured"
        );
        assert_eq!(
            ElasticsearchStatus::from_word("purple\u{1b}"),
            ElasticsearchStatus::Other("purple\\u{1b}".into())
        );
        assert_eq!(
            serde_json::to_string(&ExporterState::ConfigNotFound)
                .ok()
                .as_deref(),
            Some("\"CONFIG_NOT_FOUND\"")
        );
        assert_eq!(
            serde_json::to_string(&TrafficMode::ActiveActive)
                .ok()
                .as_deref(),
            Some("\"active-active\"")
        );
        assert!(ChangeState::Completed.as_str() == "COMPLETED");
        assert_eq!(Exporting::Mixed.to_string(), "mixed");
    }

    #[test]
    fn the_words_drawing_uses_are_the_json_words() {
        use crate::model::view::{Family, Processing};
        let json = |v: serde_json::Value| v.as_str().map(String::from);
        for p in [
            Processing::Active,
            Processing::Degraded,
            Processing::Halted,
            Processing::Unknown,
        ] {
            assert_eq!(json(serde_json::json!(p)).as_deref(), Some(p.as_str()));
        }
        for f in [
            Family::V85,
            Family::V86To87,
            Family::V88Plus,
            Family::Unknown,
        ] {
            assert_eq!(json(serde_json::json!(f)).as_deref(), Some(f.as_str()));
        }
    }
}
