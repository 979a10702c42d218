//! The cockpit's screens: render snapshots at the documented sizes and themes, the committed
//! screenshots, key sequences, the bytes an idle or a small change writes, and input while a
//! region hangs.

use c8dr::api::{BrokerId, Region};
use c8dr::demo::scenes::{self, SCENES};
use c8dr::tui::app::{Action, App, Detail, Mode, Pane};
use c8dr::tui::export;
use c8dr::tui::theme::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The demo's drill menu, as `c8dr demo` injects it.
fn drill_labels() -> Vec<String> {
    c8dr::demo::drills::DRILLS
        .iter()
        .map(|(label, _)| label.to_string())
        .collect()
}

fn scene(name: &str) -> &'static scenes::Scene {
    SCENES.iter().find(|s| s.name == name).expect("scene")
}

fn lost_app() -> App {
    scenes::app(scene("region1-lost"))
}

fn text(app: &App, theme: &str, w: u16, h: u16) -> String {
    export::text(&c8dr::tui::frame::render(
        app,
        &Theme::built_in(theme),
        w,
        h,
    ))
}

#[test]
fn dashboard_snapshots_at_every_documented_size_and_theme() {
    for theme in ["default", "mono"] {
        let mut app = lost_app();
        app.theme_index = c8dr::tui::theme::BUILT_IN
            .iter()
            .position(|(n, _)| *n == theme)
            .unwrap();
        for (w, h) in [(80, 24), (120, 36), (200, 50), (50, 12)] {
            insta::assert_snapshot!(
                format!("dashboard_{theme}_{w}x{h}"),
                text(&app, theme, w, h)
            );
        }
    }
}

/// Region 1's exporter stuck while its Elasticsearch answers (issue 16 §2): every size names
/// it stuck, with its partitions, lag and rate, and region 0's exporting.
#[test]
fn a_stuck_exporter_is_shown_per_region_at_every_size() {
    let app = scenes::app(scene("exporter-stuck"));
    for (w, h) in [(80, 24), (120, 36), (200, 50)] {
        let screen = text(&app, "default", w, h);
        insta::assert_snapshot!(format!("exporter_stuck_{w}x{h}"), screen);
        let stuck = screen
            .lines()
            .find(|l| l.contains("camundaregion1") && l.contains("STUCK"))
            .unwrap_or_else(|| panic!("{w}x{h}: camundaregion1 STUCK\n{screen}"));
        assert!(
            stuck.contains("P1-8") && stuck.contains("/s"),
            "{w}x{h}: {stuck}"
        );
        assert!(
            screen
                .lines()
                .any(|l| l.contains("camundaregion0") && l.contains("exporting")),
            "{w}x{h}: region 0's exporter exporting\n{screen}"
        );
        assert!(screen.contains("lag "), "{w}x{h}\n{screen}");
    }
}

#[test]
fn overlay_and_detail_snapshots() {
    let mut app = lost_app();
    app.mode = Mode::Help;
    insta::assert_snapshot!("help_120x36", text(&app, "default", 120, 36));
    app.mode = Mode::Detail(Detail::Partition(1));
    insta::assert_snapshot!("partition_detail_120x36", text(&app, "default", 120, 36));
    app.mode = Mode::Detail(Detail::Broker(BrokerId::Numbered(1)));
    insta::assert_snapshot!("broker_detail_80x24", text(&app, "default", 80, 24));
    app.mode = Mode::Detail(Detail::Region(Region::ONE));
    insta::assert_snapshot!("region_detail_120x36", text(&app, "default", 120, 36));
    let mut demo = App::new(
        false,
        drill_labels(),
        vec!["default".into()],
        scenes::clock(),
    );
    demo.update_view(app.view.clone().unwrap());
    demo.mode = Mode::Drill(2);
    insta::assert_snapshot!("drill_menu_120x36", text(&demo, "default", 120, 36));
    let mut ro = App::new(
        true,
        drill_labels(),
        vec!["default".into()],
        scenes::clock(),
    );
    ro.update_view(app.view.clone().unwrap());
    insta::assert_snapshot!("read_only_120x36", text(&ro, "default", 120, 36));
}

