//! A `ManagedCluster` as upstream's CEL reads it.
//!
//! Upstream (`ocm` v1.2.1 `pkg/placement/helpers/cel.go`) binds `managedCluster` to
//! `runtime.DefaultUnstructuredConverter.ToUnstructured(cluster)`: the typed Go object
//! (`open-cluster-management.io/api` `cluster/v1.ManagedCluster`, as the informer holds it)
//! converted back to maps. [`managed_cluster`] projects any JSON form of a ManagedCluster
//! onto that shape:
//! - fields the Go type does not have are dropped, as Go's decoder drops them;
//! - fields without `omitempty` are always there: `spec`, `spec.hubAcceptsClient` (`false`),
//!   `status`, `status.conditions` (`null` when unset), `status.version` (`{}`), a taint's
//!   `key` and `effect`, a condition's `reason` and `message`, …; but an unset time
//!   (`metadata.creationTimestamp`, a taint's `timeAdded`) is absent, as Go's converter
//!   does not store the `nil` that `metav1.Time` converts to;
//! - `omitempty` fields are absent when empty (`""`, `0`, `false`, an empty map or list), so
//!   reading one is a CEL error (`no such key`), not a default;
//! - times are RFC 3339 in UTC with whole seconds (`metav1.Time`), quantities are Go's
//!   re-encoded strings ([`Quantity::go_string`]);
//! - `apiVersion` and `kind` are absent: objects from a typed informer carry no `TypeMeta`.

use crate::quantity::Quantity;
use serde_json::{Map, Value};

