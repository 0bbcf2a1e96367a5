//! Rendering and probing, without a server.

use std::collections::BTreeMap;

use ocm_api::addon::v1alpha1::{ManagedClusterAddOn, ManagedClusterAddOnSpec};
use ocm_api::work::v1::{
    FeedbackValue, FieldValue, ResourceIdentifier, StatusFeedbackResult, ValueType,
};
use serde_json::{Value, json};

use crate::health::{FieldResult, workload_check};
use crate::render::{build_works, is_pre_delete};
use crate::{AddonOptions, HealthProber, ResolvedConfigs};

fn addon() -> ManagedClusterAddOn {
    let mut a = ManagedClusterAddOn::new("hello", ManagedClusterAddOnSpec::default());
    a.metadata.namespace = Some("cluster1".into());
    a.metadata.uid = Some("uid-1".into());
    a
}

fn configmap(name: &str, size: usize) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": "ns"}, "data": {"x": "a".repeat(size)}})
}

fn deployment(replicas: i64) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "agent", "namespace": "ns"}, "spec": {"replicas": replicas}})
}

#[test]
fn works_are_named_labelled_annotated_and_owned_as_upstream() {
    let options = AddonOptions::new("hello").health_prober(HealthProber::DeploymentAvailability);
    let hashes: BTreeMap<String, String> = [(
        "addondeploymentconfigs.addon.open-cluster-management.io/default/cfg".to_string(),
        "abc".to_string(),
    )]
    .into();
    let works = build_works(
        &options,
        &addon(),
        vec![configmap("a", 10), deployment(1)],
        &hashes,
    )
    .expect("render");
    assert_eq!(works.deploy.len(), 1);
    assert!(works.pre_delete.is_none());
    let w = &works.deploy[0];
    assert_eq!(w.metadata.name.as_deref(), Some("addon-hello-deploy-0"));
    assert_eq!(w.metadata.namespace.as_deref(), Some("cluster1"));
    let labels = w.metadata.labels.clone().unwrap_or_default();
    assert_eq!(
        labels
            .get("open-cluster-management.io/addon-name")
            .map(String::as_str),
        Some("hello")
    );
    let annotations = w.metadata.annotations.clone().unwrap_or_default();
    assert_eq!(
        annotations
            .get("open-cluster-management.io/config-spec-hash")
            .map(String::as_str),
        Some(r#"{"addondeploymentconfigs.addon.open-cluster-management.io/default/cfg":"abc"}"#)
    );
    let owner = &w.metadata.owner_references.clone().unwrap_or_default()[0];
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str(), owner.controller),
        ("ManagedClusterAddOn", "uid-1", Some(true))
    );
    // The prober's feedback rule for the Deployment.
    assert_eq!(w.spec.manifest_configs.len(), 1);
    assert_eq!(
        w.spec.manifest_configs[0].resource_identifier.resource,
        "deployments"
    );
}

#[test]
fn no_annotation_without_configs_and_split_over_the_budget() {
    let options = AddonOptions::new("hello");
    let big: Vec<Value> = (0..3)
        .map(|i| configmap(&format!("c{i}"), 180 * 1024))
        .collect();
    let works = build_works(&options, &addon(), big, &BTreeMap::new()).expect("render");
    let names: Vec<_> = works
        .deploy
        .iter()
        .map(|w| w.metadata.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["addon-hello-deploy-0", "addon-hello-deploy-1"]);
    assert!(
        works
            .deploy
            .iter()
            .all(|w| w.metadata.annotations.as_ref().is_none_or(|a| a.is_empty()))
    );
}

