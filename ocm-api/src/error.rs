//! The crate's error type and typed decoding.
//!
//! Objects come from a hub, a file or a user as JSON (or as a [`DynamicObject`]). Decoding them with
//! plain `serde_json` reports *what* was wrong but not *where*; the functions here name the field
//! path as well, and never panic on bad input:
//!
//! ```
//! use ocm_api::Error;
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct Spec {
//!     #[serde(rename = "numberOfClusters")]
//!     number_of_clusters: Option<i32>,
//! }
//! #[derive(Debug, serde::Deserialize)]
//! struct Obj {
//!     spec: Spec,
//! }
//!
//! let err = ocm_api::from_value::<Obj>(serde_json::json!({"spec": {"numberOfClusters": "x"}}))
//!     .unwrap_err();
//! assert!(matches!(err, Error::Decode { .. }));
//! assert_eq!(err.path(), Some("spec.numberOfClusters"));
//! assert_eq!(
//!     err.to_string(),
//!     r#"cannot decode Obj: spec.numberOfClusters: invalid type: string "x", expected i32"#
//! );
//! ```
//!
//! The same functions decode the OCM kinds of this crate, e.g.
//! `ocm_api::from_slice::<ocm_api::cluster::v1beta1::Placement>(bytes)`. [`from_object`] and
//! [`from_dynamic`] also check that `apiVersion` and `kind` are the ones of the requested kind.

use kube::core::{DynamicObject, Resource, TypeMeta};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Errors of this crate: decoding and encoding OCM objects.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not well-formed JSON (a syntax error or an early end of input).
    ///
    /// `path` is where the parser was when it stopped (`.` for the top level).
    #[error(
        "cannot decode {}: malformed JSON at {path}: {source}",
        short_type_name(target)
    )]
    Syntax {
        /// The Rust type that was requested (`std::any::type_name`).
        target: &'static str,
        /// The field path where parsing stopped, e.g. `spec.decisions[0]`; `.` for the top level.
        path: String,
        /// The underlying `serde_json` error (with line and column).
        #[source]
        source: serde_json::Error,
    },

    /// Well-formed JSON whose value at `path` does not fit the Rust type: a wrong type, a missing
    /// required field, an unknown enum value, an out-of-range number.
    #[error(
        "cannot decode {}: {}{source}",
        short_type_name(target),
        path_prefix(path)
    )]
    Decode {
        /// The Rust type that was requested (`std::any::type_name`).
        target: &'static str,
        /// The field path of the offending value, e.g. `spec.numberOfClusters` or
        /// `status.conditions[1].status`; `.` when the top-level value itself is wrong.
        path: String,
        /// The underlying `serde_json` error.
        #[source]
        source: serde_json::Error,
    },

    /// The object's `apiVersion`/`kind` are not the ones of the requested kind.
    #[error(
        "expected apiVersion {expected_api_version:?} kind {expected_kind:?}, found apiVersion {} kind {}",
        show_opt(found_api_version),
        show_opt(found_kind)
    )]
    TypeMismatch {
        /// The `apiVersion` of the requested kind, e.g. `cluster.open-cluster-management.io/v1`.
        expected_api_version: String,
        /// The requested kind, e.g. `ManagedCluster`.
        expected_kind: String,
        /// The object's `apiVersion`, `None` if absent or not a string.
        found_api_version: Option<String>,
        /// The object's `kind`, `None` if absent or not a string.
        found_kind: Option<String>,
    },

    /// The top-level JSON value is not an object.
    #[error(
        "cannot decode {}: expected a JSON object, found {found}",
        short_type_name(target)
    )]
    NotAnObject {
        /// The Rust type that was requested (`std::any::type_name`).
        target: &'static str,
        /// The JSON type found instead (`array`, `string`, ...).
        found: &'static str,
    },

    /// A value could not be encoded to JSON (e.g. a map with non-string keys).
    #[error("cannot encode {}: {source}", short_type_name(target))]
    Encode {
        /// The Rust type that was encoded (`std::any::type_name`).
        target: &'static str,
        /// The underlying `serde_json` error.
        #[source]
        source: serde_json::Error,
    },
}

impl Error {
    /// The field path of a [`Error::Decode`] or [`Error::Syntax`] error (e.g.
    /// `spec.numberOfClusters`; `.` for the top level), `None` for other errors.
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::Syntax { path, .. } | Error::Decode { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// `"x: "` for a non-root path, nothing for the root (`.`).
fn path_prefix(path: &str) -> String {
    if path == "." || path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

fn show_opt(value: &Option<String>) -> String {
    match value {
        Some(v) => format!("{v:?}"),
        None => "<none>".to_owned(),
    }
}

/// `ocm_api::cluster::v1::ManagedCluster` → `ManagedCluster`; `Vec<a::B>` → `Vec<B>`.
fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    let flush = |segment: &mut String, out: &mut String| {
        out.push_str(segment.rsplit("::").next().unwrap_or(segment));
        segment.clear();
    };
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            flush(&mut segment, &mut out);
            out.push(c);
        }
    }
    flush(&mut segment, &mut out);
    out
}

