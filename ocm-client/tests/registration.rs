//! Registration and hub clients against the real Go hub: a Go klusterlet joins with the hub's
//! auto-approval off, and `ManagedClusters::accept` completes the double opt-in; taints, claims,
//! cluster sets, deny and re-accept; a kubeconfig whose client certificate is replaced.
//!
//! One environment for the whole binary (the machine has two cores); the tests run in order
//! inside one `#[tokio::test]` because they share the cluster's state.

#![allow(clippy::unwrap_used, missing_docs)]

use ocm_test_support::eventually;
use std::time::{Duration, Instant};

use k8s_openapi::ByteString;
use k8s_openapi::api::authentication::v1::{SelfSubjectReview, SelfSubjectReviewStatus};
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestSpec,
};
use k8s_openapi::api::core::v1::Namespace;
use kube::Client;
use kube::api::{Api, ObjectMeta, PostParams};
use ocm_api::cluster::v1::{Taint, TaintEffect};
use ocm_api::cluster::v1alpha1::{ClusterClaim, ClusterClaimSpec};
use ocm_api::conditions;
use ocm_client::hubs::{ReloadParams, client_from_kubeconfig};
use ocm_client::registration::{
    AcceptParams, ClusterSetSelector, ClusterSets, CsrPolicy, DenyParams, ManagedClusters, Refusal,
};
use ocm_testenv::TestEnv;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CLUSTER: &str = "cluster1";
const TIMEOUT: Duration = Duration::from_secs(180);

/// Polls `check` until it returns `Ok(())`; fails with the last observation on timeout.
/// A PEM CSR for `CN=<cn>, O=<orgs…>` with a new P-256 key; returns (csr PEM, key PEM).
fn make_csr(cn: &str, orgs: &[String]) -> (String, String) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, cn);
    for o in orgs {
        dn.push(rcgen::DnType::OrganizationName, o.as_str());
    }
    params.distinguished_name = dn;
    let csr = params.serialize_request(&key).unwrap();
    (csr.pem().unwrap(), key.serialize_pem())
}

fn csr_object(name: &str, label_cluster: &str, pem: &str) -> CertificateSigningRequest {
    CertificateSigningRequest {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(
                [(
                    ocm_api::labels::CLUSTER_NAME.to_string(),
                    label_cluster.to_string(),
                )]
                .into(),
            ),
            ..Default::default()
        },
        spec: CertificateSigningRequestSpec {
            request: ByteString(pem.as_bytes().to_vec()),
            signer_name: "kubernetes.io/kube-apiserver-client".into(),
            usages: Some(vec![
                "digital signature".into(),
                "key encipherment".into(),
                "client auth".into(),
            ]),
            expiration_seconds: Some(3600),
            ..Default::default()
        },
        status: None,
    }
}

fn agent_orgs(cluster: &str) -> Vec<String> {
    vec![
        format!("system:open-cluster-management:{cluster}"),
        "system:open-cluster-management:managed-clusters".to_string(),
    ]
}

