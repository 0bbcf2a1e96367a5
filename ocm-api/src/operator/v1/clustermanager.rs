//! The `ClusterManager` kind: configuration of the OCM hub controllers.

use k8s_openapi::ByteString;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use super::{
    EKS_ARN_PATTERN, FeatureGate, HOSTNAME_PATTERN, InstallMode, NodePlacement, OperatorStatus,
    ResourceRequirement,
};
use crate::schema::{Required, byte_string_schema, no_default};

crate::kind::custom_resource! {
    /// ClusterManager configures the hub controllers that govern registration and work
    /// distribution for attached Klusterlets (cluster-scoped,
    /// `operator.open-cluster-management.io/v1`).
    ///
    /// Upstream's CRD does not require `spec` (the API server defaults it); an absent or `null`
    /// one reads as the default.
    pub struct ClusterManager {
        group: "operator.open-cluster-management.io",
        version: "v1",
        plural: "clustermanagers",
        scope: ClusterResourceScope,
        spec(optional): ClusterManagerSpec,
        status(omitempty): ClusterManagerStatus,
    }
}

/// Desired configuration of the hub controllers (registration, work, placement, add-on
/// manager) that serve the attached Klusterlets.
///
/// In `Default` mode the hub is deployed to the `open-cluster-management-hub` namespace; in
/// `Hosted` mode to a namespace named after the ClusterManager. The server defaults `spec` to
/// `{deployOption: {mode: Default}}`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("default" = { "deployOption": { "mode": "Default" } }))]
pub struct ClusterManagerSpec {
    /// Image of the registration controller and webhook; the server defaults it to
    /// `quay.io/open-cluster-management/registration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "quay.io/open-cluster-management/registration"))]
    pub registration_image_pull_spec: Option<String>,

    /// Image of the work controller and webhook; the server defaults it to
    /// `quay.io/open-cluster-management/work`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "quay.io/open-cluster-management/work"))]
    pub work_image_pull_spec: Option<String>,

    /// Image of the placement controller; the server defaults it to
    /// `quay.io/open-cluster-management/placement`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "quay.io/open-cluster-management/placement"))]
    pub placement_image_pull_spec: Option<String>,

    /// Image of the add-on manager; the server defaults it to
    /// `quay.io/open-cluster-management/addon-manager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "quay.io/open-cluster-management/addon-manager"))]
    pub add_on_manager_image_pull_spec: Option<String>,

    /// Scheduling of the hub pods.
    ///
    /// Go writes this struct even when empty (`{}`); that reads back as `Some(default)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_placement: Option<NodePlacement>,

    /// How the hub is deployed; the server defaults it to `{mode: Default}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = { "mode": "Default" }))]
    pub deploy_option: Option<ClusterManagerDeployOption>,

    /// Configuration of the registration controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_configuration: Option<RegistrationHubConfiguration>,

    /// Configuration of the work controller; the server defaults it to `{workDriver: kube}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = { "workDriver": "kube" }))]
    pub work_configuration: Option<WorkConfiguration>,

    /// Configuration of the add-on manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_on_manager_configuration: Option<AddOnManagerConfiguration>,

    /// Configuration of the placement controller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_configuration: Option<PlacementConfiguration>,

    /// Configuration of the gRPC/HTTPS server used by non-kube registration and work drivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_configuration: Option<ServerConfiguration>,

    /// QoS class of all containers in the hub deployments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_requirement: Option<ResourceRequirement>,
}

/// Configuration of the hub registration controller.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationHubConfiguration {
    /// Users whose bootstrap credentials get their CSRs approved and clusters accepted
    /// automatically (with the `ManagedClusterAutoApproval` feature gate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_approve_users: Option<Vec<String>>,

    /// Feature gates of the registration controller; empty means the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_gates: Option<Vec<FeatureGate>>,

    /// The registration drivers the hub initializes, at most one per `authType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["authType"]))]
    pub registration_drivers: Option<Vec<RegistrationDriverHub>>,

    /// Configuration of the cluster importer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importer_configuration: Option<ImporterConfiguration>,
}

/// Configuration of the cluster importer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImporterConfiguration {
    /// The import renderers to use; known values are `render-auto` and
    /// `render-from-config-secret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderers: Option<Vec<String>>,
}

