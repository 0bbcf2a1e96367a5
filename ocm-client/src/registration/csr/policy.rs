//! [`CsrPolicy`]: the configurable part of the rules, and the checks on the object around the
//! request (labels, signer, status, usages, expiration, requester).

use super::request::{self, Subject};
use super::{CsrIdentity, CsrRejected, CsrRequestKind};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_api::addon::v1beta1::KUBE_API_SERVER_CLIENT_SIGNER_NAME;
use ocm_api::labels;
use std::collections::BTreeSet;

/// The prefix of every OCM agent user and group. Go: `user.SubjectPrefix`.
pub const SUBJECT_PREFIX: &str = "system:open-cluster-management:";
/// The group every managed cluster's agent is in. Go: `user.ManagedClustersGroup`.
pub const MANAGED_CLUSTERS_GROUP: &str = "system:open-cluster-management:managed-clusters";
/// The bootstrap service accounts OCM installs: `clusteradm init`'s and the cluster-manager
/// chart's. [`check_csr`](super::check_csr) accepts bootstrap requests from these users only.
pub const DEFAULT_BOOTSTRAP_USERS: &[&str] = &[
    "system:serviceaccount:open-cluster-management:cluster-bootstrap",
    "system:serviceaccount:open-cluster-management:agent-registration-bootstrap",
];
/// The smallest `expirationSeconds` accepted: the agent's own minimum for
/// `--client-cert-expiration-seconds` (Kubernetes allows 600).
pub const MIN_EXPIRATION_SECONDS: i32 = 3600;
/// The default largest `expirationSeconds`: 365 days, kube-controller-manager's default
/// `--cluster-signing-duration` (the most the built-in signer issues anyway).
pub const DEFAULT_MAX_EXPIRATION_SECONDS: i32 = 365 * 24 * 3600;

/// CertificateSigningRequest condition types (Kubernetes `certificates.k8s.io/v1`).
const APPROVED: &str = "Approved";
const DENIED: &str = "Denied";
const FAILED: &str = "Failed";

const USAGE_CLIENT_AUTH: &str = "client auth";
const ALLOWED_USAGES: &[&str] = &["digital signature", "key encipherment", USAGE_CLIENT_AUTH];

/// The configurable part of the rules: who may bootstrap, and the longest certificate one may ask
/// for. [`CsrPolicy::default()`] is what [`check_csr`](super::check_csr) uses.
///
/// ```
/// use ocm_client::registration::CsrPolicy;
/// let policy = CsrPolicy::default()
///     .bootstrap_group("system:bootstrappers:managedcluster")
///     .max_expiration_seconds(30 * 24 * 3600);
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrPolicy {
    bootstrap_users: BTreeSet<String>,
    bootstrap_groups: BTreeSet<String>,
    max_expiration_seconds: i32,
}

impl Default for CsrPolicy {
    fn default() -> Self {
        CsrPolicy {
            bootstrap_users: DEFAULT_BOOTSTRAP_USERS
                .iter()
                .map(|u| u.to_string())
                .collect(),
            bootstrap_groups: BTreeSet::new(),
            max_expiration_seconds: DEFAULT_MAX_EXPIRATION_SECONDS,
        }
    }
}

impl CsrPolicy {
    /// Replaces the bootstrap users (Go hub: `--auto-approved-csr-users`, the ClusterManager's
    /// `registrationConfiguration.autoApproveUsers`). Exact user names.
    pub fn bootstrap_users<I, S>(mut self, users: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.bootstrap_users = users.into_iter().map(Into::into).collect();
        self
    }

    /// Adds one bootstrap user.
    pub fn bootstrap_user(mut self, user: impl Into<String>) -> Self {
        self.bootstrap_users.insert(user.into());
        self
    }

    /// Adds a bootstrap group: a request from any user in it counts as a bootstrap request.
    /// This is `clusteradm accept`'s kind of rule (it accepts bootstrap-token users, whose names
    /// are not known in advance, by group); the Go hub controller has no such rule. The groups
    /// are set by the apiserver from the requester's credentials, like the user name.
    pub fn bootstrap_group(mut self, group: impl Into<String>) -> Self {
        self.bootstrap_groups.insert(group.into());
        self
    }

    /// Sets the largest `expirationSeconds` accepted (at least [`MIN_EXPIRATION_SECONDS`]).
    pub fn max_expiration_seconds(mut self, seconds: i32) -> Self {
        self.max_expiration_seconds = seconds.max(MIN_EXPIRATION_SECONDS);
        self
    }

    /// Checks a CSR against every rule (the module docs' table), in about the order of
    /// [`CsrRule::ALL`](super::CsrRule::ALL); the first rule it breaks refuses it.
    pub fn check(&self, csr: &CertificateSigningRequest) -> Result<CsrIdentity, CsrRejected> {
        let label = cluster_label(csr)?;
        check_signer(csr)?;
        check_status(csr)?;
        check_usages(csr)?;
        self.check_expiration(csr)?;
        let subject = request::check_request(&csr.spec.request.0)?;
        let (cluster_name, agent_name, common_name) = check_subject(&label, subject)?;
        let kind = self.requester(csr, &common_name)?;
        Ok(CsrIdentity {
            name: csr.metadata.name.clone(),
            cluster_name,
            agent_name,
            common_name,
            username: csr.spec.username.clone().unwrap_or_default(),
            signer_name: csr.spec.signer_name.clone(),
            kind,
        })
    }

