//! Full `ManagedCluster` objects for the differential test: every field upstream's CEL can
//! read, varied (version, conditions, annotations, uid, creation time, client configs, lease,
//! managed namespaces, quantities in several forms), and CEL expressions over each of them,
//! some misconfigured.

use super::Rng;
use jiff::{SignedDuration, Timestamp};
use ocm_placement::*;
use serde_json::{Value, json};

/// CEL expressions over the fields the reduced model does not have, or in forms that depend
/// on Go's encoding; reading an absent field is an error (the cluster does not match).
pub const FULL_CEL: &[&str] = &[
    r#"managedCluster.status.version.kubernetes.startsWith("v1.3")"#,
    r#"has(managedCluster.status.version.kubernetes)"#,
    r#"managedCluster.status.conditions.exists(c, c.type == "ManagedClusterConditionAvailable" && c.status == "True")"#,
    r#"size(managedCluster.status.conditions) > 0"#,
    r#"managedCluster.status.conditions == null"#,
    r#"managedCluster.status.conditions.all(c, c.reason != "" && c.message == "")"#,
    r#"managedCluster.metadata.annotations["owner"] == "team-a""#,
    r#""owner" in managedCluster.metadata.annotations"#,
    r#"managedCluster.metadata.uid.startsWith("u-")"#,
    r#"timestamp(managedCluster.metadata.creationTimestamp) < timestamp("2025-12-31T23:00:00Z")"#,
    r#"managedCluster.metadata.creationTimestamp == null"#,
    r#"managedCluster.spec.hubAcceptsClient"#,
    r#"!managedCluster.spec.hubAcceptsClient"#,
    r#"managedCluster.spec.leaseDurationSeconds == 60"#,
    r#"managedCluster.spec.managedClusterClientConfigs.exists(c, c.url.startsWith("https://") && has(c.caBundle))"#,
    r#"managedCluster.spec.taints.exists(t, t.timeAdded != null && timestamp(t.timeAdded) > timestamp("2025-12-31T23:57:00Z"))"#,
    r#"managedCluster.spec.taints.all(t, t.effect != "NoSelect" || has(t.value))"#,
    r#"managedCluster.status.allocatable.cpu == "4""#,
    r#"managedCluster.status.allocatable.cpu in ["1500m", "2", "4", "8"]"#,
    r#"managedCluster.status.capacity.memory == "16Gi""#,
    r#"managedCluster.status.allocatable.memory.endsWith("Gi")"#,
    r#"quantity(managedCluster.status.allocatable.memory).isGreaterThan(quantity("2Gi"))"#,
    r#"managedCluster.status.clusterClaims.exists(c, c.name == "region" && c.value == "eu")"#,
    r#"managedCluster.status.managedNamespaces.exists(n, n.clusterSet == "set0")"#,
    r#"managedCluster.metadata.generation > 1"#,
    r#"managedCluster.metadata.finalizers.size() > 0"#,
    r#"managedCluster.kind == "ManagedCluster""#,
    r#"size(managedCluster.metadata.labels) >= 2"#,
    r#"managedCluster.metadata.resourceVersion != "" && managedCluster.metadata.name != """#,
];

/// Misconfigured: undeclared names, type errors, bad arity.
pub const BAD_CEL: &[&str] = &[
    r#"undeclaredVariable == "x""#,
    r#"managedCluster.metadata.name.startsWith(1)"#,
    r#"size(managedCluster.metadata.labels, 1) > 0"#,
    r#"managedCluster.scores(1).size() > 0"#,
    r#"1 == "a""#,
    r#"nosuchFunction(managedCluster) == 1"#,
    r#"managedCluster.status.version.kubernetes.startsWith("v1") && 1"#,
];

const CPU_FORMS: &[&str] = &[
    "4", "4000m", "3800m", "1.5", "1500m", "2", "2000m", "8", "0.5", "1k",
];
const MEMORY_FORMS: &[&str] = &[
    "1Gi",
    "1024Mi",
    "1.5Gi",
    "4096Mi",
    "3G",
    "3000M",
    "1e9",
    "512Mi",
    "2147483648",
    "16Gi",
];

/// A time `secs` before `now` in one of several encodings (Go re-encodes times in UTC with
/// whole seconds); with `fraction`, possibly with milliseconds.
fn at(now: Timestamp, secs: i64, fraction: bool) -> String {
    let t = now
        .checked_sub(SignedDuration::from_secs(secs))
        .unwrap_or(now);
    match secs % 3 {
        1 if fraction => (t + SignedDuration::from_millis(250))
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
        0 | 1 => wire::time(t),
        _ => t
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(2)))
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
    }
}

