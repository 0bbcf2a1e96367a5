//! The add-on framework end to end, on ocm-testenv (the Go v1.2.1 hub with its addon-manager,
//! two Go klusterlets): install by placement, manifests on both clusters, health, registration
//! (a hub kubeconfig that works from the agent side), a config change rolled out and reported
//! applied, a manager restart, uninstall; and bad input that only affects its own add-on.
//!
//! One environment for the whole binary; each test runs its own add-on (its own name).
//! Run with `cargo test -p ocm-addon-framework --test addon_e2e`.

use ocm_test_support::{eventually, eventually_some};
use std::sync::OnceLock;
use std::time::Duration;

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::api::rbac::v1::PolicyRule;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::runtime::wait::{await_condition, conditions::is_deleted};
use ocm_addon_framework::{
    AddonContext, AddonManager, AddonOptions, AgentAddon, ConfigKind, HealthProber, ManifestError,
    Permission, ProbeField, Registration, WorkProber, agent, manifest, spec_hash,
};
use ocm_api::addon::v1alpha1::{
    AddOnDeploymentConfig, ClusterManagementAddOn, ManagedClusterAddOn,
};
use ocm_api::work::v1::ManifestWork;
use ocm_client::work::rules;
use ocm_testenv::TestEnv;
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;
type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const CLUSTERS: [&str; 2] = ["cluster1", "cluster2"];
/// Generous: the machine running the tests is shared.
const TIMEOUT: Duration = Duration::from_secs(240);

fn env() -> &'static Result<TestEnv, String> {
    static ENV: OnceLock<Result<TestEnv, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(TestEnv::builder().managed_clusters(2).start())
                .map_err(|e| e.to_string())
        })
        .join()
        .unwrap_or_else(|_| Err("starting the environment panicked".into()))
    })
}

async fn hub() -> Res<kube::Client> {
    let env = env().as_ref().map_err(|e| e.clone())?;
    Ok(env.hub().connect().await?)
}

async fn spoke(name: &str) -> Res<kube::Client> {
    let env = env().as_ref().map_err(|e| e.clone())?;
    Ok(env
        .managed_cluster(name)
        .ok_or("no such cluster")?
        .connect()
        .await?)
}

/// The add-on under test: a Namespace, a ConfigMap whose `greeting` comes from the
/// AddOnDeploymentConfig, and a Deployment (never ready here: testenv runs no kubelet, so the
/// health prober reads the ConfigMap's feedback instead).
struct Hello {
    /// Clusters for which rendering fails (bad input).
    fail_on: Option<&'static str>,
}

impl AgentAddon for Hello {
    fn manifests(&self, ctx: &AddonContext<'_>) -> Result<Vec<Value>, ManifestError> {
        if self.fail_on == Some(ctx.cluster_name()) {
            return Err(ManifestError::other("this cluster is not supported"));
        }
        let ns = ctx.install_namespace;
        let greeting = ctx.configs.variable("greeting").unwrap_or("hello");
        Ok(vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": ctx.addon_name(), "namespace": ns},
                   "data": {"greeting": greeting, "cluster": ctx.cluster_name()}}),
            manifest(&json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": ctx.addon_name(), "namespace": ns},
                   "spec": {"replicas": 1,
                            "selector": {"matchLabels": {"app": ctx.addon_name()}},
                            "template": {"metadata": {"labels": {"app": ctx.addon_name()}},
                                         "spec": {"containers": [{"name": "agent", "image": "busybox"}]}}}}))?,
        ])
    }
}

