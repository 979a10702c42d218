//! The configuration file: one TOML file (`--config`, else `C8DR_CONFIG`, else
//! `$XDG_CONFIG_HOME/c8dr/config.toml`), validated with messages that name the file, the key
//! and the problem. Secrets are only referenced (environment variable or file), never inline;
//! [`Secret`] reads them when a client needs them and never prints them.

use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The deployment's name, shown in the header.
    pub name: String,
    /// Region id that serves user traffic (active-passive).
    #[serde(default)]
    pub primary: u8,
    /// Observe only: no mutating action is offered.
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub poll: Poll,
    #[serde(default)]
    pub tls: Tls,
    pub regions: Vec<Region>,
    #[serde(default)]
    pub traffic: Option<Traffic>,
    #[serde(default)]
    pub runbook: Runbook,
    /// Where the file was read from (not a key).
    #[serde(skip)]
    pub path: PathBuf,
}

/// What the failover/failback runbooks need beyond the regions: the Elasticsearch snapshot
/// repository (dual-region-procedure.md §2.7), the Helm command lines they print for the steps
/// an operator runs elsewhere (§3.7), and how long a step may take.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    #[serde(default = "default_repository")]
    pub snapshot_repository: String,
    /// `type` of the repository body (`s3` in the blueprint; `fs`, `gcs`, `azure` elsewhere).
    #[serde(default = "default_repository_type")]
    pub repository_type: String,
    /// `settings` of the repository body, e.g. `{ bucket = "…", client = "camunda", base_path = "backups" }`.
    #[serde(default)]
    pub repository_settings: BTreeMap<String, String>,
    #[serde(default = "default_chart")]
    pub helm_chart: String,
    /// Chart version for the printed Helm commands (`$HELM_CHART_VERSION` when unset).
    #[serde(default)]
    pub helm_chart_version: Option<String>,
    /// Values files for every region, in order (the blueprint's `camunda-values.yml`).
    #[serde(default = "default_values")]
    pub helm_values: Vec<String>,
    /// Values files per region id, after `helm_values` (default `regionN/camunda-values.yml`).
    #[serde(default)]
    pub helm_region_values: BTreeMap<String, Vec<String>>,
    /// Longest wait for one step's effect (topology changes, restores, manual steps).
    #[serde(default = "default_step_timeout")]
    pub step_timeout_s: u64,
    /// A recreated broker Running but not Ready and outside the cluster this long is offered
    /// a pod restart (camunda/camunda#55038).
    #[serde(default = "default_stuck")]
    pub stuck_broker_s: u64,
    /// How long a mutating request may take before its outcome counts as unknown (a force
    /// removal must not be cut off after the poll timeout and sent again).
    #[serde(default = "default_request_timeout")]
    pub request_timeout_s: u64,
}

impl Default for Runbook {
    fn default() -> Self {
        Runbook {
            snapshot_repository: default_repository(),
            repository_type: default_repository_type(),
            repository_settings: BTreeMap::new(),
            helm_chart: default_chart(),
            helm_chart_version: None,
            helm_values: default_values(),
            helm_region_values: BTreeMap::new(),
            step_timeout_s: default_step_timeout(),
            stuck_broker_s: default_stuck(),
            request_timeout_s: default_request_timeout(),
        }
    }
}

fn default_repository() -> String {
    "camunda_backup".into()
}
fn default_repository_type() -> String {
    "s3".into()
}
fn default_chart() -> String {
    "camunda/camunda-platform".into()
}
fn default_values() -> Vec<String> {
    vec!["camunda-values.yml".into()]
}
fn default_step_timeout() -> u64 {
    900
}
fn default_stuck() -> u64 {
    90
}
fn default_request_timeout() -> u64 {
    120
}

impl Runbook {
    /// Values files of a region's Helm commands.
    pub fn values_for(&self, region: u8) -> Vec<String> {
        let mut v = self.helm_values.clone();
        match self.helm_region_values.get(&region.to_string()) {
            Some(extra) => v.extend(extra.iter().cloned()),
            None => v.push(format!("region{region}/camunda-values.yml")),
        }
        v
    }

    pub fn step_timeout(&self) -> Duration {
        Duration::from_secs(self.step_timeout_s)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_s)
    }
}

