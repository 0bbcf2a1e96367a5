//! Conversions between the v1alpha1 and v1beta1 add-on kinds, as the hub's conversion webhook does
//! them (`open-cluster-management.io/api@v1.3.0` `addon/v1beta1/conversion.go` and the generated
//! conversions, plus the webhook's annotation and `configReferences` handling).
//!
//! All conversions are infallible, like upstream's; where v1beta1 cannot hold a v1alpha1 field the
//! field is dropped or moved exactly as upstream does (see each `From` impl).

use std::collections::BTreeMap;

use crate::addon::v1alpha1;
use crate::addon::v1beta1;
use crate::annotations::V1ALPHA1_INSTALL_NAMESPACE;

/// Sentinel config name marking a v1beta1 `defaultConfigs` entry that came from a v1alpha1
/// `supportedConfigs` entry without `defaultConfig`. Converting back to v1alpha1 drops it again.
///
/// It is not a valid object name, so it never collides with a real configuration; it must not be
/// used as one. Go: `ReservedNoDefaultConfigName`.
pub const RESERVED_NO_DEFAULT_CONFIG_NAME: &str = "__reserved_no_default__";

/// The signer of kube-apiserver client certificates: a v1alpha1 registration with this signer is a
/// v1beta1 `kubeClient` registration. Go: `certificates.KubeAPIServerClientSignerName`.
pub const KUBE_API_SERVER_CLIENT_SIGNER_NAME: &str = "kubernetes.io/kube-apiserver-client";

/// Converts each element of a vector.
fn map_vec<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(B::from).collect()
}

// The types both versions share (v1beta1 re-exports v1alpha1's: `AddOnConfig`, `AddOnMeta`,
// `ConfigGroupResource`, `ConfigReferent`, `ConfigSpecHash`, the install strategy and progression
// types, `ObjectReference`, `HealthCheck`, `KubeClientDriver`, `AddOnDeploymentConfigSpec`)
// need no conversion.

impl From<v1alpha1::ClusterManagementAddOnStatus> for v1beta1::ClusterManagementAddOnStatus {
    /// Same fields; only the JSON key of `defaultConfigReferences` differs.
    fn from(value: v1alpha1::ClusterManagementAddOnStatus) -> Self {
        Self {
            default_config_references: value.default_config_references,
            install_progressions: value.install_progressions,
        }
    }
}

impl From<v1beta1::ClusterManagementAddOnStatus> for v1alpha1::ClusterManagementAddOnStatus {
    /// Same fields; only the JSON key of `defaultConfigReferences` differs.
    fn from(value: v1beta1::ClusterManagementAddOnStatus) -> Self {
        Self {
            default_config_references: value.default_config_references,
            install_progressions: value.install_progressions,
        }
    }
}

// AddOnDeploymentConfig: the same schema in both versions (the CRD converts it without a webhook).
impl From<v1alpha1::AddOnDeploymentConfig> for v1beta1::AddOnDeploymentConfig {
    /// Same fields; only the `apiVersion` changes.
    fn from(value: v1alpha1::AddOnDeploymentConfig) -> Self {
        Self {
            metadata: value.metadata,
            spec: value.spec,
        }
    }
}

