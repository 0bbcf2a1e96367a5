//! Test helpers shared by the v1alpha1 and v1beta1 unit tests.

use std::path::PathBuf;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The fixture files `tests/fixtures/addon/<version>/<kind>.*.json`, sorted.
pub fn fixture_files(version: &str, kind: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/addon")
        .join(version);
    let prefix = format!("{kind}.");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    files
}

/// Reads a fixture as JSON.
pub fn read_json(path: &std::path::Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// Deserializes every fixture of `kind` (at least `full` and `minimal`) into `K` and checks
/// that serializing it gives back the identical JSON value. Returns the parsed objects.
pub fn round_trip_fixtures<K: Serialize + DeserializeOwned>(version: &str, kind: &str) -> Vec<K> {
    let files = fixture_files(version, kind);
    let names: Vec<String> = files
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        .collect();
    assert!(
        names.contains(&format!("{kind}.full.json")),
        "{kind}: no full fixture in {names:?}"
    );
    assert!(
        names.contains(&format!("{kind}.minimal.json")),
        "{kind}: no minimal fixture in {names:?}"
    );
    files
        .iter()
        .map(|path| {
            let json = read_json(path);
            let object: K = serde_path_to_error::deserialize(&json)
                .unwrap_or_else(|e| panic!("deserializing {}: {e}", path.display()));
            let back = serde_json::to_value(&object)
                .unwrap_or_else(|e| panic!("serializing {}: {e}", path.display()));
            pretty_assertions::assert_eq!(json, back, "round trip of {}", path.display());
            object
        })
        .collect()
}

/// Checks the identity of a single-version CRD.
pub fn check_crd(
    crd: &CustomResourceDefinition,
    version: &str,
    kind: &str,
    plural: &str,
    scope: &str,
    short_names: &[&str],
    status_subresource: bool,
) {
    assert_eq!(crd.spec.group, "addon.open-cluster-management.io");
    assert_eq!(crd.spec.names.kind, kind);
    assert_eq!(crd.spec.names.plural, plural);
    assert_eq!(crd.spec.scope, scope);
    assert_eq!(
        crd.metadata.name.as_deref(),
        Some(format!("{plural}.addon.open-cluster-management.io").as_str())
    );
    let names: Vec<&str> = crd
        .spec
        .names
        .short_names
        .iter()
        .flatten()
        .map(String::as_str)
        .collect();
    assert_eq!(names, short_names);
    assert_eq!(crd.spec.versions.len(), 1);
    let v = &crd.spec.versions[0];
    assert_eq!(v.name, version);
    assert!(v.served && v.storage);
    assert_eq!(
        v.subresources
            .as_ref()
            .and_then(|s| s.status.as_ref())
            .is_some(),
        status_subresource
    );
    let schema = v
        .schema
        .as_ref()
        .and_then(|s| s.open_api_v3_schema.as_ref())
        .unwrap_or_else(|| panic!("{kind} {version}: no schema"));
    let props = schema
        .properties
        .as_ref()
        .unwrap_or_else(|| panic!("{kind}: no properties"));
    assert!(props.contains_key("spec"), "{kind}: no spec in schema");
    assert_eq!(
        props.contains_key("status"),
        status_subresource,
        "{kind}: status property"
    );
}
