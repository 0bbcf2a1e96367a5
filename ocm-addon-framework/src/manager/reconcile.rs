//! One ManagedClusterAddOn of a registered add-on: configs, manifests, works, registration,
//! health, status.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kube::Api;
use kube::api::ListParams;
use kube::runtime::controller::Action;
use ocm_api::addon::v1alpha1::{HealthCheck, ManagedClusterAddOn};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::conditions::{self, reasons, status as cstatus};
use ocm_api::work::v1::ManifestWork;
use ocm_api::{annotations, labels};
use ocm_client::work::{ApplyParams, ManifestWorks};
use serde_json::json;
use tracing::{Instrument, debug, info};

use super::configs::{self, ConfigProblem};
use super::status::{OwnedStatus, condition, patch, set_condition};
use super::{Context, FIELD_MANAGER, Registered, steps};
use crate::addon::{AddonContext, config_key};
use crate::error::Result;
use crate::health;
use crate::render::{self, RenderedWorks, deploy_work_prefix};

/// Condition type this manager sets when it refuses an add-on CSR.
pub const CSR_APPROVAL: &str = "CSRApproval";
const REQUEUE: Duration = Duration::from_secs(300);
const SHORT: Duration = Duration::from_secs(5);

pub(crate) async fn reconcile(
    addon: Arc<ManagedClusterAddOn>,
    ctx: Arc<Context>,
) -> Result<Action> {
    let name = addon.metadata.name.clone().unwrap_or_default();
    let cluster_name = addon.metadata.namespace.clone().unwrap_or_default();
    let span = tracing::info_span!("addon", addon = %name, cluster = %cluster_name);
    sync(addon, ctx).instrument(span).await
}

async fn sync(addon: Arc<ManagedClusterAddOn>, ctx: Arc<Context>) -> Result<Action> {
    let name = addon.metadata.name.clone().unwrap_or_default();
    let Some(registered) = ctx.addons.get(&name) else {
        return Ok(Action::await_change());
    };
    let cluster_name = addon.metadata.namespace.clone().unwrap_or_default();
    let clusters: Api<ManagedCluster> = Api::all(ctx.client.clone());
    let Some(cluster) = clusters.get_opt(&cluster_name).await? else {
        debug!("no ManagedCluster for this namespace");
        return Ok(Action::await_change());
    };
    let api: Api<ManagedClusterAddOn> = Api::namespaced(ctx.client.clone(), &cluster_name);
    let works = ManifestWorks::new(ctx.client.clone(), &cluster_name);
    let existing = works
        .api()
        .list(&ListParams::default().labels(&format!("{}={name}", labels::ADDON_NAME)))
        .await?
        .items;

    let options = &registered.options;
    let mut status = OwnedStatus::of(&addon);
    status.supported_configs = options
        .supported_configs
        .iter()
        .map(|k| k.group_resource())
        .collect();
    status.health_check = HealthCheck {
        mode: Some(options.health.mode()),
    };
    status.registrations = options
        .registration
        .iter()
        .map(|r| r.config_for(&cluster_name, &name))
        .collect();

    let configs = match configs::resolve(&ctx.client, options, &addon).await {
        Ok(c) => c,
        Err(ConfigProblem::Pending(why)) => {
            debug!(%why, "waiting for the hub to record the config's new spec hash");
            return Ok(Action::requeue(SHORT));
        }
        Err(ConfigProblem::Kube(e)) => return Err(e.into()),
        Err(ConfigProblem::Bad { reason, message }) => {
            info!(%reason, %message, "config problem");
            let c = condition(
                conditions::ADDON_MANIFEST_APPLIED,
                cstatus::FALSE,
                reason,
                message,
            );
            set_condition(&mut status.conditions, c);
            patch(&api, &addon, &status).await?;
            return Ok(Action::requeue(Duration::from_secs(30)));
        }
    };
    let install_namespace = options.install_namespace.resolve(&addon, &configs);
    status.namespace = Some(install_namespace.clone());
    let actx = AddonContext {
        cluster: &cluster,
        addon: &addon,
        install_namespace: &install_namespace,
        configs: &configs,
    };

    let rendered = render_works(registered, &actx, &addon);
    let rendered = match rendered {
        Ok(r) => r,
        Err(message) => {
            info!(%message, "cannot render");
            let c = condition(
                conditions::ADDON_MANIFEST_APPLIED,
                cstatus::FALSE,
                reasons::ADDON_WORK_APPLY_FAILED,
                message,
            );
            set_condition(&mut status.conditions, c);
            patch(&api, &addon, &status).await?;
            return Ok(Action::requeue(Duration::from_secs(60)));
        }
    };

    if addon.metadata.deletion_timestamp.is_some() {
        return steps::delete_hook(&api, &works, &addon, rendered).await;
    }

    hooks(registered, &actx, &existing, &rendered);
    let applied = apply_works(&works, &existing, &rendered, &name).await;
    let applied = match applied {
        Ok(a) => a,
        Err(e) => {
            let c = condition(
                conditions::ADDON_MANIFEST_APPLIED,
                cstatus::FALSE,
                reasons::ADDON_WORK_APPLY_FAILED,
                format!("failed to apply manifestWork: {e}"),
            );
            set_condition(&mut status.conditions, c);
            patch(&api, &addon, &status).await?;
            return Err(e);
        }
    };
    if rendered.pre_delete.is_some() {
        steps::ensure_finalizer(&api, &addon).await?;
    }
    manifest_applied(&mut status.conditions, &applied);

    if status
        .conditions
        .iter()
        .any(|c| c.type_ == conditions::ADDON_MANIFEST_APPLIED)
    {
        let manifests = registered.addon.manifests(&actx).unwrap_or_default();
        if let Some(c) = health::probe(&options.health, &manifests, &applied, &cluster, &addon) {
            set_condition(&mut status.conditions, c);
        }
    }

    if let Some(registration) = &options.registration {
        if let Some(permission) = &registration.permission {
            steps::apply_permission(&ctx, permission, &addon).await?;
        }
        let refused = super::csr::handle(&ctx.client, registration, &cluster, &addon).await?;
        if let Some((csr, why)) = refused.last() {
            let c = condition(
                CSR_APPROVAL,
                cstatus::FALSE,
                "CSRRefused",
                format!("csr {csr}: {why}"),
            );
            set_condition(&mut status.conditions, c);
        }
    }
    patch(&api, &addon, &status).await?;
    self_managed_last_applied(&ctx, &api, &name, &applied).await?;
    Ok(Action::requeue(REQUEUE))
}