#[test]
fn mono_uses_no_colour_and_the_default_tells_states_apart_without_red_and_green() {
    let app = lost_app();
    let mono = c8dr::tui::frame::render(&app, &Theme::built_in("mono"), 120, 36);
    for cell in mono.content() {
        assert!(
            cell.fg == Color::Reset && cell.bg == Color::Reset,
            "mono cell {:?} has colour",
            cell.symbol()
        );
    }
    let default = Theme::built_in("default");
    let is_red = |c: Color| {
        matches!(c, Color::Rgb(r, g, b) if r > 180 && g < 90 && b < 90) || c == Color::Red
    };
    let is_green = |c: Color| {
        matches!(c, Color::Rgb(r, g, b) if g > 150 && r < 100 && b < 120) || c == Color::Green
    };
    for c in [default.ok, default.warning, default.critical] {
        assert!(!is_red(c) && !is_green(c), "{c:?} is pure red or green");
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn key_sequences_change_the_state_as_the_help_says() {
    let mut app = lost_app();
    assert_eq!(app.on_key(key(KeyCode::Esc)), None, "Esc never quits");
    assert_eq!(app.on_key(key(KeyCode::Tab)), None);
    assert_eq!(app.pane, Pane::Partitions);
    app.on_key(key(KeyCode::Char('j')));
    app.on_key(key(KeyCode::Enter));
    assert_eq!(app.mode, Mode::Detail(Detail::Partition(2)));
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
    for c in "/lost".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::Enter));
    assert_eq!(app.partition_filter, "lost");
    assert_eq!(app.filtered_partitions().len(), 8);
    app.on_key(key(KeyCode::Char('2')));
    assert_eq!(app.region_focus, Some(Region::ONE));
    insta::assert_snapshot!(
        "keys_region1_focus_filter_lost_120x36",
        text(&app, "default", 120, 36)
    );
    app.on_key(key(KeyCode::Char('0')));

    // Freeze (f twice): a new view does not replace the frozen frame.
    app.on_key(key(KeyCode::Char('f')));
    app.on_key(key(KeyCode::Char('f')));
    let frozen = app.shown().unwrap().at.clone();
    let mut newer = app.view.clone().unwrap();
    newer.at = "2030-01-01T00:00:00Z".into();
    app.update_view(newer);
    assert_eq!(app.shown().unwrap().at, frozen);
    assert!(text(&app, "default", 120, 36).contains("FROZEN"));
    app.on_key(key(KeyCode::Char('f')));
    assert_eq!(app.shown().unwrap().at, "2030-01-01T00:00:00Z");

    app.on_key(key(KeyCode::Char('t')));
    assert_eq!(app.theme_name(), "light");
    for c in ":theme mono".chars() {
        app.on_key(key(KeyCode::Char(c)));
    }
    app.on_key(key(KeyCode::Enter));
    assert_eq!(app.theme_name(), "mono");
    assert_eq!(
        app.on_key(key(KeyCode::Char('d'))),
        None,
        "no drill menu outside the demo"
    );
    assert_eq!(
        app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
    assert_eq!(app.on_key(key(KeyCode::Char('q'))), Some(Action::Quit));

    let mut demo = App::new(
        false,
        drill_labels(),
        vec!["default".into()],
        scenes::clock(),
    );
    demo.on_key(key(KeyCode::Char('d')));
    demo.on_key(key(KeyCode::Down));
    assert_eq!(demo.on_key(key(KeyCode::Enter)), Some(Action::Drill(1)));
    assert_eq!(
        c8dr::demo::drills::DRILLS[1].1,
        c8dr::demo::drills::Call::Post("/lab/regions/1/restore")
    );
    let mut ro = App::new(
        true,
        drill_labels(),
        vec!["default".into()],
        scenes::clock(),
    );
    ro.on_key(key(KeyCode::Char('d')));
    assert_eq!(ro.mode, Mode::Normal, "read-only removes the drill menu");
}

#[test]
fn committed_screenshots_are_current() {
    let dir = tempfile::tempdir().unwrap();
    c8dr::demo::screenshots(dir.path()).unwrap();
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../screenshots");
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        let name = entry.file_name();
        let fresh = std::fs::read_to_string(entry.path()).unwrap();
        let old = std::fs::read_to_string(committed.join(&name)).unwrap_or_default();
        assert!(
            fresh == old,
            "screenshots/{} is stale: run `cargo run -- screenshots` and commit the result",
            name.to_string_lossy()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_is_handled_while_a_region_hangs() {
    use c8dr_lab::sim::Camunda;
    let lab = crate::common::TestLab::start(Camunda::V88, 5.0).await;
    let body = serde_json::json!({"target": "region1.management", "kind": "hang"});
    lab.send(
        lab.http
            .post(format!("{}/lab/faults", lab.control()))
            .json(&body),
    )
    .await;
    let config = c8dr::config::Config::load(&lab.lab.ready.config).unwrap();
    let cfg = c8dr::model::ModelConfig::from_config(&config);
    let started = std::time::Instant::now();
    let observer = c8dr::observe::Observer::start(&config).await.unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "starting does not wait for the hanging region"
    );
    let mut app = App::new(
        false,
        Vec::new(),
        vec!["default".into()],
        jiff::Timestamp::now(),
    );
    let theme = Theme::built_in("default");
    // While region 1's requests hang, each input → state → frame round stays fast.
    let mut slowest = std::time::Duration::ZERO;
    for i in 0..40 {
        let t = std::time::Instant::now();
        let snap = observer.snapshot.borrow().clone();
        app.update_view(c8dr::model::derive(
            &snap,
            &cfg,
            jiff::Timestamp::now(),
            app.view.as_ref(),
        ));
        app.on_key(key(if i % 2 == 0 {
            KeyCode::Tab
        } else {
            KeyCode::Down
        }));
        let _ = c8dr::tui::frame::render(&app, &theme, 120, 36);
        slowest = slowest.max(t.elapsed());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    eprintln!("slowest input round while a region hangs: {slowest:?}");
    assert!(
        slowest < std::time::Duration::from_millis(500),
        "an input round took {slowest:?}"
    );
    lab.send(lab.http.delete(format!("{}/lab/faults", lab.control())))
        .await;
    lab.shutdown().await;
}

#[test]
fn the_preflight_overlay_shows_every_check() {
    let config = c8dr::config::Config::parse(
        r#"
        name = "lab-8.8"
        [[regions]]
        id = 0
        name = "london"
        [regions.kube]
        context = "c8dr-lab-london"
        namespace = "camunda-london"
        [[regions]]
        id = 1
        name = "paris"
        [regions.kube]
        context = "c8dr-lab-paris"
        namespace = "camunda-paris"
        "#,
        std::path::Path::new("scene.toml"),
    )
    .unwrap();
    let settings = c8dr_lab::sim::Settings {
        camunda: c8dr_lab::sim::Camunda::V88,
        brokers: 8,
        partitions: 8,
        replication_factor: 4,
    };
    let mut sim = c8dr_lab::sim::Sim::new(settings, scenes::clock());
    sim.misconfigure("mixed-versions").unwrap();
    let snap = scenes::observe(&sim, scenes::clock());
    let mut cfg = scenes::model_config(c8dr_lab::sim::Camunda::V88);
    cfg.stale_after = std::time::Duration::from_secs(3600);
    let view = c8dr::model::derive(&snap, &cfg, scenes::clock(), None);
    let mut app = App::new(false, Vec::new(), vec!["default".into()], scenes::clock());
    app.preflight = c8dr::preflight::run(&config, &snap, &view);
    app.update_view(view);
    let dashboard = text(&app, "default", 160, 40);
    assert!(
        dashboard.contains("upgrade: 1/4 on 8.8.0-pa"),
        "{dashboard}"
    );
    app.on_key(key(KeyCode::Char('p')));
    assert_eq!(app.mode, Mode::Preflight);
    let screen = text(&app, "default", 160, 40);
    assert!(screen.contains("Preflight"), "{screen}");
    assert!(
        screen.contains("⚠ WARN    one version on every broker"),
        "{screen}"
    );
    assert!(
        screen.contains("✔ PASS    cluster size and replication factor"),
        "{screen}"
    );
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn the_runbook_pane_opens_from_the_dashboard_and_asks_for_the_region_name() {
    use c8dr::runbook::gate::Decision;
    use c8dr::runbook::plan::Procedure;
    // F proposes the region that does not answer; B refuses while both have members.
    let mut app = lost_app();
    let chr = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    assert_eq!(
        app.on_key(chr('F')),
        Some(Action::StartRunbook(Procedure::Failover, Region::ONE))
    );
    assert_eq!(app.on_key(chr('B')), None);
    assert!(
        app.message
            .as_deref()
            .is_some_and(|m| m.contains("nothing to fail back")),
        "{:?}",
        app.message
    );

    // :resume RUN continues a journaled run.
    app.on_key(chr(':'));
    for c in "resume failover-r1-20261127t120304".chars() {
        app.on_key(chr(c));
    }
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Some(Action::ResumeRunbook("failover-r1-20261127t120304".into()))
    );

    // The force confirmation: the name must be typed.
    let mut app = scenes::app(scene("runbook-failover-confirm"));
    assert_eq!(app.mode, Mode::Runbook);
    assert_eq!(app.on_key(chr('y')), None, "y is typed, not an approval");
    assert_eq!(app.runbook.as_ref().unwrap().typed, "pary");
    app.on_key(key(KeyCode::Backspace));
    for c in "is".chars() {
        app.on_key(chr(c));
    }
    match app.on_key(key(KeyCode::Enter)) {
        Some(Action::Answer(Decision::Approve { typed, .. })) => {
            assert_eq!(typed.as_deref(), Some("paris"))
        }
        other => panic!("expected an approval, got {other:?}"),
    }
    let mut app = scenes::app(scene("runbook-failover-confirm"));
    app.runbook.as_mut().unwrap().ask = None;
    // Without a question: ↑↓ select, c copies the curl, Esc returns to the dashboard.
    app.on_key(key(KeyCode::Up));
    assert_eq!(app.runbook.as_ref().unwrap().selected, 0);
    app.on_key(key(KeyCode::Down));
    match app.on_key(chr('c')) {
        Some(Action::Copy(c)) => assert!(c.starts_with("curl -sS -X PATCH"), "{c}"),
        other => panic!("expected a copy, got {other:?}"),
    }
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn runbook_pane_snapshots() {
    for name in [
        "runbook-failover-confirm",
        "runbook-failback-running",
        "runbook-failover-cancel-offer",
    ] {
        let app = scenes::app(scene(name));
        insta::assert_snapshot!(name, text(&app, "default", 120, 36));
        insta::assert_snapshot!(format!("{name}-80x24"), text(&app, "default", 80, 24));
    }
}

#[test]
fn a_failed_step_offers_retry_skip_with_a_reason_override_and_abort() {
    use c8dr::runbook::engine::Recovery;
    use c8dr::tui::runbook::Failure;
    let chr = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    let failed = |refused: bool| {
        let mut app = scenes::app(scene("runbook-failover-confirm"));
        let p = app.runbook.as_mut().unwrap();
        p.ask = None;
        p.failure = Some(Failure {
            key: "FO-1".into(),
            why: "refused: region1 paris still answers c8dr".into(),
            refused,
        });
        app
    };
    let mut app = failed(true);
    assert_eq!(app.on_key(chr('r')), Some(Action::Recover(Recovery::Retry)));
    let mut app = failed(true);
    assert_eq!(app.on_key(chr('o')), None, "o starts typing the name");
    for c in "paris".chars() {
        app.on_key(chr(c));
    }
    let screen = text(&app, "default", 120, 36);
    assert!(
        screen.contains("type paris and Enter to proceed past the refusal"),
        "{screen}"
    );
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Some(Action::Recover(Recovery::Override {
            typed: "paris".into()
        }))
    );
    let mut app = failed(false);
    assert_eq!(
        app.on_key(chr('o')),
        None,
        "no override for a failure that is no refusal"
    );
    assert!(app.runbook.as_ref().unwrap().typing.is_none());
    app.on_key(chr('s'));
    for c in "done by hand".chars() {
        app.on_key(chr(c));
    }
    assert_eq!(
        app.on_key(key(KeyCode::Enter)),
        Some(Action::Recover(Recovery::Skip("done by hand".into())))
    );
    let mut app = failed(false);
    let screen = text(&app, "default", 120, 36);
    assert!(screen.contains("FO-1 failed: refused"), "{screen}");
    assert_eq!(app.on_key(chr('a')), Some(Action::Recover(Recovery::Abort)));
}

/// The text inside the help overlay's border (one column: the help on screens below 108
/// columns), whitespace collapsed so that wrapped help reads as one line.
fn help_text(screen: &str) -> Option<String> {
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let top = rows
        .iter()
        .position(|r| r.iter().collect::<String>().contains("┌ Help — keys"))?;
    let left = rows[top].iter().position(|c| *c == '┌')?;
    let right = left + rows[top][left..].iter().position(|c| *c == '┐')?;
    let mut text = vec![];
    for row in &rows[top + 1..] {
        if row.get(left) == Some(&'└') {
            break;
        }
        text.push(row.get(left + 1..right)?.iter().collect::<String>());
    }
    Some(
        text.join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[test]
fn the_help_lists_every_key_of_the_dashboard_and_the_runbook_pane_in_full() {
    use c8dr::tui::keymap::{BINDINGS, Context, Msg};
    for (w, h) in [(80, 24), (100, 30), (60, 16)] {
        let mut app = lost_app();
        app.on_key(key(KeyCode::Char('?')));
        assert_eq!(app.mode, Mode::Help);
        // ↓ turns the pages and comes back to the first.
        let first = text(&app, "default", w, h);
        assert!(first.contains("page 1/"), "{w}×{h}: {first}");
        let mut all = String::new();
        for _ in 0..10 {
            let screen = text(&app, "default", w, h);
            all.push_str(&help_text(&screen).unwrap_or_else(|| panic!("{screen}")));
            all.push(' ');
            app.on_key(key(KeyCode::Down));
            if text(&app, "default", w, h) == first {
                break;
            }
        }
        assert_eq!(
            text(&app, "default", w, h),
            first,
            "{w}×{h}: the pages wrap around"
        );
        for context in Context::ALL {
            assert!(
                all.contains(context.title()),
                "{w}×{h}: {}",
                context.title()
            );
        }
        for b in BINDINGS.iter().filter(|b| b.msg != Msg::Drill) {
            let entry = format!("{} {}", b.label, b.help);
            assert!(all.contains(&entry), "{w}×{h}: {entry:?} in {all}");
        }
        app.on_key(key(KeyCode::Esc));
        assert_eq!(app.mode, Mode::Normal);
    }
    // 120×36 shows it all at once, the runbook pane's keys beside the dashboard's.
    let mut app = lost_app();
    app.mode = Mode::Help;
    let screen = text(&app, "default", 120, 36);
    assert!(!screen.contains("page 1/"), "{screen}");
    assert!(
        screen.contains("Runbook pane (failover, failback)"),
        "{screen}"
    );
    assert!(screen.contains("replica missing"), "{screen}");
}

/// Issue 14 §2: a broker row never shows ◆ ("leader that can commit") for a partition the
/// matrix shows as LOST; the region panes and the matrix mark replicas by one derivation.
#[test]
fn broker_rows_mark_leaders_of_lost_partitions_as_unable_to_commit() {
    let app = lost_app();
    let view = app.view.clone().unwrap();
    assert!(
        view.partitions.iter().all(|p| p.has_quorum == Some(false)),
        "the scene loses every partition"
    );
    for (w, h) in [(120, 36), (200, 50)] {
        let screen = text(&app, "default", w, h);
        let panes: Vec<&str> = screen
            .lines()
            .take_while(|l| !l.contains("Partitions"))
            .collect();
        let rows: Vec<&&str> = panes.iter().filter(|l| l.contains("✔ ready")).collect();
        assert_eq!(
            rows.len(),
            4,
            "london's four broker rows at {w}x{h}:\n{screen}"
        );
        assert!(
            panes.iter().all(|l| !l.contains('◆')),
            "no broker row claims a committing leader at {w}x{h}:\n{screen}"
        );
        assert!(
            rows.iter().any(|l| l.contains("◇1")),
            "broker 0 says it leads partition 1, without quorum, at {w}x{h}:\n{screen}"
        );
    }
    // Where partitions have quorum, the rows still show the committing leader.
    let healthy = scenes::app(scene("healthy"));
    let screen = text(&healthy, "default", 120, 36);
    assert!(screen.contains("◆1"), "{screen}");
}

/// Issue 14 §11: the FORCE prompt is never pushed out of the runbook pane: at every size the
/// operator sees the name being typed (the dry run's line gives way first).
#[test]
fn the_force_prompt_stays_visible_at_every_size() {
    let app = scenes::app(scene("runbook-failover-confirm"));
    for (w, h) in [(200, 50), (120, 36), (80, 24), (60, 20), (60, 16)] {
        let screen = text(&app, "default", w, h);
        let flat: String = screen.lines().collect::<Vec<_>>().join("");
        assert!(
            flat.contains("FORCE: type paris"),
            "the force prompt at {w}x{h}:\n{screen}"
        );
        assert!(
            flat.contains("par▏"),
            "what was typed at {w}x{h}:\n{screen}"
        );
    }
}

/// Issue 14 §10: the offer to cancel the change blocking FO-1 shows the change, its progress
/// and the risk first, and the typed confirmation stays on screen at every size.
#[test]
fn the_offer_to_cancel_a_blocking_change_shows_it_and_the_risk_at_every_size() {
    let app = scenes::app(scene("runbook-failover-cancel-offer"));
    for (w, h) in [(120, 36), (80, 24)] {
        let screen = text(&app, "default", w, h);
        let flat: String = screen
            .lines()
            .map(|l| l.trim_matches(|c: char| c == '│' || c == ' '))
            .collect::<Vec<_>>()
            .join(" ");
        for part in [
            "offered: Cancel the blocking change #6",
            "blocking change #6 IN_PROGRESS",
            "16/32 operations done",
            "risk: cancelling rolls nothing back",
            "Cancel the blocking change #6? Nothing is rolled back",
            "Ctrl-X keep the change (FO-1 stays refused)",
            "FORCE: type paris",
        ] {
            assert!(flat.contains(part), "{part:?} at {w}x{h}:\n{screen}");
        }
    }
}

/// Issue 14 §11: the run's time keeps counting while a prompt waits for the operator (the
/// engine reports only when something changes).
#[test]
fn the_run_timer_keeps_counting_while_a_prompt_waits() {
    let mut app = scenes::app(scene("runbook-failover-confirm"));
    let now = app.now;
    let pane = app.runbook.as_mut().unwrap();
    assert!(pane.ask.is_some(), "the scene waits at the force prompt");
    let base = pane.state.elapsed;
    pane.state_at = Some(now - jiff::SignedDuration::from_secs(42));
    let screen = text(&app, "default", 120, 36);
    let counted = format!(
        "· {:.1}s ",
        (base + std::time::Duration::from_secs(42)).as_secs_f64()
    );
    assert!(
        screen.lines().take(3).any(|l| l.contains(&counted)),
        "title counts on ({counted}):\n{screen}"
    );
}

/// Counts what reaches the terminal: bytes and write calls (each a syscall on a tty).
#[derive(Clone, Default)]
struct Writes(Arc<Mutex<(usize, usize)>>);

impl Writes {
    fn get(&self) -> (usize, usize) {
        *self.0.lock().unwrap()
    }
}

impl Write for Writes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut w = self.0.lock().unwrap();
        w.0 += buf.len();
        w.1 += 1;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn healthy_app() -> App {
    scenes::app(scene("healthy"))
}

fn secs(n: i64) -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(n)
}

#[test]
fn an_unchanged_frame_writes_nothing_through_the_loops_screen() {
    let w = Writes::default();
    let mut screen = c8dr::tui::frame::Screen::new(w.clone());
    let mut app = healthy_app();
    let theme = Theme::built_in("default");
    let render = |app: &App| c8dr::tui::frame::render(app, &theme, 120, 36);
    assert!(screen.show(&render(&app)).unwrap());
    let first = w.get();
    assert!(
        first.0 > 1000,
        "the first frame is drawn in full: {first:?}"
    );
    assert!(!screen.show(&render(&app)).unwrap());
    assert_eq!(
        w.get(),
        first,
        "an unchanged frame writes nothing, not even an empty synchronized update"
    );
    app.tick(app.now + secs(1));
    assert!(screen.show(&render(&app)).unwrap());
    let (bytes, writes) = w.get();
    assert_eq!(writes - first.1, 1, "a changed frame is one write");
    assert!(
        bytes - first.0 < 200,
        "the clock's tick wrote {} bytes",
        bytes - first.0
    );
}

#[test]
fn data_ages_do_not_repaint_every_frame() {
    let mut app = healthy_app();
    let mut at = |age: f64| {
        for r in &mut app.view.as_mut().unwrap().regions {
            r.data_age_s = Some(age);
        }
        text(&app, "default", 120, 36)
    };
    let fresh = at(0.2);
    assert_eq!(fresh, at(0.9), "data ages are not shown in tenths");
    assert_eq!(
        fresh,
        at(1.6),
        "a healthy poll's age (under 2 s) is one word"
    );
    assert!(at(7.4).contains("data 7s old"), "{}", at(7.4));
    assert!(at(200.0).contains("data 3m old"), "{}", at(200.0));
}

#[test]
fn freezing_asks_first_and_cannot_be_missed_at_any_size() {
    let mut app = healthy_app();
    let t0 = app.now;
    app.on_key(key(KeyCode::Char('f')));
    assert!(app.frozen.is_none(), "one f does not freeze");
    assert!(
        text(&app, "default", 80, 24).contains("f again"),
        "{}",
        text(&app, "default", 80, 24)
    );
    app.on_key(key(KeyCode::Char('f')));
    assert!(app.frozen.is_some(), "f twice freezes");
    app.tick(t0 + secs(42));
    let live_clock = (t0 + secs(42)).strftime("%H:%M:%S").to_string();
    for (w, h) in [(60, 20), (80, 24), (120, 36)] {
        let s = text(&app, "default", w, h);
        assert!(s.contains("FROZEN"), "{w}x{h}:\n{s}");
        assert!(
            s.contains("42s old"),
            "how old the frozen frame is, {w}x{h}:\n{s}"
        );
        assert!(
            !s.contains(&live_clock),
            "no live clock over frozen data, {w}x{h}:\n{s}"
        );
    }
    assert!(
        text(&app, "default", 120, 36).contains("data 42s old"),
        "the regions' data ages keep counting"
    );
    insta::assert_snapshot!("frozen_80x24", text(&app, "default", 80, 24));
    insta::assert_snapshot!("frozen_120x36", text(&app, "default", 120, 36));
    app.on_key(key(KeyCode::Char('f')));
    assert!(app.frozen.is_none(), "one f returns to live");
    app.on_key(key(KeyCode::Char('f')));
    app.on_key(key(KeyCode::Char('f')));
    assert!(app.frozen.is_some());
    app.on_key(key(KeyCode::Esc));
    assert!(app.frozen.is_none(), "Esc returns to live");
    app.on_key(key(KeyCode::Char('f')));
    app.on_key(key(KeyCode::Char('j')));
    app.on_key(key(KeyCode::Char('f')));
    assert!(
        app.frozen.is_none(),
        "another key between the two f cancels"
    );
    app.on_key(key(KeyCode::Char('x')));
    app.on_key(key(KeyCode::Char('f')));
    assert!(app.frozen.is_none(), "an unbound key cancels too");
    app.on_key(key(KeyCode::Char('f')));
    app.on_key(key(KeyCode::Char('e')));
    assert!(
        text(&app, "default", 80, 24).contains("FROZEN · data of"),
        "the timeline leaves the frozen banner in view"
    );
}

#[test]
fn the_events_pane_scrolls_and_opens_full_screen() {
    let mut app = healthy_app();
    for i in 0..40 {
        app.note(format!("event #{i:02}"));
    }
    while app.pane != Pane::Events {
        app.on_key(key(KeyCode::Tab));
    }
    for _ in 0..30 {
        app.on_key(key(KeyCode::Down));
    }
    // Newest first: the 31st row is event #09.
    let s = text(&app, "default", 120, 36);
    assert!(
        s.contains("event #09"),
        "the selected event is in view:\n{s}"
    );
    app.on_key(key(KeyCode::Char('e')));
    let s = text(&app, "default", 80, 24);
    assert!(s.contains("event #09"), "full screen at 80x24:\n{s}");
    assert!(s.contains("event #20"), "full screen shows many:\n{s}");
    insta::assert_snapshot!("events_full_80x24", s);
    insta::assert_snapshot!("events_full_120x36", text(&app, "default", 120, 36));
    // A new event on top does not move the reader off the event they look at.
    app.note("event #40");
    assert_eq!(app.events[app.selected].text, "event #09");
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Normal);
    // At 80x24 the dashboard has no events pane: `e` is the way to the timeline.
    assert!(text(&app, "default", 80, 24).contains("e events"));
}

#[test]
fn footer_messages_expire() {
    let mut app = healthy_app();
    let t0 = app.now;
    app.message = Some("copied to the clipboard (OSC 52)".into());
    app.tick(t0 + secs(1));
    assert!(text(&app, "default", 120, 36).contains("copied to the clipboard"));
    app.tick(t0 + secs(5));
    assert!(text(&app, "default", 120, 36).contains("copied to the clipboard"));
    app.tick(t0 + secs(30));
    assert!(
        !text(&app, "default", 120, 36).contains("copied to the clipboard"),
        "a footer message goes away"
    );
}

fn chr(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// The confirm scene with a plain yes/no question instead of the force.
fn yes_question() -> App {
    use c8dr::runbook::gate::Confirmation;
    let mut app = scenes::app(scene("runbook-failover-confirm"));
    let ask = app.runbook.as_mut().unwrap().ask.as_mut().unwrap();
    ask.confirmation = Confirmation::Yes;
    ask.preview.dry_run = None;
    app
}

/// Issue 14 §11: "not now" (n, Esc) leaves the question open and the run waiting at its step,
/// on the dashboard's run line; aborting is its own key, labelled with what it does.
#[test]
fn not_now_leaves_the_run_waiting_and_abort_is_its_own_key() {
    use c8dr::runbook::gate::Decision;
    for later in [key(KeyCode::Esc), chr('n')] {
        let mut app = yes_question();
        let pane = text(&app, "default", 200, 50);
        assert!(
            pane.contains("n/Esc not now (the run waits at FO-1)"),
            "{pane}"
        );
        assert!(
            pane.contains("x abort the run at FO-1 (resumable)"),
            "{pane}"
        );
        assert_eq!(app.on_key(later), None, "not now sends no answer");
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.runbook.as_ref().unwrap().ask.is_some(), "still asked");
        for (w, h) in [(80, 24), (120, 36)] {
            let screen = text(&app, "default", w, h);
            assert!(
                screen.contains("RUN failover of region1 paris: FO-1 waits for you — r returns"),
                "the dashboard shows the waiting run at {w}x{h}:\n{screen}"
            );
        }
        insta::assert_snapshot!("dashboard_run_waiting_80x24", text(&app, "default", 80, 24));
        assert_eq!(app.on_key(chr('r')), None);
        assert_eq!(app.mode, Mode::Runbook, "r returns to the run");
        assert_eq!(
            app.on_key(chr('x')),
            Some(Action::Answer(Decision::Decline)),
            "x aborts the run: the engine ends it at the step asked"
        );
    }
    // The force: Esc is not now too, Ctrl-X aborts; every letter is the name's.
    let mut app = scenes::app(scene("runbook-failover-confirm"));
    let pane = text(&app, "default", 120, 36);
    assert!(
        pane.contains("Esc not now (the run waits) · Ctrl-X abort the run at FO-1 (resumable)"),
        "{pane}"
    );
    assert_eq!(app.on_key(key(KeyCode::Esc)), None);
    assert_eq!(app.mode, Mode::Normal);
    assert!(app.runbook.as_ref().unwrap().ask.is_some());
    app.on_key(chr('r'));
    assert_eq!(
        app.on_key(ctrl('x')),
        Some(Action::Answer(Decision::Decline))
    );
    // A step that waits on the cluster: x asks the engine to stop at its next check.
    let mut app = scenes::app(scene("runbook-failback-running"));
    assert_eq!(app.on_key(chr('x')), Some(Action::AbortRunbook));
}

/// Issue 14 §11: in a text field every printable key is text (a region's name may hold any
/// letter); the commands there are keys no name contains.
#[test]
fn the_force_prompt_owns_every_printable_key() {
    let mut app = scenes::app(scene("runbook-failover-confirm"));
    app.runbook.as_mut().unwrap().typed.clear();
    for c in "cqx?fdnryjk A".chars() {
        assert_eq!(app.on_key(chr(c)), None, "{c} is text");
        assert_eq!(app.mode, Mode::Runbook, "{c} leaves the prompt alone");
    }
    assert_eq!(app.runbook.as_ref().unwrap().typed, "cqx?fdnryjk A");
}

/// Issue 14 §11: quitting while a run is in progress asks, and says what becomes of the run
/// (it stops where it is; the journal keeps it; how to resume it).
#[test]
fn quitting_during_a_run_asks_and_says_how_to_resume() {
    let mut app = yes_question();
    let run = app.runbook.as_ref().unwrap().state.run.clone();
    assert_eq!(app.on_key(chr('q')), None, "q in the pane asks first");
    assert!(matches!(app.mode, Mode::ConfirmQuit(_)), "{:?}", app.mode);
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = text(&app, "default", w, h);
        insta::assert_snapshot!(format!("quit_during_a_run_{w}x{h}"), screen);
        let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains(&format!("c8dr failover --resume {run}")),
            "{screen}"
        );
        assert!(flat.contains("FO-1 waits for you"), "{screen}");
        assert!(flat.contains("y quit"), "{screen}");
    }
    assert_eq!(app.on_key(chr('n')), None);
    assert_eq!(app.mode, Mode::Runbook, "any other key stays where it was");
    // From the dashboard, q and Ctrl-C ask too; y quits.
    app.on_key(chr('n'));
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.on_key(chr('q')), None);
    assert_eq!(app.on_key(key(KeyCode::Esc)), None);
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.on_key(ctrl('c')), None);
    assert_eq!(app.on_key(chr('y')), Some(Action::Quit));
    // Ctrl-C at the force prompt asks as well.
    let mut app = scenes::app(scene("runbook-failover-confirm"));
    assert_eq!(app.on_key(ctrl('c')), None);
    assert!(matches!(app.mode, Mode::ConfirmQuit(_)));
    // The run ends while the question is open: the question says so, never goes blank.
    app.runbook.as_mut().unwrap().state.outcome = Some(c8dr::runbook::journal::Outcome::Aborted);
    let screen = text(&app, "default", 80, 24);
    assert!(screen.contains("has ended: aborted"), "{screen}");
    assert!(screen.contains("y quit"), "{screen}");
    // A finished run, or none: q quits at once; Ctrl-C in the `:` prompt quits, never types.
    let mut app = lost_app();
    assert_eq!(app.on_key(chr('q')), Some(Action::Quit));
    app.on_key(chr(':'));
    assert_eq!(app.on_key(ctrl('c')), Some(Action::Quit));
}

