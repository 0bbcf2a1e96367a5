//! [`Registration`]: how an add-on's agent gets a hub identity (Go: `RegistrationOption`), the
//! CSR approve check ([`CsrApprover`], default [`DefaultCsrApprover`]), custom signers
//! ([`CsrSigner`]) and the permission step ([`Permission`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use k8s_openapi::api::rbac::v1::PolicyRule;
use ocm_api::addon::v1alpha1::{ManagedClusterAddOn, RegistrationConfig, Subject};
use ocm_api::addon::v1beta1::KUBE_API_SERVER_CLIENT_SIGNER_NAME;
use ocm_api::cluster::v1::ManagedCluster;
use ocm_client::registration::csr::{self, CsrRejected, RequestSubject, SUBJECT_PREFIX};
use thiserror::Error;

/// Go's `agent.DefaultUser`: `system:open-cluster-management:cluster:<c>:addon:<a>:agent:<agent>`.
pub fn default_user(cluster: &str, addon: &str, agent: &str) -> String {
    format!("system:open-cluster-management:cluster:{cluster}:addon:{addon}:agent:{agent}")
}

/// Go's `agent.DefaultGroups`: the cluster's add-on group and the add-on's group.
pub fn default_groups(cluster: &str, addon: &str) -> Vec<String> {
    vec![
        format!("system:open-cluster-management:cluster:{cluster}:addon:{addon}"),
        format!("system:open-cluster-management:addon:{addon}"),
    ]
}

/// Signs an approved CSR for a custom signer: returns the PEM certificate chain.
pub trait CsrSigner: Send + Sync {
    /// Signs `csr` (already approved by the [`CsrApprover`]).
    fn sign(
        &self,
        cluster: &ManagedCluster,
        addon: &ManagedClusterAddOn,
        csr: &CertificateSigningRequest,
    ) -> Result<Vec<u8>, String>;
}

impl<F> CsrSigner for F
where
    F: Fn(
            &ManagedCluster,
            &ManagedClusterAddOn,
            &CertificateSigningRequest,
        ) -> Result<Vec<u8>, String>
        + Send
        + Sync,
{
    fn sign(
        &self,
        c: &ManagedCluster,
        a: &ManagedClusterAddOn,
        r: &CertificateSigningRequest,
    ) -> Result<Vec<u8>, String> {
        self(c, a, r)
    }
}

/// The approve check of an add-on CSR. `Err` says why it is refused (the manager denies it with
/// that message).
pub trait CsrApprover: Send + Sync {
    /// Checks `csr`, which asks for `expected` (the registration this add-on wrote for the
    /// cluster).
    fn check(&self, request: &AddonCsr<'_>) -> Result<(), CsrRefused>;
}

/// An add-on CSR and what it should ask for.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct AddonCsr<'a> {
    /// The managed cluster (from the CSR's `open-cluster-management.io/cluster-name` label).
    pub cluster: &'a ManagedCluster,
    /// The add-on (from its `open-cluster-management.io/addon-name` label).
    pub addon: &'a ManagedClusterAddOn,
    /// The CSR.
    pub csr: &'a CertificateSigningRequest,
    /// The registration it should match (signer and subject).
    pub expected: &'a RegistrationConfig,
}

/// Why an add-on CSR was refused.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrRefused {
    /// The request itself, its usages or status broke one of `ocm-client`'s rules.
    #[error(transparent)]
    Rule(#[from] CsrRejected),
    /// The signer is not the registration's.
    #[error("signer: expected {expected}, found {found}")]
    Signer {
        /// The registration's signer.
        expected: String,
        /// The CSR's.
        found: String,
    },
    /// The common name is not the registration's user.
    #[error("common-name: expected {expected}, found {found:?}")]
    CommonName {
        /// The registration's user.
        expected: String,
        /// The CSR's common name.
        found: Option<String>,
    },
    /// The organizations are not exactly the registration's groups.
    #[error("organizations: expected exactly {expected:?}, found {found:?}")]
    Organizations {
        /// The registration's groups.
        expected: Vec<String>,
        /// The CSR's organizations.
        found: Vec<String>,
    },
    /// The requester is not this cluster's klusterlet agent.
    #[error(
        "requester: expected system:open-cluster-management:{cluster}:<agent>, found {found:?}"
    )]
    Requester {
        /// The cluster.
        cluster: String,
        /// `spec.username`.
        found: String,
    },
    /// A custom check refused it.
    #[error("{0}")]
    Custom(String),
}

/// The default approve check: upstream's `DefaultCSRApprover` (addon-framework v1.3.0
/// `pkg/utils/csr_helpers.go`) with its holes closed. A CSR passes when:
///
/// - its request passes `ocm-client`'s request rules ([`csr::check_request_with_dns_name`]:
///   strict PEM and DER, allowed key and signature algorithms, a verified self-signature, only
///   organizations and one common name, no requested extension but the one subjectAltName the
///   klusterlet asks for, `<addon>.addon.open-cluster-management.io`), its usages the `usages` rule
///   ([`csr::check_client_usages`]) and it is pending;
/// - its signer is the registration's;
/// - its common name is the registration's user;
/// - its organizations, as a set with no duplicates, are **exactly** the registration's groups.
///   Upstream accepts 2 or 3 organizations containing the default groups, so a third of any
///   value passes — even `system:open-cluster-management:<other-cluster>`;
/// - its requester (`spec.username`) is this cluster's klusterlet agent,
///   `system:open-cluster-management:<cluster>:<agent>` with exactly this cluster and one
///   non-empty agent part. Upstream tests a bare prefix, so cluster10's agent passes for
///   cluster1. (Upstream also accepts requests relayed by the gRPC server's service account with
///   the user in an annotation; we do not.)
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultCsrApprover;

