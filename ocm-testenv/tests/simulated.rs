//! Simulated managed clusters (feature `simulated`) against the real Go hub: they join through
//! real CSRs and approval, keep their leases, can be stopped and started, survive a hub
//! apiserver restart, and mix with a real klusterlet.
//!
//! One environment for the checks in order (two cores are shared), plus the CLI test, which
//! runs its own `ocm-testenv up` at the same time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::Api;
use kube::runtime::watcher;
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::conditions;
use ocm_testenv::{ProgressEvent, SimulatedCluster, TestEnv};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Lease duration of the simulated clusters: the hub marks a cluster Unknown after 5 of them
/// without renewal (v1.2.1's `LeaseDurationTimes`).
const LEASE: Duration = Duration::from_secs(5);
const SIMULATED: usize = 20;

fn available(c: &ManagedCluster) -> Option<String> {
    let conds = c.status.as_ref().map(|s| s.conditions.as_slice())?;
    conditions::find(conds, conditions::MANAGED_CLUSTER_AVAILABLE).map(|c| c.status.clone())
}

/// Waits until `check` holds for the ManagedCluster `name`, watching it.
async fn wait_cluster(
    hub: &kube::Client,
    name: &str,
    what: &str,
    timeout: Duration,
    check: impl Fn(&ManagedCluster) -> bool,
) -> TestResult {
    let api: Api<ManagedCluster> = Api::all(hub.clone());
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut stream = std::pin::pin!(watcher(api, config));
    let wait = async {
        while let Some(event) = stream.next().await {
            if let Ok(watcher::Event::Apply(c) | watcher::Event::InitApply(c)) = event
                && check(&c)
            {
                return true;
            }
        }
        false
    };
    match tokio::time::timeout(timeout, wait).await {
        Ok(true) => Ok(()),
        _ => Err(format!("{name}: timed out after {timeout:?} waiting for {what}").into()),
    }
}

async fn renew_time(hub: &kube::Client, cluster: &str) -> Option<jiff::Timestamp> {
    let api: Api<Lease> = Api::namespaced(hub.clone(), cluster);
    let lease = api.get_opt("managed-cluster-lease").await.ok()??;
    lease.spec?.renew_time.map(|t| t.0)
}

