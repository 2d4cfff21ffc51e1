//! Scenarios are data (`parity/scenarios/*.yaml`): ordered steps that log in named clients, send
//! requests and capture values for later steps as `${name}`. A scenario asserts nothing about the
//! answers; the harness compares the backends with each other.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    #[serde(default)]
    pub description: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file name without `.yaml`.
    pub name: String,
    pub description: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: Option<String>,
    /// Shorthand for `POST /api/auth/login` by `client`, keeping the session cookie in that client.
    pub login: Option<Login>,
    /// A named client: its own cookie jar, and `X-Requested-With: parity` on every request (the
    /// dashboard's CSRF marker). Without one the request is anonymous.
    pub client: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Extra headers; `null` removes one the client would send.
    #[serde(default)]
    pub headers: BTreeMap<String, Option<String>>,
    /// A JSON body (sent with `Content-Type: application/json` unless the headers say otherwise).
    pub json: Option<Value>,
    /// A raw body, sent as is.
    pub body: Option<RawBody>,
    /// Variables to set from the response: name -> pointer into the exchange (`/body/id`,
    /// `/headers/retry-after`, `/status`).
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// Hold a write lock on each backend's database while the request runs (how a busy or
    /// failing database, and so the internal-error answer, is exercised).
    #[serde(default)]
    pub database_locked: bool,
    /// Read a streamed answer (Server-Sent Events) for this many milliseconds, then hang up and
    /// compare what arrived.
    pub stream_ms: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub client: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawBody {
    Text(String),
    /// `prefix + repeat * times + suffix`: large bodies without large files.
    Repeat(Repeat),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    #[serde(default)]
    pub prefix: String,
    pub repeat: String,
    pub times: usize,
    #[serde(default)]
    pub suffix: String,
}

/// Bodies above this are refused: a scenario is not a load test.
const MAX_BODY: usize = 16 * 1024 * 1024;
const MAX_STREAM_MS: u64 = 10_000;

impl RawBody {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            RawBody::Text(t) => t.as_bytes().to_vec(),
            RawBody::Repeat(r) => format!("{}{}{}", r.prefix, r.repeat.repeat(r.times), r.suffix).into_bytes(),
        }
    }

    fn len(&self) -> usize {
        match self {
            RawBody::Text(t) => t.len(),
            RawBody::Repeat(r) => r.prefix.len() + r.repeat.len().saturating_mul(r.times) + r.suffix.len(),
        }
    }
}

impl Step {
    /// The request this step sends: (method, path).
    pub fn request_line(&self) -> (String, String) {
        match &self.login {
            Some(_) => ("POST".to_owned(), "/api/auth/login".to_owned()),
            None => (self.method.clone().unwrap_or_default().to_uppercase(), self.path.clone().unwrap_or_default()),
        }
    }

    pub fn client_name(&self) -> Option<&str> {
        self.login.as_ref().map(|l| l.client.as_str()).or(self.client.as_deref())
    }

    pub fn label(&self) -> String {
        let (method, path) = self.request_line();
        self.name.clone().unwrap_or_else(|| format!("{method} {path}"))
    }

    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        if let Some(_login) = &self.login {
            let extra = self.method.is_some()
                || self.path.is_some()
                || self.client.is_some()
                || self.json.is_some()
                || self.body.is_some()
                || !self.query.is_empty();
            if extra {
                bail!("a login step takes only `login`, `name`, `headers` and `capture`");
            }
        } else {
            let method = self.method.as_deref().unwrap_or_default();
            if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
                bail!("needs `method` (GET, POST, ...) and `path`, or `login`");
            }
            if !self.path.as_deref().is_some_and(|p| p.starts_with('/')) {
                bail!("`path` must start with /");
            }
            if self.json.is_some() && self.body.is_some() {
                bail!("`json` and `body` are exclusive");
            }
        }
        if self.stream_ms.is_some_and(|ms| ms == 0 || ms > MAX_STREAM_MS) {
            bail!("stream_ms must be 1 to {MAX_STREAM_MS}");
        }
        if self.body.as_ref().is_some_and(|b| b.len() > MAX_BODY) {
            bail!("body over {MAX_BODY} bytes");
        }
        for pointer in self.capture.values() {
            if !(pointer.starts_with("/body") || pointer.starts_with("/headers/") || pointer == "/status") {
                bail!("capture pointer {pointer} must start with /body, /headers/ or be /status");
            }
        }
        Ok(())
    }
}