impl CsrApprover for DefaultCsrApprover {
    fn check(&self, r: &AddonCsr<'_>) -> Result<(), CsrRefused> {
        if !csr::is_pending(r.csr) {
            return Err(CsrRefused::Custom("not pending".into()));
        }
        csr::check_client_usages(r.csr)?;
        if r.csr.spec.signer_name != r.expected.signer_name {
            return Err(CsrRefused::Signer {
                expected: r.expected.signer_name.clone(),
                found: r.csr.spec.signer_name.clone(),
            });
        }
        let addon = r.addon.metadata.name.as_deref().unwrap_or_default();
        let dns_name = format!("{addon}.addon.open-cluster-management.io");
        let subject = csr::check_request_with_dns_name(&r.csr.spec.request.0, Some(&dns_name))?;
        check_subject(&subject, r.expected)?;
        let cluster = r.cluster.metadata.name.as_deref().unwrap_or_default();
        let username = r.csr.spec.username.as_deref().unwrap_or_default();
        let agent = username
            .strip_prefix(SUBJECT_PREFIX)
            .and_then(|rest| rest.strip_prefix(cluster))
            .and_then(|rest| rest.strip_prefix(':'));
        match agent {
            Some(agent) if !cluster.is_empty() && !agent.is_empty() && !agent.contains(':') => {
                Ok(())
            }
            _ => Err(CsrRefused::Requester {
                cluster: cluster.to_string(),
                found: username.to_string(),
            }),
        }
    }
}

fn check_subject(
    subject: &RequestSubject,
    expected: &RegistrationConfig,
) -> Result<(), CsrRefused> {
    let want = expected.subject.clone().unwrap_or_default();
    if subject.common_name.as_deref() != Some(want.user.as_str()) || want.user.is_empty() {
        return Err(CsrRefused::CommonName {
            expected: want.user,
            found: subject.common_name.clone(),
        });
    }
    let found: BTreeSet<&str> = subject.organizations.iter().map(String::as_str).collect();
    let groups: BTreeSet<&str> = want.groups.iter().map(String::as_str).collect();
    if found != groups || found.len() != subject.organizations.len() {
        return Err(CsrRefused::Organizations {
            expected: want.groups,
            found: subject.organizations.clone(),
        });
    }
    Ok(())
}

/// How an add-on's agent registers: the kind of certificate, the approve check and the
/// permission step.
#[derive(Clone)]
pub struct Registration {
    pub(crate) agent_name: String,
    pub(crate) signer: Option<(String, Arc<dyn CsrSigner>)>,
    pub(crate) approver: Arc<dyn CsrApprover>,
    pub(crate) permission: Option<Permission>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("agent_name", &self.agent_name)
            .field("signer", &self.signer.as_ref().map(|s| &s.0))
            .field("permission", &self.permission)
            .finish_non_exhaustive()
    }
}

impl Registration {
    /// A hub kubeconfig for the agent (signer `kubernetes.io/kube-apiserver-client`), user
    /// [`default_user`] and groups [`default_groups`] (Go: `KubeClientSignerConfigurations`),
    /// approved by [`DefaultCsrApprover`].
    pub fn kube_client(agent_name: impl Into<String>) -> Self {
        Registration {
            agent_name: agent_name.into(),
            signer: None,
            approver: Arc::new(DefaultCsrApprover),
            permission: None,
        }
    }

    /// A client certificate from a custom signer: the manager approves the CSR with the approve
    /// check, then signs it with `signer` and writes the certificate into the CSR's status.
    pub fn custom_signer(
        agent_name: impl Into<String>,
        signer_name: impl Into<String>,
        signer: impl CsrSigner + 'static,
    ) -> Self {
        Registration {
            signer: Some((signer_name.into(), Arc::new(signer))),
            ..Self::kube_client(agent_name)
        }
    }

    /// Replaces the approve check.
    pub fn approver(mut self, approver: impl CsrApprover + 'static) -> Self {
        self.approver = Arc::new(approver);
        self
    }

    /// The permission step: RBAC on the hub in the cluster's namespace.
    pub fn permission(mut self, permission: Permission) -> Self {
        self.permission = Some(permission);
        self
    }

    /// The registration written to `status.registrations` for a cluster.
    pub fn config_for(&self, cluster: &str, addon: &str) -> RegistrationConfig {
        RegistrationConfig {
            signer_name: self
                .signer
                .as_ref()
                .map_or(KUBE_API_SERVER_CLIENT_SIGNER_NAME.to_string(), |s| {
                    s.0.clone()
                }),
            subject: Some(Subject {
                user: default_user(cluster, addon, &self.agent_name),
                groups: default_groups(cluster, addon),
                organization_units: Vec::new(),
            }),
        }
    }
}

/// The permission step: a Role with these rules in the cluster's namespace on the hub, bound to
/// the cluster's add-on group (`system:open-cluster-management:cluster:<c>:addon:<a>`), both
/// named `open-cluster-management:<addon>:agent` and owned by the ManagedClusterAddOn (so
/// uninstalling removes them).
#[derive(Debug, Clone, PartialEq)]
pub struct Permission {
    pub(crate) rules: Vec<PolicyRule>,
}

impl Permission {
    /// A Role with these rules.
    pub fn role(rules: Vec<PolicyRule>) -> Self {
        Permission { rules }
    }

    /// The Role and RoleBinding's name.
    pub fn name(addon: &str) -> String {
        format!("open-cluster-management:{addon}:agent")
    }
}
