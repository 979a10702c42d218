//! Files the lab writes beside itself: a c8dr config for it and the REST password.
//!
//! The secret goes into its own file (mode 0600) and the config refers to it by path, the
//! way a real deployment's config must (secrets by reference, never inline).

use super::Ready;
use super::sim::Camunda;
use color_eyre::eyre::{Result, WrapErr};
use std::path::{Path, PathBuf};

/// A random password for the lab's REST API.
pub fn random_secret() -> String {
    let mut rng = fastrand::Rng::new();
    (0..20).map(|_| rng.alphanumeric()).collect()
}

/// Writes `path` private to the user (0600), as c8dr requires of a configuration and its
/// secret files: created so (never readable by others, not even for a moment) and, when it
/// exists, restricted before it is written.
fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .wrap_err_with(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .wrap_err_with(|| format!("restricting {}", path.display()))?;
    }
    file.write_all(contents.as_bytes())
        .wrap_err_with(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// TOML string literal (basic string with escapes).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Writes the kubeconfig: one cluster, user and context per region. There is no
/// current-context on purpose: c8dr always names the context of each region.
pub fn write_kubeconfig(dir: &Path, ready: &Ready) -> Result<PathBuf> {
    let mut out = String::from("apiVersion: v1\nkind: Config\npreferences: {}\nclusters:\n");
    for r in &ready.regions {
        out.push_str(&format!(
            "- name: {ctx}\n  cluster:\n    server: {url}\n",
            ctx = r.kube_context,
            url = r.kube_api
        ));
    }
    out.push_str("users:\n- name: c8dr-lab\n  user: {}\ncontexts:\n");
    for r in &ready.regions {
        out.push_str(&format!(
            "- name: {ctx}\n  context:\n    cluster: {ctx}\n    user: c8dr-lab\n    namespace: {ns}\n",
            ctx = r.kube_context,
            ns = r.namespace
        ));
    }
    let path = dir.join("kubeconfig");
    write_private(&path, &out)?;
    Ok(path)
}

/// Region `r`'s Elasticsearch password file.
pub fn es_password_file(dir: &Path, r: u8) -> PathBuf {
    dir.join(format!("elasticsearch-password-{r}"))
}

/// Writes a c8dr config for the lab (and the password files): with direct URLs, or
/// (`direct = false`) through the kubeconfig only, so c8dr port-forwards. Returns its path.
pub fn write_config(dir: &Path, ready: &Ready, camunda: Camunda, direct: bool) -> Result<PathBuf> {
    let password_file = dir.join("rest-password");
    write_private(&password_file, &ready.rest_auth.password)?;
    // One file per region: each region's Elasticsearch has its own password.
    for r in &ready.regions {
        if let Some(es) = &r.elasticsearch_auth {
            write_private(&es_password_file(dir, r.id), &es.password)?;
        }
    }
    let mut out = String::new();
    out.push_str(&format!(
        "# c8dr configuration for a c8dr lab (written by `c8dr lab`){}.\n",
        if direct {
            ""
        } else {
            ", reaching everything through the kubeconfig"
        }
    ));
    out.push_str(&format!(
        "name = \"lab-{}\"\nprimary = 0\n",
        camunda.label()
    ));
    // The lab's exporters write continuously (no bulk delay): a position that stands still
    // for two polls is stuck.
    out.push_str("\n[exporters]\nbulk_delay_ms = 0\n");
    for r in &ready.regions {
        out.push_str(&format!(
            "\n[[regions]]\nid = {}\nname = {}\n",
            r.id,
            toml_str(&r.name)
        ));
        // A zone-aware lab: c8dr places `<zone>_<n>` by the region's zone, which defaults to
        // the region's name.
        if let Some(zone) = r.zone.as_ref().filter(|z| **z != r.name) {
            out.push_str(&format!("zone = {}\n", toml_str(zone)));
        }
        if direct {
            out.push_str(&format!(
                "rest_url = {}\nmanagement_url = {}\nelasticsearch_url = {}\n",
                toml_str(&r.rest),
                toml_str(&r.management),
                toml_str(&r.elasticsearch)
            ));
        }
        out.push_str(&format!(
            "\n[regions.kube]\ncontext = {}\nnamespace = {}\nrelease = \"camunda\"\nkubeconfig = {}\n",
            toml_str(&r.kube_context),
            toml_str(&r.namespace),
            toml_str(&ready.kubeconfig.to_string_lossy())
        ));
        if !camunda.family87() {
            out.push_str(&format!(
                "\n[regions.rest_auth]\nusername = {}\npassword_file = {}\n",
                toml_str(&ready.rest_auth.username),
                toml_str(&password_file.to_string_lossy())
            ));
        }
        if let Some(es) = &r.elasticsearch_auth {
            out.push_str(&format!(
                "\n[regions.elasticsearch_auth]\nusername = {}\npassword_file = {}\n",
                toml_str(&es.username),
                toml_str(&es_password_file(dir, r.id).to_string_lossy())
            ));
        }
    }
    out.push_str(&format!(
        "\n[traffic]\nmode = {}\nhostname = {}\nnameserver = {}\n\n[traffic.addresses]\n",
        toml_str(if camunda >= Camunda::V89 {
            "active-active"
        } else {
            "active-passive"
        }),
        toml_str(&ready.traffic_hostname),
        toml_str(&ready.dns)
    ));
    for r in &ready.regions {
        out.push_str(&format!("{} = [{}]\n", r.id, toml_str(&r.traffic_address)));
    }
    // The lab's snapshot store is an S3 bucket by that name (dual-region-procedure.md §2.7).
    out.push_str(&format!(
        "\n[runbook]\nsnapshot_repository = \"camunda_backup\"\nrepository_type = \"s3\"\nhelm_chart_version = {}\n\n[runbook.repository_settings]\n",
        toml_str(camunda.chart_version())
    ));
    for (k, v) in crate::sim::default_repository() {
        out.push_str(&format!(
            "{k} = {}\n",
            toml_str(v.as_str().unwrap_or_default())
        ));
    }
    let path = dir.join(if direct {
        "c8dr.toml"
    } else {
        "c8dr-kube.toml"
    });
    write_private(&path, &out)?;
    Ok(path)
}
