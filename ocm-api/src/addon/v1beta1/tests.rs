//! Fixture round trips, CRD identity and version conversions of the v1beta1 kinds.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::CustomResourceExt;
use serde_json::json;

use super::*;
use crate::addon::testing::{check_crd, read_json, round_trip_fixtures};
use crate::addon::v1alpha1;
use crate::annotations::V1ALPHA1_INSTALL_NAMESPACE;

fn fixture(version: &str, name: &str) -> serde_json::Value {
    read_json(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/addon")
            .join(version)
            .join(name),
    )
}

fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_path_to_error::deserialize(value).unwrap_or_else(|e| panic!("deserializing: {e}"))
}

fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("serializing: {e}"))
}

// ------------------------------------------------------------------------------------------------
// Fixtures and CRDs
// ------------------------------------------------------------------------------------------------

#[test]
fn cluster_management_addon_fixtures_round_trip() {
    let objects: Vec<ClusterManagementAddOn> =
        round_trip_fixtures("v1beta1", "ClusterManagementAddOn");
    assert!(objects.iter().any(|o| {
        o.spec
            .default_configs
            .iter()
            .any(|c| c.config_referent.name == RESERVED_NO_DEFAULT_CONFIG_NAME)
    }));
}

#[test]
fn cluster_management_addon_crd() {
    check_crd(
        &ClusterManagementAddOn::crd(),
        "v1beta1",
        "ClusterManagementAddOn",
        "clustermanagementaddons",
        "Cluster",
        &["cma", "cmas"],
        true,
    );
}

#[test]
fn managed_cluster_addon_fixtures_round_trip() {
    let objects: Vec<ManagedClusterAddOn> = round_trip_fixtures("v1beta1", "ManagedClusterAddOn");
    let kube_client = objects
        .iter()
        .filter_map(|o| o.status.as_ref())
        .flat_map(|s| &s.registrations)
        .find(|r| r.type_ == RegistrationType::KubeClient)
        .and_then(|r| r.kube_client.as_ref())
        .expect("a kubeClient registration in the fixtures");
    assert_eq!(kube_client.driver, Some(KubeClientDriver::Token));
}

#[test]
fn managed_cluster_addon_always_writes_status() {
    let mca = ManagedClusterAddOn::new("demo", ManagedClusterAddOnSpec::default());
    let json = to_json(&mca);
    assert_eq!(
        json["apiVersion"],
        "addon.open-cluster-management.io/v1beta1"
    );
    assert_eq!(json["status"], json!({}));
}

#[test]
fn managed_cluster_addon_crd() {
    check_crd(
        &ManagedClusterAddOn::crd(),
        "v1beta1",
        "ManagedClusterAddOn",
        "managedclusteraddons",
        "Namespaced",
        &["mca", "mcas"],
        true,
    );
}

#[test]
fn addon_deployment_config_fixtures_round_trip() {
    let objects: Vec<AddOnDeploymentConfig> =
        round_trip_fixtures("v1beta1", "AddOnDeploymentConfig");
    assert!(
        objects
            .iter()
            .any(|o| !o.spec.resource_requirements.is_empty())
    );
}

#[test]
fn addon_deployment_config_crd() {
    check_crd(
        &AddOnDeploymentConfig::crd(),
        "v1beta1",
        "AddOnDeploymentConfig",
        "addondeploymentconfigs",
        "Namespaced",
        &[],
        false,
    );
}

#[test]
fn registration_type_is_camel_case_on_the_wire() {
    let registration: RegistrationConfig =
        parse(json!({"type": "customSigner", "customSigner": {"signerName": "example.com/s"}}));
    assert_eq!(registration.type_, RegistrationType::CustomSigner);
    // v1alpha1's AddOnTemplate spelling is not a v1beta1 registration type.
    assert!(serde_json::from_value::<RegistrationConfig>(json!({"type": "CustomSigner"})).is_err());
}

// ------------------------------------------------------------------------------------------------
// Conversions of the fixtures
// ------------------------------------------------------------------------------------------------

