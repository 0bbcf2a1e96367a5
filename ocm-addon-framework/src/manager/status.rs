//! The ManagedClusterAddOn status fields the manager owns, and how it writes them.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::Api;
use kube::api::{Patch, PatchParams};
use ocm_api::addon::v1alpha1::{
    ConfigGroupResource, HealthCheck, ManagedClusterAddOn, ManagedClusterAddOnStatus,
};
use serde_json::json;

/// `meta.SetStatusCondition`: replaces the condition of that type, keeping its transition time
/// when the status did not change.
pub(crate) fn set_condition(conditions: &mut Vec<Condition>, mut new: Condition) {
    match conditions.iter_mut().find(|c| c.type_ == new.type_) {
        Some(old) => {
            if old.status == new.status {
                new.last_transition_time = old.last_transition_time.clone();
            }
            *old = new;
        }
        None => conditions.push(new),
    }
}

/// A condition stamped now.
pub(crate) fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: impl Into<String>,
) -> Condition {
    Condition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message: message.into(),
        last_transition_time: Time(jiff::Timestamp::now()),
        observed_generation: None,
    }
}

/// The status fields the manager writes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OwnedStatus {
    pub(crate) supported_configs: Vec<ConfigGroupResource>,
    pub(crate) registrations: Vec<ocm_api::addon::v1alpha1::RegistrationConfig>,
    pub(crate) namespace: Option<String>,
    pub(crate) health_check: HealthCheck,
    pub(crate) conditions: Vec<Condition>,
}

impl OwnedStatus {
    pub(crate) fn of(addon: &ManagedClusterAddOn) -> Self {
        let s: ManagedClusterAddOnStatus = addon.status.clone().unwrap_or_default();
        OwnedStatus {
            supported_configs: s.supported_configs,
            registrations: s.registrations,
            namespace: s.namespace,
            health_check: s.health_check.unwrap_or_default(),
            conditions: s.conditions,
        }
    }

    fn same_conditions(&self, other: &Self) -> bool {
        let strip = |c: &Condition| {
            (
                c.type_.clone(),
                c.status.clone(),
                c.reason.clone(),
                c.message.clone(),
            )
        };
        self.conditions.len() == other.conditions.len()
            && self
                .conditions
                .iter()
                .map(strip)
                .eq(other.conditions.iter().map(strip))
    }

    fn same(&self, other: &Self) -> bool {
        self.supported_configs == other.supported_configs
            && self.registrations == other.registrations
            && self.namespace == other.namespace
            && self.health_check == other.health_check
            && self.same_conditions(other)
    }
}

/// Writes `new` when it differs from what `addon` has, with a merge patch guarded by the
/// object's resourceVersion (a concurrent writer, such as the hub's addon-manager, makes it fail
/// with a conflict and the reconcile is retried on fresh data).
pub(crate) async fn patch(
    api: &Api<ManagedClusterAddOn>,
    addon: &ManagedClusterAddOn,
    new: &OwnedStatus,
) -> Result<bool, kube::Error> {
    if OwnedStatus::of(addon).same(new) {
        return Ok(false);
    }
    let name = addon.metadata.name.clone().unwrap_or_default();
    let body = json!({
        "metadata": {"resourceVersion": addon.metadata.resource_version},
        "status": {
            "supportedConfigs": new.supported_configs,
            "registrations": new.registrations,
            "namespace": new.namespace,
            "healthCheck": new.health_check,
            "conditions": new.conditions,
        }
    });
    api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&body))
        .await?;
    Ok(true)
}
