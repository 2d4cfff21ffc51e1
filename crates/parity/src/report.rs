//! What a run found, three ways: a human summary (per scenario and per operation), `report.json`
//! and `junit.xml`. Every mismatch carries its pointer, both values and a curl line per backend.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde_json::{Value, json};

use crate::canon::Json;
use crate::diff::Difference;
use crate::openapi::Contract;
use crate::runner::{Outcome, StepResult};

#[derive(Debug, Clone)]
pub struct ContractDifference {
    /// The side whose backend's document differs (`left`, `right`).
    pub role: String,
    pub backend: String,
    /// `METHOD path`.
    pub operation: String,
    pub pointer: String,
    pub contract: Option<Json>,
    pub actual: Option<Json>,
}

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// (operationId, status) documented but answered by no request of the run.
    pub uncovered: Vec<(String, u16)>,
    /// Operations no request of the run reached at all.
    pub unsampled: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RuleUse {
    pub rule: String,
    pub why: String,
    pub used: u64,
}

#[derive(Debug, Default)]
pub struct Report {
    /// role -> backend description (`rust`, `python`, a URL).
    pub sides: BTreeMap<String, String>,
    pub results: Vec<StepResult>,
    /// Backends whose OpenAPI document was compared with the contract.
    pub contract_checked: Vec<String>,
    pub contract: Vec<ContractDifference>,
    pub coverage: Coverage,
    pub rules: Vec<RuleUse>,
    /// Harness errors not tied to one step (stale rules, unsampled operations, failed commands).
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn coverage(contract: &Contract, results: &[StepResult]) -> Coverage {
    let mut seen: BTreeMap<&str, BTreeSet<u16>> = BTreeMap::new();
    for r in results {
        if let (Some(op), Some(status)) = (&r.operation, r.statuses.get("left")) {
            seen.entry(op.as_str()).or_default().insert(*status);
        }
    }
    let mut cov = Coverage::default();
    for op in &contract.operations {
        match seen.get(op.id.as_str()) {
            None => cov.unsampled.push(op.id.clone()),
            Some(statuses) => {
                cov.uncovered.extend(op.statuses.iter().filter(|s| !statuses.contains(s)).map(|s| (op.id.clone(), *s)));
            }
        }
    }
    cov
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    matched: usize,
    mismatch: usize,
    noise: usize,
    error: usize,
}

impl Counts {
    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Match => self.matched += 1,
            Outcome::Mismatch => self.mismatch += 1,
            Outcome::Noise => self.noise += 1,
            Outcome::Error => self.error += 1,
        }
    }

    fn total(&self) -> usize {
        self.matched + self.mismatch + self.noise + self.error
    }

    fn json(&self) -> Value {
        json!({"steps": self.total(), "match": self.matched, "mismatch": self.mismatch, "noise": self.noise, "error": self.error})
    }
}

fn show(v: &Option<Json>) -> String {
    match v {
        Some(j) => {
            let text = j.canonical();
            if text.chars().count() > 300 {
                format!("{}… ({} bytes)", text.chars().take(300).collect::<String>(), text.len())
            } else {
                text
            }
        }
        None => "(absent)".to_owned(),
    }
}

fn diff_json(d: &Difference, right_name: &str) -> Value {
    json!({
        "pointer": d.pointer,
        "left": d.left.as_ref().map_or(Value::Null, |j| json!(j.canonical())),
        right_name: d.right.as_ref().map_or(Value::Null, |j| json!(j.canonical())),
    })
}

impl Report {
    fn by_suite(&self) -> Vec<(String, Counts)> {
        let mut order: Vec<String> = Vec::new();
        let mut map: BTreeMap<String, Counts> = BTreeMap::new();
        for r in &self.results {
            if !map.contains_key(&r.suite) {
                order.push(r.suite.clone());
            }
            map.entry(r.suite.clone()).or_default().add(r.outcome());
        }
        order.into_iter().map(|s| (s.clone(), map[&s])).collect()
    }

    fn by_operation(&self) -> BTreeMap<String, Counts> {
        let mut map: BTreeMap<String, Counts> = BTreeMap::new();
        for r in &self.results {
            map.entry(r.operation.clone().unwrap_or_else(|| "(no operation)".to_owned())).or_default().add(r.outcome());
        }
        map
    }