fn json_type_name(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn classify<T>(err: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let target = std::any::type_name::<T>();
    let path = err.path().to_string();
    let source = err.into_inner();
    match source.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => Error::Syntax {
            target,
            path,
            source,
        },
        serde_json::error::Category::Io | serde_json::error::Category::Data => Error::Decode {
            target,
            path,
            source,
        },
    }
}

/// Decodes `T` from a JSON value; on failure the error names the field path.
///
/// Does not look at `apiVersion`/`kind`; use [`from_object`] to check them too.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(classify::<T>)
}

/// Decodes `T` from JSON bytes; on failure the error names the field path.
///
/// Trailing non-whitespace after the value is a [`Error::Syntax`] error.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(classify::<T>)?;
    de.end().map_err(|source| Error::Syntax {
        target: std::any::type_name::<T>(),
        path: ".".to_owned(),
        source,
    })?;
    Ok(value)
}

/// Decodes `T` from a JSON string; see [`from_slice`].
pub fn from_str<T: DeserializeOwned>(json: &str) -> Result<T, Error> {
    from_slice(json.as_bytes())
}

/// Checks that `apiVersion` and `kind` are those of `K` (a missing one is a mismatch too).
pub fn check_type_meta<K: Resource<DynamicType = ()>>(
    api_version: Option<&str>,
    kind: Option<&str>,
) -> Result<(), Error> {
    let expected_api_version = K::api_version(&());
    let expected_kind = K::kind(&());
    if api_version == Some(&*expected_api_version) && kind == Some(&*expected_kind) {
        Ok(())
    } else {
        Err(Error::TypeMismatch {
            expected_api_version: expected_api_version.into_owned(),
            expected_kind: expected_kind.into_owned(),
            found_api_version: api_version.map(str::to_owned),
            found_kind: kind.map(str::to_owned),
        })
    }
}

/// Decodes the kind `K` from a JSON object after checking its `apiVersion` and `kind`.
///
/// ```
/// use ocm_api::Error;
/// # #[derive(Clone, Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema, kube::CustomResource)]
/// # #[kube(group = "example.io", version = "v1", kind = "Thing")]
/// # struct ThingSpec { size: i32 }
/// let value = serde_json::json!({
///     "apiVersion": "example.io/v2",
///     "kind": "Thing",
///     "metadata": {"name": "a"},
///     "spec": {"size": 1},
/// });
/// let err = ocm_api::from_object::<Thing>(value).unwrap_err();
/// assert!(matches!(err, Error::TypeMismatch { .. }));
/// ```
pub fn from_object<K>(value: serde_json::Value) -> Result<K, Error>
where
    K: Resource<DynamicType = ()> + DeserializeOwned,
{
    let serde_json::Value::Object(map) = &value else {
        return Err(Error::NotAnObject {
            target: std::any::type_name::<K>(),
            found: json_type_name(&value),
        });
    };
    let field = |name: &str| map.get(name).and_then(serde_json::Value::as_str);
    check_type_meta::<K>(field("apiVersion"), field("kind"))?;
    from_value(value)
}

/// Turns a [`DynamicObject`] (from a dynamic `Api`, a watch of unknown kinds, a file) into the
/// typed kind `K`, after checking its `apiVersion` and `kind`.
///
/// ```
/// use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
/// use ocm_api::Error;
/// # #[derive(Clone, Debug, serde::Deserialize, serde::Serialize, schemars::JsonSchema, kube::CustomResource)]
/// # #[kube(group = "example.io", version = "v1", kind = "Thing")]
/// # struct ThingSpec { size: i32 }
/// let gvk = GroupVersionKind::gvk("example.io", "v1", "Thing");
/// let ar = ApiResource::from_gvk(&gvk);
/// let obj = DynamicObject::new("a", &ar).data(serde_json::json!({"spec": {"size": "big"}}));
/// let err = ocm_api::from_dynamic::<Thing>(obj).unwrap_err();
/// assert_eq!(err.path(), Some("spec.size"));
/// ```
pub fn from_dynamic<K>(object: DynamicObject) -> Result<K, Error>
where
    K: Resource<DynamicType = ()> + DeserializeOwned,
{
    let DynamicObject {
        types,
        metadata,
        data,
    } = object;
    check_type_meta::<K>(
        types.as_ref().map(|t| t.api_version.as_str()),
        types.as_ref().map(|t| t.kind.as_str()),
    )?;
    let mut map = match data {
        serde_json::Value::Object(map) => map,
        serde_json::Value::Null => serde_json::Map::new(),
        other => {
            return Err(Error::NotAnObject {
                target: std::any::type_name::<K>(),
                found: json_type_name(&other),
            });
        }
    };
    let metadata = serde_json::to_value(metadata).map_err(|source| Error::Encode {
        target: std::any::type_name::<kube::core::ObjectMeta>(),
        source,
    })?;
    map.insert("metadata".to_owned(), metadata);
    if let Some(TypeMeta { api_version, kind }) = types {
        map.insert("apiVersion".to_owned(), api_version.into());
        map.insert("kind".to_owned(), kind.into());
    }
    from_value(serde_json::Value::Object(map))
}