/// Issue 14 §12: the help takes every key while it is open (nothing acts on the dashboard
/// behind it), opens from the runbook pane too and returns there, and fits 80×24.
#[test]
fn the_help_swallows_keys_and_opens_from_the_runbook_pane() {
    let mut app = lost_app();
    app.on_key(chr('?'));
    let theme = app.theme_name().to_string();
    for c in ['f', 't', '2', 'd', 'F', 'p', ':', '/'] {
        assert_eq!(app.on_key(chr(c)), None, "{c}");
        assert_eq!(app.mode, Mode::Help, "{c} leaves the help open");
    }
    app.on_key(key(KeyCode::Tab));
    app.on_key(key(KeyCode::Enter));
    assert_eq!(app.mode, Mode::Help);
    assert!(
        app.frozen.is_none(),
        "f froze the dashboard behind the help"
    );
    assert_eq!(app.theme_name(), theme);
    assert_eq!(app.region_focus, None);
    assert_eq!(app.pane, Pane::Regions);
    insta::assert_snapshot!("help_80x24", text(&app, "default", 80, 24));
    assert_eq!(app.on_key(chr('q')), None, "q closes the help, never quits");
    assert_eq!(app.mode, Mode::Normal);

    let mut app = scenes::app(scene("runbook-failback-running"));
    app.on_key(chr('?'));
    assert_eq!(app.mode, Mode::Help);
    let pages: Vec<String> = (0..4)
        .map(|_| {
            let screen = text(&app, "default", 80, 24);
            app.on_key(key(KeyCode::Down));
            screen
        })
        .collect();
    assert!(
        pages.iter().any(|p| p.contains("When a step asks")),
        "the runbook keys in the help:\n{}",
        pages.join("\n")
    );
    assert_eq!(app.mode, Mode::Help, "↓ turns the pages");
    app.on_key(key(KeyCode::Esc));
    assert_eq!(app.mode, Mode::Runbook, "the help returns to the pane");
}

