//! The manager's side steps: the pre-delete finalizer and hook work, the permission step.

use std::time::Duration;

use k8s_openapi::api::rbac::v1::{Role, RoleBinding, RoleRef, Subject as RbacSubject};
use kube::Api;
use kube::api::{ObjectMeta, Patch, PatchParams};
use kube::runtime::controller::Action;
use ocm_api::addon::v1alpha1::ManagedClusterAddOn;
use ocm_api::conditions::{self, status as cstatus};
use ocm_api::work::v1::ManifestWork;
use ocm_api::{finalizers, labels};
use ocm_client::work::{ApplyParams, ManifestWorks};
use serde_json::{Value, json};
use tracing::debug;

use super::{Context, FIELD_MANAGER};
use crate::error::{Error, Result};
use crate::registration::{Permission, default_groups};
use crate::render::{self, RenderedWorks, pre_delete_work_name};

const SHORT: Duration = Duration::from_secs(5);

pub(super) async fn ensure_finalizer(
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
pub(super) async fn delete_hook(
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
pub(super) async fn apply_permission(
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
