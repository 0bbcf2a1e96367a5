//! The structural half of the consistency rule, as a pure function over one snapshot of a
//! Placement and its PlacementDecision pages.

use std::collections::{BTreeMap, BTreeSet};

use ocm_api::cluster::v1beta1::{Placement, PlacementDecision};
use ocm_api::{annotations, labels};

use super::set::{DecisionGroupSet, DecisionSet, GroupKey};

/// Why a snapshot of a placement and its PlacementDecision pages is not a consistent set.
///
/// Each variant names the rule that failed, with what was expected and what was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Inconsistency {
    /// PlacementDecisions labelled with the placement exist, but the placement does not (it is
    /// being deleted, or was never there).
    #[error("placement not found, but {pages} PlacementDecision(s) carry its label")]
    PlacementNotFound {
        /// How many pages carry the placement's label.
        pages: usize,
    },
    /// The placement status lists no decision group: the scheduler has not written it yet (Go
    /// always lists at least one group, with one page, once it scheduled).
    #[error("placement status lists no decision group: not scheduled yet")]
    NotScheduled,
    /// The placement status lists a page twice.
    #[error("placement status lists PlacementDecision {page:?} twice")]
    PageListedTwice {
        /// The page name.
        page: String,
    },
    /// The placement status lists a page that does not exist.
    #[error("PlacementDecision {page:?} listed in the placement status does not exist")]
    MissingPage {
        /// The page name.
        page: String,
    },
    /// A page carries the placement's label but the placement status does not list it.
    #[error("PlacementDecision {page:?} is not listed in the placement status")]
    UnlistedPage {
        /// The page name.
        page: String,
    },
    /// A page's group labels disagree with the group that lists it in the placement status.
    #[error(
        "PlacementDecision {page:?}: expected group labels {expected}, found index {found_index:?} name {found_name:?}"
    )]
    GroupLabelMismatch {
        /// The page name.
        page: String,
        /// The group that lists the page.
        expected: GroupKey,
        /// The `decision-group-index` label found.
        found_index: Option<String>,
        /// The `decision-group-name` label found.
        found_name: Option<String>,
    },
    /// A group's pages hold another number of decisions than its `clusterCount`.
    #[error("decision group {group}: expected {expected} decisions, found {found}")]
    GroupCount {
        /// The group.
        group: GroupKey,
        /// `clusterCount` in the placement status.
        expected: i64,
        /// Decisions in its pages.
        found: usize,
    },
    /// All pages hold another number of decisions than `numberOfSelectedClusters`.
    #[error("expected {expected} decisions in all, found {found}")]
    TotalCount {
        /// `numberOfSelectedClusters` in the placement status.
        expected: i64,
        /// Decisions in all pages.
        found: usize,
    },
    /// A cluster is in two pages (or twice in one).
    #[error("cluster {cluster:?} is in PlacementDecision {first:?} and in {second:?}")]
    DuplicateCluster {
        /// The cluster.
        cluster: String,
        /// The first page it was found in.
        first: String,
        /// The second page it was found in.
        second: String,
    },
    /// With scheduling disabled (annotation
    /// `cluster.open-cluster-management.io/experimental-scheduling-disable`), a page's
    /// `decision-group-index` label is not a number.
    #[error("PlacementDecision {page:?}: decision-group-index label {found:?} is not a number")]
    BadGroupIndex {
        /// The page name.
        page: String,
        /// The label value.
        found: Option<String>,
    },
    /// The snapshot is structurally consistent but the placement or its pages changed less than
    /// the settle window ago (see the [module documentation](super)).
    #[error("consistent, but written {since_ms} ms ago, less than the settle window")]
    Unsettled {
        /// Milliseconds since the last change.
        since_ms: u128,
    },
    /// The watches have not listed the placement and its pages yet.
    #[error("waiting for the initial list of the placement and its PlacementDecisions")]
    Listing,
}

fn label<'a>(page: &'a PlacementDecision, key: &str) -> Option<&'a str> {
    page.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
}

fn page_name(page: &PlacementDecision) -> &str {
    page.metadata.name.as_deref().unwrap_or_default()
}

fn cluster_names(page: &PlacementDecision) -> impl Iterator<Item = &str> {
    page.status
        .iter()
        .flat_map(|s| s.decisions.iter())
        .map(|d| d.cluster_name.as_str())
        .filter(|c| !c.is_empty())
}

fn decision_count(page: &PlacementDecision) -> usize {
    page.status.as_ref().map_or(0, |s| s.decisions.len())
}

/// Builds the set from `(group, page)` pairs, refusing a cluster seen twice.
fn collect<'a>(
    pages: impl IntoIterator<Item = (GroupKey, &'a PlacementDecision)>,
) -> Result<DecisionSet, Inconsistency> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut groups: BTreeMap<GroupKey, BTreeSet<String>> = BTreeMap::new();
    for (key, page) in pages {
        let clusters = groups.entry(key).or_default();
        for cluster in cluster_names(page) {
            if let Some(first) = seen.insert(cluster, page_name(page)) {
                return Err(Inconsistency::DuplicateCluster {
                    cluster: cluster.to_owned(),
                    first: first.to_owned(),
                    second: page_name(page).to_owned(),
                });
            }
            clusters.insert(cluster.to_owned());
        }
    }
    Ok(DecisionSet::from_groups(groups.into_iter().map(
        |(key, clusters)| DecisionGroupSet {
            name: key.name,
            index: key.index,
            clusters,
        },
    )))
}

