//! The Prometheus text exposition format (version 0.0.4), written by hand: a family's HELP and
//! TYPE lines, then its samples. Hand-written because `prometheus-client` writes OpenMetrics
//! and leaves label values unescaped (a configured region name with a quote would break the
//! whole scrape), and the format is three rules: escape `\`, `"` and newlines in label values,
//! `\` and newlines in help, and spell non-finite values `NaN`, `+Inf`, `-Inf`.

use std::fmt::Write;

/// The content type `/metrics` answers with.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
}

/// An exposition being written. Families are written whole, one after the other, so a
/// family's samples stay together as the format requires.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

/// One family: its samples are written through [`Family::sample`].
pub struct Family<'a> {
    out: &'a mut String,
    name: &'static str,
}

impl Exposition {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a family. `name` is a literal of this program (never outside data), so it is
    /// written as it is; help is escaped all the same.
    pub fn family(&mut self, name: &'static str, kind: Kind, help: &str) -> Family<'_> {
        let kind = match kind {
            Kind::Gauge => "gauge",
            Kind::Counter => "counter",
        };
        let _ = writeln!(self.out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
        Family {
            out: &mut self.out,
            name,
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

impl Family<'_> {
    /// One sample of the family with these labels (names are literals of this program;
    /// values come from outside and are escaped).
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.out.push_str(self.name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let _ = write!(self.out, "{k}=\"{}\"", escape_label(v));
            }
            self.out.push('}');
        }
        self.out.push(' ');
        self.out.push_str(&number(value));
        self.out.push('\n');
        self
    }
}

fn escape_label(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        // Rust prints floats without an exponent and integers without ".0" only through
        // `{}` on the integer, so whole numbers go that way (the common case: counts).
        if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> prometheus_parse::Scrape {
        prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
            .expect("the exposition parses")
    }

    #[test]
    fn label_values_from_outside_are_escaped_and_read_back_as_written() {
        let mut e = Exposition::new();
        e.family(
            "c8dr_region_reachable",
            Kind::Gauge,
            "help with \\ and\nnewline",
        )
        .sample(&[("region", "0"), ("name", "lon\"don\\\nx")], 1.0)
        .sample(&[("region", "1"), ("name", "paris")], 0.0);
        let text = e.finish();
        assert!(text.contains(r#"name="lon\"don\\\nx""#), "{text}");
        let scrape = parse(&text);
        assert_eq!(scrape.samples.len(), 2, "{text}");
        assert_eq!(scrape.samples[0].labels.get("region"), Some("0"));
        assert_eq!(
            scrape.docs.get("c8dr_region_reachable").map(String::as_str),
            Some("help with \\\\ and\\nnewline")
        );
    }

    #[test]
    fn numbers_are_spelled_as_the_format_wants() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-1.0), "-1");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(1e20), "100000000000000000000");
    }

    #[test]
    fn counters_and_gauges_are_typed() {
        let mut e = Exposition::new();
        e.family("c8dr_events_total", Kind::Counter, "events")
            .sample(&[("level", "critical")], 2.0);
        e.family("c8dr_partitions", Kind::Gauge, "partitions")
            .sample(&[], 3.0);
        let scrape = parse(&e.finish());
        let by_name = |n: &str| {
            scrape
                .samples
                .iter()
                .find(|s| s.metric == n)
                .map(|s| s.value.clone())
        };
        assert!(
            matches!(by_name("c8dr_events_total"), Some(prometheus_parse::Value::Counter(v)) if v == 2.0)
        );
        assert!(
            matches!(by_name("c8dr_partitions"), Some(prometheus_parse::Value::Gauge(v)) if v == 3.0)
        );
    }
}