fn options(name: &str) -> AddonOptions {
    let id = ocm_api::work::v1::ResourceIdentifier {
        group: String::new(),
        resource: "configmaps".into(),
        name: name.into(),
        namespace: "*".into(),
    };
    let prober = WorkProber::new()
        .field(ProbeField::new(
            id,
            vec![rules::json_paths([("greeting", ".data.greeting")])],
        ))
        .checker(|results, _, _| {
            let has = results.iter().any(|r| {
                r.feedback_result
                    .values
                    .iter()
                    .any(|v| v.name == "greeting")
            });
            if has {
                Ok(())
            } else {
                Err("no greeting reported".into())
            }
        });
    let read_configmaps = PolicyRule {
        api_groups: Some(vec![String::new()]),
        resources: Some(vec!["configmaps".into()]),
        verbs: vec!["get".into(), "list".into()],
        ..Default::default()
    };
    AddonOptions::new(name)
        .registration(
            Registration::kube_client("agent").permission(Permission::role(vec![read_configmaps])),
        )
        .health_prober(HealthProber::Work(prober))
        .supported_config(ConfigKind::addon_deployment_config())
        .install_namespace(format!("{name}-agent"))
}

fn condition<'a>(
    addon: &'a ManagedClusterAddOn,
    type_: &str,
) -> Option<&'a k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition> {
    addon
        .status
        .as_ref()?
        .conditions
        .iter()
        .find(|c| c.type_ == type_)
}

async fn setup_hub(hub: &kube::Client, name: &str, greeting: &str) -> Res<()> {
    setup_hub_with(hub, name, greeting, json!({"type": "All"}), false).await
}

async fn setup_hub_with(
    hub: &kube::Client,
    name: &str,
    greeting: &str,
    rollout: Value,
    self_managed: bool,
) -> Res<()> {
    let pp = PatchParams::apply("addon-e2e").force();
    let ns = "default";
    let binding: Value = json!({"apiVersion": "cluster.open-cluster-management.io/v1beta2", "kind": "ManagedClusterSetBinding",
        "metadata": {"name": "global", "namespace": ns}, "spec": {"clusterSet": "global"}});
    Api::<ocm_api::cluster::v1beta2::ManagedClusterSetBinding>::namespaced(hub.clone(), ns)
        .patch("global", &pp, &Patch::Apply(binding))
        .await?;
    let placement = json!({"apiVersion": "cluster.open-cluster-management.io/v1beta1", "kind": "Placement",
        "metadata": {"name": name, "namespace": ns}, "spec": {"clusterSets": ["global"]}});
    Api::<ocm_api::cluster::v1beta1::Placement>::namespaced(hub.clone(), ns)
        .patch(name, &pp, &Patch::Apply(placement))
        .await?;
    Api::<AddOnDeploymentConfig>::namespaced(hub.clone(), ns)
        .patch(name, &pp, &Patch::Apply(adc(name, greeting)))
        .await?;
    let annotations = if self_managed {
        json!({"addon.open-cluster-management.io/lifecycle": "self"})
    } else {
        json!({})
    };
    let cma = json!({"apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ClusterManagementAddOn",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {
            "supportedConfigs": [{"group": "addon.open-cluster-management.io", "resource": "addondeploymentconfigs"}],
            "installStrategy": {"type": "Placements", "placements": [{
                "name": name, "namespace": ns,
                "configs": [{"group": "addon.open-cluster-management.io", "resource": "addondeploymentconfigs",
                             "name": name, "namespace": ns}],
                "rolloutStrategy": rollout}]}}});
    Api::<ClusterManagementAddOn>::all(hub.clone())
        .patch(name, &pp, &Patch::Apply(cma))
        .await?;
    Ok(())
}

