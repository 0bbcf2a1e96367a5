//! Fixture round trips and CRD identity of the v1alpha1 kinds.

use kube::CustomResourceExt;

use super::*;
use crate::addon::testing::{check_crd, round_trip_fixtures};

#[test]
fn cluster_management_addon_fixtures_round_trip() {
    let objects: Vec<ClusterManagementAddOn> =
        round_trip_fixtures("v1alpha1", "ClusterManagementAddOn");
    // The full fixture really sets the nested, inlined and renamed fields.
    let full = objects
        .iter()
        .find(|o| !o.spec.supported_configs.is_empty())
        .expect("a fixture with supportedConfigs");
    assert!(full.spec.supported_configs[0].default_config.is_some());
    let status = full.status.as_ref().expect("full fixture has a status");
    assert!(!status.default_config_references.is_empty());
    let strategy = full
        .spec
        .install_strategy
        .as_ref()
        .expect("installStrategy");
    assert_eq!(strategy.type_, InstallStrategyType::Placements);
}

#[test]
fn cluster_management_addon_crd() {
    check_crd(
        &ClusterManagementAddOn::crd(),
        "v1alpha1",
        "ClusterManagementAddOn",
        "clustermanagementaddons",
        "Cluster",
        &["cma", "cmas"],
        true,
    );
}

#[test]
fn managed_cluster_addon_fixtures_round_trip() {
    let objects: Vec<ManagedClusterAddOn> = round_trip_fixtures("v1alpha1", "ManagedClusterAddOn");
    assert!(objects.iter().any(|o| {
        o.status
            .as_ref()
            .is_some_and(|s| s.kube_client_driver == Some(KubeClientDriver::Token))
    }));
}

#[test]
fn managed_cluster_addon_always_writes_status() {
    let mca = ManagedClusterAddOn::new("demo", ManagedClusterAddOnSpec::default());
    let json = serde_json::to_value(&mca).expect("serializable");
    assert_eq!(
        json["apiVersion"],
        "addon.open-cluster-management.io/v1alpha1"
    );
    assert_eq!(json["kind"], "ManagedClusterAddOn");
    assert_eq!(json["status"], serde_json::json!({}));
    assert_eq!(json["spec"], serde_json::json!({}));
    // `null` and absent status read as None.
    let back: ManagedClusterAddOn = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "demo"}, "spec": {}, "status": null
    }))
    .expect("null status is accepted");
    assert_eq!(back.status, None);
}

#[test]
fn config_reference_omits_unset_configs() {
    let reference = ConfigReference {
        config_group_resource: ConfigGroupResource {
            group: String::new(),
            resource: "configmaps".into(),
        },
        config_referent: ConfigReferent {
            namespace: None,
            name: "cfg".into(),
        },
        ..ConfigReference::default()
    };
    assert_eq!(
        serde_json::to_value(&reference).expect("serializable"),
        serde_json::json!({
            "group": "", "resource": "configmaps", "name": "cfg",
            "lastObservedGeneration": 0
        })
    );
    // Go marshals the unset pointers as null; null reads as None.
    let from_go: ConfigReference = serde_json::from_value(serde_json::json!({
        "group": "", "resource": "configmaps", "name": "cfg",
        "lastObservedGeneration": 0, "desiredConfig": null, "lastAppliedConfig": null
    }))
    .expect("Go's form decodes");
    assert_eq!(from_go, reference);
}

#[test]
fn managed_cluster_addon_crd() {
    check_crd(
        &ManagedClusterAddOn::crd(),
        "v1alpha1",
        "ManagedClusterAddOn",
        "managedclusteraddons",
        "Namespaced",
        &["mca", "mcas"],
        true,
    );
    assert_eq!(
        ManagedClusterAddOn::crd_name(),
        "managedclusteraddons.addon.open-cluster-management.io"
    );
    assert_eq!(ManagedClusterAddOn::shortnames(), &["mca", "mcas"]);
}

#[test]
fn addon_deployment_config_fixtures_round_trip() {
    let objects: Vec<AddOnDeploymentConfig> =
        round_trip_fixtures("v1alpha1", "AddOnDeploymentConfig");
    assert!(objects.iter().any(|o| {
        o.spec
            .proxy_config
            .as_ref()
            .is_some_and(|p| p.ca_bundle.as_ref().is_some_and(|b| !b.0.is_empty()))
    }));
}

#[test]
fn addon_deployment_config_crd() {
    check_crd(
        &AddOnDeploymentConfig::crd(),
        "v1alpha1",
        "AddOnDeploymentConfig",
        "addondeploymentconfigs",
        "Namespaced",
        &[],
        false,
    );
}

#[test]
fn addon_template_fixtures_round_trip() {
    let objects: Vec<AddOnTemplate> = round_trip_fixtures("v1alpha1", "AddOnTemplate");
    assert!(objects.iter().any(|o| {
        o.spec
            .registration
            .iter()
            .any(|r| r.type_ == RegistrationType::CustomSigner && r.custom_signer.is_some())
    }));
}

#[test]
fn addon_template_crd() {
    check_crd(
        &AddOnTemplate::crd(),
        "v1alpha1",
        "AddOnTemplate",
        "addontemplates",
        "Cluster",
        &[],
        false,
    );
}
