//! The rule file (`parity/rules.yaml`): which response headers are part of the contract, and the
//! few places compared by presence (or, for one operation's errors, by shape) instead of by value.
//! Every rule says why; a rule without a reason, or one that matched nothing in a run, is an error,
//! so stale rules cannot pile up.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::canon::Json;
use crate::diff::{replace_matches, split_pointer};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    /// Response headers compared between backends (lower case). Others (date, server,
    /// content-length) are transport, not contract.
    compared_headers: Vec<String>,
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// An operationId of the contract; without it the rule applies to every operation.
    pub operation: Option<String>,
    /// Only responses with this status.
    pub status: Option<u16>,
    /// Where in the compared exchange: `/status`, `/headers/<name>...` or `/body/...`;
    /// a `*` token matches any one key or index.
    pub pointer: Option<String>,
    /// `table.column` of the database comparison.
    pub column: Option<String>,
    pub compare: Compare,
    pub why: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// Both sides have a value of the same JSON type (or both have none); the value itself may differ.
    Presence,
    /// Error responses of the operation compare only status, `error.code` and `details[].field`.
    ErrorShape,
}

#[derive(Debug, Clone)]
enum Scope {
    Pointer { pattern: Vec<String> },
    Column { table: String, column: String },
    ErrorShape,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub spec: RuleSpec,
    scope: Scope,
}

impl Rule {
    /// How a report names the rule.
    pub fn describe(&self) -> String {
        let s = &self.spec;
        let mut parts = Vec::new();
        if let Some(op) = &s.operation {
            parts.push(format!("operation {op}"));
        }
        if let Some(status) = s.status {
            parts.push(format!("status {status}"));
        }
        if let Some(p) = &s.pointer {
            parts.push(format!("pointer {p}"));
        }
        if let Some(c) = &s.column {
            parts.push(format!("column {c}"));
        }
        let compare = match s.compare {
            Compare::Presence => "presence",
            Compare::ErrorShape => "error_shape",
        };
        format!("{} ({compare})", parts.join(", "))
    }
}

#[derive(Debug, Clone)]
pub struct Rules {
    pub compared_headers: Vec<String>,
    pub rules: Vec<Rule>,
    /// How often each rule applied in this run.
    pub used: Vec<u64>,
}