/// One hub registration driver: how clusters authenticate when they register.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["authType"]))]
pub struct RegistrationDriverHub {
    /// The authentication type; the server defaults it to `csr`. It is the list-map key of
    /// [`RegistrationHubConfiguration::registration_drivers`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "csr"))]
    pub auth_type: Option<RegistrationAuthType>,

    /// Configuration of the `csr` driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csr: Option<CSRConfig>,

    /// Configuration of the `awsirsa` driver.
    #[serde(rename = "awsirsa", default, skip_serializing_if = "Option::is_none")]
    pub aws_irsa: Option<AwsIrsaConfig>,

    /// Configuration of the `grpc` driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GRPCRegistrationConfig>,
}

/// The authentication type of a registration driver, on the hub
/// ([`RegistrationDriverHub`]) and on the agent (`RegistrationDriver`).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum RegistrationAuthType {
    /// `csr`: Kubernetes CertificateSigningRequests (the default).
    #[default]
    #[serde(rename = "csr")]
    Csr,
    /// `awsirsa`: AWS IAM roles for service accounts (EKS).
    #[serde(rename = "awsirsa")]
    AwsIrsa,
    /// `grpc`: registration through the OCM gRPC server.
    #[serde(rename = "grpc")]
    Grpc,
}

/// Configuration of the `csr` registration driver.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CSRConfig {
    /// Users whose CSRs are approved automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_approved_identities: Option<Vec<String>>,
}

/// Configuration of the `awsirsa` registration driver on the hub.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AwsIrsaConfig {
    /// ARN of the hub EKS cluster, e.g. `arn:aws:eks:us-west-2:123456789012:cluster/hub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = EKS_ARN_PATTERN))]
    pub hub_cluster_arn: Option<String>,

    /// ARN patterns that are approved automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_approved_identities: Option<Vec<String>>,

    /// Tags added to the AWS resources the hub creates for a registration, e.g.
    /// `product:v1:tenant:app-name=My-App`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// Configuration of the `grpc` registration driver on the hub.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GRPCRegistrationConfig {
    /// Users whose CSRs are approved automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_approved_identities: Option<Vec<String>>,
}

/// Configuration of the hub's gRPC/HTTPS server.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerConfiguration {
    /// Image of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_spec: Option<String>,

    /// Feature gates of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_gates: Option<Vec<FeatureGate>>,

    /// How the server's endpoints are exposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints_exposure: Option<Vec<EndpointExposure>>,
}

/// How one endpoint of the hub server is exposed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["protocol"]))]
pub struct EndpointExposure {
    /// What the endpoint is for: `agentToHub` (agents talking to the hub) or `consumer`
    /// (external consumers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,

    /// The endpoint's protocol; the server defaults it to `grpc`. Always written.
    #[serde(default)]
    #[schemars(extend("default" = "grpc"))]
    pub protocol: EndpointProtocol,

    /// Exposure of the gRPC endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<Endpoint>,

    /// Exposure of the HTTPS endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https: Option<Endpoint>,
}

/// The protocol of an [`EndpointExposure`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum EndpointProtocol {
    /// `grpc` (the default).
    #[default]
    #[serde(rename = "grpc")]
    Grpc,
    /// `https`.
    #[serde(rename = "https")]
    Https,
}

/// How an endpoint is exposed outside the hub.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["type"]))]
pub struct Endpoint {
    /// The exposure type; the server defaults it to `hostname`. Another object (e.g. a
    /// route) may be needed to expose the endpoint.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "hostname"))]
    pub type_: Option<EndpointExposureType>,

    /// A fixed host name serving the agents' handshakes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<HostnameConfig>,

    /// Custom settings of the `loadBalancer` type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerConfig>,

    /// Custom settings of the `route` type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteConfig>,
}

/// The type of an [`Endpoint`] exposure.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum EndpointExposureType {
    /// `hostname`: a fixed host name (the default).
    #[default]
    #[serde(rename = "hostname")]
    Hostname,
    /// `loadBalancer`: a load-balancer service.
    #[serde(rename = "loadBalancer")]
    LoadBalancer,
    /// `route`: an OpenShift route.
    #[serde(rename = "route")]
    Route,
}

