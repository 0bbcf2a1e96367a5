//! The scheduler's form of each `ManagedCluster` of the reflector store, converted once per
//! `resourceVersion` and shared by every reconcile (the conversion keeps the whole object for
//! CEL, which costs more than reading the store).

use crate::adapter::AdapterError;
use crate::model::ManagedCluster;
use ocm_api::cluster::v1;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Converted clusters by name, with the `resourceVersion` they were converted at.
#[derive(Debug, Default)]
pub(crate) struct ConvertedClusters {
    by_name: Mutex<HashMap<String, (String, Arc<ManagedCluster>)>>,
}

impl ConvertedClusters {
    /// The converted form of every cluster of `store`, reusing conversions of unchanged
    /// objects and forgetting clusters no longer in the store.
    pub(crate) fn convert(
        &self,
        store: &[Arc<v1::ManagedCluster>],
    ) -> Result<Vec<Arc<ManagedCluster>>, AdapterError> {
        let mut cache = self
            .by_name
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = Vec::with_capacity(store.len());
        let mut seen = std::collections::HashSet::with_capacity(store.len());
        for c in store {
            let name = c.metadata.name.as_deref().unwrap_or_default();
            let rv = c.metadata.resource_version.as_deref();
            seen.insert(name.to_owned());
            let cached = cache
                .get(name)
                .filter(|(v, _)| rv.is_some_and(|rv| rv == v))
                .map(|(_, m)| m.clone());
            let converted = match cached {
                Some(m) => m,
                None => {
                    let m = Arc::new(ManagedCluster::try_from(c.as_ref())?);
                    if let Some(rv) = rv {
                        cache.insert(name.to_owned(), (rv.to_owned(), m.clone()));
                    }
                    m
                }
            };
            out.push(converted);
        }
        if cache.len() > seen.len() {
            cache.retain(|name, _| seen.contains(name));
        }
        Ok(out)
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
            .convert(&[cluster("a", "1", "x"), cluster("b", "1", "x")])
            .unwrap();
        let again = cache
            .convert(&[cluster("a", "1", "x"), cluster("b", "2", "y")])
            .unwrap();
        assert!(Arc::ptr_eq(&first[0], &again[0]));
        assert!(!Arc::ptr_eq(&first[1], &again[1]));
        assert_eq!(again[1].labels["env"], "y");
        cache.convert(&[cluster("b", "2", "y")]).unwrap();
        assert_eq!(cache.by_name.lock().unwrap().len(), 1);
    }
}
