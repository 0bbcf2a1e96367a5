//! Who is in the demo's fleet: the clusters of the environment it started, or the Available
//! clusters of a hub it was pointed at (`--kubeconfig`), where it also puts everything back.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::ensure;
use kube::api::Api;
use ocm_testenv::TestEnv;

use crate::hub::Member;
use crate::report::Reporter;
use crate::{Args, undo};

/// The demo on a hub it did not start: its Available clusters, and everything it sets is
/// reverted at the end, on failure and on Ctrl-C.
pub async fn on_hub(path: &std::path::Path, args: &Args, report: &Reporter) -> ExitCode {
    let undo = undo::Shared::default();
    let hub = match hub_client(path).await {
        Ok(hub) => hub,
        Err(e) => {
            report.outcome(Some(&e));
            return ExitCode::FAILURE;
        }
    };
    report.step(
        1,
        &format!(
            "use the hub of {} (ocm-testenv is not started; what the demo sets is reverted at the end)",
            path.display()
        ),
    );
    let outcome = tokio::select! {
        r = async {
            let members = of_hub(&hub).await?;
            crate::run(hub.clone(), None, members, args, &undo, report).await
        } => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    report.say("reverting what the demo set on the hub");
    let reverted =
        tokio::time::timeout(Duration::from_secs(300), undo::revert(&hub, &undo, report))
            .await
            .unwrap_or_else(|_| Err(anyhow::anyhow!("reverting timed out")));
    let outcome = outcome.and(reverted);
    report.outcome(outcome.as_ref().err());
    if outcome.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn hub_client(path: &std::path::Path) -> anyhow::Result<kube::Client> {
    let kc = kube::config::Kubeconfig::read_from(path)?;
    let config =
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await?;
    Ok(kube::Client::try_from(config)?)
}

/// The members of the demo's own fleet: the two real clusters and the simulated ones.
pub fn of_env(env: &TestEnv) -> Vec<Member> {
    let mut members = vec![
        Member {
            name: "cluster1".into(),
            ring: "canary",
            headroom: 80,
        },
        Member {
            name: "cluster2".into(),
            ring: "main",
            headroom: 40,
        },
    ];
    // Varied scores, so that the placement's numberOfClusters picks a subset by headroom.
    for (i, c) in env.simulated_clusters().iter().enumerate() {
        members.push(Member {
            name: c.name().to_owned(),
            ring: if i % 8 == 0 { "canary" } else { "main" },
            headroom: i32::try_from((i * 37 + 11) % 100).unwrap_or(0),
        });
    }
    members
}

/// The members on a hub the demo did not start: its Available clusters, the first a canary.
async fn of_hub(hub: &kube::Client) -> anyhow::Result<Vec<Member>> {
    let mut names: Vec<String> = Api::<ocm_api::cluster::v1::ManagedCluster>::all(hub.clone())
        .list(&Default::default())
        .await?
        .items
        .into_iter()
        .filter(|c| {
            c.status.as_ref().is_some_and(|s| {
                ocm_api::conditions::is_true(
                    &s.conditions,
                    ocm_api::conditions::MANAGED_CLUSTER_AVAILABLE,
                )
            })
        })
        .filter_map(|c| c.metadata.name)
        .collect();
    names.sort();
    ensure!(
        names.len() >= 2,
        "the hub has {} Available clusters; the demo needs two",
        names.len()
    );
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(i, name)| Member {
            name,
            ring: if i % 8 == 0 { "canary" } else { "main" },
            headroom: i32::try_from((i * 37 + 11) % 100).unwrap_or(0),
        })
        .collect())
}