/// Issue 14 §12: the drill menu opens on the drill that fits what the dashboard shows.
#[test]
fn the_drill_menu_opens_on_the_drill_that_fits_the_moment() {
    let labels = drill_labels();
    for (name, want) in [
        ("healthy", "Fail region 1 (unreachable)"),
        ("region1-lost", "Restore region 1"),
        ("after-failover", "Recreate region 1 (fresh install)"),
        ("region0-lost-traffic-on-it", "User traffic → region 1"),
    ] {
        let mut app = scenes::app(scene(name));
        app.mode = Mode::Normal;
        app.drills = labels.clone();
        app.drill_suggest = Some(Arc::new(c8dr::demo::drills::suggest));
        app.on_key(chr('d'));
        let Mode::Drill(i) = app.mode else {
            panic!("{name}: no drill menu: {:?}", app.mode)
        };
        assert_eq!(labels[i], want, "{name}");
    }
}

/// The drill menu during a run: it opens on the manual step's drill (the Helm upgrades of
/// FB-2 and FB-8), and never on failing a region while the run goes on (a demo user pressing
/// d and Enter mid-failback lost region 1 before this).
#[test]
fn the_drill_menu_follows_the_run_and_never_offers_a_failure_mid_run() {
    let labels = drill_labels();
    // A healthy-looking cluster (which alone suggests failing region 1) while the failback
    // of region 1 (paris) goes on: region 0 survived.
    let mut app = scenes::app(scene("healthy"));
    app.runbook = scenes::app(scene("runbook-failback-running")).runbook;
    app.drills = labels.clone();
    app.drill_suggest = Some(Arc::new(c8dr::demo::drills::suggest));
    let step = |app: &App, key: &str| {
        app.runbook
            .as_ref()
            .unwrap()
            .state
            .steps
            .iter()
            .position(|s| s.key == key)
            .unwrap()
    };
    for (key, want) in [
        ("FB-2", "Webapps off in region 0 (Helm upgrade)"),
        ("FB-8", "Webapps on in region 1 (Helm upgrade)"),
        ("FB-6", "Clear all faults"),
    ] {
        let i = step(&app, key);
        app.runbook.as_mut().unwrap().state.current = Some(i);
        app.mode = Mode::Normal;
        app.on_key(chr('d'));
        let Mode::Drill(i) = app.mode else {
            panic!("{key}: no drill menu: {:?}", app.mode)
        };
        assert_eq!(labels[i], want, "{key}");
        app.on_key(key_esc());
    }
}

