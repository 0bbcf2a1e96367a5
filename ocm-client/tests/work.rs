//! ManifestWorks against a real hub and a real Go work agent (ocm-testenv: ocm v1.2.1, one
//! managed cluster `cluster1`). One environment for the whole binary; each test uses its own
//! works and objects.
//!
//! Run with `cargo test -p ocm-client --test work`.

use std::sync::OnceLock;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::Api;
use kube::runtime::wait::{await_condition, conditions::is_deleted};
use ocm_api::work::v1::ManifestWork;
use ocm_client::work::{
    self, ApplyParams, DeleteParams, ManifestWorkBuilder, ManifestWorks, WaitCondition, budget,
    rules,
};
use ocm_testenv::TestEnv;
use serde::Deserialize;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CLUSTER: &str = "cluster1";
/// Generous: the machine running the tests is shared.
const TIMEOUT: Duration = Duration::from_secs(180);

/// The environment shared by every test of this binary, started on a runtime of its own.
fn env() -> &'static Result<TestEnv, String> {
    static ENV: OnceLock<Result<TestEnv, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(TestEnv::builder().managed_clusters(1).start())
                .map_err(|e| e.to_string())
        })
        .join()
        .unwrap_or_else(|_| Err("starting the environment panicked".into()))
    })
}

/// Clients (hub, managed cluster) bound to the calling test's runtime.
async fn clients() -> Result<(kube::Client, kube::Client), Box<dyn std::error::Error>> {
    let env = env().as_ref().map_err(|e| e.clone())?;
    let hub = env.hub().connect().await?;
    let spoke = env
        .managed_cluster(CLUSTER)
        .ok_or("no cluster1")?
        .connect()
        .await?;
    Ok((hub, spoke))
}

/// Shows the agent's log when a test fails.
fn agent_log() -> String {
    let Ok(env) = env() else {
        return String::new();
    };
    let path = env.log_dir().join(format!("klusterlet-{CLUSTER}.log"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(40).collect();
    format!(
        "--- last lines of {}:\n{}",
        path.display(),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    )
}

async fn with_log<T>(
    f: impl Future<Output = Result<T, Box<dyn std::error::Error>>>,
) -> Result<T, Box<dyn std::error::Error>> {
    f.await.map_err(|e| format!("{e}\n{}", agent_log()).into())
}

fn config_map(namespace: &str, name: &str, data: &[(&str, &str)]) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.into());
    cm.metadata.namespace = Some(namespace.into());
    cm.data = Some(
        data.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    );
    cm
}

fn namespace(name: &str) -> Namespace {
    let mut ns = Namespace::default();
    ns.metadata.name = Some(name.into());
    ns
}