    fn totals(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.results {
            c.add(r.outcome());
        }
        c
    }

    pub fn passed(&self) -> bool {
        let t = self.totals();
        t.mismatch == 0 && t.noise == 0 && t.error == 0 && self.contract.is_empty() && self.errors.is_empty()
    }

    /// The human summary; `verbose` adds every difference with its curl lines.
    pub fn summary(&self, out_dir: &Path, verbose: bool) -> String {
        let mut s = String::new();
        let sides: Vec<String> = self.sides.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(s, "parity: {}", sides.join("  "));
        if !self.sides.contains_key("twin") {
            let _ = writeln!(s, "  (no twin: A/A noise detection is off)");
        }
        let _ = writeln!(
            s,
            "\n{:<28} {:>6} {:>6} {:>9} {:>6} {:>6}",
            "scenario", "steps", "match", "mismatch", "noise", "error"
        );
        for (suite, c) in self.by_suite() {
            let _ = writeln!(
                s,
                "{suite:<28} {:>6} {:>6} {:>9} {:>6} {:>6}",
                c.total(),
                c.matched,
                c.mismatch,
                c.noise,
                c.error
            );
        }
        let _ = writeln!(
            s,
            "\n{:<28} {:>6} {:>6} {:>9} {:>6} {:>6}",
            "operation", "steps", "match", "mismatch", "noise", "error"
        );
        for (op, c) in self.by_operation() {
            let _ = writeln!(
                s,
                "{op:<28} {:>6} {:>6} {:>9} {:>6} {:>6}",
                c.total(),
                c.matched,
                c.mismatch,
                c.noise,
                c.error
            );
        }
        let _ = writeln!(s);
        if self.contract_checked.is_empty() {
            let _ = writeln!(s, "contract: not checked");
        } else {
            let _ = writeln!(
                s,
                "contract: checked {} against the committed document: {} difference(s)",
                self.contract_checked.join(", "),
                self.contract.len()
            );
        }
        if !self.coverage.uncovered.is_empty() {
            let list: Vec<String> = self.coverage.uncovered.iter().map(|(o, st)| format!("{o} {st}")).collect();
            let _ = writeln!(s, "coverage: documented statuses no request exercised: {}", list.join(", "));
        } else {
            let _ = writeln!(s, "coverage: every documented status was exercised");
        }
        if !self.coverage.unsampled.is_empty() {
            let _ = writeln!(s, "coverage: operations with no sample at all: {}", self.coverage.unsampled.join(", "));
        }
        let used = self.rules.iter().filter(|r| r.used > 0).count();
        let _ = writeln!(s, "rules: {} rule(s), {used} used", self.rules.len());

        let failing: Vec<&StepResult> =
            self.results.iter().filter(|r| verbose && r.outcome() != Outcome::Match).collect();
        if !failing.is_empty() {
            let _ = writeln!(s, "\nDIFFERENCES");
        }
        for r in failing {
            let statuses: Vec<String> = r.statuses.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = writeln!(
                s,
                "\n[{} #{} {}] {} {} {} ({}): {}",
                r.suite,
                r.index,
                r.outcome().as_str().to_uppercase(),
                r.name,
                r.method,
                r.path,
                r.operation.as_deref().unwrap_or("no operation"),
                statuses.join(", ")
            );
            for e in &r.errors {
                let _ = writeln!(s, "  error: {e}");
            }
            for d in &r.mismatches {
                let _ = writeln!(s, "  mismatch {}: left {} | right {}", d.pointer, show(&d.left), show(&d.right));
            }
            for d in &r.noise {
                let _ = writeln!(s, "  noise    {}: left {} | twin {}", d.pointer, show(&d.left), show(&d.right));
            }
            for (role, line) in &r.curl {
                let _ = writeln!(s, "  curl ({role}): {}", abbreviate_line(line));
            }
        }
        if verbose && !self.contract.is_empty() {
            let _ =
                writeln!(s, "\nCONTRACT DIFFERENCES (committed openapi/core-server.json vs the backend's document)");
            for d in &self.contract {
                let _ = writeln!(
                    s,
                    "  {} ({}) {} {}: contract {} | backend {}",
                    d.role,
                    d.backend,
                    d.operation,
                    d.pointer,
                    show(&d.contract),
                    show(&d.actual)
                );
            }
        }
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        for e in &self.errors {
            let _ = writeln!(s, "harness error: {e}");
        }
        let t = self.totals();
        let _ = writeln!(
            s,
            "\nRESULT: {} — {} steps: {} match, {} mismatch, {} noise, {} step errors; {} contract differences; {} harness errors",
            if self.passed() { "PASS" } else { "FAIL" },
            t.total(),
            t.matched,
            t.mismatch,
            t.noise,
            t.error,
            self.contract.len(),
            self.errors.len()
        );
        let _ = writeln!(
            s,
            "report: {}  junit: {}",
            out_dir.join("report.json").display(),
            out_dir.join("junit.xml").display()
        );
        s
    }

