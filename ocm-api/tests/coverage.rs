//! Conformance (issue #2, item 6b): the fixtures prove every upstream field.
//!
//! - Coverage: for each kind/version, its `full*` fixtures together set (with a non-null value)
//!   every property path of the upstream `openAPIV3Schema` (objects recurse, arrays look at their
//!   elements, maps at their values). Without that the round trip proves nothing for a field.
//! - Validity: every fixture is valid for the upstream schema as far as is cheap to check here
//!   (types, enums, `date-time`/`byte`/`int32`/`int64` formats, bounds, lengths, `required`, no
//!   field an apiserver would prune); `pattern`s are evaluated with Go's `regexp` (the apiserver's
//!   engine) in one `go run`. CEL rules are left to the real apiserver test (counted here).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::Value;

#[test]
fn full_fixtures_cover_upstream_schema() {
    let fixtures = fixtures();
    let mut report = String::new();
    let mut failing = 0;
    for (kv, schema) in upstream_kind_versions() {
        let full: Vec<_> = fixtures_of(&fixtures, &kv)
            .into_iter()
            .filter(|f| f.is_full())
            .collect();
        let mut paths = Vec::new();
        schema_paths(schema, "", &mut paths);
        let all: BTreeSet<&str> = paths.iter().map(|(p, _)| p.as_str()).collect();
        if full.is_empty() {
            failing += 1;
            report.push_str(&format!(
                "{kv}: MISSING no {}.full*.json fixture ({} schema paths uncovered)\n",
                kv.kind,
                all.len()
            ));
            continue;
        }
        let mut set = BTreeSet::new();
        let mut unknown = Vec::new();
        for f in &full {
            if let Ok(v) = &f.value {
                value_paths(v, schema, "", &mut set, &mut unknown);
            }
        }
        let missing: Vec<&str> = all.iter().copied().filter(|p| !set.contains(*p)).collect();
        // Report only the top-most missing paths (a missing parent implies its children).
        let top: Vec<&str> = missing
            .iter()
            .copied()
            .filter(|p| !missing.iter().any(|q| q != p && is_below(p, q)))
            .collect();
        let names: Vec<_> = full.iter().map(|f| f.variant.as_str()).collect();
        if top.is_empty() {
            report.push_str(&format!(
                "{kv}: ok ({}/{} paths, fixtures {names:?})\n",
                all.len(),
                all.len()
            ));
        } else {
            failing += 1;
            report.push_str(&format!(
                "{kv}: MISSING {} of {} paths not set by {names:?} (top-most {}):\n",
                missing.len(),
                all.len(),
                top.len()
            ));
            for p in top {
                report.push_str(&format!("    {p}\n"));
            }
        }
    }
    eprintln!("{report}");
    assert_eq!(
        failing, 0,
        "{failing} kind/versions not fully covered by fixtures (see above)"
    );
}

/// `child` is strictly below `parent` in path notation (`a.b` below `a`, `a[]` below `a`).
fn is_below(child: &str, parent: &str) -> bool {
    child.len() > parent.len()
        && child.starts_with(parent)
        && matches!(child.as_bytes()[parent.len()], b'.' | b'[' | b'{')
}

