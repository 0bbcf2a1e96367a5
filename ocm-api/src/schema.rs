//! Schema and CRD helpers shared by the API groups (crate-private).
//!
//! - Schema tweaks the derives cannot express: [`no_default`], [`strip_defaults`], [`Required`],
//!   [`byte_string_schema`], [`go_int`] and the `metav1.Condition` list schemas.
//! - The CRD of a kind declared with [`custom_resource!`](crate::kind::custom_resource) instead
//!   of `#[derive(CustomResource)]`: [`CrdInfo`] and [`build_crd`], shaped like the derive's
//!   output.
//!
//! Helpers that only make sense for one group's types stay in that group.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceColumnDefinition, CustomResourceDefinition, CustomResourceDefinitionNames,
    CustomResourceDefinitionSpec, CustomResourceDefinitionVersion, CustomResourceSubresourceStatus,
    CustomResourceSubresources, CustomResourceValidation, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

/// Field transform removing the `default` schemars derives from serde's `default`.
///
/// `#[serde(default)]` only makes reading tolerant of a missing field (Go reads it as its zero
/// value); it must not become a server-side default (`""`, `0`, `false`, `[]`, `{}`) that
/// upstream's CRD does not have for Go fields that are merely always written.
pub(crate) fn no_default(schema: &mut Schema) {
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("default");
    }
}

/// Removes the `default` that schemars derives from `#[serde(default)]` on the named properties
/// of an object schema: [`no_default`] as a container-level `#[schemars(transform = ...)]`.
pub(crate) fn strip_defaults(schema: &mut Schema, names: &[&str]) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for name in names {
        if let Some(property) = properties.get_mut(*name).and_then(Value::as_object_mut) {
            property.remove("default");
        }
    }
}

/// A container-level schemars transform adding properties to the `required` list of an object
/// schema: `#[schemars(transform = Required(&["name"]))]`.
///
/// serde's `default` (needed to read `null`/absent values the way Go does) makes schemars drop a
/// field from `required`; upstream still requires it, so it is put back here.
pub(crate) struct Required(pub(crate) &'static [&'static str]);

impl schemars::transform::Transform for Required {
    fn transform(&mut self, schema: &mut Schema) {
        let Some(obj) = schema.as_object_mut() else {
            return;
        };
        let required = obj
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = required {
            for name in self.0 {
                if !list.iter().any(|v| v.as_str() == Some(name)) {
                    list.push(Value::String((*name).to_owned()));
                }
            }
        }
    }
}

/// Schema of a Go `[]byte` field: a base64 string (`k8s_openapi::ByteString` has no schema).
pub(crate) fn byte_string_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "format": "byte",
    })
}

/// Schema of a Go `int` field: upstream's CRD says `type: integer` with no format.
pub(crate) fn go_int(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer" })
}

/// Adds the validation upstream's CRDs carry for `metav1.Condition` (which the `k8s_openapi`
/// schema lacks) to the `properties` of a condition schema.
fn add_condition_validation(props: &mut Map<String, Value>) {
    let mut patch = |name: &str, extra: Value| {
        if let (Some(Value::Object(prop)), Value::Object(extra)) = (props.get_mut(name), extra) {
            prop.extend(extra);
        }
    };
    patch("message", json!({"maxLength": 32768}));
    patch("observedGeneration", json!({"minimum": 0}));
    patch(
        "reason",
        json!({
            "maxLength": 1024,
            "minLength": 1,
            "pattern": "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
        }),
    );
    patch("status", json!({"enum": ["True", "False", "Unknown"]}));
    patch(
        "type",
        json!({
            "maxLength": 316,
            "pattern": r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
        }),
    );
}

/// Schema of one `metav1.Condition` with upstream's validation, built from scratch: unlike
/// [`condition_list`] it has no per-property descriptions.
fn condition_item_schema() -> Value {
    let mut item = json!({
        "type": "object",
        "description": "Condition contains details for one aspect of the current state of this API Resource.",
        "required": ["lastTransitionTime", "message", "reason", "status", "type"],
        "properties": {
            "lastTransitionTime": {"type": "string", "format": "date-time"},
            "message": {"type": "string"},
            "observedGeneration": {"type": "integer", "format": "int64"},
            "reason": {"type": "string"},
            "status": {"type": "string"},
            "type": {"type": "string"},
        },
    });
    if let Some(Value::Object(props)) = item.get_mut("properties") {
        add_condition_validation(props);
    }
    item
}

/// Schema of a `[]metav1.Condition` field without list-map markers (see
/// [`condition_item_schema`]).
pub(crate) fn conditions_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": condition_item_schema(),
    })
}

/// Schema of a `[]metav1.Condition` field marked `+listType=map`, `+listMapKey=type` (see
/// [`condition_item_schema`]).
pub(crate) fn conditions_map_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "array",
        "items": condition_item_schema(),
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
    })
}

/// Field transform for a `[]metav1.Condition` list marked `+listType=map`, `+listMapKey=type`:
/// [`no_default`], the list-map markers and upstream's validation added to the `k8s_openapi`
/// schema, whose property descriptions are kept (unlike [`conditions_map_schema`]).
pub(crate) fn condition_list(schema: &mut Schema) {
    no_default(schema);
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    obj.insert("x-kubernetes-list-type".into(), json!("map"));
    obj.insert("x-kubernetes-list-map-keys".into(), json!(["type"]));
    if let Some(Value::Object(props)) = obj
        .get_mut("items")
        .and_then(|items| items.get_mut("properties"))
    {
        add_condition_validation(props);
    }
}

/// The OpenAPI v3 schema of `K`, generated exactly as `kube-derive` does for derived kinds.
pub(crate) fn schema_for<K: JsonSchema>() -> Option<JSONSchemaProps> {
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

/// An additional printer column of a CRD version, as `#[kube(printcolumn = ...)]` takes it.
pub(crate) struct PrinterColumn {
    pub(crate) name: &'static str,
    pub(crate) type_: &'static str,
    pub(crate) json_path: &'static str,
    pub(crate) description: Option<&'static str>,
}

/// The names and flags of a hand-written kind, as `#[kube(...)]` would take them.
pub(crate) struct CrdInfo {
    pub(crate) group: &'static str,
    pub(crate) version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) plural: &'static str,
    pub(crate) namespaced: bool,
    pub(crate) short_names: &'static [&'static str],
    pub(crate) printer_columns: &'static [PrinterColumn],
    pub(crate) status_subresource: bool,
}

/// Builds the CRD of a hand-written kind from the schema of `K` ([`schema_for`]), in the shape
/// `#[derive(CustomResource)]` produces: one served and stored version, the singular name being
/// the lowercased kind.
pub(crate) fn build_crd<K: JsonSchema>(info: &CrdInfo) -> CustomResourceDefinition {
    let printer_columns = (!info.printer_columns.is_empty()).then(|| {
        info.printer_columns
            .iter()
            .map(|column| CustomResourceColumnDefinition {
                name: column.name.into(),
                type_: column.type_.into(),
                json_path: column.json_path.into(),
                description: column.description.map(Into::into),
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
                singular: Some(info.kind.to_ascii_lowercase()),
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
                    status: Some(CustomResourceSubresourceStatus(json!({}))),
                }),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}
