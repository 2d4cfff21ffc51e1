//! The contract: operations of an OpenAPI document (which request is which operation, what it
//! documents), and the normalised view two documents are compared on for contract parity.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use serde_json::Value;

use crate::canon::Json;

#[derive(Debug, Clone)]
pub struct Operation {
    pub id: String,
    /// Upper case.
    pub method: String,
    /// The path template, e.g. `/api/users/{id}`.
    pub path: String,
    /// Documented response statuses, sorted.
    pub statuses: Vec<u16>,
    /// Whether the operation declares a security requirement (needs credentials).
    pub secured: bool,
    pub parameters: Vec<Parameter>,
    /// The JSON request body schema, `$ref`s unresolved.
    pub body: Option<Value>,
    /// A success answer is `text/event-stream`: it does not end by itself.
    pub event_stream: bool,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub schema: Value,
}

#[derive(Debug, Clone)]
pub struct Contract {
    pub doc: Value,
    pub operations: Vec<Operation>,
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

impl Contract {
    pub fn load(path: &Path) -> anyhow::Result<Contract> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let doc = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        Contract::from_doc(doc).with_context(|| format!("reading operations of {}", path.display()))
    }

    pub fn from_doc(doc: Value) -> anyhow::Result<Contract> {
        let mut operations = Vec::new();
        let paths = doc.get("paths").and_then(Value::as_object).context("the document has no `paths`")?;
        for (path, item) in paths {
            let Some(item) = item.as_object() else { continue };
            let shared: Vec<Value> = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let id = op.get("operationId").and_then(Value::as_str).unwrap_or_default().to_owned();
                let mut statuses: Vec<u16> = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
                    .unwrap_or_default();
                statuses.sort_unstable();
                let secured =
                    op.get("security").or_else(|| doc.get("security")).and_then(Value::as_array).is_some_and(|s| {
                        !s.is_empty() && !s.iter().any(|req| req.as_object().is_some_and(|o| o.is_empty()))
                    });
                let params = shared.iter().chain(op.get("parameters").and_then(Value::as_array).into_iter().flatten());
                let parameters = params
                    .map(|p| resolve(&doc, p))
                    .map(|p| Parameter {
                        name: p.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
                        location: p.get("in").and_then(Value::as_str).unwrap_or_default().to_owned(),
                        required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                        schema: p.get("schema").cloned().unwrap_or(Value::Null),
                    })
                    .collect();
                let event_stream = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|r| r.values())
                    .any(|r| resolve(&doc, r).pointer("/content/text~1event-stream").is_some());
                let body = op
                    .get("requestBody")
                    .map(|b| resolve(&doc, b))
                    .and_then(|b| b.pointer("/content/application~1json/schema").cloned());
                operations.push(Operation {
                    id,
                    method: method.to_uppercase(),
                    path: path.clone(),
                    statuses,
                    secured,
                    parameters,
                    body,
                    event_stream,
                });
            }
        }
        operations.sort_by(|a, b| a.id.cmp(&b.id).then(a.path.cmp(&b.path)));
        Ok(Contract { doc, operations })
    }

    pub fn ids(&self) -> BTreeSet<String> {
        self.operations.iter().map(|o| o.id.clone()).collect()
    }

    /// The operation a request is, by method and path (query excluded). Literal segments win
    /// over `{parameters}`, as in the routers.
    pub fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split('?').next().unwrap_or(path);
        self.operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method))
            .filter_map(|o| template_score(&o.path, path).map(|score| (score, o)))
            .max_by_key(|(score, _)| *score)
            .map(|(_, o)| o)
    }

    pub fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        resolve(&self.doc, schema)
    }
}

/// `Some(number of literal segments)` when `path` fits `template`.
fn template_score(template: &str, path: &str) -> Option<usize> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut literal = 0;
    for (ts, ps) in t.iter().zip(&p) {
        if ts.starts_with('{') && ts.ends_with('}') {
            if ps.is_empty() {
                return None;
            }
        } else if ts == ps {
            literal += 1;
        } else {
            return None;
        }
    }
    Some(literal)
}

/// Follows local `$ref`s (`#/components/...`), a bounded number of times.
pub fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(target) = value.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) else {
            return value;
        };
        match doc.pointer(target) {
            Some(next) => value = next,
            None => return value,
        }
    }
    value
}

/// A schema's JSON types, `|`-joined and sorted: `string`, `integer|null`, `array`. Formats and
/// enums are left out: the contract check is about shape, the scenarios about values.
pub fn type_of(doc: &Value, schema: &Value) -> String {
    let mut types = BTreeSet::new();
    collect_types(doc, schema, &mut types, 0);
    if types.is_empty() { "any".to_owned() } else { types.into_iter().collect::<Vec<_>>().join("|") }
}