#[derive(Default)]
struct Validation {
    errors: Vec<String>,
    notes: Vec<String>,
    /// `(path, pattern, value)` of every string under a `pattern`, checked with Go's regexp.
    patterns: Vec<(String, String, String)>,
    rules_unchecked: usize,
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `value` at `path` against the upstream `schema` node.
fn validate(value: &Value, schema: &Value, path: &str, v: &mut Validation) {
    let p = if path.is_empty() { "<root>" } else { path };
    if value.is_null() {
        if !flag(schema, "nullable") {
            v.notes.push(format!(
                "{p}: null for a non-nullable field (an apiserver prunes it)"
            ));
        }
        return;
    }
    if flag(schema, "x-kubernetes-int-or-string") {
        if !matches!(value, Value::String(_)) && json_type(value) != "integer" {
            v.errors.push(format!(
                "{p}: expected int-or-string, found {}",
                json_type(value)
            ));
        }
        if let (Some(pattern), Some(s)) = (
            schema.get("pattern").and_then(Value::as_str),
            value.as_str(),
        ) {
            v.patterns
                .push((p.to_owned(), pattern.to_owned(), s.to_owned()));
        }
        return;
    }
    if let Some(t) = type_of(schema) {
        let found = json_type(value);
        let ok = t == found || (t == "number" && found == "integer");
        if !ok {
            v.errors
                .push(format!("{p}: expected {t}, found {found} {value}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        v.errors.push(format!(
            "{p}: {value} is not one of {}",
            Value::Array(allowed.clone())
        ));
    }
    type Time = k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    let format = schema.get("format").and_then(Value::as_str);
    let bad_format = match format {
        Some("date-time") => serde_json::from_value::<Time>(value.clone()).is_err(),
        Some("byte") => serde_json::from_value::<k8s_openapi::ByteString>(value.clone()).is_err(),
        Some("int32") => value.as_i64().is_none_or(|n| i32::try_from(n).is_err()),
        Some("int64") => value.as_i64().is_none(),
        _ => false,
    };
    if let (true, Some(format)) = (bad_format, format) {
        v.errors
            .push(format!("{p}: {value} is not a valid {format}"));
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            v.errors.push(format!("{p}: {n} < minimum {min}"));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            v.errors.push(format!("{p}: {n} > maximum {max}"));
        }
    }
    if let Some(s) = value.as_str() {
        let len = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            v.errors
                .push(format!("{p}: length {len} < minLength {min}"));
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            v.errors
                .push(format!("{p}: length {len} > maxLength {max}"));
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            v.patterns
                .push((p.to_owned(), pattern.to_owned(), s.to_owned()));
        }
    }
    if schema.get("x-kubernetes-validations").is_some() {
        v.rules_unchecked += 1;
    }
    match value {
        Value::Array(elements) => {
            let len = elements.len() as u64;
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                && len < min
            {
                v.errors.push(format!("{p}: {len} items < minItems {min}"));
            }
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64)
                && len > max
            {
                v.errors.push(format!("{p}: {len} items > maxItems {max}"));
            }
            if let Some(items) = items(schema) {
                for (i, e) in elements.iter().enumerate() {
                    validate(e, items, &format!("{path}[{i}]"), v);
                }
            }
        }
        Value::Object(map) => {
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(r) {
                    let defaulted = properties(schema)
                        .get(r)
                        .is_some_and(|s| s.get("default").is_some());
                    if defaulted {
                        v.notes.push(format!(
                            "{p}: required field {r} is missing (the apiserver defaults it)"
                        ));
                    } else {
                        v.errors.push(format!("{p}: required field {r} is missing"));
                    }
                }
            }
            let props = properties(schema);
            let values = map_values(schema);
            let has_meta = path.is_empty() || flag(schema, "x-kubernetes-embedded-resource");
            for (k, e) in map {
                let child = join(path, k);
                if has_meta && k == "metadata" {
                    continue;
                }
                if let Some(s) = props.get(k) {
                    validate(e, s, &child, v);
                } else if let Some(s) = values {
                    validate(e, s, &format!("{path}[{k:?}]"), v);
                } else if !flag(schema, "x-kubernetes-preserve-unknown-fields") {
                    v.errors.push(format!(
                        "{child}: not in the upstream schema (an apiserver prunes it)"
                    ));
                }
            }
        }
        _ => {}
    }
}