/// A fixed host name of an endpoint.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["host"]))]
pub struct HostnameConfig {
    /// The host name (always written).
    #[serde(default)]
    #[schemars(transform = no_default)]
    pub host: String,

    /// CA bundle of the endpoint (base64 on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "byte_string_schema")]
    pub ca_bundle: Option<ByteString>,
}

/// Custom settings of a `loadBalancer` endpoint.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerConfig {
    /// Custom host name of the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,

    /// Custom CA bundle of the endpoint (base64 on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "byte_string_schema")]
    pub ca_bundle: Option<ByteString>,
}

/// Custom settings of a `route` endpoint.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteConfig {
    /// Custom host name of the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,

    /// Custom CA bundle of the endpoint (base64 on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "byte_string_schema")]
    pub ca_bundle: Option<ByteString>,
}

/// Configuration of the hub work controller.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkConfiguration {
    /// Feature gates of the work controller; empty means the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_gates: Option<Vec<FeatureGate>>,

    /// The work driver; the server defaults it to `kube`. A non-`kube` driver needs a
    /// `work-driver-config` secret next to the hub and the same driver on the Klusterlets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "kube"))]
    pub work_driver: Option<WorkDriverType>,
}

/// How ManifestWorks travel between hub and agents.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum WorkDriverType {
    /// `kube`: through the hub kube-apiserver (the default).
    #[default]
    #[serde(rename = "kube")]
    Kube,
    /// `mqtt`: CloudEvents over MQTT.
    #[serde(rename = "mqtt")]
    Mqtt,
    /// `grpc`: CloudEvents over gRPC.
    #[serde(rename = "grpc")]
    Grpc,
}

/// Configuration of the add-on manager.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnManagerConfiguration {
    /// Feature gates of the add-on manager; empty means the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_gates: Option<Vec<FeatureGate>>,
}

/// Configuration of the placement controller.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlacementConfiguration {
    /// Feature gates of the placement controller; empty means the defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_gates: Option<Vec<FeatureGate>>,
}

/// How the ClusterManager is deployed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["mode"]))]
pub struct ClusterManagerDeployOption {
    /// `Default` or `Hosted` (the server defaults it to `Default`). Must not change once
    /// applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "cluster_manager_install_mode_schema")]
    pub mode: Option<InstallMode>,

    /// Options of the `Default` mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultClusterManagerConfiguration>,

    /// Options of the `Hosted` mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted: Option<HostedClusterManagerConfiguration>,
}

/// The ClusterManager CRD accepts only two of the [`InstallMode`]s.
fn cluster_manager_install_mode_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "enum": ["Default", "Hosted"],
        "default": "Default",
    })
}

/// Options of the `Default` deploy mode.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultClusterManagerConfiguration {
    /// Webhook server of registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_webhook_configuration: Option<DefaultWebhookConfiguration>,

    /// Webhook server of work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_webhook_configuration: Option<DefaultWebhookConfiguration>,

    /// Webhook server of add-ons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addon_webhook_configuration: Option<DefaultWebhookConfiguration>,
}

/// Options of the `Hosted` deploy mode.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostedClusterManagerConfiguration {
    /// Webhook server of registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_webhook_configuration: Option<HostedWebhookConfiguration>,

    /// Webhook server of work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_webhook_configuration: Option<HostedWebhookConfiguration>,
}

/// Port bindings of a webhook server.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BindConfiguration {
    /// Main port; the server defaults it to 9443.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 65535), extend("default" = 9443))]
    pub port: Option<i32>,

    /// Health-probe port; the server defaults it to 8000, and a value `<= 0` turns health
    /// checks off. Always written (no `omitempty` upstream).
    #[serde(default)]
    #[schemars(range(max = 65535), extend("default" = 8000))]
    pub health_probe_port: i32,

    /// Metrics port; the server defaults it to 8080, and a value `<= 0` turns metrics off.
    /// Always written (no `omitempty` upstream).
    #[serde(default)]
    #[schemars(range(max = 65535), extend("default" = 8080))]
    pub metrics_port: i32,

    /// Run the webhook pods in the host network (needed e.g. on EKS with Calico).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_network: Option<bool>,
}

