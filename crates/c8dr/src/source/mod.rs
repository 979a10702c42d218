//! Per-region I/O towards a real deployment: a Kubernetes client per context, port-forwards
//! through it, and the DNS lookup for the traffic check. Everything here names the region and
//! the source in its errors, and nothing blocks another region.

pub mod dns;
pub mod forward;
pub mod http;
pub mod kube;

pub use forward::{ForwardTarget, PortForward};
pub use kube::RegionKube;
