//! Replays scenario steps against the sides of a run (left, right and the A/A twin of left),
//! and compares: responses after the rules, then the databases. Differences between left and
//! twin are noise; differences between left and right at the same place are counted as that
//! noise, the rest are mismatches.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::Value;

use crate::backend::{ADMIN_PASSWORD, ADMIN_USERNAME};
use crate::canon::Json;
use crate::db::{self, WriteLock};
use crate::diff::{Difference, diff};
use crate::exchange::{self, Exchange, Outgoing};
use crate::openapi::Contract;
use crate::rules::Rules;
use crate::scenario::{RawBody, Scenario, Step, substitute, substitute_json};

/// One backend as a run sees it, with the state scenarios build up on it.
#[derive(Debug, Clone)]
pub struct Side {
    /// `left`, `right` or `twin`.
    pub role: String,
    /// What runs there: `rust`, `python`, or a URL.
    pub backend: String,
    pub url: String,
    pub db: Option<PathBuf>,
    vars: BTreeMap<String, Value>,
    /// Cookie jars of the named clients.
    jars: BTreeMap<String, BTreeMap<String, String>>,
}

impl Side {
    pub fn new(role: &str, backend: &str, url: &str, db: Option<PathBuf>) -> Side {
        let mut side = Side {
            role: role.to_owned(),
            backend: backend.to_owned(),
            url: url.trim_end_matches('/').to_owned(),
            db,
            vars: BTreeMap::new(),
            jars: BTreeMap::new(),
        };
        side.reset();
        side
    }

