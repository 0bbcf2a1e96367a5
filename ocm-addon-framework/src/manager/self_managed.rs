//! `addon.open-cluster-management.io/lifecycle: self`: the Go hub's addon-manager leaves such an
//! add-on alone, so this manager does the minimum it would do — create a ManagedClusterAddOn in
//! each cluster the install strategy's placements decide (and remove those no longer decided),
//! give each the desired configs (the placement's configs, else the supported configs'
//! defaults) with their spec hashes, and mark them applied once the works carry them and are
//! ready. Every decided cluster gets the new configs at once: rollout strategies are not applied.

use std::collections::BTreeSet;

use kube::Api;
use kube::Resource;
use kube::api::{DeleteParams, ListParams, ObjectMeta, Patch, PatchParams};
use ocm_api::addon::v1alpha1::{
    AddOnConfig, ClusterManagementAddOn, ConfigReference, ConfigSpecHash, ManagedClusterAddOn,
};
use ocm_api::annotations::{ADDON_LIFECYCLE, addon_lifecycle};
use ocm_api::cluster::v1beta1::PlacementDecision;
use ocm_api::conditions::{self, status as cstatus};
use ocm_api::labels;
use ocm_api::work::v1::ManifestWork;
use serde_json::json;
use tracing::info;

use super::config_hash::hash_of;
use super::{Context, FIELD_MANAGER, Registered};
use crate::error::Result;

/// Whether the ClusterManagementAddOn asks its own manager to install it.
pub(crate) fn is_self_managed(cma: &ClusterManagementAddOn) -> bool {
    cma.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ADDON_LIFECYCLE))
        .is_some_and(|v| v == addon_lifecycle::SELF)
}

/// Installs by placement and records desired configs.
pub(crate) async fn install(
    ctx: &Context,
    registered: &Registered,
    cma: &ClusterManagementAddOn,
) -> Result<()> {
    let name = cma.metadata.name.clone().unwrap_or_default();
    let client = &ctx.client;
    let kinds = super::config_hash::kinds(registered);
    let strategy = cma.spec.install_strategy.clone().unwrap_or_default();
    let mut wanted: Vec<(String, Vec<AddOnConfig>)> = Vec::new();
    for p in &strategy.placements {
        let decisions: Api<PlacementDecision> =
            Api::namespaced(client.clone(), &p.placement_ref.namespace);
        let lp = ListParams::default().labels(&format!(
            "{}={}",
            labels::PLACEMENT,
            p.placement_ref.name
        ));
        for d in decisions.list(&lp).await?.items {
            for c in d.status.map(|s| s.decisions).unwrap_or_default() {
                if !wanted.iter().any(|(n, _)| *n == c.cluster_name) {
                    wanted.push((c.cluster_name, p.configs.clone()));
                }
            }
        }
    }
    let defaults: Vec<AddOnConfig> = cma
        .spec
        .supported_configs
        .iter()
        .filter_map(|m| {
            Some(AddOnConfig {
                config_group_resource: m.config_group_resource.clone(),
                config_referent: m.default_config.clone()?,
            })
        })
        .collect();
    let owner = cma.controller_owner_ref(&());
    let pp = PatchParams::apply(FIELD_MANAGER).force();
    for (cluster, configs) in &wanted {
        let api: Api<ManagedClusterAddOn> = Api::namespaced(client.clone(), cluster);
        let mca = json!({
            "apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ManagedClusterAddOn",
            "metadata": ObjectMeta { name: Some(name.clone()), owner_references: owner.clone().map(|o| vec![o]), ..Default::default() },
            "spec": {},
        });
        let mca = api.patch(&name, &pp, &Patch::Apply(&mca)).await?;
        let configs = if configs.is_empty() {
            &defaults
        } else {
            configs
        };
        let old = mca.status.clone().unwrap_or_default().config_references;
        let mut refs = Vec::new();
        for c in configs {
            let hash =
                hash_of(client, &kinds, &c.config_group_resource, &c.config_referent).await?;
            let desired = ConfigSpecHash {
                config_referent: c.config_referent.clone(),
                spec_hash: hash.as_ref().map(|h| h.0.clone()).unwrap_or_default(),
            };
            let last = old
                .iter()
                .find(|r| r.config_group_resource == c.config_group_resource)
                .and_then(|r| r.last_applied_config.clone());
            refs.push(ConfigReference {
                config_group_resource: c.config_group_resource.clone(),
                config_referent: c.config_referent.clone(),
                last_observed_generation: hash.map(|h| h.1).unwrap_or_default(),
                desired_config: Some(desired),
                last_applied_config: last,
            });
        }
        if refs != old {
            let body = json!({"metadata": {"resourceVersion": mca.metadata.resource_version}, "status": {"configReferences": refs}});
            api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&body))
                .await?;
        }
    }
    // Remove the add-on from clusters no longer decided.
    let all: Api<ManagedClusterAddOn> = Api::all(client.clone());
    let keep: BTreeSet<&str> = wanted.iter().map(|(c, _)| c.as_str()).collect();
    for mca in all
        .list(&ListParams::default().fields(&format!("metadata.name={name}")))
        .await?
        .items
    {
        let ns = mca.metadata.namespace.clone().unwrap_or_default();
        let ours = mca
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|o| Some(&o.uid) == cma.metadata.uid.as_ref());
        if ours && !keep.contains(ns.as_str()) {
            info!(addon = %name, cluster = %ns, "no longer decided: uninstalling");
            Api::<ManagedClusterAddOn>::namespaced(client.clone(), &ns)
                .delete(&name, &DeleteParams::default())
                .await?;
        }
    }
    Ok(())
}

/// The hub's `addonprogressing` rule, for a self-managed add-on: once every deploy work carries
/// the desired config hashes and is applied and available (at its generation), the desired
/// configs become the last applied ones. Returns the new references when they change.
pub(crate) fn last_applied(
    addon: &ManagedClusterAddOn,
    works: &[ManifestWork],
    hashes: &std::collections::BTreeMap<String, String>,
) -> Option<Vec<ConfigReference>> {
    let refs = addon.status.as_ref()?.config_references.clone();
    if refs.is_empty()
        || works.is_empty()
        || refs.iter().any(|r| {
            r.desired_config
                .as_ref()
                .is_none_or(|d| d.spec_hash.is_empty())
        })
    {
        return None;
    }
    let ready = works.iter().all(|w| {
        let carried: std::collections::BTreeMap<String, String> = w
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(ocm_api::annotations::CONFIG_SPEC_HASH))
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let generation = w.metadata.generation;
        let cond = |t: &str| {
            w.status.as_ref().is_some_and(|s| {
                s.conditions.iter().any(|c| {
                    c.type_ == t && c.status == cstatus::TRUE && c.observed_generation == generation
                })
            })
        };
        carried == *hashes && cond(conditions::WORK_APPLIED) && cond(conditions::WORK_AVAILABLE)
    });
    if !ready {
        return None;
    }
    let new: Vec<ConfigReference> = refs
        .iter()
        .cloned()
        .map(|mut r| {
            r.last_applied_config = r.desired_config.clone();
            r
        })
        .collect();
    (new != refs).then_some(new)
}
