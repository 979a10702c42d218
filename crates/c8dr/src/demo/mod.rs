//! Everything that puts the simulator in the product, behind the default-on `demo` feature:
//! `c8dr demo` (the cockpit on an in-process lab, with the drill menu), `c8dr lab`, the fixed
//! scenes of `c8dr screenshots`, and the autopilot operator that rehearses runbooks in tests
//! and benches. The rest of the cockpit never imports the lab.

pub mod drills;
pub mod operator;
mod operator_kubectl;
pub mod report_scene;
pub mod scenes;

use crate::config::Config;
use crate::tui::export;
use crate::tui::theme::Theme;
use c8dr_lab::sim::Camunda;
use color_eyre::eyre::{Result, WrapErr};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CamundaArg {
    #[value(name = "8.7")]
    V87,
    #[value(name = "8.8")]
    V88,
    #[value(name = "8.9")]
    V89,
    #[value(name = "8.10")]
    V810,
}

impl From<CamundaArg> for Camunda {
    fn from(arg: CamundaArg) -> Camunda {
        match arg {
            CamundaArg::V87 => Camunda::V87,
            CamundaArg::V88 => Camunda::V88,
            CamundaArg::V89 => Camunda::V89,
            CamundaArg::V810 => Camunda::V810,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct LabArgs {
    /// Camunda version family to simulate.
    #[arg(long, value_enum, default_value = "8.8")]
    pub camunda: CamundaArg,
    /// Number of brokers (even, at least 4); even ids in region 0, odd in region 1.
    #[arg(long, default_value_t = 8)]
    pub brokers: u32,
    /// Number of partitions.
    #[arg(long, default_value_t = 8)]
    pub partitions: u32,
    /// Replication factor (4 in a correct dual-region setup; other values build
    /// misconfigured labs).
    #[arg(long, default_value_t = 4)]
    pub replication_factor: u32,
    /// Simulated time runs this many times faster than real time.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Directory for the lab's files (config, password, log); a fresh temporary directory
    /// when absent.
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Camunda 8.10 zone-aware brokers: region 0's zone and region 1's zone, e.g.
    /// `--zones london,paris` (brokers `london_0`…, `paris_0`…). Needs `--camunda 8.10`.
    #[arg(long, value_parser = parse_zones, value_name = "ZONE0,ZONE1")]
    pub zones: Option<[String; 2]>,
    /// With `--zones`: start numbered with the zoned StatefulSets beside the numbered brokers
    /// (`keepUnzonedBrokers`), to walk the migration to zone-aware brokers.
    #[arg(long, requires = "zones")]
    pub migrate: bool,
}

/// `--zones a,b`: exactly two zone names, region 0's first.
pub fn parse_zones(s: &str) -> std::result::Result<[String; 2], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [a, b] if !a.is_empty() && !b.is_empty() => Ok([a.to_string(), b.to_string()]),
        _ => Err(format!(
            "expected two zone names separated by a comma, region 0's first (e.g. london,paris), got {s:?}"
        )),
    }
}

impl LabArgs {
    pub fn options(&self) -> c8dr_lab::Options {
        c8dr_lab::Options {
            camunda: self.camunda.into(),
            brokers: self.brokers,
            partitions: self.partitions,
            replication_factor: self.replication_factor,
            speed: self.speed,
            dir: self.dir.clone(),
            zones: self.zones.clone(),
            migrate: self.migrate,
        }
    }
}

/// `c8dr lab`: start, print the ready line, run until told to stop.
pub async fn run_lab(args: &LabArgs) -> Result<()> {
    let options = args.options();
    options.validate()?;
    // Before the lab makes its directory: a signal from here on removes it (on drop).
    let mut stop = crate::signals::Listener::new()?;
    let lab = c8dr_lab::Lab::start(options).await?;
    crate::logging::init_file(&lab.dir.join("lab.log"))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", lab.ready_line()).wrap_err("writing the ready line")?;
    stdout.flush().wrap_err("writing the ready line")?;
    drop(stdout);
    let signal = stop.recv().await;
    tracing::info!("lab: {}", crate::signals::Stopped(signal));
    lab.shutdown().await;
    Ok(())
}

/// `c8dr demo`: the lab in-process and the cockpit on it, with the drill menu.
pub async fn demo(
    theme: Option<String>,
    camunda: Camunda,
    zones: Option<[String; 2]>,
    migrate: bool,
) -> Result<()> {
    let options = c8dr_lab::Options {
        camunda,
        zones,
        migrate,
        ..Default::default()
    };
    options.validate()?;
    let lab = c8dr_lab::Lab::start(options).await?;
    crate::logging::init_file(&lab.dir.join("c8dr.log"))?;
    let config = Config::load(&lab.ready.config)?;
    let drills = drills::LabDrills::new(lab.ready.control.clone())?;
    let result = crate::tui::run(
        &config,
        crate::tui::Options {
            read_only: false,
            theme,
            drills: Some(Arc::new(drills)),
        },
    )
    .await;
    lab.shutdown().await;
    result
}

/// `c8dr screenshots`: renders every fixed scene into `dir` as SVG and text.
pub fn screenshots(dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    let mut written = vec![];
    for scene in scenes::SCENES {
        let buf = scenes::render(scene);
        let theme = Theme::built_in(scene.theme);
        let (bg, fg) = match scene.theme {
            "light" => ("#fafafa", "#1c1c1c"),
            _ => ("#101418", "#d0d0d0"),
        };
        let bg = match theme.bg {
            ratatui::style::Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
            _ => bg.to_string(),
        };
        for (ext, content) in [
            ("svg", export::svg(&buf, &bg, fg)),
            ("txt", export::text(&buf)),
        ] {
            let path = dir.join(format!("{}.{ext}", scene.name));
            let mut f = std::fs::File::create(&path)
                .wrap_err_with(|| format!("writing {}", path.display()))?;
            f.write_all(content.as_bytes())
                .wrap_err_with(|| format!("writing {}", path.display()))?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    #[test]
    fn zones_are_two_names_region_0_first() {
        assert_eq!(
            super::parse_zones("london, paris"),
            Ok(["london".to_string(), "paris".to_string()])
        );
        assert!(super::parse_zones("london").is_err());
        assert!(super::parse_zones("a,b,c").is_err());
        assert!(super::parse_zones("a,").is_err());
    }
}