fn collect_types(doc: &Value, schema: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    let schema = resolve(doc, schema);
    match schema.get("type") {
        Some(Value::String(t)) => {
            out.insert(t.clone());
        }
        Some(Value::Array(ts)) => out.extend(ts.iter().filter_map(Value::as_str).map(str::to_owned)),
        _ => {}
    }
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        out.insert("null".to_owned());
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for sub in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            collect_types(doc, sub, out, depth + 1);
        }
    }
    if out.is_empty() && schema.get("enum").is_some() {
        out.insert("string".to_owned());
    }
    if out.is_empty() && schema.get("properties").is_some() {
        out.insert("object".to_owned());
    }
}

/// What contract parity compares, per `METHOD path`: the operationId, parameters (location,
/// name, required, type), documented statuses, and the request body's required fields with
/// their types.
pub fn normalize(doc: &Value) -> anyhow::Result<Json> {
    let contract = Contract::from_doc(doc.clone())?;
    let mut ops = Vec::new();
    for op in &contract.operations {
        let mut fields = vec![("operation_id".to_owned(), Json::str(&op.id))];
        let params = op.parameters.iter().map(|p| {
            let desc = Json::object([
                ("required".to_owned(), Json::Bool(p.required)),
                ("type".to_owned(), Json::str(type_of(doc, &p.schema))),
            ]);
            (format!("{}:{}", p.location, p.name), desc)
        });
        fields.push(("parameters".to_owned(), Json::object(params)));
        let statuses = op.statuses.iter().map(|s| (s.to_string(), Json::Bool(true)));
        fields.push(("responses".to_owned(), Json::object(statuses)));
        if let Some(body) = &op.body {
            let schema = resolve(doc, body);
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let props = schema.get("properties");
            let req = required.iter().map(|name| {
                let t = props.and_then(|p| p.get(*name)).map_or_else(|| "any".to_owned(), |s| type_of(doc, s));
                ((*name).to_owned(), Json::str(t))
            });
            fields.push(("request_body_required".to_owned(), Json::object(req)));
        }
        ops.push((format!("{} {}", op.method, op.path), Json::object(fields)));
    }
    Ok(Json::object(ops))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "paths": {
                "/api/users": {"get": {"operationId": "users_list", "responses": {"200": {}, "401": {}}, "security": [{"c": []}]},
                               "post": {"operationId": "user_create", "responses": {"201": {}},
                                        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/UserCreate"}}}}}},
                "/api/users/{id}": {"get": {"operationId": "user_get", "responses": {"200": {}},
                                            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}},
                "/api/users/me": {"get": {"operationId": "user_me", "responses": {"200": {}}}}
            },
            "components": {"schemas": {
                "Role": {"type": "string", "enum": ["admin"]},
                "UserCreate": {"type": "object", "required": ["username", "role", "expires_at"], "properties": {
                    "username": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"},
                    "expires_at": {"oneOf": [{"type": "string"}, {"type": "null"}]}}}
            }}
        })
    }

    #[test]
    fn finds_operations_by_method_and_path() {
        let c = Contract::from_doc(doc()).unwrap();
        assert_eq!(c.find("GET", "/api/users").unwrap().id, "users_list");
        assert_eq!(c.find("get", "/api/users/7?x=1").unwrap().id, "user_get");
        assert_eq!(c.find("GET", "/api/users/me").unwrap().id, "user_me", "literal segments win");
        assert!(c.find("PUT", "/api/users").is_none());
        assert!(c.find("GET", "/api/users/").is_none());
        assert!(c.find("GET", "/api/users/7/x").is_none());
        assert!(c.find("GET", "/api/users").unwrap().secured);
        assert!(!c.find("POST", "/api/users").unwrap().secured);
    }

    #[test]
    fn normalizes_what_contract_parity_compares() {
        let n = normalize(&doc()).unwrap();
        assert_eq!(
            n.pointer("/POST ~1api~1users/request_body_required").unwrap().canonical(),
            r#"{"expires_at":"null|string","role":"string","username":"string"}"#
        );
        assert_eq!(
            n.pointer("/GET ~1api~1users~1{id}/parameters/path:id").unwrap().canonical(),
            r#"{"required":true,"type":"integer"}"#
        );
        assert_eq!(n.pointer("/GET ~1api~1users/responses").unwrap().canonical(), r#"{"200":true,"401":true}"#);
    }
}