/// ocm-testenv's klusterlets bootstrap as `ocm_testenv::BOOTSTRAP_USER`.
fn accept_params() -> AcceptParams {
    AcceptParams::default()
        .wait(TIMEOUT)
        .policy(CsrPolicy::default().bootstrap_user(ocm_testenv::BOOTSTRAP_USER))
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_on_the_go_hub() -> TestResult {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let env = TestEnv::builder()
        .managed_clusters(1)
        .auto_accept(false)
        .start()
        .await?;
    let hub = env.hub().client();
    let clusters = ManagedClusters::new(hub.clone());

    // A forged CSR labelled for cluster1 that asks for cluster2's identity: accept must
    // never approve it.
    let csrs: Api<CertificateSigningRequest> = Api::all(hub.clone());
    let (forged, _) = make_csr(
        "system:open-cluster-management:cluster2:agent",
        &agent_orgs("cluster2"),
    );
    csrs.create(
        &PostParams::default(),
        &csr_object("forged-cluster1", CLUSTER, &forged),
    )
    .await?;

    // Double opt-in: nothing joins before the hub accepts.
    eventually("cluster1 to ask to join", TIMEOUT, || async {
        let pending = clusters.pending().await?;
        let Some(p) = pending.iter().find(|p| p.name == CLUSTER) else {
            return Ok(Err("cluster1 not pending".into()));
        };
        let has_agent_csr = p
            .pending_csrs
            .iter()
            .any(|(c, _)| c.metadata.name.as_deref() != Some("forged-cluster1"));
        Ok((p.cluster.is_some() && has_agent_csr && !p.accepted)
            .then_some(())
            .ok_or_else(|| format!("{p:?}")))
    })
    .await?;
    let mc = clusters.api().get(CLUSTER).await?;
    let joined = mc
        .status
        .as_ref()
        .is_some_and(|s| conditions::is_true(&s.conditions, conditions::MANAGED_CLUSTER_JOINED));
    assert!(!joined, "cluster1 joined before it was accepted");

    let outcome = clusters.accept(CLUSTER, &accept_params()).await?;
    assert!(!outcome.approved.is_empty(), "{outcome:?}");
    assert!(!outcome.approved.contains(&"forged-cluster1".to_string()));
    let forged_refusal = outcome.refused.iter().find(|(n, _)| n == "forged-cluster1");
    assert!(
        matches!(
            forged_refusal,
            Some((_, Refusal::Rejected(_) | Refusal::OtherCluster { .. }))
        ),
        "{outcome:?}"
    );
    clusters
        .wait_condition(CLUSTER, conditions::MANAGED_CLUSTER_JOINED, TIMEOUT)
        .await?;
    clusters
        .wait_condition(CLUSTER, conditions::MANAGED_CLUSTER_AVAILABLE, TIMEOUT)
        .await?;
    let forged_now = csrs.get("forged-cluster1").await?;
    assert!(
        forged_now.status.and_then(|s| s.certificate).is_none(),
        "the forged CSR was signed"
    );
    assert!(clusters.pending().await?.iter().all(|p| {
        p.name != CLUSTER
            || p.pending_csrs
                .iter()
                .all(|(c, _)| c.metadata.name.as_deref() == Some("forged-cluster1"))
    }));

    taints(&clusters).await?;
    claims(&env, &clusters).await?;
    cluster_sets(&hub).await?;
    rotation(&env, &hub).await?;

    // Deny, then accept again.
    clusters.deny(CLUSTER, &DenyParams::default()).await?;
    eventually("cluster1 to be denied", TIMEOUT, || async {
        let c = clusters.api().get(CLUSTER).await?;
        let conds = c.status.map(|s| s.conditions).unwrap_or_default();
        Ok(
            conditions::is_false(&conds, conditions::MANAGED_CLUSTER_HUB_ACCEPTED)
                .then_some(())
                .ok_or_else(|| format!("{conds:?}")),
        )
    })
    .await?;
    clusters.accept(CLUSTER, &accept_params()).await?;
    clusters
        .wait_condition(CLUSTER, conditions::MANAGED_CLUSTER_HUB_ACCEPTED, TIMEOUT)
        .await?;
    clusters
        .wait_condition(CLUSTER, conditions::MANAGED_CLUSTER_AVAILABLE, TIMEOUT)
        .await?;
    Ok(())
}

async fn taints(clusters: &ManagedClusters) -> TestResult {
    let taint = Taint {
        key: "example.com/maintenance".into(),
        value: Some("yes".into()),
        effect: TaintEffect::NoSelect,
        time_added: None,
    };
    let c = clusters.add_taint(CLUSTER, taint.clone()).await?;
    let found = c.spec.taints.unwrap_or_default();
    let t = found
        .iter()
        .find(|t| t.key == taint.key)
        .expect("taint added");
    assert!(t.time_added.is_some());
    // Adding again replaces rather than duplicates.
    let c = clusters.add_taint(CLUSTER, taint.clone()).await?;
    assert_eq!(
        c.spec
            .taints
            .unwrap_or_default()
            .iter()
            .filter(|t| t.key == taint.key)
            .count(),
        1
    );
    let c = clusters.remove_taint(CLUSTER, &taint.key, None).await?;
    assert!(
        c.spec
            .taints
            .unwrap_or_default()
            .iter()
            .all(|t| t.key != taint.key)
    );
    Ok(())
}

async fn claims(env: &TestEnv, clusters: &ManagedClusters) -> TestResult {
    let spoke = env.managed_cluster(CLUSTER).unwrap().client();
    let claim = ClusterClaim::new(
        "region.example.com",
        ClusterClaimSpec {
            value: Some("eu-west".into()),
        },
    );
    Api::<ClusterClaim>::all(spoke)
        .create(&PostParams::default(), &claim)
        .await?;
    eventually("the claim to reach the hub", TIMEOUT, || async {
        let claims = clusters.claims(CLUSTER).await?;
        Ok(claims
            .iter()
            .any(|(n, v)| n == "region.example.com" && v == "eu-west")
            .then_some(())
            .ok_or_else(|| format!("{claims:?}")))
    })
    .await?;
    Ok(())
}

async fn cluster_sets(hub: &Client) -> TestResult {
    let sets = ClusterSets::new(hub.clone());
    sets.create("prod", ClusterSetSelector::Exclusive).await?;
    sets.create("staging", ClusterSetSelector::Exclusive)
        .await?;
    sets.create("everything", ClusterSetSelector::Labels(Default::default()))
        .await?;
    sets.move_cluster(CLUSTER, Some("staging")).await?;
    assert_eq!(sets.members("staging").await?, vec![CLUSTER.to_string()]);
    sets.move_cluster(CLUSTER, Some("prod")).await?;
    assert_eq!(sets.members("prod").await?, vec![CLUSTER.to_string()]);
    assert!(sets.members("staging").await?.is_empty());
    assert_eq!(sets.members("everything").await?, vec![CLUSTER.to_string()]);
    let ns: Api<Namespace> = Api::all(hub.clone());
    let mut apps = Namespace::default();
    apps.metadata.name = Some("apps".into());
    ns.create(&PostParams::default(), &apps).await?;
    let binding = sets.bind("apps", "prod").await?;
    assert_eq!(binding.spec.cluster_set, "prod");
    // Applying again is idempotent.
    sets.bind("apps", "prod").await?;
    sets.unbind("apps", "prod").await?;
    sets.move_cluster(CLUSTER, None).await?;
    assert!(sets.members("prod").await?.is_empty());
    Ok(())
}

/// A client from a kubeconfig file follows a replaced client certificate: the identity the
/// hub sees changes, and requests keep working.
async fn rotation(env: &TestEnv, hub: &Client) -> TestResult {
    let dir = tempfile::tempdir()?;
    let admin = kube::config::Kubeconfig::read_from(env.hub().kubeconfig_path())?;
    let ca = admin.clusters[0]
        .cluster
        .as_ref()
        .and_then(|c| c.certificate_authority_data.clone())
        .expect("hub CA data");
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: hub\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: agent\n  user:\n    client-certificate: tls.crt\n    client-key: tls.key\ncontexts:\n- name: hub\n  context: {{cluster: hub, user: agent}}\ncurrent-context: hub\n",
        env.hub().server()
    );
    std::fs::write(dir.path().join("kubeconfig"), kubeconfig)?;
    let issue = |agent: &'static str| {
        let hub = hub.clone();
        let dir = dir.path().to_path_buf();
        async move {
            let (pem, key) = make_csr(
                &format!("system:open-cluster-management:{CLUSTER}:{agent}"),
                &agent_orgs(CLUSTER),
            );
            let cert = sign(&hub, &format!("rotation-{agent}"), &pem).await?;
            // As the klusterlet does: write the new key and certificate by renaming.
            std::fs::write(dir.join("tls.key.new"), key)?;
            std::fs::write(dir.join("tls.crt.new"), cert)?;
            std::fs::rename(dir.join("tls.key.new"), dir.join("tls.key"))?;
            std::fs::rename(dir.join("tls.crt.new"), dir.join("tls.crt"))?;
            Ok::<_, Box<dyn std::error::Error>>(())
        }
    };
    issue("agent-a").await?;
    let client = client_from_kubeconfig(
        dir.path().join("kubeconfig"),
        &ReloadParams::default().check_interval(Duration::ZERO),
    )
    .await?;
    assert_eq!(
        whoami(&client).await?,
        format!("system:open-cluster-management:{CLUSTER}:agent-a")
    );
    issue("agent-b").await?;
    assert_eq!(
        whoami(&client).await?,
        format!("system:open-cluster-management:{CLUSTER}:agent-b")
    );
    // A half-written rotation (garbage certificate) keeps the last good connection.
    std::fs::write(dir.path().join("tls.crt"), "not a certificate")?;
    assert_eq!(
        whoami(&client).await?,
        format!("system:open-cluster-management:{CLUSTER}:agent-b")
    );
    Ok(())
}