#[test]
fn fixtures_convert_from_v1alpha1_to_v1beta1() {
    for name in [
        "ClusterManagementAddOn.full.json",
        "ClusterManagementAddOn.minimal.json",
    ] {
        let alpha: v1alpha1::ClusterManagementAddOn = parse(fixture("v1alpha1", name));
        let beta = ClusterManagementAddOn::from(alpha);
        pretty_assertions::assert_eq!(to_json(&beta), fixture("v1beta1", name), "{name}");
    }
    for name in [
        "ManagedClusterAddOn.full.json",
        "ManagedClusterAddOn.minimal.json",
    ] {
        let alpha: v1alpha1::ManagedClusterAddOn = parse(fixture("v1alpha1", name));
        let beta = ManagedClusterAddOn::from(alpha);
        pretty_assertions::assert_eq!(to_json(&beta), fixture("v1beta1", name), "{name}");
    }
    for name in [
        "AddOnDeploymentConfig.full.json",
        "AddOnDeploymentConfig.minimal.json",
    ] {
        let alpha: v1alpha1::AddOnDeploymentConfig = parse(fixture("v1alpha1", name));
        let beta = AddOnDeploymentConfig::from(alpha);
        pretty_assertions::assert_eq!(to_json(&beta), fixture("v1beta1", name), "{name}");
        let back = v1alpha1::AddOnDeploymentConfig::from(beta);
        pretty_assertions::assert_eq!(to_json(&back), fixture("v1alpha1", name), "{name}");
    }
}

#[test]
fn fixtures_convert_back_losing_only_what_upstream_loses() {
    // ClusterManagementAddOn: only the deprecated addOnConfiguration is lost.
    let beta: ClusterManagementAddOn =
        parse(fixture("v1beta1", "ClusterManagementAddOn.full.json"));
    let alpha = v1alpha1::ClusterManagementAddOn::from(beta);
    let mut expected = fixture("v1alpha1", "ClusterManagementAddOn.full.json");
    if let Some(spec) = expected["spec"].as_object_mut() {
        spec.remove("addOnConfiguration");
    }
    pretty_assertions::assert_eq!(to_json(&alpha), expected);

    // ManagedClusterAddOn: addOnConfiguration is lost, and the inlined name of a config reference
    // without desiredConfig cannot be restored.
    let beta: ManagedClusterAddOn = parse(fixture("v1beta1", "ManagedClusterAddOn.full.json"));
    let alpha = v1alpha1::ManagedClusterAddOn::from(beta);
    let mut expected = fixture("v1alpha1", "ManagedClusterAddOn.full.json");
    if let Some(status) = expected["status"].as_object_mut() {
        status.remove("addOnConfiguration");
    }
    expected["status"]["configReferences"][1]["name"] = json!("");
    pretty_assertions::assert_eq!(to_json(&alpha), expected);
}

// ------------------------------------------------------------------------------------------------
// ClusterManagementAddOn conversion cases
// ------------------------------------------------------------------------------------------------

fn alpha_group_resource(group: &str, resource: &str) -> v1alpha1::ConfigGroupResource {
    v1alpha1::ConfigGroupResource {
        group: group.into(),
        resource: resource.into(),
    }
}

fn beta_config(group: &str, resource: &str, namespace: Option<&str>, name: &str) -> AddOnConfig {
    AddOnConfig {
        config_group_resource: ConfigGroupResource {
            group: group.into(),
            resource: resource.into(),
        },
        config_referent: ConfigReferent {
            namespace: namespace.map(Into::into),
            name: name.into(),
        },
    }
}

