//! The spec hashes of desired configs, which the add-on's manager (not the hub) computes in
//! OCM: Go's `cmaconfig` controller (ClusterManagementAddOn `status.defaultConfigReferences` and
//! `status.installProgressions[].configReferences`) and `addonconfig` controller
//! (ManagedClusterAddOn `status.configReferences` of configs named in its `spec.configs`, with
//! `lastObservedGeneration`). The hub's addon-manager copies the ClusterManagementAddOn's hashes
//! to the ManagedClusterAddOns and rolls a change out from them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kube::Api;
use kube::api::{DynamicObject, ListParams, Patch, PatchParams};
use kube::discovery::ApiResource;
use kube::runtime::controller::Action;
use ocm_api::addon::v1alpha1::{
    ClusterManagementAddOn, ConfigGroupResource, ConfigReferent, ManagedClusterAddOn,
};
use serde_json::json;
use tracing::debug;

use super::Context;
use crate::error::Result;
use crate::spec_hash::spec_hash;

/// Fetches a config and hashes it; `None` when it does not exist (Go leaves the hash alone).
pub(crate) async fn hash_of(
    client: &kube::Client,
    kinds: &HashMap<ConfigGroupResource, ApiResource>,
    gr: &ConfigGroupResource,
    r: &ConfigReferent,
) -> Result<Option<(String, i64)>> {
    let Some(ar) = kinds.get(gr) else {
        return Ok(None);
    };
    let api: Api<DynamicObject> = match r.namespace.as_deref().filter(|n| !n.is_empty()) {
        Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
        None => Api::all_with(client.clone(), ar),
    };
    let Some(object) = api.get_opt(&r.name).await? else {
        return Ok(None);
    };
    let generation = object.metadata.generation.unwrap_or_default();
    let value = serde_json::to_value(&object)?;
    Ok(spec_hash(&value).ok().map(|h| (h, generation)))
}

/// The supported config kinds of an add-on, by group and resource.
pub(crate) fn kinds(registered: &super::Registered) -> HashMap<ConfigGroupResource, ApiResource> {
    registered
        .options
        .supported_configs
        .iter()
        .map(|k| (k.group_resource(), k.resource.clone()))
        .collect()
}

/// One ClusterManagementAddOn of a registered add-on: its hashes, then its
/// ManagedClusterAddOns' own-config hashes.
pub(crate) async fn reconcile(
    cma: Arc<ClusterManagementAddOn>,
    ctx: Arc<Context>,
) -> Result<Action> {
    let name = cma.metadata.name.clone().unwrap_or_default();
    let Some(registered) = ctx.addons.get(&name) else {
        return Ok(Action::await_change());
    };
    let kinds = kinds(registered);
    let client = &ctx.client;
    if super::self_managed::is_self_managed(&cma) {
        super::self_managed::install(&ctx, registered, &cma).await?;
    }

    if let Some(status) = &cma.status {
        let mut new = status.clone();
        for r in &mut new.default_config_references {
            if let Some(d) = r
                .desired_config
                .as_mut()
                .filter(|d| !d.config_referent.name.is_empty())
                && let Some((h, _)) =
                    hash_of(client, &kinds, &r.config_group_resource, &d.config_referent).await?
            {
                d.spec_hash = h;
            }
        }
        for p in &mut new.install_progressions {
            for r in &mut p.config_references {
                if let Some(d) = r
                    .desired_config
                    .as_mut()
                    .filter(|d| !d.config_referent.name.is_empty())
                    && let Some((h, _)) =
                        hash_of(client, &kinds, &r.config_group_resource, &d.config_referent)
                            .await?
                {
                    d.spec_hash = h;
                }
            }
        }
        if &new != status {
            debug!(addon = %name, "recording config spec hashes on the ClusterManagementAddOn");
            let body = json!({
                "metadata": {"resourceVersion": cma.metadata.resource_version},
                "status": {
                    "defaultConfigReferences": new.default_config_references,
                    "installProgressions": new.install_progressions,
                }
            });
            Api::<ClusterManagementAddOn>::all(client.clone())
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(&body))
                .await?;
        }
    }

    let mcas: Api<ManagedClusterAddOn> = Api::all(client.clone());
    for mca in mcas.list(&ListParams::default()).await?.items {
        if mca.metadata.name.as_deref() != Some(&name) {
            continue;
        }
        let Some(status) = &mca.status else { continue };
        let mut refs = status.config_references.clone();
        for r in &mut refs {
            let Some(d) = r.desired_config.as_mut() else {
                continue;
            };
            let Some((h, generation)) =
                hash_of(client, &kinds, &r.config_group_resource, &d.config_referent).await?
            else {
                continue;
            };
            r.last_observed_generation = generation;
            let own = mca.spec.configs.iter().any(|c| {
                c.config_group_resource == r.config_group_resource
                    && c.config_referent == d.config_referent
            });
            if own {
                d.spec_hash = h;
            }
        }
        if refs != status.config_references {
            let ns = mca.metadata.namespace.clone().unwrap_or_default();
            let body = json!({
                "metadata": {"resourceVersion": mca.metadata.resource_version},
                "status": {"configReferences": refs}
            });
            Api::<ManagedClusterAddOn>::namespaced(client.clone(), &ns)
                .patch_status(&name, &PatchParams::default(), &Patch::Merge(&body))
                .await?;
        }
    }
    Ok(Action::requeue(Duration::from_secs(300)))
}