    /// Forgets captured variables and cookies (a new scenario) and sets the built-in variables.
    pub fn reset(&mut self) {
        self.jars.clear();
        self.vars = [
            ("admin_username", Value::from(ADMIN_USERNAME)),
            ("admin_password", Value::from(ADMIN_PASSWORD)),
            ("origin", Value::from(self.url.clone())),
            ("host", Value::from(self.url.trim_start_matches("http://").trim_start_matches("https://").to_owned())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    }

    fn build(&self, step: &Step) -> anyhow::Result<Outgoing> {
        let vars = &self.vars;
        let (method, path) = step.request_line();
        let path = substitute(&path, vars)?;
        let mut url = reqwest::Url::parse(&format!("{}{}", self.url, path)).with_context(|| format!("URL {path}"))?;
        if !step.query.is_empty() {
            let pairs: Vec<(String, String)> =
                step.query.iter().map(|(k, v)| Ok((k.clone(), substitute(v, vars)?))).collect::<anyhow::Result<_>>()?;
            url.query_pairs_mut().extend_pairs(pairs);
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        let client = step.client_name();
        if client.is_some() {
            headers.push(("x-requested-with".to_owned(), "parity".to_owned()));
        }
        let body = if let Some(login) = &step.login {
            let json = serde_json::json!({
                "username": substitute(&login.username, vars)?,
                "password": substitute(&login.password, vars)?,
            });
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
            Some(serde_json::to_vec(&json)?)
        } else if let Some(json) = &step.json {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
            Some(serde_json::to_vec(&substitute_json(json, vars)?)?)
        } else {
            match &step.body {
                Some(RawBody::Text(text)) => Some(substitute(text, vars)?.into_bytes()),
                Some(raw) => Some(raw.bytes()),
                None => None,
            }
        };
        if let Some(jar) = client.and_then(|c| self.jars.get(c)).filter(|j| !j.is_empty()) {
            let cookie = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            headers.push(("cookie".to_owned(), cookie));
        }
        for (name, value) in &step.headers {
            let name = name.to_lowercase();
            headers.retain(|(k, _)| *k != name);
            if let Some(value) = value {
                headers.push((name, substitute(value, vars)?));
            }
        }
        Ok(Outgoing { method, url: url.to_string(), headers, body, stream_ms: step.stream_ms })
    }

    fn absorb(&mut self, step: &Step, exchange: &Exchange, compared_headers: &[String]) -> Vec<String> {
        if let Some(client) = step.client_name() {
            let jar = self.jars.entry(client.to_owned()).or_default();
            for (name, value) in exchange.cookies() {
                match value {
                    Some(v) => jar.insert(name, v),
                    None => jar.remove(&name),
                };
            }
        }
        let doc = exchange.doc(compared_headers);
        let mut missing = Vec::new();
        for (name, pointer) in &step.capture {
            match doc.pointer(pointer) {
                Some(v) => {
                    self.vars.insert(name.clone(), v.to_value());
                }
                None => {
                    missing.push(format!("capture {name}: {pointer} is not in the answer"));
                    self.vars.insert(name.clone(), Value::Null);
                }
            }
        }
        missing
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Match,
    Noise,
    Mismatch,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Match => "match",
            Outcome::Noise => "noise",
            Outcome::Mismatch => "mismatch",
            Outcome::Error => "error",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StepResult {
    /// The scenario's name, or `generated`.
    pub suite: String,
    /// 1-based.
    pub index: usize,
    pub name: String,
    /// The contract operation the request is, if any (unknown paths and 405s are none).
    pub operation: Option<String>,
    pub method: String,
    pub path: String,
    /// Statuses by side role.
    pub statuses: BTreeMap<String, u16>,
    /// Left vs right, at places where left and twin agree.
    pub mismatches: Vec<Difference>,
    /// Left vs twin.
    pub noise: Vec<Difference>,
    pub errors: Vec<String>,
    /// Side role -> a curl line sending this step's request again (failing steps only).
    pub curl: BTreeMap<String, String>,
}

impl StepResult {
    pub fn outcome(&self) -> Outcome {
        if !self.errors.is_empty() {
            Outcome::Error
        } else if !self.mismatches.is_empty() {
            Outcome::Mismatch
        } else if !self.noise.is_empty() {
            Outcome::Noise
        } else {
            Outcome::Match
        }
    }
}

/// The sides of a run. `twin` is a second copy of the left backend (noise detection).
pub struct Sides {
    pub left: Side,
    pub right: Side,
    pub twin: Option<Side>,
}

impl Sides {
    fn all(&self) -> Vec<&Side> {
        let mut v = vec![&self.left, &self.right];
        v.extend(self.twin.as_ref());
        v
    }

    fn all_mut(&mut self) -> Vec<&mut Side> {
        let mut v = vec![&mut self.left, &mut self.right];
        v.extend(self.twin.as_mut());
        v
    }

    pub fn reset(&mut self) {
        for side in self.all_mut() {
            side.reset();
        }
    }
}

/// Database differences already reported, so a divergence is reported at the step that made
/// it, not again at every later step.
#[derive(Default)]
struct DbSeen {
    left_right: Vec<Difference>,
    left_twin: Vec<Difference>,
}

pub struct Runner<'a> {
    pub contract: &'a Contract,
    pub rules: &'a mut Rules,
    pub client: reqwest::Client,
    /// Where curl bodies too large to inline go.
    pub bodies_dir: PathBuf,
    pub results: Vec<StepResult>,
}

impl<'a> Runner<'a> {
    pub fn new(contract: &'a Contract, rules: &'a mut Rules, out_dir: &Path) -> anyhow::Result<Self> {
        Ok(Runner {
            contract,
            rules,
            client: exchange::client()?,
            bodies_dir: out_dir.join("bodies"),
            results: Vec::new(),
        })
    }

    pub async fn run_scenario(&mut self, scenario: &Scenario, sides: &mut Sides) {
        sides.reset();
        let mut seen = DbSeen::default();
        for (i, step) in scenario.steps.iter().enumerate() {
            let result = self.run_step(&scenario.name, i + 1, step, sides, &mut seen).await;
            self.results.push(result);
        }
    }

    async fn run_step(
        &mut self,
        suite: &str,
        index: usize,
        step: &Step,
        sides: &mut Sides,
        seen: &mut DbSeen,
    ) -> StepResult {
        let (method, path) = step.request_line();
        let operation = self.contract.find(&method, &substitute(&path, &sides.left.vars).unwrap_or_default());
        let mut result = StepResult {
            suite: suite.to_owned(),
            index,
            name: step.label(),
            operation: operation.map(|o| o.id.clone()),
            method,
            path,
            statuses: BTreeMap::new(),
            mismatches: Vec::new(),
            noise: Vec::new(),
            errors: Vec::new(),
            curl: BTreeMap::new(),
        };
        let outgoing: Vec<anyhow::Result<Outgoing>> = sides.all().iter().map(|s| s.build(step)).collect();
        if let Some(err) =
            outgoing.iter().zip(sides.all()).find_map(|(o, s)| o.as_ref().err().map(|e| (s.role.clone(), e)))
        {
            result.errors.push(format!("{}: cannot build the request: {:#}", err.0, err.1));
            return result;
        }
        let outgoing: Vec<Outgoing> = outgoing.into_iter().map(Result::unwrap).collect();

        let exchanges = match self.send_all(step, sides, &outgoing).await {
            Ok(x) => x,
            Err(e) => {
                result.errors.push(format!("{e:#}"));
                self.add_curl(&mut result, sides, &outgoing);
                return result;
            }
        };
        let headers = self.rules.compared_headers.clone();
        let mut docs = Vec::new();
        for ((side, exchange), role) in sides.all_mut().into_iter().zip(&exchanges).zip(["left", "right", "twin"]) {
            match exchange {
                Ok(x) => {
                    result.statuses.insert(role.to_owned(), x.status);
                    let missing = side.absorb(step, x, &headers);
                    if role == "left" {
                        result
                            .errors
                            .extend(missing.into_iter().map(|m| format!("left: {m} (the scenario is broken)")));
                    }
                    docs.push(Some(x.doc(&headers)));
                }
                Err(e) => {
                    result.errors.push(format!("{role}: no answer: {e:#}"));
                    docs.push(None);
                }
            }
        }
        if step.login.is_some() && result.statuses.get("left").is_some_and(|s| *s != 200) {
            result.errors.push(format!(
                "left: login as {} answered {} (the scenario is broken)",
                step.login.as_ref().map(|l| l.username.as_str()).unwrap_or_default(),
                result.statuses["left"]
            ));
        }

        let op = result.operation.clone();
        let compare = |rules: &mut Rules, a: &Json, b: &Json| {
            let (mut a, mut b) = (a.clone(), b.clone());
            rules.apply_pair(op.as_deref(), &mut a, &mut b);
            diff(Some(&a), Some(&b))
        };
        let mut left_right = Vec::new();
        let mut left_twin = Vec::new();
        if let (Some(Some(l)), Some(Some(r))) = (docs.first(), docs.get(1)) {
            left_right = compare(self.rules, l, r);
        }
        if let (Some(Some(l)), Some(Some(t))) = (docs.first(), docs.get(2)) {
            left_twin = compare(self.rules, l, t);
        }
        match self.compare_databases(sides, seen) {
            Ok((lr, lt)) => {
                left_right.extend(lr);
                left_twin.extend(lt);
            }
            Err(e) => result.errors.push(format!("database comparison: {e:#}")),
        }
        let noisy: BTreeSet<&str> = left_twin.iter().map(|d| d.pointer.as_str()).collect();
        result.mismatches = left_right.iter().filter(|d| !noisy.contains(d.pointer.as_str())).cloned().collect();
        result.noise = left_twin;
        if result.outcome() != Outcome::Match {
            self.add_curl(&mut result, sides, &outgoing);
        }
        result
    }

    async fn send_all(
        &self,
        step: &Step,
        sides: &Sides,
        outgoing: &[Outgoing],
    ) -> anyhow::Result<Vec<anyhow::Result<Exchange>>> {
        let mut locks = Vec::new();
        if step.database_locked {
            for side in sides.all() {
                let Some(db) = &side.db else {
                    bail!("{}: database_locked needs the database file (--{}-db)", side.role, side.role);
                };
                locks.push(WriteLock::take(db)?);
            }
        }
        let client = &self.client;
        let send = |i: usize| async move {
            match outgoing.get(i) {
                Some(o) => Some(exchange::send(client, o).await),
                None => None,
            }
        };
        let (l, r, t) = tokio::join!(send(0), send(1), send(2));
        drop(locks);
        Ok([l, r, t].into_iter().flatten().collect())
    }

    /// New database differences since the last step: (left vs right, left vs twin).
    fn compare_databases(
        &mut self,
        sides: &Sides,
        seen: &mut DbSeen,
    ) -> anyhow::Result<(Vec<Difference>, Vec<Difference>)> {
        let (Some(l), Some(r)) = (&sides.left.db, &sides.right.db) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let mut snap = |path: &Path| -> anyhow::Result<Json> {
            let mut doc = db::snapshot(path)?;
            self.rules.apply_db(&mut doc);
            Ok(Json::object([("db".to_owned(), doc)]))
        };
        let left = snap(l)?;
        let right = snap(r)?;
        let lr = diff(Some(&left), Some(&right));
        let new_lr = lr.iter().filter(|d| !seen.left_right.contains(d)).cloned().collect();
        seen.left_right = lr;
        let mut new_lt = Vec::new();
        if let Some(t) = sides.twin.as_ref().and_then(|t| t.db.as_ref()) {
            let twin = snap(t)?;
            let lt = diff(Some(&left), Some(&twin));
            new_lt = lt.iter().filter(|d| !seen.left_twin.contains(d)).cloned().collect();
            seen.left_twin = lt;
        }
        Ok((new_lr, new_lt))
    }

    fn add_curl(&self, result: &mut StepResult, sides: &Sides, outgoing: &[Outgoing]) {
        for (side, out) in sides.all().into_iter().zip(outgoing) {
            let file = self.bodies_dir.join(format!("{}-{:03}-{}.body", result.suite, result.index, side.role));
            match exchange::curl(out, &file) {
                Ok(line) => {
                    result.curl.insert(side.role.clone(), line);
                }
                Err(e) => result.errors.push(format!("writing the curl line: {e:#}")),
            }
        }
    }
}
