//! HTTP clients for a region's REST, management and Elasticsearch APIs: timeouts, TLS with an
//! optional extra CA, and credentials (basic, OAuth client credentials with a cached token,
//! Elasticsearch API keys). Errors are a [`SourceError`] whose text is one line naming the
//! cause; secrets never appear in them.

use super::SourceError;
use crate::config::{EsCredentials, RestCredentials};
use color_eyre::eyre::{Result, eyre};
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Installs rustls' ring provider once (reqwest is built without a default provider).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The largest answer c8dr reads: the biggest real one (`_cat/indices` of a large cluster) is
/// far below, and a broken or hostile server must not take the cockpit's memory with it.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// The certificates of a PEM bundle (`tls.ca_file`). A file without any is refused: an extra
/// CA that silently adds nothing would only show later, as TLS errors on every endpoint.
pub fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|_| format!("{}: not PEM certificates", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it",
            path.display()
        ));
    }
    Ok(certs)
}

/// A reqwest client with c8dr's defaults.
pub fn client(timeout: Duration, ca_file: Option<&Path>) -> Result<reqwest::Client> {
    install_crypto();
    let mut b = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(30));
    if let Some(path) = ca_file {
        for cert in read_ca_file(path).map_err(|e| eyre!("tls.ca_file {e}"))? {
            b = b.add_root_certificate(cert);
        }
    }
    // reqwest says only "builder error"; the cause (e.g. no CA certificates on a bare
    // bastion) is in its sources.
    b.build().map_err(|e| {
        let mut why = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            why = format!("{why}: {}", crate::text::clean(&s.to_string()));
            source = s.source();
        }
        eyre!("building the HTTP client: {why}")
    })
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
    ) -> Result<reqwest::RequestBuilder, SourceError> {
        let secret = |what: String| SourceError::Credentials(what);
        match (&self.rest, &self.es) {
            (Some(RestCredentials::Basic { username, password }), _) => {
                let pw = password
                    .read()
                    .map_err(|e| secret(format!("REST password ({password}): {e:#}")))?;
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
                        .map_err(|e| secret(format!("client secret ({client_secret}): {e:#}")))?;
                    let mut form = vec![
                        ("grant_type", "client_credentials".to_string()),
                        ("client_id", client_id.clone()),
                        ("client_secret", secret),
                    ];
                    if let Some(a) = audience {
                        form.push(("audience", a.clone()));
                    }
                    let token = fetch_token(http, token_url, &form).await.map_err(|cause| {
                        SourceError::Token {
                            url: token_url.clone(),
                            cause: Box::new(cause),
                        }
                    })?;
                    *slot = Some(token);
                }
                let token = slot.as_ref().map(|t| t.value.clone()).unwrap_or_default();
                Ok(req.bearer_auth(token))
            }
            (None, Some(EsCredentials::Basic { username, password })) => {
                let pw = password
                    .read()
                    .map_err(|e| secret(format!("Elasticsearch password ({password}): {e:#}")))?;
                Ok(req.basic_auth(username, Some(pw)))
            }
            (None, Some(EsCredentials::ApiKey(key))) => {
                let k = key
                    .read()
                    .map_err(|e| secret(format!("Elasticsearch API key ({key}): {e:#}")))?;
                Ok(req.header(reqwest::header::AUTHORIZATION, format!("ApiKey {k}")))
            }
            (None, None) => Ok(req),
        }
    }
}

/// Asks the token endpoint for a client-credentials token.
async fn fetch_token(
    http: &reqwest::Client,
    token_url: &str,
    form: &[(&str, String)],
) -> Result<Token, SourceError> {
    let resp = http
        .post(token_url)
        .form(form)
        .send()
        .await
        .map_err(|e| SourceError::transport(&e))?;
    if !resp.status().is_success() {
        // The body is not read: an identity provider's error page says nothing useful here.
        return Err(SourceError::http(resp.status().as_u16(), None));
    }
    #[derive(serde::Deserialize)]
    struct T {
        access_token: String,
        #[serde(default)]
        expires_in: Option<u64>,
    }
    let body = read_capped(resp).await?;
    // The field and the position only: serde's words could quote the token itself.
    let t: T = crate::api::decode(&body).map_err(|e| SourceError::malformed_at(&e))?;
    let lifetime = Duration::from_secs(t.expires_in.unwrap_or(300).saturating_sub(30).max(10));
    Ok(Token {
        value: t.access_token,
        until: Instant::now() + lifetime,
    })
}