impl Rules {
    pub fn load(path: &Path) -> anyhow::Result<Rules> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading rule file {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("rule file {}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Rules> {
        let file: RulesFile = serde_norway::from_str(text)?;
        let mut rules = Vec::new();
        for (i, spec) in file.rules.into_iter().enumerate() {
            let scope = validate(&spec).with_context(|| format!("rule {} ({})", i + 1, describe_spec(&spec)))?;
            rules.push(Rule { spec, scope });
        }
        for h in &file.compared_headers {
            if h.is_empty() || h.to_lowercase() != *h {
                bail!("compared_headers: {h:?} must be a lower-case header name");
            }
        }
        let used = vec![0; rules.len()];
        Ok(Rules { compared_headers: file.compared_headers, rules, used })
    }

    /// Refuses rules naming operations the contract does not have.
    pub fn check_operations(&self, known: &BTreeSet<String>) -> anyhow::Result<()> {
        for rule in &self.rules {
            if let Some(op) = &rule.spec.operation
                && !known.contains(op)
            {
                bail!("rule {} names operation {op}, which the contract does not have", rule.describe());
            }
        }
        Ok(())
    }

    /// Makes two exchange documents of `operation` comparable: error-shape rules first (they apply
    /// when either side is an error), then presence rules on each side.
    pub fn apply_pair(&mut self, operation: Option<&str>, left: &mut Json, right: &mut Json) {
        let is_error = |doc: &Json| status_of(doc).is_some_and(|s| s >= 400);
        let either_error = is_error(left) || is_error(right);
        for (i, rule) in self.rules.iter().enumerate() {
            if !matches!(rule.scope, Scope::ErrorShape) || rule.spec.operation.as_deref() != operation || !either_error
            {
                continue;
            }
            reduce_error(left);
            reduce_error(right);
            self.used[i] += 1;
        }
        for doc in [left, right] {
            self.apply_presence(operation, doc);
        }
    }

    fn apply_presence(&mut self, operation: Option<&str>, doc: &mut Json) {
        let status = status_of(doc);
        for (i, rule) in self.rules.iter().enumerate() {
            let Scope::Pointer { pattern } = &rule.scope else { continue };
            if rule.spec.operation.as_deref().is_some_and(|op| Some(op) != operation) {
                continue;
            }
            if rule.spec.status.is_some_and(|s| Some(s) != status) {
                continue;
            }
            self.used[i] += replace_matches(doc, pattern, &presence) as u64;
        }
    }

    /// Applies the column rules to a database document (`{table: {key: {column: value}}}`).
    pub fn apply_db(&mut self, db: &mut Json) {
        for (i, rule) in self.rules.iter().enumerate() {
            let Scope::Column { table, column } = &rule.scope else { continue };
            let pattern = vec![table.clone(), "*".to_owned(), column.clone()];
            self.used[i] += replace_matches(db, &pattern, &presence) as u64;
        }
    }

    /// Rules that applied nowhere in this run.
    pub fn unused(&self) -> Vec<&Rule> {
        self.rules.iter().zip(&self.used).filter(|(_, n)| **n == 0).map(|(r, _)| r).collect()
    }

    pub fn is_column_rule(rule: &Rule) -> bool {
        matches!(rule.scope, Scope::Column { .. })
    }
}

fn describe_spec(spec: &RuleSpec) -> String {
    Rule { spec: spec.clone(), scope: Scope::ErrorShape }.describe()
}

fn validate(spec: &RuleSpec) -> anyhow::Result<Scope> {
    if spec.why.as_deref().is_none_or(|w| w.trim().is_empty()) {
        bail!("has no `why`: every rule must say why the difference is acceptable");
    }
    match spec.compare {
        Compare::ErrorShape => {
            if spec.operation.is_none() {
                bail!("compare: error_shape relaxes one operation's errors and needs `operation`");
            }
            if spec.pointer.is_some() || spec.column.is_some() || spec.status.is_some() {
                bail!("compare: error_shape takes only `operation` and `why`");
            }
            Ok(Scope::ErrorShape)
        }
        Compare::Presence => match (&spec.pointer, &spec.column) {
            (Some(pointer), None) => {
                let pattern = split_pointer(pointer);
                let root_ok = matches!(pattern.first().map(String::as_str), Some("status" | "headers" | "body"));
                if !pointer.starts_with('/') || !root_ok {
                    bail!("pointer {pointer} must start with /status, /headers/ or /body");
                }
                Ok(Scope::Pointer { pattern })
            }
            (None, Some(column)) => {
                if spec.operation.is_some() || spec.status.is_some() {
                    bail!("a column rule applies to the whole database comparison: drop `operation`/`status`");
                }
                match column.split_once('.') {
                    Some((t, c)) if !t.is_empty() && !c.is_empty() => {
                        Ok(Scope::Column { table: t.to_owned(), column: c.to_owned() })
                    }
                    _ => bail!("column {column} must be table.column"),
                }
            }
            _ => bail!("compare: presence needs exactly one of `pointer` or `column`"),
        },
    }
}

fn status_of(doc: &Json) -> Option<u16> {
    match doc.pointer("/status") {
        Some(Json::Number(n)) => n.parse().ok(),
        _ => None,
    }
}

/// A value compared by presence: its JSON type survives, the value does not. `null` stays
/// `null`, so "present" means present and not null.
fn presence(value: &Json) -> Json {
    match value {
        Json::Null => Json::Null,
        other => Json::String(format!("(present: {})", other.type_name())),
    }
}

/// Keeps status, `error.code` and `details[].field` of an error body; headers stay as they are.
fn reduce_error(doc: &mut Json) {
    let Json::Object(map) = doc else { return };
    let Some(body) = map.get("body") else { return };
    let code = body.pointer("/error/code").cloned();
    let fields = match body.pointer("/error/details") {
        Some(Json::Array(items)) => Some(Json::Array(
            items.iter().map(|d| Json::object(d.pointer("/field").map(|f| ("field".to_owned(), f.clone())))).collect(),
        )),
        _ => None,
    };
    let mut error = Vec::new();
    if let Some(code) = code {
        error.push(("code".to_owned(), code));
    }
    if let Some(fields) = fields {
        error.push(("details".to_owned(), fields));
    }
    map.insert("body".to_owned(), Json::object([("error".to_owned(), Json::object(error))]));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> Json {
        Json::parse(text).unwrap()
    }

    const HEADERS: &str = "compared_headers: [content-type]\n";

    #[test]
    fn a_rule_without_why_is_an_error() {
        for why in ["", "why: \"\"\n", "why: \"  \"\n"] {
            let text = format!("{HEADERS}rules:\n  - pointer: /body/secret\n    compare: presence\n    {why}");
            let err = format!("{:#}", Rules::parse(&text).unwrap_err());
            assert!(err.contains("has no `why`"), "{err}");
        }
    }

    #[test]
    fn malformed_rules_are_errors() {
        for (rule, expect) in [
            ("{pointer: secret, compare: presence, why: x}", "must start with"),
            ("{pointer: /secret, compare: presence, why: x}", "must start with"),
            ("{column: users, compare: presence, why: x}", "table.column"),
            ("{pointer: /body/a, column: t.c, compare: presence, why: x}", "exactly one"),
            ("{compare: error_shape, why: x}", "needs `operation`"),
            ("{operation: a, pointer: /body, compare: error_shape, why: x}", "takes only"),
            ("{pointer: /body/a, compare: presence, why: x, typo: 1}", "unknown field"),
            ("{pointer: /body/a, compare: ignore, why: x}", "unknown variant"),
        ] {
            let err = format!("{:#}", Rules::parse(&format!("{HEADERS}rules: [{rule}]")).unwrap_err());
            assert!(err.contains(expect), "{rule}: {err}");
        }
    }

    #[test]
    fn an_unused_rule_is_reported() {
        let mut rules = Rules::parse(&format!(
            "{HEADERS}rules:\n  - {{pointer: /body/secret, compare: presence, why: random}}\n  - {{pointer: /body/gone, compare: presence, why: stale}}\n"
        ))
        .unwrap();
        let (mut l, mut r) =
            (j(r#"{"status":201,"body":{"secret":"a"}}"#), j(r#"{"status":201,"body":{"secret":"b"}}"#));
        rules.apply_pair(Some("op"), &mut l, &mut r);
        assert_eq!(l, r, "the secret compares by presence");
        let unused: Vec<String> = rules.unused().iter().map(|r| r.describe()).collect();
        assert_eq!(unused, ["pointer /body/gone (presence)"]);
    }

    #[test]
    fn presence_keeps_absence_null_and_type_differences() {
        let mut rules =
            Rules::parse(&format!("{HEADERS}rules: [{{pointer: /body/*/x, compare: presence, why: w}}]")).unwrap();
        let (mut l, mut r) = (
            j(r#"{"body":{"a":{"x":"s"},"b":{"x":1},"c":{"x":null}}}"#),
            j(r#"{"body":{"a":{},"b":{"x":"1"},"c":{"x":"v"}}}"#),
        );
        rules.apply_pair(None, &mut l, &mut r);
        let pointers: Vec<String> = crate::diff::diff(Some(&l), Some(&r)).into_iter().map(|d| d.pointer).collect();
        assert_eq!(pointers, ["/body/a/x", "/body/b/x", "/body/c/x"]);
    }

    #[test]
    fn rules_are_scoped_by_operation_and_status() {
        let mut rules = Rules::parse(&format!(
            "{HEADERS}rules: [{{operation: op_a, status: 500, pointer: /body/m, compare: presence, why: w}}]"
        ))
        .unwrap();
        let (mut l, mut r) = (j(r#"{"status":500,"body":{"m":"1"}}"#), j(r#"{"status":500,"body":{"m":"2"}}"#));
        rules.apply_pair(Some("op_b"), &mut l, &mut r);
        assert_ne!(l, r, "another operation");
        let (mut l, mut r) = (j(r#"{"status":422,"body":{"m":"1"}}"#), j(r#"{"status":422,"body":{"m":"2"}}"#));
        rules.apply_pair(Some("op_a"), &mut l, &mut r);
        assert_ne!(l, r, "another status");
        let (mut l, mut r) = (j(r#"{"status":500,"body":{"m":"1"}}"#), j(r#"{"status":500,"body":{"m":"2"}}"#));
        rules.apply_pair(Some("op_a"), &mut l, &mut r);
        assert_eq!(l, r);
        assert_eq!(rules.used, [2]);
    }

    #[test]
    fn error_shape_compares_status_code_and_fields_only() {
        let mut rules =
            Rules::parse(&format!("{HEADERS}rules: [{{operation: op, compare: error_shape, why: w}}]")).unwrap();
        let l = r#"{"status":422,"body":{"error":{"code":"validation_failed","message":"a","details":[{"field":"name","problem":"p"}]}}}"#;
        let r = r#"{"status":422,"body":{"error":{"code":"validation_failed","message":"b","details":[{"field":"name","problem":"q"}]}}}"#;
        let (mut a, mut b) = (j(l), j(r));
        rules.apply_pair(Some("op"), &mut a, &mut b);
        assert_eq!(a, b);
        let r2 = r#"{"status":422,"body":{"error":{"code":"validation_failed","message":"a","details":[{"field":"other","problem":"p"}]}}}"#;
        let (mut a, mut b) = (j(l), j(r2));
        rules.apply_pair(Some("op"), &mut a, &mut b);
        assert_ne!(a, b, "the field still counts");
        let (mut a, mut b) = (j(r#"{"status":200,"body":{"x":1}}"#), j(r#"{"status":200,"body":{"x":2}}"#));
        rules.apply_pair(Some("op"), &mut a, &mut b);
        assert_ne!(a, b, "successes compare in full");
    }

    #[test]
    fn column_rules_apply_to_every_row() {
        let mut rules =
            Rules::parse(&format!("{HEADERS}rules: [{{column: users.password_hash, compare: presence, why: w}}]"))
                .unwrap();
        let mut db =
            j(r#"{"users":{"1":{"id":1,"password_hash":"$argon2id$a"},"2":{"id":2,"password_hash":"$argon2id$b"}}}"#);
        rules.apply_db(&mut db);
        assert_eq!(db.pointer("/users/2/password_hash"), Some(&Json::str("(present: string)")));
        assert_eq!(rules.used, [2]);
    }
}