/// How often each source is asked and how long an answer may take.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    #[serde(default = "default_interval")]
    pub interval_ms: u64,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Kubernetes and DNS change slowly and cost more: asked this often.
    #[serde(default = "default_slow_interval")]
    pub slow_interval_ms: u64,
}

fn default_interval() -> u64 {
    1000
}
fn default_timeout() -> u64 {
    2000
}
fn default_slow_interval() -> u64 {
    5000
}

impl Default for Poll {
    fn default() -> Self {
        Poll {
            interval_ms: default_interval(),
            timeout_ms: default_timeout(),
            slow_interval_ms: default_slow_interval(),
        }
    }
}

impl Poll {
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms)
    }
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
    pub fn slow_interval(&self) -> Duration {
        Duration::from_millis(self.slow_interval_ms)
    }
}

/// TLS for https URLs: an extra CA (PEM) for internal certificates.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub id: u8,
    pub name: String,
    pub rest_url: Option<String>,
    pub management_url: Option<String>,
    pub elasticsearch_url: Option<String>,
    pub kube: Option<Kube>,
    pub rest_auth: Option<RestAuth>,
    pub elasticsearch_auth: Option<EsAuth>,
}

impl Region {
    /// "region 1 (paris)", for messages.
    pub fn label(&self) -> String {
        format!("region {} ({})", self.id, self.name)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kube {
    pub context: String,
    pub namespace: String,
    #[serde(default = "default_release")]
    pub release: String,
    pub kubeconfig: Option<PathBuf>,
}

fn default_release() -> String {
    "camunda".into()
}

/// REST credentials: basic auth, or OAuth client credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestAuth {
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub token_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret_env: Option<String>,
    pub client_secret_file: Option<PathBuf>,
    pub audience: Option<String>,
    /// Rejected with a clear message: secrets are never inline.
    pub password: Option<toml::Value>,
    pub client_secret: Option<toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsAuth {
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub api_key_env: Option<String>,
    pub password: Option<toml::Value>,
    pub api_key: Option<toml::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrafficMode {
    ActivePassive,
    ActiveActive,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Traffic {
    pub mode: TrafficMode,
    pub hostname: Option<String>,
    /// `host:port` or an IP (port 53); absent: the system resolver.
    pub nameserver: Option<String>,
    /// Addresses per region id ("0", "1").
    #[serde(default)]
    pub addresses: BTreeMap<String, Vec<String>>,
}

/// A secret reference, resolved on use. Debug and Display never show the value.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Env(String),
    File(PathBuf),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Env(v) => write!(f, "env ${v}"),
            Secret::File(p) => write!(f, "file {}", p.display()),
        }
    }
}

impl Secret {
    /// Reads the value; errors name the reference, never the value.
    pub fn read(&self) -> Result<String> {
        match self {
            Secret::Env(var) => {
                std::env::var(var).map_err(|_| eyre!("environment variable {var} is not set"))
            }
            Secret::File(path) => std::fs::read_to_string(path)
                .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
                .wrap_err_with(|| format!("reading secret file {}", path.display())),
        }
    }
}

/// The REST credentials a client uses.
#[derive(Debug, Clone, PartialEq)]
pub enum RestCredentials {
    Basic {
        username: String,
        password: Secret,
    },
    OAuth {
        token_url: String,
        client_id: String,
        client_secret: Secret,
        audience: Option<String>,
    },
}

/// The Elasticsearch credentials a client uses.
#[derive(Debug, Clone, PartialEq)]
pub enum EsCredentials {
    Basic { username: String, password: Secret },
    ApiKey(Secret),
}

fn one_secret(
    key: &str,
    env: &Option<String>,
    file: &Option<PathBuf>,
    inline: &Option<toml::Value>,
) -> Result<Option<Secret>, String> {
    if inline.is_some() {
        return Err(format!(
            "{key} must not be written in the file: use {key}_env or {key}_file"
        ));
    }
    match (env, file) {
        (Some(_), Some(_)) => Err(format!("set either {key}_env or {key}_file, not both")),
        (Some(v), None) => Ok(Some(Secret::Env(v.clone()))),
        (None, Some(p)) => Ok(Some(Secret::File(p.clone()))),
        (None, None) => Ok(None),
    }
}

impl RestAuth {
    pub fn credentials(&self) -> Result<RestCredentials, String> {
        let password = one_secret(
            "password",
            &self.password_env,
            &self.password_file,
            &self.password,
        )?;
        let secret = one_secret(
            "client_secret",
            &self.client_secret_env,
            &self.client_secret_file,
            &self.client_secret,
        )?;
        match (&self.username, password, &self.token_url, &self.client_id, secret) {
            (Some(u), Some(p), None, None, None) => Ok(RestCredentials::Basic { username: u.clone(), password: p }),
            (None, None, Some(t), Some(c), Some(s)) => Ok(RestCredentials::OAuth {
                token_url: t.clone(),
                client_id: c.clone(),
                client_secret: s,
                audience: self.audience.clone(),
            }),
            _ => Err("give either username + password_env|password_file, or token_url + client_id + client_secret_env|client_secret_file".into()),
        }
    }
}

impl EsAuth {
    pub fn credentials(&self) -> Result<EsCredentials, String> {
        let password = one_secret(
            "password",
            &self.password_env,
            &self.password_file,
            &self.password,
        )?;
        let api_key = one_secret("api_key", &self.api_key_env, &None, &self.api_key)?;
        match (&self.username, password, api_key) {
            (Some(u), Some(p), None) => Ok(EsCredentials::Basic {
                username: u.clone(),
                password: p,
            }),
            (None, None, Some(k)) => Ok(EsCredentials::ApiKey(k)),
            _ => Err("give either username + password_env|password_file, or api_key_env".into()),
        }
    }
}

fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("{url:?} must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("{url:?} has no host"));
    }
    Ok(())
}

