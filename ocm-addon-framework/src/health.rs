//! [`HealthProber`]: how the add-on's `Available` condition is set, and [`probe`], the pure
//! function the manager evaluates it with (Go: `agentdeploy/healthcheck_sync.go`).

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use ocm_api::addon::v1alpha1::{HealthCheckMode, ManagedClusterAddOn};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::conditions::{self, reasons};
use ocm_api::work::v1::{
    FeedbackValue, ManifestCondition, ManifestWork, ResourceIdentifier, StatusFeedbackResult,
};
use ocm_client::work::{manifest_identifier, resource_matches, rules};
use serde_json::Value;

/// A health check over probed fields: `Err` with why the add-on is unavailable.
pub type HealthChecker = Arc<
    dyn Fn(&[FieldResult], &ManagedCluster, &ManagedClusterAddOn) -> Result<(), String>
        + Send
        + Sync,
>;

/// How the add-on's health is known. Go: `agent.HealthProber`.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum HealthProber {
    /// Nothing sets `Available` (Go: mode `Customized`, no probe; the add-on sets it itself).
    None,
    /// The agent renews a lease named after the add-on in its install namespace; the klusterlet
    /// sets `Available` from it (mode `Lease`). See [`crate::agent::AddonLease`]. Go's default.
    #[default]
    Lease,
    /// Status feedback of the deploy works, judged by a checker (mode `Customized`).
    Work(WorkProber),
    /// Every Deployment among the manifests (replicas not 0) has a ready replica.
    DeploymentAvailability,
    /// Every Deployment (replicas not 0) has a ready replica and every DaemonSet is fully ready.
    WorkloadAvailability,
}

impl std::fmt::Debug for HealthProber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HealthProber::None => "None",
            HealthProber::Lease => "Lease",
            HealthProber::Work(_) => "Work",
            HealthProber::DeploymentAvailability => "DeploymentAvailability",
            HealthProber::WorkloadAvailability => "WorkloadAvailability",
        })
    }
}

impl HealthProber {
    /// The `status.healthCheck.mode` this prober asks the klusterlet for.
    pub fn mode(&self) -> HealthCheckMode {
        match self {
            HealthProber::Lease => HealthCheckMode::Lease,
            _ => HealthCheckMode::Customized,
        }
    }

    /// The feedback rules the deploy works need for this prober, given the manifests.
    pub(crate) fn probe_fields(&self, manifests: &[Value]) -> Vec<ProbeField> {
        match self {
            HealthProber::Work(w) => w.fields.clone(),
            HealthProber::DeploymentAvailability => workloads(manifests, false),
            HealthProber::WorkloadAvailability => workloads(manifests, true),
            HealthProber::None | HealthProber::Lease => Vec::new(),
        }
    }
}

/// Probe rules on the deploy works and a checker of what they report. Go: `WorkHealthProber`.
#[derive(Clone)]
pub struct WorkProber {
    fields: Vec<ProbeField>,
    checker: Option<HealthChecker>,
}

impl WorkProber {
    /// A prober with no fields: available once the works are.
    pub fn new() -> Self {
        WorkProber {
            fields: Vec::new(),
            checker: None,
        }
    }

    /// Probes a resource with feedback rules.
    pub fn field(mut self, field: ProbeField) -> Self {
        self.fields.push(field);
        self
    }

    /// Judges the probed values.
    pub fn checker(
        mut self,
        f: impl Fn(&[FieldResult], &ManagedCluster, &ManagedClusterAddOn) -> Result<(), String>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        self.checker = Some(Arc::new(f));
        self
    }
}

impl Default for WorkProber {
    fn default() -> Self {
        Self::new()
    }
}

/// A resource to probe and its feedback rules. Go: `agent.ProbeField`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ProbeField {
    /// The resource (`*` wildcards allowed in namespace and name).
    pub resource_identifier: ResourceIdentifier,
    /// The feedback rules.
    pub probe_rules: Vec<ocm_api::work::v1::FeedbackRule>,
}

impl ProbeField {
    /// A probe field.
    pub fn new(id: ResourceIdentifier, rules: Vec<ocm_api::work::v1::FeedbackRule>) -> Self {
        ProbeField {
            resource_identifier: id,
            probe_rules: rules,
        }
    }
}

/// What the agent reported for one probed resource. Go: `agent.FieldResult`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FieldResult {
    /// The resource, as reported.
    pub resource_identifier: ResourceIdentifier,
    /// Its feedback.
    pub feedback_result: StatusFeedbackResult,
}

fn workloads(manifests: &[Value], daemonsets: bool) -> Vec<ProbeField> {
    manifests
        .iter()
        .filter_map(|m| {
            let id = manifest_identifier(m)?;
            let wanted = id.group == "apps"
                && (id.resource == "deployments" || (daemonsets && id.resource == "daemonsets"));
            let zero = id.resource == "deployments" && m["spec"]["replicas"].as_i64() == Some(0);
            (wanted && !zero).then(|| ProbeField::new(id, vec![rules::well_known_status()]))
        })
        .collect()
}

fn condition(status: &str, reason: &str, message: impl Into<String>) -> Condition {
    Condition {
        type_: conditions::ADDON_AVAILABLE.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message: message.into(),
        last_transition_time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            jiff::Timestamp::now(),
        ),
        observed_generation: None,
    }
}

