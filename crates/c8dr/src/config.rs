//! The configuration file: one TOML file (`--config`, else `C8DR_CONFIG`, else
//! `$XDG_CONFIG_HOME/c8dr/config.toml`), validated with messages that name the file, the key
//! and the problem. Secrets are only referenced (environment variable or file), never inline;
//! [`Secret`] reads them when a client needs them and never prints them. No message quotes a
//! line of the file or a value from it: a typo next to a secret must not put it on a screen,
//! in a monitoring system (`c8dr check`) or in a ticket.

pub mod notify;

use crate::api;
use color_eyre::eyre::{Result, WrapErr, bail, eyre};
use serde::{Deserialize, Deserializer};
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
    #[serde(default = "region_zero", deserialize_with = "primary_id")]
    pub primary: api::Region,
    /// Observe only: no mutating action is offered.
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub poll: Poll,
    #[serde(default)]
    pub exporters: Exporters,
    #[serde(default)]
    pub tls: Tls,
    pub regions: Vec<Region>,
    #[serde(default)]
    pub traffic: Option<Traffic>,
    #[serde(default)]
    pub runbook: Runbook,
    #[serde(default)]
    pub notify: notify::Notify,
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
    /// Longest a mutating request may take. Not the poll timeout: a forced broker removal
    /// can take a while, and one cut off and retried would be sent twice.
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
    pub fn values_for(&self, region: api::Region) -> Vec<String> {
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

    /// How long one mutating request may take (`request_timeout_s`).
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_s)
    }
}

/// What c8dr must know of the deployment's exporters to judge them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exporters {
    /// The exporters' `bulk.delay` in milliseconds: the longest a healthy exporter holds
    /// records before it flushes them, so its position may stand still that long. Camunda's
    /// default is 5 s; c8dr calls a position stuck only after twice this.
    #[serde(default = "default_bulk_delay")]
    pub bulk_delay_ms: u64,
}

fn default_bulk_delay() -> u64 {
    5000
}

impl Default for Exporters {
    fn default() -> Self {
        Exporters {
            bulk_delay_ms: default_bulk_delay(),
        }
    }
}

impl Exporters {
    pub fn bulk_delay(&self) -> Duration {
        Duration::from_millis(self.bulk_delay_ms)
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
    #[serde(deserialize_with = "region_id")]
    pub id: api::Region,
    pub name: String,
    /// The zone of this region's brokers on an 8.10 zone-aware cluster (`<zone>_<n>` ids);
    /// defaults to the region's name. Numbered brokers ignore it (their region is parity).
    pub zone: Option<String>,
    /// The zone's `numberOfReplicas` and `priority`, to add it back after a failover that
    /// c8dr did not journal (a forced zone removal drops them from the cluster).
    pub zone_replicas: Option<i32>,
    pub zone_priority: Option<i32>,
    pub rest_url: Option<String>,
    pub management_url: Option<String>,
    pub elasticsearch_url: Option<String>,
    pub kube: Option<Kube>,
    pub rest_auth: Option<RestAuth>,
    pub elasticsearch_auth: Option<EsAuth>,
}

impl Region {
    /// The zone its brokers are in on a zone-aware cluster.
    pub fn zone_name(&self) -> &str {
        self.zone.as_deref().unwrap_or(&self.name)
    }

    /// "region 1 (paris)", for messages.
    pub fn label(&self) -> String {
        format!("region {} ({})", self.id, self.name)
    }