pub fn parse(name: &str, text: &str) -> anyhow::Result<Scenario> {
    let file: ScenarioFile = serde_norway::from_str(text)?;
    if file.steps.is_empty() {
        bail!("has no steps");
    }
    for (i, step) in file.steps.iter().enumerate() {
        step.validate().with_context(|| format!("step {} ({})", i + 1, step.label()))?;
    }
    Ok(Scenario { name: name.to_owned(), description: file.description, steps: file.steps })
}

/// Every `*.yaml` of `dir`, in file-name order (the order `compare` runs them in).
pub fn load_dir(dir: &Path) -> anyhow::Result<Vec<Scenario>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading scenario folder {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        out.push(parse(&name, &text).with_context(|| format!("scenario {}", path.display()))?);
    }
    if out.is_empty() {
        bail!("no scenarios (*.yaml) in {}", dir.display());
    }
    Ok(out)
}

/// Replaces `${name}` in text; an unknown name is an error (the scenario is broken).
pub fn substitute(text: &str, vars: &BTreeMap<String, Value>) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').with_context(|| format!("unclosed ${{ in {text:?}"))?;
        let name = &after[..end];
        let value = vars.get(name).with_context(|| format!("unknown variable ${{{name}}}"))?;
        match value {
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Substitutes inside a JSON value. A string that is exactly `${name}` becomes the variable's
/// value with its type (a captured id stays a number).
pub fn substitute_json(value: &Value, vars: &BTreeMap<String, Value>) -> anyhow::Result<Value> {
    Ok(match value {
        Value::String(s) => {
            let whole = s.strip_prefix("${").and_then(|r| r.strip_suffix('}')).filter(|n| !n.contains(['$', '{', '}']));
            match whole {
                Some(name) => vars.get(name).cloned().with_context(|| format!("unknown variable ${{{name}}}"))?,
                None => Value::String(substitute(s, vars)?),
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute_json(v, vars)).collect::<Result<_, _>>()?),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((substitute(k, vars)?, substitute_json(v, vars)?)))
                .collect::<anyhow::Result<_>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_steps_and_rejects_malformed_ones() {
        let s = parse(
            "x",
            "steps:\n  - login: {client: admin, username: ada, password: pw}\n  - {client: admin, method: post, path: /api/users, json: {a: 1}, capture: {id: /body/id}}\n  - {method: POST, path: /api/users, body: {prefix: '{\"a\":\"', repeat: x, times: 3, suffix: '\"}'}}\n",
        )
        .unwrap();
        assert_eq!(s.steps[0].request_line(), ("POST".into(), "/api/auth/login".into()));
        assert_eq!(s.steps[1].request_line(), ("POST".into(), "/api/users".into()));
        assert_eq!(s.steps[2].body.as_ref().unwrap().bytes(), br#"{"a":"xxx"}"#);
        for bad in [
            "steps: []",
            "steps: [{path: /x}]",
            "steps: [{method: GET, path: x}]",
            "steps: [{method: GET, path: /x, json: 1, body: y}]",
            "steps: [{method: GET, path: /x, capture: {a: /id}}]",
            "steps: [{method: GET, path: /x, oops: 1}]",
            "steps: [{login: {client: a, username: u, password: p}, method: GET}]",
        ] {
            assert!(parse("x", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn substitutes_variables_keeping_whole_value_types() {
        let vars: BTreeMap<String, Value> = [("id".to_owned(), json!(7)), ("s".to_owned(), json!("fct_x"))].into();
        assert_eq!(substitute("/api/users/${id}", &vars).unwrap(), "/api/users/7");
        assert_eq!(substitute("Bearer ${s}", &vars).unwrap(), "Bearer fct_x");
        assert!(substitute("${nope}", &vars).is_err());
        let body = substitute_json(&json!({"id": "${id}", "text": "n${id}", "list": ["${s}"]}), &vars).unwrap();
        assert_eq!(body, json!({"id": 7, "text": "n7", "list": ["fct_x"]}));
    }
}
