//! Conformance (issue #2, "Bad input"): malformed objects give typed errors that name the field,
//! never a panic.
//!
//! Every fixture is mutated systematically (each node replaced by values of the wrong type) and
//! randomly (a deterministic pseudo-random generator: replaced, deleted and inserted nodes, byte
//! flips, truncation), then decoded as its kind. A decode may succeed (e.g. `null` for an optional
//! field, anything inside a free-form manifest); when it fails the error must be
//! [`ocm_api::Error::Decode`] or [`ocm_api::Error::Syntax`] with a path that leads to the mutated
//! node.

#![allow(clippy::unwrap_used)]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::*;
use ocm_test_support::Rng;
use serde_json::{Value, json};

/// A path component of a JSON value.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

/// `spec.decisions[0].clusterName` (serde_path_to_error's notation).
fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

/// Every node below the root, with the JSON type of its value.
fn nodes(value: &Value, prefix: &mut Vec<Seg>, out: &mut Vec<(Vec<Seg>, &'static str)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                prefix.push(Seg::Key(k.clone()));
                out.push((prefix.clone(), kind_of(v)));
                nodes(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                prefix.push(Seg::Index(i));
                out.push((prefix.clone(), kind_of(v)));
                nodes(v, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn get_mut<'a>(value: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = value;
    for seg in path {
        cur = match seg {
            Seg::Key(k) => cur.as_object_mut()?.get_mut(k)?,
            Seg::Index(i) => cur.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(cur)
}

/// Whether the error path `err_path` leads to (is a prefix of) the mutated node `mutated`.
fn leads_to(err_path: &str, mutated: &str) -> bool {
    if err_path == "." {
        return false;
    }
    mutated == err_path
        || (mutated.starts_with(err_path)
            && matches!(mutated.as_bytes().get(err_path.len()), Some(b'.' | b'[')))
}

/// Whether the upstream schema node at `path` is a list or a map (a Go slice or map, which Go
/// writes as `null` when nil and not `omitempty`).
fn is_list_or_map(schema: &Value, path: &[Seg]) -> bool {
    let mut node = schema;
    for seg in path {
        let next = match seg {
            Seg::Key(k) => properties(node)
                .get(k.as_str())
                .copied()
                .or_else(|| map_values(node)),
            Seg::Index(_) => items(node),
        };
        match next {
            Some(n) => node = n,
            None => return false,
        }
    }
    type_of(node) == Some("array") || map_values(node).is_some()
}

/// Decodes under `catch_unwind`; `Err(String)` if it panicked.
fn decode_guarded(rust: &RustKind, value: Value) -> Result<Result<(), ocm_api::Error>, String> {
    catch_unwind(AssertUnwindSafe(|| (rust.decode)(value))).map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default()
    })
}

fn with_kind<'a>(kinds: &'a [RustKind], fixture: &Fixture) -> Option<(&'a RustKind, Value)> {
    let rust = find_rust_kind(kinds, fixture.api_version()?, fixture.kind()?)?;
    Some((rust, fixture.value.clone().ok()?))
}

fn is_typed(err: &ocm_api::Error) -> bool {
    matches!(
        err,
        ocm_api::Error::Decode { .. } | ocm_api::Error::Syntax { .. }
    )
}

/// Each node of each fixture replaced by values of other JSON types.
#[test]
fn wrong_types_give_errors_naming_the_field() {
    let kinds = rust_kinds();
    let replacements = [
        json!("x"),
        json!(-1),
        json!(1.5),
        json!(true),
        json!([]),
        json!({}),
        json!(null),
        json!(1u64 << 40),
        json!(u64::MAX),
        json!([{"a": 1}]),
        json!({"unexpected": {"deeply": ["nested"]}}),
    ];
    let mut failures = Vec::new();
    let upstream = upstream_kind_versions();
    let mut null_rejected = Vec::new();
    let (mut tried, mut rejected) = (0usize, 0usize);
    for fixture in fixtures() {
        let Some((rust, value)) = with_kind(&kinds, &fixture) else {
            continue;
        };
        let Some(schema) = upstream.iter().find_map(|(kv, schema)| {
            (kv.api_version() == rust.api_version && kv.kind == rust.kind).then_some(*schema)
        }) else {
            continue;
        };
        let mut all = Vec::new();
        nodes(&value, &mut Vec::new(), &mut all);
        for (path, original_kind) in &all {
            let original_kind = *original_kind;
            let shown = render(path);
            for replacement in &replacements {
                let mut mutated = value.clone();
                match get_mut(&mut mutated, path) {
                    Some(node) if node != replacement => *node = replacement.clone(),
                    _ => continue,
                }
                tried += 1;
                match decode_guarded(rust, mutated) {
                    Err(panic) => failures.push(format!(
                        "{}: {shown} = {replacement}: PANIC {panic}",
                        fixture.file
                    )),
                    Ok(Ok(())) => {}
                    Ok(Err(err)) => {
                        rejected += 1;
                        let err_path = err.path().unwrap_or("");
                        // The error may point at the node, a parent (a missing field, an
                        // untagged enum) or inside the replacement value.
                        let on_branch = leads_to(err_path, &shown)
                            || (err_path != "." && leads_to(&shown, err_path));
                        if !is_typed(&err) || !on_branch {
                            failures.push(format!(
                                "{}: {shown} = {replacement}: error does not name the field: {err}",
                                fixture.file
                            ));
                        }
                        if replacement.is_null()
                            && matches!(original_kind, "array" | "object")
                            && is_list_or_map(schema, path)
                        {
                            null_rejected.push(format!("{}: {shown}: {err}", fixture.file));
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "systematic mutations: {tried} decoded, {rejected} rejected with typed errors, {} failures",
        failures.len()
    );
    if !null_rejected.is_empty() {
        eprintln!(
            "note: null rejected for a list/map field ({}); Go writes null for a nil slice or \
             map without omitempty, so these must accept null where the Go field has no \
             omitempty:\n  {}",
            null_rejected.len(),
            null_rejected.join("\n  ")
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A random JSON value, nested at most a few levels.
fn random_value(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 3 { 9 } else { 11 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.u64().is_multiple_of(2)),
        2 => json!(rng.u64() as i64),
        3 => json!(rng.u64()),
        4 => json!((rng.u64() % 1000) as f64 / 7.0),
        5 => json!(
            [
                "",
                "x",
                "ä€😀",
                "2024-01-01T00:00:00Z",
                "-1",
                "Default",
                "\u{0}"
            ][rng.below(7)]
        ),
        6 => json!([i64::MIN, i64::MAX, 0, -1, i64::from(i32::MAX) + 1][rng.below(5)]),
        7 => json!(u64::MAX),
        8 => Value::String("y".repeat(rng.below(3000))),
        9 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.below(4))
                .map(|i| {
                    (
                        ["a", "spec", "status", "name", "type"][i % 5].to_owned(),
                        random_value(rng, depth + 1),
                    )
                })
                .collect(),
        ),
    }
}

/// Random structural mutations, several per decode.
#[test]
fn random_mutations_never_panic() {
    let kinds = rust_kinds();
    let mut rng = Rng::new(0x0c3a_5eed_1234_5678);
    let mut failures = Vec::new();
    let (mut tried, mut rejected) = (0usize, 0usize);
    for fixture in fixtures() {
        let Some((rust, value)) = with_kind(&kinds, &fixture) else {
            continue;
        };
        for _ in 0..300 {
            let mut mutated = value.clone();
            let mut touched = Vec::new();
            for _ in 0..1 + rng.below(3) {
                let mut all = Vec::new();
                nodes(&mutated, &mut Vec::new(), &mut all);
                if all.is_empty() {
                    break;
                }
                let (path, _) = all[rng.below(all.len())].clone();
                touched.push(render(&path));
                match rng.below(4) {
                    0 => {
                        // delete the node
                        let (last, parent) = path.split_last().unwrap();
                        match (get_mut(&mut mutated, parent), last) {
                            (Some(Value::Object(m)), Seg::Key(k)) => {
                                m.remove(k);
                            }
                            (Some(Value::Array(a)), Seg::Index(i)) => {
                                a.remove(*i);
                            }
                            _ => {}
                        }
                    }
                    1 => {
                        // add a random field next to it
                        let (_, parent) = path.split_last().unwrap();
                        let new = random_value(&mut rng, 0);
                        if let Some(Value::Object(m)) = get_mut(&mut mutated, parent) {
                            m.insert(format!("f{}", rng.below(5)), new);
                        }
                    }
                    _ => {
                        let new = random_value(&mut rng, 0);
                        if let Some(node) = get_mut(&mut mutated, &path) {
                            *node = new;
                        }
                    }
                }
            }
            tried += 1;
            let bytes = serde_json::to_vec(&mutated).unwrap();
            match decode_guarded(rust, mutated) {
                Err(panic) => {
                    failures.push(format!("{}: {touched:?}: PANIC {panic}", fixture.file))
                }
                Ok(Err(err)) => {
                    rejected += 1;
                    if !is_typed(&err) || err.path().is_none() {
                        failures.push(format!(
                            "{}: {touched:?}: untyped error {err:?}",
                            fixture.file
                        ));
                    }
                }
                Ok(Ok(())) => {}
            }
            // The same bytes through from_slice must agree.
            let via_slice = catch_unwind(AssertUnwindSafe(|| (rust.decode_slice)(&bytes)));
            if via_slice.is_err() {
                failures.push(format!("{}: {touched:?}: from_slice PANIC", fixture.file));
            }
        }
    }
    eprintln!(
        "random mutations: {tried} decoded, {rejected} rejected, {} failures",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Truncated and bit-flipped bytes: syntax errors, no panic.
#[test]
fn damaged_bytes_never_panic() {
    let kinds = rust_kinds();
    let mut rng = Rng::new(0x5eed_0000_beef_cafe);
    let mut failures = Vec::new();
    for fixture in fixtures() {
        let Some((rust, _)) = with_kind(&kinds, &fixture) else {
            continue;
        };
        let bytes = &fixture.bytes;
        let trimmed_len = bytes.trim_ascii_end().len();
        for _ in 0..100 {
            let cut = rng.below(trimmed_len);
            match catch_unwind(AssertUnwindSafe(|| (rust.decode_slice)(&bytes[..cut]))) {
                Err(_) => failures.push(format!("{}: truncated at {cut}: PANIC", fixture.file)),
                Ok(Ok(())) => {
                    failures.push(format!("{}: truncated at {cut}: accepted", fixture.file))
                }
                Ok(Err(err)) => {
                    if !matches!(err, ocm_api::Error::Syntax { .. }) {
                        failures.push(format!(
                            "{}: truncated at {cut}: not a syntax error: {err}",
                            fixture.file
                        ));
                    }
                }
            }
            let mut flipped = bytes.clone();
            let at = rng.below(flipped.len());
            flipped[at] ^= 1 << rng.below(8);
            if catch_unwind(AssertUnwindSafe(|| (rust.decode_slice)(&flipped))).is_err() {
                failures.push(format!("{}: bit flip at {at}: PANIC", fixture.file));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Not-an-object roots, deep nesting, and another kind's object.
#[test]
fn hostile_shapes() {
    let kinds = rust_kinds();
    let deep = format!(
        "{{\"spec\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    for rust in &kinds {
        // (Not `[]`: serde's derived structs also accept a JSON array, field by field; an empty
        // one decodes as a default object. Go rejects it; reading is merely more lenient.)
        for root in [json!(null), json!("x"), json!(1), json!(true)] {
            let err = decode_guarded(rust, root.clone())
                .unwrap_or_else(|p| panic!("{} {root}: PANIC {p}", rust.kind))
                .unwrap_err();
            assert!(is_typed(&err), "{} {root}: {err:?}", rust.kind);
            assert_eq!(err.path(), Some("."), "{} {root}: {err}", rust.kind);
        }
        let result = catch_unwind(AssertUnwindSafe(|| (rust.decode_slice)(deep.as_bytes())));
        // Kinds without `spec` skip the field (iteratively); others reject it. A stack overflow
        // would abort the test binary.
        let result = result.unwrap_or_else(|_| panic!("{}: deep nesting PANIC", rust.kind));
        if let Err(err) = result {
            assert!(is_typed(&err), "{}: {err:?}", rust.kind);
        }
    }
    // Free-form content (a ManifestWork manifest) nested beyond serde_json's recursion limit: an
    // error, not a stack overflow.
    let deep_manifest = format!(
        r#"{{"apiVersion": "work.open-cluster-management.io/v1", "kind": "ManifestWork",
            "metadata": {{"name": "a", "namespace": "b"}},
            "spec": {{"workload": {{"manifests": [{{"a": {}{}}}]}}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let work =
        find_rust_kind(&kinds, "work.open-cluster-management.io/v1", "ManifestWork").unwrap();
    let err = (work.decode_slice)(deep_manifest.as_bytes()).unwrap_err();
    assert!(matches!(err, ocm_api::Error::Syntax { .. }), "{err:?}");
    assert!(err.to_string().contains("recursion limit"), "{err}");

    // Every fixture, checked as every other kind: a type mismatch, never a silent decode.
    for fixture in fixtures() {
        let Ok(value) = &fixture.value else { continue };
        for rust in &kinds {
            if Some(rust.kind.as_str()) == fixture.kind()
                && Some(rust.api_version.as_str()) == fixture.api_version()
            {
                continue;
            }
            let err = (rust.round_trip)(value.clone()).unwrap_err();
            assert!(
                err.starts_with("expected apiVersion"),
                "{} as {}: {err}",
                fixture.file,
                rust.kind
            );
        }
    }
}

#[test]
fn path_helpers() {
    assert!(leads_to("spec", "spec.a[0].b"));
    assert!(leads_to("spec.a[0]", "spec.a[0].b"));
    assert!(leads_to("spec.a", "spec.a"));
    assert!(!leads_to("spec.a", "spec.ab"));
    assert!(!leads_to(".", "spec"));
    let path = [
        Seg::Key("spec".into()),
        Seg::Key("a".into()),
        Seg::Index(2),
        Seg::Key("b".into()),
    ];
    assert_eq!(render(&path), "spec.a[2].b");
}