    /// Its URLs, that c8dr can reach it at all, its Kubernetes names and its credentials'
    /// references; the message names the key.
    fn validate(&self) -> Result<(), String> {
        let at = |key: &str| format!("regions[id={}].{key}", self.id);
        if let Some(zone) = &self.zone {
            api::Zone::new(zone).map_err(|e| format!("{}: {e}", at("zone")))?;
        }
        for (key, v) in [
            ("zone_replicas", self.zone_replicas),
            ("zone_priority", self.zone_priority),
        ] {
            if v.is_some_and(|v| v < 1) {
                return Err(format!("{}: must be at least 1", at(key)));
            }
        }
        for (key, url, hint) in [
            ("rest_url", self.rest_url.as_ref(), "[regions.rest_auth]"),
            (
                "management_url",
                self.management_url.as_ref(),
                "[regions.rest_auth]",
            ),
            (
                "elasticsearch_url",
                self.elasticsearch_url.as_ref(),
                "[regions.elasticsearch_auth]",
            ),
            (
                "rest_auth.token_url",
                self.rest_auth.as_ref().and_then(|a| a.token_url.as_ref()),
                "client_id and client_secret_env or client_secret_file",
            ),
        ] {
            if let Some(u) = url {
                check_url(u, hint).map_err(|e| format!("{}: {e}", at(key)))?;
            }
        }
        if self.kube.is_none() && self.rest_url.is_none() && self.management_url.is_none() {
            return Err(format!(
                "{}: no rest_url, no management_url and no [regions.kube]: c8dr cannot reach {}",
                at("*"),
                self.label()
            ));
        }
        if let Some(k) = &self.kube
            && (k.context.is_empty() || k.namespace.is_empty())
        {
            return Err(format!(
                "{}: context and namespace must not be empty",
                at("kube")
            ));
        }
        if let Some(a) = &self.rest_auth {
            a.credentials()
                .map_err(|e| format!("{}: {e}", at("rest_auth")))?;
        }
        if let Some(a) = &self.elasticsearch_auth {
            a.credentials()
                .map_err(|e| format!("{}: {e}", at("elasticsearch_auth")))?;
        }
        Ok(())
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

impl TrafficMode {
    /// The mode as the configuration spells it.
    pub fn word(self) -> &'static str {
        match self {
            TrafficMode::ActivePassive => "active-passive",
            TrafficMode::ActiveActive => "active-active",
        }
    }
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

/// `url` is an http(s) URL with a host and no user info. A URL with `user:password@` is
/// refused without being quoted (that would print the password); `hint` says where
/// credentials go instead.
fn check_url(url: &str, hint: &str) -> Result<(), String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(format!("must not carry credentials; use {hint}"));
    }
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("{url:?} must start with http:// or https://"));
    }
    if authority.is_empty() {
        return Err(format!("{url:?} has no host"));
    }
    Ok(())
}

/// A URL as compared between regions: no trailing `/`, scheme and host in lower case.
fn normalized_url(url: &str) -> String {
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(end);
            format!(
                "{}://{}{tail}",
                scheme.to_ascii_lowercase(),
                authority.to_ascii_lowercase()
            )
        }
        None => url.to_string(),
    }
}

/// `key` lies within `lo..=hi`; the message names the key and the bounds.
fn within(key: &str, value: u64, lo: u64, hi: u64) -> Result<(), String> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(format!("{key}: between {lo} and {hi}, not {value}"))
    }
}

impl Traffic {
    /// Its nameserver and its addresses per region id.
    fn validate(&self) -> Result<(), String> {
        self.nameserver_addr()
            .map_err(|e| format!("traffic.nameserver: {e}"))?;
        for (k, addrs) in &self.addresses {
            if k != "0" && k != "1" {
                return Err(format!(
                    "traffic.addresses: keys are region ids 0 and 1, not {k:?}"
                ));
            }
            for a in addrs {
                a.parse::<std::net::IpAddr>()
                    .map_err(|_| format!("traffic.addresses.{k}: {a:?} is not an IP address"))?;
            }
        }
        Ok(())
    }

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

/// Whether a configuration or secret file that group or others can access is refused (the
/// default, as ssh refuses such a private key) or used with a warning (`--insecure-permissions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Permissions {
    #[default]
    Private,
    Insecure,
}

/// A configuration or secret file that group or others can access (unix only): the file
/// leads to or holds credentials for a production cluster, and anyone who can change it can
/// point c8dr's runbooks elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoosePermissions {
    /// "the configuration", or the key that names the secret file.
    pub what: String,
    pub path: PathBuf,
    pub mode: u32,
}

impl fmt::Display for LoosePermissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} has mode {:04o}: group or others can read or change it, so c8dr refuses it \
             (as ssh refuses such a key); run `chmod 600 {}`",
            self.what,
            self.path.display(),
            self.mode,
            self.path.display()
        )
    }
}

impl std::error::Error for LoosePermissions {}