impl Traffic {
    /// The nameserver as a socket address (port 53 when only an IP is given).
    pub fn nameserver_addr(&self) -> Result<Option<SocketAddr>, String> {
        match &self.nameserver {
            None => Ok(None),
            Some(ns) => ns
                .parse::<SocketAddr>()
                .or_else(|_| {
                    ns.parse::<std::net::IpAddr>()
                        .map(|ip| SocketAddr::new(ip, 53))
                })
                .map(Some)
                .map_err(|_| format!("nameserver {ns:?} is not an IP or IP:port")),
        }
    }
}

impl Config {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .wrap_err_with(|| format!("reading the configuration {}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Parses and validates configuration text; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text)
            .map_err(|e| eyre!("{}: {}", path.display(), e.to_string().trim_end()))?;
        config.path = path.to_path_buf();
        if let Err(problem) = config.validate() {
            bail!("{}: {problem}", path.display());
        }
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: must not be empty".into());
        }
        let mut ids: Vec<u8> = self.regions.iter().map(|r| r.id).collect();
        ids.sort();
        if ids != [0, 1] {
            return Err(format!(
                "regions: need exactly two [[regions]] with id 0 and id 1, found ids {ids:?}"
            ));
        }
        if self.primary > 1 {
            return Err(format!("primary: must be 0 or 1, not {}", self.primary));
        }
        if self.regions[0].name == self.regions[1].name {
            return Err(format!(
                "regions: both regions are named {:?}",
                self.regions[0].name
            ));
        }
        if self.poll.interval_ms < 100 {
            return Err(format!(
                "poll.interval_ms: at least 100, not {}",
                self.poll.interval_ms
            ));
        }
        if self.poll.timeout_ms < 50 {
            return Err(format!(
                "poll.timeout_ms: at least 50, not {}",
                self.poll.timeout_ms
            ));
        }
        for r in &self.regions {
            let at = |key: &str| format!("regions[id={}].{key}", r.id);
            for (key, url) in [
                ("rest_url", &r.rest_url),
                ("management_url", &r.management_url),
                ("elasticsearch_url", &r.elasticsearch_url),
            ] {
                if let Some(u) = url {
                    check_url(u).map_err(|e| format!("{}: {e}", at(key)))?;
                }
            }
            if r.kube.is_none() && r.rest_url.is_none() && r.management_url.is_none() {
                return Err(format!(
                    "{}: no rest_url, no management_url and no [regions.kube]: c8dr cannot reach {}",
                    at("*"),
                    r.label()
                ));
            }
            if let Some(k) = &r.kube
                && (k.context.is_empty() || k.namespace.is_empty())
            {
                return Err(format!(
                    "{}: context and namespace must not be empty",
                    at("kube")
                ));
            }
            if let Some(a) = &r.rest_auth {
                a.credentials()
                    .map_err(|e| format!("{}: {e}", at("rest_auth")))?;
            }
            if let Some(a) = &r.elasticsearch_auth {
                a.credentials()
                    .map_err(|e| format!("{}: {e}", at("elasticsearch_auth")))?;
            }
        }
        for k in self.runbook.helm_region_values.keys() {
            if k != "0" && k != "1" {
                return Err(format!(
                    "runbook.helm_region_values: keys are region ids 0 and 1, not {k:?}"
                ));
            }
        }
        if self.runbook.snapshot_repository.trim().is_empty() {
            return Err("runbook.snapshot_repository: must not be empty".into());
        }
        if self.runbook.step_timeout_s == 0 {
            return Err("runbook.step_timeout_s: at least 1".into());
        }
        if !(1..=3600).contains(&self.runbook.request_timeout_s) {
            return Err(format!(
                "runbook.request_timeout_s: between 1 and 3600, not {}",
                self.runbook.request_timeout_s
            ));
        }
        if let Some(t) = &self.traffic {
            t.nameserver_addr()
                .map_err(|e| format!("traffic.nameserver: {e}"))?;
            for (k, addrs) in &t.addresses {
                if k != "0" && k != "1" {
                    return Err(format!(
                        "traffic.addresses: keys are region ids 0 and 1, not {k:?}"
                    ));
                }
                for a in addrs {
                    a.parse::<std::net::IpAddr>().map_err(|_| {
                        format!("traffic.addresses.{k}: {a:?} is not an IP address")
                    })?;
                }
            }
        }
        Ok(())
    }

