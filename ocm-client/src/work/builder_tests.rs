//! Unit tests of the builder: wire form, refusals by index, splitting.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{ApiResource, DynamicObject, GroupVersionKind};
use ocm_api::work::v1::{DeletePropagationPolicyType, ManifestConfigOption, ResourceIdentifier};
use serde_json::{Value, json};

use super::budget::manifest_size;
use super::{BuildError, ManifestWorkBuilder, resource_identifier, rules};

fn config_map(name: &str, payload: usize) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.into());
    cm.metadata.namespace = Some("default".into());
    cm.data = Some([("payload".to_string(), "x".repeat(payload))].into());
    cm
}

fn wire(work: &impl serde::Serialize) -> Value {
    serde_json::to_value(work).unwrap_or_default()
}

#[test]
fn wire_form_is_what_upstream_expects() {
    let mut d = Deployment::default();
    d.metadata.name = Some("web".into());
    d.metadata.namespace = Some("default".into());
    let id = resource_identifier(&d);
    let work = ManifestWorkBuilder::new("web")
        .namespace("cluster1")
        .label("app", "web")
        .manifest(&d)
        .feedback(
            id.clone(),
            rules::json_paths([("replicas", ".spec.replicas")]),
        )
        .feedback(id.clone(), rules::well_known_status())
        .update_strategy(id.clone(), rules::server_side_apply())
        .condition_rule(id, rules::cel("Ready", ["object.spec.replicas > 0"]))
        .delete_propagation(DeletePropagationPolicyType::Orphan)
        .build();
    let expected = json!({
        "apiVersion": "work.open-cluster-management.io/v1",
        "kind": "ManifestWork",
        "metadata": {"name": "web", "namespace": "cluster1", "labels": {"app": "web"}},
        "spec": {
            "workload": {"manifests": [{
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "default"},
            }]},
            "deleteOption": {"propagationPolicy": "Orphan"},
            "manifestConfigs": [{
                "resourceIdentifier": {"group": "apps", "resource": "deployments",
                    "name": "web", "namespace": "default"},
                "feedbackRules": [
                    {"type": "JSONPaths", "jsonPaths": [{"name": "replicas", "path": ".spec.replicas"}]},
                    {"type": "WellKnownStatus"},
                ],
                "updateStrategy": {"type": "ServerSideApply", "serverSideApply": {"force": false}},
                "conditionRules": [{"condition": "Ready", "type": "CEL",
                    "celExpressions": ["object.spec.replicas > 0"], "message": "", "messageExpression": ""}],
            }],
        },
    });
    assert_eq!(work.as_ref().map(wire).ok(), Some(expected));
}

#[test]
fn json_and_dynamic_objects_are_manifests() {
    let gvk = GroupVersionKind::gvk("example.com", "v1", "Widget");
    let mut widget = DynamicObject::new("w1", &ApiResource::from_gvk(&gvk)).within("default");
    widget.data = json!({"spec": {"size": 3}});
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
    let work = ManifestWorkBuilder::new("mixed")
        .manifest(&widget)
        .manifest(&cm)
        .build();
    let manifests = work.map(|w| wire(&w)["spec"]["workload"]["manifests"].clone());
    assert_eq!(
        manifests.ok(),
        Some(json!([
            {"apiVersion": "example.com/v1", "kind": "Widget",
             "metadata": {"name": "w1", "namespace": "default"}, "spec": {"size": 3}},
            cm,
        ]))
    );
}

#[test]
fn bad_manifests_are_refused_by_index() {
    let ok = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
    let build = |bad: Value| {
        ManifestWorkBuilder::new("w")
            .manifest(&ok)
            .manifest(&bad)
            .build()
    };
    assert!(matches!(
        build(json!({"kind": "ConfigMap", "metadata": {"name": "b"}})),
        Err(BuildError::MissingField {
            index: 1,
            field: "apiVersion"
        })
    ));
    assert!(matches!(
        build(json!({"apiVersion": "v1", "metadata": {"name": "b"}})),
        Err(BuildError::MissingField {
            index: 1,
            field: "kind"
        })
    ));
    assert!(matches!(
        build(json!({"apiVersion": "v1", "kind": "ConfigMap"})),
        Err(BuildError::MissingField {
            index: 1,
            field: "metadata.name"
        })
    ));
    assert!(matches!(
        build(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "b-"}})),
        Err(BuildError::GenerateName { index: 1 })
    ));
    assert!(matches!(
        build(json!([1])),
        Err(BuildError::NotAnObject {
            index: 1,
            found: "an array"
        })
    ));
    assert!(matches!(
        build(ok.clone()),
        Err(BuildError::Duplicate {
            first: 0,
            second: 1,
            ..
        })
    ));
    // A DynamicObject without its types has no apiVersion.
    let untyped = DynamicObject {
        types: None,
        metadata: kube::api::ObjectMeta {
            name: Some("x".into()),
            ..Default::default()
        },
        data: json!({}),
    };
    assert!(matches!(
        ManifestWorkBuilder::new("w").manifest(&untyped).build(),
        Err(BuildError::MissingField {
            index: 0,
            field: "apiVersion"
        })
    ));
    assert!(matches!(
        ManifestWorkBuilder::new("w").build(),
        Err(BuildError::Empty { .. })
    ));
    let msg = build(json!({"kind": "ConfigMap", "metadata": {"name": "b"}}))
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        msg.as_deref(),
        Some("manifest 1: expected a non-empty string at apiVersion, found none")
    );
}

