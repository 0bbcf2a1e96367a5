//! Lists the ManagedClusters of the hub in your current kubeconfig context, with their
//! availability, as the Go hub reports it.
//!
//! ```sh
//! cargo run -p ocm-examples --example list_clusters
//! ```

use kube::{Api, Client, api::ListParams};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::conditions;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let client = Client::try_default().await?;
    let clusters: Api<ManagedCluster> = Api::all(client);
    for cluster in clusters.list(&ListParams::default()).await? {
        let name = cluster.metadata.name.clone().unwrap_or_default();
        let conds = cluster
            .status
            .as_ref()
            .map(|s| &s.conditions[..])
            .unwrap_or(&[]);
        println!(
            "{name:20} accepted={:5} joined={:5} available={}",
            cluster.spec.hub_accepts_client,
            conditions::is_true(conds, conditions::MANAGED_CLUSTER_JOINED),
            conditions::is_true(conds, conditions::MANAGED_CLUSTER_AVAILABLE),
        );
    }
    Ok(())
}
