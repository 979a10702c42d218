//! Property test of the configuration parser (issue 17 §2): a real configuration with lines
//! dropped, repeated or given random values, bytes flipped and cut, and random text, parsed
//! without a panic; an error always says something.

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::path::Path;

const GOOD: &str = r#"
name = "prod-eu"
primary = 0
[[regions]]
id = 0
name = "london"
rest_url = "http://127.0.0.1:8080"
[regions.rest_auth]
username = "demo"
password_env = "C8DR_TEST_PASSWORD"
[[regions]]
id = 1
name = "paris"
[regions.kube]
context = "paris"
namespace = "camunda-paris"
[traffic]
mode = "active-passive"
nameserver = "127.0.0.1:5353"
[traffic.addresses]
0 = ["10.0.0.1"]
"#;

/// What a line may become.
#[derive(Debug, Clone)]
enum Edit {
    Drop(usize),
    Repeat(usize),
    /// The line's value replaced (`key = <this>`).
    Value(usize, String),
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-1".to_string()),
        Just("2".to_string()),
        Just("99999999999999999999".to_string()),
        Just("\"\"".to_string()),
        Just("\"ü\"".to_string()),
        Just("[]".to_string()),
        Just("[1, \"a\"]".to_string()),
        Just("{}".to_string()),
        Just("true".to_string()),
        Just("1.5".to_string()),
        Just("\"http://[::1\"".to_string()),
        any::<String>().prop_map(|s| format!("{s:?}")),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Drop),
        any::<usize>().prop_map(Edit::Repeat),
        (any::<usize>(), value()).prop_map(|(i, v)| Edit::Value(i, v)),
    ]
}

fn parse(text: &str) {
    if let Err(e) = c8dr::config::Config::parse(text, Path::new("/etc/c8dr.toml")) {
        assert!(!format!("{e:#}").trim().is_empty(), "an empty error");
    }
}

/// Edits, corrupts and generates configurations and parses them.
pub fn check_config(config: proptest::test_runner::Config) {
    let mut runner = TestRunner::new(config);
    runner
        .run(&proptest::collection::vec(edit(), 1..5), |edits| {
            let mut lines: Vec<String> = GOOD.lines().map(str::to_string).collect();
            for e in edits {
                let n = lines.len().max(1);
                match e {
                    Edit::Drop(i) if !lines.is_empty() => {
                        lines.remove(i % n);
                    }
                    Edit::Repeat(i) if !lines.is_empty() => {
                        let l = lines[i % n].clone();
                        lines.insert(i % n, l);
                    }
                    Edit::Value(i, v) if !lines.is_empty() => {
                        if let Some((k, _)) = lines[i % n].split_once('=') {
                            lines[i % n] = format!("{k}= {v}");
                        }
                    }
                    _ => {}
                }
            }
            parse(&lines.join("\n"));
            Ok(())
        })
        .unwrap();
    runner
        .run(
            &(
                any::<usize>(),
                proptest::collection::vec((any::<usize>(), 1..=255u8), 0..4),
                any::<String>(),
            ),
            |(cut, flips, random)| {
                let mut bytes = GOOD.as_bytes().to_vec();
                for (at, b) in flips {
                    let len = bytes.len();
                    bytes[at % len] ^= b;
                }
                bytes.truncate(cut % (bytes.len() + 1));
                parse(&String::from_utf8_lossy(&bytes));
                parse(&random);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn edited_corrupted_and_random_configurations_never_panic() {
    check_config(crate::props_model::config());
}