#[test]
fn supported_configs_become_default_configs_with_the_sentinel() {
    let alpha = v1alpha1::ClusterManagementAddOnSpec {
        add_on_configuration: Some(v1alpha1::ConfigCoordinates {
            crd_name: Some("configs.example.io".into()),
            ..Default::default()
        }),
        supported_configs: vec![
            v1alpha1::ConfigMeta {
                config_group_resource: alpha_group_resource(
                    "addon.open-cluster-management.io",
                    "addondeploymentconfigs",
                ),
                default_config: Some(v1alpha1::ConfigReferent {
                    namespace: Some("open-cluster-management".into()),
                    name: "defaults".into(),
                }),
            },
            v1alpha1::ConfigMeta {
                config_group_resource: alpha_group_resource("", "configmaps"),
                default_config: None,
            },
        ],
        ..Default::default()
    };
    let beta = ClusterManagementAddOnSpec::from(alpha.clone());
    assert_eq!(
        beta.default_configs,
        vec![
            beta_config(
                "addon.open-cluster-management.io",
                "addondeploymentconfigs",
                Some("open-cluster-management"),
                "defaults"
            ),
            beta_config("", "configmaps", None, RESERVED_NO_DEFAULT_CONFIG_NAME),
        ]
    );
    // Back again: everything but the deprecated addOnConfiguration survives.
    let back = v1alpha1::ClusterManagementAddOnSpec::from(beta);
    assert_eq!(back.supported_configs, alpha.supported_configs);
    assert_eq!(back.add_on_configuration, None);
}

#[test]
fn default_configs_without_a_real_name_have_no_default() {
    let beta = ClusterManagementAddOnSpec {
        default_configs: vec![
            beta_config(
                "",
                "configmaps",
                Some("ignored"),
                RESERVED_NO_DEFAULT_CONFIG_NAME,
            ),
            beta_config("", "secrets", Some("ignored"), ""),
            beta_config("example.io", "things", None, "cluster-scoped"),
        ],
        ..Default::default()
    };
    let alpha = v1alpha1::ClusterManagementAddOnSpec::from(beta);
    let defaults: Vec<Option<v1alpha1::ConfigReferent>> = alpha
        .supported_configs
        .into_iter()
        .map(|c| c.default_config)
        .collect();
    assert_eq!(
        defaults,
        vec![
            None,
            None,
            Some(v1alpha1::ConfigReferent {
                namespace: None,
                name: "cluster-scoped".into()
            })
        ]
    );
}

#[test]
fn empty_supported_configs_stay_empty() {
    let beta = ClusterManagementAddOnSpec::from(v1alpha1::ClusterManagementAddOnSpec::default());
    assert!(beta.default_configs.is_empty());
    assert_eq!(to_json(&beta), json!({}));
}

#[test]
fn install_strategy_and_status_carry_over_unchanged() {
    let alpha: v1alpha1::ClusterManagementAddOn =
        parse(fixture("v1alpha1", "ClusterManagementAddOn.full.json"));
    let beta = ClusterManagementAddOn::from(alpha.clone());
    let strategy = beta
        .spec
        .install_strategy
        .as_ref()
        .expect("install strategy");
    assert_eq!(strategy.type_, InstallStrategyType::Placements);
    assert_eq!(strategy.placements.len(), 3);
    let alpha_strategy = alpha
        .spec
        .install_strategy
        .as_ref()
        .expect("install strategy");
    for (b, a) in strategy.placements.iter().zip(&alpha_strategy.placements) {
        assert_eq!(b.rollout_strategy, a.rollout_strategy);
        assert_eq!(b.placement_ref.name, a.placement_ref.name);
    }
    assert_eq!(
        to_json(&beta.status)["defaultConfigReferences"],
        to_json(&alpha.status)["defaultconfigReferences"]
    );
}

// ------------------------------------------------------------------------------------------------
// ManagedClusterAddOn conversion cases
// ------------------------------------------------------------------------------------------------

fn alpha_registration(signer: &str, user: &str, ous: &[&str]) -> v1alpha1::RegistrationConfig {
    v1alpha1::RegistrationConfig {
        signer_name: signer.into(),
        subject: Some(v1alpha1::Subject {
            user: user.into(),
            groups: vec!["g1".into()],
            organization_units: ous.iter().map(|s| (*s).to_owned()).collect(),
        }),
    }
}