#[test]
fn fixtures_valid_for_upstream_schema() {
    let fixtures = fixtures();
    let kinds = upstream_kind_versions();
    let mut report = String::new();
    let mut failing = 0;
    let mut checked = Vec::new();
    for fixture in &fixtures {
        let Ok(value) = &fixture.value else {
            failing += 1;
            report.push_str(&format!("{}: not valid JSON\n", fixture.file));
            continue;
        };
        let Some((_, schema)) = kinds.iter().find(|(kv, _)| {
            Some(kv.api_version().as_str()) == fixture.api_version()
                && Some(kv.kind.as_str()) == fixture.kind()
        }) else {
            failing += 1;
            report.push_str(&format!(
                "{}: apiVersion {:?} kind {:?} is not an upstream kind/version\n",
                fixture.file,
                fixture.api_version(),
                fixture.kind()
            ));
            continue;
        };
        let mut v = Validation::default();
        validate(value, schema, "", &mut v);
        if value["metadata"]["name"].as_str().is_none_or(str::is_empty) {
            v.errors.push("metadata.name: missing".to_owned());
        }
        checked.push((fixture.file.as_str(), v));
    }
    // Patterns: with Go's regexp (RE2, the apiserver's engine), in one `go run`.
    let items: Vec<(String, String, String)> = checked
        .iter()
        .flat_map(|(file, v)| {
            v.patterns
                .iter()
                .map(move |(p, pattern, s)| (format!("{file}\t{p}"), pattern.clone(), s.clone()))
        })
        .collect();
    for mismatch in go_pattern_mismatches(&items) {
        let (file, rest) = mismatch.split_once('\t').unwrap_or(("", &mismatch));
        if let Some((_, v)) = checked.iter_mut().find(|(f, _)| *f == file) {
            v.errors.push(rest.to_owned());
        } else {
            failing += 1;
            report.push_str(&format!("pattern check: {mismatch}\n"));
        }
    }
    for (file, v) in &checked {
        let status = if v.errors.is_empty() { "ok" } else { "INVALID" };
        if !v.errors.is_empty() {
            failing += 1;
        }
        report.push_str(&format!(
            "{file}: {status} ({} errors, {} notes; {} pattern checks; {} CEL rules left to the apiserver)\n",
            v.errors.len(),
            v.notes.len(),
            v.patterns.len(),
            v.rules_unchecked
        ));
        for e in &v.errors {
            report.push_str(&format!("    {e}\n"));
        }
        for n in &v.notes {
            report.push_str(&format!("    note: {n}\n"));
        }
    }
    eprintln!("{report}");
    assert_eq!(
        failing, 0,
        "{failing} fixtures invalid for the upstream schema (see above)"
    );
}

/// The coverage walk must be able to fail: a fixture that omits a field leaves that path uncovered.
#[test]
fn coverage_detects_gaps() {
    let (_, schema) = upstream_kind_versions()
        .into_iter()
        .find(|(kv, _)| kv.kind == "PlacementDecision")
        .unwrap();
    let value = serde_json::json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1",
        "kind": "PlacementDecision",
        "metadata": {"name": "p-decision-1", "namespace": "ns"},
        "status": {"decisions": [{"clusterName": "c1"}], "bogus": 1}
    });
    let mut set = BTreeSet::new();
    let mut unknown = Vec::new();
    value_paths(&value, schema, "", &mut set, &mut unknown);
    assert!(set.contains("status.decisions[].clusterName"), "{set:?}");
    assert!(!set.contains("status.decisions[].reason"), "{set:?}");
    assert_eq!(unknown, ["status.bogus"]);

    let mut v = Validation::default();
    validate(&value, schema, "", &mut v);
    assert!(
        v.errors.iter().any(|e| e.contains("required field reason")),
        "{:?}",
        v.errors
    );
    let bad = [
        (
            "x".to_owned(),
            "^[a-z]+$".to_owned(),
            "Not-Lower".to_owned(),
        ),
        ("y".to_owned(), "^[a-z]+$".to_owned(), "fine".to_owned()),
    ];
    let mismatches = go_pattern_mismatches(&bad);
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    assert!(mismatches[0].starts_with("x: "), "{mismatches:?}");
    assert!(
        v.errors.iter().any(|e| e.contains("status.bogus")),
        "{:?}",
        v.errors
    );
}
