//! The binary on a bastion (issue 14 §12): signals restore the terminal and remove the
//! demo's temporary directory (it holds a password file), no terminal gets a clear refusal,
//! and errors are written for people: a next step, no source locations, no colour in pipes.

use crate::common::DEADLINE;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_c8dr");

/// The binary with a private TMPDIR (where the lab makes its directory), state and config
/// dirs, and no debug switches from the developer's environment.
fn c8dr(tmp: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    isolate(&mut cmd, tmp);
    cmd
}

fn isolate(cmd: &mut Command, tmp: &Path) {
    cmd.env("TMPDIR", tmp)
        .env("HOME", tmp)
        .env("XDG_STATE_HOME", tmp.join("state"))
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env_remove("C8DR_CONFIG")
        .env_remove("C8DR_DEBUG")
        .env_remove("RUST_BACKTRACE")
        .env_remove("NO_COLOR");
}

/// The lab directories (`c8dr-lab-*`) under `tmp`.
fn lab_dirs(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("c8dr-lab-"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `check` until it holds or the deadline passes (then panics with `what`).
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The child's exit status, killing it if it does not exit within the deadline.
fn exit_of(child: &mut Child, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("{what} did not exit within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill(pid: u32, signal: &str) {
    let ok = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success(), "kill -{signal} {pid}");
}

/// Collects a pipe's bytes on a thread.
fn collect(mut pipe: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let out = Arc::new(Mutex::new(Vec::new()));
    let sink = out.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn lab_removes_its_temporary_directory_on_sigterm_sighup_and_sigint() {
    for signal in ["TERM", "HUP", "INT"] {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = c8dr(tmp.path())
            .args(["lab", "--speed", "5"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = collect(child.stdout.take().unwrap());
        wait_for("the lab's ready line", || {
            stdout.lock().unwrap().contains(&b'\n').then_some(())
        });
        let dirs = lab_dirs(tmp.path());
        assert_eq!(dirs.len(), 1, "{dirs:?}");
        assert!(dirs[0].join("rest-password").exists());

        kill(child.id(), signal);
        let status = exit_of(&mut child, "c8dr lab");
        assert!(status.success(), "SIG{signal}: {status:?}");
        assert_eq!(
            lab_dirs(tmp.path()),
            Vec::<PathBuf>::new(),
            "SIG{signal} left the lab's directory (and its password file) behind"
        );
    }
}

/// The processes below `pid` (from /proc).
#[cfg(target_os = "linux")]
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents = std::collections::BTreeMap::<u32, Vec<u32>>::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.entry(ppid).or_default().push(p);
        }
    }
    let mut out = vec![];
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for c in parents.get(&p).cloned().unwrap_or_default() {
            out.push(c);
            todo.push(c);
        }
    }
    out
}

// Linux: the test finds the demo's process in /proc.
#[cfg(target_os = "linux")]
#[test]
fn demo_restores_the_terminal_and_removes_its_directory_on_sigterm() {
    // A pseudo-terminal from util-linux `script`; without one the demo refuses to start.
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: no `script` to provide a pseudo-terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut script = Command::new("script");
    isolate(&mut script, tmp.path());
    let mut child = script
        .args(["-qfec", &format!("exec '{BIN}' demo"), "/dev/null"])
        .env("TERM", "xterm-256color")
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let screen = collect(child.stdout.take().unwrap());
    let pid = wait_for("the demo on the alternate screen", || {
        let entered = contains(&screen.lock().unwrap(), b"\x1b[?1049h");
        let pid = descendants(child.id()).into_iter().find(|p| {
            std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == Path::new(BIN))
        });
        (entered && lab_dirs(tmp.path()).len() == 1)
            .then_some(pid)
            .flatten()
    });

    kill(pid, "TERM");
    exit_of(&mut child, "c8dr demo (in script)");
    let screen = screen.lock().unwrap().clone();
    let entered = screen
        .windows(8)
        .rposition(|w| w == b"\x1b[?1049h")
        .unwrap();
    let after = &screen[entered..];
    assert!(
        contains(after, b"\x1b[?1049l") && contains(after, b"\x1b[?25h"),
        "after SIGTERM the main screen and the cursor are back: {:?}",
        String::from_utf8_lossy(after)
    );
    assert!(
        contains(after, b"c8dr: stopped by SIGTERM"),
        "the cockpit says why it went away: {:?}",
        String::from_utf8_lossy(after)
    );
    assert_eq!(
        lab_dirs(tmp.path()),
        Vec::<PathBuf>::new(),
        "SIGTERM left the demo's directory (and its password file) behind"
    );
}

#[test]
fn the_cockpit_without_a_terminal_says_so_and_points_to_status() {
    for args in [vec![], vec!["tui"], vec!["demo"]] {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = c8dr(tmp.path())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        });
        let status = exit_of(&mut child, &format!("c8dr {args:?}"));
        let stderr = reader.join().unwrap();
        assert!(!status.success(), "{args:?}");
        assert!(
            stderr.contains("needs an interactive terminal") && stderr.contains("c8dr status"),
            "{args:?}: {stderr}"
        );
        assert!(lab_dirs(tmp.path()).is_empty(), "{args:?} started a lab");
    }
}