/// A webhook server in the `Default` deploy mode.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultWebhookConfiguration {
    /// Port bindings of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_configuration: Option<BindConfiguration>,
}

/// A webhook server in the `Hosted` deploy mode.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["address"]))]
pub struct HostedWebhookConfiguration {
    /// IP or FQDN of the webhook server; the hub apiserver must reach it. Always written.
    #[serde(default)]
    #[schemars(transform = no_default)]
    #[schemars(regex(pattern = HOSTNAME_PATTERN))]
    pub address: String,

    /// External port of the server; the server defaults it to 443.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 65535), extend("default" = 443))]
    pub port: Option<i32>,

    /// Port bindings of the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_configuration: Option<BindConfiguration>,
}

/// Observed state of the hub controllers: conditions such as `Applied`, `Progressing`,
/// `HubRegistrationDegraded`, `HubPlacementDegraded`. The same type as
/// [`KlusterletStatus`](super::KlusterletStatus), as in upstream's schema.
pub type ClusterManagerStatus = OperatorStatus;

#[cfg(test)]
mod tests {
    use super::*;
    use kube::{CustomResourceExt, Resource};
    use pretty_assertions::assert_eq;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn round_trip(file: &str) -> Result<ClusterManager, Box<dyn std::error::Error>> {
        super::super::testing::round_trip(file)
    }

    #[test]
    fn full_fixture_round_trips_with_typed_values() -> TestResult {
        let cm = round_trip("ClusterManager.full.json")?;
        let deploy = cm.spec.deploy_option.as_ref().ok_or("deployOption")?;
        assert_eq!(deploy.mode, Some(InstallMode::Default));
        let drivers = cm
            .spec
            .registration_configuration
            .as_ref()
            .and_then(|r| r.registration_drivers.as_ref())
            .ok_or("registrationDrivers")?;
        assert_eq!(drivers[1].auth_type, Some(RegistrationAuthType::AwsIrsa));
        assert!(drivers[1].aws_irsa.is_some());
        let exposure = cm
            .spec
            .server_configuration
            .as_ref()
            .and_then(|s| s.endpoints_exposure.as_ref())
            .ok_or("endpointsExposure")?;
        assert_eq!(exposure[1].protocol, EndpointProtocol::Https);
        let hostname = exposure[0]
            .grpc
            .as_ref()
            .and_then(|e| e.hostname.as_ref())
            .ok_or("hostname")?;
        assert!(
            hostname
                .ca_bundle
                .as_ref()
                .is_some_and(|b| b.0.starts_with(b"-----BEGIN CERTIFICATE-----"))
        );
        assert_eq!(cm.status.as_ref().map(|s| s.conditions.len()), Some(2));
        Ok(())
    }

    #[test]
    fn minimal_fixture_round_trips() -> TestResult {
        let cm = round_trip("ClusterManager.minimal.json")?;
        assert_eq!(
            cm.spec.deploy_option,
            Some(ClusterManagerDeployOption::default())
        );
        Ok(())
    }

    #[test]
    fn reads_go_nulls_and_writes_always_present_fields() -> TestResult {
        let cm: ClusterManager = serde_json::from_value(serde_json::json!({
            "apiVersion": "operator.open-cluster-management.io/v1",
            "kind": "ClusterManager",
            "metadata": {"name": "cluster-manager"},
            "spec": {
                "nodePlacement": {"nodeSelector": null, "tolerations": null},
                "deployOption": {"mode": "Hosted", "hosted": {"workWebhookConfiguration": {
                    "address": "work.example.com",
                    "bindConfiguration": {}
                }}}
            },
            "status": {"conditions": null, "generations": null}
        }))?;
        let value = serde_json::to_value(&cm)?;
        assert_eq!(value["spec"]["nodePlacement"], serde_json::json!({}));
        assert_eq!(value["status"], serde_json::json!({"conditions": []}));
        // healthProbePort and metricsPort have no omitempty upstream.
        assert_eq!(
            value["spec"]["deployOption"]["hosted"]["workWebhookConfiguration"]["bindConfiguration"],
            serde_json::json!({"healthProbePort": 0, "metricsPort": 0})
        );
        Ok(())
    }

