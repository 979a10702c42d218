//! HTTP clients for a region's REST, management and Elasticsearch APIs: timeouts, TLS with an
//! optional extra CA, and credentials (basic, OAuth client credentials with a cached token,
//! Elasticsearch API keys). Errors are one line naming the request and the cause; secrets
//! never appear in them.

use crate::config::{EsCredentials, RestCredentials};
use color_eyre::eyre::{Result, WrapErr, eyre};
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Installs rustls' ring provider once (reqwest is built without a default provider).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A reqwest client with c8dr's defaults.
pub fn client(timeout: Duration, ca_file: Option<&Path>) -> Result<reqwest::Client> {
    install_crypto();
    let mut b = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(30));
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .wrap_err_with(|| format!("reading tls.ca_file {}", path.display()))?;
        for cert in reqwest::Certificate::from_pem_bundle(&pem)
            .wrap_err_with(|| format!("tls.ca_file {}: not PEM certificates", path.display()))?
        {
            b = b.add_root_certificate(cert);
        }
    }
    b.build()
        .map_err(|e| eyre!("building the HTTP client: {e}"))
}

#[derive(Debug)]
struct Token {
    value: String,
    until: Instant,
}

/// Adds credentials to requests.
#[derive(Clone, Default)]
pub struct Auth {
    rest: Option<RestCredentials>,
    es: Option<EsCredentials>,
    token: Arc<Mutex<Option<Token>>>,
}

impl Auth {
    pub fn rest(credentials: Option<RestCredentials>) -> Auth {
        Auth {
            rest: credentials,
            ..Default::default()
        }
    }

    pub fn elasticsearch(credentials: Option<EsCredentials>) -> Auth {
        Auth {
            es: credentials,
            ..Default::default()
        }
    }

    /// Applies the credentials (fetching an OAuth token when needed).
    pub async fn apply(
        &self,
        http: &reqwest::Client,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, String> {
        match (&self.rest, &self.es) {
            (Some(RestCredentials::Basic { username, password }), _) => {
                let pw = password
                    .read()
                    .map_err(|e| format!("REST password ({password}): {e:#}"))?;
                Ok(req.basic_auth(username, Some(pw)))
            }
            (
                Some(RestCredentials::OAuth {
                    token_url,
                    client_id,
                    client_secret,
                    audience,
                }),
                _,
            ) => {
                let mut slot = self.token.lock().await;
                if slot.as_ref().is_none_or(|t| t.until <= Instant::now()) {
                    let secret = client_secret
                        .read()
                        .map_err(|e| format!("client secret ({client_secret}): {e:#}"))?;
                    let mut form = vec![
                        ("grant_type", "client_credentials".to_string()),
                        ("client_id", client_id.clone()),
                        ("client_secret", secret),
                    ];
                    if let Some(a) = audience {
                        form.push(("audience", a.clone()));
                    }
                    let resp = http
                        .post(token_url)
                        .form(&form)
                        .send()
                        .await
                        .map_err(|e| format!("token {token_url}: {e}"))?;
                    if !resp.status().is_success() {
                        return Err(format!(
                            "token {token_url}: HTTP {}",
                            resp.status().as_u16()
                        ));
                    }
                    #[derive(serde::Deserialize)]
                    struct T {
                        access_token: String,
                        #[serde(default)]
                        expires_in: Option<u64>,
                    }
                    let t: T = resp
                        .json()
                        .await
                        .map_err(|e| format!("token {token_url}: unreadable answer: {e}"))?;
                    let lifetime =
                        Duration::from_secs(t.expires_in.unwrap_or(300).saturating_sub(30).max(10));
                    *slot = Some(Token {
                        value: t.access_token,
                        until: Instant::now() + lifetime,
                    });
                }
                let token = slot.as_ref().map(|t| t.value.clone()).unwrap_or_default();
                Ok(req.bearer_auth(token))
            }
            (None, Some(EsCredentials::Basic { username, password })) => {
                let pw = password
                    .read()
                    .map_err(|e| format!("Elasticsearch password ({password}): {e:#}"))?;
                Ok(req.basic_auth(username, Some(pw)))
            }
            (None, Some(EsCredentials::ApiKey(key))) => {
                let k = key
                    .read()
                    .map_err(|e| format!("Elasticsearch API key ({key}): {e:#}"))?;
                Ok(req.header(reqwest::header::AUTHORIZATION, format!("ApiKey {k}")))
            }
            (None, None) => Ok(req),
        }
    }
}

/// The largest answer c8dr reads; anything larger is not a real answer of these APIs.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// Reads an answer's body, refusing one larger than [`MAX_BODY`] without holding it.
pub async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, String> {
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(format!("answer larger than {} MiB", MAX_BODY / 1024 / 1024));
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("reading the answer: {}", describe(&e)))?
    {
        if out.len() + chunk.len() > MAX_BODY {
            return Err(format!(
                "answer larger than {} MiB (stopped reading)",
                MAX_BODY / 1024 / 1024
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// GETs `base + path` and parses JSON; errors in one line: the cause, or the status and
/// the server's message.
pub async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    auth: &Auth,
    base: &str,
    path: &str,
) -> Result<T, String> {
    let url = format!("{base}{path}");
    let req = auth
        .apply(
            http,
            http.get(&url)
                .header(reqwest::header::ACCEPT, "application/json"),
        )
        .await?;
    let resp = req.send().await.map_err(|e| describe(&e))?;
    let status = resp.status();
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("reading the answer: {}", describe(&e)))?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&bytes);
        let message = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| {
                v.get("message")
                    .or_else(|| v.get("detail"))
                    .or_else(|| v.pointer("/error/reason"))
                    .and_then(|m| m.as_str().map(String::from))
            })
            .unwrap_or_else(|| text.chars().take(200).collect());
        return Err(format!("HTTP {}: {message}", status.as_u16()));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("unreadable answer: {e}"))
}

/// A transport error in a few words (refused, timed out, …) without the URL's secrets.
pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        let mut cause = String::from("cannot connect");
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            cause = format!("cannot connect: {s}");
            source = s.source();
        }
        cause
    } else {
        let s = e.to_string();
        s.split(" for url").next().unwrap_or(&s).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refused_connection_is_described_in_words() {
        let http = client(Duration::from_millis(500), None).unwrap();
        let err =
            get_json::<serde_json::Value>(&http, &Auth::default(), "http://127.0.0.1:9", "/x")
                .await
                .unwrap_err();
        assert!(err.contains("cannot connect"), "{err}");
    }

    #[test]
    fn a_missing_ca_file_is_named() {
        let err = client(
            Duration::from_secs(1),
            Some(Path::new("/nonexistent/ca.pem")),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/ca.pem"));
    }
}