/// Waits until the cluster's lease is renewed after `after`.
async fn wait_renewed(
    hub: &kube::Client,
    cluster: &str,
    after: jiff::Timestamp,
    timeout: Duration,
) -> TestResult {
    let started = Instant::now();
    while started.elapsed() < timeout {
        if renew_time(hub, cluster).await.is_some_and(|t| t > after) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(format!("{cluster}: lease not renewed after {after} within {timeout:?}").into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_clusters_join_keep_leases_stop_and_survive_a_hub_restart() -> TestResult {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let env = TestEnv::builder()
        .managed_clusters(1)
        .simulated_clusters(SIMULATED)
        .simulated_work_agent(true)
        .simulated_cluster_template(|i| {
            SimulatedCluster::new(format!("sim-{i}"))
                .label("region", if i % 2 == 0 { "east" } else { "west" })
                .claim("platform.open-cluster-management.io", "Simulated")
                .claim("id.k8s.io", format!("sim-{i}"))
                .capacity("cpu", (2 * i).to_string())
                .lease_duration(LEASE)
        })
        .on_event(move |e| {
            if let ProgressEvent::SimulatedClusters {
                available, total, ..
            } = e
            {
                seen.lock()
                    .expect("not poisoned")
                    .push((*available, *total));
            }
        })
        .start()
        .await?;
    let hub = env.hub().client();

    // Started and Available, mixed with the real klusterlet's cluster1.
    assert_eq!(env.simulated_clusters().len(), SIMULATED);
    assert_eq!(env.managed_clusters().len(), 1);
    let progress = events.lock().expect("not poisoned").clone();
    assert_eq!(
        progress.last(),
        Some(&(SIMULATED, SIMULATED)),
        "{progress:?}"
    );
    let api: Api<ManagedCluster> = Api::all(hub.clone());
    for name in ["cluster1", "sim-1", "sim-2", &format!("sim-{SIMULATED}")] {
        let c = api.get(name).await?;
        assert_eq!(available(&c).as_deref(), Some("True"), "{name}");
    }
    // Labels, claims, capacity and lease duration as the template said.
    let sim2 = api.get("sim-2").await?;
    let labels = sim2.metadata.labels.clone().unwrap_or_default();
    assert_eq!(labels.get("region").map(String::as_str), Some("east"));
    let status = sim2.status.clone().unwrap_or_default();
    let claims: BTreeMap<String, String> = status
        .cluster_claims
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| Some((c.name?, c.value?)))
        .collect();
    assert_eq!(claims.get("id.k8s.io").map(String::as_str), Some("sim-2"));
    assert_eq!(
        status
            .capacity
            .unwrap_or_default()
            .get("cpu")
            .cloned()
            .map(|q| q.0),
        Some("4".to_string())
    );
    assert_eq!(sim2.spec.lease_duration_seconds, Some(5));
    // Real approval: the hub's controller approved a CSR of the simulated cluster.
    let csrs: Api<k8s_openapi::api::certificates::v1::CertificateSigningRequest> =
        Api::all(hub.clone());
    let list = csrs
        .list(
            &kube::api::ListParams::default()
                .labels("open-cluster-management.io/cluster-name=sim-1"),
        )
        .await?;
    assert!(
        list.items.iter().any(|c| c
            .status
            .as_ref()
            .and_then(|s| s.certificate.as_ref())
            .is_some()),
        "sim-1 has a signed CSR"
    );

    simulated_work_agent_reports_like_go(&env).await?;

    // Available over six lease periods (past the hub's grace period of five): watch every
    // simulated cluster and record any transition away from True.
    let watched = Instant::now();
    let first_renewal = renew_time(&hub, "sim-1").await.ok_or("sim-1 has a lease")?;
    let mut lost = Vec::new();
    {
        let mut stream = std::pin::pin!(watcher(api.clone(), watcher::Config::default()));
        let window = tokio::time::sleep(LEASE * 6);
        tokio::pin!(window);
        loop {
            tokio::select! {
                _ = &mut window => break,
                Some(Ok(watcher::Event::Apply(c) | watcher::Event::InitApply(c))) = stream.next() => {
                    let name = c.metadata.name.clone().unwrap_or_default();
                    if available(&c).as_deref() != Some("True") {
                        lost.push((name, available(&c), watched.elapsed()));
                    }
                }
            }
        }
    }
    assert!(lost.is_empty(), "clusters left Available: {lost:?}");
    wait_renewed(&hub, "sim-1", first_renewal, LEASE * 3).await?;

    // Stop one agent: the hub marks the cluster Unknown once its lease is stale; start it
    // again: Available again.
    let sim3 = env.simulated_cluster("sim-3").ok_or("sim-3 exists")?;
    sim3.stop();
    assert!(!sim3.is_running());
    wait_cluster(&hub, "sim-3", "Available=Unknown", LEASE * 12, |c| {
        available(c).as_deref() == Some("Unknown")
    })
    .await?;
    let sim4 = api.get("sim-4").await?;
    assert_eq!(
        available(&sim4).as_deref(),
        Some("True"),
        "others unaffected"
    );
    sim3.start();
    wait_cluster(&hub, "sim-3", "Available=True again", LEASE * 12, |c| {
        available(c).as_deref() == Some("True")
    })
    .await?;

    // Hub apiserver restarted mid-lease: the agents renew again afterwards and the clusters
    // stay (or become again) Available.
    let before = jiff::Timestamp::now();
    env.restart_hub_apiserver(Duration::from_secs(120)).await?;
    let hub = env.hub().connect().await?;
    for name in ["sim-1", "sim-5", &format!("sim-{SIMULATED}")] {
        wait_renewed(&hub, name, before, Duration::from_secs(90)).await?;
        wait_cluster(
            &hub,
            name,
            "Available=True after the restart",
            LEASE * 12,
            |c| available(c).as_deref() == Some("True"),
        )
        .await?;
    }
    env.check()?;
    env.stop()?;
    Ok(())
}

/// A ManifestWork on a simulated cluster: Applied and Available with the Go agent's reasons,
/// feedback from the fake state as it changes, deletion completes (the finalizer is removed).
async fn simulated_work_agent_reports_like_go(env: &TestEnv) -> TestResult {
    use ocm_client::work::{
        ManifestWorkBuilder, ManifestWorks, WaitCondition, feedback_values, rules,
    };
    let hub = env.hub().client();
    let works = ManifestWorks::new(hub.clone(), "sim-1");
    let deploy = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "app"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "web:1"}]}}},
    });
    let id = ocm_client::work::manifest_identifier(&deploy).ok_or("an identifier")?;
    let work = ManifestWorkBuilder::new("web")
        .namespace("sim-1")
        .manifest(&deploy)
        .feedback(id.clone(), rules::well_known_status())
        .feedback(
            id.clone(),
            rules::json_paths([("desired", ".spec.replicas")]),
        )
        .build()?;
    works.apply(&work, &Default::default()).await?;
    let applied = works
        .wait(
            "web",
            &WaitCondition::applied_and_available(),
            Duration::from_secs(60),
        )
        .await?;
    let status = applied.status.clone().unwrap_or_default();
    let a = conditions::find(&status.conditions, conditions::WORK_APPLIED).ok_or("Applied")?;
    assert_eq!(a.reason, "AppliedManifestWorkComplete");
    assert_eq!(a.observed_generation, applied.metadata.generation);
    let m = &status.resource_status.manifests[0];
    assert_eq!(
        (
            m.resource_meta.kind.as_str(),
            m.resource_meta.resource.as_str()
        ),
        ("Deployment", "deployments")
    );
    assert!(conditions::is_true(
        &m.conditions,
        conditions::MANIFEST_STATUS_FEEDBACK_SYNCED
    ));
    // No status yet: only the JSON path into the spec has a value.
    let values = feedback_values(&applied, &id)?;
    assert_eq!(values.get("desired"), Some(&serde_json::json!(3)));
    assert!(values.get("ReadyReplicas").is_none());

    // The test sets the cluster's state; the feedback follows.
    let sim1 = env.simulated_cluster("sim-1").ok_or("sim-1")?;
    sim1.set_status(
        id.clone(),
        serde_json::json!({"readyReplicas": 3, "replicas": 3, "availableReplicas": 3}),
    );
    let with_ready = works
        .wait(
            "web",
            &WaitCondition::predicate("ReadyReplicas=3", {
                let id = id.clone();
                move |w| {
                    feedback_values(w, &id)
                        .is_ok_and(|v| v.get("ReadyReplicas") == Some(&serde_json::json!(3)))
                }
            }),
            Duration::from_secs(30),
        )
        .await?;
    assert_eq!(
        feedback_values(&with_ready, &id)?.get("AvailableReplicas"),
        Some(&serde_json::json!(3))
    );
    works.delete("web", &Default::default()).await?;
    works.wait_deleted("web", Duration::from_secs(30)).await?;
    Ok(())
}

