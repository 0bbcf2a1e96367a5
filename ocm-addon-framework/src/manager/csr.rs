//! The add-on's CSRs: approve (and sign, for a custom signer) or deny, with the approve check.

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};
use ocm_api::addon::v1alpha1::ManagedClusterAddOn;
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::labels;
use serde_json::json;
use tracing::{info, warn};

use crate::registration::{AddonCsr, Registration};

/// Reason on the conditions this manager writes on CSRs.
pub(crate) const APPROVE_REASON: &str = "AutoApprovedByOcmRsAddonManager";
/// Reason on the conditions of CSRs this manager refuses.
pub(crate) const DENY_REASON: &str = "RefusedByOcmRsAddonManager";

/// Handles the pending CSRs of this add-on on this cluster. Returns every CSR of it this manager
/// has refused, now or before (CSR name and why), which the caller reports.
pub(crate) async fn handle(
    client: &kube::Client,
    registration: &Registration,
    cluster: &ManagedCluster,
    addon: &ManagedClusterAddOn,
) -> Result<Vec<(String, String)>, kube::Error> {
    let cluster_name = cluster.metadata.name.clone().unwrap_or_default();
    let addon_name = addon.metadata.name.clone().unwrap_or_default();
    let api: Api<CertificateSigningRequest> = Api::all(client.clone());
    let selector = format!(
        "{}={cluster_name},{}={addon_name}",
        labels::CLUSTER_NAME,
        labels::ADDON_NAME
    );
    let expected = registration.config_for(&cluster_name, &addon_name);
    let mut refused = Vec::new();
    for csr in api.list(&ListParams::default().labels(&selector)).await? {
        let name = csr.metadata.name.clone().unwrap_or_default();
        if decided(&csr) {
            // Level-based: a CSR this manager denied earlier stays reported.
            if let Some(message) = denied_by_us(&csr) {
                refused.push((name, message));
            }
            sign_if_needed(&api, registration, cluster, addon, &csr).await?;
            continue;
        }
        let request = AddonCsr {
            cluster,
            addon,
            csr: &csr,
            expected: &expected,
        };
        match registration.approver.check(&request) {
            Ok(()) => {
                info!(csr = %name, cluster = %cluster_name, addon = %addon_name, "approving add-on CSR");
                decide(
                    &api,
                    &name,
                    "Approved",
                    APPROVE_REASON,
                    "approved by the ocm-rs add-on manager",
                )
                .await?;
                let csr = api.get(&name).await?;
                sign_if_needed(&api, registration, cluster, addon, &csr).await?;
            }
            Err(why) => {
                warn!(csr = %name, cluster = %cluster_name, addon = %addon_name, %why, "refusing add-on CSR");
                decide(&api, &name, "Denied", DENY_REASON, &why.to_string()).await?;
                refused.push((name, why.to_string()));
            }
        }
    }
    Ok(refused)
}

fn decided(csr: &CertificateSigningRequest) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| {
            c.iter()
                .any(|c| c.type_ == "Approved" || c.type_ == "Denied")
        })
}

fn denied_by_us(csr: &CertificateSigningRequest) -> Option<String> {
    let conditions = csr.status.as_ref()?.conditions.as_ref()?;
    let c = conditions
        .iter()
        .find(|c| c.type_ == "Denied" && c.reason.as_deref() == Some(DENY_REASON))?;
    Some(c.message.clone().unwrap_or_default())
}

fn approved(csr: &CertificateSigningRequest) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| {
            c.iter()
                .any(|c| c.type_ == "Approved" && c.status == "True")
        })
}

async fn decide(
    api: &Api<CertificateSigningRequest>,
    name: &str,
    type_: &str,
    reason: &str,
    message: &str,
) -> Result<(), kube::Error> {
    let condition = CertificateSigningRequestCondition {
        type_: type_.to_string(),
        status: "True".to_string(),
        reason: Some(reason.to_string()),
        message: Some(message.to_string()),
        last_update_time: Some(Time(jiff::Timestamp::now())),
        last_transition_time: None,
    };
    api.patch_approval(
        name,
        &PatchParams::default(),
        &Patch::Merge(json!({"status": {"conditions": [condition]}})),
    )
    .await?;
    Ok(())
}

/// For a custom signer: an approved CSR of that signer with no certificate yet gets one.
async fn sign_if_needed(
    api: &Api<CertificateSigningRequest>,
    registration: &Registration,
    cluster: &ManagedCluster,
    addon: &ManagedClusterAddOn,
    csr: &CertificateSigningRequest,
) -> Result<(), kube::Error> {
    let Some((signer_name, signer)) = &registration.signer else {
        return Ok(());
    };
    let has_cert = csr
        .status
        .as_ref()
        .and_then(|s| s.certificate.as_ref())
        .is_some_and(|c| !c.0.is_empty());
    if csr.spec.signer_name != *signer_name || !approved(csr) || has_cert {
        return Ok(());
    }
    let name = csr.metadata.name.clone().unwrap_or_default();
    match signer.sign(cluster, addon, csr) {
        Ok(cert) => {
            let body = json!({"status": {"certificate": ByteString(cert)}});
            api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&body))
                .await?;
            info!(csr = %name, "signed add-on CSR");
        }
        Err(e) => warn!(csr = %name, error = %e, "custom signer failed"),
    }
    Ok(())
}
