//! The ocm-rs fleet demo: a hub and its clusters driven from Rust, end to end.
//!
//! ```sh
//! cargo run -p ocm-examples --example fleet            # readable output
//! cargo run -p ocm-examples --example fleet -- --json  # one JSON event per line
//! cargo run -p ocm-examples --example fleet -- --kubeconfig hub.kubeconfig  # a hub of yours
//! ```
//!
//! With `--kubeconfig PATH` (or `--kubeconfig` alone: `$KUBECONFIG`) it starts nothing and uses
//! that hub's Available clusters, and puts back everything it sets (labels, the taint, the
//! placements, works and add-on, the namespace it created) at the end, on failure and on
//! Ctrl-C. The add-on's agents then do not run (they would run on the clusters, which the demo
//! cannot reach), so no scores are published there.
//!
//! 1. starts `ocm-testenv`: a real hub (the Go OCM controllers), two managed clusters with Go
//!    klusterlets, built from Go module source on the first run (progress is printed), and 24
//!    simulated clusters (6 with `--quick`): Rust registration agents in this process that join
//!    through real CSRs, approval and leases, register add-ons the same way, with a simulated
//!    work agent;
//! 2. installs the `fleet-score` add-on with `ocm-addon-framework` (its manager runs here; the
//!    hub installs it on every cluster): each cluster's registration (the Go klusterlet's, or
//!    the simulated cluster's) gets the add-on agent a hub identity through a CSR the manager
//!    approves, the add-on's permission lets it write its cluster's AddOnPlacementScore, and
//!    each agent (run here too) publishes its cluster's score with that identity; the demo
//!    checks the add-on is Available everywhere and every score was written by its agent;
//! 3. labels the clusters, creates a Placement that picks two thirds of them by that score, in
//!    decision groups (a canary ring first), reads the Go controller's decisions as one
//!    consistent set, and explains the choice with `ocm-placement` on the same objects (and
//!    checks both pick the same clusters, ranked by the add-on's scores);
//! 4. rolls a workload out as ManifestWorks group by group (`ocm_client::rollout`, sdk-go's
//!    progressive rollout) behind a gate that reads each cluster's typed status feedback;
//! 5. upgrades it the same way (skipped with `--quick`);
//! 6. taints the canary cluster: the placement moves away and the workload is removed there;
//! 7. prints what ran where and cleans up (the workload and the add-on).
//!
//! Every step checks its outcome; the exit status is non-zero if one fails. Ctrl-C stops the
//! demo and every process it started.

mod addon;
mod addon_agent;
mod hub;
mod members;
mod report;
mod rollout;
mod undo;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::ensure;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use ocm_api::cluster::v1::Taint;
use ocm_api::cluster::v1alpha1::RolloutStrategy;
use ocm_client::registration::ManagedClusters;
use ocm_testenv::{SimulatedCluster, TestEnv};
use serde_json::json;

use hub::Member;
use report::Reporter;

const TIMEOUT: Duration = Duration::from_secs(240);

pub(crate) struct Args {
    json: bool,
    quick: bool,
    /// `--kubeconfig PATH`: a hub this demo does not start.
    kubeconfig: Option<std::path::PathBuf>,
}

impl Args {
    fn parse() -> Self {
        let argv: Vec<String> = std::env::args().collect();
        // `--kubeconfig PATH`, `--kubeconfig=PATH`, or `--kubeconfig` alone: $KUBECONFIG, else
        // ~/.kube/config.
        let kubeconfig = argv.iter().enumerate().find_map(|(i, a)| {
            if a == "--kubeconfig" {
                match argv.get(i + 1).filter(|p| !p.starts_with("--")) {
                    Some(path) => Some(path.into()),
                    None => std::env::var_os("KUBECONFIG").map(Into::into).or_else(|| {
                        std::env::var_os("HOME")
                            .map(|h| std::path::Path::new(&h).join(".kube").join("config"))
                    }),
                }
            } else {
                a.strip_prefix("--kubeconfig=").map(Into::into)
            }
        });
        Args {
            json: argv.iter().any(|a| a == "--json"),
            quick: argv.iter().any(|a| a == "--quick"),
            kubeconfig,
        }
    }
}