    pub fn region(&self, id: u8) -> Option<&Region> {
        self.regions.iter().find(|r| r.id == id)
    }
}

/// `$XDG_CONFIG_HOME` or `~/.config`.
fn xdg(var: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
}

/// Where the configuration comes from: `--config`, `C8DR_CONFIG`, the XDG config dir.
pub fn config_path(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| {
            std::env::var_os("C8DR_CONFIG")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .or_else(|| xdg("XDG_CONFIG_HOME", ".config").map(|d| d.join("c8dr").join("config.toml")))
}

/// Where logs, journals and audit trails go (`$XDG_STATE_HOME/c8dr`).
pub fn state_dir() -> Option<PathBuf> {
    xdg("XDG_STATE_HOME", ".local/state").map(|d| d.join("c8dr"))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn err(text: &str) -> String {
        format!(
            "{:#}",
            Config::parse(text, Path::new("/etc/c8dr.toml")).unwrap_err()
        )
    }

    #[test]
    fn a_good_file_resolves_defaults_and_references() {
        let c = Config::parse(GOOD, Path::new("c.toml")).unwrap();
        assert_eq!(c.poll.interval(), Duration::from_secs(1));
        assert_eq!(
            c.region(1).unwrap().kube.as_ref().unwrap().release,
            "camunda"
        );
        let creds = c
            .region(0)
            .unwrap()
            .rest_auth
            .as_ref()
            .unwrap()
            .credentials()
            .unwrap();
        assert!(
            matches!(creds, RestCredentials::Basic { ref password, .. } if *password == Secret::Env("C8DR_TEST_PASSWORD".into()))
        );
        assert_eq!(
            c.traffic.unwrap().nameserver_addr().unwrap(),
            Some("127.0.0.1:5353".parse().unwrap())
        );
    }

    #[test]
    fn messages_name_the_file_the_key_and_the_problem() {
        let inline = GOOD.replace(
            "password_env = \"C8DR_TEST_PASSWORD\"",
            "password = \"hunter2\"",
        );
        let e = err(&inline);
        assert!(
            e.contains("/etc/c8dr.toml") && e.contains("rest_auth") && e.contains("password_env"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "the secret must not be echoed: {e}");
        let e = err(&GOOD.replace("id = 1", "id = 3"));
        assert!(e.contains("id 0 and id 1"), "{e}");
        let e = err(&GOOD.replace("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(e.contains("regions[id=0].rest_url"), "{e}");
        let e = err(&GOOD.replace("primary = 0", "primary = 0\ncolour = \"red\""));
        assert!(e.contains("colour"), "{e}");
        let e = err(&GOOD.replace(
            "[regions.kube]\n        context = \"paris\"\n        namespace = \"camunda-paris\"",
            "",
        ));
        assert!(e.contains("cannot reach region 1 (paris)"), "{e}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = Secret::File("/run/secret".into());
        assert_eq!(format!("{s:?}"), "file /run/secret");
    }
}
