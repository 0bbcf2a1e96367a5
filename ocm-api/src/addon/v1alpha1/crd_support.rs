//! CRD generation for the add-on kinds whose root object is written by hand (not derived), because
//! the wire form Go writes cannot be expressed by `#[derive(CustomResource)]`
//! (the `ManagedClusterAddOn` status is always written).

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionNames,
    CustomResourceDefinitionSpec, CustomResourceDefinitionVersion, CustomResourceSubresourceStatus,
    CustomResourceSubresources, CustomResourceValidation, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::JsonSchema;

/// The names and flags of a hand-written kind, as `#[kube(...)]` would take them.
pub(in crate::addon) struct CrdInfo {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// `(name, type, jsonPath)` of each additional printer column.
    pub printer_columns: &'static [(&'static str, &'static str, &'static str)],
    pub status_subresource: bool,
}

/// Schema of a Go `[]byte` field: a base64 string (`k8s_openapi::ByteString` has no schema).
pub(in crate::addon) fn byte_string_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "format": "byte",
    })
}

/// Removes the `default` that schemars derives from `#[serde(default)]` on the named properties.
///
/// Fields Go always writes are read with `#[serde(default)]` (Go reads a missing field as its zero
/// value), which makes schemars publish the zero value as a schema default that upstream's CRD
/// does not have. Used as a container-level `#[schemars(transform = ...)]`.
pub(in crate::addon) fn strip_defaults(schema: &mut schemars::Schema, names: &[&str]) {
    let Some(properties) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for name in names {
        if let Some(property) = properties
            .get_mut(*name)
            .and_then(serde_json::Value::as_object_mut)
        {
            property.remove("default");
        }
    }
}

/// The OpenAPI v3 schema of `K`, generated exactly as `kube-derive` does for derived kinds.
pub(in crate::addon) fn schema_for<K: JsonSchema>() -> Option<JSONSchemaProps> {
    let generator = schemars::generate::SchemaSettings::openapi3()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .with_transform(schemars::transform::AddNullable::default())
        .with_transform(kube::core::schema::StructuralSchemaRewriter)
        .with_transform(kube::core::schema::OptionalEnum)
        .with_transform(kube::core::schema::OptionalIntOrString)
        .into_generator();
    // The schema comes from our own types, never from external input; a failure here would be a
    // bug in a type definition, which the unit tests of every kind exercise.
    serde_json::to_value(generator.into_root_schema_for::<K>())
        .and_then(serde_json::from_value)
        .ok()
}

/// Builds the single-version CRD of a hand-written kind, shaped like `kube-derive`'s output.
pub(in crate::addon) fn build_crd<K: JsonSchema>(info: &CrdInfo) -> CustomResourceDefinition {
    let singular = info.kind.to_ascii_lowercase();
    let printer_columns = (!info.printer_columns.is_empty()).then(|| {
        info.printer_columns
            .iter()
            .map(|(name, type_, json_path)| CustomResourceColumnDefinition {
                name: (*name).into(),
                type_: (*type_).into(),
                json_path: (*json_path).into(),
                ..Default::default()
            })
            .collect()
    });
    CustomResourceDefinition {
        metadata: ObjectMeta {
            name: Some(format!("{}.{}", info.plural, info.group)),
            ..Default::default()
        },
        spec: CustomResourceDefinitionSpec {
            group: info.group.into(),
            names: CustomResourceDefinitionNames {
                kind: info.kind.into(),
                plural: info.plural.into(),
                short_names: (!info.short_names.is_empty())
                    .then(|| info.short_names.iter().map(|s| (*s).into()).collect()),
                singular: Some(singular),
                ..Default::default()
            },
            scope: if info.namespaced {
                "Namespaced"
            } else {
                "Cluster"
            }
            .into(),
            versions: vec![CustomResourceDefinitionVersion {
                additional_printer_columns: printer_columns,
                name: info.version.into(),
                schema: Some(CustomResourceValidation {
                    open_api_v3_schema: schema_for::<K>(),
                }),
                served: true,
                storage: true,
                subresources: info.status_subresource.then(|| CustomResourceSubresources {
                    scale: None,
                    status: Some(CustomResourceSubresourceStatus(serde_json::json!({}))),
                }),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Test helpers shared by the v1alpha1 and v1beta1 unit tests.
#[cfg(test)]
pub(in crate::addon) mod testing {
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
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
    }

    /// Deserializes every fixture of `kind` (at least `full` and `minimal`) into `K` and checks
    /// that serializing it gives back the identical JSON value. Returns the parsed objects.
    pub fn round_trip_fixtures<K: Serialize + DeserializeOwned>(
        version: &str,
        kind: &str,
    ) -> Vec<K> {
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
}
