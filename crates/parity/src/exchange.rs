//! One request sent to one backend and what came back, as the document the harness compares:
//! `{"status": 201, "headers": {...}, "body": ...}` with only the contract's headers, and a
//! `curl` line that sends the same request again.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;

use crate::canon::Json;

/// A request exactly as sent (after variables were substituted and cookies added).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: String,
    pub url: String,
    /// Lower-case names, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// Read a streamed answer for this long, then hang up.
    pub stream_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: Outgoing,
    pub status: u16,
    /// Every response header, lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub fn client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")
}

pub async fn send(client: &reqwest::Client, out: &Outgoing) -> anyhow::Result<Exchange> {
    let method =
        reqwest::Method::from_bytes(out.method.as_bytes()).with_context(|| format!("method {}", out.method))?;
    let mut request = client.request(method, &out.url);
    for (name, value) in &out.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &out.body {
        request = request.body(body.clone());
    }
    let mut response = request.send().await.with_context(|| format!("{} {}", out.method, out.url))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let reading = || format!("reading the answer to {} {}", out.method, out.url);
    let body = match out.stream_ms {
        None => response.bytes().await.with_context(reading)?.to_vec(),
        Some(ms) => {
            let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
            let mut body = Vec::new();
            while let Ok(chunk) = tokio::time::timeout_at(deadline, response.chunk()).await {
                match chunk.with_context(reading)? {
                    Some(bytes) => body.extend_from_slice(&bytes),
                    None => break,
                }
            }
            body
        }
    };
    Ok(Exchange { request: out.clone(), status, headers, body })
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The compared document. The body is canonical JSON when it parses as JSON, else its text;
    /// an empty body is absent.
    pub fn doc(&self, compared_headers: &[String]) -> Json {
        let mut headers = Vec::new();
        for name in compared_headers {
            let values: Vec<&str> = self.headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
            if values.is_empty() {
                continue;
            }
            let value = match name.as_str() {
                "set-cookie" => Json::Array(values.iter().map(|v| parse_set_cookie(v)).collect()),
                "allow" => {
                    let mut methods: Vec<String> = values
                        .iter()
                        .flat_map(|v| v.split(','))
                        .map(|m| m.trim().to_uppercase())
                        .filter(|m| !m.is_empty())
                        .collect();
                    methods.sort();
                    methods.dedup();
                    Json::Array(methods.into_iter().map(Json::String).collect())
                }
                _ => Json::str(values.join(", ")),
            };
            headers.push((name.clone(), value));
        }
        let mut doc = vec![
            ("status".to_owned(), Json::Number(self.status.to_string())),
            ("headers".to_owned(), Json::object(headers)),
        ];
        if !self.body.is_empty() {
            let text = String::from_utf8_lossy(&self.body);
            let body = Json::parse(&text).unwrap_or_else(|_| Json::String(text.into_owned()));
            doc.push(("body".to_owned(), body));
        }
        Json::object(doc)
    }

    /// The cookies this response sets (`None` value: cleared).
    pub fn cookies(&self) -> Vec<(String, Option<String>)> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .filter_map(|(_, v)| {
                let (pair, attrs) = v.split_once(';').unwrap_or((v.as_str(), ""));
                let (name, value) = pair.split_once('=')?;
                let expired = attrs.split(';').any(|a| {
                    let a = a.trim().to_lowercase();
                    a == "max-age=0" || a.starts_with("max-age=-")
                });
                let value = value.trim();
                Some((name.trim().to_owned(), (!expired && !value.is_empty()).then(|| value.to_owned())))
            })
            .collect()
    }
}

/// `name=value; Attr; Attr=v` as `{"name", "value", "attributes": [...]}`. Attribute names are
/// case-insensitive (RFC 6265), and so is the SameSite value: those are lower-cased and sorted,
/// everything else is kept as written.
pub fn parse_set_cookie(header: &str) -> Json {
    let mut parts = header.split(';');
    let pair = parts.next().unwrap_or_default();
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    let mut attributes: Vec<String> = parts
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| match a.split_once('=') {
            Some((k, v)) => {
                let k = k.trim().to_lowercase();
                let v = if k == "samesite" { v.trim().to_lowercase() } else { v.trim().to_owned() };
                format!("{k}={v}")
            }
            None => a.to_lowercase(),
        })
        .collect();
    attributes.sort();
    Json::object([
        ("name".to_owned(), Json::str(name.trim())),
        ("value".to_owned(), Json::str(value.trim())),
        ("attributes".to_owned(), Json::Array(attributes.into_iter().map(Json::String).collect())),
    ])
}

