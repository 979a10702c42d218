//! The lab operator's kubectl work, done on the lab's Kubernetes API as kubectl does it:
//! `kubectl set env statefulset/camunda-zeebe NAME=value` / `NAME-` (the zone's
//! `camunda-zeebe-<zone>` on a zone-aware lab; GET the StatefulSet for
//! its container's name, then a strategic-merge PATCH) and the documented
//! `sync_elasticsearch_passwords.sh` (each region's ECK `elastic` password copied as
//! `elasticsearch-es-password-region-<r>` into both namespaces). Secret values pass through
//! here only as the API's base64 and are never logged.

use serde_json::{Value, json};

const STS: &str = "camunda-zeebe";

/// Performs `act` (what follows `kube/` in a manual action).
pub async fn perform(
    http: &reqwest::Client,
    kube: &[(String, String)],
    act: &str,
) -> Result<(), String> {
    if act == "sync-es-passwords" {
        return sync_passwords(http, kube).await;
    }
    let (region, rest) = act
        .split_once('/')
        .ok_or_else(|| format!("unknown kube action {act:?}"))?;
    let (api, ns) = region
        .parse::<usize>()
        .ok()
        .and_then(|r| kube.get(r))
        .ok_or_else(|| format!("no Kubernetes API for region {region:?}"))?;
    let spec = rest
        .strip_prefix("env/")
        .ok_or_else(|| format!("unknown kube action {act:?}"))?;
    let entry = match spec.strip_suffix('-') {
        Some(name) => json!({"$patch": "delete", "name": name}),
        None => {
            let (name, value) = spec
                .split_once('=')
                .ok_or_else(|| format!("env {spec:?}: NAME=value or NAME-"))?;
            json!({"name": name, "value": value})
        }
    };
    let sets = format!("{api}/apis/apps/v1/namespaces/{ns}/statefulsets");
    let list: Value = ok(http.get(&sets).send().await)?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let names: Vec<&str> = list["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["metadata"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    // The numbered release's StatefulSet, else the zone's (a zone-aware release has one).
    let name = names
        .iter()
        .find(|n| **n == STS)
        .or_else(|| {
            names
                .iter()
                .find(|n| n.strip_prefix(STS).is_some_and(|z| z.starts_with('-')))
        })
        .ok_or_else(|| format!("no broker StatefulSet in {ns}: {names:?}"))?;
    let url = format!("{sets}/{name}");
    let sts: Value = ok(http.get(&url).send().await)?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let container = sts["spec"]["template"]["spec"]["containers"][0]["name"].clone();
    let patch = json!({"spec": {"template": {"spec": {"containers": [
        {"name": container, "env": [entry]}]}}}});
    ok(http
        .patch(&url)
        .header("Content-Type", "application/strategic-merge-patch+json")
        .body(patch.to_string())
        .send()
        .await)
    .map(|_| ())
}

fn ok(r: Result<reqwest::Response, reqwest::Error>) -> Result<reqwest::Response, String> {
    let r = r.map_err(|e| e.to_string())?;
    if r.status().is_success() {
        Ok(r)
    } else {
        Err(format!("HTTP {}", r.status().as_u16()))
    }
}

/// `sync_elasticsearch_passwords.sh`: every region's password into both namespaces.
async fn sync_passwords(http: &reqwest::Client, kube: &[(String, String)]) -> Result<(), String> {
    for (r, (api, ns)) in kube.iter().enumerate() {
        let user: Value = ok(http
            .get(format!(
                "{api}/api/v1/namespaces/{ns}/secrets/elasticsearch-es-elastic-user"
            ))
            .send()
            .await)?
        .json()
        .await
        .map_err(|e| e.to_string())?;
        let data = user["data"]["elastic"].clone();
        let name = format!("elasticsearch-es-password-region-{r}");
        for (api, ns) in kube {
            let secret = json!({"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": name, "namespace": ns}, "type": "Opaque",
                "data": {"elastic": data}});
            let url = format!("{api}/api/v1/namespaces/{ns}/secrets");
            let put = http
                .put(format!("{url}/{name}"))
                .json(&secret)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if put.status().as_u16() == 404 {
                ok(http.post(&url).json(&secret).send().await)?;
            } else if !put.status().is_success() {
                return Err(format!(
                    "secret {name} in {ns}: HTTP {}",
                    put.status().as_u16()
                ));
            }
        }
    }
    Ok(())
}
