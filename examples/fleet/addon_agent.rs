//! The agent side of the demo's add-on: each cluster's agent gets the hub kubeconfig its
//! registration produced (from the secret the Go klusterlet wrote on a real cluster, or from
//! the simulated cluster's registration) and publishes its cluster's AddOnPlacementScore with
//! it. The agents run in the demo's process: the test clusters run no pods.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use kube::api::{Api, Patch, PatchParams, PostParams};
use ocm_addon_framework::agent;
use ocm_addon_framework::registration::default_user;
use ocm_api::cluster::v1alpha1::AddOnPlacementScore;
use ocm_testenv::TestEnv;
use serde_json::json;

use crate::addon::{ADDON, AGENT, AGENT_MANAGER, INSTALL_NAMESPACE};
use crate::hub::{Member, SCORE};
use crate::report::Reporter;

/// The hub client of `cluster`'s add-on agent, from the credentials its registration produced.
async fn agent_client(env: &TestEnv, cluster: &str) -> anyhow::Result<Option<kube::Client>> {
    if let Some(managed) = env.managed_cluster(cluster) {
        // The Go klusterlet wrote the secret on the managed cluster; the agent mounts it.
        let dir = env.dir().join("fleet-score-agent").join(cluster);
        let written =
            agent::write_hub_kubeconfig(&managed.client(), INSTALL_NAMESPACE, ADDON, &dir).await?;
        return Ok(match written {
            true => Some(agent::hub_client(&dir).await?),
            false => None,
        });
    }
    let sim = env
        .simulated_cluster(cluster)
        .with_context(|| format!("{cluster} is in the env"))?;
    let Some(kc) = sim.addon_hub_kubeconfig(ADDON) else {
        return Ok(None);
    };
    let config =
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await?;
    Ok(Some(kube::Client::try_from(config)?))
}

/// Runs each cluster's agent once: it checks who it is on the hub and publishes its score.
/// Returns the hub user each agent wrote as.
pub async fn publish_scores(
    env: &TestEnv,
    members: &[Member],
    timeout: Duration,
    report: &Reporter,
) -> anyhow::Result<BTreeMap<String, String>> {
    let deadline = Instant::now() + timeout;
    // The agents run side by side, as they would on their clusters.
    let runs = members
        .iter()
        .map(|m| run_agent(env, m, deadline, timeout, report));
    let mut users = BTreeMap::new();
    for (m, user) in members.iter().zip(futures::future::join_all(runs).await) {
        let user = user?;
        let want = default_user(&m.name, ADDON, AGENT);
        ensure!(
            user == want,
            "the agent of {} is {user}, not {want}",
            m.name
        );
        report.result(
            "addon-score",
            format!(
                "{:10} {}/{}={:<3} written by {user}",
                m.name, SCORE.0, SCORE.1, m.headroom
            ),
            json!({"cluster": m.name, "score": m.headroom, "user": user}),
        );
        users.insert(m.name.clone(), user);
    }
    Ok(users)
}

/// One cluster's agent: waits for its credentials, then publishes; returns its hub user.
async fn run_agent(
    env: &TestEnv,
    m: &Member,
    deadline: Instant,
    timeout: Duration,
    report: &Reporter,
) -> anyhow::Result<String> {
    let client = loop {
        if let Some(c) = agent_client(env, &m.name).await? {
            break c;
        }
        ensure!(
            Instant::now() < deadline,
            "no add-on credentials on {} after {timeout:?}",
            m.name
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let mut warned = false;
    loop {
        // RBAC may lag the registration by a moment: retry until the write is allowed.
        match publish(&client, &m.name, m.headroom).await {
            Ok(user) => return Ok(user),
            Err(e) if Instant::now() < deadline => {
                if !std::mem::replace(&mut warned, true) {
                    report.progress(format!("{}: the agent retries ({e:#})", m.name));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e.context(format!("the agent of {} publishing", m.name))),
        }
    }
}

/// One agent's work: who am I (SelfSubjectReview), then the score, with server-side apply.
async fn publish(hub: &kube::Client, cluster: &str, headroom: i32) -> anyhow::Result<String> {
    let review: SelfSubjectReview = serde_json::from_value(json!({
        "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))?;
    let me = Api::<SelfSubjectReview>::all(hub.clone())
        .create(&PostParams::default(), &review)
        .await?;
    let user = me
        .status
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .unwrap_or_default();
    let api: Api<AddOnPlacementScore> = Api::namespaced(hub.clone(), cluster);
    let pp = PatchParams::apply(AGENT_MANAGER).force();
    let score = json!({
        "apiVersion": "cluster.open-cluster-management.io/v1alpha1", "kind": "AddOnPlacementScore",
        "metadata": {"name": SCORE.0, "namespace": cluster},
    });
    api.patch(SCORE.0, &pp, &Patch::Apply(&score)).await?;
    let status = json!({
        "apiVersion": "cluster.open-cluster-management.io/v1alpha1", "kind": "AddOnPlacementScore",
        "metadata": {"name": SCORE.0, "namespace": cluster},
        "status": {"scores": [{"name": SCORE.1, "value": headroom}]},
    });
    api.patch_status(SCORE.0, &pp, &Patch::Apply(&status))
        .await?;
    Ok(user)
}

/// Checks, as the hub admin, that every member's score was written by the add-on's agent
/// (its field manager owns the status) with the expected value.
pub async fn check_scores(hub: &kube::Client, members: &[Member]) -> anyhow::Result<()> {
    for m in members {
        let s = Api::<AddOnPlacementScore>::namespaced(hub.clone(), &m.name)
            .get(SCORE.0)
            .await?;
        let by_agent = s.metadata.managed_fields.iter().flatten().any(|f| {
            f.manager.as_deref() == Some(AGENT_MANAGER)
                && f.subresource.as_deref() == Some("status")
        });
        ensure!(
            by_agent,
            "the score of {} was not written by the add-on agent",
            m.name
        );
        let value = s
            .status
            .iter()
            .flat_map(|st| st.scores.iter().flatten())
            .find(|x| x.name == SCORE.1)
            .map(|x| x.value);
        ensure!(
            value == Some(m.headroom),
            "{}: score {value:?}, expected {}",
            m.name,
            m.headroom
        );
    }
    Ok(())
}
