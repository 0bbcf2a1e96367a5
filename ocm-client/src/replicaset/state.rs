//! The per-cluster state of one ManifestWork a ManifestWorkReplicaSet owns. Pure.

use ocm_api::conditions;
use ocm_api::labels;
use ocm_api::work::v1::{ManifestWork, ManifestWorkSpec};

/// The state of the work a ManifestWorkReplicaSet created for one cluster.
///
/// Each condition is `Some(true)`/`Some(false)` as the work agent reported it, `None` when not
/// reported (yet). These are the conditions Go's status reconciler counts into the replica
/// set's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClusterWorkState {
    /// The managed cluster (the work's namespace).
    pub cluster: String,
    /// The work's name (the replica set's name).
    pub work: String,
    /// The Placement through which the cluster was selected (label
    /// `work.open-cluster-management.io/placementname`).
    pub placement: Option<String>,
    /// `Applied`.
    pub applied: Option<bool>,
    /// `Available`.
    pub available: Option<bool>,
    /// `Progressing`.
    pub progressing: Option<bool>,
    /// `Degraded`.
    pub degraded: Option<bool>,
    /// Whether the work's spec equals the replica set's current template. Go's status
    /// reconciler skips works that are not (they are about to be updated); it also compares
    /// labels, annotations and owner references, which this does not.
    pub up_to_date: bool,
    /// Whether the work is being deleted.
    pub deleting: bool,
}

impl ClusterWorkState {
    /// Counted as available by Go's summary: up to date, not deleting, `Available` true.
    pub fn is_available(&self) -> bool {
        self.up_to_date && !self.deleting && self.available == Some(true)
    }
}

fn condition(work: &ManifestWork, type_: &str) -> Option<bool> {
    let conds = work.status.as_ref().map(|s| s.conditions.as_slice())?;
    conditions::find(conds, type_).map(|c| c.status == conditions::status::TRUE)
}

/// The state of `work` against the replica set's `template`.
pub fn cluster_state(work: &ManifestWork, template: &ManifestWorkSpec) -> ClusterWorkState {
    let meta = &work.metadata;
    ClusterWorkState {
        cluster: meta.namespace.clone().unwrap_or_default(),
        work: meta.name.clone().unwrap_or_default(),
        placement: meta
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::MANIFEST_WORK_REPLICA_SET_PLACEMENT_NAME))
            .cloned(),
        applied: condition(work, conditions::WORK_APPLIED),
        available: condition(work, conditions::WORK_AVAILABLE),
        progressing: condition(work, conditions::WORK_PROGRESSING),
        degraded: condition(work, conditions::WORK_DEGRADED),
        up_to_date: &work.spec == template,
        deleting: meta.deletion_timestamp.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocm_api::work::v1::ManifestWorkStatus;
    use serde_json::json;

    fn template(cm: &str) -> ManifestWorkSpec {
        serde_json::from_value(json!({"workload": {"manifests": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": cm, "namespace": "default"}}
        ]}}))
        .unwrap_or_default()
    }

    #[test]
    fn conditions_placement_and_template_drift_are_read() {
        let mut work = ManifestWork::new("web", template("a"));
        work.metadata.namespace = Some("cluster1".into());
        work.metadata.labels = Some(
            [(
                labels::MANIFEST_WORK_REPLICA_SET_PLACEMENT_NAME.to_owned(),
                "canary".to_owned(),
            )]
            .into(),
        );
        let state = cluster_state(&work, &template("a"));
        assert_eq!(state.cluster, "cluster1");
        assert_eq!(state.placement.as_deref(), Some("canary"));
        assert_eq!((state.applied, state.available), (None, None));
        assert!(state.up_to_date && !state.is_available());

        work.status = Some(ManifestWorkStatus {
            conditions: vec![
                conditions::new(
                    conditions::WORK_APPLIED,
                    conditions::status::TRUE,
                    "Applied",
                    "",
                ),
                conditions::new(
                    conditions::WORK_AVAILABLE,
                    conditions::status::TRUE,
                    "Available",
                    "",
                ),
                conditions::new(
                    conditions::WORK_DEGRADED,
                    conditions::status::FALSE,
                    "Fine",
                    "",
                ),
            ],
            ..Default::default()
        });
        let state = cluster_state(&work, &template("a"));
        assert_eq!(
            (
                state.applied,
                state.available,
                state.progressing,
                state.degraded
            ),
            (Some(true), Some(true), None, Some(false))
        );
        assert!(state.is_available());
        let drifted = cluster_state(&work, &template("b"));
        assert!(!drifted.up_to_date && !drifted.is_available());
    }
}