fn alpha_mca(status: v1alpha1::ManagedClusterAddOnStatus) -> v1alpha1::ManagedClusterAddOn {
    v1alpha1::ManagedClusterAddOn {
        metadata: ObjectMeta {
            name: Some("helloworld".into()),
            namespace: Some("cluster1".into()),
            ..Default::default()
        },
        spec: v1alpha1::ManagedClusterAddOnSpec::default(),
        status: Some(status),
    }
}

#[test]
fn kube_apiserver_client_signer_becomes_kube_client() {
    let alpha = alpha_mca(v1alpha1::ManagedClusterAddOnStatus {
        registrations: vec![alpha_registration(
            KUBE_API_SERVER_CLIENT_SIGNER_NAME,
            "agent",
            &["dropped"],
        )],
        ..Default::default()
    });
    let beta = ManagedClusterAddOn::from(alpha);
    let status = beta.status.expect("status");
    assert_eq!(
        to_json(&status.registrations),
        json!([{"type": "kubeClient", "kubeClient": {"subject": {"user": "agent", "groups": ["g1"]}}}])
    );
}

#[test]
fn other_signers_become_custom_signer_with_organization_units() {
    let alpha = alpha_mca(v1alpha1::ManagedClusterAddOnStatus {
        registrations: vec![alpha_registration("example.com/signer", "agent", &["ou1"])],
        ..Default::default()
    });
    let beta = ManagedClusterAddOn::from(alpha.clone());
    let status = beta.status.clone().expect("status");
    assert_eq!(
        to_json(&status.registrations),
        json!([{"type": "customSigner", "customSigner": {
            "signerName": "example.com/signer",
            "subject": {"user": "agent", "groups": ["g1"], "organizationUnits": ["ou1"]}
        }}])
    );
    assert_eq!(v1alpha1::ManagedClusterAddOn::from(beta), alpha);
}

#[test]
fn kube_client_driver_moves_into_kube_client_registrations_only() {
    for driver in [
        v1alpha1::KubeClientDriver::Csr,
        v1alpha1::KubeClientDriver::Token,
    ] {
        let alpha = alpha_mca(v1alpha1::ManagedClusterAddOnStatus {
            registrations: vec![
                alpha_registration(KUBE_API_SERVER_CLIENT_SIGNER_NAME, "agent", &[]),
                alpha_registration("example.com/signer", "agent", &[]),
            ],
            kube_client_driver: Some(driver),
            ..Default::default()
        });
        let beta = ManagedClusterAddOn::from(alpha.clone());
        let registrations = &beta.status.as_ref().expect("status").registrations;
        assert_eq!(
            registrations[0].kube_client.as_ref().and_then(|k| k.driver),
            Some(driver)
        );
        assert!(registrations[1].kube_client.is_none());
        // And back: the driver returns to the status.
        let back = v1alpha1::ManagedClusterAddOn::from(beta);
        assert_eq!(back, alpha);
    }
}

#[test]
fn driver_of_the_first_kube_client_registration_wins() {
    let kube = |driver: Option<KubeClientDriver>| RegistrationConfig {
        type_: RegistrationType::KubeClient,
        kube_client: Some(KubeClientConfig {
            subject: None,
            driver,
        }),
        custom_signer: None,
    };
    let status = ManagedClusterAddOnStatus {
        registrations: vec![
            RegistrationConfig {
                type_: RegistrationType::KubeClient,
                kube_client: None,
                custom_signer: None,
            },
            kube(Some(KubeClientDriver::Csr)),
            kube(Some(KubeClientDriver::Token)),
        ],
        ..Default::default()
    };
    let alpha = v1alpha1::ManagedClusterAddOnStatus::from(status);
    assert_eq!(
        alpha.kube_client_driver,
        Some(v1alpha1::KubeClientDriver::Csr)
    );
    assert!(
        alpha
            .registrations
            .iter()
            .all(|r| r.signer_name == KUBE_API_SERVER_CLIENT_SIGNER_NAME)
    );
    // The first kubeClient registration with settings decides, even without a driver.
    let status = ManagedClusterAddOnStatus {
        registrations: vec![kube(None), kube(Some(KubeClientDriver::Token))],
        ..Default::default()
    };
    assert_eq!(
        v1alpha1::ManagedClusterAddOnStatus::from(status).kube_client_driver,
        None
    );
}