/// Manifests and pre-delete manifests, rendered into works; `Err` is the condition message.
fn render_works(
    registered: &Registered,
    actx: &AddonContext<'_>,
    addon: &ManagedClusterAddOn,
) -> std::result::Result<RenderedWorks, String> {
    let mut manifests = registered
        .addon
        .manifests(actx)
        .map_err(|e| format!("failed to get manifest from agent interface: {e}"))?;
    let hooks = registered
        .addon
        .pre_delete(actx)
        .map_err(|e| format!("failed to get pre-delete manifests: {e}"))?;
    for mut hook in hooks {
        hook["metadata"]["annotations"][annotations::ADDON_PRE_DELETE_HOOK] = json!("");
        manifests.push(hook);
    }
    render::build_works(&registered.options, addon, manifests, &spec_hashes(addon))
        .map_err(|e| format!("failed to build manifestwork: {e}"))
}

/// Go's `ConfigsToMap` over `status.configReferences`.
fn spec_hashes(addon: &ManagedClusterAddOn) -> BTreeMap<String, String> {
    let refs = addon
        .status
        .as_ref()
        .map(|s| s.config_references.as_slice())
        .unwrap_or_default();
    refs.iter()
        .filter_map(|r| {
            let d = r.desired_config.as_ref()?;
            let ns = d.config_referent.namespace.as_deref().unwrap_or_default();
            Some((
                config_key(&r.config_group_resource, ns, &d.config_referent.name),
                d.spec_hash.clone(),
            ))
        })
        .collect()
}