impl From<v1beta1::AddOnDeploymentConfig> for v1alpha1::AddOnDeploymentConfig {
    /// Same fields; only the `apiVersion` changes.
    fn from(value: v1beta1::AddOnDeploymentConfig) -> Self {
        Self {
            metadata: value.metadata,
            spec: value.spec,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ClusterManagementAddOn
// ---------------------------------------------------------------------------------------------

impl From<v1alpha1::ConfigMeta> for v1beta1::AddOnConfig {
    /// A supported configuration type becomes a default configuration: its `defaultConfig`, or the
    /// name [`RESERVED_NO_DEFAULT_CONFIG_NAME`] when it has none.
    fn from(value: v1alpha1::ConfigMeta) -> Self {
        let config_referent = match value.default_config {
            Some(default) => default,
            None => v1beta1::ConfigReferent {
                namespace: None,
                name: RESERVED_NO_DEFAULT_CONFIG_NAME.to_owned(),
            },
        };
        Self {
            config_group_resource: value.config_group_resource,
            config_referent,
        }
    }
}

impl From<v1beta1::AddOnConfig> for v1alpha1::ConfigMeta {
    /// A default configuration becomes a supported configuration type whose `defaultConfig` is the
    /// referenced object, unless the name is empty or [`RESERVED_NO_DEFAULT_CONFIG_NAME`] (then
    /// there is no default, and the namespace is dropped).
    fn from(value: v1beta1::AddOnConfig) -> Self {
        let referent = value.config_referent;
        let default_config = (!referent.name.is_empty()
            && referent.name != RESERVED_NO_DEFAULT_CONFIG_NAME)
            .then_some(referent);
        Self {
            config_group_resource: value.config_group_resource,
            default_config,
        }
    }
}

impl From<v1alpha1::ClusterManagementAddOnSpec> for v1beta1::ClusterManagementAddOnSpec {
    /// `supportedConfigs` become `defaultConfigs` (see [`v1beta1::AddOnConfig`]'s `From`); the
    /// deprecated `addOnConfiguration` is dropped, as upstream does.
    fn from(value: v1alpha1::ClusterManagementAddOnSpec) -> Self {
        Self {
            add_on_meta: value.add_on_meta,
            default_configs: map_vec(value.supported_configs),
            install_strategy: value.install_strategy,
        }
    }
}

impl From<v1beta1::ClusterManagementAddOnSpec> for v1alpha1::ClusterManagementAddOnSpec {
    /// `defaultConfigs` become `supportedConfigs` (see [`v1alpha1::ConfigMeta`]'s `From`);
    /// `addOnConfiguration` is left unset.
    fn from(value: v1beta1::ClusterManagementAddOnSpec) -> Self {
        Self {
            add_on_meta: value.add_on_meta,
            add_on_configuration: None,
            supported_configs: map_vec(value.default_configs),
            install_strategy: value.install_strategy,
        }
    }
}

impl From<v1alpha1::ClusterManagementAddOn> for v1beta1::ClusterManagementAddOn {
    /// Metadata is kept; see the spec conversion for what changes.
    fn from(value: v1alpha1::ClusterManagementAddOn) -> Self {
        Self {
            metadata: value.metadata,
            spec: value.spec.into(),
            status: value.status.map(Into::into),
        }
    }
}

impl From<v1beta1::ClusterManagementAddOn> for v1alpha1::ClusterManagementAddOn {
    /// Metadata is kept; see the spec conversion for what changes.
    fn from(value: v1beta1::ClusterManagementAddOn) -> Self {
        Self {
            metadata: value.metadata,
            spec: value.spec.into(),
            status: value.status.map(Into::into),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ManagedClusterAddOn
// ---------------------------------------------------------------------------------------------

impl From<v1alpha1::ManagedClusterAddOnSpec> for v1beta1::ManagedClusterAddOnSpec {
    /// Keeps `configs`. `installNamespace` has no v1beta1 field: the object-level conversion
    /// ([`v1beta1::ManagedClusterAddOn`]'s `From`) keeps it in an annotation.
    fn from(value: v1alpha1::ManagedClusterAddOnSpec) -> Self {
        Self {
            configs: value.configs,
        }
    }
}

impl From<v1beta1::ManagedClusterAddOnSpec> for v1alpha1::ManagedClusterAddOnSpec {
    /// Keeps `configs`; `installNamespace` is restored by the object-level conversion.
    fn from(value: v1beta1::ManagedClusterAddOnSpec) -> Self {
        Self {
            install_namespace: None,
            configs: value.configs,
        }
    }
}

impl From<v1alpha1::ConfigReference> for v1beta1::ConfigReference {
    /// Drops the deprecated inlined `namespace`/`name` (v1beta1 keeps them only in
    /// `desiredConfig`).
    fn from(value: v1alpha1::ConfigReference) -> Self {
        Self {
            config_group_resource: value.config_group_resource,
            last_observed_generation: value.last_observed_generation,
            desired_config: value.desired_config,
            last_applied_config: value.last_applied_config,
        }
    }
}

impl From<v1beta1::ConfigReference> for v1alpha1::ConfigReference {
    /// Fills the deprecated inlined `namespace`/`name` from `desiredConfig`, as the hub's webhook
    /// does (left empty when there is no `desiredConfig`).
    fn from(value: v1beta1::ConfigReference) -> Self {
        let config_referent = value
            .desired_config
            .as_ref()
            .map(|desired| desired.config_referent.clone())
            .unwrap_or_default();
        Self {
            config_group_resource: value.config_group_resource,
            config_referent,
            last_observed_generation: value.last_observed_generation,
            desired_config: value.desired_config,
            last_applied_config: value.last_applied_config,
        }
    }
}

impl From<v1alpha1::RegistrationConfig> for v1beta1::RegistrationConfig {
    /// Signer [`KUBE_API_SERVER_CLIENT_SIGNER_NAME`] becomes a `kubeClient` registration with the
    /// subject's user and groups (organization units are dropped, as upstream does); any other
    /// signer a `customSigner` registration with the whole subject. The driver comes from the
    /// status, see [`v1beta1::ManagedClusterAddOnStatus`]'s `From`.
    fn from(value: v1alpha1::RegistrationConfig) -> Self {
        if value.signer_name == KUBE_API_SERVER_CLIENT_SIGNER_NAME {
            Self {
                type_: v1beta1::RegistrationType::KubeClient,
                kube_client: Some(v1beta1::KubeClientConfig {
                    subject: value.subject.map(|subject| v1beta1::KubeClientSubject {
                        base_subject: v1beta1::BaseSubject {
                            user: subject.user,
                            groups: subject.groups,
                        },
                    }),
                    driver: None,
                }),
                custom_signer: None,
            }
        } else {
            Self {
                type_: v1beta1::RegistrationType::CustomSigner,
                kube_client: None,
                custom_signer: Some(v1beta1::CustomSignerConfig {
                    signer_name: value.signer_name,
                    subject: value.subject.map(Into::into),
                }),
            }
        }
    }
}

impl From<v1beta1::RegistrationConfig> for v1alpha1::RegistrationConfig {
    /// `kubeClient` becomes signer [`KUBE_API_SERVER_CLIENT_SIGNER_NAME`] with the subject's user
    /// and groups (the driver goes to the status, see [`v1alpha1::ManagedClusterAddOnStatus`]'s
    /// `From`); any other type takes signer and subject from `customSigner`. As upstream, a
    /// registration lacking the settings of its type converts with an empty signer name.
    fn from(value: v1beta1::RegistrationConfig) -> Self {
        match value.type_ {
            v1beta1::RegistrationType::KubeClient => Self {
                signer_name: KUBE_API_SERVER_CLIENT_SIGNER_NAME.to_owned(),
                subject: value.kube_client.and_then(|kube_client| {
                    kube_client.subject.map(|subject| v1alpha1::Subject {
                        user: subject.base_subject.user,
                        groups: subject.base_subject.groups,
                        organization_units: Vec::new(),
                    })
                }),
            },
            v1beta1::RegistrationType::CustomSigner => match value.custom_signer {
                Some(custom_signer) => Self {
                    signer_name: custom_signer.signer_name,
                    subject: custom_signer.subject.map(Into::into),
                },
                None => Self::default(),
            },
        }
    }
}

impl From<v1alpha1::Subject> for v1beta1::Subject {
    fn from(value: v1alpha1::Subject) -> Self {
        Self {
            base_subject: v1beta1::BaseSubject {
                user: value.user,
                groups: value.groups,
            },
            organization_units: value.organization_units,
        }
    }
}

impl From<v1beta1::Subject> for v1alpha1::Subject {
    fn from(value: v1beta1::Subject) -> Self {
        Self {
            user: value.base_subject.user,
            groups: value.base_subject.groups,
            organization_units: value.organization_units,
        }
    }
}

impl From<v1alpha1::ManagedClusterAddOnStatus> for v1beta1::ManagedClusterAddOnStatus {
    /// Registrations become typed (see [`v1beta1::RegistrationConfig`]'s `From`) and
    /// `kubeClientDriver`, when set, becomes the driver of every `kubeClient` registration. The
    /// deprecated `addOnConfiguration` is dropped, as upstream does.
    fn from(value: v1alpha1::ManagedClusterAddOnStatus) -> Self {
        let mut registrations: Vec<v1beta1::RegistrationConfig> = map_vec(value.registrations);
        if let Some(driver) = value.kube_client_driver {
            for registration in &mut registrations {
                if registration.type_ == v1beta1::RegistrationType::KubeClient {
                    registration
                        .kube_client
                        .get_or_insert_with(v1beta1::KubeClientConfig::default)
                        .driver = Some(driver);
                }
            }
        }
        Self {
            conditions: value.conditions,
            related_objects: value.related_objects,
            add_on_meta: value.add_on_meta,
            supported_configs: value.supported_configs,
            config_references: map_vec(value.config_references),
            namespace: value.namespace,
            registrations,
            health_check: value.health_check,
        }
    }
}

impl From<v1beta1::ManagedClusterAddOnStatus> for v1alpha1::ManagedClusterAddOnStatus {
    /// Registrations lose their type (see [`v1alpha1::RegistrationConfig`]'s `From`);
    /// `kubeClientDriver` is the driver of the first `kubeClient` registration that has settings.
    fn from(value: v1beta1::ManagedClusterAddOnStatus) -> Self {
        let kube_client_driver = value
            .registrations
            .iter()
            .find(|r| r.type_ == v1beta1::RegistrationType::KubeClient && r.kube_client.is_some())
            .and_then(|r| r.kube_client.as_ref())
            .and_then(|kube_client| kube_client.driver);
        Self {
            conditions: value.conditions,
            related_objects: value.related_objects,
            add_on_meta: value.add_on_meta,
            add_on_configuration: None,
            supported_configs: value.supported_configs,
            config_references: map_vec(value.config_references),
            namespace: value.namespace,
            registrations: map_vec(value.registrations),
            health_check: value.health_check,
            kube_client_driver,
        }
    }
}

impl From<v1alpha1::ManagedClusterAddOn> for v1beta1::ManagedClusterAddOn {
    /// A non-empty `spec.installNamespace` is kept in the
    /// [`V1ALPHA1_INSTALL_NAMESPACE`] annotation (v1beta1 has no such field); see the spec and
    /// status conversions for the rest.
    fn from(value: v1alpha1::ManagedClusterAddOn) -> Self {
        let mut metadata = value.metadata;
        if let Some(namespace) = value
            .spec
            .install_namespace
            .as_ref()
            .filter(|ns| !ns.is_empty())
        {
            metadata
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(V1ALPHA1_INSTALL_NAMESPACE.to_owned(), namespace.clone());
        }
        Self {
            metadata,
            spec: value.spec.into(),
            status: value.status.map(Into::into),
        }
    }
}

impl From<v1beta1::ManagedClusterAddOn> for v1alpha1::ManagedClusterAddOn {
    /// The [`V1ALPHA1_INSTALL_NAMESPACE`] annotation, when present, becomes
    /// `spec.installNamespace` and is removed (an annotation map left empty becomes unset); see
    /// the spec and status conversions for the rest.
    fn from(value: v1beta1::ManagedClusterAddOn) -> Self {
        let mut metadata = value.metadata;
        let install_namespace = metadata
            .annotations
            .as_mut()
            .and_then(|annotations| annotations.remove(V1ALPHA1_INSTALL_NAMESPACE))
            .filter(|namespace| !namespace.is_empty());
        if metadata
            .annotations
            .as_ref()
            .is_some_and(BTreeMap::is_empty)
        {
            metadata.annotations = None;
        }
        let mut spec: v1alpha1::ManagedClusterAddOnSpec = value.spec.into();
        spec.install_namespace = install_namespace;
        Self {
            metadata,
            spec,
            status: value.status.map(Into::into),
        }
    }
}