impl Args {
    /// How many simulated clusters join the two real ones.
    fn simulated(&self) -> usize {
        if self.quick { 6 } else { 24 }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,kube_client=off,ocm_client::agent=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let report = std::sync::Arc::new(Reporter::new(args.json));
    if let Some(path) = &args.kubeconfig {
        return members::on_hub(path, &args, &report).await;
    }

    report.step(
        1,
        &format!(
            "start a hub, two managed clusters and {} simulated ones (ocm-testenv; the first run builds the Go programs)",
            args.simulated()
        ),
    );
    let started = Instant::now();
    let mut builder = TestEnv::builder();
    let progress = report.clone();
    // Real clusters have a kube-apiserver and a Go klusterlet each; simulated ones are Rust
    // registration agents in this process (real CSRs, approval and leases), with a simulated
    // work agent that reports ManifestWork status and feedback as the Go one does.
    builder
        .managed_clusters(2)
        .simulated_clusters(args.simulated())
        .simulated_cluster_template(|i| SimulatedCluster::new(format!("edge-{i:02}")))
        .simulated_work_agent(true)
        .simulated_addon_registration(true)
        .on_event(move |e| progress.progress(e));
    let env = tokio::select! {
        env = builder.start() => env,
        _ = tokio::signal::ctrl_c() => {
            report.say("interrupted while starting; the control plane's processes are stopped");
            return ExitCode::from(130);
        }
    };
    let env = match env {
        Ok(env) => env,
        Err(e) => {
            report.outcome(Some(&anyhow::Error::new(e)));
            return ExitCode::FAILURE;
        }
    };
    report.say(format!(
        "up in {:.0?}; kubeconfigs and logs in {}",
        started.elapsed(),
        env.dir().display()
    ));

    let undo = undo::Shared::default();
    let outcome = tokio::select! {
        r = async {
            let members = members::of_env(&env);
            run(env.hub().client(), Some(&env), members, &args, &undo, &report).await
        } => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    report.outcome(outcome.as_ref().err());
    if let Err(e) = env.stop() {
        eprintln!("stopping the control plane: {e}");
    }
    if outcome.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

pub(crate) async fn run(
    hub: kube::Client,
    env: Option<&TestEnv>,
    members: Vec<Member>,
    args: &Args,
    undo: &undo::Shared,
    report: &Reporter,
) -> anyhow::Result<()> {
    hub::prepare(&hub, &members, undo, report).await?;
    report.step(
        2,
        "install the fleet-score add-on (ocm-addon-framework); its agents publish the scores",
    );
    let manager = addon::install(&hub).await?;
    undo.lock().unwrap_or_else(|p| p.into_inner()).manager = Some(manager);
    score(env, &hub, &members, report).await?;

    report.step(3, "place the workload by score, in decision groups");
    // Two thirds of the fleet (at least the two real clusters' worth).
    let wanted = (members.len() * 2 / 3).max(2);
    hub::create_placement(&hub, wanted).await?;
    let chosen = hub::decisions(&hub).await?;
    for g in chosen.groups() {
        report.result(
            "decision-group",
            format!(
                "decision group {:8} #{}: {:?}",
                if g.name.is_empty() { "-" } else { &g.name },
                g.index,
                g.clusters
            ),
            json!({"name": g.name, "index": g.index, "clusters": g.clusters}),
        );
    }
    hub::explain(&hub, &chosen, report).await?;

    let strategy: RolloutStrategy = serde_json::from_value(json!({
        "type": "ProgressivePerGroup",
        "progressivePerGroup": {"mandatoryDecisionGroups": [{"groupName": "canary"}], "progressDeadline": "2m"},
    }))?;
    report.step(
        4,
        "roll the workload out group by group, gated on status feedback",
    );
    let fb = rollout::run(&hub, &strategy, &chosen, "v1", TIMEOUT, report).await?;
    report.say(format!("every chosen cluster reports {fb:?}"));

    if !args.quick {
        report.step(5, "upgrade to v2, in the same order");
        rollout::run(&hub, &strategy, &chosen, "v2", TIMEOUT, report).await?;
    }

    report.step(
        6,
        "taint the canary cluster: the placement and the workload move away",
    );
    let canary = &members[0].name;
    let taint: Taint =
        serde_json::from_value(json!({"key": "fleet-demo/maintenance", "effect": "NoSelect"}))?;
    undo.lock().unwrap_or_else(|p| p.into_inner()).tainted = Some(canary.clone());
    ManagedClusters::new(hub.clone())
        .add_taint(canary, taint)
        .await?;
    let moved = wait_until_dropped(&hub, canary).await?;
    report.say(format!("decisions now: {:?}", moved.clusters()));
    rollout::remove(&hub, canary, TIMEOUT).await?;
    match env.and_then(|e| e.managed_cluster(canary)) {
        Some(managed) => {
            let gone = Api::<ConfigMap>::namespaced(managed.client(), "default")
                .get_opt("web-config")
                .await?
                .is_none();
            ensure!(gone, "the workload is still on {canary}");
            report.say(format!("the work agent removed the workload from {canary}"));
        }
        // The work's finalizer is removed by the cluster's work agent once it removed the
        // workload: the work is gone, so is the workload.
        None => report.say(format!(
            "the work agent removed the workload from {canary} (its ManifestWork is gone)"
        )),
    }

    report.step(7, "what ran where");
    let version = if args.quick { "v1" } else { "v2" };
    let last = rollout::run(&hub, &strategy, &moved, version, TIMEOUT, report).await?;
    for m in &members {
        let v = last.get(&m.name).map_or("-", String::as_str);
        report.result(
            "placement",
            format!("{:10} ring={:7} chosen={:5} version={v}", m.name, m.ring, moved.contains(&m.name)),
            json!({"cluster": m.name, "chosen": moved.contains(&m.name), "version": last.get(&m.name)}),
        );
    }
    for c in moved.clusters() {
        rollout::remove(&hub, &c, TIMEOUT).await?;
    }
    report.say("removed the workload everywhere");
    let manager = undo
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .manager
        .take();
    addon::uninstall(&hub, manager, TIMEOUT).await?;
    report.say(format!(
        "removed the {} add-on from every cluster",
        addon::ADDON
    ));
    Ok(())
}

/// The add-on step: Available everywhere, each agent publishes its score with its own hub
/// identity, and the hub sees every score written by the add-on's agents.
async fn score(
    env: Option<&TestEnv>,
    hub: &kube::Client,
    members: &[Member],
    report: &Reporter,
) -> anyhow::Result<()> {
    addon::wait_available(hub, members, TIMEOUT, report).await?;
    report.say(format!(
        "{} is Available on all {} clusters",
        addon::ADDON,
        members.len()
    ));
    let Some(env) = env else {
        report.say(
            "the add-on's agents run on the clusters of this hub, which the demo cannot reach: no scores are published, the Placement ranks without them",
        );
        return Ok(());
    };
    report.say(
        "each agent's hub identity comes from the add-on's registration: a CSR per cluster (the Go klusterlet's, or the simulated cluster's), approved by the add-on manager",
    );
    addon_agent::publish_scores(env, members, TIMEOUT, report).await?;
    addon_agent::check_scores(hub, members).await?;
    report.say(format!(
        "every score is written by its cluster's add-on agent (field manager {})",
        addon::AGENT_MANAGER
    ));
    Ok(())
}

/// Waits until `cluster` is no longer among the placement's decisions.
async fn wait_until_dropped(
    hub: &kube::Client,
    cluster: &str,
) -> anyhow::Result<ocm_client::decisions::DecisionSet> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let set = hub::decisions(hub).await?;
        if !set.contains(cluster) {
            return Ok(set);
        }
        ensure!(
            Instant::now() < deadline,
            "{cluster} still chosen after {TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
