//! [`ManifestWorkBuilder`]: a ManifestWork from typed objects, dynamic objects or JSON.

use std::collections::{BTreeMap, HashMap};

use kube::api::ObjectMeta;
use ocm_api::work::v1::{
    ConditionRule, DeleteOption, DeletePropagationPolicyType, FeedbackRule, Manifest,
    ManifestConfigOption, ManifestWork, ManifestWorkExecutor, ManifestWorkSpec, ManifestsTemplate,
    ResourceIdentifier, UpdateStrategy,
};
use serde::Serialize;
use serde_json::Value;

use super::BuildError;
use super::budget::{self, DEFAULT_BUDGET};
use super::identify::{id_matches, manifest_identifier};

/// Builds a [`ManifestWork`]: manifests, per-manifest configs, delete option and executor.
///
/// Setters take `&mut self` and return `&mut Self` (as `ignore::WalkBuilder`); nothing fails
/// until [`build`](Self::build) or [`build_split`](Self::build_split), which check every
/// manifest and report the first bad one by its index (the order of [`manifest`](Self::manifest)
/// calls).
///
/// ```
/// use k8s_openapi::api::core::v1::ConfigMap;
/// use ocm_api::work::v1::DeletePropagationPolicyType;
/// use ocm_client::work::{rules, resource_identifier, ManifestWorkBuilder};
///
/// let mut cm = ConfigMap::default();
/// cm.metadata.name = Some("settings".into());
/// cm.metadata.namespace = Some("default".into());
/// cm.data = Some([("mode".to_string(), "fast".to_string())].into());
///
/// let work = ManifestWorkBuilder::new("settings")
///     .namespace("cluster1")
///     .manifest(&cm)
///     .feedback(resource_identifier(&cm), rules::json_paths([("mode", ".data.mode")]))
///     .update_strategy(resource_identifier(&cm), rules::server_side_apply())
///     .delete_propagation(DeletePropagationPolicyType::Orphan)
///     .build()?;
/// assert_eq!(work.spec.workload.manifests.len(), 1);
/// assert_eq!(work.metadata.namespace.as_deref(), Some("cluster1"));
/// # Ok::<(), ocm_client::work::BuildError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ManifestWorkBuilder {
    name: String,
    namespace: Option<String>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    manifests: Vec<Result<Value, (usize, String)>>,
    configs: Vec<ManifestConfigOption>,
    delete_option: Option<DeleteOption>,
    executor: Option<ManifestWorkExecutor>,
    budget: usize,
}

