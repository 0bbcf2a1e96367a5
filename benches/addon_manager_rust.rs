//! The Rust side of the add-on manager benchmark: the helloworld add-on's shape on
//! `ocm-addon-framework`, run in this (re-executed) bench process.

use k8s_openapi::api::rbac::v1::PolicyRule;
use ocm_addon_framework::{
    AddonContext, AddonManager, AddonOptions, AgentAddon, ConfigKind, HealthProber, ManifestError,
    Permission, Registration,
};
use serde_json::{Value, json};

/// helloworld's three manifests (examples/helloworld/manifests/templates, defaults).
struct HelloWorld;

impl AgentAddon for HelloWorld {
    fn manifests(&self, ctx: &AddonContext<'_>) -> Result<Vec<Value>, ManifestError> {
        let ns = ctx.install_namespace;
        let cluster = ctx.cluster_name();
        Ok(vec![
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "helloworld-agent-sa", "namespace": ns}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "helloworld-agent"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                "subjects": [{"kind": "ServiceAccount", "name": "helloworld-agent-sa", "namespace": ns}]}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "helloworld-agent", "namespace": ns, "labels": {"app": "helloworld-agent"}},
                "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "helloworld-agent"}},
                    "template": {"metadata": {"labels": {"app": "helloworld-agent"}},
                        "spec": {"serviceAccountName": "helloworld-agent-sa",
                            "volumes": [{"name": "hub-config", "secret": {"secretName": "helloworld-hub-kubeconfig"}}],
                            "containers": [{"name": "helloworld-agent",
                                "image": "quay.io/open-cluster-management/addon-examples:latest",
                                "imagePullPolicy": "IfNotPresent",
                                "args": ["/helloworld", "agent", "--hub-kubeconfig=/var/run/hub/kubeconfig",
                                    format!("--cluster-name={cluster}"), format!("--addon-namespace={ns}")],
                                "volumeMounts": [{"name": "hub-config", "mountPath": "/var/run/hub"}]}]}}}}),
        ])
    }
}

/// Runs the manager against the hub of `kubeconfig` until killed.
pub fn run(kubeconfig: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let config = kube::Config::from_custom_kubeconfig(
            kube::config::Kubeconfig::read_from(kubeconfig).unwrap(),
            &kube::config::KubeConfigOptions::default(),
        )
        .await
        .unwrap();
        let client = kube::Client::try_from(config).unwrap();
        // helloworld's permission (examples/rbac): read ConfigMaps and ManagedClusterAddOns in
        // the cluster namespace.
        let rules: Vec<PolicyRule> = serde_json::from_value(json!([
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["addon.open-cluster-management.io"], "resources": ["managedclusteraddons"], "verbs": ["get", "list", "watch"]},
        ]))
        .unwrap();
        let options = AddonOptions::new("helloworld")
            .registration(Registration::kube_client("bench").permission(Permission::role(rules)))
            .health_prober(HealthProber::DeploymentAvailability)
            .supported_config(ConfigKind::addon_deployment_config());
        let mut manager = AddonManager::new(client).addon(HelloWorld, options);
        if let Some(n) = std::env::var("OCM_BENCH_ADDON_CONCURRENCY")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            manager = manager.concurrency(n);
        }
        manager.run().await.unwrap();
    });
}
