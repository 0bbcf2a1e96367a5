//! Conformance (issue #9, "Bad input"): reading never fails where Go reads. Whatever the upstream
//! CRD does not require may be absent (the apiserver stores such objects and Go reads the field
//! as its zero value), so it must decode here too: with `ocm_api::from_value`, with plain
//! `serde_json::from_value`, and inside a list as `kube::Api::list` decodes it
//! (`kube::core::ObjectList<K>`, whose flattened type fields make serde buffer the items).
//!
//! - [`spec_may_be_absent_where_upstream_allows`]: one object per upstream kind/version with no
//!   `spec` (nor `status`), and one with `"spec": null`.
//! - [`every_field_upstream_does_not_require_may_be_absent`]: every fixture with everything the
//!   upstream schema does not require removed, at every depth; and every fixture with each such
//!   field removed alone (so that a field inside an optional object is tested with the object
//!   present).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{Value, json};

/// Whether the upstream schema node requires `name`.
fn requires(schema: &Value, name: &str) -> bool {
    schema["required"]
        .as_array()
        .is_some_and(|r| r.iter().any(|v| v == name))
}

/// A list of one item, as the apiserver returns it.
fn list_of(item: &Value) -> Vec<u8> {
    let kind = item["kind"].as_str().unwrap_or_default();
    serde_json::to_vec(&json!({
        "apiVersion": item["apiVersion"],
        "kind": format!("{kind}List"),
        "metadata": {"resourceVersion": "1"},
        "items": [item],
    }))
    .unwrap()
}

/// Decodes `value` every way a client does; the problems found, prefixed with `label`.
fn decode_every_way(rust: &RustKind, value: &Value, label: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(e) = (rust.decode)(value.clone()) {
        problems.push(format!("{label}: ocm_api::from_value: {e}"));
    }
    if let Err(e) = (rust.round_trip)(value.clone()) {
        problems.push(format!("{label}: ocm_api::from_object: {e}"));
    }
    if let Err(e) = (rust.serde_round_trip)(value.clone()) {
        problems.push(format!("{label}: serde_json::from_value: {e}"));
    }
    match (rust.decode_list)(&list_of(value)) {
        Ok(1) => {}
        Ok(n) => problems.push(format!("{label}: ObjectList: {n} items, expected 1")),
        Err(e) => problems.push(format!("{label}: ObjectList: {e}")),
    }
    problems
}

