//! Per-region I/O towards a real deployment: HTTP clients with their credentials, a Kubernetes
//! client per context, port-forwards through it, and the DNS lookup for the traffic check;
//! the one table of reads ([`table::READS`]: source → request → parsed reading) that the poll
//! loop, the runbook's fresh reads and the screenshot scenes share; and [`SourceError`], why a
//! read failed, by kind. Nothing here blocks another region.

pub mod dns;
pub mod error;
pub mod forward;
pub mod http;
pub mod kube;
pub mod lease;
pub mod metrics;
pub mod region;
pub mod table;

pub use error::SourceError;
pub use forward::{ForwardTarget, PortForward};
pub use kube::RegionKube;
pub use region::{RegionIo, Target, Traffic, read, timed};
pub use table::{READS, Read, Reading, Update, store};
