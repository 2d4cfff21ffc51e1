//! Generated traffic: requests for every operation of the contract, derived from its schemas —
//! valid bodies, boundary values and invalid ones (wrong types, nulls, missing and unknown fields,
//! malformed JSON, no content type) — with a fixed seed and a bounded count, so two runs with the
//! same seed send the same requests. What the schemas cannot say (how to get an id that exists,
//! which operations end the session they run in) comes from a small setup file.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::openapi::{Contract, Operation, resolve};
use crate::scenario::{RawBody, Scenario, Step};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    #[serde(default)]
    pub description: String,
    /// Steps run first (log in the client, create things to point at).
    pub setup: Vec<Step>,
    /// The named client that authenticated operations are sent as.
    pub client: String,
    /// Path template -> values its parameters draw from besides the boundary values
    /// (typically `${captured_id}` from a setup step).
    #[serde(default)]
    pub path_values: BTreeMap<String, Vec<String>>,
    /// Operations generated last, in this order: the ones that end the client's session or
    /// throttle logins would otherwise turn everything after them into 401s and 429s.
    #[serde(default)]
    pub last: Vec<String>,
    /// Operations sent with these headers instead of as `client` (e.g. the node API with a
    /// node's token): operationId -> header -> value.
    #[serde(default)]
    pub operation_headers: BTreeMap<String, BTreeMap<String, String>>,
    /// `operationId.parameter` -> the values a query parameter draws from instead of its schema
    /// (ids that exist, times that make sense, a long-poll wait that stays short).
    #[serde(default)]
    pub query_values: BTreeMap<String, Vec<String>>,
}

/// How long an event stream is read before hanging up.
const STREAM_MS: u64 = 300;

impl Setup {
    pub fn load(path: &Path) -> anyhow::Result<Setup> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let setup: Setup = serde_norway::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        for (i, step) in setup.setup.iter().enumerate() {
            step.validate().with_context(|| format!("{}: setup step {}", path.display(), i + 1))?;
        }
        Ok(setup)
    }
}

/// splitmix64: small, fast and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const BOUNDARY_PATH_VALUES: &[&str] =
    &["0", "-1", "999999", "9223372036854775807", "9223372036854775808", "abc", "1.5", "%20"];
const DATE_TIMES: &[&str] = &["2030-01-01T00:00:00.000Z", "2026-03-01T07:00:00Z", "2026-03-01T08:00:00.000+01:00"];
const BAD_DATE_TIMES: &[&str] = &["2020-01-01T00:00:00Z", "soon", "2026-13-01T00:00:00Z", ""];
const STRINGS: &[&str] = &["a generated password", "gen.ops-2", "0123456789", "farm", "ada"];
const BOUNDARY_LENGTHS: &[usize] = &[0, 1, 2, 3, 9, 10, 32, 33, 64, 65, 256, 257];
const ODD_STRINGS: &[&str] = &[" padded ", "Ümlaut", "tab\there", "UPPER", "-lead", "a/b"];

#[derive(Debug, Clone, Copy)]
enum Variant {
    Valid,
    ValidFull,
    Boundary,
    WrongType,
    NullField,
    MissingRequired,
    UnknownField,
    NotAnObject,
    Malformed,
    NoContentType,
    Empty,
}

const BODY_VARIANTS: &[(Variant, usize)] = &[
    (Variant::Valid, 4),
    (Variant::ValidFull, 2),
    (Variant::Boundary, 4),
    (Variant::WrongType, 2),
    (Variant::NullField, 1),
    (Variant::MissingRequired, 2),
    (Variant::UnknownField, 1),
    (Variant::NotAnObject, 1),
    (Variant::Malformed, 1),
    (Variant::NoContentType, 1),
    (Variant::Empty, 1),
];

struct Gen<'a> {
    contract: &'a Contract,
    rng: Rng,
    counter: usize,
}

/// `count` requests spread over the operations (round robin, sorted by operationId, the `last`
/// ones at the end), after the setup steps.
pub fn generate(contract: &Contract, setup: &Setup, count: usize, seed: u64) -> Scenario {
    let mut g = Gen { contract, rng: Rng::new(seed), counter: 0 };
    let mut ops: Vec<&Operation> = contract.operations.iter().collect();
    let rank = |op: &Operation| setup.last.iter().position(|l| *l == op.id).map_or(0, |p| p + 1);
    ops.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.id.cmp(&b.id)));
    let n = ops.len().max(1);
    let mut steps = setup.setup.clone();
    for (k, op) in ops.iter().enumerate() {
        let share = count / n + usize::from(k < count % n);
        for _ in 0..share {
            steps.push(g.request(op, setup));
        }
    }
    Scenario { name: "generated".to_owned(), description: format!("{count} generated requests, seed {seed}"), steps }
}

