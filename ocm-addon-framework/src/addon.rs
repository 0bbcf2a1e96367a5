//! [`AgentAddon`]: what an add-on supplies (its manifests and visible lifecycle hooks), and the
//! [`AddonContext`] the manager renders it in.

use std::collections::BTreeMap;

use ocm_api::addon::v1alpha1::{AddOnDeploymentConfig, ConfigGroupResource, ManagedClusterAddOn};
use ocm_api::cluster::v1::ManagedCluster;
use serde::Serialize;
use serde_json::Value;

use crate::error::ManifestError;

/// An add-on: the manifests its agent needs on one managed cluster, and hooks the manager calls
/// as the add-on is installed, upgraded and removed there.
///
/// One required method, as Go's `AgentAddon.Manifests`; the knobs (registration, health, configs,
/// install namespace) live in [`AddonOptions`](crate::AddonOptions), not in more methods.
/// Methods are synchronous and should be pure functions of the context: the manager calls them
/// on every reconcile (level-triggered), so a hook may be called again after a restart.
///
/// ```
/// use ocm_addon_framework::{AddonContext, AgentAddon, ManifestError, manifest};
/// use k8s_openapi::api::core::v1::ConfigMap;
///
/// struct Hello;
/// impl AgentAddon for Hello {
///     fn manifests(&self, ctx: &AddonContext<'_>) -> Result<Vec<serde_json::Value>, ManifestError> {
///         let mut cm = ConfigMap::default();
///         cm.metadata.name = Some("hello".into());
///         cm.metadata.namespace = Some(ctx.install_namespace.to_string());
///         let greeting = ctx.configs.variable("greeting").unwrap_or("hello");
///         cm.data = Some([("greeting".to_string(), greeting.to_string())].into());
///         Ok(vec![manifest(&cm)?])
///     }
/// }
/// ```
pub trait AgentAddon: Send + Sync + 'static {
    /// The manifests for this cluster and add-on, rendered with the resolved configs. Manifests
    /// annotated `addon.open-cluster-management.io/addon-pre-delete` go to the pre-delete work
    /// instead (as Go's framework), as do those of [`pre_delete`](Self::pre_delete).
    ///
    /// An error is reported on this ManagedClusterAddOn only (condition `ManifestApplied=False`,
    /// reason `WorkApplyFailed`); the works already on the cluster stay as they are.
    fn manifests(&self, ctx: &AddonContext<'_>) -> Result<Vec<Value>, ManifestError>;

    /// Pre-delete hook: Jobs or Pods run on the cluster before the add-on is removed (the
    /// `addon-<name>-pre-delete` work). The ManagedClusterAddOn keeps its
    /// `addon.open-cluster-management.io/addon-pre-delete` finalizer until each has completed
    /// (a Job's `JobComplete` is `True`, a Pod's phase is `Succeeded`). Default: none.
    fn pre_delete(&self, ctx: &AddonContext<'_>) -> Result<Vec<Value>, ManifestError> {
        let _ = ctx;
        Ok(Vec::new())
    }

    /// Called when the manager creates the add-on's first deploy work on a cluster.
    fn on_install(&self, ctx: &AddonContext<'_>) {
        let _ = ctx;
    }

    /// Called when the manager updates the deploy works for a new set of configs (the config
    /// spec hashes, keyed as [`ResolvedConfigs::spec_hashes`], that the works carried and the
    /// ones they now carry).
    fn on_upgrade(
        &self,
        ctx: &AddonContext<'_>,
        from: &BTreeMap<String, String>,
        to: &BTreeMap<String, String>,
    ) {
        let _ = (ctx, from, to);
    }
}

/// Serializes a typed object (a `k8s_openapi` type, an `ocm_api` type, anything `Serialize`)
/// into a manifest.
pub fn manifest<T: Serialize + ?Sized>(object: &T) -> Result<Value, ManifestError> {
    serde_json::to_value(object).map_err(|source| ManifestError::Serialize { index: 0, source })
}

