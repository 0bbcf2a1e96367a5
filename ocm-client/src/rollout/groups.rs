//! sdk-go's `PlacementDecisionClustersTracker` and `ClusterGroupsMap`, reduced to what a rollout
//! reads: which groups exist, which are selected by mandatory group keys, and in which order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ocm_api::cluster::v1alpha1::MandatoryDecisionGroup;

use super::types::{DecisionGroup, GroupKey};

/// The decision groups of a placement, indexed like sdk-go's tracker.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    groups: BTreeMap<GroupKey, BTreeSet<String>>,
    index_to_name: BTreeMap<i32, String>,
    name_to_index: HashMap<String, Vec<i32>>,
}

/// A selection of groups (sdk-go's `ClusterGroupsMap`), ordered by group index (Go's
/// `GetOrderedGroupKeys`; ties, which Go leaves to map order, break by name).
#[derive(Debug, Default)]
pub(crate) struct Groups<'a> {
    pub(crate) groups: Vec<(GroupKey, &'a BTreeSet<String>)>,
}

impl Tracker {
    pub(crate) fn new(decision_groups: &[DecisionGroup]) -> Self {
        let mut groups: BTreeMap<GroupKey, BTreeSet<String>> = BTreeMap::new();
        for g in decision_groups {
            groups
                .entry(g.key())
                .or_default()
                .extend(g.clusters.iter().cloned());
        }
        let mut index_to_name = BTreeMap::new();
        let mut name_to_index: HashMap<String, Vec<i32>> = HashMap::new();
        for key in groups.keys() {
            // Several names for one index: Go keeps whichever its map iteration gives last.
            index_to_name.insert(key.group_index, key.group_name.clone());
            name_to_index
                .entry(key.group_name.clone())
                .or_default()
                .push(key.group_index);
        }
        for indexes in name_to_index.values_mut() {
            indexes.sort_unstable();
        }
        Self {
            groups,
            index_to_name,
            name_to_index,
        }
    }

    /// Go's `fulfillGroupKeys`: a name selects every index of that name (ascending), an index
    /// (when the name is empty) selects the group of that index.
    fn fulfill(&self, keys: &[GroupKey]) -> Vec<GroupKey> {
        let mut out = Vec::new();
        for gk in keys {
            if !gk.group_name.is_empty() {
                if let Some(indexes) = self.name_to_index.get(&gk.group_name) {
                    out.extend(indexes.iter().map(|&group_index| GroupKey {
                        group_name: gk.group_name.clone(),
                        group_index,
                    }));
                }
            } else if let Some(name) = self.index_to_name.get(&gk.group_index) {
                out.push(GroupKey {
                    group_name: name.clone(),
                    group_index: gk.group_index,
                });
            }
        }
        out
    }

    fn select(&self, keys: impl IntoIterator<Item = GroupKey>) -> Groups<'_> {
        let mut groups: Vec<(GroupKey, &BTreeSet<String>)> = Vec::new();
        for key in keys {
            if groups.iter().any(|(k, _)| *k == key) {
                continue;
            }
            if let Some(clusters) = self.groups.get(&key) {
                groups.push((key, clusters));
            }
        }
        groups.sort_by(|(a, _), (b, _)| {
            (a.group_index, &a.group_name).cmp(&(b.group_index, &b.group_name))
        });
        Groups { groups }
    }

    /// Go's `ExistingClusterGroups(keys...)`: the existing groups among `keys`.
    pub(crate) fn existing(&self, keys: &[GroupKey]) -> Groups<'_> {
        self.select(self.fulfill(keys))
    }

    /// Go's `ExistingClusterGroupsBesides(keys...)`: the groups with index `0..n` (n the number of
    /// distinct indexes; Go walks that range, so a group whose index is negative or beyond it is
    /// never seen) that are not among `keys`.
    pub(crate) fn existing_besides(&self, keys: &[GroupKey]) -> Groups<'_> {
        let exclude = self.fulfill(keys);
        let n = i32::try_from(self.index_to_name.len()).unwrap_or(i32::MAX);
        let include = (0..n).filter_map(|i| {
            let key = GroupKey {
                group_name: self.index_to_name.get(&i).cloned().unwrap_or_default(),
                group_index: i,
            };
            (!exclude.contains(&key)).then_some(key)
        });
        self.select(include.collect::<Vec<_>>())
    }
}

impl Groups<'_> {
    /// Go's `GetClusters`: every cluster of the selected groups.
    pub(crate) fn clusters(&self) -> BTreeSet<&str> {
        self.groups
            .iter()
            .flat_map(|(_, c)| c.iter().map(String::as_str))
            .collect()
    }

    /// Go's `ClusterToGroupKey`. A cluster in several groups: Go's map order decides; here the
    /// group with the lowest index.
    pub(crate) fn cluster_to_group_key(&self) -> HashMap<&str, &GroupKey> {
        let mut out = HashMap::new();
        for (key, clusters) in &self.groups {
            for c in clusters.iter() {
                out.entry(c.as_str()).or_insert(key);
            }
        }
        out
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// sdk-go's `decisionGroupsToGroupKeys`: a name wins over an index.
pub(crate) fn mandatory_group_keys(groups: Option<&Vec<MandatoryDecisionGroup>>) -> Vec<GroupKey> {
    groups
        .into_iter()
        .flatten()
        .map(|d| match d.group_name.as_deref() {
            Some(name) if !name.is_empty() => GroupKey {
                group_name: name.to_owned(),
                group_index: 0,
            },
            _ => GroupKey {
                group_name: String::new(),
                group_index: d.group_index.unwrap_or_default(),
            },
        })
        .collect()
}
