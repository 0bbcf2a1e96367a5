//! An OCM add-on in Rust, run by the real Go hub: a ConfigMap and a Deployment on every
//! selected cluster, health from the work's status feedback, a greeting from an
//! AddOnDeploymentConfig.
//!
//! ```sh
//! cargo run -p ocm-examples --example addon_hello
//! ```
//!
//! It starts `ocm-testenv` (the Go v1.2.1 hub with its addon-manager, two Go klusterlets),
//! registers the add-on with a ClusterManagementAddOn whose install strategy places it on every
//! cluster, runs the Rust add-on manager, waits until both clusters report the add-on
//! `Available`, then changes the greeting and shows the hub rolling it out.

use std::time::Duration;

use anyhow::Context as _;
use kube::api::{Api, Patch, PatchParams};
use ocm_addon_framework::{
    AddonContext, AddonManager, AddonOptions, AgentAddon, ConfigKind, HealthProber, ManifestError,
    ProbeField, Registration, WorkProber,
};
use ocm_api::addon::v1alpha1::ManagedClusterAddOn;
use ocm_api::work::v1::ResourceIdentifier;
use ocm_client::work::rules;
use serde_json::{Value, json};

// ---- the add-on -------------------------------------------------------------------------

struct Hello;

impl AgentAddon for Hello {
    fn manifests(&self, ctx: &AddonContext<'_>) -> Result<Vec<Value>, ManifestError> {
        let ns = ctx.install_namespace;
        let greeting = ctx.configs.variable("greeting").unwrap_or("hello");
        let labels = json!({"app": "hello-agent"});
        Ok(vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "hello", "namespace": ns},
                   "data": {"greeting": greeting, "cluster": ctx.cluster_name()}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "hello-agent", "namespace": ns},
                   "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                            "template": {"metadata": {"labels": labels},
                                         "spec": {"containers": [{"name": "agent", "image": "busybox",
                                                                  "command": ["sleep", "infinity"]}]}}}}),
        ])
    }

    fn on_upgrade(&self, ctx: &AddonContext<'_>, from: &ConfigHashes, to: &ConfigHashes) {
        println!(
            "  {}: upgrading from {from:?} to {to:?}",
            ctx.cluster_name()
        );
    }
}

type ConfigHashes = std::collections::BTreeMap<String, String>;

fn options() -> AddonOptions {
    // Healthy once the agent reports the ConfigMap's greeting back (testenv runs no kubelet, so
    // a Deployment never becomes ready there; on a real cluster use
    // `HealthProber::DeploymentAvailability`).
    let configmap = ResourceIdentifier {
        group: String::new(),
        resource: "configmaps".into(),
        name: "hello".into(),
        namespace: "*".into(),
    };
    let prober = WorkProber::new()
        .field(ProbeField::new(
            configmap,
            vec![rules::json_paths([("greeting", ".data.greeting")])],
        ))
        .checker(|results, _, _| {
            match results.iter().any(|r| !r.feedback_result.values.is_empty()) {
                true => Ok(()),
                false => Err("no greeting reported yet".into()),
            }
        });
    AddonOptions::new("hello")
        .registration(Registration::kube_client("agent"))
        .health_prober(HealthProber::Work(prober))
        .supported_config(ConfigKind::addon_deployment_config())
        .install_namespace("hello-agent")
}