impl ManifestWorkBuilder {
    /// A builder for a work named `name` (the prefix `name-<i>` of split works).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            namespace: None,
            labels: BTreeMap::new(),
            annotations: BTreeMap::new(),
            manifests: Vec::new(),
            configs: Vec::new(),
            delete_option: None,
            executor: None,
            budget: DEFAULT_BUDGET,
        }
    }

    /// The namespace of the work: the managed cluster's name. Optional here:
    /// [`ManifestWorks::apply`](super::ManifestWorks::apply) fills it in.
    pub fn namespace(&mut self, cluster: impl Into<String>) -> &mut Self {
        self.namespace = Some(cluster.into());
        self
    }

    /// Adds a label to the work (to every split work).
    pub fn label(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Adds an annotation to the work (to every split work).
    pub fn annotation(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.annotations.insert(key.into(), value.into());
        self
    }

    /// Adds a manifest: any serializable object with `apiVersion`, `kind` and `metadata.name` —
    /// a `k8s_openapi` type, a `kube::CustomResource`, a [`kube::api::DynamicObject`] (with its
    /// `types` set) or a [`serde_json::Value`].
    pub fn manifest<T: Serialize + ?Sized>(&mut self, object: &T) -> &mut Self {
        let index = self.manifests.len();
        self.manifests
            .push(serde_json::to_value(object).map_err(|e| (index, e.to_string())));
        self
    }

    /// Adds several manifests, in order.
    pub fn manifests<'a, T, I>(&mut self, objects: I) -> &mut Self
    where
        T: Serialize + 'a,
        I: IntoIterator<Item = &'a T>,
    {
        for object in objects {
            self.manifest(object);
        }
        self
    }

    /// Adds a manifest config as is (any identifier, `*` wildcards included).
    pub fn manifest_config(&mut self, config: ManifestConfigOption) -> &mut Self {
        self.configs.push(config);
        self
    }

    /// Adds a feedback rule for the resource `id` (to its config, created if needed).
    pub fn feedback(&mut self, id: ResourceIdentifier, rule: FeedbackRule) -> &mut Self {
        self.config_for(id).feedback_rules.push(rule);
        self
    }

    /// Sets the update strategy of the resource `id`.
    pub fn update_strategy(
        &mut self,
        id: ResourceIdentifier,
        strategy: UpdateStrategy,
    ) -> &mut Self {
        self.config_for(id).update_strategy = Some(strategy);
        self
    }

    /// Adds a condition rule for the resource `id`.
    pub fn condition_rule(&mut self, id: ResourceIdentifier, rule: ConditionRule) -> &mut Self {
        self.config_for(id).condition_rules.push(rule);
        self
    }

    /// Sets the delete option (what the agent does with the resources when the work goes).
    pub fn delete_option(&mut self, option: DeleteOption) -> &mut Self {
        self.delete_option = Some(option);
        self
    }

    /// Sets only the delete propagation policy (`Foreground` or `Orphan`).
    pub fn delete_propagation(&mut self, policy: DeletePropagationPolicyType) -> &mut Self {
        self.delete_option = Some(DeleteOption {
            propagation_policy: policy,
            ..DeleteOption::default()
        });
        self
    }

    /// Sets the executor: the identity the agent applies the manifests as.
    pub fn executor(&mut self, executor: ManifestWorkExecutor) -> &mut Self {
        self.executor = Some(executor);
        self
    }

    /// Sets the size budget per work in bytes, as upstream measures manifests
    /// (default [`DEFAULT_BUDGET`], see [`budget`](super::budget)).
    pub fn budget(&mut self, bytes: usize) -> &mut Self {
        self.budget = bytes;
        self
    }

    /// Builds one work named as given.
    ///
    /// # Errors
    ///
    /// A bad manifest (by index), no manifests, or [`BuildError::OverBudget`] when the
    /// manifests do not fit one work.
    pub fn build(&self) -> Result<ManifestWork, BuildError> {
        let manifests = self.checked_manifests()?;
        let sizes: Vec<usize> = manifests.iter().map(budget::manifest_size).collect();
        if let Some((index, &size)) = sizes.iter().enumerate().find(|(_, s)| **s >= self.budget) {
            return Err(BuildError::ManifestTooLarge {
                index,
                size,
                budget: self.budget,
            });
        }
        let size: usize = sizes.iter().sum();
        if size >= self.budget {
            return Err(BuildError::OverBudget {
                size,
                budget: self.budget,
            });
        }
        Ok(self.work(self.name.clone(), manifests, self.configs.clone()))
    }

    /// Builds as many works as the budget needs, named `<name>-0`, `<name>-1`, … (the add-on
    /// framework's convention, `-0` even when one work is enough, so names stay stable as the
    /// payload grows). See [`budget`](super::budget) for how manifests are spread.
    ///
    /// Each work carries the configs that match one of its manifests (their identifiers
    /// compared with plural names guessed from kinds); a config matching no manifest goes to
    /// every work, as upstream copies all configs to all works.
    ///
    /// # Errors
    ///
    /// A bad manifest (by index), no manifests, or one manifest alone over the budget.
    pub fn build_split(&self) -> Result<Vec<ManifestWork>, BuildError> {
        let manifests = self.checked_manifests()?;
        let sizes: Vec<usize> = manifests.iter().map(budget::manifest_size).collect();
        let groups = budget::split(&sizes, self.budget)?;
        let ids: Vec<Option<ResourceIdentifier>> = manifests
            .iter()
            .map(|m| manifest_identifier(m.as_value()))
            .collect();
        let orphans: Vec<bool> = self
            .configs
            .iter()
            .map(|c| {
                !ids.iter()
                    .flatten()
                    .any(|id| id_matches(id, &c.resource_identifier))
            })
            .collect();
        let mut slots: Vec<Option<Manifest>> = manifests.into_iter().map(Some).collect();
        let works = groups
            .into_iter()
            .enumerate()
            .map(|(i, group)| {
                let configs = self
                    .configs
                    .iter()
                    .zip(&orphans)
                    .filter(|(c, orphan)| {
                        **orphan
                            || group.iter().any(|m| {
                                ids[*m]
                                    .as_ref()
                                    .is_some_and(|id| id_matches(id, &c.resource_identifier))
                            })
                    })
                    .map(|(c, _)| c.clone())
                    .collect();
                let manifests = group.iter().filter_map(|m| slots[*m].take()).collect();
                self.work(format!("{}-{i}", self.name), manifests, configs)
            })
            .collect();
        Ok(works)
    }

    fn config_for(&mut self, id: ResourceIdentifier) -> &mut ManifestConfigOption {
        let at = match self
            .configs
            .iter()
            .position(|c| c.resource_identifier == id)
        {
            Some(at) => at,
            None => {
                self.configs.push(ManifestConfigOption::new(id));
                self.configs.len() - 1
            }
        };
        &mut self.configs[at]
    }

    fn work(
        &self,
        name: String,
        manifests: Vec<Manifest>,
        manifest_configs: Vec<ManifestConfigOption>,
    ) -> ManifestWork {
        let non_empty = |m: &BTreeMap<String, String>| (!m.is_empty()).then(|| m.clone());
        ManifestWork {
            metadata: ObjectMeta {
                name: Some(name),
                namespace: self.namespace.clone(),
                labels: non_empty(&self.labels),
                annotations: non_empty(&self.annotations),
                ..ObjectMeta::default()
            },
            spec: ManifestWorkSpec {
                workload: ManifestsTemplate { manifests },
                delete_option: self.delete_option.clone(),
                manifest_configs,
                executor: self.executor.clone(),
            },
            status: None,
        }
    }

    /// Every manifest checked as upstream's webhook does (plus apiVersion and kind, which the
    /// agent needs): an object with a name and no generateName, no duplicates.
    fn checked_manifests(&self) -> Result<Vec<Manifest>, BuildError> {
        if self.manifests.is_empty() {
            return Err(BuildError::Empty {
                name: self.name.clone(),
            });
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::with_capacity(self.manifests.len());
        for (index, manifest) in self.manifests.iter().enumerate() {
            let value = match manifest {
                Ok(value) => value,
                Err((index, message)) => {
                    return Err(BuildError::Encode {
                        index: *index,
                        source: <serde_json::Error as serde::ser::Error>::custom(message),
                    });
                }
            };
            let key = check_manifest(index, value)?;
            if let Some(first) = seen.insert(key.clone(), index) {
                return Err(BuildError::Duplicate {
                    first,
                    second: index,
                    key,
                });
            }
            out.push(Manifest::new(value.clone()));
        }
        Ok(out)
    }
}

/// Checks one manifest; returns its `apiVersion/kind/namespace/name` key.
fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn check_manifest(index: usize, value: &Value) -> Result<String, BuildError> {
    let Value::Object(object) = value else {
        let found = match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        return Err(BuildError::NotAnObject { index, found });
    };
    let meta = object.get("metadata");
    let api_version = text(object.get("apiVersion")).ok_or(BuildError::MissingField {
        index,
        field: "apiVersion",
    })?;
    let kind = text(object.get("kind")).ok_or(BuildError::MissingField {
        index,
        field: "kind",
    })?;
    if text(meta.and_then(|m| m.get("generateName"))).is_some() {
        return Err(BuildError::GenerateName { index });
    }
    let name = text(meta.and_then(|m| m.get("name"))).ok_or(BuildError::MissingField {
        index,
        field: "metadata.name",
    })?;
    let namespace = text(meta.and_then(|m| m.get("namespace"))).unwrap_or_default();
    Ok(format!("{api_version}/{kind}/{namespace}/{name}"))
}