fn key_esc() -> KeyEvent {
    key(KeyCode::Esc)
}

/// Issue 14 §12: no Rust `Debug` text on any screen: every scene, the details, the preflight,
/// every step of the runbook panes, the quit question.
#[test]
fn no_debug_text_on_screen() {
    let looks_like_debug = |s: &str| -> Option<String> {
        for bad in ["Some(", "None", "BrokerId::Numbered(", "Ok(", "Err("] {
            if s.contains(bad) {
                return Some(bad.into());
            }
        }
        // A set of strings ({"10.100"}); JSON bodies ({"brokers":…}) have a colon.
        for (i, _) in s.match_indices("{\"") {
            let set = s[i..].split('}').next().unwrap_or("");
            if !set.contains(':') {
                return Some(set.into());
            }
        }
        // A list as Rust prints it ([0, 2]); JSON bodies ([1,3,5,7]) have no spaces.
        for (i, _) in s.match_indices('[') {
            let list = s[i + 1..].split(']').next().unwrap_or("");
            if list.contains(", ") && list.split(", ").all(|x| x.parse::<i64>().is_ok()) {
                return Some(format!("[{list}]"));
            }
        }
        // CamelCase words (an enum variant's name: ActivePassive, InProgress).
        s.split(|c: char| !c.is_alphanumeric())
            .find(|w| {
                // Upper, lower, … then a lower-to-upper hump (not an acronym such as PVCs).
                let cs: Vec<char> = w.chars().collect();
                cs.len() > 2
                    && cs[0].is_ascii_uppercase()
                    && cs[1].is_ascii_lowercase()
                    && cs
                        .windows(2)
                        .any(|p| p[0].is_ascii_lowercase() && p[1].is_ascii_uppercase())
            })
            .map(String::from)
    };
    let mut screens = vec![];
    for s in SCENES {
        let mut app = scenes::app(s);
        for (w, h) in [(120, 36), (80, 24)] {
            screens.push((format!("{} {w}x{h}", s.name), text(&app, "default", w, h)));
        }
        if let Some(steps) = app.runbook.as_ref().map(|p| p.state.steps.len()) {
            for i in 0..steps {
                app.runbook.as_mut().unwrap().selected = i;
                screens.push((
                    format!("{} step {i}", s.name),
                    text(&app, "default", 200, 60),
                ));
            }
            app.on_key(chr('q'));
            screens.push((format!("{} quit", s.name), text(&app, "default", 120, 36)));
            continue;
        }
        let brokers: Vec<BrokerId> = app
            .view
            .as_ref()
            .unwrap()
            .brokers
            .iter()
            .map(|b| b.id)
            .collect();
        for mode in [
            Mode::Detail(Detail::Partition(1)),
            Mode::Detail(Detail::Region(Region::ZERO)),
            Mode::Detail(Detail::Region(Region::ONE)),
            Mode::Preflight,
        ]
        .into_iter()
        .chain(brokers.into_iter().map(|b| Mode::Detail(Detail::Broker(b))))
        {
            app.mode = mode.clone();
            screens.push((
                format!("{} {mode:?}", s.name),
                text(&app, "default", 160, 50),
            ));
        }
    }
    for (name, screen) in &screens {
        if let Some(bad) = looks_like_debug(screen) {
            panic!("{name}: Debug text {bad:?} on screen:\n{screen}");
        }
    }
}