#[test]
fn custom_signer_without_settings_converts_like_upstream() {
    let registration = RegistrationConfig {
        type_: RegistrationType::CustomSigner,
        kube_client: None,
        custom_signer: None,
    };
    assert_eq!(
        v1alpha1::RegistrationConfig::from(registration),
        v1alpha1::RegistrationConfig::default()
    );
}

#[test]
fn install_namespace_round_trips_through_the_annotation() {
    let mut alpha = alpha_mca(v1alpha1::ManagedClusterAddOnStatus::default());
    alpha.spec.install_namespace = Some("helloworld-agent".into());
    alpha.metadata.annotations = Some(BTreeMap::from([("keep".to_owned(), "me".to_owned())]));
    let beta = ManagedClusterAddOn::from(alpha.clone());
    assert_eq!(
        beta.metadata.annotations,
        Some(BTreeMap::from([
            ("keep".to_owned(), "me".to_owned()),
            (
                V1ALPHA1_INSTALL_NAMESPACE.to_owned(),
                "helloworld-agent".to_owned()
            ),
        ]))
    );
    assert_eq!(v1alpha1::ManagedClusterAddOn::from(beta), alpha);

    // Without other annotations, the map disappears again on the way back.
    alpha.metadata.annotations = None;
    let beta = ManagedClusterAddOn::from(alpha.clone());
    assert!(beta.metadata.annotations.is_some());
    assert_eq!(v1alpha1::ManagedClusterAddOn::from(beta), alpha);

    // An empty installNamespace adds no annotation.
    alpha.spec.install_namespace = Some(String::new());
    let beta = ManagedClusterAddOn::from(alpha);
    assert_eq!(beta.metadata.annotations, None);
}

#[test]
fn config_references_keep_their_referent_in_desired_config() {
    let hash = |name: &str| v1alpha1::ConfigSpecHash {
        config_referent: v1alpha1::ConfigReferent {
            namespace: Some("ns".into()),
            name: name.into(),
        },
        spec_hash: "abc".into(),
    };
    let reference = v1alpha1::ConfigReference {
        config_group_resource: alpha_group_resource("", "configmaps"),
        config_referent: v1alpha1::ConfigReferent {
            namespace: Some("ns".into()),
            name: "cfg".into(),
        },
        last_observed_generation: 7,
        desired_config: Some(hash("cfg")),
        last_applied_config: Some(hash("old")),
    };
    let beta = ConfigReference::from(reference.clone());
    assert_eq!(
        to_json(&beta),
        json!({
            "group": "", "resource": "configmaps", "lastObservedGeneration": 7,
            "desiredConfig": {"namespace": "ns", "name": "cfg", "specHash": "abc"},
            "lastAppliedConfig": {"namespace": "ns", "name": "old", "specHash": "abc"}
        })
    );
    assert_eq!(v1alpha1::ConfigReference::from(beta), reference);
}

#[test]
fn spec_configs_carry_over() {
    let alpha = v1alpha1::ManagedClusterAddOnSpec {
        install_namespace: None,
        configs: vec![v1alpha1::AddOnConfig {
            config_group_resource: alpha_group_resource(
                "addon.open-cluster-management.io",
                "addondeploymentconfigs",
            ),
            config_referent: v1alpha1::ConfigReferent {
                namespace: Some("cluster1".into()),
                name: "cfg".into(),
            },
        }],
    };
    let beta = ManagedClusterAddOnSpec::from(alpha.clone());
    assert_eq!(
        beta.configs,
        vec![beta_config(
            "addon.open-cluster-management.io",
            "addondeploymentconfigs",
            Some("cluster1"),
            "cfg"
        )]
    );
    assert_eq!(v1alpha1::ManagedClusterAddOnSpec::from(beta), alpha);
    assert!(
        ManagedClusterAddOnSpec::from(v1alpha1::ManagedClusterAddOnSpec::default())
            .configs
            .is_empty()
    );
}
