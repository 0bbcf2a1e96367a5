//! The decisions test's model of the Go placement controller's grouping ([`Model`]), the steps
//! it drives, and the control readers' tally ([`Control`]).

use std::collections::{BTreeMap, BTreeSet};

use ocm_api::cluster::v1beta1::PlacementDecision;
use ocm_client::decisions::GroupKey;
use serde_json::{Value, json};

pub type State = BTreeMap<String, GroupKey>;

/// The steps of one round: placement specs, and toggles of cluster c000's `join` label (one
/// write each, so every state the controller converges to is one the model computes).
pub fn steps() -> Vec<Step> {
    let canary = |m: &str| json!([{"groupName": "canary", "groupClusterSelector": {"labelSelector": {"matchLabels": {"mod3": m}}}}]);
    vec![
        Step::Spec(json!({"decisionGroups": canary("0")}), false),
        Step::Spec(json!({"decisionGroups": canary("1")}), false),
        Step::Spec(json!({"decisionGroups": canary("0")}), true),
        Step::Spec(json!({"clustersPerDecisionGroup": 70}), false),
        Step::Spec(json!({"clustersPerDecisionGroup": 150}), false),
        Step::Spec(Value::Null, false),
        // With one group of pages 100 + 60: c000 leaving pulls c100 into page 1 (a duplicate
        // mid-rewrite); c000 joining pushes c100 out of page 1 (ocm#1346: c100 in no page).
        Step::Join(false),
        Step::Join(true),
        Step::Join(false),
        Step::Join(true),
    ]
}

#[derive(Clone, Debug)]
pub enum Step {
    /// `spec.decisionStrategy.groupStrategy` (or none), and whether to select only `half=a`.
    Spec(Value, bool),
    /// Set c000's `join` label to `yes` (true) or `no`.
    Join(bool),
}

/// What the control readers saw.
#[derive(Default, Debug)]
pub struct Control {
    /// Lists of the pages (each at one instant).
    pub reads: usize,
    /// Lists whose union is no state the controller converged to.
    pub partial: usize,
    /// Lists with a cluster in two pages.
    pub duplicates: usize,
    /// Lists, during the sequential steps, missing a cluster that is in both the state before
    /// and the state after the step (the ocm#1346 symptom), and examples.
    pub missing: usize,
    pub examples: Vec<String>,
    /// Lists taken while the placement stayed unchanged (a true snapshot of placement and
    /// pages), and how many of those passed the structural rule alone with a set the
    /// controller never converged to: what the settle window is for.
    pub snapshots: usize,
    pub structural_only_wrong: usize,
}

impl Control {
    /// Classifies one list of the pages, given the converged states so far and whether the
    /// sequential phase (one step at a time) is on.
    pub fn record(&mut self, pages: &[PlacementDecision], converged: &[State], sequential: bool) {
        let mut seen = BTreeSet::new();
        let mut duplicate = false;
        for pd in pages {
            for d in pd.status.iter().flat_map(|s| &s.decisions) {
                duplicate |= !seen.insert(d.cluster_name.clone());
            }
        }
        self.reads += 1;
        self.duplicates += usize::from(duplicate);
        let names = |s: &State| s.keys().cloned().collect::<BTreeSet<_>>();
        if !converged.iter().any(|s| names(s) == seen) {
            self.partial += 1;
        }
        if let [.., before, after] = converged
            && sequential
        {
            let stable: Vec<String> = names(before)
                .intersection(&names(after))
                .filter(|c| !seen.contains(*c))
                .cloned()
                .collect();
            if !stable.is_empty() {
                self.missing += 1;
                if self.examples.len() < 5 {
                    self.examples.push(format!(
                        "{} of {} clusters, missing {:?}",
                        seen.len(),
                        after.len(),
                        stable.iter().take(3).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
}

/// What the Go controller converges to, computed from the labels and the placement spec
/// (no `numberOfClusters`, so every matching cluster is selected; then
/// `generateDecisionGroups`: each predefined group takes the matching clusters not yet taken,
/// the rest form unnamed groups, every group sorted by name and cut into
/// `clustersPerDecisionGroup`).
#[derive(Default)]
pub struct Model {
    pub clusters: BTreeMap<String, BTreeMap<String, String>>,
    pub strategy: Value,
    pub half: bool,
}

impl Model {
    pub fn apply(&mut self, step: &Step) {
        match step {
            Step::Spec(strategy, half) => {
                self.strategy = strategy.clone();
                self.half = *half;
            }
            Step::Join(join) => {
                if let Some(l) = self.clusters.get_mut("c000") {
                    l.insert("join".into(), if *join { "yes" } else { "no" }.into());
                }
            }
        }
    }

    pub fn state(&self) -> State {
        let label = |c: &str, k: &str| self.clusters.get(c).and_then(|l| l.get(k)).cloned();
        let mut remaining: BTreeSet<String> = self
            .clusters
            .keys()
            .filter(|c| label(c, "join").as_deref() == Some("yes"))
            .filter(|c| !self.half || label(c, "half").as_deref() == Some("a"))
            .cloned()
            .collect();
        let total = remaining.len();
        let length = self.strategy["clustersPerDecisionGroup"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0 && *n <= total)
            .unwrap_or(total);
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        let mut divide = |name: &str, clusters: Vec<String>| {
            for chunk in clusters.chunks(length.max(1)) {
                groups.push((name.to_owned(), chunk.to_vec()));
            }
        };
        for g in self.strategy["decisionGroups"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let name = g["groupName"].as_str().unwrap_or_default();
            let want = g["groupClusterSelector"]["labelSelector"]["matchLabels"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let matched: Vec<String> = remaining
                .iter()
                .filter(|c| {
                    want.iter()
                        .all(|(k, v)| label(c, k).as_deref() == v.as_str())
                })
                .cloned()
                .collect();
            for c in &matched {
                remaining.remove(c);
            }
            divide(name, matched);
        }
        divide("", remaining.into_iter().collect());
        let mut state = State::new();
        for (index, (name, clusters)) in groups.into_iter().enumerate() {
            let index = i32::try_from(index).unwrap_or(i32::MAX);
            for c in clusters {
                state.insert(c, GroupKey::new(name.clone(), index));
            }
        }
        state
    }
}