/// `path`'s permissions judged: `Some` when group or others can access it. A file that cannot
/// be looked at is not judged here: reading it fails with its own message.
fn loose(what: &str, path: &Path) -> Option<LoosePermissions> {
    match crate::private_fs::loose_mode(path) {
        Ok(Some(mode)) => Some(LoosePermissions {
            what: what.to_string(),
            path: path.to_path_buf(),
            mode,
        }),
        _ => None,
    }
}

impl Config {
    /// Reads and validates `path`, refusing it, or a secret file it names, when group or
    /// others can access it.
    pub fn load(path: &Path) -> Result<Config> {
        Ok(Self::load_with(path, Permissions::Private)?.0)
    }

    /// As [`Config::load`]; with [`Permissions::Insecure`] loose files are used and each is
    /// returned as a warning for the caller to show and log (never silent). A refusal is a
    /// [`LoosePermissions`] error.
    pub fn load_with(path: &Path, permissions: Permissions) -> Result<(Config, Vec<String>)> {
        let text = std::fs::read_to_string(path)
            .wrap_err_with(|| format!("reading the configuration {}", path.display()))?;
        let mut found: Vec<LoosePermissions> =
            loose("the configuration", path).into_iter().collect();
        // Refused before its text is parsed: nothing from a file others can change is used.
        if permissions == Permissions::Private
            && let Some(first) = found.pop()
        {
            return Err(first.into());
        }
        let config = Self::parse(&text, path)?;
        found.extend(
            config
                .secret_files()
                .into_iter()
                .filter_map(|(what, p)| loose(&what, p)),
        );
        let mut warnings = vec![];
        for l in found {
            match permissions {
                Permissions::Private => return Err(l.into()),
                Permissions::Insecure => warnings.push(format!(
                    "{} {} has mode {:04o}: group or others can read or change it; used \
                     anyway (--insecure-permissions): run `chmod 600 {}`",
                    l.what,
                    l.path.display(),
                    l.mode,
                    l.path.display()
                )),
            }
        }
        Ok((config, warnings))
    }

    /// The secret files the configuration names, with their keys.
    fn secret_files(&self) -> Vec<(String, &Path)> {
        let mut out = vec![];
        for r in &self.regions {
            let key = |k: &str| format!("regions[id={}].{k}", r.id);
            if let Some(a) = &r.rest_auth {
                for (k, p) in [
                    ("rest_auth.password_file", &a.password_file),
                    ("rest_auth.client_secret_file", &a.client_secret_file),
                ] {
                    out.extend(p.as_deref().map(|p| (key(k), p)));
                }
            }
            if let Some(p) = r
                .elasticsearch_auth
                .as_ref()
                .and_then(|a| a.password_file.as_deref())
            {
                out.push((key("elasticsearch_auth.password_file"), p));
            }
        }
        out.extend(self.notify.secret_files());
        out
    }

    /// Parses and validates configuration text; `path` is only for messages. Validation
    /// reads `tls.ca_file`.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| eyre!("{}", toml_error(text, path, &e)))?;
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
        let mut ids: Vec<u8> = self.regions.iter().map(|r| r.id.id()).collect();
        ids.sort();
        if ids != [0, 1] {
            return Err(format!(
                "regions: need exactly two [[regions]] with id 0 and id 1, found ids {ids:?}"
            ));
        }
        self.distinct_urls()?;
        if self.regions[0].name == self.regions[1].name {
            return Err(format!(
                "regions: both regions are named {:?}",
                self.regions[0].name
            ));
        }
        if self.regions[0].zone_name() == self.regions[1].zone_name() {
            return Err(format!(
                "regions: both regions are in zone {:?} (set regions.zone to each region's \
                 zone: a zone-aware cluster's brokers are placed by it)",
                self.regions[0].zone_name()
            ));
        }
        // Upper bounds too: an hour-long interval or minute-long timeout is a typo, and a
        // zero slow interval would poll Kubernetes in a busy loop.
        within("poll.interval_ms", self.poll.interval_ms, 100, 3_600_000)?;
        within("poll.timeout_ms", self.poll.timeout_ms, 50, 60_000)?;
        within(
            "poll.slow_interval_ms",
            self.poll.slow_interval_ms,
            100,
            3_600_000,
        )?;
        within(
            "exporters.bulk_delay_ms",
            self.exporters.bulk_delay_ms,
            0,
            600_000,
        )?;
        if let Some(ca) = &self.tls.ca_file {
            crate::source::http::read_ca_file(ca).map_err(|e| format!("tls.ca_file: {e}"))?;
        }
        for r in &self.regions {
            r.validate()?;
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
        within(
            "runbook.request_timeout_s",
            self.runbook.request_timeout_s,
            1,
            3600,
        )?;
        if let Some(t) = &self.traffic {
            t.validate()?;
        }
        self.notify.validate()?;
        Ok(())
    }

