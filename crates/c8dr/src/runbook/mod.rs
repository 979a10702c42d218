//! Guided failover and failback (issue 7): the procedures as data ([`plan`]), their checks and
//! guards ([`check`]), the engine that walks them ([`engine`]), the one gate every mutating
//! call passes ([`gate`]) with its audit trail ([`audit`]), the run journal resume stands on
//! ([`journal`]), the executor over the real clients ([`live`]) and the text views ([`render`]).

pub mod answer;
pub mod audit;
pub mod check;
pub mod engine;
pub mod gate;
pub mod journal;
pub mod live;
pub mod lock;
pub mod plan;
pub mod render;
pub mod session;
