//! The status the agent reports, computed as Go's status controller does it (joining, resource,
//! claim reconcilers), and the merge patch it sends.

use std::collections::BTreeSet;

use ocm_api::cluster::v1::{
    ManagedCluster, ManagedClusterClaim, ManagedClusterStatus, ManagedClusterVersion, ResourceList,
};
use ocm_api::conditions::{self, reasons, status};

/// Go's default `--max-custom-cluster-claims`.
pub const DEFAULT_MAX_CUSTOM_CLAIMS: usize = 20;

/// What the agent reports about its cluster, from the caller.
#[derive(Debug, Clone)]
pub struct Report {
    /// `Err(message)` makes `ManagedClusterConditionAvailable` False.
    pub health: Result<(), String>,
    /// `status.version.kubernetes`.
    pub version: Option<String>,
    /// `status.capacity`.
    pub capacity: ResourceList,
    /// `status.allocatable`.
    pub allocatable: ResourceList,
    /// ClusterClaims as `(name, value)`.
    pub claims: Vec<(String, String)>,
    /// Custom (not reserved) claims beyond this many are dropped.
    pub max_custom_claims: usize,
    /// Claim name suffixes that count as reserved (Go's `--reserved-cluster-claim-suffixes`).
    pub reserved_suffixes: Vec<String>,
}

impl Default for Report {
    fn default() -> Self {
        Self {
            health: Ok(()),
            version: None,
            capacity: ResourceList::new(),
            allocatable: ResourceList::new(),
            claims: Vec::new(),
            max_custom_claims: DEFAULT_MAX_CUSTOM_CLAIMS,
            reserved_suffixes: Vec::new(),
        }
    }
}

/// The status Go's status controller would write for `cluster` (its reconcilers in order): nothing
/// before `HubAcceptedManagedCluster=True`; then `ManagedClusterJoined`, `Available` with version
/// and resources when healthy (capacity keys others set are kept), and the claims once joined.
pub fn desired_status(cluster: &ManagedCluster, report: &Report) -> ManagedClusterStatus {
    let mut st = cluster.status.clone().unwrap_or_default();
    if !conditions::is_true(&st.conditions, conditions::MANAGED_CLUSTER_HUB_ACCEPTED) {
        return st;
    }
    if !conditions::is_true(&st.conditions, conditions::MANAGED_CLUSTER_JOINED) {
        conditions::set(
            &mut st.conditions,
            conditions::new(
                conditions::MANAGED_CLUSTER_JOINED,
                status::TRUE,
                reasons::MANAGED_CLUSTER_JOINED,
                "Managed cluster joined",
            ),
        );
    }
    let available = match &report.health {
        Ok(()) => {
            let mut capacity = report.capacity.clone();
            for (k, v) in st.capacity.iter().flatten() {
                capacity.entry(k.clone()).or_insert_with(|| v.clone());
            }
            st.capacity = Some(capacity);
            st.allocatable = Some(report.allocatable.clone());
            st.version = Some(ManagedClusterVersion {
                kubernetes: report.version.clone(),
            });
            conditions::new(
                conditions::MANAGED_CLUSTER_AVAILABLE,
                status::TRUE,
                reasons::MANAGED_CLUSTER_AVAILABLE,
                "Managed cluster is available",
            )
        }
        Err(message) => conditions::new(
            conditions::MANAGED_CLUSTER_AVAILABLE,
            status::FALSE,
            reasons::MANAGED_CLUSTER_KUBE_APISERVER_UNAVAILABLE,
            message.clone(),
        ),
    };
    conditions::set(&mut st.conditions, available);
    if conditions::is_true(&st.conditions, conditions::MANAGED_CLUSTER_JOINED) {
        st.cluster_claims = Some(exposed_claims(
            &report.claims,
            report.max_custom_claims,
            &report.reserved_suffixes,
        ));
    }
    st
}

/// Go's `exposeClaims`: reserved claims (names in
/// [`RESERVED_CLUSTER_CLAIM_NAMES`](ocm_api::cluster::v1alpha1::RESERVED_CLUSTER_CLAIM_NAMES) or
/// with a reserved suffix) first, then custom claims truncated to `max_custom`, each list sorted
/// by name; the first claim of a name wins.
pub fn exposed_claims(
    claims: &[(String, String)],
    max_custom: usize,
    reserved_suffixes: &[String],
) -> Vec<ManagedClusterClaim> {
    let mut seen = BTreeSet::new();
    let (mut reserved, mut custom): (Vec<_>, Vec<_>) = claims
        .iter()
        .filter(|(name, _)| seen.insert(name.clone()))
        .partition(|(name, _)| {
            ocm_api::cluster::v1alpha1::RESERVED_CLUSTER_CLAIM_NAMES.contains(&name.as_str())
                || reserved_suffixes.iter().any(|s| name.ends_with(s.as_str()))
        });
    reserved.sort_by(|a, b| a.0.cmp(&b.0));
    custom.sort_by(|a, b| a.0.cmp(&b.0));
    if custom.len() > max_custom {
        tracing::warn!(
            found = custom.len(),
            max = max_custom,
            "custom cluster claims truncated"
        );
        custom.truncate(max_custom);
    }
    reserved
        .into_iter()
        .chain(custom)
        .map(|(name, value)| ManagedClusterClaim {
            name: Some(name.clone()),
            value: Some(value.clone()),
        })
        .collect()
}

/// The status merge patch Go's `patcher.PatchStatus` sends: a JSON merge patch from the old
/// status to the new one (lists replaced whole, removed keys `null`), with the object's `uid`
/// and `resourceVersion` (optimistic concurrency). `None` when nothing changed.
pub fn status_patch(
    cluster: &ManagedCluster,
    new: &ManagedClusterStatus,
) -> Option<serde_json::Value> {
    let old = cluster.status.clone().unwrap_or_default();
    if &old == new {
        return None;
    }
    let old = serde_json::to_value(&old).ok()?;
    let new = serde_json::to_value(new).ok()?;
    let diff = merge_diff(&old, &new)?;
    Some(serde_json::json!({
        "metadata": {
            "uid": cluster.metadata.uid,
            "resourceVersion": cluster.metadata.resource_version,
        },
        "status": diff,
    }))
}

/// RFC 7386 merge patch turning `old` into `new` (`None` when equal).
pub fn merge_diff(old: &serde_json::Value, new: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::Value;
    if old == new {
        return None;
    }
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let mut patch = serde_json::Map::new();
            for (k, v) in n {
                match o.get(k) {
                    Some(ov) => {
                        if let Some(d) = merge_diff(ov, v) {
                            patch.insert(k.clone(), d);
                        }
                    }
                    None => {
                        patch.insert(k.clone(), v.clone());
                    }
                }
            }
            for k in o.keys().filter(|k| !n.contains_key(*k)) {
                patch.insert(k.clone(), Value::Null);
            }
            Some(Value::Object(patch))
        }
        _ => Some(new.clone()),
    }
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
