//! What decides a step: the reads it repeats (issue 18 §2). A step's first read and the moment
//! of sending read what its check and its guards look at (and the cluster's changes); while
//! the engine waits for an effect it reads only what the check looks at. So the war room's
//! cluster is not asked for everything on every step, nor ten times a second. Pure: the
//! executor reads what is named here, fresh; what is not named is kept from its last read
//! and decides nothing.

use super::plan::{Action, Check, Guard, RequestKind, Step};
use crate::model::Source;
use std::collections::BTreeSet;

/// The reads a check's verdict depends on; `all` reads everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub all: bool,
    /// Sources of the table, read in both regions (and [`Source::Dns`], the traffic name).
    pub sources: BTreeSet<Source>,
    /// Whether Operate and Tasklist run (Deployments or profiles).
    pub webapps: bool,
    /// The snapshot repository and the run's snapshot.
    pub snapshot: bool,
    /// The Secrets' digests and the namespace's leftovers.
    pub kube: bool,
}

impl Needs {
    pub fn all() -> Needs {
        Needs {
            all: true,
            ..Needs::default()
        }
    }

    pub fn sources(sources: &[Source]) -> Needs {
        Needs {
            sources: sources.iter().copied().collect(),
            ..Needs::default()
        }
    }

    /// The pending and last topology change, the members, the layout.
    pub fn cluster() -> Needs {
        Needs::sources(&[Source::Cluster])
    }

    pub fn with(mut self, other: Needs) -> Needs {
        self.all |= other.all;
        self.sources.extend(other.sources);
        self.webapps |= other.webapps;
        self.snapshot |= other.snapshot;
        self.kube |= other.kube;
        self
    }

    /// What `c`'s verdict is derived from. Whatever is not sure to be narrow (a region's
    /// reachability, processing, which the view derives from every Camunda source) reads all.
    pub fn of(c: &Check) -> Needs {
        use Source::*;
        match c {
            Check::RegionLost(_) | Check::ProcessingActive => Needs::all(),
            Check::BrokersRemoved(_) | Check::ClusterComplete { .. } => Needs::cluster(),
            Check::Exporter { .. } => Needs::sources(&[Exporters, Cluster]),
            Check::TrafficAway(_) => Needs::sources(&[Dns]),
            Check::BrokersListed(_) | Check::LeadersIn(_) => Needs::sources(&[Topology]),
            // Zone membership from the configuration, hosting from the topology.
            Check::ZoneRemoved(_) | Check::ZoneComplete { .. } => {
                Needs::sources(&[Cluster, Topology])
            }
            Check::ElasticsearchUp(_) | Check::ElasticsearchGreen(_) => {
                Needs::sources(&[ElasticsearchHealth])
            }
            Check::WebappsOff(_) | Check::WebappsOn(_) => Needs {
                webapps: true,
                ..Needs::default()
            },
            Check::RepositoryRegistered(_) | Check::SnapshotReady(_) => Needs {
                snapshot: true,
                ..Needs::default()
            },
            Check::Restored(_) => Needs {
                snapshot: true,
                ..Needs::sources(&[ElasticsearchIndices])
            },
            Check::BrokerEnv { .. } => Needs::sources(&[BrokerStatefulSet]),
            Check::PasswordsSynced | Check::NamespaceClean(_) => Needs {
                kube: true,
                ..Needs::default()
            },
            Check::Unobservable => Needs::default(),
            Check::All(v) => v.iter().fold(Needs::default(), |n, c| n.with(Needs::of(c))),
        }
    }
}

impl Needs {
    /// What `g`'s verdict is derived from.
    pub fn of_guard(g: &Guard) -> Needs {
        use Source::*;
        match g {
            // Whether a region answers is decided by Camunda's own endpoints.
            Guard::RegionUnreachable(_) | Guard::RegionReachable(_) => {
                Needs::sources(&[Topology, Cluster, Exporters])
            }
            Guard::BrokersAbsent(_) => Needs::sources(&[Topology]),
            Guard::NoPendingChange | Guard::NoForeignChange => Needs::cluster(),
            Guard::IdsMatchTopology { .. } | Guard::ZoneAbsent(_) | Guard::TopologyIs(_) => {
                Needs::sources(&[Topology, Cluster])
            }
            Guard::NoCamundaIndices(_) => Needs::sources(&[ElasticsearchIndices]),
            Guard::NamespaceClean(_) => Needs {
                kube: true,
                ..Needs::default()
            },
        }
    }

    /// What a step decides on before it acts: its check, its guards, the cluster's changes
    /// (a change request waits for a pending one; the journal records the newest), and for
    /// a snapshot the indices' documents it records.
    pub fn of_step(step: &Step) -> Needs {
        let mut n = step
            .guards
            .iter()
            .fold(Needs::of(&step.check), |n, g| n.with(Needs::of_guard(g)))
            .with(Needs::cluster());
        if let Action::Http(req) = &step.action
            && req.kind() == RequestKind::Snapshot
        {
            n = n.with(Needs::sources(&[Source::ElasticsearchIndices]));
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{BrokerId, Region};

    #[test]
    fn a_wait_for_a_change_reads_the_cluster_only() {
        let n = Needs::of(&Check::BrokersRemoved(vec![BrokerId::Numbered(1)]));
        assert!(!n.all && !n.webapps && !n.snapshot && !n.kube);
        assert_eq!(n.sources, [Source::Cluster].into());
        let e = Needs::of(&Check::Exporter {
            id: "camundaregion1".into(),
            enabled: false,
        });
        assert_eq!(e.sources, [Source::Cluster, Source::Exporters].into());
    }

    #[test]
    fn what_the_view_derives_from_everything_reads_everything() {
        assert!(Needs::of(&Check::RegionLost(Region::ONE)).all);
        assert!(
            Needs::of(&Check::All(vec![
                Check::ElasticsearchUp(Region::ONE),
                Check::ProcessingActive
            ]))
            .all
        );
    }

    #[test]
    fn a_step_reads_what_its_check_and_guards_look_at() {
        let i = crate::runbook::plan::tests_support::inputs_87_failback();
        let steps = crate::runbook::plan::build(&i);
        for s in &steps {
            let n = Needs::of_step(s);
            assert!(n.sources.contains(&Source::Cluster), "{}", s.key);
            for g in &s.guards {
                let g = Needs::of_guard(g);
                assert!(g.sources.is_subset(&n.sources), "{}", s.key);
                assert!(n.kube >= g.kube, "{}", s.key);
            }
        }
        // The failback's snapshot records the survivor's documents before it is taken.
        let snap = steps
            .iter()
            .find(|s| matches!(&s.action, Action::Http(r) if r.kind() == RequestKind::Snapshot))
            .expect("a snapshot step");
        assert!(
            Needs::of_step(snap)
                .sources
                .contains(&Source::ElasticsearchIndices)
        );
    }

    #[test]
    fn a_combined_check_reads_the_union_of_its_parts() {
        let n = Needs::of(&Check::All(vec![
            Check::Restored(Region::ONE),
            Check::ElasticsearchGreen(Region::ONE),
            Check::WebappsOn(Region::ZERO),
        ]));
        assert!(!n.all && n.snapshot && n.webapps && !n.kube);
        assert_eq!(
            n.sources,
            [Source::ElasticsearchHealth, Source::ElasticsearchIndices].into()
        );
        assert_eq!(Needs::of(&Check::Unobservable), Needs::default());
    }
}
