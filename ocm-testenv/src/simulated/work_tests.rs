use super::*;

#[test]
fn json_paths_as_go_reads_them() {
    let obj = json!({"status": {
        "replicas": 3,
        "phase": "Running",
        "ok": true,
        "conditions": [{"type": "Ready", "status": "False"}, {"type": "Complete", "status": "True"}],
        "list": [10, 20],
        "nested": {"a": 1},
    }});
    let at = |p| value_at(&obj, p).expect("parses");
    assert_eq!(at(".status.replicas"), Some(json!(3)));
    assert_eq!(at(".status.phase"), Some(json!("Running")));
    assert_eq!(
        at(r#".status.conditions[?(@.type=="Complete")].status"#),
        Some(json!("True"))
    );
    assert_eq!(at(".status.list[1]"), Some(json!(20)));
    assert_eq!(at(".status.missing"), None);
    assert_eq!(at(r#".status.conditions[?(@.type=="Gone")].status"#), None);
    assert!(value_at(&obj, ".status[").is_err());
    assert!(value_at(&obj, "status").is_err());
    // Objects are not feedback values (Go without RawFeedbackJsonString).
    assert_eq!(field_value(&at(".status.nested").expect("present")), None);
}

fn work(manifests: Vec<Value>, configs: Value) -> ManifestWork {
    serde_json::from_value(json!({
        "apiVersion": "work.open-cluster-management.io/v1",
        "kind": "ManifestWork",
        "metadata": {"name": "w", "namespace": "sim-1", "generation": 2},
        "spec": {"workload": {"manifests": manifests}, "manifestConfigs": configs},
    }))
    .expect("a work")
}

#[test]
fn status_has_the_go_agents_shape() {
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "app"}, "spec": {"replicas": 3}});
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "app"}});
    let w = work(
        vec![ns, deploy],
        json!([{"resourceIdentifier": {"group": "apps", "resource": "deployments", "name": "web", "namespace": "app"},
                "feedbackRules": [{"type": "WellKnownStatus"},
                                  {"type": "JSONPaths", "jsonPaths": [{"name": "spec", "path": ".spec.replicas"}]}]}]),
    );
    let status = desired_status(&w, &Default::default(), |id| {
        (id.resource == "deployments").then(|| json!({"readyReplicas": 2, "replicas": 3}))
    });
    let v = serde_json::to_value(&status).expect("serialises");
    let conds = |v: &Value| -> Vec<(String, String, String)> {
        v.as_array()
            .expect("conditions")
            .iter()
            .map(|c| {
                (
                    c["type"].as_str().unwrap_or_default().into(),
                    c["status"].as_str().unwrap_or_default().into(),
                    c["reason"].as_str().unwrap_or_default().into(),
                )
            })
            .collect()
    };
    let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        conds(&v["conditions"]),
        vec![
            t("Applied", "True", "AppliedManifestWorkComplete"),
            t("Available", "True", "ResourcesAvailable")
        ]
    );
    assert_eq!(v["conditions"][0]["observedGeneration"], json!(2));
    let m = &v["resourceStatus"]["manifests"];
    assert_eq!(
        m[0]["resourceMeta"],
        json!({"ordinal": 0, "group": "", "version": "v1", "kind": "Namespace", "resource": "namespaces", "name": "app", "namespace": ""})
    );
    assert_eq!(m[1]["resourceMeta"]["resource"], json!("deployments"));
    assert_eq!(
        conds(&m[1]["conditions"]),
        vec![
            t("Applied", "True", "AppliedManifestComplete"),
            t("Available", "True", "ResourceAvailable"),
            t("StatusFeedbackSynced", "True", "StatusFeedbackSynced")
        ]
    );
    assert_eq!(
        conds(&m[0]["conditions"])[2],
        t("StatusFeedbackSynced", "True", "NoStatusFeedbackSynced")
    );
    let values = &m[1]["statusFeedback"]["values"];
    assert_eq!(
        values[0],
        json!({"name": "ReadyReplicas", "fieldValue": {"type": "Integer", "integer": 2}})
    );
    assert_eq!(values[1]["name"], json!("Replicas"));
    // AvailableReplicas is missing: skipped, as Go's AllowMissingKeys.
    assert_eq!(
        values[2],
        json!({"name": "spec", "fieldValue": {"type": "Integer", "integer": 3}})
    );
    // Unchanged input: the same status (nothing to patch).
    let again = desired_status(&w, &status, |id| {
        (id.resource == "deployments").then(|| json!({"readyReplicas": 2, "replicas": 3}))
    });
    assert_eq!(again, status);
}

#[test]
fn well_known_status_of_an_unknown_kind_fails_the_sync() {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "app"}});
    let w = work(
        vec![cm],
        json!([{"resourceIdentifier": {"group": "", "resource": "configmaps", "name": "c", "namespace": "app"},
                "feedbackRules": [{"type": "WellKnownStatus"}]}]),
    );
    let status = desired_status(&w, &Default::default(), |_| None);
    let c = &status.resource_status.manifests[0].conditions[2];
    assert_eq!(
        (c.status.as_str(), c.reason.as_str()),
        ("False", "StatusFeedbackSyncFailed")
    );
    assert!(
        c.message.contains("cannot find the wellknown statuses"),
        "{}",
        c.message
    );
}

#[test]
fn an_empty_work_is_not_applied_and_available_unknown() {
    let status = desired_status(&work(vec![], json!([])), &Default::default(), |_| None);
    assert!(conditions::find(&status.conditions, conditions::WORK_APPLIED).is_none());
    let a = conditions::find(&status.conditions, conditions::WORK_AVAILABLE).expect("set");
    assert_eq!(
        (a.status.as_str(), a.reason.as_str()),
        ("Unknown", "ResourcesStatusUnknown")
    );
}