/// Bodies longer than this go to a file next to the report and the curl line reads it.
const INLINE_BODY: usize = 2048;

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// A shell line that sends `out` again. Large bodies are written to `body_file`.
pub fn curl(out: &Outgoing, body_file: &Path) -> anyhow::Result<String> {
    let mut line = format!("curl -sS -i -X {} {}", out.method, quote(&out.url));
    if let Some(ms) = out.stream_ms {
        line.push_str(&format!(" --max-time {}", ms.div_ceil(1000)));
    }
    for (name, value) in &out.headers {
        line.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
    }
    if let Some(body) = &out.body {
        if !out.headers.iter().any(|(k, _)| k == "content-type") {
            // Otherwise curl adds its own form content type.
            line.push_str(" -H 'Content-Type:'");
        }
        match std::str::from_utf8(body) {
            Ok(text) if body.len() <= INLINE_BODY => line.push_str(&format!(" --data-binary {}", quote(text))),
            _ => {
                if let Some(dir) = body_file.parent() {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                }
                std::fs::write(body_file, body).with_context(|| format!("writing {}", body_file.display()))?;
                line.push_str(&format!(" --data-binary @{}", quote(&body_file.display().to_string())));
            }
        }
    }
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(status: u16, headers: &[(&str, &str)], body: &str) -> Exchange {
        Exchange {
            request: Outgoing {
                method: "GET".into(),
                url: "http://x/".into(),
                headers: vec![],
                body: None,
                stream_ms: None,
            },
            status,
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_compared_document_keeps_contract_headers_and_canonical_body() {
        let e = exchange(
            200,
            &[("date", "today"), ("content-type", "application/json"), ("allow", "POST,GET, HEAD")],
            "{\"b\": 1, \"a\": [2, 1]}",
        );
        let doc = e.doc(&["allow".into(), "content-type".into(), "set-cookie".into()]);
        assert_eq!(
            doc.canonical(),
            r#"{"body":{"a":[2,1],"b":1},"headers":{"allow":["GET","HEAD","POST"],"content-type":"application/json"},"status":200}"#
        );
        assert_eq!(exchange(204, &[], "").doc(&[]).canonical(), r#"{"headers":{},"status":204}"#);
        assert_eq!(exchange(404, &[], "not json").doc(&[]).pointer("/body"), Some(&Json::str("not json")));
    }

    #[test]
    fn set_cookie_attributes_compare_case_insensitively() {
        let a = parse_set_cookie("farm_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
        let b = parse_set_cookie("farm_session=abc; httponly; samesite=strict; Max-Age=60; path=/");
        assert_eq!(a, b);
        assert_eq!(
            a.pointer("/attributes").unwrap().canonical(),
            r#"["httponly","max-age=60","path=/","samesite=strict"]"#
        );
        let e = exchange(204, &[("set-cookie", "farm_session=; Path=/; Max-Age=0")], "");
        assert_eq!(e.cookies(), vec![("farm_session".to_owned(), None)]);
    }

    #[test]
    fn curl_lines_quote_and_keep_the_content_type_as_sent() {
        let out = Outgoing {
            method: "POST".into(),
            url: "http://127.0.0.1:1/api/users".into(),
            headers: vec![("x-requested-with".into(), "parity".into())],
            body: Some(b"{\"name\":\"it's\"}".to_vec()),
            stream_ms: None,
        };
        let dir = std::env::temp_dir().join("parity-curl-test");
        let line = curl(&out, &dir.join("b.body")).unwrap();
        assert_eq!(
            line,
            r#"curl -sS -i -X POST 'http://127.0.0.1:1/api/users' -H 'x-requested-with: parity' -H 'Content-Type:' --data-binary '{"name":"it'\''s"}'"#
        );
    }
}
