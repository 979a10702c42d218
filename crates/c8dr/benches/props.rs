//! The property tests of issue 17 §2 with many more cases than `cargo test` runs (64 each):
//! the model's derive, the API types and the configuration parser on mutated and random
//! input (errors naming the field, unknown enum words kept), drawing at every size, the journal reader. A bench binary: `cargo bench --bench props`; `PROPS_CASES=N` sets the
//! cases per property (default 5000). The properties are the test binaries' own files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/it/props_model.rs"]
mod props_model;

#[allow(dead_code)]
#[path = "../tests/it/props_tui.rs"]
mod props_tui;

#[allow(dead_code)]
#[path = "../tests/it/props_config.rs"]
mod props_config;

#[allow(dead_code)]
#[path = "../tests/it/props_journal.rs"]
mod props_journal;

#[allow(dead_code)]
#[path = "../../c8dr-api/tests/it/props.rs"]
mod api_props;

use std::path::PathBuf;
use std::time::Instant;

/// The real payloads vendored in the repository, as c8dr-api's tests find them.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/camunda-api/examples")
}

fn main() {
    let cases: u32 = std::env::var("PROPS_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let config = || props_model::config_with(cases);
    let props: [(&str, &dyn Fn()); 9] = [
        ("model::derive", &|| props_model::check_derive(config())),
        ("API types, mutated payloads", &|| {
            api_props::check_mutated(config())
        }),
        ("API types, flipped and cut payloads", &|| {
            api_props::check_truncated(config())
        }),
        ("API types, random input", &|| {
            api_props::check_random(config())
        }),
        ("API types, errors name the field", &|| {
            api_props::check_error_paths(config())
        }),
        ("API types, unknown enum words kept", &|| {
            api_props::check_unknown_kept(config())
        }),
        ("configuration parser", &|| {
            props_config::check_config(config())
        }),
        ("journal reader", &|| props_journal::check_journal(config())),
        // Drawing costs far more per case: a tenth of the cases.
        ("drawing at every size", &|| {
            props_tui::check_drawing(props_model::config_with((cases / 10).max(1)))
        }),
    ];
    println!(
        "{cases} cases per property (drawing: {})",
        (cases / 10).max(1)
    );
    for (name, run) in props {
        let start = Instant::now();
        run();
        println!("{name}: passed in {:.1?}", start.elapsed());
    }
}
