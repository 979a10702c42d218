//! Stamps the binary with the commit it was built from and the build date, for
//! `c8dr --version` (`c8dr 0.1.0 (ecf5668 2026-12-01)`): on a bastion the version alone does
//! not say which build is installed. Never fails the build: without git or a `.git` (a source
//! tarball) the commit is "unknown". The date is SOURCE_DATE_EPOCH's when set (reproducible
//! builds), else today's (UTC); it is taken when this script runs, i.e. when the commit changes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    watch_head();
    println!("cargo:rustc-env=C8DR_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=C8DR_BUILD_DATE={}", build_date());
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Re-run when HEAD moves (a checkout, a commit) and not otherwise: watch HEAD and the ref it
/// names (a loose ref, else packed-refs). A worktree has its own HEAD and shares the refs.
/// Only existing files are watched: cargo re-runs on every build for a missing one.
fn watch_head() {
    let (Some(git_dir), Some(common)) = (
        git(&["rev-parse", "--absolute-git-dir"]),
        git(&["rev-parse", "--git-common-dir"]),
    ) else {
        return;
    };
    let git_dir = PathBuf::from(git_dir);
    let common = absolute(&git_dir, &common);
    let head = git_dir.join("HEAD");
    watch(&head);
    let target = std::fs::read_to_string(&head).unwrap_or_default();
    if let Some(name) = target.trim().strip_prefix("ref: ") {
        let loose = common.join(name);
        if loose.is_file() {
            watch(&loose);
        } else {
            watch(&common.join("packed-refs"));
        }
    }
}

fn absolute(git_dir: &Path, common: &str) -> PathBuf {
    let p = PathBuf::from(common);
    if p.is_absolute() {
        p
    } else {
        // `--git-common-dir` may answer relative to the current directory.
        std::env::current_dir()
            .map(|d| d.join(&p))
            .unwrap_or_else(|_| git_dir.to_path_buf())
    }
}

fn watch(path: &Path) {
    if path.is_file() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// YYYY-MM-DD (UTC) of SOURCE_DATE_EPOCH, else of now.
fn build_date() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}