/// Where an add-on is rendered: one managed cluster, its ManagedClusterAddOn, the namespace the
/// agent installs into and the configs the hub chose for it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AddonContext<'a> {
    /// The managed cluster.
    pub cluster: &'a ManagedCluster,
    /// The add-on's ManagedClusterAddOn in the cluster's namespace on the hub.
    pub addon: &'a ManagedClusterAddOn,
    /// The agent's namespace on the managed cluster (see [`InstallNamespace`](crate::InstallNamespace)).
    pub install_namespace: &'a str,
    /// The desired configs of `status.configReferences`, fetched.
    pub configs: &'a ResolvedConfigs,
}

impl AddonContext<'_> {
    /// The managed cluster's name.
    pub fn cluster_name(&self) -> &str {
        self.cluster.metadata.name.as_deref().unwrap_or_default()
    }

    /// The add-on's name.
    pub fn addon_name(&self) -> &str {
        self.addon.metadata.name.as_deref().unwrap_or_default()
    }
}

/// One desired config, fetched from the hub.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ResolvedConfig {
    /// Its group and resource.
    pub group_resource: ConfigGroupResource,
    /// Its namespace (`None` for a cluster-scoped config).
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// The spec hash the hub recorded as desired (equal to [`spec_hash`](fn@crate::spec_hash) of
    /// `object`: the manager waits otherwise).
    pub spec_hash: String,
    /// The whole object as the server returned it.
    pub object: Value,
}

impl ResolvedConfig {
    /// Go's key for this config in the work annotation `open-cluster-management.io/config-spec-hash`:
    /// `<resource>[.<group>]/<namespace>/<name>`.
    pub fn key(&self) -> String {
        config_key(
            &self.group_resource,
            self.namespace.as_deref().unwrap_or_default(),
            &self.name,
        )
    }
}

/// Go's `ConfigsToMap` key: `<resource>[.<group>]/<namespace>/<name>`.
pub(crate) fn config_key(gr: &ConfigGroupResource, namespace: &str, name: &str) -> String {
    let mut key = gr.resource.clone();
    if !gr.group.is_empty() {
        key.push('.');
        key.push_str(&gr.group);
    }
    format!("{key}/{namespace}/{name}")
}

/// The desired configs of a ManagedClusterAddOn, fetched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedConfigs {
    items: Vec<ResolvedConfig>,
}

impl ResolvedConfigs {
    /// From fetched configs.
    pub fn new(items: Vec<ResolvedConfig>) -> Self {
        ResolvedConfigs { items }
    }

    /// Every config.
    pub fn iter(&self) -> impl Iterator<Item = &ResolvedConfig> {
        self.items.iter()
    }

    /// The first config of this group and resource.
    pub fn get(&self, group: &str, resource: &str) -> Option<&ResolvedConfig> {
        self.items
            .iter()
            .find(|c| c.group_resource.group == group && c.group_resource.resource == resource)
    }

    /// The AddOnDeploymentConfig, when one is desired and decodes.
    pub fn deployment_config(&self) -> Option<AddOnDeploymentConfig> {
        self.get(ocm_api::addon::GROUP, "addondeploymentconfigs")
            .and_then(|c| serde_json::from_value(c.object.clone()).ok())
    }

    /// A `spec.customizedVariables` value of the AddOnDeploymentConfig.
    pub fn variable(&self, name: &str) -> Option<&str> {
        let config = self.get(ocm_api::addon::GROUP, "addondeploymentconfigs")?;
        config.object["spec"]["customizedVariables"]
            .as_array()?
            .iter()
            .find(|v| v["name"] == name)?["value"]
            .as_str()
    }

    /// The spec hashes keyed as Go's `ConfigsToMap` (what the deploy works carry in their
    /// `open-cluster-management.io/config-spec-hash` annotation).
    pub fn spec_hashes(&self) -> BTreeMap<String, String> {
        self.items
            .iter()
            .map(|c| (c.key(), c.spec_hash.clone()))
            .collect()
    }

    /// Whether there is no config.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
