//! Crate-private schema helpers for the `work` group: what the derives cannot express exactly.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Value, json};

/// Field transform removing the `default` schemars derives from serde's `default`: upstream
/// declares none on Go fields that are merely always written (`""`, `false`, `[]`, `{}`).
pub(crate) fn no_default(schema: &mut Schema) {
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("default");
    }
}

/// Field transform for a `[]metav1.Condition` list: a map list keyed by `type`, with the
/// validation upstream's CRDs carry for `metav1.Condition` (which the `k8s_openapi` schema lacks).
pub(crate) fn condition_list(schema: &mut Schema) {
    no_default(schema);
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    obj.insert("x-kubernetes-list-type".into(), json!("map"));
    obj.insert("x-kubernetes-list-map-keys".into(), json!(["type"]));
    let Some(Value::Object(props)) = obj
        .get_mut("items")
        .and_then(|items| items.get_mut("properties"))
    else {
        return;
    };
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

/// Schema of a Go `int` field: upstream's CRD says `type: integer` with no format.
pub(crate) fn go_int(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "integer" })
}
