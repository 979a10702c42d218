//! What makes c8dr installable on a bastion (issue 17 §3): shell completions and the man page
//! generated from the clap definition, and a `--version` that names the commit and build date.
//! None of these needs a configuration or a terminal: the tests run them with stdin closed
//! and no config anywhere.

use std::process::{Command, Output, Stdio};

/// `c8dr ARGS` with no configuration to be found and no terminal.
fn run(args: &[&str]) -> Output {
    let empty = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .args(args)
        .env_remove("C8DR_CONFIG")
        .env("XDG_CONFIG_HOME", empty.path())
        .env("XDG_STATE_HOME", empty.path())
        .env("HOME", empty.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_name_the_subcommands_for_bash_zsh_and_fish() {
    let bash = stdout_of(&["completions", "bash"]);
    for sub in [
        "failover",
        "failback",
        "demo",
        "status",
        "preflight",
        "completions",
        "man",
    ] {
        assert!(bash.contains(sub), "bash completions lack {sub}");
    }
    assert!(bash.contains("complete -F"), "not a bash completion script");
    for shell in ["zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(
            script.contains("failover"),
            "{shell} completions lack failover"
        );
    }
}

#[test]
fn completions_for_an_unknown_shell_are_refused_naming_the_shells() {
    let out = run(&["completions", "tcsh"]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tcsh"), "{stderr}");
    for shell in ["bash", "zsh", "fish"] {
        assert!(stderr.contains(shell), "{stderr}");
    }
}

#[test]
fn man_writes_the_roff_page_of_c8dr() {
    let page = stdout_of(&["man"]);
    // clap_mangen opens with two roff requests defining the quote string, then the header.
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap_or_default();
    assert!(first.starts_with(".TH c8dr 1"), "header: {first}");
    assert!(first.contains(env!("CARGO_PKG_VERSION")), "header: {first}");
    assert!(page.contains("failover"), "the page lists the subcommands");
}

#[test]
fn version_names_the_commit_and_the_build_date() {
    let line = stdout_of(&["--version"]);
    let line = line.trim_end();
    // c8dr 0.1.0 (ecf5668 2026-12-01), the commit "unknown" when built outside git.
    let rest = line
        .strip_prefix("c8dr ")
        .unwrap_or_else(|| panic!("{line}"));
    let (semver, rest) = rest.split_once(" (").unwrap_or_else(|| panic!("{line}"));
    assert_eq!(semver, env!("CARGO_PKG_VERSION"), "{line}");
    let inner = rest.strip_suffix(')').unwrap_or_else(|| panic!("{line}"));
    let (commit, date) = inner.split_once(' ').unwrap_or_else(|| panic!("{line}"));
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "commit in {line}"
    );
    let d: Vec<&str> = date.split('-').collect();
    assert!(
        d.len() == 3
            && [4, 2, 2].iter().zip(&d).all(|(n, p)| p.len() == *n)
            && d.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())),
        "date in {line}"
    );
}

/// A bastion (or a bare container) without a CA bundle: the HTTP client cannot be built. The
/// message must say why, not only reqwest's "builder error" (seen in an empty chroot).
#[test]
fn a_missing_ca_bundle_is_named_when_the_http_client_cannot_be_built() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c8dr.toml");
    crate::at_rest::write_private(
        &config,
        "name = \"prod\"\n[[regions]]\nid = 0\nname = \"london\"\nrest_url = \"http://127.0.0.1:9\"\n\
         [[regions]]\nid = 1\nname = \"paris\"\nrest_url = \"http://127.0.0.1:10\"\n",
    );
    let missing = dir.path().join("no-such-ca.pem");
    let out = Command::new(env!("CARGO_BIN_EXE_c8dr"))
        .arg("--config")
        .arg(&config)
        .arg("check")
        .env("XDG_STATE_HOME", dir.path())
        .env("SSL_CERT_FILE", &missing)
        .env("SSL_CERT_DIR", &missing)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("building the HTTP client"), "{text}");
    assert!(
        text.to_lowercase().contains("certificate") || text.contains("no-such-ca.pem"),
        "the cause is named: {text}"
    );
}
