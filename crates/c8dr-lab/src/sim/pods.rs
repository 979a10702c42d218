//! The Kubernetes side of the simulation: pod replacement, StatefulSet and Deployment sizes,
//! and readiness as the chart's probes report it.
//!
//! A deleted or rolled broker pod is replaced (new incarnation, down for [`RESTART`]); a
//! StatefulSet scaled below an ordinal removes that broker's pod; 8.7's Operate/Tasklist
//! Deployments scaled to zero stop the webapps; the Elasticsearch StatefulSet at zero takes
//! the region's Elasticsearch away.

use super::{BrokerId, RESTART, RESTARTING, Sim};

/// Replica counts of a region's workloads.
#[derive(Debug, Clone, PartialEq)]
pub struct Workloads {
    pub zeebe: u32,
    pub elasticsearch: u32,
    /// 8.7's standalone gateway Deployment.
    pub gateway: u32,
    /// 8.7's webapp Deployments.
    pub operate: u32,
    pub tasklist: u32,
    /// Pod replacements of the non-broker pods (part of their uids).
    pub elasticsearch_incarnation: u32,
    pub gateway_incarnation: u32,
}

impl Workloads {
    pub fn new(brokers_per_region: u32) -> Workloads {
        Workloads {
            zeebe: brokers_per_region,
            elasticsearch: 1,
            gateway: 1,
            operate: 1,
            tasklist: 1,
            elasticsearch_incarnation: 0,
            gateway_incarnation: 0,
        }
    }

    pub fn set_webapps(&mut self, on: bool) {
        self.operate = u32::from(on);
        self.tasklist = u32::from(on);
    }
}

/// What a scale request may address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Zeebe,
    /// The zoned StatefulSet beside the numbered one during a zone migration.
    ZeebeZoned,
    Elasticsearch,
    Gateway,
    Operate,
    Tasklist,
}

impl Sim {
    /// The chart's readiness probe: a running broker that is a member (brokers of a recreated
    /// region stay not ready until they are added back).
    pub fn broker_ready(&self, b: BrokerId) -> bool {
        self.reachable(b)
            && self.members.get(&b).is_some_and(|m| {
                m.replicas.is_empty()
                    || m.replicas
                        .values()
                        .any(|r| r.state == c8dr_api::PartitionStateCode::Active)
            })
    }

    /// The pod ordinal of a broker in its region's StatefulSet.
    pub fn ordinal(b: BrokerId) -> u32 {
        b.ordinal()
    }

    /// Replaces a broker's pod: down for [`RESTART`], then back with its data. Returns whether
    /// a pod existed to replace.
    pub fn begin_restart(&mut self, b: BrokerId) -> bool {
        let now = self.now;
        let Some(rt) = self.brokers.get_mut(&b) else {
            return false;
        };
        if rt.scaled_down {
            return false;
        }
        rt.alive = false;
        rt.hung = false;
        rt.stopped_reason = Some(RESTARTING.into());
        rt.restart_until = Some(now + RESTART);
        rt.incarnation += 1;
        rt.since = now;
        true
    }

    pub(super) fn progress_restarts(&mut self) {
        let now = self.now;
        let mut changed = false;
        for rt in self.brokers.values_mut() {
            if rt.restart_until.is_some_and(|t| t <= now) {
                rt.restart_until = None;
                rt.alive = !rt.scaled_down;
                rt.stopped_reason = None;
                changed = true;
            }
        }
        if changed {
            self.elect_all();
            self.notice_removals();
        }
    }

    /// `DELETE …/pods/{name}` of a broker pod.
    pub fn delete_broker_pod(&mut self, b: BrokerId) -> bool {
        let done = self.begin_restart(b);
        self.elect_all();
        done
    }

    /// `DELETE …/pods/{name}` of another pod of the region: it is replaced at once.
    pub fn delete_other_pod(&mut self, r: u8, workload: Workload) {
        let w = &mut self.workloads[r as usize];
        match workload {
            Workload::Elasticsearch => w.elasticsearch_incarnation += 1,
            _ => w.gateway_incarnation += 1,
        }
    }

