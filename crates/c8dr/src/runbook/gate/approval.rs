//! What the gate asks and what it hands out: the confirmation a step needs, the operator's
//! decision, who gives it, and the single-use approval the gate makes of it. Only the gate
//! (this module's parent) can make an [`Approval`].

use crate::runbook::plan::Action;

/// Who answers the gate's questions in a run. The gate stamps it on every approval and audit
/// entry, so no caller passes a name along with a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The person running c8dr, as the audit trail names them.
    user: String,
    /// What approves in the person's stead when nobody is asked (`--yes`, the lab's autopilot).
    unattended: Option<String>,
}

impl Identity {
    /// A person answers every question.
    pub fn person(user: impl Into<String>) -> Identity {
        Identity {
            user: user.into(),
            unattended: None,
        }
    }

    /// Nobody is asked: `by` approves for `user`, who started the run.
    pub fn unattended(user: impl Into<String>, by: impl Into<String>) -> Identity {
        Identity {
            user: user.into(),
            unattended: Some(by.into()),
        }
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    /// Who approves: the person, or what approves in their stead.
    pub fn approver(&self) -> &str {
        self.unattended.as_deref().unwrap_or(&self.user)
    }

    pub fn is_unattended(&self) -> bool {
        self.unattended.is_some()
    }
}

/// The confirmation a step needs before the gate lets it act (DESIGN.md §7); the operator
/// (the TUI pane, the terminal, the autopilot) asks exactly this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// A yes or no.
    Yes,
    /// A force: this name typed exactly, after the dry run shown.
    TypeRegionName(String),
    /// A manual step or checklist no API shows: has it been done?
    ConfirmManualStep,
}

/// What the operator said when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `typed` is what was typed, for [`Confirmation::TypeRegionName`].
    Approve {
        typed: Option<String>,
    },
    Decline,
}

/// Why the gate made no approval of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The operator said no.
    Declined(String),
    /// The gate said no: read-only mode, or a force without the region's name typed exactly.
    Refused(String),
}

impl Refusal {
    pub fn why(&self) -> &str {
        match self {
            Refusal::Declined(w) | Refusal::Refused(w) => w,
        }
    }
}

/// The operator's approval of one step (its action) of one run. Single use: the call it allows consumes it
/// (a request that provably did not take effect hands it back for the retry); neither Clone
/// nor Copy, made only by the gate, which refuses it for any other step or run.
#[derive(Debug)]
pub struct Approval {
    pub(super) run: String,
    pub(super) step: usize,
    pub(super) key: String,
    /// What the operator was shown: the approval covers this action only.
    pub(super) action: Action,
    pub(super) by: String,
    pub(super) unattended: bool,
}

impl Approval {
    /// Who approved, as the gate's identity says.
    pub fn by(&self) -> &str {
        &self.by
    }

    /// Nobody was asked (`--yes`, the autopilot).
    pub fn unattended(&self) -> bool {
        self.unattended
    }

    /// The step (its index in the plan) it was made for.
    pub fn step(&self) -> usize {
        self.step
    }
}
