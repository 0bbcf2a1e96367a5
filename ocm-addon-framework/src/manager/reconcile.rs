//! One ManagedClusterAddOn of a registered add-on: configs, manifests, works, registration,
//! health, status.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::rbac::v1::{Role, RoleBinding, RoleRef, Subject as RbacSubject};
use kube::Api;
use kube::api::{ListParams, ObjectMeta, Patch, PatchParams};
use kube::runtime::controller::Action;
use ocm_api::addon::v1alpha1::{HealthCheck, ManagedClusterAddOn};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::conditions::{self, reasons, status as cstatus};
use ocm_api::work::v1::ManifestWork;
use ocm_api::{annotations, finalizers, labels};
use ocm_client::work::{ApplyParams, ManifestWorks};
use serde_json::{Value, json};
use tracing::{Instrument, debug, info};

use super::configs::{self, ConfigProblem};
use super::status::{OwnedStatus, condition, patch, set_condition};
use super::{Context, FIELD_MANAGER, Registered};
use crate::addon::{AddonContext, ResolvedConfigs, config_key};
use crate::error::{Error, Result};
use crate::health;
use crate::registration::{Permission, default_groups};
use crate::render::{self, RenderedWorks, deploy_work_prefix, pre_delete_work_name};

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

    let rendered = render_works(registered, &actx, &addon, &configs);
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
        return delete_hook(&ctx, &api, &works, &addon, rendered).await;
    }

    hooks(registered, &actx, &existing, &rendered);
    let applied = apply_works(&ctx, &works, &existing, &rendered, &name).await;
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
        ensure_finalizer(&api, &addon).await?;
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
            apply_permission(&ctx, permission, &addon).await?;
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
    Ok(Action::requeue(REQUEUE))
}