#[test]
fn build_refuses_over_budget_and_one_manifest_too_large() {
    let (a, b) = (config_map("a", 1000), config_map("b", 1000));
    let size_a =
        manifest_size(&ocm_api::work::v1::Manifest::try_from_object(&a).unwrap_or_default());
    // Exactly one manifest's size is not below the budget.
    let one = ManifestWorkBuilder::new("w")
        .budget(size_a)
        .manifest(&a)
        .build();
    assert!(matches!(
        one,
        Err(BuildError::ManifestTooLarge { index: 0, .. })
    ));
    let fits = ManifestWorkBuilder::new("w")
        .budget(size_a + 1)
        .manifest(&a)
        .build();
    assert!(fits.is_ok());
    let two = ManifestWorkBuilder::new("w")
        .budget(2 * size_a)
        .manifest(&a)
        .manifest(&b)
        .build();
    assert!(
        matches!(two, Err(BuildError::OverBudget { size, budget }) if size == 2 * size_a && budget == 2 * size_a)
    );
    let too_large = ManifestWorkBuilder::new("w")
        .budget(size_a)
        .manifest(&config_map("small", 1))
        .manifest(&a)
        .build_split();
    assert!(matches!(
        too_large,
        Err(BuildError::ManifestTooLarge { index: 1, .. })
    ));
}

#[test]
fn split_names_works_and_configs_follow_their_manifests() {
    let cms: Vec<ConfigMap> = (0..5)
        .map(|i| config_map(&format!("cm{i}"), 1000))
        .collect();
    let size =
        manifest_size(&ocm_api::work::v1::Manifest::try_from_object(&cms[0]).unwrap_or_default());
    let mut b = ManifestWorkBuilder::new("big");
    b.namespace("cluster1").budget(2 * size + 1).manifests(&cms);
    for cm in &cms {
        b.feedback(
            resource_identifier(cm),
            rules::json_paths([("p", ".data.payload")]),
        );
    }
    // A config naming nothing in the work goes everywhere, as upstream does.
    let everywhere = ResourceIdentifier {
        resource: "secrets".into(),
        name: "*".into(),
        namespace: "*".into(),
        ..Default::default()
    };
    b.manifest_config(ManifestConfigOption::new(everywhere.clone()));
    let works = b.build_split().unwrap_or_default();
    let names: Vec<_> = works
        .iter()
        .filter_map(|w| w.metadata.name.clone())
        .collect();
    assert_eq!(names, ["big-0", "big-1", "big-2"]);
    let manifest_names = |w: &ocm_api::work::v1::ManifestWork| -> Vec<String> {
        w.spec
            .workload
            .manifests
            .iter()
            .filter_map(|m| m.as_value()["metadata"]["name"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(manifest_names(&works[0]), ["cm0", "cm1"]);
    assert_eq!(manifest_names(&works[1]), ["cm2", "cm3"]);
    assert_eq!(manifest_names(&works[2]), ["cm4"]);
    for w in &works {
        assert_eq!(w.metadata.namespace.as_deref(), Some("cluster1"));
        let config_names: Vec<String> = w
            .spec
            .manifest_configs
            .iter()
            .map(|c| c.resource_identifier.name.clone())
            .collect();
        let mut expected = manifest_names(w);
        expected.push("*".into());
        assert_eq!(config_names, expected);
        let total: usize = w.spec.workload.manifests.iter().map(manifest_size).sum();
        assert!(total < 2 * size + 1);
    }
    // Under the budget, one work: still `-0`.
    let one = ManifestWorkBuilder::new("small")
        .manifest(&cms[0])
        .build_split()
        .unwrap_or_default();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].metadata.name.as_deref(), Some("small-0"));
}
