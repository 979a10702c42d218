//! Guided failover and failback (issue 7). So far only the run journal exists: the record of
//! every run that resume, `c8dr journal` and the RTO comparison will read. The procedures, the
//! engine and the executor gate are still to come (see the closing note of the session that
//! added this module).

pub mod journal;