/// Manifests and pre-delete manifests, rendered into works; `Err` is the condition message.
fn render_works(
    registered: &Registered,
    actx: &AddonContext<'_>,
    addon: &ManagedClusterAddOn,
    _configs: &ResolvedConfigs,
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
    ctx: &Context,
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
    let _ = ctx;
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

async fn ensure_finalizer(
    api: &Api<ManagedClusterAddOn>,
    addon: &ManagedClusterAddOn,
) -> Result<()> {
    let has = addon
        .metadata
        .finalizers
        .as_ref()
        .is_some_and(|f| f.iter().any(|f| f == finalizers::ADDON_PRE_DELETE));
    if has {
        return Ok(());
    }
    let mut list = addon.metadata.finalizers.clone().unwrap_or_default();
    list.push(finalizers::ADDON_PRE_DELETE.to_string());
    let body = json!({"metadata": {"finalizers": list, "resourceVersion": addon.metadata.resource_version}});
    api.patch(
        addon.metadata.name.as_deref().unwrap_or_default(),
        &PatchParams::default(),
        &Patch::Merge(&body),
    )
    .await?;
    Ok(())
}

/// Deleting: run the pre-delete work to completion, then drop the finalizer (the deploy works,
/// the hook work and the RBAC are owned by the ManagedClusterAddOn and collected with it).
async fn delete_hook(
    ctx: &Context,
    api: &Api<ManagedClusterAddOn>,
    works: &ManifestWorks,
    addon: &ManagedClusterAddOn,
    rendered: RenderedWorks,
) -> Result<Action> {
    let Some(finalizers) = addon.metadata.finalizers.as_ref() else {
        return Ok(Action::await_change());
    };
    if !finalizers.iter().any(|f| f == finalizers::ADDON_PRE_DELETE) {
        return Ok(Action::await_change());
    }
    if let Some(hook) = &rendered.pre_delete {
        let params = ApplyParams::default().field_manager(FIELD_MANAGER).force();
        let applied = works.apply(hook, &params).await?;
        if !hook_completed(&applied) {
            debug!("waiting for the pre-delete work to complete");
            return Ok(Action::requeue(SHORT));
        }
        let name = pre_delete_work_name(addon.metadata.name.as_deref().unwrap_or_default());
        works.delete(&name, &Default::default()).await?;
    }
    let rest: Vec<&String> = finalizers
        .iter()
        .filter(|f| *f != finalizers::ADDON_PRE_DELETE)
        .collect();
    let body = json!({"metadata": {"finalizers": rest, "resourceVersion": addon.metadata.resource_version}});
    api.patch(
        addon.metadata.name.as_deref().unwrap_or_default(),
        &PatchParams::default(),
        &Patch::Merge(&body),
    )
    .await?;
    let _ = ctx;
    Ok(Action::await_change())
}

/// Go's `hookWorkIsCompleted`: the work is available and every Job reports `JobComplete=True`,
/// every Pod `PodPhase=Succeeded`.
fn hook_completed(work: &ManifestWork) -> bool {
    let Some(status) = &work.status else {
        return false;
    };
    if !status
        .conditions
        .iter()
        .any(|c| c.type_ == conditions::WORK_AVAILABLE && c.status == cstatus::TRUE)
    {
        return false;
    }
    let values = |id: &ocm_api::work::v1::ResourceIdentifier| {
        status
            .resource_status
            .manifests
            .iter()
            .find(|m| ocm_client::work::resource_matches(&m.resource_meta, id))
    };
    !work.spec.manifest_configs.is_empty()
        && work.spec.manifest_configs.iter().all(|mc| {
            let (field, want) = match mc.resource_identifier.resource.as_str() {
                "jobs" => ("JobComplete", "True"),
                "pods" => ("PodPhase", "Succeeded"),
                _ => return false,
            };
            values(&mc.resource_identifier).is_some_and(|m| {
                m.status_feedbacks
                    .values
                    .iter()
                    .any(|v| v.name == field && v.value.string.as_deref() == Some(want))
            })
        })
}

/// The permission step: Role and RoleBinding in the cluster's namespace, owned by the add-on.
async fn apply_permission(
    ctx: &Context,
    permission: &Permission,
    addon: &ManagedClusterAddOn,
) -> Result<()> {
    let ns = addon.metadata.namespace.clone().unwrap_or_default();
    let addon_name = addon.metadata.name.clone().unwrap_or_default();
    let name = Permission::name(&addon_name);
    let meta = ObjectMeta {
        name: Some(name.clone()),
        namespace: Some(ns.clone()),
        owner_references: render::owner_reference(addon).map(|o| vec![o]),
        labels: Some([(labels::ADDON_NAME.to_string(), addon_name.clone())].into()),
        ..Default::default()
    };
    let role = Role {
        metadata: meta.clone(),
        rules: Some(permission.rules.clone()),
    };
    let group = default_groups(&ns, &addon_name).remove(0);
    let binding = RoleBinding {
        metadata: meta,
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: name.clone(),
        },
        subjects: Some(vec![RbacSubject {
            api_group: Some("rbac.authorization.k8s.io".into()),
            kind: "Group".into(),
            name: group,
            namespace: None,
        }]),
    };
    let pp = PatchParams::apply(FIELD_MANAGER).force();
    let roles: Api<Role> = Api::namespaced(ctx.client.clone(), &ns);
    roles
        .patch(&name, &pp, &Patch::Apply(with_types(&role, "Role")?))
        .await?;
    let bindings: Api<RoleBinding> = Api::namespaced(ctx.client.clone(), &ns);
    bindings
        .patch(
            &name,
            &pp,
            &Patch::Apply(with_types(&binding, "RoleBinding")?),
        )
        .await?;
    Ok(())
}

fn with_types<T: serde::Serialize>(object: &T, kind: &str) -> Result<Value> {
    let mut v = serde_json::to_value(object).map_err(Error::Json)?;
    v["apiVersion"] = json!("rbac.authorization.k8s.io/v1");
    v["kind"] = json!(kind);
    Ok(v)
}
