//! Registration CSR checks: which CertificateSigningRequests are safe to approve.
//!
//! A managed cluster's agent asks the hub for a client certificate with a
//! CertificateSigningRequest (first with its bootstrap credentials, later renewing with its own
//! certificate). Approving one hands out the identity `system:open-cluster-management:<cluster>`:
//! [`check_csr`] says whether a CSR asks for exactly that and nothing more, and for whom.
//!
//! It applies the Go hub's rules (OCM v1.2.1 `pkg/registration/register/csr`: `validateCSR`, the
//! renewal and bootstrap reconcilers, `helpers.IsCSRInTerminalState`) and is **stricter where Go
//! is lenient and a real agent never needs the leniency**. A differential test feeds generated
//! CSRs to both: every CSR the Go hub refuses, we refuse; every CSR it approves, we approve unless
//! a rule marked *stricter* below names it. The real agent's CSR (captured from its own code)
//! passes.
//!
//! ```
//! use ocm_client::registration::{check_csr, CsrRequestKind};
//! # let csr = k8s_openapi::api::certificates::v1::CertificateSigningRequest::default();
//! match check_csr(&csr) {
//!     Ok(id) if id.kind == CsrRequestKind::Bootstrap => println!("cluster {} asks to join", id.cluster_name),
//!     Ok(id) => println!("agent {} of {} renews", id.agent_name, id.cluster_name),
//!     Err(e) => println!("refused by rule {}: {e}", e.rule().name()),
//! }
//! ```
//!
//! # The rules
//!
//! Each rule is a [`CsrRule`]; a refusal is a [`CsrRejected`] variant naming it
//! ([`CsrRejected::rule`]) with a message saying what was expected and what was found.
//!
//! | rule | origin | a CSR passes when | Go |
//! |---|---|---|---|
//! | `cluster-label` | Go | label `open-cluster-management.io/cluster-name` is present and not empty | present (an empty one fails later) |
//! | `addon-label` | stricter | no label `open-cluster-management.io/addon-name` (that is an addon's CSR) | not checked |
//! | `signer` | Go | `spec.signerName` is `kubernetes.io/kube-apiserver-client` | same |
//! | `terminal` | Go | no `Approved` or `Denied` condition, whatever its status | same |
//! | `failed` | stricter | no `Failed` condition | a CSR marked only `Failed` is approvable |
//! | `certificate-issued` | stricter | `status.certificate` is empty | not checked |
//! | `usages` | stricter | `spec.usages` has `client auth`, otherwise only `digital signature` and `key encipherment`, none twice (the agent sends these three) | not checked |
//! | `expiration-seconds` | stricter | `spec.expirationSeconds` is absent (the agent's default) or in [`MIN_EXPIRATION_SECONDS`]`..=`[`DEFAULT_MAX_EXPIRATION_SECONDS`] (1 hour, the agent's own minimum, to 365 days, kube-controller-manager's default signing duration; [`CsrPolicy::max_expiration_seconds`] changes the bound) | not checked |
//! | `pem` | Go | `spec.request` holds a `CERTIFICATE REQUEST` PEM block | the first well-formed block is one |
//! | `pem-strict` | stricter | `spec.request` is that one block, whitespace around it only: the exact BEGIN and END lines, base64 lines between, no PEM headers | text before it and blocks after it pass |
//! | `pkcs10` | Go | the block is a DER PKCS#10 request, nothing after it (named for any x509-parser parse failure outside the attributes) | same (`x509.ParseCertificateRequest`) |
//! | `der-strict` | stricter | every element the schema names (RFC 2986: the request, its info, subject RDNs and their attribute types, key info, algorithm identifiers, attributes, requested extensions) has exactly its universal tag, `[0]` for the attributes; subject values are universal primitives (x509-parser reads an OID whatever its tag) | encoding/asn1 checks these tags too; so far every request this rule refuses, Go refuses as well |
//! | `version` | stricter | version 0 (v1) | not checked |
//! | `signature-algorithm` | stricter | sha256/384/512WithRSAEncryption, ecdsa-with-SHA256/384 or Ed25519 | not checked |
//! | `public-key` | stricter | RSA of [`MIN_RSA_BITS`]`..=`[`MAX_RSA_BITS`] bits, ECDSA P-256 or P-384, or Ed25519 (the agent uses P-256) | any key Go parses |
//! | `signature` | stricter | the self-signature verifies with the request's key, and its BIT STRING has no unused bits | never verified |
//! | `subject-attributes` | stricter | the subject holds organizations and at most one common name, nothing else, each a UTF8String or PrintableString | other attributes ignored, the last common name wins |
//! | `subject-alt-names` | stricter | no subjectAltName requested | parsed (a malformed one refused), never refused |
//! | `ca-requested` | stricter | no basicConstraints with CA true requested | not checked |
//! | `requested-extensions` | stricter | no other extension requested | parsed (duplicates refused), never refused |
//! | `request-attributes` | stricter | no attribute besides an extension request (no challengePassword, …); also named when x509-parser cannot parse the attributes | not checked |
//! | `common-name` | Go | the common name is `system:open-cluster-management:<cluster>:<agent>`, both parts non-empty, no further `:` | same |
//! | `cluster-name` | Go | the common name's `<cluster>` is the label's | same |
//! | `organizations` | Go | the organizations, as a set, less `system:open-cluster-management:managed-clusters`, are exactly `{system:open-cluster-management:<cluster>}` | same |
//! | `duplicate-organization` | stricter | no organization twice | duplicates collapse into the set |
//! | `requester` | Go | `spec.username` is the common name (a renewal) or a bootstrap user of the [`CsrPolicy`] (by default [`DEFAULT_BOOTSTRAP_USERS`]) | the renewal and bootstrap reconcilers (the hub's bootstrap users come from `--auto-approved-csr-users`) |
//!
//! The subject is read as Go's `x509.ParseCertificateRequest` sees it, whatever the RDN grouping:
//! the Go agent puts both organizations in one multi-valued RDN
//! (`O=system:open-cluster-management:<cluster>+O=system:open-cluster-management:managed-clusters,
//! CN=system:open-cluster-management:<cluster>:<agent>`); separate RDNs mean the same.
//!
//! What stays the caller's job: for a renewal, the Go hub also asks a SubjectAccessReview whether
//! the agent may `renew` `managedclusters/clientcertificates` (that is, whether its cluster was
//! accepted); a pure function cannot. Labels and names are chosen by the requester; only
//! `spec.username`/`spec.groups` (set by the apiserver) and the signed request are evidence.