    /// Each region has its own endpoints: with one URL for both, losing a region would look
    /// like a network split (the "other" region still answers), and a runbook would act on
    /// the survivor believing it the lost one.
    fn distinct_urls(&self) -> Result<(), String> {
        let (Some(r0), Some(r1)) = (
            self.region(api::Region::ZERO),
            self.region(api::Region::ONE),
        ) else {
            return Ok(());
        };
        for (key, a, b) in [
            ("rest_url", &r0.rest_url, &r1.rest_url),
            ("management_url", &r0.management_url, &r1.management_url),
            (
                "elasticsearch_url",
                &r0.elasticsearch_url,
                &r1.elasticsearch_url,
            ),
        ] {
            if let (Some(a), Some(b)) = (a, b)
                && normalized_url(a) == normalized_url(b)
            {
                return Err(format!(
                    "regions[id=0].{key} and regions[id=1].{key}: the same URL for both \
                     regions (a lost region would then read as a network split)"
                ));
            }
        }
        Ok(())
    }

    pub fn region(&self, id: api::Region) -> Option<&Region> {
        self.regions.iter().find(|r| r.id == id)
    }

    /// Which zone is which region's (a region's zone defaults to its name; a name that is no
    /// valid zone leaves the region without one, and `validate` has said so).
    pub fn zones(&self) -> api::ZoneMap {
        api::ZoneMap(api::PerRegion::from_fn(|id| {
            self.region(id)
                .and_then(|r| api::Zone::new(r.zone_name()).ok())
        }))
    }
}

fn region_zero() -> api::Region {
    api::Region::ZERO
}

/// A region number as the file writes it; any other number than 0 or 1 is refused here, with
/// the rule, so that nothing after the file is read has to think about a third region.
fn region_number<'de, D: Deserializer<'de>>(d: D, rule: &str) -> Result<api::Region, D::Error> {
    let id = u8::deserialize(d)?;
    api::Region::new(id).ok_or_else(|| serde::de::Error::custom(format!("{rule}, not {id}")))
}

fn region_id<'de, D: Deserializer<'de>>(d: D) -> Result<api::Region, D::Error> {
    region_number(d, "need exactly two [[regions]] with id 0 and id 1")
}

fn primary_id<'de, D: Deserializer<'de>>(d: D) -> Result<api::Region, D::Error> {
    region_number(d, "must be 0 or 1")
}

/// A TOML error as `<file>:<line>:<column>: <key>: <message>`. toml's own rendering quotes
/// the offending line, which is where a mistyped secret sits; this one says where, names the
/// key (the table header in effect and the key left of `=`) and drops quoted values from the
/// message.
fn toml_error(text: &str, path: &Path, e: &toml::de::Error) -> String {
    let message = crate::text::clean(&redact_values(e.message().trim_end()));
    let Some(span) = e.span() else {
        return format!("{}: {message}", path.display());
    };
    let start = text.floor_char_boundary(span.start.min(text.len()));
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let at = format!("{}:{line}:{column}", path.display());
    match key_at(text, line_start) {
        Some(key) => format!("{at}: {}: {message}", crate::text::clean(&key)),
        None => format!("{at}: {message}"),
    }
}

/// The dotted key of the line starting at `line_start`: the `[table]` or `[[array]]` header
/// in effect plus the key left of `=`; only what has the shape of a key is taken.
fn key_at(text: &str, line_start: usize) -> Option<String> {
    let line = text[line_start..].lines().next().unwrap_or_default();
    if let Some(header) = header_name(line) {
        return Some(header.to_string());
    }
    let table = text[..line_start].lines().rev().find_map(header_name);
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| is_key(k));
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (Some(t), None) => Some(t.to_string()),
        (None, Some(k)) => Some(k.to_string()),
        (None, None) => None,
    }
}