fn deployment(namespace: &str, name: &str, replicas: i32) -> Result<Deployment, serde_json::Error> {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "paused": true,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "registry.example/app:1"}]},
            },
        },
    }))
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct DeploymentFeedback {
    spec_replicas: i64,
    paused: bool,
    image: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct ConfigFeedback {
    greeting: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_work_is_applied_and_feedback_decodes() -> TestResult {
    with_log(async {
        let (hub, spoke) = clients().await?;
        let ns = "feedback";
        let d = deployment(ns, "web", 3)?;
        let cm = config_map(ns, "settings", &[("greeting", "hello")]);
        let (d_id, cm_id) = (
            work::resource_identifier(&d),
            work::resource_identifier(&cm),
        );
        let mut builder = ManifestWorkBuilder::new("feedback");
        builder
            .manifest(&namespace(ns))
            .manifest(&d)
            .manifest(&cm)
            .feedback(
                d_id.clone(),
                rules::json_paths([
                    ("specReplicas", ".spec.replicas"),
                    ("paused", ".spec.paused"),
                    ("image", ".spec.template.spec.containers[0].image"),
                ]),
            )
            .feedback(
                cm_id.clone(),
                rules::json_paths([("greeting", ".data.greeting")]),
            )
            .update_strategy(cm_id.clone(), rules::server_side_apply());
        let manifest_work = builder.build()?;
        let works = ManifestWorks::new(hub, CLUSTER);
        let stored = works.apply(&manifest_work, &ApplyParams::default()).await?;
        assert_eq!(stored.metadata.namespace.as_deref(), Some(CLUSTER));
        works
            .wait("feedback", &WaitCondition::applied_and_available(), TIMEOUT)
            .await?;

        // The stream yields once the agent reports the values (its next status sync).
        let mut stream =
            Box::pin(works.feedback_stream::<DeploymentFeedback>("feedback", d_id.clone()));
        let first = first_ok(&mut stream).await?;
        assert_eq!(
            first,
            DeploymentFeedback {
                spec_replicas: 3,
                paused: true,
                image: "registry.example/app:1".into()
            }
        );
        let current = works.get("feedback").await?;
        let config: ConfigFeedback = work::feedback(&current, &cm_id)?;
        assert_eq!(config.greeting, "hello");

        // A change of the deployment: the stream yields the new value.
        let scaled = builder_with_replicas(&builder, &d, 5)?;
        works.apply(&scaled, &ApplyParams::default()).await?;
        let next = first_ok(&mut stream).await?;
        assert_eq!(next.spec_replicas, 5);
        let on_spoke: Api<Deployment> = Api::namespaced(spoke, ns);
        let replicas = on_spoke.get("web").await?.spec.and_then(|s| s.replicas);
        assert_eq!(replicas, Some(5));

        // A type the values do not fit names the value.
        #[derive(Debug, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[allow(dead_code)]
        struct Wrong {
            spec_replicas: String,
        }
        let current = works.get("feedback").await?;
        let err = work::feedback::<Wrong>(&current, &d_id)
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("\"specReplicas\"")),
            "{err:?}"
        );
        works
            .delete(
                "feedback",
                &DeleteParams::foreground().wait().timeout(TIMEOUT),
            )
            .await?;
        Ok(())
    })
    .await
}

fn builder_with_replicas(
    builder: &ManifestWorkBuilder,
    d: &Deployment,
    replicas: i32,
) -> Result<ManifestWork, Box<dyn std::error::Error>> {
    // Rebuild with the scaled deployment in place of the original (same index).
    let mut scaled = d.clone();
    if let Some(spec) = scaled.spec.as_mut() {
        spec.replicas = Some(replicas);
    }
    let mut work = builder.build()?;
    let value = serde_json::to_value(&scaled)?;
    work.spec.workload.manifests[1] = value.into();
    Ok(work)
}