/// Reads an answer's body, at most [`MAX_BODY`] bytes: an announced larger one is not read
/// at all, an endless one is cut off once past the cap (dropping the response closes the
/// connection, so the rest is never received).
pub async fn read_capped(mut resp: reqwest::Response) -> Result<Vec<u8>, SourceError> {
    if let Some(n) = resp.content_length()
        && n > MAX_BODY as u64
    {
        return Err(SourceError::TooLarge { announced: Some(n) });
    }
    // The announced length is within the cap here, so it is a safe first capacity.
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| SourceError::Reading(Box::new(SourceError::transport(&e))))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(SourceError::TooLarge { announced: None });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// GETs `base + path` asking for JSON: the body of a success, or why there is none (an error
/// status comes with the server's message, cleaned: it goes to a terminal).
pub async fn get(
    http: &reqwest::Client,
    auth: &Auth,
    base: &str,
    path: &str,
) -> Result<Vec<u8>, SourceError> {
    get_as(http, auth, base, path, "application/json").await
}

/// [`get`] asking for `accept` (the Prometheus text format of a metrics scrape).
pub async fn get_as(
    http: &reqwest::Client,
    auth: &Auth,
    base: &str,
    path: &str,
    accept: &str,
) -> Result<Vec<u8>, SourceError> {
    let url = format!("{base}{path}");
    let req = auth
        .apply(http, http.get(&url).header(reqwest::header::ACCEPT, accept))
        .await?;
    let resp = req.send().await.map_err(|e| SourceError::transport(&e))?;
    let status = resp.status();
    let bytes = read_capped(resp).await?;
    if !status.is_success() {
        return Err(SourceError::http(
            status.as_u16(),
            Some(server_message(&bytes)),
        ));
    }
    Ok(bytes)
}

/// A JSON body parsed, or which field is not what was expected, why, and where.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, SourceError> {
    crate::api::decode(body).map_err(|e| SourceError::malformed(&e))
}

/// GETs `base + path` and parses the JSON answer.
pub async fn get_json<T: DeserializeOwned>(
    http: &reqwest::Client,
    auth: &Auth,
    base: &str,
    path: &str,
) -> Result<T, SourceError> {
    json(&get(http, auth, base, path).await?)
}

/// What an error answer says: Camunda's `message`/`detail` (problem+json), Elasticsearch's
/// `error.reason`, else the start of the text; always cleaned.
pub fn server_message(body: &[u8]) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .or_else(|| v.get("detail"))
                .or_else(|| v.pointer("/error/reason"))
                .and_then(|m| m.as_str().map(String::from))
        });
    match from_json {
        Some(m) => crate::text::clean(&m),
        None => crate::text::clean_prefix(&String::from_utf8_lossy(body), 200),
    }
}