async fn sign(hub: &Client, name: &str, pem: &str) -> Result<String, Box<dyn std::error::Error>> {
    let csrs: Api<CertificateSigningRequest> = Api::all(hub.clone());
    let mut csr = csr_object(name, CLUSTER, pem);
    csr.metadata.labels = None; // not a registration CSR: the hub's controllers leave it alone
    csrs.create(&PostParams::default(), &csr).await?;
    let approval = serde_json::json!({"status": {"conditions": [{"type": "Approved", "status": "True", "reason": "Test", "message": "test"}]}});
    csrs.patch_approval(
        name,
        &Default::default(),
        &kube::api::Patch::Merge(approval),
    )
    .await?;
    let start = Instant::now();
    loop {
        let c = csrs.get(name).await?;
        if let Some(cert) = c.status.and_then(|s| s.certificate) {
            return Ok(String::from_utf8(cert.0)?);
        }
        if start.elapsed() > TIMEOUT {
            return Err(format!("CSR {name} was not signed").into());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn whoami(client: &Client) -> Result<String, Box<dyn std::error::Error>> {
    let review = Api::<SelfSubjectReview>::all(client.clone())
        .create(&PostParams::default(), &SelfSubjectReview::default())
        .await?;
    Ok(review
        .status
        .and_then(|s: SelfSubjectReviewStatus| s.user_info)
        .and_then(|u| u.username)
        .unwrap_or_default())
}