#[test]
fn errors_name_a_next_step_without_locations_backtrace_hints_or_colour() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nowhere.toml");
    // (arguments, extra environment, the next step named)
    type Case<'a> = (Vec<String>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        // No configuration anywhere.
        (vec!["status".into()], vec![], "c8dr demo"),
        (vec!["info".into()], vec![("NO_COLOR", "1")], "c8dr demo"),
        // A file that is not there.
        (
            vec![
                "--config".into(),
                missing.display().to_string(),
                "status".into(),
            ],
            vec![],
            "docs/configuration.md",
        ),
    ];
    for (args, env, next) in cases {
        let mut cmd = c8dr(tmp.path());
        cmd.args(&args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            stderr.contains("docs/configuration.md") && stderr.contains(next),
            "{args:?} names no next step: {stderr}"
        );
        for bad in ["Location:", "RUST_BACKTRACE", "\x1b", "src/"] {
            assert!(!stderr.contains(bad), "{args:?} shows {bad:?}: {stderr}");
        }
    }
    // A usage error in a pipe: no colour either.
    let out = c8dr(tmp.path()).arg("--bogus").output().unwrap();
    assert!(!out.status.success());
    assert!(!out.stderr.contains(&0x1b), "{:?}", out.stderr);

    // Asked for: the full report.
    let out = c8dr(tmp.path())
        .arg("status")
        .env("C8DR_DEBUG", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().count() > 2, "{stderr}");
}

/// An environment for [`c8dr::tui::caps::Caps::from_vars`].
fn vars<'a>(v: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |k| v.iter().find(|(n, _)| *n == k).map(|(_, x)| x.to_string())
}

fn is_ansi16(c: ratatui::style::Color) -> bool {
    !matches!(
        c,
        ratatui::style::Color::Rgb(..) | ratatui::style::Color::Indexed(_)
    )
}

/// Every scene at 80×24 and 120×36, drawn as the live loop draws it for `caps`.
fn every_frame(
    caps: c8dr::tui::caps::Caps,
    theme: Option<&str>,
) -> Vec<(String, ratatui::buffer::Buffer)> {
    use c8dr::demo::scenes::{self, SCENES};
    let mut out = vec![];
    for scene in SCENES {
        let app = scenes::app(scene);
        let theme = c8dr::tui::theme::Theme::built_in(theme.unwrap_or(scene.theme));
        for (w, h) in [(80, 24), (120, 36)] {
            let name = format!("{} {w}x{h}", scene.name);
            out.push((name, caps.render(&app, &theme, w, h)));
        }
    }
    out
}

#[test]
fn a_vt100_with_the_c_locale_gets_ascii_glyphs_and_no_24_bit_colour() {
    let caps = c8dr::tui::caps::Caps::from_vars(vars(&[("TERM", "vt100"), ("LANG", "C")]));
    for (name, buf) in every_frame(caps, None) {
        for cell in &buf.content {
            assert!(
                cell.symbol().is_ascii(),
                "{name}: {:?} on a vt100",
                cell.symbol()
            );
            assert!(
                is_ansi16(cell.fg) && is_ansi16(cell.bg),
                "{name}: {:?}/{:?} on a vt100",
                cell.fg,
                cell.bg
            );
        }
    }
    let app = c8dr::demo::scenes::app(
        c8dr::demo::scenes::SCENES
            .iter()
            .find(|s| s.name == "region1-lost")
            .unwrap(),
    );
    let buf = caps.render(&app, &c8dr::tui::theme::Theme::built_in("default"), 80, 24);
    insta::assert_snapshot!("region1_lost_vt100_80x24", c8dr::tui::export::text(&buf));
}

#[test]
fn a_utf8_xterm_without_colorterm_gets_the_256_palette() {
    let caps = c8dr::tui::caps::Caps::from_vars(vars(&[
        ("TERM", "xterm-256color"),
        ("LANG", "en_GB.UTF-8"),
    ]));
    for (name, buf) in every_frame(caps, None) {
        for cell in &buf.content {
            assert!(
                !matches!(cell.fg, ratatui::style::Color::Rgb(..))
                    && !matches!(cell.bg, ratatui::style::Color::Rgb(..)),
                "{name}: 24-bit colour without COLORTERM"
            );
        }
    }
}

#[test]
fn the_ansi16_theme_writes_only_the_16_colour_codes() {
    for (name, buf) in every_frame(c8dr::tui::caps::Caps::FULL, Some("ansi16")) {
        for cell in &buf.content {
            assert!(
                is_ansi16(cell.fg) && is_ansi16(cell.bg),
                "{name}: {:?}/{:?}",
                cell.fg,
                cell.bg
            );
        }
        // And on the wire, through the cockpit's backend: SGR 30–37, 39, 40–47, 49, 90–97,
        // 100–107; never 38;2 or 38;5 (crossterm writes named colours as 38;5;N).
        let wire = Wire::default();
        let mut screen = c8dr::tui::frame::Screen::new(wire.clone());
        screen.show(&buf).unwrap();
        let bytes = String::from_utf8_lossy(&wire.0.lock().unwrap()).to_string();
        assert!(bytes.contains("\x1b["), "{name}: nothing written");
        for bad in ["38;2;", "48;2;", "38;5;", "48;5;"] {
            assert!(!bytes.contains(bad), "{name} writes {bad}");
        }
    }
}

/// What a backend writes, kept for reading.
#[derive(Clone, Default)]
struct Wire(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Wire {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
