//! The scheduler's form of each `ManagedCluster` of the reflector store, converted once per
//! `resourceVersion` and shared by every reconcile.
//!
//! The whole object CEL reads ([`ManagedCluster::object`]) is built only when a placement whose
//! CEL the engine evaluates is scheduled, then kept with the conversion: as a JSON tree it is
//! most of the memory a cluster costs (about 17 KB of a typical hub's cluster), and placements
//! without CEL, or with expressions in the native subset (labels, name, resources), never read
//! it.

use crate::adapter::{AdapterError, cluster_json, model_cluster};
use crate::model::ManagedCluster;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::FieldsV1;
use ocm_api::cluster::v1;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// One cluster converted at one `resourceVersion`.
#[derive(Debug)]
struct Entry {
    resource_version: String,
    /// The model without [`ManagedCluster::object`].
    plain: Arc<ManagedCluster>,
    /// The store's object it was converted from.
    typed: Arc<v1::ManagedCluster>,
    /// The model with [`ManagedCluster::object`], built when a CEL placement first needs it.
    with_object: OnceLock<Arc<ManagedCluster>>,
}

impl Entry {
    fn new(typed: Arc<v1::ManagedCluster>) -> Result<Self, AdapterError> {
        Ok(Entry {
            resource_version: typed.metadata.resource_version.clone().unwrap_or_default(),
            plain: Arc::new(model_cluster(&typed)?),
            typed,
            with_object: OnceLock::new(),
        })
    }

    fn get(&self, cel: bool) -> Arc<ManagedCluster> {
        if !cel {
            return self.plain.clone();
        }
        self.with_object
            .get_or_init(|| {
                let mut json = cluster_json(&self.typed);
                expand_managed_fields(&mut json);
                Arc::new(ManagedCluster::clone(&self.plain).with_object(&json))
            })
            .clone()
    }
}

/// Converted clusters by name.
#[derive(Debug, Default)]
pub(crate) struct ConvertedClusters {
    by_name: Mutex<HashMap<String, Entry>>,
}

impl ConvertedClusters {
    /// The converted form of every cluster of `store` (with [`ManagedCluster::object`] when
    /// `cel`), reusing conversions of unchanged objects and forgetting clusters no longer in
    /// the store.
    pub(crate) fn convert(
        &self,
        store: &[Arc<v1::ManagedCluster>],
        cel: bool,
    ) -> Result<Vec<Arc<ManagedCluster>>, AdapterError> {
        let mut cache = self
            .by_name
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = Vec::with_capacity(store.len());
        let mut seen = std::collections::HashSet::with_capacity(store.len());
        for c in store {
            let name = c.metadata.name.as_deref().unwrap_or_default();
            seen.insert(name.to_owned());
            let converted = match c.metadata.resource_version.as_deref() {
                Some(rv) => {
                    if cache.get(name).is_none_or(|e| e.resource_version != rv) {
                        cache.insert(name.to_owned(), Entry::new(c.clone())?);
                    }
                    cache[name].get(cel)
                }
                // Not cached: only objects built by hand lack a version.
                None => Entry::new(c.clone())?.get(cel),
            };
            out.push(converted);
        }
        if cache.len() > seen.len() {
            cache.retain(|name, _| seen.contains(name));
        }
        Ok(out)
    }
}

/// Keeps the `fieldsV1` of each `managedFields` entry as its compact JSON text (applied by the
/// clusters' watch before the store): as a `serde_json` tree, where each object with a field
/// takes a B-tree node of several hundred bytes, a hub's cluster's managed fields take about
/// 10 KB; as text about 1 KB. [`expand_managed_fields`] restores the tree for CEL.
pub(crate) fn compact_managed_fields(c: &mut v1::ManagedCluster) {
    for entry in c.metadata.managed_fields.iter_mut().flatten() {
        if let Some(FieldsV1(v)) = entry.fields_v1.as_mut()
            && !v.is_string()
        {
            *v = Value::String(v.to_string());
        }
    }
}

/// Parses back each `fieldsV1` that [`compact_managed_fields`] kept as text, in a cluster's
/// JSON.
fn expand_managed_fields(json: &mut Value) {
    let Some(entries) = json
        .pointer_mut("/metadata/managedFields")
        .and_then(Value::as_array_mut)
    else {
        return;
    };
    for entry in entries {
        if let Some(v) = entry.get_mut("fieldsV1")
            && let Some(text) = v.as_str()
            && let Ok(tree) = serde_json::from_str::<Value>(text)
        {
            *v = tree;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(name: &str, rv: &str, env: &str) -> Arc<v1::ManagedCluster> {
        Arc::new(
            serde_json::from_value(serde_json::json!({
                "metadata": {"name": name, "resourceVersion": rv, "labels": {"env": env}},
            }))
            .unwrap(),
        )
    }

    #[test]
    fn converts_once_per_resource_version() {
        let cache = ConvertedClusters::default();
        let first = cache
            .convert(&[cluster("a", "1", "x"), cluster("b", "1", "x")], false)
            .unwrap();
        let again = cache
            .convert(&[cluster("a", "1", "x"), cluster("b", "2", "y")], false)
            .unwrap();
        assert!(Arc::ptr_eq(&first[0], &again[0]));
        assert!(!Arc::ptr_eq(&first[1], &again[1]));
        assert_eq!(again[1].labels.get("env").unwrap(), "y");
        cache.convert(&[cluster("b", "2", "y")], false).unwrap();
        assert_eq!(cache.by_name.lock().unwrap().len(), 1);
    }

    #[test]
    fn the_cel_object_is_built_when_asked_for_and_kept() {
        let cache = ConvertedClusters::default();
        let plain = cache.convert(&[cluster("a", "1", "x")], false).unwrap();
        assert!(plain[0].object.is_none());
        let cel = cache.convert(&[cluster("a", "1", "x")], true).unwrap();
        let again = cache.convert(&[cluster("a", "1", "x")], true).unwrap();
        assert!(Arc::ptr_eq(&cel[0], &again[0]));
        assert_eq!(
            cel[0].object.as_deref().unwrap()["metadata"]["labels"]["env"],
            "x"
        );
        assert_eq!(cel[0].labels, plain[0].labels);
    }

    #[test]
    fn managed_fields_kept_as_text_read_as_upstream_converts_them() {
        let fields = serde_json::json!({"f:metadata": {"f:labels": {".": {}, "f:env": {}}}});
        let object = serde_json::json!({
            "apiVersion": "cluster.open-cluster-management.io/v1",
            "kind": "ManagedCluster",
            "metadata": {"name": "a", "resourceVersion": "1", "managedFields": [{
                "manager": "m", "operation": "Update", "fieldsType": "FieldsV1",
                "fieldsV1": fields,
            }]},
        });
        let mut typed: v1::ManagedCluster = serde_json::from_value(object.clone()).unwrap();
        let expected = ManagedCluster::try_from(&typed).unwrap();
        compact_managed_fields(&mut typed);
        let stored = serde_json::to_value(&typed).unwrap();
        assert!(stored["metadata"]["managedFields"][0]["fieldsV1"].is_string());

        let cel = ConvertedClusters::default()
            .convert(&[Arc::new(typed)], true)
            .unwrap();
        assert_eq!(cel[0].object, expected.object);
        assert_eq!(
            cel[0].object.as_deref().unwrap()["metadata"]["managedFields"][0]["fieldsV1"],
            fields
        );
    }
}