#[test]
fn spec_may_be_absent_where_upstream_allows() {
    let kinds = rust_kinds();
    let mut problems = Vec::new();
    let mut optional = Vec::new();
    for (kv, schema) in upstream_kind_versions() {
        let label = kv.to_string();
        let Some(rust) = find_rust_kind(&kinds, &kv.api_version(), &kv.kind) else {
            problems.push(format!("{label}: no Rust kind"));
            continue;
        };
        let has_spec = properties(schema).contains_key("spec");
        let bare = json!({
            "apiVersion": kv.api_version(),
            "kind": kv.kind,
            "metadata": {"name": "bare", "namespace": "ns"},
        });
        if requires(schema, "spec") {
            // Upstream rejects such an object; refusing it is allowed, but with a typed error
            // naming the field.
            match (rust.decode)(bare) {
                Ok(()) => {}
                Err(e) => {
                    if !(matches!(e, ocm_api::Error::Decode { .. })
                        && e.to_string().contains("spec"))
                    {
                        problems.push(format!("{label}: spec required, but the error is {e:?}"));
                    }
                }
            }
            continue;
        }
        optional.push(label.clone());
        problems.extend(decode_every_way(
            rust,
            &bare,
            &format!("{label} without spec"),
        ));
        if has_spec {
            // Go always writes `spec`, and so must we.
            match (rust.round_trip)(bare.clone()) {
                Ok(out) if out.get("spec").is_some_and(Value::is_object) => {}
                Ok(out) => problems.push(format!("{label}: spec not written back: {out}")),
                Err(_) => {}
            }
            // Go reads `null` into a struct as its zero value.
            let mut null = bare;
            null["spec"] = Value::Null;
            problems.extend(decode_every_way(
                rust,
                &null,
                &format!("{label} with spec: null"),
            ));
        }
    }
    eprintln!(
        "kind/versions whose spec may be absent upstream ({}): {}",
        optional.len(),
        optional.join(", ")
    );
    // ManagedCluster, ClusterClaim, AddOnPlacementScore, PlacementDecision, ManagedClusterSet,
    // ManagedClusterSetBinding, ManifestWork, AppliedManifestWork, ManifestWorkReplicaSet,
    // ClusterManager, Klusterlet.
    assert_eq!(optional.len(), 11, "{optional:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `value` with every object member the schema node does not require removed, recursively
/// (free-form content is kept as it is). At the root, `apiVersion`, `kind` and `metadata` stay:
/// the apiserver always sets them.
fn only_required(value: &Value, schema: &Value, root: bool) -> Value {
    if flag(schema, "x-kubernetes-int-or-string")
        || flag(schema, "x-kubernetes-preserve-unknown-fields")
        || flag(schema, "x-kubernetes-embedded-resource")
    {
        return value.clone();
    }
    match value {
        Value::Object(map) => {
            let props = properties(schema);
            let values = map_values(schema);
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let keep = requires(schema, k)
                    || (root && ["apiVersion", "kind", "metadata"].contains(&k.as_str()));
                if !keep {
                    continue;
                }
                let child = props.get(k.as_str()).copied().or(values);
                let v = match child {
                    Some(child) if !(root && k == "metadata") => only_required(v, child, false),
                    _ => v.clone(),
                };
                out.insert(k.clone(), v);
            }
            // A map keeps its entries (their keys are data, not fields), reduced.
            if props.is_empty()
                && let Some(values) = values
            {
                return Value::Object(
                    map.iter()
                        .map(|(k, v)| (k.clone(), only_required(v, values, false)))
                        .collect(),
                );
            }
            Value::Object(out)
        }
        Value::Array(items_) => match items(schema) {
            Some(item) => Value::Array(
                items_
                    .iter()
                    .map(|v| only_required(v, item, false))
                    .collect(),
            ),
            None => value.clone(),
        },
        other => other.clone(),
    }
}

#[test]
fn every_field_upstream_does_not_require_may_be_absent() {
    let kinds = rust_kinds();
    let upstream = upstream_kind_versions();
    let mut problems = Vec::new();
    let (mut checked, mut removed) = (0, 0);
    for fixture in fixtures() {
        let (Ok(value), Some(api_version), Some(kind)) =
            (&fixture.value, fixture.api_version(), fixture.kind())
        else {
            continue;
        };
        let Some(rust) = find_rust_kind(&kinds, api_version, kind) else {
            problems.push(format!("{}: no Rust kind", fixture.file));
            continue;
        };
        let Some((_, schema)) = upstream
            .iter()
            .find(|(kv, _)| kv.api_version() == api_version && kv.kind == kind)
        else {
            problems.push(format!("{}: no upstream schema", fixture.file));
            continue;
        };
        let reduced = only_required(value, schema, true);
        problems.extend(decode_every_way(
            rust,
            &reduced,
            &format!("{} reduced to {reduced}", fixture.file),
        ));
        checked += 1;
        let mut paths = Vec::new();
        optional_members(value, schema, &mut Vec::new(), &mut paths);
        for path in paths {
            let mut without = value.clone();
            remove_at(&mut without, &path);
            problems.extend(decode_every_way(
                rust,
                &without,
                &format!("{} without {}", fixture.file, path.join(".")),
            ));
            removed += 1;
        }
    }
    eprintln!(
        "{checked} fixtures reduced to what upstream requires; {removed} optional fields removed \
         one at a time"
    );
    assert!(checked >= 38, "only {checked} fixtures checked");
    assert!(removed >= 800, "only {removed} optional fields removed");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The paths (member names, and array indices as numbers) of every object member of `value` the
/// schema does not require, at every depth, outside free-form content and the root's
/// `apiVersion`, `kind` and `metadata`.
fn optional_members(
    value: &Value,
    schema: &Value,
    at: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    if flag(schema, "x-kubernetes-int-or-string")
        || flag(schema, "x-kubernetes-preserve-unknown-fields")
        || flag(schema, "x-kubernetes-embedded-resource")
    {
        return;
    }
    match value {
        Value::Object(map) => {
            let props = properties(schema);
            for (k, v) in map {
                if at.is_empty() && ["apiVersion", "kind", "metadata"].contains(&k.as_str()) {
                    continue;
                }
                let (child, is_member) = match props.get(k.as_str()) {
                    Some(child) => (Some(*child), true),
                    None => (map_values(schema), false),
                };
                at.push(k.clone());
                if is_member && !requires(schema, k) {
                    out.push(at.clone());
                }
                if let Some(child) = child {
                    optional_members(v, child, at, out);
                }
                at.pop();
            }
        }
        Value::Array(elements) => {
            if let Some(item) = items(schema) {
                for (i, v) in elements.iter().enumerate() {
                    at.push(i.to_string());
                    optional_members(v, item, at, out);
                    at.pop();
                }
            }
        }
        _ => {}
    }
}

/// Removes the object member at `path` (see [`optional_members`]).
fn remove_at(value: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = value;
    for seg in parents {
        cur = match cur {
            Value::Object(m) => m.get_mut(seg).unwrap(),
            Value::Array(a) => a.get_mut(seg.parse::<usize>().unwrap()).unwrap(),
            _ => unreachable!("{path:?}"),
        };
    }
    cur.as_object_mut().unwrap().remove(last);
}

/// The reduction itself: it must keep what is required and drop the rest, at every depth.
#[test]
fn reductions_keep_only_required_fields() {
    let schema = json!({
        "type": "object",
        "required": ["spec"],
        "properties": {
            "spec": {
                "type": "object",
                "required": ["a"],
                "properties": {
                    "a": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["x"],
                            "properties": {"x": {"type": "string"}, "y": {"type": "string"}},
                        },
                    },
                    "b": {"type": "string"},
                    "m": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "properties": {"z": {"type": "string"}},
                        },
                    },
                },
            },
            "status": {"type": "object"},
        },
    });
    let value = json!({
        "apiVersion": "v", "kind": "K", "metadata": {"name": "n"},
        "spec": {"a": [{"x": "1", "y": "2"}], "b": "c", "m": {"k": {"z": "1"}}},
        "status": {},
    });
    assert_eq!(
        only_required(&value, &schema, true),
        json!({"apiVersion": "v", "kind": "K", "metadata": {"name": "n"}, "spec": {"a": [{"x": "1"}]}})
    );
    let mut paths = Vec::new();
    optional_members(&value, &schema, &mut Vec::new(), &mut paths);
    let paths: Vec<String> = paths.iter().map(|p| p.join(".")).collect();
    assert_eq!(
        paths,
        ["spec.a.0.y", "spec.b", "spec.m", "spec.m.k.z", "status"]
    );
    let mut without = value.clone();
    remove_at(
        &mut without,
        &["spec".into(), "a".into(), "0".into(), "y".into()],
    );
    assert_eq!(without["spec"]["a"], json!([{"x": "1"}]));
}
