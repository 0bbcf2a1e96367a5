//! Unit tests of the pipeline's run status, requeue time and group lengths.

use super::groups::calculate_length;
use super::*;
use crate::model::IntOrString;
use crate::model::{ManagedClusterSet, ManagedClusterSetBinding, PlacementSpec};
use crate::plugin::Prioritizer;
use crate::plugin::{Filter, Filtered, Scores};
use crate::registry::default_plugins;

/// A filter keeping everything, or failing with `fail`; warns if `warn` is set.
struct Probe {
    name: &'static str,
    fail: Option<PluginError>,
    warn: Option<&'static str>,
}

impl Filter for Probe {
    fn name(&self) -> &str {
        self.name
    }
    fn filter(
        &self,
        _cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Filtered, PluginError> {
        if let Some(e) = &self.fail {
            return Err(e.clone());
        }
        let f = Filtered::all(clusters.len());
        Ok(match self.warn {
            Some(w) => f.with_warning(w),
            None => f,
        })
    }
}

/// A prioritizer scoring 0 that warns.
struct WarnScore;

impl Prioritizer for WarnScore {
    fn name(&self) -> &str {
        "WarnScore"
    }
    fn score(
        &self,
        _cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Scores, PluginError> {
        Ok(Scores::new(vec![Some(0); clusters.len()]).with_warning("score warning"))
    }
}

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap_or_default()
}

fn snapshot() -> Snapshot {
    Snapshot::new()
        .with_cluster_set(ManagedClusterSet::exclusive("prod"))
        .with_binding(ManagedClusterSetBinding::new("apps", "prod"))
        .with_cluster(ManagedCluster::new("east").with_label(crate::labels::CLUSTER_SET, "prod"))
}

fn run(registry: Registry, spec: PlacementSpec) -> ScheduleOutcome {
    let placement = Placement::new("apps", "web").with_spec(spec);
    Scheduler::new(registry)
        .schedule(&placement, &snapshot(), now())
        .unwrap_or_else(|e| panic!("schedule failed: {e}"))
}

fn probe(name: &'static str, fail: Option<PluginError>, warn: Option<&'static str>) -> Probe {
    Probe { name, fail, warn }
}

#[test]
fn run_status_success() {
    let o = run(default_plugins().build(), PlacementSpec::default());
    assert_eq!(o.run_status, RunStatus::Success);
    assert!(o.run_status.is_success() && !o.run_status.is_error());
    assert_eq!((o.run_status.code(), o.run_status.message()), (0, ""));
    assert_eq!(o.decisions, ["east"]);
}

#[test]
fn run_status_last_warning_wins() {
    let registry = default_plugins()
        .filter(probe("First", None, Some("first warning")))
        .filter(probe("Second", None, Some("second warning")))
        .build();
    let o = run(registry, PlacementSpec::default());
    assert_eq!(
        o.run_status,
        RunStatus::Warning {
            plugin: "Second".into(),
            message: "second warning".into()
        }
    );
    assert!(!o.run_status.is_success() && !o.run_status.is_error());
    assert_eq!(o.run_status.code(), 1);
    assert_eq!(o.explanation.warnings.len(), 2);
    // A warning does not stop scheduling.
    assert_eq!(o.decisions, ["east"]);

    let registry = default_plugins()
        .prioritizer(WarnScore)
        .default_weight("WarnScore", 1)
        .build();
    let o = run(registry, PlacementSpec::default());
    assert_eq!(o.run_status.plugin(), "WarnScore");
    assert_eq!(o.run_status.message(), "score warning");
}

#[test]
fn run_status_error_beats_earlier_warning() {
    let registry = default_plugins()
        .filter(probe("Warns", None, Some("careful")))
        .filter(probe(
            "Breaks",
            Some(PluginError::Error("boom".into())),
            None,
        ))
        .build();
    let o = run(registry, PlacementSpec::default());
    assert_eq!(
        o.run_status,
        RunStatus::Error {
            plugin: "Breaks".into(),
            message: "boom".into()
        }
    );
    assert!(o.run_status.is_error());
    assert_eq!(o.run_status.code(), 2);
    assert!(o.decisions.is_empty());
    let satisfied = o.status.condition(crate::conditions::PLACEMENT_SATISFIED);
    assert_eq!(satisfied.map(|c| c.message.as_str()), Some("boom"));
}

#[test]
fn run_status_misconfigured() {
    let registry = default_plugins()
        .filter(probe(
            "Picky",
            Some(PluginError::Misconfigured("bad".into())),
            None,
        ))
        .build();
    let o = run(registry, PlacementSpec::default());
    assert_eq!(
        o.run_status,
        RunStatus::Misconfigured {
            plugin: "Picky".into(),
            message: "bad".into()
        }
    );
    assert!(o.run_status.is_error());
    assert_eq!(o.run_status.code(), 3);

    // A misconfiguration without a plugin (numberOfClusters < 0).
    let spec = PlacementSpec {
        number_of_clusters: Some(-1),
        ..PlacementSpec::default()
    };
    let o = run(default_plugins().build(), spec);
    assert!(matches!(
        &o.run_status,
        RunStatus::Misconfigured { plugin, message }
            if plugin.is_empty() && message.contains("numberOfClusters")
    ));

    // Serde round trip, tagged by the code.
    let json = serde_json::to_value(&o.run_status).unwrap_or_default();
    assert_eq!(json["code"], "Misconfigured");
    let back: RunStatus = serde_json::from_value(json).unwrap_or_default();
    assert_eq!(back, o.run_status);
}

#[test]
fn run_status_unscheduled_is_success() {
    // Fewer clusters than requested is not a failure.
    let spec = PlacementSpec {
        number_of_clusters: Some(3),
        ..PlacementSpec::default()
    };
    let o = run(default_plugins().build(), spec);
    assert_eq!(o.run_status, RunStatus::Success);
    let satisfied = o.status.condition(crate::conditions::PLACEMENT_SATISFIED);
    assert_eq!(
        satisfied.map(|c| c.message.as_str()),
        Some("2 cluster decisions unscheduled")
    );
}

#[test]
fn requeue_after_clamps_past_to_zero() {
    let mut o = run(default_plugins().build(), PlacementSpec::default());
    let t = now();
    o.requeue_at = None;
    assert_eq!(o.requeue_after(t), None);
    o.requeue_at = Some(t + jiff::SignedDuration::from_secs(30));
    assert_eq!(o.requeue_after(t), Some(std::time::Duration::from_secs(30)));
    o.requeue_at = Some(t);
    assert_eq!(o.requeue_after(t), Some(std::time::Duration::ZERO));
    o.requeue_at = Some(t - jiff::SignedDuration::from_secs(30));
    assert_eq!(o.requeue_after(t), Some(std::time::Duration::ZERO));
}

#[test]
fn lengths() {
    assert_eq!(calculate_length(&IntOrString::Int(0), 10), Ok(10));
    assert_eq!(calculate_length(&IntOrString::Int(3), 10), Ok(3));
    assert_eq!(calculate_length(&IntOrString::Int(30), 10), Ok(10));
    assert_eq!(calculate_length(&IntOrString::Int(-1), 10), Ok(10));
    assert_eq!(
        calculate_length(&IntOrString::String("25%".into()), 10),
        Ok(3)
    );
    assert_eq!(
        calculate_length(&IntOrString::String("1_0%".into()), 10),
        Ok(1)
    );
    assert_eq!(
        calculate_length(&IntOrString::String("NaN%".into()), 10),
        Ok(10)
    );
    assert_eq!(
        calculate_length(&IntOrString::String("1e9%".into()), 10),
        Ok(10)
    );
    assert!(calculate_length(&IntOrString::String("3".into()), 10).is_err());
    assert!(calculate_length(&IntOrString::String("x%".into()), 10).is_err());
}