    /// `PATCH …/{statefulsets|deployments}/{name}/scale`.
    pub fn scale(&mut self, r: u8, workload: Workload, replicas: u32) {
        let now = self.now;
        let camunda = self.settings.camunda;
        let w = &mut self.workloads[r as usize];
        match workload {
            Workload::Zeebe | Workload::ZeebeZoned => {
                let first = workload == Workload::Zeebe;
                if first {
                    w.zeebe = replicas;
                }
                let migration = self.migration;
                let in_set = |b: &BrokerId| first == (!migration || !b.is_zoned());
                for (b, rt) in self
                    .brokers
                    .iter_mut()
                    .filter(|(b, rt)| rt.region == r && in_set(b))
                {
                    let keep = Self::ordinal(*b) < replicas;
                    if !keep && !rt.scaled_down {
                        rt.scaled_down = true;
                        rt.alive = false;
                        rt.restart_until = None;
                        rt.stopped_reason =
                            Some(format!("scaled down (StatefulSet replicas {replicas})"));
                    } else if keep && rt.scaled_down {
                        rt.scaled_down = false;
                        rt.alive = true;
                        rt.stopped_reason = None;
                        rt.incarnation += 1;
                        rt.since = now;
                    }
                }
            }
            Workload::Elasticsearch => w.elasticsearch = replicas,
            Workload::Gateway => w.gateway = replicas,
            Workload::Operate | Workload::Tasklist => {
                if workload == Workload::Operate {
                    w.operate = replicas;
                } else {
                    w.tasklist = replicas;
                }
                if camunda.family87() {
                    let on = w.operate > 0 && w.tasklist > 0;
                    self.webapps[r as usize].active = on;
                    self.webapps[r as usize].target = on;
                }
            }
        }
        self.elect_all();
        self.notice_removals();
    }

    /// The region's Elasticsearch runs (region up and its StatefulSet not at zero).
    pub fn elasticsearch_running(&self, r: u8) -> bool {
        !self.regions[r as usize].failed && self.workloads[r as usize].elasticsearch > 0
    }

    /// The region's gateway answers: 8.7 needs its Deployment; 8.8+ runs it in the brokers.
    pub fn gateway_running(&self, r: u8) -> bool {
        !self.regions[r as usize].failed
            && (!self.settings.camunda.family87() || self.workloads[r as usize].gateway > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Camunda, Settings};
    use std::time::Duration;

    fn sim() -> Sim {
        let settings = Settings {
            camunda: Camunda::V87,
            brokers: 8,
            partitions: 8,
            replication_factor: 4,
        };
        Sim::new(settings, jiff::Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn a_deleted_broker_pod_comes_back_with_its_data() {
        let mut s = sim();
        assert!(s.delete_broker_pod(BrokerId::Numbered(2)));
        assert!(!s.reachable(BrokerId::Numbered(2)));
        assert_eq!(s.brokers[&BrokerId::Numbered(2)].incarnation, 1);
        s.tick(RESTART + Duration::from_millis(10));
        assert!(s.broker_ready(BrokerId::Numbered(2)));
    }

    #[test]
    fn scaling_the_statefulset_stops_and_starts_the_high_ordinals() {
        let mut s = sim();
        s.scale(1, Workload::Zeebe, 2);
        let down: Vec<i32> = s
            .brokers
            .iter()
            .filter(|(_, rt)| rt.scaled_down)
            .filter_map(|(b, _)| b.number())
            .collect();
        assert_eq!(down, vec![5, 7]);
        s.scale(1, Workload::Zeebe, 4);
        assert!(s.brokers.values().all(|rt| rt.alive));
        s.scale(0, Workload::Operate, 0);
        assert!(
            !s.webapps[0].active,
            "8.7: Operate scaled to zero stops the webapps"
        );
    }
}
