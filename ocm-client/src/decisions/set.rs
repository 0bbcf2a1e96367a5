//! The data a consistent read yields: [`DecisionSet`], its groups, and the [`DecisionChange`]
//! between two sets. Pure data, no I/O.

use std::collections::{BTreeMap, BTreeSet};

/// A decision group, named as OCM names it: the `decisionGroupName` (empty for groups the
/// placement did not name) and the `decisionGroupIndex` (from 0). Go: sdk-go's `GroupKey`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKey {
    /// The group name (`""` for an unnamed group).
    pub name: String,
    /// The group index.
    pub index: i32,
}

impl GroupKey {
    /// A group key from its name and index.
    pub fn new(name: impl Into<String>, index: i32) -> Self {
        Self {
            name: name.into(),
            index,
        }
    }
}

impl std::fmt::Display for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{:?}", self.index, self.name)
    }
}

/// One decision group of a consistent [`DecisionSet`]: its name, index and clusters.
///
/// The fields are plain data so that other models (for example
/// [`rollout::DecisionGroup`](crate::rollout)) convert from it in one line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecisionGroupSet {
    /// The group name (`""` for an unnamed group).
    pub name: String,
    /// The group index.
    pub index: i32,
    /// The clusters of the group, sorted by name.
    pub clusters: BTreeSet<String>,
}

impl DecisionGroupSet {
    /// The group's key (name and index).
    pub fn key(&self) -> GroupKey {
        GroupKey::new(self.name.clone(), self.index)
    }
}

/// The clusters a placement selected, grouped by decision group, read as one consistent set
/// (see the [module documentation](super) for the rule).
///
/// Every cluster is in exactly one group; groups are ordered by index.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecisionSet {
    groups: Vec<DecisionGroupSet>,
}

impl DecisionSet {
    /// A set from its groups. Groups are sorted by index; a cluster listed in several groups
    /// stays only in the first (lowest index), so the set invariant holds for any input.
    pub fn from_groups(groups: impl IntoIterator<Item = DecisionGroupSet>) -> Self {
        let mut groups: Vec<DecisionGroupSet> = groups.into_iter().collect();
        groups.sort_by(|a, b| (a.index, &a.name).cmp(&(b.index, &b.name)));
        let mut seen = BTreeSet::new();
        for g in &mut groups {
            g.clusters.retain(|c| seen.insert(c.clone()));
        }
        Self { groups }
    }

    /// The groups, ordered by index.
    pub fn groups(&self) -> &[DecisionGroupSet] {
        &self.groups
    }

    /// The groups as `(name, index, clusters)` tuples, ordered by index.
    pub fn group_tuples(&self) -> impl Iterator<Item = (&str, i32, Vec<String>)> + '_ {
        self.groups.iter().map(|g| {
            (
                g.name.as_str(),
                g.index,
                g.clusters.iter().cloned().collect(),
            )
        })
    }

    /// Every selected cluster, sorted by name.
    pub fn clusters(&self) -> BTreeSet<String> {
        self.groups
            .iter()
            .flat_map(|g| g.clusters.iter().cloned())
            .collect()
    }

    /// Each selected cluster with its group.
    pub fn cluster_groups(&self) -> BTreeMap<String, GroupKey> {
        self.groups
            .iter()
            .flat_map(|g| g.clusters.iter().map(|c| (c.clone(), g.key())))
            .collect()
    }

    /// The group of `cluster`, if it is selected.
    pub fn group_of(&self, cluster: &str) -> Option<&DecisionGroupSet> {
        self.groups.iter().find(|g| g.clusters.contains(cluster))
    }

    /// Whether `cluster` is selected.
    pub fn contains(&self, cluster: &str) -> bool {
        self.group_of(cluster).is_some()
    }

    /// The number of selected clusters.
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.clusters.len()).sum()
    }

    /// Whether no cluster is selected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What changed from `previous` to `self`.
    pub fn diff(&self, previous: &DecisionSet) -> DecisionChange {
        let old = previous.cluster_groups();
        let new = self.cluster_groups();
        let mut change = DecisionChange::default();
        for (cluster, to) in &new {
            match old.get(cluster) {
                None => {
                    change.added.insert(cluster.clone(), to.clone());
                }
                Some(from) if from != to => {
                    change.moved.insert(
                        cluster.clone(),
                        Move {
                            from: from.clone(),
                            to: to.clone(),
                        },
                    );
                }
                Some(_) => {}
            }
        }
        for (cluster, from) in old {
            if !new.contains_key(&cluster) {
                change.removed.insert(cluster, from);
            }
        }
        change
    }
}

/// A cluster that stayed selected but changed decision group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move {
    /// The group it was in.
    pub from: GroupKey,
    /// The group it is in now.
    pub to: GroupKey,
}

/// The difference between two consistent [`DecisionSet`]s.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecisionChange {
    /// Newly selected clusters, with the group they joined.
    pub added: BTreeMap<String, GroupKey>,
    /// Clusters no longer selected, with the group they left.
    pub removed: BTreeMap<String, GroupKey>,
    /// Clusters still selected that changed group.
    pub moved: BTreeMap<String, Move>,
}

impl DecisionChange {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.moved.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, index: i32, clusters: &[&str]) -> DecisionGroupSet {
        DecisionGroupSet {
            name: name.into(),
            index,
            clusters: clusters.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn diff_reports_added_removed_and_moved() {
        let before =
            DecisionSet::from_groups([group("canary", 0, &["a", "b"]), group("", 1, &["c"])]);
        let after =
            DecisionSet::from_groups([group("canary", 0, &["c"]), group("", 1, &["a", "d"])]);
        let change = after.diff(&before);
        assert_eq!(
            change.added,
            BTreeMap::from([("d".to_owned(), GroupKey::new("", 1))])
        );
        assert_eq!(
            change.removed,
            BTreeMap::from([("b".to_owned(), GroupKey::new("canary", 0))])
        );
        assert_eq!(
            change.moved.keys().collect::<Vec<_>>(),
            ["a", "c"],
            "{change:?}"
        );
        assert_eq!(change.moved["c"].from, GroupKey::new("", 1));
        assert_eq!(change.moved["c"].to, GroupKey::new("canary", 0));
        assert!(after.diff(&after).is_empty());
    }

    #[test]
    fn from_groups_sorts_and_keeps_each_cluster_once() {
        let set = DecisionSet::from_groups([group("", 1, &["x", "y"]), group("g", 0, &["y"])]);
        assert_eq!(set.groups()[0].index, 0);
        assert_eq!(set.len(), 2);
        assert_eq!(set.group_of("y").map(|g| g.index), Some(0));
        let tuples: Vec<_> = set.group_tuples().collect();
        assert_eq!(tuples[1], ("", 1, vec!["x".to_owned()]));
    }
}