/// A transport error in a few words (refused, timed out, …), for messages that are not a
/// source's observation (a mutating request, a drill).
pub fn describe(e: &reqwest::Error) -> String {
    SourceError::transport(e).to_string()
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
        assert!(matches!(err, SourceError::Connect { .. }), "{err}");
        let err = err.to_string();
        assert!(err.contains("cannot connect"), "{err}");
    }

    /// One-connection HTTP/1.1 server on 127.0.0.1: reads the request head, writes `head`,
    /// then `body` once, or chunks forever (until the client hangs up) when `endless`.
    async fn serve(head: &str, body: Vec<u8>, endless: bool) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let head = head.to_string();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 1024];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let _ = sock.write_all(&body).await;
            if endless {
                let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                while sock.write_all(chunk.as_bytes()).await.is_ok() {}
            } else {
                // Keep the connection open: a client that waits for the rest hangs.
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        });
        format!("http://{addr}")
    }

    async fn get(base: &str) -> (Result<serde_json::Value, SourceError>, Duration) {
        let http = client(Duration::from_secs(20), None).unwrap();
        let started = Instant::now();
        let r = get_json(&http, &Auth::default(), base, "/v2/topology").await;
        (r, started.elapsed())
    }

    #[tokio::test]
    async fn an_announced_huge_answer_is_not_read() {
        let base = serve(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500000000\r\n\r\n",
            b"[1,2,3".to_vec(),
            false,
        )
        .await;
        let (r, took) = get(&base).await;
        let err = r.unwrap_err();
        assert!(matches!(err, SourceError::TooLarge { .. }), "{err}");
        let err = err.to_string();
        assert!(err.contains("answer larger than 8 MiB"), "{err}");
        assert!(took < Duration::from_secs(5), "took {took:?}");
    }

    #[tokio::test]
    async fn an_endless_answer_is_cut_off_at_the_cap() {
        let base = serve(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            vec![],
            true,
        )
        .await;
        let (r, took) = get(&base).await;
        let err = r.unwrap_err();
        assert_eq!(
            err.to_string(),
            "answer larger than 8 MiB (stopped reading)"
        );
        assert!(took < Duration::from_secs(15), "took {took:?}");
    }

    #[tokio::test]
    async fn a_server_message_reaches_the_caller_cleaned() {
        let body = br#"{"message":"boom \u001b]2;pwned\u0007\u001b[2J"}"#.to_vec();
        let head = format!(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let base = serve(&head, body, false).await;
        let err = get(&base).await.0.unwrap_err();
        // The text is `HTTP 500: <message>`: the status and a message that begins with "boom".
        assert!(
            matches!(&err, SourceError::Status { status: 500, message: Some(m) } if m.starts_with("boom")),
            "{err}"
        );
        let err = err.to_string();
        assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
        assert_eq!(
            server_message(b"\x1b[31mplain text\x1b[0m"),
            r"\u{1b}[31mplain text\u{1b}[0m"
        );
    }

    /// A real topology (`fixtures/`) with the value at `pointer` replaced.
    fn real_topology_with(pointer: &str, with: serde_json::Value) -> Vec<u8> {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
            "../../fixtures/camunda-api/examples/v2-topology-get-region-lost-before-failover-8.8.0-doc.json",
        );
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        *v.pointer_mut(pointer).unwrap() = with;
        serde_json::to_vec_pretty(&v).unwrap()
    }

    #[test]
    fn a_wrong_value_is_named_by_its_json_path() {
        let body = real_topology_with("/brokers/2/partitions/0/health", serde_json::json!(3));
        let err = json::<crate::api::TopologyResponse>(&body).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "unreadable answer: brokers[2].partitions[0].health: invalid type: integer `3`, expected a string (line "
            ),
            "{text}"
        );
        // The document as a whole: no path, the parser's words and where.
        let err = json::<crate::api::TopologyResponse>(b"{not json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unreadable answer: key must be a string (line 1, column 2)"
        );
    }

    #[tokio::test]
    async fn a_token_answer_of_the_wrong_shape_names_the_field_never_its_value() {
        for (body, field) in [
            (
                r#"{"access_token":"tok-s3cret","expires_in":"s3cret-2"}"#,
                "expires_in",
            ),
            (r#"{"access_token":["tok-s3cret"]}"#, "access_token"),
            (r#"{"token":"tok-s3cret"}"#, ""),
        ] {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            let base = serve(&head, body.as_bytes().to_vec(), false).await;
            let http = client(Duration::from_secs(5), None).unwrap();
            let err = fetch_token(&http, &format!("{base}/token"), &[])
                .await
                .unwrap_err()
                .to_string();
            assert!(!err.contains("s3cret"), "{err}");
            assert!(err.starts_with("unreadable answer"), "{err}");
            if field.is_empty() {
                assert!(
                    err.starts_with("unreadable answer (line 1, column "),
                    "{err}"
                );
            } else {
                assert!(
                    err.starts_with(&format!("unreadable answer at {field} (line 1, column ")),
                    "{err}"
                );
            }
        }
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let err = read_ca_file(&path).unwrap_err();
        assert!(
            err.contains("ca.pem") && err.contains("no PEM certificate"),
            "{err}"
        );
        let err = format!(
            "{:#}",
            client(Duration::from_secs(1), Some(&path)).unwrap_err()
        );
        assert!(
            err.contains("tls.ca_file") && err.contains("ca.pem"),
            "{err}"
        );
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