/// `regions.kube` for a line `[regions.kube]` or `[[regions]]` (comments allowed after).
fn header_name(line: &str) -> Option<&str> {
    let line = line.split_once('#').map_or(line, |(l, _)| l).trim();
    let inner = line
        .strip_prefix("[[")
        .and_then(|l| l.strip_suffix("]]"))
        .or_else(|| line.strip_prefix('[').and_then(|l| l.strip_suffix(']')))?
        .trim();
    is_key(inner).then_some(inner)
}

/// A bare or quoted, possibly dotted, TOML key (not a value: no `[`, `=`, `,`, …).
fn is_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars().filter(|c| *c == '"').count() % 2 == 0
        && k.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\'' | ' '))
}

/// A deserializer message without the values it quotes: serde writes `string "…"`,
/// `integer \`…\``, `unknown variant \`…\``, all of which can be a mistyped secret. Key names
/// (`unknown field \`pasword\``) and the expected alternatives (after "expected") stay.
fn redact_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // Skip to the closing quote, honouring backslash escapes.
                let mut escaped = false;
                for c in chars.by_ref() {
                    match (escaped, c) {
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => escaped = false,
                    }
                }
                trim_space(&mut out);
            }
            '`' => {
                let quoted: String = chars.by_ref().take_while(|c| *c != '`').collect();
                let keep = out.trim_end().ends_with("field")
                    || out
                        .split(|c: char| !c.is_alphanumeric())
                        .any(|w| w == "expected");
                if keep {
                    out.push('`');
                    out.push_str(&quoted);
                    out.push('`');
                } else {
                    trim_space(&mut out);
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn trim_space(s: &mut String) {
    while s.ends_with(' ') {
        s.pop();
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
            c.region(api::Region::ONE)
                .unwrap()
                .kube
                .as_ref()
                .unwrap()
                .release,
            "camunda"
        );
        let creds = c
            .region(api::Region::ZERO)
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
    fn a_regions_zone_defaults_to_its_name_and_is_checked() {
        let c = Config::parse(GOOD, Path::new("c.toml")).unwrap();
        let zones = c.zones();
        let paris = api::Zone::new("paris").unwrap();
        assert_eq!(zones.zone(api::Region::ONE), Some(paris));
        assert_eq!(
            zones.region_of(api::BrokerId::zoned(paris, 2)),
            Some(api::Region::ONE)
        );
        let named = GOOD.replace(
            "name = \"paris\"\n",
            "name = \"paris\"\n        zone = \"eu-west-3\"\n",
        );
        let c = Config::parse(&named, Path::new("c.toml")).unwrap();
        assert_eq!(
            c.zones().zone(api::Region::ONE).map(api::Zone::as_str),
            Some("eu-west-3")
        );
        let bad = GOOD.replace(
            "name = \"paris\"\n",
            "name = \"paris\"\n        zone = \"eu west\"\n",
        );
        assert!(err(&bad).contains("regions[id=1].zone"), "{}", err(&bad));
        let same = GOOD.replace(
            "name = \"paris\"\n",
            "name = \"paris\"\n        zone = \"london\"\n",
        );
        assert!(
            err(&same).contains("both regions are in zone"),
            "{}",
            err(&same)
        );
        let zero = GOOD.replace(
            "name = \"paris\"\n",
            "name = \"paris\"\n        zone_replicas = 0\n        zone_priority = 500\n",
        );
        assert!(
            err(&zero).contains("regions[id=1].zone_replicas: must be at least 1"),
            "{}",
            err(&zero)
        );
    }

    #[test]
    fn messages_name_the_file_the_key_and_the_problem() {
        let e = err_without_secret(
            "password_env = \"C8DR_TEST_PASSWORD\"",
            "password = \"hunter2\"",
        );
        assert!(
            e.contains("/etc/c8dr.toml") && e.contains("rest_auth") && e.contains("password_env"),
            "{e}"
        );
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

    /// The error for GOOD with `from` replaced by `to`; it must not contain "hunter2".
    fn err_without_secret(from: &str, to: &str) -> String {
        assert!(GOOD.contains(from), "{from}");
        let e = err(&GOOD.replacen(from, to, 1));
        assert!(!e.contains("hunter2"), "the secret must not be echoed: {e}");
        e
    }

    #[test]
    fn toml_errors_say_where_and_which_key_but_not_the_value() {
        const ENV: &str = "password_env = \"C8DR_TEST_PASSWORD\"";
        for (what, from, to, starts, contains) in [
            (
                "a typo in a key: the key name stays, the line does not",
                ENV,
                "pasword = \"hunter2\"",
                "/etc/c8dr.toml:10:9: regions.rest_auth.pasword: ",
                "unknown field `pasword`",
            ),
            (
                "an unterminated string",
                ENV,
                "password_file = \"/run/hunter2",
                "/etc/c8dr.toml:10:",
                "regions.rest_auth.password_file: ",
            ),
            (
                "a wrong type: serde quotes the value, the message must not",
                "primary = 0",
                "primary = 0\n        read_only = \"hunter2\"",
                "/etc/c8dr.toml:4:",
                "read_only: invalid type: string, expected a boolean",
            ),
            (
                "a duplicate key",
                "username = \"demo\"",
                "username = \"demo\"\n        username = \"hunter2\"",
                "/etc/c8dr.toml:10:9: regions.rest_auth.username: ",
                "duplicate key",
            ),
            (
                "an integer, quoted with backticks",
                "primary = 0",
                "primary = 0\n        read_only = 4242",
                "/etc/c8dr.toml:4:",
                "read_only: invalid type: integer, expected a boolean",
            ),
            (
                "an enum variant, quoted with backticks",
                "mode = \"active-passive\"",
                "mode = \"hunter2\"",
                "/etc/c8dr.toml:18:",
                "traffic.mode: unknown variant, expected `active-passive`",
            ),
        ] {
            let e = err_without_secret(from, to);
            assert!(e.starts_with(starts) && e.contains(contains), "{what}: {e}");
            assert!(!e.contains("4242"), "{what}: {e}");
        }
    }

    #[test]
    fn values_are_cut_out_of_messages_and_keys_are_found() {
        assert_eq!(
            redact_values(r#"invalid type: string "a \"b\" c", expected u8"#),
            "invalid type: string, expected u8"
        );
        assert_eq!(
            redact_values("unknown field `x`, expected one of `a`, `b`"),
            "unknown field `x`, expected one of `a`, `b`"
        );
        assert_eq!(
            redact_values("invalid value: integer `300`, expected u8"),
            "invalid value: integer, expected u8"
        );
        assert_eq!(redact_values("unexpected `x`"), "unexpected");
        let text = "a = 1\n[[regions]] # r\nid = 0\n  [regions.kube]\n  [1, 2],\n";
        let at = |line: &str| key_at(text, text.find(line).unwrap());
        assert_eq!(at("a = 1").as_deref(), Some("a"));
        assert_eq!(at("[[regions]]").as_deref(), Some("regions"));
        assert_eq!(at("id = 0").as_deref(), Some("regions.id"));
        assert_eq!(at("  [regions.kube]").as_deref(), Some("regions.kube"));
        assert_eq!(at("  [1, 2],").as_deref(), Some("regions.kube"));
    }

    #[test]
    fn urls_with_credentials_are_refused_without_repeating_them() {
        for (from, to, key, hint) in [
            (
                "rest_url = \"http://127.0.0.1:8080\"",
                "rest_url = \"http://demo:hunter2@127.0.0.1:8080\"",
                "regions[id=0].rest_url",
                "[regions.rest_auth]",
            ),
            (
                "rest_url = \"http://127.0.0.1:8080\"",
                "rest_url = \"http://127.0.0.1:8080\"\n        management_url = \"https://hunter2@mgmt/\"",
                "regions[id=0].management_url",
                "[regions.rest_auth]",
            ),
            (
                "rest_url = \"http://127.0.0.1:8080\"",
                "rest_url = \"http://127.0.0.1:8080\"\n        elasticsearch_url = \"HTTPS://elastic:hunter2@es:9200\"",
                "regions[id=0].elasticsearch_url",
                "[regions.elasticsearch_auth]",
            ),
            (
                "username = \"demo\"\n        password_env = \"C8DR_TEST_PASSWORD\"",
                "token_url = \"https://c8dr:hunter2@idp/token\"\n        client_id = \"c8dr\"\n        client_secret_env = \"S\"",
                "regions[id=0].rest_auth.token_url",
                "client_secret_env",
            ),
            (
                "rest_url = \"http://127.0.0.1:8080\"",
                "rest_url = \"ftp://hunter2:x@host\"",
                "regions[id=0].rest_url",
                "[regions.rest_auth]",
            ),
        ] {
            let e = err_without_secret(from, to);
            assert!(
                e.contains(&format!("{key}: must not carry credentials; use")) && e.contains(hint),
                "{e}"
            );
        }
        // An `@` in the path is not user info.
        let ok = GOOD.replace("8080\"", "8080/users/@me\"");
        Config::parse(&ok, Path::new("c.toml")).unwrap();
    }

    #[test]
    fn both_regions_on_one_url_is_an_error() {
        let same = GOOD.replace(
            "[regions.kube]",
            "rest_url = \"HTTP://127.0.0.1:8080/\"\n        [regions.kube]",
        );
        let e = err(&same);
        assert!(
            e.contains("regions[id=0].rest_url and regions[id=1].rest_url")
                && e.contains("network split"),
            "{e}"
        );
        let path_differs = same.replace("8080/\"", "8080/other\"");
        Config::parse(&path_differs, Path::new("c.toml")).unwrap();
        assert_eq!(
            normalized_url("HTTPS://Host.Example:9200/Path/"),
            "https://host.example:9200/Path"
        );
    }

    #[test]
    fn poll_and_request_timeouts_are_bounded() {
        for (key, value, bounds) in [
            ("slow_interval_ms", 0, "between 100 and 3600000"),
            ("interval_ms", 3_600_001, "between 100 and 3600000"),
            ("interval_ms", 99, "between 100 and 3600000"),
            ("timeout_ms", 60_001, "between 50 and 60000"),
        ] {
            let e = err(&GOOD.replace(
                "primary = 0",
                &format!("primary = 0\n[poll]\n{key} = {value}"),
            ));
            assert!(
                e.contains(&format!("poll.{key}: {bounds}, not {value}")),
                "{e}"
            );
        }
        let with = |line: &str| format!("{GOOD}\n[runbook]\n{line}\n");
        let c = Config::parse(&with("step_timeout_s = 900"), Path::new("c.toml")).unwrap();
        assert_eq!(c.runbook.request_timeout(), Duration::from_secs(120));
        let c = Config::parse(&with("request_timeout_s = 600"), Path::new("c.toml")).unwrap();
        assert_eq!(c.runbook.request_timeout(), Duration::from_secs(600));
        for v in [0, 3601] {
            let e = err(&with(&format!("request_timeout_s = {v}")));
            assert!(
                e.contains(&format!(
                    "runbook.request_timeout_s: between 1 and 3600, not {v}"
                )),
                "{e}"
            );
        }
    }

    #[test]
    fn the_ca_file_must_hold_a_pem_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        let with_ca = |path: &Path| {
            GOOD.replace(
                "primary = 0",
                &format!(
                    "primary = 0\n[tls]\nca_file = {:?}",
                    path.display().to_string()
                ),
            )
        };
        let e = err(&with_ca(&ca));
        assert!(e.contains("tls.ca_file") && e.contains("ca.pem"), "{e}");
        std::fs::write(&ca, "just text\n").unwrap();
        let e = err(&with_ca(&ca));
        assert!(
            e.contains("tls.ca_file") && e.contains("ca.pem") && e.contains("no PEM certificate"),
            "{e}"
        );
        std::fs::write(&ca, TEST_CA).unwrap();
        Config::parse(&with_ca(&ca), Path::new("c.toml")).unwrap();
    }

    /// A self-signed test CA (no key kept anywhere), valid until 2126.
    const TEST_CA: &str = "-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUe3g8PEh4M0/WXsv90FhXw5Lzm7owCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMYzhkciB0ZXN0IENBMCAXDTI2MTEzMDE1MDkyOVoYDzIxMjYx
MTA2MTUwOTI5WjAXMRUwEwYDVQQDDAxjOGRyIHRlc3QgQ0EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARbxWr7E64VZadbJh/YHSAQOGG7OSDZEvctl6P1xvTETCiA
dJuHJmWhXgyZs7r+s/TY1IgIT4zoPyrX2IScgvJ7o1MwUTAdBgNVHQ4EFgQUIIum
tFKxe7pvCag+mfeLg/LBQcAwHwYDVR0jBBgwFoAUIIumtFKxe7pvCag+mfeLg/LB
QcAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiAO6yTAnHY4G7Qy
za7BcJX77agsVJmlH0sNSkkaxNm/PAIhAJsgL5el+uqLoAacM/oWryLFM9Zhg1hu
EGoPVREiWAGv
-----END CERTIFICATE-----
";

    /// GOOD (with `to` for `from`) written to a fresh directory with `mode`.
    #[cfg(unix)]
    fn written(mode: u32, from: &str, to: &str) -> (tempfile::TempDir, PathBuf) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c8dr.toml");
        std::fs::write(&path, GOOD.replacen(from, to, 1)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        (dir, path)
    }

    #[cfg(unix)]
    #[test]
    fn a_config_open_to_group_or_others_is_refused_as_ssh_does() {
        for mode in [0o644, 0o640, 0o604, 0o660, 0o601] {
            let (_dir, path) = written(mode, "", "");
            let e = Config::load(&path).unwrap_err();
            let loose = e
                .downcast_ref::<LoosePermissions>()
                .expect("a permission refusal");
            assert_eq!(loose.mode, mode);
            let text = format!("{e:#}");
            assert!(
                text.contains(&format!(
                    "the configuration {} has mode {mode:04o}",
                    path.display()
                )) && text.contains(&format!("`chmod 600 {}`", path.display())),
                "{text}"
            );
        }
        for mode in [0o600, 0o400, 0o700] {
            let (_dir, path) = written(mode, "", "");
            Config::load(&path).unwrap();
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_file_open_to_group_is_refused_and_a_symlink_judged_by_its_target() {
        use std::os::unix::fs::PermissionsExt;
        let secrets = tempfile::tempdir().unwrap();
        let secret = secrets.path().join("rest-password");
        std::fs::write(&secret, "hunter2\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = secrets.path().join("link");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        for named in [&secret, &link] {
            let (_dir, path) = written(
                0o600,
                "password_env = \"C8DR_TEST_PASSWORD\"",
                &format!("password_file = {:?}", named.display().to_string()),
            );
            let e = format!("{:#}", Config::load(&path).unwrap_err());
            assert!(
                e.contains(&format!(
                    "regions[id=0].rest_auth.password_file {} has mode 0640",
                    named.display()
                )) && e.contains(&format!("`chmod 600 {}`", named.display())),
                "{e}"
            );
            assert!(!e.contains("hunter2"), "{e}");
        }
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let (_dir, path) = written(
            0o600,
            "password_env = \"C8DR_TEST_PASSWORD\"",
            &format!("password_file = {:?}", link.display().to_string()),
        );
        Config::load(&path).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn insecure_permissions_load_the_file_with_a_warning_per_loose_file() {
        let secrets = tempfile::tempdir().unwrap();
        let secret = secrets.path().join("es-password");
        std::fs::write(&secret, "hunter2").unwrap();
        let (_dir, path) = written(
            0o644,
            "[[regions]]\n        id = 1",
            &format!(
                "[regions.elasticsearch_auth]\nusername = \"elastic\"\npassword_file = {:?}\n[[regions]]\n        id = 1",
                secret.display().to_string()
            ),
        );
        let (config, warnings) = Config::load_with(&path, Permissions::Insecure).unwrap();
        assert_eq!(config.name, "prod-eu");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains(&format!(
                "the configuration {} has mode 0644",
                path.display()
            )) && warnings[0].contains("--insecure-permissions")
                && warnings[0].contains("chmod 600"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].contains("regions[id=0].elasticsearch_auth.password_file"),
            "{warnings:?}"
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = Secret::File("/run/secret".into());
        assert_eq!(format!("{s:?}"), "file /run/secret");
    }
}