fn adc(name: &str, greeting: &str) -> Value {
    json!({"apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "AddOnDeploymentConfig",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"customizedVariables": [{"name": "greeting", "value": greeting}]}})
}

async fn greeting_on(cluster: &str, ns: &str, name: &str) -> Res<Option<String>> {
    let cms: Api<ConfigMap> = Api::namespaced(spoke(cluster).await?, ns);
    Ok(cms
        .get_opt(name)
        .await?
        .and_then(|c| c.data)
        .and_then(|d| d.get("greeting").cloned()))
}

/// Waits until the add-on's ConfigMap on `cluster` has greeting `want` (`None`: is gone).
async fn wait_greeting(cluster: &str, ns: &str, name: &str, want: Option<&str>) -> Res<()> {
    let what = match want {
        Some(g) => format!("greeting {g:?} on {cluster}"),
        None => format!("ConfigMap gone from {cluster}"),
    };
    eventually(&what, TIMEOUT, || async {
        let seen = greeting_on(cluster, ns, name).await?;
        Ok((seen.as_deref() == want)
            .then_some(())
            .ok_or_else(|| format!("{seen:?}")))
    })
    .await?;
    Ok(())
}

/// Waits until the hub reports config spec hash `hash` as last applied for add-on `name` on
/// `cluster`.
async fn wait_applied_hash(hub: &kube::Client, cluster: &str, name: &str, hash: &str) -> Res<()> {
    let mcas: Api<ManagedClusterAddOn> = Api::namespaced(hub.clone(), cluster);
    eventually_some(
        &format!("spec hash {hash} applied on {cluster}"),
        TIMEOUT,
        || async {
            let a = mcas.get(name).await?;
            let refs = a.status.map(|s| s.config_references).unwrap_or_default();
            Ok(refs
                .iter()
                .any(|r| {
                    r.last_applied_config
                        .as_ref()
                        .is_some_and(|l| l.spec_hash == hash)
                })
                .then_some(()))
        },
    )
    .await?;
    Ok(())
}

fn start_manager(
    hub: kube::Client,
    name: &str,
    fail_on: Option<&'static str>,
) -> tokio::task::JoinHandle<()> {
    let manager = AddonManager::new(hub).addon(Hello { fail_on }, options(name));
    tokio::spawn(async move {
        let _ = manager.run().await;
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_register_upgrade_restart_uninstall() -> TestResult {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("ocm_addon_framework=debug")
        .with_test_writer()
        .try_init();
    let name = "hello";
    let ns = format!("{name}-agent");
    let hub = hub().await?;
    let mut manager = start_manager(hub.clone(), name, None);
    setup_hub(&hub, name, "hi").await?;

    // Installed on both clusters by the hub's install strategy; manifests land; Available.
    for cluster in CLUSTERS {
        let mcas: Api<ManagedClusterAddOn> = Api::namespaced(hub.clone(), cluster);
        wait_greeting(cluster, &ns, name, Some("hi")).await?;
        eventually_some(
            &format!("{name} Available on {cluster}"),
            TIMEOUT,
            || async {
                let a = mcas.get_opt(name).await?;
                Ok(a.filter(|a| condition(a, "Available").is_some_and(|c| c.status == "True")))
            },
        )
        .await?;
        let works: Api<ManifestWork> = Api::namespaced(hub.clone(), cluster);
        let w = works.get(&format!("addon-{name}-deploy-0")).await?;
        assert_eq!(
            w.metadata
                .labels
                .unwrap_or_default()
                .get("open-cluster-management.io/addon-name")
                .map(String::as_str),
            Some(name)
        );
        let a = mcas.get(name).await?;
        assert_eq!(
            a.status.as_ref().and_then(|s| s.namespace.as_deref()),
            Some(ns.as_str())
        );
    }

    // Registration: the klusterlet got a certificate through a CSR the manager approved; the
    // agent-side helpers build a hub client from its secret, and the permission step lets it
    // read ConfigMaps in its cluster's namespace (and nowhere else).
    let managed = spoke("cluster1").await?;
    let dir = tempfile::tempdir()?;
    eventually_some("the hub kubeconfig secret on cluster1", TIMEOUT, || async {
        Ok(agent::write_hub_kubeconfig(&managed, &ns, name, dir.path())
            .await?
            .then_some(()))
    })
    .await?;
    let agent_hub = agent::hub_client(dir.path()).await?;
    eventually_some(
        "the agent reading ConfigMaps in cluster1's namespace",
        TIMEOUT,
        || async {
            Ok(Api::<ConfigMap>::namespaced(agent_hub.clone(), "cluster1")
                .list(&ListParams::default())
                .await
                .ok()
                .map(|_| ()))
        },
    )
    .await?;
    let other = Api::<ConfigMap>::namespaced(agent_hub.clone(), "cluster2")
        .list(&ListParams::default())
        .await;
    assert!(
        other.is_err(),
        "the agent of cluster1 must not read cluster2's namespace"
    );
    let csrs: Api<CertificateSigningRequest> = Api::all(hub.clone());
    let ours = csrs
        .list(
            &ListParams::default().labels(&format!("open-cluster-management.io/addon-name={name}")),
        )
        .await?;
    assert!(ours.items.iter().any(|c| {
        c.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Approved"))
    }));
    // The lease helper renews the add-on's lease on the managed cluster.
    agent::AddonLease::new(managed.clone(), &ns, name)
        .renew()
        .await?;
    let leases: Api<k8s_openapi::api::coordination::v1::Lease> =
        Api::namespaced(managed.clone(), &ns);
    assert!(
        leases
            .get(name)
            .await?
            .spec
            .and_then(|s| s.renew_time)
            .is_some()
    );

    // A config change while the manager is down: nothing is lost when it comes back.
    manager.abort();
    let _ = manager.await;
    let adcs: Api<AddOnDeploymentConfig> = Api::namespaced(hub.clone(), "default");
    let changed = adcs
        .patch(
            name,
            &PatchParams::apply("addon-e2e").force(),
            &Patch::Apply(adc(name, "hello again")),
        )
        .await?;
    let want_hash = spec_hash(&serde_json::to_value(&changed)?)?;
    manager = start_manager(hub.clone(), name, None);
    for cluster in CLUSTERS {
        wait_greeting(cluster, &ns, name, Some("hello again")).await?;
        wait_applied_hash(&hub, cluster, name, &want_hash).await?;
    }

    // Uninstall: deleting the ClusterManagementAddOn removes the ManagedClusterAddOns, their
    // works, RBAC and the resources on the managed clusters.
    Api::<ClusterManagementAddOn>::all(hub.clone())
        .delete(name, &DeleteParams::default())
        .await?;
    for cluster in CLUSTERS {
        let mcas: Api<ManagedClusterAddOn> = Api::namespaced(hub.clone(), cluster);
        tokio::time::timeout(TIMEOUT, await_condition(mcas, name, is_deleted(""))).await??;
        eventually_some(&format!("works gone from {cluster}"), TIMEOUT, || async {
            let works: Api<ManifestWork> = Api::namespaced(hub.clone(), cluster);
            let left = works
                .list(
                    &ListParams::default()
                        .labels(&format!("open-cluster-management.io/addon-name={name}")),
                )
                .await?;
            Ok(left.items.is_empty().then_some(()))
        })
        .await?;
        wait_greeting(cluster, &ns, name, None).await?;
        let roles: Api<k8s_openapi::api::rbac::v1::Role> = Api::namespaced(hub.clone(), cluster);
        eventually_some(&format!("Role gone from {cluster}"), TIMEOUT, || async {
            Ok(roles
                .get_opt(&Permission::name(name))
                .await?
                .is_none()
                .then_some(()))
        })
        .await?;
    }
    let _ = Api::<Namespace>::all(spoke("cluster1").await?);
    manager.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_affects_only_its_add_on() -> TestResult {
    let name = "broken";
    let hub = hub().await?;
    let manager = start_manager(hub.clone(), name, Some("cluster1"));
    setup_hub(&hub, name, "hi").await?;
    let ns = format!("{name}-agent");

    // Manifests that fail to render on cluster1: a condition there, cluster2 unaffected.
    let mcas1: Api<ManagedClusterAddOn> = Api::namespaced(hub.clone(), "cluster1");
    let failed = eventually_some("ManifestApplied=False on cluster1", TIMEOUT, || async {
        let a = mcas1.get_opt(name).await?;
        Ok(a.and_then(|a| {
            condition(&a, "ManifestApplied")
                .filter(|c| c.status == "False")
                .cloned()
        }))
    })
    .await?;
    assert_eq!(failed.reason, "WorkApplyFailed");
    assert!(
        failed.message.contains("this cluster is not supported"),
        "{}",
        failed.message
    );
    eventually_some("greeting on cluster2", TIMEOUT, || async {
        greeting_on("cluster2", &ns, name).await
    })
    .await?;

    // A CSR for this add-on that asks for another identity: denied, and said on the add-on.
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "system:open-cluster-management:cluster:cluster2:addon:broken:agent:agent",
    );
    params.distinguished_name.push(
        rcgen::DnType::OrganizationName,
        "system:open-cluster-management:cluster:cluster2:addon:broken",
    );
    let pem = params.serialize_request(&key)?.pem()?;
    let csr: CertificateSigningRequest = serde_json::from_value(json!({
        "metadata": {"generateName": "broken-", "labels": {
            "open-cluster-management.io/cluster-name": "cluster2",
            "open-cluster-management.io/addon-name": name}},
        "spec": {"request": k8s_openapi::ByteString(pem.into_bytes()),
                 "signerName": "kubernetes.io/kube-apiserver-client",
                 "usages": ["digital signature", "key encipherment", "client auth"]}}))?;
    let csrs: Api<CertificateSigningRequest> = Api::all(hub.clone());
    let created = csrs.create(&PostParams::default(), &csr).await?;
    let csr_name = created.metadata.name.clone().unwrap_or_default();
    let denied = eventually_some("the CSR denied", TIMEOUT, || async {
        let c = csrs.get(&csr_name).await?;
        Ok(c.status
            .and_then(|s| s.conditions)
            .and_then(|cs| cs.into_iter().find(|c| c.type_ == "Denied")))
    })
    .await?;
    assert!(denied.message.unwrap_or_default().contains("organizations"));
    let mcas2: Api<ManagedClusterAddOn> = Api::namespaced(hub.clone(), "cluster2");
    eventually_some(
        "CSRApproval=False on cluster2's add-on",
        TIMEOUT,
        || async {
            let a = mcas2.get_opt(name).await?;
            Ok(a.and_then(|a| condition(&a, ocm_addon_framework::CSR_APPROVAL).cloned()))
        },
    )
    .await?;

    // A config that references a missing object: the hub cannot resolve it; ours reports it.
    let missing = json!({"apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ManagedClusterAddOn",
        "metadata": {"name": name, "namespace": "cluster2"},
        "spec": {"configs": [{"group": "addon.open-cluster-management.io", "resource": "addondeploymentconfigs",
                              "name": "does-not-exist", "namespace": "default"}]}});
    mcas2
        .patch(
            name,
            &PatchParams::apply("addon-e2e").force(),
            &Patch::Apply(missing),
        )
        .await?;
    let not_found = eventually_some(
        "a config condition on cluster2's add-on",
        TIMEOUT,
        || async {
            let a = mcas2.get_opt(name).await?;
            Ok(a.and_then(|a| {
                condition(&a, "ManifestApplied")
                    .filter(|c| c.reason == "ConfigNotFound")
                    .cloned()
            }))
        },
    )
    .await?;
    assert!(
        not_found.message.contains("does-not-exist"),
        "{}",
        not_found.message
    );
    // ... and the work cluster2 already had stays.
    assert!(greeting_on("cluster2", &ns, name).await?.is_some());

    // Cluster1 still failing, cluster2's manifests still there: nothing crashed.
    assert!(!manager.is_finished(), "the manager stopped");
    Api::<ClusterManagementAddOn>::all(hub.clone())
        .delete(name, &DeleteParams::default())
        .await?;
    manager.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_change_follows_the_progressive_rollout() -> TestResult {
    let name = "ordered";
    let ns = format!("{name}-agent");
    let hub = hub().await?;
    let manager = start_manager(hub.clone(), name, None);
    let progressive = json!({"type": "Progressive", "progressive": {"maxConcurrency": 1}});
    setup_hub_with(&hub, name, "one", progressive, false).await?;
    for cluster in CLUSTERS {
        wait_greeting(cluster, &ns, name, Some("one")).await?;
    }
    let all: Api<ManagedClusterAddOn> = Api::all(hub.clone());
    let by_name = ListParams::default().fields(&format!("metadata.name={name}"));
    // Both applied the first config before the change.
    eventually_some(
        "the first config applied on both clusters",
        TIMEOUT,
        || async {
            let list = all.list(&by_name).await?.items;
            let done = list.iter().filter(|a| {
                let refs = a
                    .status
                    .as_ref()
                    .map(|s| s.config_references.as_slice())
                    .unwrap_or_default();
                !refs.is_empty()
                    && refs.iter().all(|r| {
                        r.last_applied_config.is_some() && r.last_applied_config == r.desired_config
                    })
            });
            Ok((done.count() == CLUSTERS.len()).then_some(()))
        },
    )
    .await?;

    let adcs: Api<AddOnDeploymentConfig> = Api::namespaced(hub.clone(), "default");
    let changed = adcs
        .patch(
            name,
            &PatchParams::apply("addon-e2e").force(),
            &Patch::Apply(adc(name, "two")),
        )
        .await?;
    let new = spec_hash(&serde_json::to_value(&changed)?)?;
    // With maxConcurrency 1 the hub gives the new config to one cluster at a time: in every
    // snapshot of the add-ons (one list call), at most one desires it without having applied it.
    let seen = std::sync::Mutex::new((Vec::<String>::new(), 0usize)); // (applied order, max in flight)
    eventually_some(
        "the new config applied on both clusters",
        TIMEOUT,
        || async {
            let list = all.list(&by_name).await?.items;
            let mut in_flight = 0;
            let mut seen = seen.lock().map_err(|e| e.to_string())?;
            for a in &list {
                let refs = a
                    .status
                    .as_ref()
                    .map(|s| s.config_references.clone())
                    .unwrap_or_default();
                let has =
                    |f: fn(
                        &ocm_api::addon::v1alpha1::ConfigReference,
                    )
                        -> Option<&ocm_api::addon::v1alpha1::ConfigSpecHash>| {
                        refs.iter()
                            .any(|r| f(r).is_some_and(|d| d.spec_hash == new))
                    };
                let desired = has(|r| r.desired_config.as_ref());
                let applied = has(|r| r.last_applied_config.as_ref());
                in_flight += usize::from(desired && !applied);
                let cluster = a.metadata.namespace.clone().unwrap_or_default();
                if applied && !seen.0.contains(&cluster) {
                    seen.0.push(cluster);
                }
            }
            seen.1 = seen.1.max(in_flight);
            Ok((seen.0.len() == CLUSTERS.len()).then_some(()))
        },
    )
    .await?;
    let (order, max_in_flight) = seen.into_inner().map_err(|e| e.to_string())?;
    assert!(
        max_in_flight <= 1,
        "clusters rolling out at once (order {order:?})"
    );
    // The new manifests reached each cluster.
    for cluster in CLUSTERS {
        assert_eq!(
            greeting_on(cluster, &ns, name).await?.as_deref(),
            Some("two")
        );
    }
    Api::<ClusterManagementAddOn>::all(hub.clone())
        .delete(name, &DeleteParams::default())
        .await?;
    manager.abort();
    Ok(())
}

/// A custom signer for the test: returns a fixed certificate (a self-signed one). The klusterlet
/// will not accept it (its subject is not the request's; rcgen cannot write the request's
/// multi-valued subject), so the test checks what the manager writes into the CSR.
fn fixed_signer(signer_name: &str) -> Res<(String, Registration)> {
    let key = rcgen::KeyPair::generate()?;
    let params = rcgen::CertificateParams::new(vec!["signed.example.com".to_string()])?;
    let pem = params.self_signed(&key)?.pem();
    let out = pem.clone();
    let sign = move |_: &ocm_api::cluster::v1::ManagedCluster,
                     _: &ManagedClusterAddOn,
                     _: &CertificateSigningRequest| Ok(pem.clone().into_bytes());
    Ok((out, Registration::custom_signer("agent", signer_name, sign)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_signer_and_lease_health() -> TestResult {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("ocm_addon_framework=info")
        .with_test_writer()
        .try_init();
    let name = "signed";
    let ns = format!("{name}-agent");
    let signer_name = "example.com/signer";
    let hub = hub().await?;
    let (certificate, registration) = fixed_signer(signer_name)?;
    let options = AddonOptions::new(name)
        .registration(registration)
        .health_prober(HealthProber::Lease)
        .supported_config(ConfigKind::addon_deployment_config())
        .install_namespace(&ns);
    let manager = AddonManager::new(hub.clone()).addon(Hello { fail_on: None }, options);
    let manager = tokio::spawn(async move {
        let _ = manager.run().await;
    });
    setup_hub(&hub, name, "hi").await?;

    // The klusterlet asks for a certificate of our signer; the manager approves the CSR and
    // writes the signer's certificate into its status.
    let csrs: Api<CertificateSigningRequest> = Api::all(hub.clone());
    let by_addon = ListParams::default().labels(&format!(
        "open-cluster-management.io/addon-name={name},open-cluster-management.io/cluster-name=cluster1"
    ));
    let issued = eventually_some(
        "the custom signer's certificate in the CSR",
        TIMEOUT,
        || async {
            let list = csrs.list(&by_addon).await?.items;
            Ok(list.into_iter().find_map(|c| {
                let approved = c
                    .status
                    .as_ref()?
                    .conditions
                    .as_ref()?
                    .iter()
                    .any(|c| c.type_ == "Approved");
                let cert = c.status?.certificate?;
                (approved && c.spec.signer_name == signer_name).then_some(cert)
            }))
        },
    )
    .await?;
    assert_eq!(issued.0, certificate.into_bytes());
    let managed = spoke("cluster1").await?;

    // Lease health: the klusterlet turns the agent's lease into Available.
    let mcas: Api<ManagedClusterAddOn> = Api::namespaced(hub.clone(), "cluster1");
    let lease =
        tokio::spawn(agent::AddonLease::new(managed, &ns, name).run(Duration::from_secs(5)));
    let available = eventually_some("Available from the lease", TIMEOUT, || async {
        let a = mcas.get_opt(name).await?;
        Ok(a.and_then(|a| {
            condition(&a, "Available")
                .filter(|c| c.status == "True")
                .cloned()
        }))
    })
    .await?;
    assert_eq!(available.reason, "ManagedClusterAddOnLeaseUpdated");
    lease.abort();
    Api::<ClusterManagementAddOn>::all(hub.clone())
        .delete(name, &DeleteParams::default())
        .await?;
    manager.abort();
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_self_installs_without_the_hub() -> TestResult {
    let name = "selfish";
    let ns = format!("{name}-agent");
    let hub = hub().await?;
    let manager = start_manager(hub.clone(), name, None);
    // Annotated `lifecycle: self` from the start: the Go hub's addon-manager leaves it to this
    // manager (no ManagedClusterAddOn, no config references from the hub).
    setup_hub_with(&hub, name, "mine", json!({"type": "All"}), true).await?;
    let cmas: Api<ClusterManagementAddOn> = Api::all(hub.clone());
    let adc_now = Api::<AddOnDeploymentConfig>::namespaced(hub.clone(), "default")
        .get(name)
        .await?;
    let hash = spec_hash(&serde_json::to_value(&adc_now)?)?;
    for cluster in CLUSTERS {
        wait_greeting(cluster, &ns, name, Some("mine")).await?;
        wait_applied_hash(&hub, cluster, name, &hash).await?;
    }
    cmas.delete(name, &DeleteParams::default()).await?;
    for cluster in CLUSTERS {
        wait_greeting(cluster, &ns, name, None).await?;
    }
    manager.abort();
    Ok(())
}