async fn first_ok<T>(
    stream: &mut (impl futures::Stream<Item = Result<T, ocm_client::Error>> + Unpin),
) -> Result<T, Box<dyn std::error::Error>> {
    let found = tokio::time::timeout(TIMEOUT, async {
        while let Some(item) = stream.next().await {
            match item {
                Ok(v) => return Ok(v),
                Err(e) => eprintln!("feedback stream: {e}"),
            }
        }
        Err::<T, Box<dyn std::error::Error>>("the feedback stream ended".into())
    })
    .await;
    found.map_err(|_| format!("no feedback within {TIMEOUT:?}"))?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_over_the_budget_is_split_and_every_part_applied() -> TestResult {
    with_log(async {
        let (hub, spoke) = clients().await?;
        let ns = "split";
        // 12 config maps of ~40 KB under a 100 KB budget: 2 per work, 6 works.
        let payload = "x".repeat(40_000);
        let cms: Vec<ConfigMap> = (0..12)
            .map(|i| config_map(ns, &format!("part-{i:02}"), &[("payload", &payload)]))
            .collect();
        let mut builder = ManifestWorkBuilder::new("split");
        builder
            .budget(100_000)
            .manifest(&namespace(ns))
            .manifests(&cms);
        assert!(matches!(
            builder.build(),
            Err(work::BuildError::OverBudget { .. })
        ));
        let parts = builder.build_split()?;
        assert_eq!(
            parts.len(),
            6,
            "{:?}",
            parts.iter().map(|w| &w.metadata.name).collect::<Vec<_>>()
        );
        for part in &parts {
            assert!(budget::manifests_size(&part.spec.workload.manifests) < 100_000);
        }
        let works = ManifestWorks::new(hub, CLUSTER);
        works.apply_all(&parts, &ApplyParams::default()).await?;
        for part in &parts {
            let name = part.metadata.name.as_deref().unwrap_or_default();
            works.wait(name, &WaitCondition::applied(), TIMEOUT).await?;
        }
        let on_spoke: Api<ConfigMap> = Api::namespaced(spoke, ns);
        for cm in &cms {
            let name = cm.metadata.name.as_deref().unwrap_or_default();
            let found = on_spoke.get(name).await?;
            assert_eq!(
                found.data.and_then(|d| d.get("payload").map(String::len)),
                Some(40_000)
            );
        }
        for part in &parts {
            let name = part.metadata.name.as_deref().unwrap_or_default();
            works.delete(name, &DeleteParams::default()).await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_orphans_or_removes_the_resources() -> TestResult {
    with_log(async {
        let (hub, spoke) = clients().await?;
        let ns = "deletion";
        let works = ManifestWorks::new(hub, CLUSTER);
        // The namespace in a work of its own, kept.
        let mut ns_work = ManifestWorkBuilder::new("deletion-ns");
        ns_work.manifest(&namespace(ns));
        works
            .apply(&ns_work.build()?, &ApplyParams::default())
            .await?;
        works
            .wait("deletion-ns", &WaitCondition::applied(), TIMEOUT)
            .await?;
        // Two works, each with one config map, both created with the default (Foreground).
        for name in ["kept", "removed"] {
            let mut b = ManifestWorkBuilder::new(name);
            b.manifest(&config_map(ns, name, &[("k", "v")]));
            works.apply(&b.build()?, &ApplyParams::default()).await?;
        }
        for name in ["kept", "removed"] {
            works
                .wait(name, &WaitCondition::applied_and_available(), TIMEOUT)
                .await?;
        }
        let on_spoke: Api<ConfigMap> = Api::namespaced(spoke.clone(), ns);

        // Orphan: the option is changed first, then the work deleted; the object stays.
        works
            .delete("kept", &DeleteParams::orphan().wait().timeout(TIMEOUT))
            .await?;
        assert!(works.api().get_opt("kept").await?.is_none());
        let kept = on_spoke.get("kept").await?;
        assert!(kept.metadata.deletion_timestamp.is_none());
        // Still there after the garbage collector had its chance: no owner left on it
        // pointing at the AppliedManifestWork.
        let owners = kept.metadata.owner_references.unwrap_or_default();
        assert!(
            owners
                .iter()
                .all(|o| o.kind != "AppliedManifestWork" || o.uid.ends_with('-')),
            "{owners:?}"
        );

        // Foreground: the agent deletes the object before letting the work go.
        let uid = on_spoke
            .get("removed")
            .await?
            .metadata
            .uid
            .unwrap_or_default();
        works
            .delete(
                "removed",
                &DeleteParams::foreground().wait().timeout(TIMEOUT),
            )
            .await?;
        tokio::time::timeout(
            TIMEOUT,
            await_condition(on_spoke.clone(), "removed", is_deleted(&uid)),
        )
        .await??;
        assert!(on_spoke.get_opt("removed").await?.is_none());
        assert!(on_spoke.get_opt("kept").await?.is_some());

        // Deleting what is not there is fine.
        works.delete("removed", &DeleteParams::orphan()).await?;
        works
            .delete(
                "deletion-ns",
                &DeleteParams::orphan().wait().timeout(TIMEOUT),
            )
            .await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_times_out_with_the_last_seen_state() -> TestResult {
    let (hub, _) = clients().await?;
    let works = ManifestWorks::new(hub.clone(), CLUSTER);
    // A work the agent cannot apply (a kind the managed cluster does not serve).
    let mut b = ManifestWorkBuilder::new("unservable");
    b.manifest(&json!({"apiVersion": "example.com/v1", "kind": "Nothing",
        "metadata": {"name": "x", "namespace": "default"}}));
    works.apply(&b.build()?, &ApplyParams::default()).await?;
    let err = works
        .wait(
            "unservable",
            &WaitCondition::applied(),
            Duration::from_secs(20),
        )
        .await
        .err();
    let text = err.as_ref().map(ToString::to_string).unwrap_or_default();
    assert!(
        matches!(err, Some(ocm_client::Error::Timeout { .. })),
        "{text}"
    );
    assert!(text.contains("last seen: generation 1"), "{text}");
    // A missing work times out as "not found".
    let err = works
        .wait(
            "never-created",
            &WaitCondition::applied(),
            Duration::from_secs(2),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("last seen: not found"), "{err}");
    // The namespace of the work must be the handle's.
    let mut elsewhere = b.build()?;
    elsewhere.metadata.namespace = Some("cluster2".into());
    let err = works.apply(&elsewhere, &ApplyParams::default()).await.err();
    assert!(matches!(err, Some(ocm_client::Error::Invalid { .. })));
    works.delete("unservable", &DeleteParams::default()).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_work_is_applied_and_later_changed_by_apply() -> TestResult {
    with_log(async {
        let (hub, spoke) = clients().await?;
        let ns = "created";
        let work_of = |greeting: &str| {
            ManifestWorkBuilder::new("created")
                .label("example.com/by", "create-test")
                .manifest(&namespace(ns))
                .manifest(&config_map(ns, "greeting", &[("greeting", greeting)]))
                .build()
        };
        let works = ManifestWorks::new(hub, CLUSTER);
        let params = work::CreateParams::default().field_manager("create-test");
        let created = works.create(&work_of("hello")?, &params).await?;
        assert_eq!(created.metadata.namespace.as_deref(), Some(CLUSTER));
        let managers: Vec<_> = created
            .metadata
            .managed_fields
            .iter()
            .flatten()
            .map(|m| (m.manager.clone(), m.operation.clone()))
            .collect();
        assert_eq!(
            managers,
            [(Some("create-test".into()), Some("Update".into()))]
        );
        works
            .wait("created", &WaitCondition::applied(), TIMEOUT)
            .await?;
        let on_spoke: Api<ConfigMap> = Api::namespaced(spoke, ns);
        let greeting = |cm: ConfigMap| cm.data.and_then(|d| d.get("greeting").cloned());
        assert_eq!(
            greeting(on_spoke.get("greeting").await?).as_deref(),
            Some("hello")
        );

        // A second create is a typed AlreadyExists, not an overwrite.
        let again = works.create(&work_of("other")?, &params).await;
        assert!(
            again
                .as_ref()
                .is_err_and(ocm_client::Error::is_already_exists),
            "{again:?}"
        );

        // Apply under the same manager name is another manager for server-side apply: changing
        // a field the create set conflicts without force, and is taken over with it.
        let apply = ApplyParams::default().field_manager("create-test");
        let changed = work_of("changed")?;
        let conflict = works.apply(&changed, &apply).await;
        assert!(
            conflict
                .as_ref()
                .is_err_and(|e| e.is_conflict() && !e.is_already_exists()),
            "{conflict:?}"
        );
        let applied = works.apply(&changed, &apply.clone().force()).await?;
        let generation = applied.metadata.generation;
        works
            .wait("created", &WaitCondition::applied(), TIMEOUT)
            .await?;
        let changed_on_spoke = |cm: Option<&ConfigMap>| {
            cm.and_then(|cm| cm.data.as_ref()?.get("greeting").cloned())
                .as_deref()
                == Some("changed")
        };
        tokio::time::timeout(
            TIMEOUT,
            await_condition(on_spoke.clone(), "greeting", changed_on_spoke),
        )
        .await??;
        assert!(generation > created.metadata.generation);
        works
            .delete("created", &DeleteParams::default().wait())
            .await?;
        Ok(())
    })
    .await
}