/// How Go writes one field.
#[derive(Clone, Copy)]
enum Kind {
    /// `string` without `omitempty`: `""` when unset.
    Str,
    /// `string,omitempty`.
    OmitStr,
    /// `bool` without `omitempty`.
    Bool,
    /// An integer with `omitempty`.
    OmitInt,
    /// A pointer with `omitempty` (`*int64`, `*bool`, `*FieldsV1`): kept when set.
    OmitPtr,
    /// `metav1.Time` without `omitempty`: still absent when unset (its `ToUnstructured` is
    /// `nil`, which the converter does not store).
    Time,
    /// `*metav1.Time` with `omitempty`.
    OmitTime,
    /// `map[string]string,omitempty`.
    OmitStrMap,
    /// `ResourceList,omitempty`.
    OmitQuantities,
    /// A struct (always written, `omitempty` or not).
    Struct(&'static [(&'static str, Kind)]),
    /// A slice with `omitempty`.
    OmitList(&'static Kind),
    /// A slice without `omitempty`: `null` when unset.
    List(&'static Kind),
}

use Kind::*;

const CONDITION: Kind = Struct(&[
    ("type", Str),
    ("status", Str),
    ("observedGeneration", OmitInt),
    ("lastTransitionTime", Time),
    ("reason", Str),
    ("message", Str),
]);

const OWNER_REFERENCE: Kind = Struct(&[
    ("apiVersion", Str),
    ("kind", Str),
    ("name", Str),
    ("uid", Str),
    ("controller", OmitPtr),
    ("blockOwnerDeletion", OmitPtr),
]);

const MANAGED_FIELDS_ENTRY: Kind = Struct(&[
    ("manager", OmitStr),
    ("operation", OmitStr),
    ("apiVersion", OmitStr),
    ("time", OmitTime),
    ("fieldsType", OmitStr),
    ("fieldsV1", OmitPtr),
    ("subresource", OmitStr),
]);

const OBJECT_META: Kind = Struct(&[
    ("name", OmitStr),
    ("generateName", OmitStr),
    ("namespace", OmitStr),
    ("selfLink", OmitStr),
    ("uid", OmitStr),
    ("resourceVersion", OmitStr),
    ("generation", OmitInt),
    ("creationTimestamp", Time),
    ("deletionTimestamp", OmitTime),
    ("deletionGracePeriodSeconds", OmitPtr),
    ("labels", OmitStrMap),
    ("annotations", OmitStrMap),
    ("ownerReferences", OmitList(&OWNER_REFERENCE)),
    ("finalizers", OmitList(&Str)),
    ("managedFields", OmitList(&MANAGED_FIELDS_ENTRY)),
]);

const MANAGED_CLUSTER: Kind = Struct(&[
    ("metadata", OBJECT_META),
    (
        "spec",
        Struct(&[
            (
                "managedClusterClientConfigs",
                OmitList(&Struct(&[("url", Str), ("caBundle", OmitStr)])),
            ),
            ("hubAcceptsClient", Bool),
            ("leaseDurationSeconds", OmitInt),
            (
                "taints",
                OmitList(&Struct(&[
                    ("key", Str),
                    ("value", OmitStr),
                    ("effect", Str),
                    ("timeAdded", Time),
                ])),
            ),
        ]),
    ),
    (
        "status",
        Struct(&[
            ("conditions", List(&CONDITION)),
            ("capacity", OmitQuantities),
            ("allocatable", OmitQuantities),
            ("version", Struct(&[("kubernetes", OmitStr)])),
            (
                "clusterClaims",
                OmitList(&Struct(&[("name", OmitStr), ("value", OmitStr)])),
            ),
            (
                "managedNamespaces",
                OmitList(&Struct(&[
                    ("name", Str),
                    ("clusterSet", Str),
                    ("conditions", OmitList(&CONDITION)),
                ])),
            ),
        ]),
    ),
]);

/// `metav1.Time` as Go re-encodes it; an unparsable string is kept (Go would refuse it).
fn time(v: &Value) -> Value {
    match v {
        Value::String(s) => s
            .parse::<jiff::Timestamp>()
            .map_or_else(|_| v.clone(), |t| Value::String(crate::wire::time(t))),
        other => other.clone(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// The value of one field as Go writes it; `None` when Go omits it.
fn field(kind: Kind, v: Option<&Value>) -> Option<Value> {
    let v = v.filter(|v| !v.is_null());
    match kind {
        Str => Some(v.cloned().unwrap_or_else(|| Value::String(String::new()))),
        Bool => Some(v.cloned().unwrap_or(Value::Bool(false))),
        Struct(fields) => Some(structure(fields, v)),
        List(elem) => Some(match v {
            Some(Value::Array(items)) => list(elem, items),
            Some(other) => other.clone(),
            None => Value::Null,
        }),
        OmitStr | OmitInt | OmitPtr | OmitStrMap => match kind {
            OmitPtr => v.cloned(),
            _ => v.filter(|v| !is_empty(v)).cloned(),
        },
        Time | OmitTime => v.map(time),
        OmitQuantities => match v? {
            Value::Object(m) if m.is_empty() => None,
            Value::Object(m) => Some(Value::Object(
                m.iter()
                    .map(|(k, q)| {
                        let q = match q {
                            Value::String(s) => {
                                Value::String(Quantity::new(s.trim()).go_string().to_owned())
                            }
                            // A JSON number is a quantity too.
                            Value::Number(n) => {
                                Value::String(Quantity::new(n.to_string()).go_string().to_owned())
                            }
                            other => other.clone(),
                        };
                        (k.clone(), q)
                    })
                    .collect(),
            )),
            other => Some(other.clone()),
        },
        OmitList(elem) => match v? {
            Value::Array(items) if items.is_empty() => None,
            Value::Array(items) => Some(list(elem, items)),
            other => Some(other.clone()),
        },
    }
}

fn list(elem: &Kind, items: &[Value]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|i| field(*elem, Some(i)).unwrap_or(Value::Null))
            .collect(),
    )
}

fn structure(fields: &[(&str, Kind)], v: Option<&Value>) -> Value {
    let obj = v.and_then(Value::as_object);
    let mut out = Map::new();
    for (name, kind) in fields {
        if let Some(f) = field(*kind, obj.and_then(|o| o.get(*name))) {
            out.insert((*name).to_owned(), f);
        }
    }
    Value::Object(out)
}

/// The `managedCluster` value upstream's CEL reads for a ManagedCluster given in any JSON
/// form (the API server's, a `DynamicObject`'s, `ocm-api`'s serialization).
///
/// ```
/// let v = ocm_placement::unstructured::managed_cluster(&serde_json::json!({
///     "apiVersion": "cluster.open-cluster-management.io/v1",
///     "kind": "ManagedCluster",
///     "metadata": {"name": "east", "labels": {}},
///     "status": {"allocatable": {"cpu": "4000m"}, "unknown": 1},
/// }));
/// assert_eq!(v, serde_json::json!({
///     "metadata": {"name": "east"},
///     "spec": {"hubAcceptsClient": false},
///     "status": {"conditions": null, "allocatable": {"cpu": "4"}, "version": {}},
/// }));
/// ```
pub fn managed_cluster(object: &Value) -> Value {
    field(MANAGED_CLUSTER, Some(object)).unwrap_or(Value::Null)
}
