//! Conformance (issue #2, item 6a): every fixture under `tests/fixtures` decodes into its Rust kind
//! (chosen by `apiVersion` + `kind`) and encodes back to the identical JSON value.
//!
//! Also: each upstream kind/version has a Rust kind, a `full` and a `minimal` fixture; fixture files
//! sit where their `apiVersion`/`kind` say; and the `DynamicObject` conversions round-trip too.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;

#[test]
fn fixtures_round_trip() {
    let kinds = rust_kinds();
    let fixtures = fixtures();
    let mut failures = Vec::new();
    let mut passed = Vec::new();
    for fixture in &fixtures {
        let value = match &fixture.value {
            Ok(v) => v.clone(),
            Err(e) => {
                failures.push(format!("{}: not valid JSON: {e}", fixture.file));
                continue;
            }
        };
        let (Some(api_version), Some(kind)) = (fixture.api_version(), fixture.kind()) else {
            failures.push(format!("{}: no apiVersion/kind", fixture.file));
            continue;
        };
        let Some(rust) = find_rust_kind(&kinds, api_version, kind) else {
            failures.push(format!(
                "{}: no Rust kind for apiVersion {api_version} kind {kind}",
                fixture.file
            ));
            continue;
        };
        // The file must sit at <group-dir>/<version>/<Kind>.<variant>.json.
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let kv = KindVersion {
            group: group.to_owned(),
            version: version.to_owned(),
            kind: kind.to_owned(),
        };
        let expected_dir = kv.fixture_dir();
        let actual = fixtures_root().join(&fixture.file);
        if actual.parent() != Some(expected_dir.as_path()) || fixture.file_kind != kind {
            failures.push(format!(
                "{}: apiVersion/kind say it belongs in {}/{kind}.<variant>.json",
                fixture.file,
                expected_dir
                    .strip_prefix(fixtures_root())
                    .unwrap_or(&expected_dir)
                    .display()
            ));
        }
        let mut ok = true;
        match (rust.round_trip)(value.clone()) {
            Err(e) => {
                failures.push(format!("{}: does not decode: {e}", fixture.file));
                ok = false;
            }
            Ok(out) if out != value => {
                failures.push(format!(
                    "{}: re-encoded JSON differs (fixture -> ours):\n{}",
                    fixture.file,
                    json_diff(&value, &out).join("\n")
                ));
                ok = false;
            }
            Ok(_) => {}
        }
        if ok {
            match (rust.dynamic_round_trip)(value.clone()) {
                Err(e) => failures.push(format!("{}: DynamicObject round trip: {e}", fixture.file)),
                Ok(out) if out != value => failures.push(format!(
                    "{}: DynamicObject round trip differs:\n{}",
                    fixture.file,
                    json_diff(&value, &out).join("\n")
                )),
                Ok(_) => passed.push(fixture.file.as_str()),
            }
        }
    }
    eprintln!(
        "round trip: {} fixtures, {} ok, {} failures\n  ok: {}",
        fixtures.len(),
        passed.len(),
        failures.len(),
        passed.join(", ")
    );
    assert!(
        failures.is_empty(),
        "{} round-trip failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_upstream_kind_has_rust_type_and_fixtures() {
    let kinds = rust_kinds();
    let fixtures = fixtures();
    let mut missing = Vec::new();
    for (kv, _) in upstream_kind_versions() {
        if find_rust_kind(&kinds, &kv.api_version(), &kv.kind).is_none() {
            missing.push(format!("{kv}: no Rust kind in ocm-api"));
        }
        let mine = fixtures_of(&fixtures, &kv);
        for variant in ["full", "minimal"] {
            if !mine.iter().any(|f| f.variant == variant) {
                missing.push(format!(
                    "{kv}: no fixture {}/{}.{variant}.json",
                    kv.fixture_dir()
                        .strip_prefix(fixtures_root())
                        .unwrap_or(&kv.fixture_dir())
                        .display(),
                    kv.kind
                ));
            }
        }
    }
    for rust in &kinds {
        let known = upstream_kind_versions()
            .iter()
            .any(|(kv, _)| kv.api_version() == rust.api_version && kv.kind == rust.kind);
        if !known {
            missing.push(format!(
                "Rust kind {} {} is not an upstream kind/version",
                rust.api_version, rust.kind
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "{} problems:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The round trip must be able to fail: a fixture with a value the types cannot hold.
#[test]
fn round_trip_detects_loss() {
    let kinds = rust_kinds();
    let fixtures = fixtures();
    let Some((fixture, rust)) = fixtures.iter().find_map(|f| {
        let rust = find_rust_kind(&kinds, f.api_version()?, f.kind()?)?;
        Some((f, rust))
    }) else {
        panic!("no fixture with a Rust kind yet");
    };
    let mut value = fixture.value.clone().unwrap();
    // An unknown field is dropped by the typed decode (as an apiserver would prune it).
    value["notAFieldOfAnyOcmKind"] = serde_json::json!({"a": 1});
    let out = (rust.round_trip)(value.clone()).unwrap();
    assert_ne!(out, value);
    let diff = json_diff(&value, &out);
    assert_eq!(diff.len(), 1, "{diff:?}");
    assert!(
        diff[0].contains("notAFieldOfAnyOcmKind: dropped"),
        "{diff:?}"
    );

    // And the apiVersion/kind check rejects another kind's object.
    let mut other = fixture.value.clone().unwrap();
    other["kind"] = "SomethingElse".into();
    let err = (rust.round_trip)(other).unwrap_err();
    assert!(err.contains("SomethingElse"), "{err}");
}