/// `ocm-testenv up --simulated-clusters 200`: 200 Available simulated clusters on the hub;
/// SIGTERM stops everything it started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_up_with_200_simulated_clusters() -> TestResult {
    use tokio::io::AsyncBufReadExt;
    const N: usize = 200;
    let dir = tempfile::tempdir()?;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ocm-testenv"))
        .args(["up", "--quiet", "--clusters", "0", "--simulated-clusters"])
        .arg(N.to_string())
        .arg("--dir")
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    // Its standard error, for the failure message (drained so that it never blocks).
    let stderr = child.stderr.take().ok_or("stderr")?;
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let errors_in = errors.clone();
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut e = errors_in.lock().expect("not poisoned");
            if e.len() < 50 {
                e.push(line);
            }
        }
    });
    let stdout = child.stdout.take().ok_or("stdout")?;
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut output = Vec::new();
    let read = async {
        while let Some(line) = lines.next_line().await? {
            let done = line.starts_with("press Ctrl-C");
            output.push(line);
            if done {
                return Ok::<bool, std::io::Error>(true);
            }
        }
        Ok(false)
    };
    let up = tokio::time::timeout(Duration::from_secs(600), read).await;
    assert!(
        matches!(up, Ok(Ok(true))),
        "ocm-testenv up did not come up: {up:?}\n{}\nstderr:\n{}",
        output.join("\n"),
        errors.lock().expect("not poisoned").join("\n")
    );
    let text = output.join("\n");
    assert!(
        text.contains(&format!("simulated clusters: {N} (sim-1 … sim-{N})")),
        "{text}"
    );

    // The hub, read independently: N Available simulated ManagedClusters.
    let kubeconfig = kube::config::Kubeconfig::read_from(dir.path().join("hub.kubeconfig"))?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await?;
    let hub = kube::Client::try_from(config)?;
    let api: Api<ManagedCluster> = Api::all(hub);
    let clusters = api.list(&Default::default()).await?;
    let available = clusters
        .items
        .iter()
        .filter(|c| {
            c.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("sim-"))
        })
        .filter(|c| available(c).as_deref() == Some("True"))
        .count();
    assert_eq!(available, N);

    // Stop it: every process it listed is gone, nothing runs from its directory.
    let pids: Vec<u32> = output
        .iter()
        .filter_map(|l| {
            l.split_once(" pid ")?
                .1
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(pids.len() >= 5, "processes listed: {text}");
    let pid = child.id().ok_or("running")?;
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()?;
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait()).await??;
    assert!(status.success(), "ocm-testenv up exited with {status}");
    for pid in pids {
        assert!(!ocm_testenv::process_alive(pid), "pid {pid} survived");
    }
    let needle = dir.path().to_string_lossy().to_string();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if !ocm_testenv::process_alive(pid) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        assert!(
            !cmdline.contains(&needle),
            "process {pid} still runs from the environment: {cmdline}"
        );
    }
    Ok(())
}