impl Gen<'_> {
    fn request(&mut self, op: &Operation, setup: &Setup) -> Step {
        self.counter += 1;
        let mut notes = Vec::new();
        let mut path = op.path.clone();
        for p in op.parameters.iter().filter(|p| p.location == "path") {
            let known = setup.path_values.get(&op.path).cloned().unwrap_or_default();
            let value = if !known.is_empty() && self.rng.chance(60) {
                self.rng.pick(&known).clone()
            } else {
                (*self.rng.pick(BOUNDARY_PATH_VALUES)).to_owned()
            };
            notes.push(format!("{}={value}", p.name));
            path = path.replace(&format!("{{{}}}", p.name), &value);
        }
        let mut query = BTreeMap::new();
        for p in op.parameters.iter().filter(|p| p.location == "query") {
            if p.required || self.rng.chance(50) {
                let text = match setup.query_values.get(&format!("{}.{}", op.id, p.name)) {
                    Some(values) if !values.is_empty() => self.rng.pick(values).clone(),
                    _ => {
                        let boundary = self.rng.chance(30);
                        match self.value(&p.schema, boundary) {
                            Value::String(s) => s,
                            other => other.to_string(),
                        }
                    }
                };
                notes.push(format!("?{}={text}", p.name));
                query.insert(p.name.clone(), text);
            }
        }
        let mut step = Step {
            client: (op.secured && !setup.operation_headers.contains_key(&op.id)).then(|| setup.client.clone()),
            method: Some(op.method.clone()),
            query,
            stream_ms: op.event_stream.then_some(STREAM_MS),
            ..Step::default()
        };
        for (name, value) in setup.operation_headers.get(&op.id).into_iter().flatten() {
            step.headers.insert(name.clone(), Some(value.clone()));
        }
        if let Some(schema) = &op.body {
            let weights: Vec<usize> = BODY_VARIANTS.iter().map(|(_, w)| *w).collect();
            let variant = BODY_VARIANTS[self.weighted(&weights)].0;
            notes.push(self.body(schema, variant, &mut step));
        }
        step.path = Some(path);
        step.name = Some(format!("gen {}: {} {}", self.counter, op.id, notes.join(" ")).trim_end().to_owned());
        step
    }

    fn weighted(&mut self, weights: &[usize]) -> usize {
        let mut roll = self.rng.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                return i;
            }
            roll -= w;
        }
        0
    }

    /// Fills the step's body for `variant`; returns a note for the step's name.
    fn body(&mut self, schema: &Value, variant: Variant, step: &mut Step) -> String {
        let doc = &self.contract.doc;
        let schema = resolve(doc, schema).clone();
        let props: Map<String, Value> =
            schema.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        let names: Vec<String> = props.keys().cloned().collect();
        let mut object = self.object(&schema, matches!(variant, Variant::ValidFull));
        let note = match variant {
            Variant::Valid => "valid".to_owned(),
            Variant::ValidFull => "valid, all fields".to_owned(),
            Variant::Boundary | Variant::WrongType | Variant::NullField if !names.is_empty() => {
                let name = self.rng.pick(&names).clone();
                let field = &props[&name];
                let value = match variant {
                    Variant::Boundary => self.value(field, true),
                    Variant::WrongType => self.wrong_type(field),
                    _ => Value::Null,
                };
                let note = format!("{name}={}", abbreviate(&value));
                object.insert(name, value);
                note
            }
            Variant::MissingRequired if !required.is_empty() => {
                let name = self.rng.pick(&required).clone();
                object.remove(&name);
                format!("without {name}")
            }
            Variant::UnknownField => {
                object.insert("unexpected_field".to_owned(), json!(1));
                "unknown field".to_owned()
            }
            Variant::NotAnObject => {
                step.json = Some(self.rng.pick(&[json!([]), json!("text"), json!(42), Value::Null]).clone());
                if step.json == Some(Value::Null) {
                    step.json = None;
                    step.body = Some(RawBody::Text("null".to_owned()));
                    step.headers.insert("content-type".to_owned(), Some("application/json".to_owned()));
                }
                return "not an object".to_owned();
            }
            Variant::Malformed => {
                let text = serde_json::to_string(&Value::Object(object)).unwrap_or_default();
                let cut = self.rng.below(text.len().max(1));
                step.body = Some(RawBody::Text(text[..cut].to_owned()));
                step.headers.insert("content-type".to_owned(), Some("application/json".to_owned()));
                return "malformed JSON".to_owned();
            }
            Variant::NoContentType => {
                step.body = Some(RawBody::Text(serde_json::to_string(&Value::Object(object)).unwrap_or_default()));
                return "no content type".to_owned();
            }
            Variant::Empty => {
                step.body = Some(RawBody::Text(String::new()));
                step.headers.insert("content-type".to_owned(), Some("application/json".to_owned()));
                return "empty body".to_owned();
            }
            _ => "valid".to_owned(),
        };
        step.json = Some(Value::Object(object));
        note
    }

    fn object(&mut self, schema: &Value, all: bool) -> Map<String, Value> {
        let schema = resolve(&self.contract.doc, schema).clone();
        let required: Vec<&str> =
            schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        let mut out = Map::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, field) in props {
                if required.contains(&name.as_str()) || all || self.rng.chance(40) {
                    let v = self.value(field, false);
                    out.insert(name.clone(), v);
                }
            }
        }
        out
    }

    /// A value for `schema`; `boundary` picks edge values (lengths around limits, extremes).
    fn value(&mut self, schema: &Value, boundary: bool) -> Value {
        let doc = &self.contract.doc;
        let schema = resolve(doc, schema).clone();
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                let non_null: Vec<&Value> = branches.iter().filter(|b| b.get("type") != Some(&json!("null"))).collect();
                if non_null.len() < branches.len() && self.rng.chance(20) {
                    return Value::Null;
                }
                let pick = if non_null.is_empty() { self.rng.pick(branches) } else { *self.rng.pick(&non_null) };
                return self.value(pick, boundary);
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if boundary && self.rng.chance(50) {
                return json!("not.a-member");
            }
            return self.rng.pick(values).clone();
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec!["string"],
        };
        let non_null: Vec<&str> = types.iter().copied().filter(|t| *t != "null").collect();
        if non_null.len() < types.len() && self.rng.chance(20) {
            return Value::Null;
        }
        match non_null.first().copied().unwrap_or("null") {
            "integer" => {
                if boundary {
                    self.rng.pick(&[json!(-1), json!(0), json!(i64::MAX), json!(i64::MIN), json!(u64::MAX)]).clone()
                } else {
                    json!(self.rng.pick(&[1, 2, 7, 30, 999_999]))
                }
            }
            "number" => self.rng.pick(&[json!(0.5), json!(1), json!(-2.25), json!(1e300)]).clone(),
            "boolean" => json!(self.rng.chance(50)),
            "array" => {
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                let n = if boundary { *self.rng.pick(&[0, 20]) } else { 1 + self.rng.below(3) };
                Value::Array((0..n).map(|_| self.value(&items, false)).collect())
            }
            "object" => Value::Object(self.object(&schema, false)),
            "null" => Value::Null,
            _ => self.string(&schema, boundary),
        }
    }

    fn string(&mut self, schema: &Value, boundary: bool) -> Value {
        if schema.get("format").and_then(Value::as_str) == Some("date-time") {
            let pool = if boundary { BAD_DATE_TIMES } else { DATE_TIMES };
            return json!(*self.rng.pick(pool));
        }
        if boundary {
            if self.rng.chance(70) {
                let len = *self.rng.pick(BOUNDARY_LENGTHS);
                return json!("x".repeat(len));
            }
            return json!(*self.rng.pick(ODD_STRINGS));
        }
        if self.rng.chance(50) {
            // Unique enough to get past "name taken", deterministic for a seed.
            return json!(format!("gen-{}-{}", self.counter, self.rng.below(1000)));
        }
        json!(*self.rng.pick(STRINGS))
    }

    fn wrong_type(&mut self, schema: &Value) -> Value {
        let t = crate::openapi::type_of(&self.contract.doc, schema);
        if t.contains("string") {
            json!(123)
        } else if t.contains("integer") || t.contains("number") {
            json!("1")
        } else if t.contains("boolean") {
            json!("true")
        } else if t.contains("array") {
            json!("not-a-list")
        } else {
            json!([1])
        }
    }
}

