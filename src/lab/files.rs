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

fn write_private(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).wrap_err_with(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .wrap_err_with(|| format!("restricting {}", path.display()))?;
    }
    Ok(())
}

/// TOML string literal (basic string with escapes).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Writes `c8dr.toml` and the password files into `dir`; returns the config's path.
pub fn write_config(dir: &Path, ready: &Ready, camunda: Camunda) -> Result<PathBuf> {
    let password_file = dir.join("rest-password");
    write_private(&password_file, &ready.rest_auth.password)?;
    let es_password_file = dir.join("elasticsearch-password");
    if let Some(es) = &ready.elasticsearch_auth {
        write_private(&es_password_file, &es.password)?;
    }
    let mut out = String::new();
    out.push_str("# c8dr configuration for a c8dr lab (written by `c8dr lab`).\n");
    out.push_str(&format!(
        "name = \"lab-{}\"\nprimary = 0\n",
        camunda.label()
    ));
    for r in &ready.regions {
        out.push_str(&format!(
            "\n[[regions]]\nid = {}\nname = {}\nrest_url = {}\nmanagement_url = {}\nelasticsearch_url = {}\n",
            r.id,
            toml_str(&r.name),
            toml_str(&r.rest),
            toml_str(&r.management),
            toml_str(&r.elasticsearch)
        ));
        if !camunda.family87() {
            out.push_str(&format!(
                "\n[regions.rest_auth]\nusername = {}\npassword_file = {}\n",
                toml_str(&ready.rest_auth.username),
                toml_str(&password_file.to_string_lossy())
            ));
        }
        if let Some(es) = &ready.elasticsearch_auth {
            out.push_str(&format!(
                "\n[regions.elasticsearch_auth]\nusername = {}\npassword_file = {}\n",
                toml_str(&es.username),
                toml_str(&es_password_file.to_string_lossy())
            ));
        }
    }
    let path = dir.join("c8dr.toml");
    write_private(&path, &out)?;
    Ok(path)
}