/// Turns a typed kind into a [`DynamicObject`] (the inverse of [`from_dynamic`]).
pub fn to_dynamic<K>(object: &K) -> Result<DynamicObject, Error>
where
    K: Resource<DynamicType = ()> + Serialize,
{
    let encode_err = |source| Error::Encode {
        target: std::any::type_name::<K>(),
        source,
    };
    let mut value = serde_json::to_value(object).map_err(encode_err)?;
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("apiVersion".to_owned(), K::api_version(&()).into());
        map.insert("kind".to_owned(), K::kind(&()).into());
    }
    serde_json::from_value(value).map_err(encode_err)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use kube::core::{ApiResource, GroupVersionKind, ObjectMeta};
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Decision {
        cluster_name: String,
        reason: String,
    }

    #[derive(Clone, Debug, PartialEq, Deserialize, Serialize, Default)]
    #[serde(rename_all = "camelCase")]
    struct Spec {
        #[serde(default)]
        number_of_clusters: Option<i32>,
        #[serde(default)]
        decisions: Vec<Decision>,
        #[serde(default)]
        mode: Option<Mode>,
    }

    #[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
    enum Mode {
        Default,
        Hosted,
    }

    /// A hand-written kind, as the crate's kinds without `spec`/derive are.
    #[derive(Clone, Debug, PartialEq, Deserialize, Serialize, Default)]
    struct Thing {
        #[serde(default)]
        metadata: ObjectMeta,
        #[serde(default)]
        spec: Spec,
    }

    impl Resource for Thing {
        type DynamicType = ();
        type Scope = kube::core::NamespaceResourceScope;
        fn kind(_: &()) -> std::borrow::Cow<'_, str> {
            "Thing".into()
        }
        fn group(_: &()) -> std::borrow::Cow<'_, str> {
            "example.io".into()
        }
        fn version(_: &()) -> std::borrow::Cow<'_, str> {
            "v1".into()
        }
        fn plural(_: &()) -> std::borrow::Cow<'_, str> {
            "things".into()
        }
        fn meta(&self) -> &ObjectMeta {
            &self.metadata
        }
        fn meta_mut(&mut self) -> &mut ObjectMeta {
            &mut self.metadata
        }
    }

    fn thing_json() -> serde_json::Value {
        json!({
            "apiVersion": "example.io/v1",
            "kind": "Thing",
            "metadata": {"name": "a", "namespace": "ns"},
            "spec": {
                "numberOfClusters": 2,
                "decisions": [{"clusterName": "c1", "reason": ""}],
                "mode": "Hosted"
            }
        })
    }

    #[test]
    fn decodes_valid_input() {
        let thing: Thing = from_object(thing_json()).unwrap();
        assert_eq!(thing.spec.number_of_clusters, Some(2));
        assert_eq!(thing.spec.mode, Some(Mode::Hosted));
        let again: Thing = from_slice(thing_json().to_string().as_bytes()).unwrap();
        assert_eq!(thing, again);
        let again: Thing = from_str(&thing_json().to_string()).unwrap();
        assert_eq!(thing, again);
    }

    #[test]
    fn wrong_type_names_the_path() {
        let mut value = thing_json();
        value["spec"]["numberOfClusters"] = json!("x");
        let err = from_value::<Thing>(value).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert_eq!(err.path(), Some("spec.numberOfClusters"));
        assert_eq!(
            err.to_string(),
            r#"cannot decode Thing: spec.numberOfClusters: invalid type: string "x", expected i32"#
        );
    }

    #[test]
    fn nested_array_path_and_missing_field() {
        let mut value = thing_json();
        value["spec"]["decisions"][0] = json!({"clusterName": "c1"});
        let err = from_value::<Thing>(value).unwrap_err();
        assert_eq!(err.path(), Some("spec.decisions[0]"));
        assert!(err.to_string().contains("missing field `reason`"), "{err}");
    }

    #[test]
    fn unknown_enum_value_and_overflow() {
        let mut value = thing_json();
        value["spec"]["mode"] = json!("Sideways");
        let err = from_value::<Thing>(value).unwrap_err();
        assert_eq!(err.path(), Some("spec.mode"));
        assert!(
            err.to_string().contains("unknown variant `Sideways`"),
            "{err}"
        );

        let mut value = thing_json();
        value["spec"]["numberOfClusters"] = json!(1u64 << 40);
        let err = from_value::<Thing>(value).unwrap_err();
        assert_eq!(err.path(), Some("spec.numberOfClusters"));
    }

    #[test]
    fn malformed_json_is_a_syntax_error() {
        let err = from_slice::<Thing>(br#"{"spec": {"numberOfClusters": 1,"#).unwrap_err();
        assert!(matches!(err, Error::Syntax { .. }), "{err:?}");
        let err = from_slice::<Thing>(br#"{"spec": {}} trailing"#).unwrap_err();
        assert!(matches!(err, Error::Syntax { .. }), "{err:?}");
        assert_eq!(err.path(), Some("."));
        let err = from_slice::<Thing>(b"").unwrap_err();
        assert!(matches!(err, Error::Syntax { .. }), "{err:?}");
    }

    #[test]
    fn root_type_error_has_no_path_prefix() {
        let err = from_value::<Thing>(json!("a string")).unwrap_err();
        assert_eq!(err.path(), Some("."));
        assert!(
            err.to_string()
                .starts_with("cannot decode Thing: invalid type"),
            "{err}"
        );
    }

    #[test]
    fn from_object_checks_type_meta() {
        let mut value = thing_json();
        value["kind"] = json!("Other");
        let err = from_object::<Thing>(value).unwrap_err();
        match &err {
            Error::TypeMismatch {
                expected_api_version,
                expected_kind,
                found_api_version,
                found_kind,
            } => {
                assert_eq!(expected_api_version, "example.io/v1");
                assert_eq!(expected_kind, "Thing");
                assert_eq!(found_api_version.as_deref(), Some("example.io/v1"));
                assert_eq!(found_kind.as_deref(), Some("Other"));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            r#"expected apiVersion "example.io/v1" kind "Thing", found apiVersion "example.io/v1" kind "Other""#
        );

        let mut value = thing_json();
        value.as_object_mut().unwrap().remove("apiVersion");
        let err = from_object::<Thing>(value).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("found apiVersion <none> kind \"Thing\""),
            "{err}"
        );

        let err = from_object::<Thing>(json!("nope")).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotAnObject {
                    found: "string",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn dynamic_round_trip() {
        let thing: Thing = from_object(thing_json()).unwrap();
        let dynamic = to_dynamic(&thing).unwrap();
        assert_eq!(
            dynamic.types.as_ref().map(|t| t.kind.as_str()),
            Some("Thing")
        );
        assert_eq!(dynamic.metadata.name.as_deref(), Some("a"));
        let back: Thing = from_dynamic(dynamic).unwrap();
        assert_eq!(back, thing);
    }

    #[test]
    fn dynamic_errors() {
        let gvk = GroupVersionKind::gvk("example.io", "v2", "Thing");
        let obj = DynamicObject::new("a", &ApiResource::from_gvk(&gvk));
        let err = from_dynamic::<Thing>(obj).unwrap_err();
        assert!(matches!(err, Error::TypeMismatch { .. }), "{err:?}");

        let gvk = GroupVersionKind::gvk("example.io", "v1", "Thing");
        let obj = DynamicObject::new("a", &ApiResource::from_gvk(&gvk))
            .data(json!({"spec": {"decisions": {"not": "a list"}}}));
        let err = from_dynamic::<Thing>(obj).unwrap_err();
        assert_eq!(err.path(), Some("spec.decisions"));

        let mut obj = DynamicObject::new("a", &ApiResource::from_gvk(&gvk));
        obj.types = None;
        let err = from_dynamic::<Thing>(obj).unwrap_err();
        assert!(
            matches!(
                err,
                Error::TypeMismatch {
                    found_api_version: None,
                    found_kind: None,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn short_type_names() {
        assert_eq!(short_type_name("a::b::C"), "C");
        assert_eq!(short_type_name("alloc::vec::Vec<a::b::C>"), "Vec<C>");
        assert_eq!(
            short_type_name("core::option::Option<(a::B, c::D)>"),
            "Option<(B, D)>"
        );
        assert_eq!(short_type_name("i32"), "i32");
    }
}
