//! Rendering: an add-on's manifests into the ManifestWorks upstream's framework would create
//! (names, labels, annotation, owner, manifest configs, per-work size budget). Pure.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use kube::Resource;
use ocm_api::addon::v1alpha1::ManagedClusterAddOn;
use ocm_api::work::v1::{ManifestConfigOption, ManifestWork};
use ocm_api::{annotations, labels};
use ocm_client::work::{ManifestWorkBuilder, manifest_identifier, rules};
use serde_json::Value;

use crate::options::AddonOptions;

/// Go: `constants.DeployWorkNamePrefix`: works are `addon-<name>-deploy-<i>`.
pub fn deploy_work_prefix(addon: &str) -> String {
    format!("addon-{addon}-deploy")
}

/// Go: `constants.PreDeleteHookWorkName`.
pub fn pre_delete_work_name(addon: &str) -> String {
    format!("addon-{addon}-pre-delete")
}

/// The works of one add-on on one cluster.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RenderedWorks {
    /// `addon-<name>-deploy-0`, `-1`, … (empty when there is no manifest to deploy).
    pub deploy: Vec<ManifestWork>,
    /// `addon-<name>-pre-delete`, when there are pre-delete manifests.
    pub pre_delete: Option<ManifestWork>,
}

/// Whether a manifest is a pre-delete hook (Go: `isPreDeleteHookObject`: the annotation, or the
/// deprecated label).
pub fn is_pre_delete(manifest: &Value) -> bool {
    let meta = &manifest["metadata"];
    meta["annotations"]
        .get(annotations::ADDON_PRE_DELETE_HOOK)
        .is_some()
        || meta["labels"]
            .get(labels::ADDON_PRE_DELETE_HOOK_DEPRECATED)
            .is_some()
}

/// Builds the works: manifests split by [`is_pre_delete`], the deploy ones over works within
/// upstream's budget (80 % of 500 KiB, [`ocm_client::work::budget`]), each labelled
/// `open-cluster-management.io/addon-name`, owned by the ManagedClusterAddOn (a controller
/// reference, so deleting it removes them), annotated with the config spec hashes when
/// `spec_hashes` is not empty (Go: `configsToAnnotations`), with the options' and the health
/// prober's manifest configs.
pub fn build_works(
    options: &AddonOptions,
    addon: &ManagedClusterAddOn,
    manifests: Vec<Value>,
    spec_hashes: &BTreeMap<String, String>,
) -> Result<RenderedWorks, ocm_client::work::BuildError> {
    let name = options.name();
    let cluster = addon.metadata.namespace.clone().unwrap_or_default();
    let (hooks, deploy): (Vec<Value>, Vec<Value>) = manifests.into_iter().partition(is_pre_delete);
    let owner = owner_reference(addon);

    let mut rendered = RenderedWorks {
        deploy: Vec::new(),
        pre_delete: None,
    };
    if !deploy.is_empty() {
        let mut builder = ManifestWorkBuilder::new(deploy_work_prefix(name));
        builder.namespace(&cluster).label(labels::ADDON_NAME, name);
        if !spec_hashes.is_empty() {
            let json = serde_json::to_string(spec_hashes).unwrap_or_default();
            builder.annotation(annotations::CONFIG_SPEC_HASH, json);
        }
        for config in manifest_configs(options, &deploy) {
            builder.manifest_config(config);
        }
        builder.manifests(deploy.iter());
        rendered.deploy = builder.build_split()?;
    }
    if !hooks.is_empty() {
        let mut builder = ManifestWorkBuilder::new(pre_delete_work_name(name));
        builder.namespace(&cluster).label(labels::ADDON_NAME, name);
        for id in hooks.iter().filter_map(manifest_identifier) {
            builder.feedback(id, rules::well_known_status());
        }
        builder.manifests(hooks.iter());
        rendered.pre_delete = Some(builder.build()?);
    }
    for work in rendered
        .deploy
        .iter_mut()
        .chain(rendered.pre_delete.as_mut())
    {
        work.metadata.owner_references = owner.clone().map(|o| vec![o]);
    }
    Ok(rendered)
}

/// Go's `getManifestConfigOption`: the prober's fields first, then the options' configs, merged
/// into an entry with the same identifier.
fn manifest_configs(options: &AddonOptions, manifests: &[Value]) -> Vec<ManifestConfigOption> {
    let mut configs: Vec<ManifestConfigOption> = options
        .health
        .probe_fields(manifests)
        .into_iter()
        .map(|f| {
            let mut c = ManifestConfigOption::new(f.resource_identifier);
            c.feedback_rules = f.probe_rules;
            c
        })
        .collect();
    for mc in &options.manifest_configs {
        match configs
            .iter_mut()
            .find(|c| c.resource_identifier == mc.resource_identifier)
        {
            Some(c) => {
                for rule in &mc.feedback_rules {
                    if !c.feedback_rules.contains(rule) {
                        c.feedback_rules.push(rule.clone());
                    }
                }
                if mc.update_strategy.is_some() {
                    c.update_strategy = mc.update_strategy.clone();
                }
            }
            None => configs.push(mc.clone()),
        }
    }
    configs
}

/// A controller reference to the ManagedClusterAddOn (`None` before it has a uid).
pub(crate) fn owner_reference(addon: &ManagedClusterAddOn) -> Option<OwnerReference> {
    addon.controller_owner_ref(&())
}