/// The header's last parts (the clock, the theme's name) are shown whole or not at all: a cut
/// "· de" at 80 columns says nothing and looks like a glitch.
#[test]
fn the_header_never_shows_a_cut_clock_or_theme_name() {
    let app = lost_app();
    for w in 60..=140 {
        let screen = text(&app, "default", w, 30);
        let header = screen.lines().next().unwrap().trim_end().to_string();
        let last = header.rsplit(" · ").next().unwrap_or("");
        let whole = last == "default"
            || last == "WRITE"
            || last.ends_with('Z') && last.len() == 9
            || last.contains("agrees")
            || last.contains("DISAGREES");
        assert!(whole, "{w} columns: {header:?} ends in {last:?}");
    }
}

/// While the failover runs, the verdict says so instead of telling the operator to press F
/// for the failover they are running; the command line keeps naming the command.
#[test]
fn the_verdict_says_a_runbook_runs_instead_of_advising_it() {
    let mut app = yes_question();
    app.on_key(chr('n'));
    assert_eq!(app.mode, Mode::Normal);
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = text(&app, "default", w, h);
        let flat: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("(failover running: r returns to it)"),
            "{w}x{h}:\n{screen}"
        );
        assert!(!flat.contains("F: failover runbook"), "{w}x{h}:\n{screen}");
    }
    let cli = app
        .view
        .as_ref()
        .unwrap()
        .verdict
        .words(c8dr::model::Front::Cli);
    assert!(
        cli.iter().any(|r| r.contains("c8dr failover --lost paris")),
        "{cli:?}"
    );
}

