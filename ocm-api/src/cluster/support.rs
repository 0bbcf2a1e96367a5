//! Crate-private helpers for the `cluster` group: schemas of the Kubernetes types its kinds embed
//! as upstream's CRDs render them, and test helpers.
//! The helpers shared with the other groups are in `crate::schema`.

use schemars::Schema;

/// Schema of a Go `corev1.ResourceList`-like map: resource name to `resource.Quantity`, with the
/// quantity pattern upstream's CRDs carry (and, like every int-or-string schema here, without the
/// `anyOf: [integer, string]` that kube's structural rewriter would empty).
pub(crate) fn quantity_map_schema(_: &mut schemars::SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "type": "object",
        "additionalProperties": {
            "pattern": r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
            "x-kubernetes-int-or-string": true,
        },
    })
}

/// Schema of a list of `metav1.LabelSelectorRequirement`s, as upstream's CRDs render it (the
/// `values` lists are atomic).
fn selector_requirements(atomic_list: bool) -> serde_json::Value {
    let mut list = serde_json::json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["key", "operator"],
            "properties": {
                "key": {"type": "string"},
                "operator": {"type": "string"},
                "values": {
                    "type": "array",
                    "items": {"type": "string"},
                    "x-kubernetes-list-type": "atomic",
                },
            },
        },
    });
    if atomic_list {
        list["x-kubernetes-list-type"] = "atomic".into();
    }
    list
}

/// Schema of a `metav1.LabelSelector` field with upstream's atomic map/list markers (k8s-openapi's
/// schema has the property types only).
pub(crate) fn label_selector_schema(_: &mut schemars::SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "type": "object",
        "properties": {
            "matchExpressions": selector_requirements(true),
            "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "x-kubernetes-map-type": "atomic",
    })
}

/// Schema of the `matchExpressions` of a `ClusterClaimSelector` (atomic `values`, plain list).
pub(crate) fn claim_requirements_schema(_: &mut schemars::SchemaGenerator) -> Schema {
    // An array schema is an object, so the conversion cannot fail.
    Schema::try_from(selector_requirements(false)).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod testing {
    //! Fixture helpers for the unit tests of this group.

    use kube::core::crd::v1::CustomResourceExt;
    use serde::{Serialize, de::DeserializeOwned};
    use std::path::PathBuf;

    /// Reads `tests/fixtures/cluster/<version>/<file>` as JSON.
    pub(crate) fn fixture(version: &str, file: &str) -> serde_json::Value {
        let path: PathBuf = [
            env!("CARGO_MANIFEST_DIR"),
            "tests",
            "fixtures",
            "cluster",
            version,
            file,
        ]
        .iter()
        .collect();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
    }

    /// Deserializes the fixture as `K`, serializes it back and asserts the JSON is unchanged.
    pub(crate) fn round_trip<K: Serialize + DeserializeOwned>(version: &str, file: &str) -> K {
        let original = fixture(version, file);
        let typed: K = serde_path_to_error::deserialize(original.clone())
            .unwrap_or_else(|e| panic!("{version}/{file}: {e}"));
        let back = serde_json::to_value(&typed).unwrap_or_else(|e| panic!("{version}/{file}: {e}"));
        pretty_assertions::assert_eq!(original, back, "{version}/{file} changed in a round trip");
        typed
    }

    /// Asserts the identity of `K`'s CRD and returns its `openAPIV3Schema` as JSON.
    pub(crate) fn check_crd<K: CustomResourceExt>(
        kind: &str,
        version: &str,
        plural: &str,
        scope: &str,
        status_subresource: bool,
    ) -> serde_json::Value {
        let crd = K::crd();
        assert_eq!(crd.spec.group, super::super::GROUP);
        assert_eq!(crd.spec.names.kind, kind);
        assert_eq!(crd.spec.names.plural, plural);
        assert_eq!(crd.spec.scope, scope);
        assert_eq!(crd.metadata.name.as_deref(), Some(K::crd_name()));
        assert_eq!(K::crd_name(), format!("{plural}.{}", super::super::GROUP));
        assert_eq!(crd.spec.versions.len(), 1);
        let v = &crd.spec.versions[0];
        assert_eq!(v.name, version);
        assert!(v.served && v.storage);
        assert_eq!(
            v.subresources
                .as_ref()
                .and_then(|s| s.status.as_ref())
                .is_some(),
            status_subresource,
            "status subresource of {kind}"
        );
        let schema = v
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
            .unwrap_or_else(|| panic!("{kind} CRD has no schema"));
        serde_json::to_value(schema).unwrap_or_else(|e| panic!("{kind} schema: {e}"))
    }

    /// The JSON value at a `/`-separated path of property names inside an object schema
    /// (`properties` is inserted between the names).
    pub(crate) fn prop<'a>(schema: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
        let mut cur = schema;
        for name in path.split('/') {
            cur = cur
                .get("items")
                .unwrap_or(cur)
                .get("properties")
                .and_then(|p| p.get(name))
                .unwrap_or_else(|| panic!("no property {name} in path {path}"));
        }
        cur
    }
}
