//! A body that is JSON but holds a wrong value (issue 17 §2, "errors name the field"): the
//! region's line names the source and the JSON path of the value, never a value's secret.

use super::{cfg, now};
use crate::common::examples_dir;
use c8dr::api::Region;
use c8dr::model::{self, Obs, Snapshot, Source};
use c8dr::source::table;

#[test]
fn a_wrong_value_in_a_topology_is_named_on_its_region_line() {
    let name = "v2-topology-get-region-lost-before-failover-8.8.0-doc.json";
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(examples_dir().join(name)).unwrap()).unwrap();
    *v.pointer_mut("/brokers/2/partitions/0/role").unwrap() = serde_json::json!(["leader"]);
    let body = serde_json::to_vec_pretty(&v).unwrap();
    let err = table::parse(Source::Topology, &body).unwrap_err();
    let mut s = Snapshot::default();
    s.regions[Region::ONE].configured.insert(Source::Topology);
    s.regions[Region::ONE].topology = Some(Obs::failed(now(), err));
    let view = model::derive(&s, &cfg(), now(), None);
    let line = view
        .region(Region::ONE)
        .unwrap()
        .last_error
        .clone()
        .unwrap();
    assert!(
        line.starts_with(
            "REST /v2/topology: unreadable answer: brokers[2].partitions[0].role: invalid type: sequence, expected a string (line "
        ),
        "{line}"
    );
}