/// Threshold-driven rotation, end to end: a simulated cluster whose certificates live 600 s
/// (the signer's minimum) rotates when 20–25 % of the lifetime is left, i.e. after 7.5–8
/// minutes: the hub sees a second signed CSR of the cluster, and the cluster never leaves
/// Available. Ignored by default: it takes about 8 minutes of wall time (little CPU), and
/// cargo runs test binaries one after the other, so it would lengthen CI by as much; run it
/// with `cargo test -p ocm-testenv --test simulated -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "takes ~8 minutes: the signer's minimum certificate lifetime is 600 s"]
async fn certificate_rotates_at_the_threshold_without_leaving_available() -> TestResult {
    let env = TestEnv::builder()
        .simulated_cluster(
            SimulatedCluster::new("rotating")
                .expiration_seconds(600)
                .lease_duration(LEASE),
        )
        .start()
        .await?;
    let hub = env.hub().client();
    let csrs: Api<k8s_openapi::api::certificates::v1::CertificateSigningRequest> =
        Api::all(hub.clone());
    let signed = || async {
        let list = csrs
            .list(
                &kube::api::ListParams::default()
                    .labels("open-cluster-management.io/cluster-name=rotating"),
            )
            .await?;
        Ok::<usize, kube::Error>(
            list.items
                .iter()
                .filter(|c| {
                    c.status
                        .as_ref()
                        .and_then(|s| s.certificate.as_ref())
                        .is_some()
                })
                .count(),
        )
    };
    assert_eq!(signed().await?, 1);
    let api: Api<ManagedCluster> = Api::all(hub.clone());
    let mut stream = std::pin::pin!(watcher(
        api,
        watcher::Config::default().fields("metadata.name=rotating")
    ));
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            Some(Ok(watcher::Event::Apply(c) | watcher::Event::InitApply(c))) = stream.next() => {
                assert_eq!(available(&c).as_deref(), Some("True"), "left Available after {:?}", started.elapsed());
            }
            _ = tick.tick() => {
                if signed().await? >= 2 {
                    break;
                }
                assert!(started.elapsed() < Duration::from_secs(660), "no rotation within 11 minutes");
            }
        }
    }
    // The rotated certificate is the one the agent uses: its lease keeps being renewed.
    wait_renewed(&hub, "rotating", jiff::Timestamp::now(), LEASE * 3).await?;
    env.stop()?;
    Ok(())
}

/// The double opt-in with simulated clusters: with auto-accept off they ask (ManagedCluster,
/// bootstrap CSR) and wait; nothing joins until the hub accepts them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_clusters_wait_for_the_hub_to_accept() -> TestResult {
    const N: usize = 5;
    let env = TestEnv::builder()
        .auto_accept(false)
        .simulated_clusters(N)
        .start()
        .await?;
    let clusters = ocm_client::registration::ManagedClusters::new(env.hub().client());
    let started = Instant::now();
    loop {
        let pending = clusters.pending().await?;
        let asking = pending
            .iter()
            .filter(|p| {
                p.name.starts_with("sim-") && p.cluster.is_some() && !p.pending_csrs.is_empty()
            })
            .count();
        if asking == N {
            assert!(
                pending.iter().all(|p| !p.accepted),
                "none accepted by itself"
            );
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{asking}/{N} clusters asked to join"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for c in env.simulated_clusters() {
        assert!(
            !c.agent().hub_kubeconfig().exists(),
            "{} has no certificate yet",
            c.name()
        );
    }
    assert_eq!(
        env.accept_simulated_clusters(Duration::from_secs(60))
            .await?,
        N
    );
    env.wait_simulated_available(Duration::from_secs(120))
        .await?;
    env.stop()?;
    Ok(())
}