/// At 80×24 the dashboard draws no exporters or events pane, so Tab and the arrows never
/// move the focus there unseen; at 120×36 they reach every pane.
#[test]
fn pane_keys_skip_the_panes_a_small_screen_does_not_draw() {
    let mut app = lost_app();
    let visit = |app: &mut App, k: KeyCode| {
        (0..8)
            .map(|_| {
                app.on_key(key(k));
                app.pane
            })
            .collect::<Vec<_>>()
    };
    app.size = Some((80, 24));
    for k in [
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Right,
        KeyCode::Left,
    ] {
        let seen = visit(&mut app, k);
        assert!(
            seen.iter()
                .all(|p| matches!(p, Pane::Regions | Pane::Partitions)),
            "{k:?} at 80x24: {seen:?}"
        );
    }
    app.size = Some((120, 36));
    let seen = visit(&mut app, KeyCode::Tab);
    assert!(
        seen.contains(&Pane::Events) && seen.contains(&Pane::Exporters),
        "{seen:?}"
    );
}

/// alice's failover of paris, its lease in london's namespace renewed 4 s ago.
fn alice_live(now: jiff::Timestamp) -> Option<(Region, c8dr::model::run_lease::RunLease)> {
    Some((Region::ZERO, scenes::alice_failover(now, 4)))
}