/// Checks one snapshot of a placement and its PlacementDecision pages against the structural
/// rule, and returns the set they describe when it holds.
///
/// `pages` are the PlacementDecisions labelled `cluster.open-cluster-management.io/placement=<name>`
/// in the placement's namespace; pages labelled for another placement are ignored. `placement`
/// is `None` when it does not exist: then the set is empty when no page is left, and
/// [`Inconsistency::PlacementNotFound`] otherwise.
///
/// The rule (see the [module documentation](super) for why, and for what it cannot see):
/// the pages that exist are exactly the pages the placement status lists; each page carries the
/// group labels of the group listing it; each group's pages hold `clusterCount` decisions and
/// all pages `numberOfSelectedClusters`; no cluster is in two pages. With scheduling disabled by
/// the `experimental-scheduling-disable` annotation nobody maintains the placement status, so
/// only the page labels (as sdk-go reads them) and the duplicate check are used.
///
/// This is only half of the rule: a half-rewritten set can pass it. [`PlacementDecisions`]
/// adds the settle window.
///
/// [`PlacementDecisions`]: super::PlacementDecisions
pub fn check_consistent<'a>(
    placement: Option<&Placement>,
    pages: impl IntoIterator<Item = &'a PlacementDecision>,
) -> Result<DecisionSet, Inconsistency> {
    let Some(placement) = placement else {
        let n = pages.into_iter().count();
        return if n == 0 {
            Ok(DecisionSet::default())
        } else {
            Err(Inconsistency::PlacementNotFound { pages: n })
        };
    };
    let name = placement.metadata.name.as_deref().unwrap_or_default();
    let pages: BTreeMap<&str, &PlacementDecision> = pages
        .into_iter()
        .filter(|p| label(p, labels::PLACEMENT) == Some(name))
        .map(|p| (page_name(p), p))
        .collect();

    let disabled = placement
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(annotations::EXPERIMENTAL_SCHEDULING_DISABLE))
        .is_some_and(|v| v == "true");
    if disabled {
        let mut keyed = Vec::with_capacity(pages.len());
        for (page, pd) in &pages {
            let index = label(pd, labels::DECISION_GROUP_INDEX);
            let index = index.and_then(|i| i.parse::<i32>().ok()).ok_or_else(|| {
                Inconsistency::BadGroupIndex {
                    page: (*page).to_owned(),
                    found: index.map(str::to_owned),
                }
            })?;
            let name = label(pd, labels::DECISION_GROUP_NAME).unwrap_or_default();
            keyed.push((GroupKey::new(name, index), *pd));
        }
        return collect(keyed);
    }

    let status = placement.status.as_ref();
    let groups = status.map(|s| s.decision_groups.as_slice()).unwrap_or(&[]);
    if groups.is_empty() {
        return Err(Inconsistency::NotScheduled);
    }
    let mut listed: BTreeMap<&str, GroupKey> = BTreeMap::new();
    for g in groups {
        let key = GroupKey::new(g.decision_group_name.clone(), g.decision_group_index);
        for page in &g.decisions {
            if listed.insert(page.as_str(), key.clone()).is_some() {
                return Err(Inconsistency::PageListedTwice { page: page.clone() });
            }
        }
    }
    if let Some(page) = listed.keys().find(|p| !pages.contains_key(*p)) {
        return Err(Inconsistency::MissingPage {
            page: (*page).to_owned(),
        });
    }
    if let Some(page) = pages.keys().find(|p| !listed.contains_key(*p)) {
        return Err(Inconsistency::UnlistedPage {
            page: (*page).to_owned(),
        });
    }
    let mut keyed = Vec::with_capacity(pages.len());
    for (page, key) in &listed {
        let pd = pages[page];
        let found_index = label(pd, labels::DECISION_GROUP_INDEX);
        let found_name = label(pd, labels::DECISION_GROUP_NAME);
        if found_index != Some(key.index.to_string().as_str())
            || found_name.unwrap_or_default() != key.name
        {
            return Err(Inconsistency::GroupLabelMismatch {
                page: (*page).to_owned(),
                expected: key.clone(),
                found_index: found_index.map(str::to_owned),
                found_name: found_name.map(str::to_owned),
            });
        }
        keyed.push((key.clone(), pd));
    }
    let mut total = 0;
    for g in groups {
        let found: usize = g
            .decisions
            .iter()
            .map(|p| decision_count(pages[p.as_str()]))
            .sum();
        total += found;
        if i64::try_from(found).ok() != Some(i64::from(g.clusters_count)) {
            return Err(Inconsistency::GroupCount {
                group: GroupKey::new(g.decision_group_name.clone(), g.decision_group_index),
                expected: i64::from(g.clusters_count),
                found,
            });
        }
    }
    let expected = status.map_or(0, |s| i64::from(s.number_of_selected_clusters));
    if i64::try_from(total).ok() != Some(expected) {
        return Err(Inconsistency::TotalCount {
            expected,
            found: total,
        });
    }
    collect(keyed)
}
