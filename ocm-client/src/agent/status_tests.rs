use super::*;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use ocm_api::cluster::v1::ManagedClusterSpec;
use serde_json::json;

fn claims(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn names(c: &[ManagedClusterClaim]) -> Vec<&str> {
    c.iter().filter_map(|c| c.name.as_deref()).collect()
}

#[test]
fn reserved_claims_first_then_custom_sorted_and_truncated() {
    let input = claims(&[
        ("z", "1"),
        ("platform.open-cluster-management.io", "p"),
        ("b", "1"),
        ("a", "1"),
        ("id.k8s.io", "i"),
        ("x.mine", "s"),
        ("a", "dup"),
    ]);
    let out = exposed_claims(&input, 2, &[".mine".to_string()]);
    assert_eq!(
        names(&out),
        [
            "id.k8s.io",
            "platform.open-cluster-management.io",
            "x.mine",
            "a",
            "b"
        ]
    );
    assert_eq!(
        out[3].value.as_deref(),
        Some("1"),
        "the first claim of a name wins"
    );
    let many: Vec<(String, String)> = (0..30).map(|i| (format!("c{i:02}"), "v".into())).collect();
    assert_eq!(
        exposed_claims(&many, DEFAULT_MAX_CUSTOM_CLAIMS, &[]).len(),
        20
    );
}

fn cluster(accepted: bool) -> ManagedCluster {
    let mut c = ManagedCluster::new("c1", ManagedClusterSpec::default());
    c.metadata.uid = Some("u1".into());
    c.metadata.resource_version = Some("7".into());
    let mut st = ManagedClusterStatus::default();
    if accepted {
        conditions::set(
            &mut st.conditions,
            conditions::new(
                conditions::MANAGED_CLUSTER_HUB_ACCEPTED,
                status::TRUE,
                "HubClusterAdminAccepted",
                "ok",
            ),
        );
    }
    st.capacity = Some([("other".to_string(), Quantity("1".into()))].into());
    c.status = Some(st);
    c
}

fn report() -> Report {
    Report {
        version: Some("v1.35.4".into()),
        capacity: [("cpu".to_string(), Quantity("8".into()))].into(),
        allocatable: [("cpu".to_string(), Quantity("7".into()))].into(),
        claims: claims(&[("region", "eu")]),
        ..Default::default()
    }
}

#[test]
fn nothing_before_the_hub_accepts() {
    let c = cluster(false);
    let st = desired_status(&c, &report());
    assert_eq!(Some(&st), c.status.as_ref());
    assert!(status_patch(&c, &st).is_none());
}

#[test]
fn accepted_cluster_joins_and_reports() {
    let c = cluster(true);
    let st = desired_status(&c, &report());
    assert!(conditions::is_true(
        &st.conditions,
        conditions::MANAGED_CLUSTER_JOINED
    ));
    assert!(conditions::is_true(
        &st.conditions,
        conditions::MANAGED_CLUSTER_AVAILABLE
    ));
    let capacity = st.capacity.clone().unwrap();
    assert_eq!(
        capacity.keys().collect::<Vec<_>>(),
        ["cpu", "other"],
        "others' capacity kept"
    );
    assert_eq!(
        st.version.clone().unwrap().kubernetes.as_deref(),
        Some("v1.35.4")
    );
    assert_eq!(names(st.cluster_claims.as_deref().unwrap()), ["region"]);
    let patch = status_patch(&c, &st).unwrap();
    assert_eq!(
        patch["metadata"],
        json!({"uid": "u1", "resourceVersion": "7"})
    );
    assert_eq!(
        patch["status"]["conditions"].as_array().unwrap().len(),
        3,
        "lists are replaced whole"
    );
    assert_eq!(
        patch["status"]["capacity"],
        json!({"cpu": "8"}),
        "only the changed keys"
    );
    // Applying the desired status again changes nothing.
    let mut again = c.clone();
    again.status = Some(st.clone());
    assert!(status_patch(&again, &desired_status(&again, &report())).is_none());
}

#[test]
fn unhealthy_cluster_is_unavailable_without_version() {
    let c = cluster(true);
    let st = desired_status(
        &c,
        &Report {
            health: Err("down".into()),
            ..report()
        },
    );
    let available =
        conditions::find(&st.conditions, conditions::MANAGED_CLUSTER_AVAILABLE).unwrap();
    assert_eq!(
        (available.status.as_str(), available.message.as_str()),
        ("False", "down")
    );
    assert_eq!(available.reason, "ManagedClusterKubeAPIServerUnavailable");
    assert!(st.version.is_none());
}

#[test]
fn merge_diff_is_rfc7386() {
    let old = json!({"a": 1, "b": {"c": 1, "d": 2}, "e": [1, 2]});
    let new = json!({"a": 1, "b": {"c": 2}, "e": [1], "f": null});
    assert_eq!(
        merge_diff(&old, &new),
        Some(json!({"b": {"c": 2, "d": null}, "e": [1], "f": null}))
    );
    assert_eq!(merge_diff(&old, &old), None);
}