/// The same, not renewed for 50 s of its 30.
fn alice_expired(now: jiff::Timestamp) -> Option<(Region, c8dr::model::run_lease::RunLease)> {
    Some((Region::ZERO, scenes::alice_failover(now, 50)))
}

/// This cockpit's own failover (the run of the waiting scene's pane), as its lease says.
fn own_run(now: jiff::Timestamp) -> Option<(Region, c8dr::model::run_lease::RunLease)> {
    let mut l = scenes::alice_failover(now, 4);
    l.run = "failover-r1-20261127t120304".into();
    l.holder = Some("me@this-laptop".into());
    Some((Region::ZERO, l))
}

fn flat(screen: &str) -> String {
    screen.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Issue 17 §1: every cockpit connected to the cluster shows the run another c8dr is doing,
/// on its own line between the header and the verdict (which keeps its place); an expired
/// lease is a warning that its holder may have died; this cockpit's own run has its run line
/// instead of the banner.
#[test]
fn another_operators_run_shows_above_the_verdict_and_our_own_does_not() {
    let lost = scene("region1-lost");
    for (name, lease, sign) in [
        (
            "observed_live",
            alice_live as scenes::LeaseAt,
            "▶ failover of paris in progress by alice@laptop",
        ),
        (
            "observed_expired",
            alice_expired,
            "⚠ lease EXPIRED: failover of paris by alice@laptop",
        ),
    ] {
        let app = scenes::app(&scenes::Scene { lease, ..*lost });
        for (w, h) in [(80, 24), (120, 36)] {
            let screen = text(&app, "default", w, h);
            let lines: Vec<&str> = screen.lines().collect();
            assert!(
                lines[1].starts_with(&format!(" {sign}")),
                "{w}x{h}:\n{screen}"
            );
            assert!(
                lines[2].contains("CRITICAL"),
                "the verdict follows: {w}x{h}:\n{screen}"
            );
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        }
        let expired = name == "observed_expired";
        let wide = flat(&text(&app, "default", 200, 50));
        assert_eq!(wide.contains("the holder may have died"), expired);
        // No advice to start the failover alice runs (c8dr would refuse it next to hers);
        // her lease expired, taking it over may be what is needed.
        assert_eq!(
            wide.contains("(failover by alice@laptop)"),
            !expired,
            "{wide}"
        );
        assert_eq!(wide.contains("F: failover runbook"), expired, "{wide}");
    }
    let waiting = scene("runbook-failover-waiting-80x24");
    let app = scenes::app(&scenes::Scene {
        lease: own_run,
        ..*waiting
    });
    for (w, h) in [(80, 24), (120, 36)] {
        let screen = text(&app, "default", w, h);
        // No banner: the verdict comes right under the header (the events pane may tell
        // the run's story as its lease publishes it, ours included).
        assert!(
            screen
                .lines()
                .nth(1)
                .unwrap_or_default()
                .contains("CRITICAL"),
            "{w}x{h}:\n{screen}"
        );
        assert!(
            flat(&screen).contains("▶ RUN failover"),
            "{w}x{h}:\n{screen}"
        );
        insta::assert_snapshot!(format!("observed_own_run_{w}x{h}"), screen);
    }
    // A released lease's outcome is the events' to tell, not the dashboard's.
    fn released(now: jiff::Timestamp) -> Option<(Region, c8dr::model::run_lease::RunLease)> {
        let mut l = scenes::alice_failover(now, 4);
        l.holder = None;
        l.state = "completed".into();
        Some((Region::ZERO, l))
    }
    let app = scenes::app(&scenes::Scene {
        lease: released,
        ..*lost
    });
    assert_eq!(
        text(&app, "default", 120, 36),
        text(&lost_app(), "default", 120, 36)
    );
}

/// The banner keeps to its line at every width, cut with an ellipsis, and the events
/// overlay stays under it.
#[test]
fn the_observed_run_banner_fits_every_width() {
    let app = scenes::app(&scenes::Scene {
        lease: alice_expired,
        ..*scene("region1-lost")
    });
    for w in 60..=140u16 {
        let screen = text(&app, "default", w, 24);
        let banner = screen.lines().nth(1).unwrap_or_default();
        assert!(banner.trim_start().starts_with('⚠'), "{w}: {banner:?}");
        assert!(
            banner.contains("holder may have died") || banner.trim_end().ends_with('…'),
            "{w}: {banner:?}"
        );
    }
    let mut app = app;
    app.mode = Mode::Events;
    let screen = text(&app, "default", 80, 24);
    assert!(
        screen
            .lines()
            .nth(1)
            .unwrap_or_default()
            .contains("lease EXPIRED"),
        "{screen}"
    );
}

/// An observer whose Role predates leases: london refuses the run lease (403). Its region
/// pane says that source fails; the region stays up and the verdict OK.
#[test]
fn a_refused_lease_read_shows_in_the_region_pane_not_in_the_verdict() {
    use c8dr::model::{Obs, Source};
    use c8dr::source::table::{Update, store};
    let settings = c8dr_lab::sim::Settings {
        camunda: c8dr_lab::sim::Camunda::V88,
        brokers: 8,
        partitions: 8,
        replication_factor: 4,
    };
    let mut sim = c8dr_lab::sim::Sim::new(settings, scenes::clock());
    sim.tick(std::time::Duration::from_secs(45));
    let mut snap = scenes::observe(&sim, scenes::clock());
    let refused = c8dr::source::SourceError::Kube(
        "forbidden: the Role needs get on leases (docs/bastion.md): leases.coordination.k8s.io \"c8dr-runbook\" is forbidden".into(),
    );
    store(
        &mut snap,
        Update::new(
            Region::ZERO,
            None,
            Source::RunLease,
            Obs::failed(scenes::clock(), refused),
        ),
    );
    let cfg = scenes::model_config(c8dr_lab::sim::Camunda::V88);
    let view = c8dr::model::derive(&snap, &cfg, scenes::clock(), None);
    let mut app = App::new(false, vec![], vec!["default".into()], scenes::clock());
    app.update_view(view);
    let screen = text(&app, "default", 120, 36);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[1].contains("✔ OK"), "{screen}");
    assert!(
        screen.contains("│⚠ failing for 0 s: run lease (forbidden: the Role needs"),
        "{screen}"
    );
    assert!(
        screen.contains("✔ up · data <2s old ⚠ 1 source fails"),
        "{screen}"
    );
}
