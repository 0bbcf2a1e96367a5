//! A custom filter and a custom prioritizer next to upstream's plugins, and a what-if run
//! against a snapshot saved as JSON.
//!
//! `cargo run -p ocm-placement --example custom_plugin`

use ocm_placement::{
    ClusterSelector, Filter, Filtered, LabelSelector, ManagedCluster, ManagedClusterSet,
    ManagedClusterSetBinding, Placement, PlacementSpec, PluginError, Prioritizer,
    PrioritizerConfig, ScheduleContext, Scheduler, Scores, Snapshot, default_plugins, labels,
};

/// Drops clusters that are in a maintenance window (label `maintenance=true`).
struct NotInMaintenance;

impl Filter for NotInMaintenance {
    fn name(&self) -> &str {
        "NotInMaintenance"
    }

    fn filter(
        &self,
        _cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Filtered, PluginError> {
        Ok(Filtered::new(
            clusters
                .iter()
                .map(|c| c.labels.get("maintenance").map(String::as_str) != Some("true"))
                .collect(),
        ))
    }
}

/// Prefers clusters with a lower `cost` label (0..=100): score = 100 - 2 * cost.
struct Cheapest;

impl Prioritizer for Cheapest {
    fn name(&self) -> &str {
        "Cheapest"
    }

    fn score(
        &self,
        _cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Scores, PluginError> {
        Ok(Scores::new(
            clusters
                .iter()
                .map(|c| {
                    let cost: i64 = c.labels.get("cost").and_then(|v| v.parse().ok())?;
                    Some(100 - 2 * cost.clamp(0, 100))
                })
                .collect(),
        ))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A hub: one cluster set bound into namespace `apps`, four clusters.
    let mut snapshot = Snapshot::new()
        .with_cluster_set(ManagedClusterSet::exclusive("fleet"))
        .with_binding(ManagedClusterSetBinding::new("apps", "fleet"));
    for (name, cost, maintenance) in [
        ("aws-1", 30, false),
        ("aws-2", 10, true),
        ("gcp-1", 20, false),
        ("onprem", 0, false),
    ] {
        let mut c = ManagedCluster::new(name)
            .with_label(labels::CLUSTER_SET, "fleet")
            .with_label("cost", cost.to_string())
            .with_label("cloud", name.split('-').next().unwrap_or(name));
        if maintenance {
            c = c.with_label("maintenance", "true");
        }
        snapshot = snapshot.with_cluster(c);
    }

    // Two clusters, not on-prem; Cheapest weighs 3 on top of Balance and Steady.
    let mut spec = PlacementSpec::default();
    spec.number_of_clusters = Some(2);
    spec.predicates.push(ocm_placement::ClusterPredicate::new(
        ClusterSelector::default().with_labels(LabelSelector::default().with_expression(
            ocm_placement::LabelSelectorRequirement::new("cloud", "NotIn", &["onprem"]),
        )),
    ));
    spec.prioritizer_policy
        .configurations
        .push(PrioritizerConfig::builtin("Cheapest", 3));
    let placement = Placement::new("apps", "web").with_spec(spec);

    let registry = default_plugins()
        .filter(NotInMaintenance)
        .prioritizer(Cheapest)
        .build();
    let scheduler = Scheduler::new(registry);
    let now = "2026-01-01T00:00:00Z".parse()?;
    let outcome = scheduler.explain(&placement, &snapshot, now)?;

    println!("decisions: {:?}", outcome.decisions);
    for c in &outcome.explanation.clusters {
        println!("  {:<8} {:?} total={:?}", c.name, c.verdict, c.total);
        for t in &c.scores {
            println!(
                "           {:<10} score={:?} x weight {} = {}",
                t.prioritizer, t.score, t.weight, t.product
            );
        }
    }

    // What-if: save the snapshot, change it, and replay.
    let saved = serde_json::to_string(&snapshot)?;
    let mut replay: Snapshot = serde_json::from_str(&saved)?;
    replay.clusters.retain(|c| c.name != "gcp-1");
    let what_if = scheduler.schedule(&placement, &replay, now)?;
    println!("without gcp-1: {:?}", what_if.decisions);
    if let Some(s) = &what_if.explanation.shortfall {
        println!("  shortfall: {s}");
    }
    Ok(())
}
