//! The inputs and outputs of a rollout computation (sdk-go's `ClusterRolloutStatus`,
//! `RolloutResult`, `GroupKey`) and the decision groups it reads.

use jiff::{SignedDuration, Timestamp};
use ocm_api::cluster::v1beta1::PlacementDecision;
use ocm_api::labels;
use serde::{Deserialize, Serialize};

use super::RolloutError;

/// The rollout state of the workload on one cluster (sdk-go's `RolloutStatus`; the discriminants
/// are Go's `iota` values).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RolloutStatus {
    /// The desired state has not been applied yet.
    #[default]
    ToApply = 0,
    /// The desired state is applied and not yet reported successful.
    Progressing = 1,
    /// The desired state is applied and successful.
    Succeeded = 2,
    /// The desired state is applied and reported failed.
    Failed = 3,
    /// The cluster stayed Progressing or Failed longer than the progress deadline.
    TimeOut = 4,
    /// The rollout skips this cluster.
    Skip = 5,
}

impl RolloutStatus {
    /// Failed or timed out: what counts against `maxFailures`.
    pub fn is_failure(self) -> bool {
        matches!(self, Self::Failed | Self::TimeOut)
    }
}

/// A decision group's identity (sdk-go's `GroupKey`): the values of the
/// [`labels::DECISION_GROUP_NAME`] and [`labels::DECISION_GROUP_INDEX`] labels of its
/// PlacementDecisions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct GroupKey {
    /// The group name (empty for a group without a name).
    pub group_name: String,
    /// The group index.
    pub group_index: i32,
}

/// The rollout state of one cluster (sdk-go's `ClusterRolloutStatus`), an input (what the workload
/// applier observed) and an output (what the rollout decided) of [`get_rollout_clusters`].
///
/// [`get_rollout_clusters`]: super::get_rollout_clusters
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRolloutStatus {
    /// The cluster name. Statuses with an empty name are ignored, as in Go.
    pub cluster_name: String,
    /// The cluster's decision group (optional as input; Go's ManifestWorkReplicaSet controller
    /// leaves it empty).
    pub group_key: GroupKey,
    /// The rollout state.
    pub status: RolloutStatus,
    /// When the state last changed: the start of the progress deadline (Progressing, Failed) and
    /// of the soak time (Succeeded). `None` means "now".
    pub last_transition_time: Option<Timestamp>,
    /// When the cluster should be looked at again: the end of the soak time or the progress
    /// deadline (set by the rollout on its outputs; an input value is kept only for ToApply).
    /// Older sdk-go releases called it `TimeOutTime`.
    pub recheck_time: Option<Timestamp>,
}

impl ClusterRolloutStatus {
    /// A status for `cluster_name` with no group and no times.
    pub fn new(cluster_name: impl Into<String>, status: RolloutStatus) -> Self {
        Self {
            cluster_name: cluster_name.into(),
            status,
            ..Self::default()
        }
    }

    /// Sets the last transition time.
    #[must_use]
    pub fn last_transition_time(mut self, at: Timestamp) -> Self {
        self.last_transition_time = Some(at);
        self
    }

    /// Sets the group key.
    #[must_use]
    pub fn group_key(mut self, group_name: impl Into<String>, group_index: i32) -> Self {
        self.group_key = GroupKey {
            group_name: group_name.into(),
            group_index,
        };
        self
    }
}

/// What to do next (sdk-go's `RolloutResult`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RolloutResult {
    /// The clusters the rollout is working on: new ones (ToApply) to start now, and ones still
    /// progressing, failed within their deadline, or succeeded within their soak time.
    pub clusters_to_rollout: Vec<ClusterRolloutStatus>,
    /// Clusters whose progress deadline passed (status set to TimeOut).
    pub clusters_timeout: Vec<ClusterRolloutStatus>,
    /// Input statuses of clusters no longer in any decision group.
    pub clusters_removed: Vec<ClusterRolloutStatus>,
    /// Whether the rollout stopped because too many clusters failed.
    pub max_failure_breach: bool,
    /// How long until the earliest future recheck time of `clusters_to_rollout`.
    pub recheck_after: Option<SignedDuration>,
}

/// One decision group of a placement: what sdk-go's `PlacementDecisionClustersTracker` reads from
/// the PlacementDecision pages (several pages with the same name and index form one group).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DecisionGroup {
    /// The group name (empty for a group without a name).
    pub group_name: String,
    /// The group index.
    pub group_index: i32,
    /// The clusters of the group.
    pub clusters: Vec<String>,
}

impl DecisionGroup {
    /// A group from its name, index and clusters.
    pub fn new<I, S>(group_name: impl Into<String>, group_index: i32, clusters: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            group_name: group_name.into(),
            group_index,
            clusters: clusters.into_iter().map(Into::into).collect(),
        }
    }

    /// The group key.
    pub fn key(&self) -> GroupKey {
        GroupKey {
            group_name: self.group_name.clone(),
            group_index: self.group_index,
        }
    }

    /// The decision groups of a placement's PlacementDecision pages, as sdk-go's tracker reads
    /// them (`Refresh`): pages with the same group name and index are merged, in the order their
    /// first page appears. The caller passes the pages of one placement (the tracker lists them by
    /// the `cluster.open-cluster-management.io/placement` label).
    ///
    /// The index label is parsed like Go's `strconv.Atoi` and then truncated to 32 bits as Go's
    /// `int32(...)` does; a page without it, or with a value that is not a 64-bit integer, is an
    /// error ([`RolloutError::GroupIndex`]), as in Go.
    pub fn from_decisions(pages: &[PlacementDecision]) -> Result<Vec<DecisionGroup>, RolloutError> {
        let mut groups: Vec<DecisionGroup> = Vec::new();
        for page in pages {
            let page_labels = page.metadata.labels.as_ref();
            let get = |k: &str| page_labels.and_then(|l| l.get(k)).map(String::as_str);
            let name = get(labels::DECISION_GROUP_NAME).unwrap_or_default();
            let raw_index = get(labels::DECISION_GROUP_INDEX).unwrap_or_default();
            let index = super::parse::go_atoi(raw_index)
                .map_err(|reason| RolloutError::GroupIndex {
                    decision: page.metadata.name.clone().unwrap_or_default(),
                    reason,
                })?
                // Go: int32(groupIndexNum) keeps the low 32 bits.
                as i32;
            let pos = match groups
                .iter()
                .position(|g| g.group_index == index && g.group_name == name)
            {
                Some(p) => p,
                None => {
                    groups.push(DecisionGroup::new(name, index, Vec::<String>::new()));
                    groups.len() - 1
                }
            };
            let clusters = page.status.iter().flat_map(|s| &s.decisions);
            groups[pos]
                .clusters
                .extend(clusters.map(|d| d.cluster_name.clone()));
        }
        Ok(groups)
    }
}