#[test]
fn pre_delete_manifests_go_to_their_own_work() {
    let mut job = json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "cleanup", "namespace": "ns",
                     "annotations": {"addon.open-cluster-management.io/addon-pre-delete": ""}}});
    assert!(is_pre_delete(&job));
    job["spec"] = json!({});
    let works = build_works(
        &AddonOptions::new("hello"),
        &addon(),
        vec![configmap("a", 1), job],
        &BTreeMap::new(),
    )
    .expect("render");
    let hook = works.pre_delete.expect("hook work");
    assert_eq!(
        hook.metadata.name.as_deref(),
        Some("addon-hello-pre-delete")
    );
    assert_eq!(hook.spec.workload.manifests.len(), 1);
    assert_eq!(works.deploy[0].spec.workload.manifests.len(), 1);
    assert_eq!(
        hook.spec.manifest_configs[0].resource_identifier.resource,
        "jobs"
    );
}

#[test]
fn a_bad_manifest_is_an_error_not_a_panic() {
    let bad = json!({"kind": "ConfigMap"});
    assert!(
        build_works(
            &AddonOptions::new("hello"),
            &addon(),
            vec![bad],
            &BTreeMap::new()
        )
        .is_err()
    );
}

fn result(resource: &str, values: &[(&str, i64)]) -> FieldResult {
    FieldResult {
        resource_identifier: ResourceIdentifier {
            group: "apps".into(),
            resource: resource.into(),
            name: "agent".into(),
            namespace: "ns".into(),
        },
        feedback_result: StatusFeedbackResult {
            values: values
                .iter()
                .map(|(n, v)| FeedbackValue {
                    name: n.to_string(),
                    value: FieldValue {
                        type_: ValueType::Integer,
                        integer: Some(*v),
                        string: None,
                        boolean: None,
                        json_raw: None,
                    },
                })
                .collect(),
        },
    }
}

#[test]
fn workload_availability_follows_upstream() {
    assert!(
        workload_check(&[result(
            "deployments",
            &[("Replicas", 2), ("ReadyReplicas", 1)]
        )])
        .is_ok()
    );
    assert!(
        workload_check(&[result(
            "deployments",
            &[("Replicas", 2), ("ReadyReplicas", 0)]
        )])
        .is_err()
    );
    assert!(
        workload_check(&[result(
            "deployments",
            &[("Replicas", 0), ("ReadyReplicas", 0)]
        )])
        .is_ok()
    );
    assert!(workload_check(&[result("deployments", &[("Replicas", 1)])]).is_err());
    assert!(
        workload_check(&[result(
            "daemonsets",
            &[("DesiredNumberScheduled", 3), ("NumberReady", 2)]
        )])
        .is_err()
    );
    assert!(
        workload_check(&[result(
            "daemonsets",
            &[("DesiredNumberScheduled", 3), ("NumberReady", 3)]
        )])
        .is_ok()
    );
}

#[test]
fn install_namespace_rule() {
    let options = AddonOptions::new("hello").install_namespace("hello-default");
    let rule = options.install_namespace_rule();
    let mut a = addon();
    assert_eq!(
        rule.resolve(&a, &ResolvedConfigs::default()),
        "hello-default"
    );
    a.spec.install_namespace = Some("from-addon".into());
    assert_eq!(rule.resolve(&a, &ResolvedConfigs::default()), "from-addon");
    let adc = crate::ResolvedConfig {
        group_resource: ocm_api::addon::v1alpha1::ConfigGroupResource {
            group: "addon.open-cluster-management.io".into(),
            resource: "addondeploymentconfigs".into(),
        },
        namespace: Some("default".into()),
        name: "cfg".into(),
        spec_hash: "h".into(),
        object: json!({"apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "AddOnDeploymentConfig",
                       "metadata": {"name": "cfg", "namespace": "default"},
                       "spec": {"agentInstallNamespace": "from-config"}}),
    };
    assert_eq!(
        rule.resolve(&a, &ResolvedConfigs::new(vec![adc])),
        "from-config"
    );
    assert_eq!(
        crate::AddonOptions::new("x")
            .install_namespace_rule()
            .resolve(&addon(), &ResolvedConfigs::default()),
        crate::DEFAULT_INSTALL_NAMESPACE
    );
}