    pub fn to_json(&self) -> Value {
        let suites: Vec<Value> =
            self.by_suite().into_iter().map(|(name, c)| json!({"name": name, "counts": c.json()})).collect();
        let ops: serde_json::Map<String, Value> =
            self.by_operation().into_iter().map(|(op, c)| (op, c.json())).collect();
        let steps: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                json!({
                    "suite": r.suite, "index": r.index, "name": r.name, "operation": r.operation,
                    "method": r.method, "path": r.path, "statuses": r.statuses, "outcome": r.outcome().as_str(),
                    "mismatches": r.mismatches.iter().map(|d| diff_json(d, "right")).collect::<Vec<_>>(),
                    "noise": r.noise.iter().map(|d| diff_json(d, "twin")).collect::<Vec<_>>(),
                    "errors": r.errors, "curl": r.curl,
                })
            })
            .collect();
        let contract: Vec<Value> = self
            .contract
            .iter()
            .map(|d| {
                json!({"role": d.role, "backend": d.backend, "operation": d.operation, "pointer": d.pointer,
                       "contract": d.contract.as_ref().map(Json::canonical), "backend_value": d.actual.as_ref().map(Json::canonical)})
            })
            .collect();
        json!({
            "passed": self.passed(),
            "sides": self.sides,
            "totals": self.totals().json(),
            "scenarios": suites,
            "operations": ops,
            "steps": steps,
            "contract": {"checked": self.contract_checked, "differences": contract},
            "coverage": {
                "uncovered": self.coverage.uncovered.iter().map(|(o, s)| json!({"operation": o, "status": s})).collect::<Vec<_>>(),
                "unsampled_operations": self.coverage.unsampled,
            },
            "rules": self.rules.iter().map(|r| json!({"rule": r.rule, "why": r.why, "used": r.used})).collect::<Vec<_>>(),
            "harness_errors": self.errors,
            "warnings": self.warnings,
        })
    }

    pub fn to_junit(&self) -> String {
        let mut suites: Vec<(String, Vec<Case>)> = Vec::new();
        for r in &self.results {
            if suites.last().is_none_or(|(s, _)| *s != r.suite) {
                suites.push((r.suite.clone(), Vec::new()));
            }
            let name = format!("{:03} {} ({})", r.index, r.name, r.operation.as_deref().unwrap_or("no operation"));
            let failure = (r.outcome() != Outcome::Match).then(|| {
                let mut text = String::new();
                for e in &r.errors {
                    let _ = writeln!(text, "error: {e}");
                }
                for d in &r.mismatches {
                    let _ = writeln!(text, "mismatch {}: left {} | right {}", d.pointer, show(&d.left), show(&d.right));
                }
                for d in &r.noise {
                    let _ = writeln!(text, "noise {}: left {} | twin {}", d.pointer, show(&d.left), show(&d.right));
                }
                for (role, line) in &r.curl {
                    let _ = writeln!(text, "curl ({role}): {line}");
                }
                (r.outcome().as_str().to_owned(), text)
            });
            if let Some(last) = suites.last_mut() {
                last.1.push((name, failure));
            }
        }
        let mut contract_cases = Vec::new();
        for backend in &self.contract_checked {
            let diffs: Vec<String> = self
                .contract
                .iter()
                .filter(|d| format!("{} ({})", d.role, d.backend) == *backend)
                .map(|d| {
                    format!(
                        "{} {}: contract {} | backend {}",
                        d.operation,
                        d.pointer,
                        show(&d.contract),
                        show(&d.actual)
                    )
                })
                .collect();
            contract_cases
                .push((backend.clone(), (!diffs.is_empty()).then(|| ("contract".to_owned(), diffs.join("\n")))));
        }
        suites.push(("contract".to_owned(), contract_cases));
        let mut coverage_cases: Vec<Case> = self
            .coverage
            .unsampled
            .iter()
            .map(|op| (op.clone(), Some(("coverage".to_owned(), format!("no request reached {op}")))))
            .collect();
        coverage_cases.push(("every operation sampled".to_owned(), None));
        suites.push(("coverage".to_owned(), coverage_cases));
        let harness: Vec<Case> = self
            .errors
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("harness error {}", i + 1), Some(("error".to_owned(), e.clone()))))
            .collect();
        if !harness.is_empty() {
            suites.push(("harness".to_owned(), harness));
        }

        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"parity\">\n");
        for (suite, cases) in &suites {
            let failures = cases.iter().filter(|(_, f)| f.is_some()).count();
            let _ =
                writeln!(x, "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">", xml(suite), cases.len());
            for (name, failure) in cases {
                let _ = write!(x, "    <testcase classname=\"parity.{}\" name=\"{}\"", xml(suite), xml(name));
                match failure {
                    None => x.push_str("/>\n"),
                    Some((kind, text)) => {
                        let _ = writeln!(
                            x,
                            ">\n      <failure type=\"{kind}\" message=\"{kind}\">{}</failure>\n    </testcase>",
                            xml(text)
                        );
                    }
                }
            }
            x.push_str("  </testsuite>\n");
        }
        x.push_str("</testsuites>\n");
        x
    }

    pub fn write(&self, out_dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
        let json = serde_json::to_string_pretty(&self.to_json())? + "\n";
        std::fs::write(out_dir.join("report.json"), json).context("writing report.json")?;
        std::fs::write(out_dir.join("junit.xml"), self.to_junit()).context("writing junit.xml")?;
        Ok(())
    }
}