fn abbreviate(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 24 {
        format!("{}…({} chars)", text.chars().take(12).collect::<String>(), text.len())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract() -> Contract {
        Contract::from_doc(json!({
            "paths": {
                "/api/things": {"post": {"operationId": "thing_create", "security": [{"s": []}], "responses": {"201": {}},
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingCreate"}}}}}},
                "/api/things/{id}": {"get": {"operationId": "thing_get", "security": [{"s": []}], "responses": {"200": {}},
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}},
                "/api/auth/logout": {"post": {"operationId": "auth_logout", "security": [{"s": []}], "responses": {"204": {}}}},
                "/healthz": {"get": {"operationId": "healthz", "responses": {"200": {}}}}
            },
            "components": {"schemas": {"ThingCreate": {"type": "object", "additionalProperties": false, "required": ["name", "tags"],
                "properties": {"name": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}},
                               "expires_at": {"oneOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}}}}}
        }))
        .unwrap()
    }

    fn setup() -> Setup {
        serde_norway::from_str(
            "setup: [{login: {client: admin, username: ada, password: pw}}]\nclient: admin\npath_values: {'/api/things/{id}': ['${thing}']}\nlast: [auth_logout]\n",
        )
        .unwrap()
    }

    fn fingerprint(s: &Scenario) -> Vec<String> {
        s.steps
            .iter()
            .map(|st| {
                format!(
                    "{:?} {:?} {:?} {:?} {:?} {:?}",
                    st.name,
                    st.path,
                    st.json,
                    st.body.as_ref().map(RawBody::bytes),
                    st.headers,
                    st.client
                )
            })
            .collect()
    }

    #[test]
    fn same_seed_same_requests_and_a_bounded_count() {
        let (c, s) = (contract(), setup());
        let a = generate(&c, &s, 40, 7);
        assert_eq!(a.steps.len(), 41, "setup + 40");
        assert_eq!(fingerprint(&a), fingerprint(&generate(&c, &s, 40, 7)));
        assert_ne!(fingerprint(&a), fingerprint(&generate(&c, &s, 40, 8)));
    }

    #[test]
    fn every_operation_gets_requests_and_the_last_ones_come_last() {
        let (c, s) = (contract(), setup());
        let g = generate(&c, &s, 8, 1);
        let ops: Vec<String> =
            g.steps[1..].iter().map(|st| st.name.clone().unwrap().split(' ').nth(2).unwrap().to_owned()).collect();
        for id in ["thing_create", "thing_get", "healthz", "auth_logout"] {
            assert_eq!(ops.iter().filter(|o| *o == id).count(), 2, "{id}: {ops:?}");
        }
        assert_eq!(ops[6..], ["auth_logout", "auth_logout"]);
        let healthz = g.steps.iter().find(|st| st.path.as_deref() == Some("/healthz")).unwrap();
        assert_eq!(healthz.client, None, "unsecured operations go anonymous");
        assert!(
            g.steps
                .iter()
                .filter(|st| st.path.as_deref() == Some("/api/things"))
                .all(|st| st.client.as_deref() == Some("admin"))
        );
    }

    #[test]
    fn bodies_cover_valid_boundary_and_invalid_shapes() {
        let (c, s) = (contract(), setup());
        let g = generate(&c, &s, 400, 3);
        let names: Vec<String> =
            g.steps.iter().filter_map(|st| st.name.clone()).filter(|n| n.contains("thing_create")).collect();
        for kind in [
            "valid",
            "without",
            "unknown field",
            "malformed JSON",
            "no content type",
            "empty body",
            "not an object",
            "null",
        ] {
            assert!(names.iter().any(|n| n.contains(kind)), "no {kind:?} body in {names:?}");
        }
        let valid =
            g.steps.iter().find(|st| st.name.as_deref().is_some_and(|n| n.ends_with("thing_create valid"))).unwrap();
        let body = valid.json.as_ref().unwrap();
        assert!(body["name"].is_string() && body["tags"].is_array(), "{body}");
        assert!(body["tags"].as_array().unwrap().iter().all(|t| t == "a" || t == "b"));
        let paths: Vec<&str> =
            g.steps.iter().filter_map(|st| st.path.as_deref()).filter(|p| p.starts_with("/api/things/")).collect();
        assert!(paths.contains(&"/api/things/${thing}") && paths.contains(&"/api/things/abc"), "{paths:?}");
    }
}