    #[test]
    fn rejects_a_mode_outside_the_enum() {
        let result = serde_json::from_value::<ClusterManagerDeployOption>(
            serde_json::json!({"mode": "Sideways"}),
        );
        assert!(result.is_err());
    }

    #[test]
    fn crd_names_scope_and_subresources() -> TestResult {
        let crd = ClusterManager::crd();
        assert_eq!(
            crd.metadata.name.as_deref(),
            Some("clustermanagers.operator.open-cluster-management.io")
        );
        assert_eq!(crd.spec.group, crate::operator::GROUP);
        assert_eq!(crd.spec.scope, "Cluster");
        assert_eq!(crd.spec.names.kind, "ClusterManager");
        assert_eq!(crd.spec.names.plural, "clustermanagers");
        assert_eq!(crd.spec.names.singular.as_deref(), Some("clustermanager"));
        assert_eq!(crd.spec.versions.len(), 1);
        let version = &crd.spec.versions[0];
        assert_eq!(version.name, "v1");
        assert!(version.served && version.storage);
        let subresources = version.subresources.as_ref().ok_or("subresources")?;
        assert!(subresources.status.is_some() && subresources.scale.is_none());
        assert_eq!(ClusterManager::plural(&()), "clustermanagers");
        assert_eq!(
            ClusterManager::api_version(&()),
            "operator.open-cluster-management.io/v1"
        );

        let schema = serde_json::to_value(
            version
                .schema
                .as_ref()
                .and_then(|s| s.open_api_v3_schema.as_ref())
                .ok_or("schema")?,
        )?;
        let mode =
            &schema["properties"]["spec"]["properties"]["deployOption"]["properties"]["mode"];
        assert_eq!(mode["enum"], serde_json::json!(["Default", "Hosted"]));
        let drivers = &schema["properties"]["spec"]["properties"]["registrationConfiguration"]["properties"]
            ["registrationDrivers"];
        assert_eq!(drivers["x-kubernetes-list-type"], "map");
        assert_eq!(
            drivers["items"]["required"],
            serde_json::json!(["authType"])
        );
        Ok(())
    }

    /// Objects as Go's `encoding/json` writes them for (partly) zero-valued upstream structs
    /// (generated with api@v1.3.0): we read them and write back the same JSON, except that a
    /// nil slice without `omitempty` (`null`) is written as `[]`.
    #[test]
    fn go_encoded_zero_values_read_and_write_back() -> TestResult {
        let go = r#"{"apiVersion":"operator.open-cluster-management.io/v1","kind":"ClusterManager","metadata":{},"spec":{"nodePlacement":{},"deployOption":{}},"status":{"conditions":null}}"#;
        let ours: ClusterManager = serde_json::from_str(go)?;
        let expected: serde_json::Value = serde_json::from_str(&go.replace(r#":null"#, ":[]"))?;
        assert_eq!(serde_json::to_value(&ours)?, expected);
        let go = r#"{"apiVersion":"operator.open-cluster-management.io/v1","kind":"ClusterManager","metadata":{},"spec":{"nodePlacement":{},"deployOption":{"mode":"Hosted","default":{"registrationWebhookConfiguration":{},"workWebhookConfiguration":{},"addonWebhookConfiguration":{}},"hosted":{"registrationWebhookConfiguration":{"address":""},"workWebhookConfiguration":{"address":""}}},"registrationConfiguration":{"registrationDrivers":[{}]},"serverConfiguration":{"endpointsExposure":[{"protocol":"grpc","grpc":{"hostname":{"host":""}}}]},"resourceRequirement":{"type":"Default"}},"status":{"conditions":null,"generations":[{"group":"","version":"","resource":"","namespace":"","name":"","lastGeneration":0}],"relatedResources":[{"group":"","version":"","resource":"","namespace":"","name":""}]}}"#;
        let ours: ClusterManager = serde_json::from_str(go)?;
        let expected: serde_json::Value = serde_json::from_str(&go.replace(r#":null"#, ":[]"))?;
        assert_eq!(serde_json::to_value(&ours)?, expected);
        Ok(())
    }
}