// ---- running it on a local hub ----------------------------------------------------------

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter("warn,kube_client=off")
        .init();
    let env = ocm_testenv::TestEnv::builder()
        .managed_clusters(2)
        .progress(true)
        .start()
        .await?;
    let hub = env.hub().client();
    let manager = tokio::spawn(AddonManager::new(hub.clone()).addon(Hello, options()).run());

    let pp = PatchParams::apply("addon-hello-example").force();
    let objects = [
        json!({"apiVersion": "cluster.open-cluster-management.io/v1beta2", "kind": "ManagedClusterSetBinding",
            "metadata": {"name": "global", "namespace": "default"}, "spec": {"clusterSet": "global"}}),
        json!({"apiVersion": "cluster.open-cluster-management.io/v1beta1", "kind": "Placement",
            "metadata": {"name": "hello", "namespace": "default"}, "spec": {"clusterSets": ["global"]}}),
        adc("hi"),
        json!({"apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ClusterManagementAddOn",
            "metadata": {"name": "hello"},
            "spec": {"supportedConfigs": [{"group": "addon.open-cluster-management.io", "resource": "addondeploymentconfigs"}],
                     "installStrategy": {"type": "Placements", "placements": [{"name": "hello", "namespace": "default",
                        "configs": [{"group": "addon.open-cluster-management.io", "resource": "addondeploymentconfigs",
                                     "name": "hello", "namespace": "default"}],
                        "rolloutStrategy": {"type": "All"}}]}}}),
    ];
    for object in objects {
        let obj: kube::api::DynamicObject = serde_json::from_value(object)?;
        let gvk = kube::api::GroupVersionKind::try_from(obj.types.as_ref().context("types")?)?;
        let (ar, caps) = kube::discovery::pinned_kind(&hub, &gvk).await?;
        let api: Api<kube::api::DynamicObject> = match caps.scope {
            kube::discovery::Scope::Namespaced => Api::namespaced_with(hub.clone(), "default", &ar),
            kube::discovery::Scope::Cluster => Api::all_with(hub.clone(), &ar),
        };
        api.patch(
            &obj.metadata.name.clone().unwrap_or_default(),
            &pp,
            &Patch::Apply(&obj),
        )
        .await?;
    }

    println!("installing the add-on on every cluster…");
    wait_for(&hub, |a| condition(a, "Available") == Some("True")).await?;
    println!("Available on cluster1 and cluster2; changing the greeting…");
    // The hub rolls the change out; a cluster is done when its `lastAppliedConfig` has the new
    // spec hash.
    let adcs: Api<kube::api::DynamicObject> = Api::namespaced_with(
        hub.clone(),
        "default",
        &kube::discovery::ApiResource::erase::<ocm_api::addon::v1alpha1::AddOnDeploymentConfig>(&()),
    );
    let changed = adcs
        .patch("hello", &pp, &Patch::Apply(adc("hello again")))
        .await?;
    let hash = ocm_addon_framework::spec_hash(&serde_json::to_value(&changed)?)?;
    wait_for(&hub, |a| {
        let refs = a
            .status
            .as_ref()
            .map(|s| s.config_references.as_slice())
            .unwrap_or_default();
        refs.iter().any(|r| {
            r.last_applied_config
                .as_ref()
                .is_some_and(|c| c.spec_hash == hash)
        })
    })
    .await?;
    for cluster in ["cluster1", "cluster2"] {
        let spoke = env.managed_cluster(cluster).context("cluster")?.client();
        let cm = Api::<k8s_openapi::api::core::v1::ConfigMap>::namespaced(spoke, "hello-agent")
            .get("hello")
            .await?;
        println!(
            "{cluster}: greeting = {:?}",
            cm.data.unwrap_or_default().get("greeting")
        );
    }
    manager.abort();
    Ok(())
}

fn adc(greeting: &str) -> Value {
    json!({"apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "AddOnDeploymentConfig",
           "metadata": {"name": "hello", "namespace": "default"},
           "spec": {"customizedVariables": [{"name": "greeting", "value": greeting}]}})
}

fn condition<'a>(a: &'a ManagedClusterAddOn, type_: &str) -> Option<&'a str> {
    let conds = &a.status.as_ref()?.conditions;
    conds
        .iter()
        .find(|c| c.type_ == type_)
        .map(|c| c.status.as_str())
}

/// Waits until both clusters' ManagedClusterAddOn satisfies `done` (polling each second).
async fn wait_for(
    hub: &kube::Client,
    done: impl Fn(&ManagedClusterAddOn) -> bool,
) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(240);
    loop {
        let mut ok = true;
        for cluster in ["cluster1", "cluster2"] {
            let a = Api::<ManagedClusterAddOn>::namespaced(hub.clone(), cluster)
                .get_opt("hello")
                .await?;
            ok &= a.as_ref().is_some_and(&done);
        }
        if ok {
            return Ok(());
        }
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