/// The `Available` condition the prober gives for these deploy works, or `None` when the
/// prober leaves it alone (`None`, `Lease`, or no `ManifestApplied` condition yet). Go's
/// `probeAddonStatusByWorks`, with the workload checkers of `utils/probe_helper.go`.
pub fn probe(
    prober: &HealthProber,
    manifests: &[Value],
    works: &[ManifestWork],
    cluster: &ManagedCluster,
    addon: &ManagedClusterAddOn,
) -> Option<Condition> {
    let (fields, checker): (Vec<ProbeField>, Option<HealthChecker>) = match prober {
        HealthProber::None | HealthProber::Lease => return None,
        HealthProber::Work(w) if w.fields.is_empty() && w.checker.is_none() => {
            return Some(condition(
                conditions::status::TRUE,
                reasons::ADDON_WORK_APPLIED,
                "Addon manifestWork is applied",
            ));
        }
        HealthProber::Work(w) => (w.fields.clone(), w.checker.clone()),
        HealthProber::DeploymentAvailability | HealthProber::WorkloadAvailability => (
            prober.probe_fields(manifests),
            Some(Arc::new(|r: &[FieldResult], _: &_, _: &_| {
                workload_check(r)
            })),
        ),
    };
    if works.is_empty() {
        return Some(condition(
            conditions::status::UNKNOWN,
            reasons::ADDON_WORK_NOT_FOUND,
            "Addon manifestWork is not found",
        ));
    }
    let mut manifest_conditions: Vec<&ManifestCondition> = Vec::new();
    for work in works {
        let status = work.status.as_ref();
        let available = status.and_then(|s| {
            s.conditions
                .iter()
                .find(|c| c.type_ == conditions::WORK_AVAILABLE)
        });
        match available {
            None => {
                return Some(condition(
                    conditions::status::UNKNOWN,
                    reasons::ADDON_WORK_NOT_APPLIED,
                    "Addon manifestWork is not applied yet",
                ));
            }
            Some(c) if c.status == conditions::status::FALSE => {
                return Some(condition(
                    conditions::status::FALSE,
                    reasons::ADDON_WORK_NOT_APPLIED,
                    c.message.clone(),
                ));
            }
            Some(_) => {}
        }
        if let Some(s) = status {
            manifest_conditions.extend(s.resource_status.manifests.iter());
        }
    }
    let results: Vec<FieldResult> = fields
        .iter()
        .flat_map(|f| {
            manifest_conditions
                .iter()
                .filter(|m| {
                    resource_matches(&m.resource_meta, &f.resource_identifier)
                        && !m.status_feedbacks.values.is_empty()
                })
                .map(|m| FieldResult {
                    resource_identifier: ResourceIdentifier {
                        group: m.resource_meta.group.clone(),
                        resource: m.resource_meta.resource.clone(),
                        name: m.resource_meta.name.clone(),
                        namespace: m.resource_meta.namespace.clone(),
                    },
                    feedback_result: m.status_feedbacks.clone(),
                })
        })
        .collect();
    if !fields.is_empty() && results.is_empty() {
        return Some(condition(
            conditions::status::UNKNOWN,
            reasons::ADDON_NO_PROBE_RESULT,
            "Probe results are not returned",
        ));
    }
    if let Some(checker) = checker
        && let Err(e) = checker(&results, cluster, addon)
    {
        return Some(condition(
            conditions::status::FALSE,
            reasons::ADDON_PROBE_UNAVAILABLE,
            format!("Probe addon unavailable with err {e}"),
        ));
    }
    let name = addon.metadata.name.as_deref().unwrap_or_default();
    Some(condition(
        conditions::status::TRUE,
        reasons::ADDON_PROBE_AVAILABLE,
        format!("{name} add-on is available."),
    ))
}

/// Go's `WorkloadAvailabilityHealthChecker`: a Deployment with a ready replica (or 0 wanted),
/// a DaemonSet with every desired pod ready.
pub fn workload_check(results: &[FieldResult]) -> Result<(), String> {
    for r in results {
        let id = &r.resource_identifier;
        if id.group != "apps" || (id.resource != "deployments" && id.resource != "daemonsets") {
            return Err(format!("unsupported resource {}.{}", id.resource, id.group));
        }
        let int = |name: &str| -> Option<i64> {
            r.feedback_result
                .values
                .iter()
                .find(|v: &&FeedbackValue| v.name == name)
                .and_then(|v| v.value.integer)
        };
        let ready = int("ReadyReplicas").or(int("NumberReady"));
        let desired = int("Replicas").or(int("DesiredNumberScheduled"));
        let (Some(ready), Some(desired)) = (ready, desired) else {
            return Err(format!(
                "readyReplicas or desired replicas are not probed for {} {}/{}",
                id.resource, id.namespace, id.name
            ));
        };
        let ok = match id.resource.as_str() {
            "deployments" => desired == 0 || ready >= 1,
            _ => ready == desired,
        };
        if !ok {
            return Err(format!(
                "desiredNumberReplicas is {desired} but readyReplica is {ready} for {} {}/{}",
                id.resource, id.namespace, id.name
            ));
        }
    }
    Ok(())
}
