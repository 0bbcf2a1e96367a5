//! [`AddonOptions`]: the knobs of an add-on (Go's `AgentAddonOptions`), as a builder.

use kube::discovery::ApiResource;
use ocm_api::addon::v1alpha1::{AddOnDeploymentConfig, ConfigGroupResource, ManagedClusterAddOn};
use ocm_api::work::v1::ManifestConfigOption;

use crate::addon::ResolvedConfigs;
use crate::health::HealthProber;
use crate::registration::Registration;

/// The install namespace when nothing else names one. Go: `defaultAddOnInstallationNamespace`.
pub const DEFAULT_INSTALL_NAMESPACE: &str = "open-cluster-management-agent-addon";

/// Options of one add-on: its name, registration, health prober, supported configs, manifest
/// configs and install namespace.
///
/// ```
/// use ocm_addon_framework::{AddonOptions, ConfigKind, HealthProber, Registration};
/// let options = AddonOptions::new("hello")
///     .registration(Registration::kube_client("agent"))
///     .health_prober(HealthProber::DeploymentAvailability)
///     .supported_config(ConfigKind::addon_deployment_config())
///     .install_namespace("hello-agent");
/// assert_eq!(options.name(), "hello");
/// ```
#[derive(Clone)]
pub struct AddonOptions {
    pub(crate) name: String,
    pub(crate) registration: Option<Registration>,
    pub(crate) health: HealthProber,
    pub(crate) supported_configs: Vec<ConfigKind>,
    pub(crate) manifest_configs: Vec<ManifestConfigOption>,
    pub(crate) install_namespace: InstallNamespace,
}

impl std::fmt::Debug for AddonOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddonOptions")
            .field("name", &self.name)
            .field("registration", &self.registration)
            .field("health", &self.health)
            .field("supported_configs", &self.supported_configs)
            .field("install_namespace", &self.install_namespace)
            .finish_non_exhaustive()
    }
}

impl AddonOptions {
    /// Options for the add-on named `name` (its ClusterManagementAddOn's and every
    /// ManagedClusterAddOn's name): no registration, [`HealthProber::Lease`] (Go's default), no
    /// configs, install namespace [`DEFAULT_INSTALL_NAMESPACE`].
    pub fn new(name: impl Into<String>) -> Self {
        AddonOptions {
            name: name.into(),
            registration: None,
            health: HealthProber::Lease,
            supported_configs: Vec::new(),
            manifest_configs: Vec::new(),
            install_namespace: InstallNamespace::default(),
        }
    }

    /// The add-on's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The agent registers with the hub (a client certificate from a CSR the manager approves).
    pub fn registration(mut self, registration: Registration) -> Self {
        self.registration = Some(registration);
        self
    }

    /// How the add-on's `Available` condition is set.
    pub fn health_prober(mut self, prober: HealthProber) -> Self {
        self.health = prober;
        self
    }

    /// A config kind the add-on reads (written to `status.supportedConfigs`; the hub's
    /// addon-manager resolves desired configs of these kinds only).
    pub fn supported_config(mut self, kind: ConfigKind) -> Self {
        self.supported_configs.push(kind);
        self
    }

    /// A manifest config (feedback rules, update strategy) added to the deploy works.
    pub fn manifest_config(mut self, config: ManifestConfigOption) -> Self {
        self.manifest_configs.push(config);
        self
    }

    /// The install namespace when neither the AddOnDeploymentConfig nor the ManagedClusterAddOn
    /// names one (see [`InstallNamespace`]).
    pub fn install_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.install_namespace.default = namespace.into();
        self
    }

    /// The rule that picks the install namespace.
    pub fn install_namespace_rule(&self) -> &InstallNamespace {
        &self.install_namespace
    }
}

/// Which install namespace wins. **One rule, first match:**
///
/// 1. the desired AddOnDeploymentConfig's `spec.agentInstallNamespace`, when not empty and not
///    [`DEFAULT_INSTALL_NAMESPACE`] (its CRD defaults the field to that value too);
/// 2. the ManagedClusterAddOn's `spec.installNamespace` (v1alpha1, deprecated upstream), when
///    not empty and not [`DEFAULT_INSTALL_NAMESPACE`] (the v1alpha1 CRD defaults the field to
///    that value, so the server cannot tell it from unset);
/// 3. the add-on's default ([`AddonOptions::install_namespace`]);
/// 4. [`DEFAULT_INSTALL_NAMESPACE`].
///
/// The result is written to the ManagedClusterAddOn's `status.namespace`, which is where the
/// klusterlet writes the hub kubeconfig secret and looks for the lease. Upstream
/// (addon-framework#327, ocm#298) decides between these sources in different places (the
/// framework's `AgentInstallNamespace` function, the registration agent reading
/// `status.namespace` then `spec.installNamespace`, the template add-on's own defaults); here
/// the manager decides once and every other party reads `status.namespace`.
///
/// Hosted mode (an agent running on a hosting cluster) is not supported yet: the manager
/// ignores `addon.open-cluster-management.io/hosting-cluster-name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallNamespace {
    default: String,
}

impl Default for InstallNamespace {
    fn default() -> Self {
        InstallNamespace {
            default: DEFAULT_INSTALL_NAMESPACE.to_string(),
        }
    }
}

impl InstallNamespace {
    /// Applies the rule.
    pub fn resolve(&self, addon: &ManagedClusterAddOn, configs: &ResolvedConfigs) -> String {
        let from_config = configs
            .deployment_config()
            .and_then(|c: AddOnDeploymentConfig| c.spec.agent_install_namespace)
            .filter(|n| !n.is_empty() && n != DEFAULT_INSTALL_NAMESPACE);
        let from_addon = addon
            .spec
            .install_namespace
            .clone()
            .filter(|n| !n.is_empty() && n != DEFAULT_INSTALL_NAMESPACE);
        from_config
            .or(from_addon)
            .unwrap_or_else(|| self.default.clone())
    }
}

/// A config kind an add-on supports: its group and resource (as the hub names configs) and
/// how to fetch it (version, kind).
#[derive(Debug, Clone)]
pub struct ConfigKind {
    pub(crate) resource: ApiResource,
}

impl ConfigKind {
    /// `addondeploymentconfigs.addon.open-cluster-management.io` (v1alpha1).
    pub fn addon_deployment_config() -> Self {
        ConfigKind {
            resource: ApiResource::erase::<AddOnDeploymentConfig>(&()),
        }
    }

    /// A custom config kind.
    pub fn new(resource: ApiResource) -> Self {
        ConfigKind { resource }
    }

    /// Its group and resource, as `status.supportedConfigs` lists it.
    pub fn group_resource(&self) -> ConfigGroupResource {
        ConfigGroupResource {
            group: self.resource.group.clone(),
            resource: self.resource.plural.clone(),
        }
    }
}
