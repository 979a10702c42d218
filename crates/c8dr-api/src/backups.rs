//! Zeebe backups as the management API reports them (≤8.7 `/actuator/backups`, 8.8+
//! `/actuator/backupRuntime` and `/actuator/backupHistory`). The dual-region failback uses
//! Elasticsearch snapshots instead; these types let the cockpit show backups that exist.

use super::open_enum::open_enum;
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

/// `GET /actuator/backups/{id}` (and the items of the list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupInfo {
    pub backup_id: i64,
    pub state: BackupState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub details: Vec<PartitionBackup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionBackup {
    pub partition_id: i32,
    pub state: BackupState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint_position: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

open_enum! {
    pub enum BackupState {
        Completed => "COMPLETED",
        Failed => "FAILED",
        Incomplete => "INCOMPLETE",
        InProgress => "IN_PROGRESS",
        DoesNotExist => "DOES_NOT_EXIST",
        Incompatible => "INCOMPATIBLE",
        Success => "SUCCESS",
    }
}

/// `POST /actuator/backups` (≤8.7): `{"message": …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupScheduled {
    pub message: String,
}

/// `POST /actuator/backupHistory` (8.8+): the Elasticsearch snapshots it scheduled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryBackupScheduled {
    #[serde(default)]
    pub scheduled_snapshots: Vec<String>,
}