fn condition(rng: &mut Rng, now: Timestamp, ty: &str) -> Value {
    let mut c = json!({
        "type": ty,
        "status": *rng.pick(&["True", "False", "Unknown"]),
        "lastTransitionTime": at(now, rng.range(0, 5000), true),
        "reason": *rng.pick(&["ManagedClusterAvailable", "", "Joined"]),
        "message": *rng.pick(&["", "ok"]),
    });
    if rng.pct(50) {
        c["observedGeneration"] = json!(rng.range(0, 3));
    }
    c
}

/// The full object of a generated cluster: its wire form plus varied other fields.
pub fn full_cluster(rng: &mut Rng, c: &ManagedCluster, now: Timestamp) -> Value {
    let mut v = wire::managed_cluster_object(c);
    let md = &mut v["metadata"];
    if rng.pct(80) {
        md["uid"] = json!(format!("{}-{}", rng.pick(&["u", "x"]), rng.below(1000)));
        md["resourceVersion"] = json!(rng.below(100_000).to_string());
    }
    if rng.pct(70) {
        md["creationTimestamp"] = json!(at(now, rng.range(0, 7200), true));
    }
    if rng.pct(50) {
        md["generation"] = json!(rng.range(1, 3));
    }
    if rng.pct(50) {
        md["annotations"] = match rng.below(3) {
            0 => json!({}),
            1 => json!({"owner": "team-a"}),
            _ => json!({"owner": "team-b", "note": "x"}),
        };
    }
    if rng.pct(20) && md.get("finalizers").is_none() {
        md["finalizers"] = json!(["cluster.open-cluster-management.io/api-resource-cleanup"]);
    }
    if rng.pct(10) {
        md["labels"] = json!({});
    }
    let spec = &mut v["spec"];
    if rng.pct(60) {
        spec["hubAcceptsClient"] = json!(rng.pct(70));
    }
    if rng.pct(50) {
        spec["leaseDurationSeconds"] = json!(*rng.pick(&[0, 60, 30]));
    }
    if rng.pct(40) {
        let mut cfg = json!({"url": *rng.pick(&["https://api.example.com:6443", "http://x"])});
        if rng.pct(50) {
            cfg["caBundle"] = json!("Y2E=");
        }
        spec["managedClusterClientConfigs"] = json!([cfg]);
    }
    if let Some(taints) = spec.get_mut("taints").and_then(Value::as_array_mut) {
        for t in taints {
            if let Some(Value::String(s)) = t.get("timeAdded")
                && let Ok(ts) = s.parse::<Timestamp>()
            {
                let secs = now.as_second() - ts.as_second();
                t["timeAdded"] = json!(at(now, secs, false));
            }
        }
    }
    let status = &mut v["status"];
    match rng.below(10) {
        0..=3 => {}
        4 => status["conditions"] = json!([]),
        _ => {
            let mut cs = vec![condition(rng, now, "ManagedClusterConditionAvailable")];
            if rng.pct(50) {
                cs.push(condition(rng, now, "ManagedClusterJoined"));
            }
            status["conditions"] = Value::Array(cs);
        }
    }
    match rng.below(5) {
        0..=2 => {
            status["version"] = json!({"kubernetes": *rng.pick(&["v1.30.2", "v1.31.0", "v1.29.1"])})
        }
        3 => status["version"] = json!({}),
        _ => {}
    }
    if rng.pct(20) {
        status["managedNamespaces"] =
            json!([{"name": "ns1", "clusterSet": *rng.pick(&["set0", "set1"])}]);
    }
    // Quantities in other forms of (nearly) the same values.
    for (key, forms) in [("cpu", CPU_FORMS), ("memory", MEMORY_FORMS)] {
        for list in ["allocatable", "capacity"] {
            if status.get(list).and_then(|l| l.get(key)).is_some() && rng.pct(50) {
                status[list][key] = json!(*rng.pick(forms));
            }
        }
    }
    v
}

/// Replaces the snapshot's clusters by full objects converted through the public `ocm-api`
/// path, adds CEL predicates over the new fields to the placement, and returns the objects
/// (the Go side's clusters).
pub fn with_full_objects(
    rng: &mut Rng,
    placement: &mut Placement,
    snapshot: &mut Snapshot,
    now: Timestamp,
) -> Vec<Value> {
    let mut objects = Vec::with_capacity(snapshot.clusters.len());
    for c in &mut snapshot.clusters {
        let object = full_cluster(rng, c, now);
        let mut converted = ManagedCluster::try_from(&object).expect("a generated object converts");
        converted.scores = std::mem::take(&mut c.scores);
        *c = converted;
        objects.push(object);
    }
    if rng.pct(85) {
        let mut sel = ClusterSelector::default().with_cel(*rng.pick(FULL_CEL));
        if rng.pct(30) {
            sel = sel.with_cel(*rng.pick(FULL_CEL));
        }
        if rng.pct(8) {
            sel = sel.with_cel(*rng.pick(BAD_CEL));
        }
        placement.spec.predicates.push(ClusterPredicate::new(sel));
    }
    objects
}