mod der;
mod policy;
mod request;
mod rules;

pub use policy::{
    CsrPolicy, DEFAULT_BOOTSTRAP_USERS, DEFAULT_MAX_EXPIRATION_SECONDS, MANAGED_CLUSTERS_GROUP,
    MIN_EXPIRATION_SECONDS, SUBJECT_PREFIX,
};
pub use request::{
    MAX_RSA_BITS, MIN_RSA_BITS, RequestSubject, check_request, check_request_with_dns_name,
};
pub use rules::{CsrRejected, CsrRule, RuleOrigin};

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;

/// Who asks, and for what: the identity a CSR that passes [`check_csr`] requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CsrIdentity {
    /// The CSR's name (`metadata.name`), when it has one.
    pub name: Option<String>,
    /// The managed cluster's name (label, common name and organization agree).
    pub cluster_name: String,
    /// The agent's name (the common name's last part).
    pub agent_name: String,
    /// The full common name: `system:open-cluster-management:<cluster>:<agent>`.
    pub common_name: String,
    /// The requesting user (`spec.username`).
    pub username: String,
    /// The signer (`spec.signerName`; always `kubernetes.io/kube-apiserver-client`).
    pub signer_name: String,
    /// A bootstrap request or a renewal.
    pub kind: CsrRequestKind,
}

impl CsrIdentity {
    /// Whether this is a bootstrap request for `cluster`: what accepting a cluster approves.
    pub fn is_bootstrap_for(&self, cluster: &str) -> bool {
        self.kind == CsrRequestKind::Bootstrap && self.cluster_name == cluster
    }
}

/// How a CSR was requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CsrRequestKind {
    /// Requested by a bootstrap identity: a cluster asking to join (Go: the bootstrap reconciler).
    Bootstrap,
    /// Requested by the cluster's own agent user, the common name: a certificate renewal (Go: the
    /// renewal reconciler, which also runs a SubjectAccessReview; see the module docs).
    Renewal,
}

/// Checks a registration CSR against every rule of the module docs with the default
/// [`CsrPolicy`]: `Ok` with who asks for what, or the first rule it breaks.
///
/// Pure and total: malformed input of any kind is a [`CsrRejected`], never a panic.
pub fn check_csr(csr: &CertificateSigningRequest) -> Result<CsrIdentity, CsrRejected> {
    CsrPolicy::default().check(csr)
}

/// The `usages` rule alone: `spec.usages` has `client auth`, otherwise only `digital signature`
/// and `key encipherment`, none twice. For callers checking other CSRs than registration ones
/// (the add-on framework checks add-on CSRs with it).
pub fn check_client_usages(csr: &CertificateSigningRequest) -> Result<(), CsrRejected> {
    policy::check_usages(csr)
}

/// Whether a CSR still awaits a decision: no `Approved`, `Denied` or `Failed` condition (whatever
/// their status) and no issued certificate. Go's `IsCSRInTerminalState` counts only `Approved` and
/// `Denied`. [`check_csr`] refuses every CSR that is not pending.
pub fn is_pending(csr: &CertificateSigningRequest) -> bool {
    policy::check_status(csr).is_ok()
}