/// A JUnit test case: its name and, when it failed, (kind, text).
type Case = (String, Option<(String, String)>);

fn abbreviate_line(line: &str) -> String {
    if line.len() > 600 {
        let cut = (0..=600).rev().find(|i| line.is_char_boundary(*i)).unwrap_or(0);
        format!("{}… (full line in report.json)", &line[..cut])
    } else {
        line.to_owned()
    }
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(outcome_mismatch: bool) -> StepResult {
        StepResult {
            suite: "s<1>".into(),
            index: 1,
            name: "create \"bob\"".into(),
            operation: Some("user_create".into()),
            method: "POST".into(),
            path: "/api/users".into(),
            statuses: [("left".to_owned(), 201), ("right".to_owned(), 201)].into(),
            mismatches: if outcome_mismatch {
                vec![Difference {
                    pointer: "/body/role".into(),
                    left: Some(Json::str("admin")),
                    right: Some(Json::str("viewer")),
                }]
            } else {
                vec![]
            },
            noise: vec![],
            errors: vec![],
            curl: [("left".to_owned(), "curl -X POST 'http://a/api/users'".to_owned())].into(),
        }
    }

    #[test]
    fn a_mismatch_fails_the_report_and_shows_in_every_format() {
        let report = Report { results: vec![step(false), step(true)], ..Report::default() };
        assert!(!report.passed());
        let summary = report.summary(Path::new("out"), true);
        assert!(summary.contains("mismatch /body/role: left \"admin\" | right \"viewer\""), "{summary}");
        assert!(summary.contains("RESULT: FAIL"), "{summary}");
        let json = report.to_json();
        assert_eq!(json["totals"]["mismatch"], 1);
        assert_eq!(json["steps"][1]["mismatches"][0]["pointer"], "/body/role");
        let junit = report.to_junit();
        assert!(junit.contains("<testsuite name=\"s&lt;1&gt;\" tests=\"2\" failures=\"1\">"), "{junit}");
        assert!(junit.contains("create &quot;bob&quot;"), "{junit}");
    }

    #[test]
    fn a_clean_report_passes() {
        let report = Report { results: vec![step(false)], ..Report::default() };
        assert!(report.passed());
        assert!(report.summary(Path::new("out"), true).contains("RESULT: PASS"));
    }
}