fn work_hashes(work: &ManifestWork) -> BTreeMap<String, String> {
    work.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(annotations::CONFIG_SPEC_HASH))
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// The visible lifecycle hooks: install when no deploy work exists yet, upgrade when the
/// config spec hashes the works carry change.
fn hooks(
    registered: &Registered,
    actx: &AddonContext<'_>,
    existing: &[ManifestWork],
    rendered: &RenderedWorks,
) {
    let prefix = deploy_work_prefix(registered.options.name());
    let current: Vec<&ManifestWork> = existing
        .iter()
        .filter(|w| {
            w.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    let Some(new) = rendered.deploy.first() else {
        return;
    };
    match current.first() {
        None => {
            info!("installing");
            registered.addon.on_install(actx);
        }
        Some(old) => {
            let (from, to) = (work_hashes(old), work_hashes(new));
            if from != to {
                info!(?from, ?to, "upgrading");
                registered.addon.on_upgrade(actx, &from, &to);
            }
        }
    }
}

async fn apply_works(
    works: &ManifestWorks,
    existing: &[ManifestWork],
    rendered: &RenderedWorks,
    name: &str,
) -> Result<Vec<ManifestWork>> {
    let params = ApplyParams::default().field_manager(FIELD_MANAGER).force();
    let mut applied = Vec::new();
    for work in &rendered.deploy {
        applied.push(works.apply(work, &params).await?);
    }
    let prefix = deploy_work_prefix(name);
    for stale in existing {
        let n = stale.metadata.name.clone().unwrap_or_default();
        if n.starts_with(&prefix)
            && !rendered
                .deploy
                .iter()
                .any(|w| w.metadata.name.as_deref() == Some(&n))
        {
            info!(work = %n, "deleting a deploy work no longer needed");
            works.delete(&n, &Default::default()).await?;
        }
    }
    Ok(applied)
}

/// Go's `applyWork` over every deploy work: True when all are applied, False when one failed.
fn manifest_applied(
    conds: &mut Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition>,
    works: &[ManifestWork],
) {
    let applied = |w: &ManifestWork| {
        w.status
            .as_ref()
            .and_then(|s| {
                s.conditions
                    .iter()
                    .find(|c| c.type_ == conditions::WORK_APPLIED)
            })
            .map(|c| c.status.clone())
    };
    let states: Vec<Option<String>> = works.iter().map(applied).collect();
    let c = if works.is_empty() {
        condition(
            conditions::ADDON_MANIFEST_APPLIED,
            cstatus::TRUE,
            reasons::ADDON_MANIFEST_APPLIED,
            "no manifest need to apply",
        )
    } else if states.iter().any(|s| s.as_deref() == Some(cstatus::FALSE)) {
        condition(
            conditions::ADDON_MANIFEST_APPLIED,
            cstatus::FALSE,
            reasons::ADDON_MANIFEST_APPLIED_FAILED,
            "failed to apply the manifests of addon",
        )
    } else if states.iter().all(|s| s.as_deref() == Some(cstatus::TRUE)) {
        condition(
            conditions::ADDON_MANIFEST_APPLIED,
            cstatus::TRUE,
            reasons::ADDON_MANIFEST_APPLIED,
            "manifests of addon are applied successfully",
        )
    } else {
        // Not reported yet: drop a stale False, keep a True.
        conds.retain(|c| {
            !(c.type_ == conditions::ADDON_MANIFEST_APPLIED && c.status == cstatus::FALSE)
        });
        return;
    };
    set_condition(conds, c);
}

/// For a self-managed add-on (no hub addon-manager), records the applied configs.
async fn self_managed_last_applied(
    ctx: &Context,
    api: &Api<ManagedClusterAddOn>,
    name: &str,
    works: &[ManifestWork],
) -> Result<()> {
    let cmas: Api<ocm_api::addon::v1alpha1::ClusterManagementAddOn> = Api::all(ctx.client.clone());
    let Some(cma) = cmas.get_opt(name).await? else {
        return Ok(());
    };
    if !super::self_managed::is_self_managed(&cma) {
        return Ok(());
    }
    let Some(fresh) = api.get_opt(name).await? else {
        return Ok(());
    };
    if let Some(refs) = super::self_managed::last_applied(&fresh, works, &spec_hashes(&fresh)) {
        info!("self-managed: configs applied");
        let body = json!({"metadata": {"resourceVersion": fresh.metadata.resource_version}, "status": {"configReferences": refs}});
        api.patch_status(
            name,
            &kube::api::PatchParams::default(),
            &kube::api::Patch::Merge(&body),
        )
        .await?;
    }
    Ok(())
}
