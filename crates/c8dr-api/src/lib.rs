//! Serde types of the external APIs c8dr speaks, shared by the clients and the lab.
//!
//! Tolerant by design: unknown fields are ignored, unknown enum words are kept (`Other`),
//! fields that depend on the version are optional and timestamps are read leniently. A new
//! Camunda minor must not make c8dr blind. Sources: `shared/reference/api-notes.md` and the
//! specs and payloads in `shared/camunda-api/`.

mod open_enum;

pub mod backups;
pub mod cluster;
pub mod decode;
pub mod elasticsearch;
pub mod error;
pub mod exporters;
pub mod ids;
pub mod metrics;
pub mod partitions;
pub mod region;
pub mod time;
pub mod topology;
pub mod zones;

pub use cluster::*;
pub use decode::{DecodeError, PathSegment, decode};
pub use error::{ErrorBody, ProblemDetail};
pub use exporters::*;
pub use ids::{BrokerId, Zone, ZoneMap};
pub use partitions::*;
pub use region::{PerRegion, Region};
pub use time::Timestamp;
pub use topology::*;
pub use zones::*;