    fn check_expiration(&self, csr: &CertificateSigningRequest) -> Result<(), CsrRejected> {
        match csr.spec.expiration_seconds {
            Some(found)
                if !(MIN_EXPIRATION_SECONDS..=self.max_expiration_seconds).contains(&found) =>
            {
                Err(CsrRejected::ExpirationSeconds {
                    min: MIN_EXPIRATION_SECONDS,
                    max: self.max_expiration_seconds,
                    found,
                })
            }
            _ => Ok(()),
        }
    }

    /// Go: the renewal reconciler approves when the requester is the common name (and a
    /// SubjectAccessReview allows it), the bootstrap reconciler when the requester is one of the
    /// auto-approval users.
    fn requester(
        &self,
        csr: &CertificateSigningRequest,
        common_name: &str,
    ) -> Result<CsrRequestKind, CsrRejected> {
        let username = csr.spec.username.as_deref().unwrap_or_default();
        let groups = csr.spec.groups.as_deref().unwrap_or_default();
        if username == common_name {
            return Ok(CsrRequestKind::Renewal);
        }
        if self.bootstrap_users.contains(username)
            || groups.iter().any(|g| self.bootstrap_groups.contains(g))
        {
            return Ok(CsrRequestKind::Bootstrap);
        }
        Err(CsrRejected::Requester {
            common_name: common_name.to_owned(),
            username: username.to_owned(),
            groups: groups.to_vec(),
        })
    }
}

fn cluster_label(csr: &CertificateSigningRequest) -> Result<String, CsrRejected> {
    let labels = csr.metadata.labels.as_ref();
    let get = |key: &str| labels.and_then(|l| l.get(key));
    let cluster = match get(labels::CLUSTER_NAME) {
        Some(cluster) if !cluster.is_empty() => cluster.clone(),
        found => {
            return Err(CsrRejected::ClusterLabel {
                label: labels::CLUSTER_NAME,
                found: found.cloned(),
            });
        }
    };
    if let Some(addon) = get(labels::ADDON_NAME) {
        return Err(CsrRejected::AddonLabel {
            label: labels::ADDON_NAME,
            found: addon.clone(),
        });
    }
    Ok(cluster)
}

fn check_signer(csr: &CertificateSigningRequest) -> Result<(), CsrRejected> {
    if csr.spec.signer_name == KUBE_API_SERVER_CLIENT_SIGNER_NAME {
        Ok(())
    } else {
        Err(CsrRejected::Signer {
            expected: KUBE_API_SERVER_CLIENT_SIGNER_NAME,
            found: csr.spec.signer_name.clone(),
        })
    }
}

/// Go (`helpers.IsCSRInTerminalState`): any `Approved` or `Denied` condition, whatever its
/// status. Ours: any `Failed` condition, and an issued certificate.
pub(super) fn check_status(csr: &CertificateSigningRequest) -> Result<(), CsrRejected> {
    let Some(status) = &csr.status else {
        return Ok(());
    };
    let conditions = status.conditions.as_deref().unwrap_or_default();
    if let Some(c) = conditions
        .iter()
        .find(|c| c.type_ == APPROVED || c.type_ == DENIED)
    {
        return Err(CsrRejected::Terminal {
            condition: c.type_.clone(),
        });
    }
    if let Some(c) = conditions.iter().find(|c| c.type_ == FAILED) {
        return Err(CsrRejected::Failed {
            status: c.status.clone(),
        });
    }
    match &status.certificate {
        Some(cert) if !cert.0.is_empty() => Err(CsrRejected::CertificateIssued {
            bytes: cert.0.len(),
        }),
        _ => Ok(()),
    }
}

pub(super) fn check_usages(csr: &CertificateSigningRequest) -> Result<(), CsrRejected> {
    let usages = csr.spec.usages.as_deref().unwrap_or_default();
    let distinct: BTreeSet<&str> = usages.iter().map(String::as_str).collect();
    let ok = distinct.len() == usages.len()
        && distinct.contains(USAGE_CLIENT_AUTH)
        && distinct.iter().all(|u| ALLOWED_USAGES.contains(u));
    if ok {
        Ok(())
    } else {
        Err(CsrRejected::Usages {
            found: usages.to_vec(),
        })
    }
}

/// Go's `validateCSR` on the subject, plus our duplicate check. Returns (cluster, agent, CN).
fn check_subject(label: &str, subject: Subject) -> Result<(String, String, String), CsrRejected> {
    let common_name = subject.common_name.unwrap_or_default();
    let bad_cn = || CsrRejected::CommonName {
        found: common_name.clone(),
    };
    let rest = common_name
        .strip_prefix(SUBJECT_PREFIX)
        .ok_or_else(bad_cn)?;
    let mut parts = rest.split(':');
    let (Some(cluster), Some(agent), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad_cn());
    };
    if cluster.is_empty() || agent.is_empty() {
        return Err(bad_cn());
    }
    if cluster != label {
        return Err(CsrRejected::ClusterName {
            label: label.to_owned(),
            found: cluster.to_owned(),
        });
    }
    let expected = format!("{SUBJECT_PREFIX}{label}");
    let orgs = &subject.organizations;
    let distinct: BTreeSet<&str> = orgs
        .iter()
        .map(String::as_str)
        .filter(|o| *o != MANAGED_CLUSTERS_GROUP)
        .collect();
    if distinct.len() != 1 || !distinct.contains(expected.as_str()) {
        return Err(CsrRejected::Organizations {
            expected,
            found: orgs.clone(),
        });
    }
    let mut seen = BTreeSet::new();
    if let Some(dup) = orgs.iter().find(|o| !seen.insert(o.as_str())) {
        return Err(CsrRejected::DuplicateOrganization { found: dup.clone() });
    }
    Ok((cluster.to_owned(), agent.to_owned(), common_name.clone()))
}
