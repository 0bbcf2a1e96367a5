//! The rules: one [`CsrRule`] per rule, one [`CsrRejected`] variant per rule.

/// Where a rule comes from: the Go hub, or this crate being stricter than it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleOrigin {
    /// The OCM v1.2.1 hub refuses the CSR too (`validateCSR`, the reconcilers, the terminal-state
    /// check).
    Go,
    /// Stricter than the Go hub, which would approve the CSR; a real agent never needs the leniency.
    Stricter,
}

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $origin:ident;)*) => {
        /// A rule a registration CSR must pass; the module docs have the table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum CsrRule {
            $($(#[$doc])* $variant,)*
        }

        impl CsrRule {
            /// Every rule, in about the order [`check_csr`](super::check_csr) applies them.
            pub const ALL: &'static [CsrRule] = &[$(CsrRule::$variant,)*];

            /// The rule's name, as in the module docs' table (`"organizations"`, `"signature"`, …).
            pub fn name(self) -> &'static str {
                match self {
                    $(CsrRule::$variant => $name,)*
                }
            }

            /// Whether the Go hub has this rule or this crate added it.
            pub fn origin(self) -> RuleOrigin {
                match self {
                    $(CsrRule::$variant => RuleOrigin::$origin,)*
                }
            }
        }
    };
}

rules! {
    /// The cluster-name label is present and not empty.
    ClusterLabel = "cluster-label", Go;
    /// No addon-name label: an addon's CSR is not a registration CSR.
    AddonLabel = "addon-label", Stricter;
    /// The signer is `kubernetes.io/kube-apiserver-client`.
    Signer = "signer", Go;
    /// Neither approved nor denied yet.
    Terminal = "terminal", Go;
    /// Not failed.
    Failed = "failed", Stricter;
    /// No certificate issued yet.
    CertificateIssued = "certificate-issued", Stricter;
    /// The usages are client auth plus, at most, digital signature and key encipherment.
    Usages = "usages", Stricter;
    /// `expirationSeconds` is absent or within the policy's bounds.
    ExpirationSeconds = "expiration-seconds", Stricter;
    /// The request holds a `CERTIFICATE REQUEST` PEM block.
    Pem = "pem", Go;
    /// The request is that one PEM block and nothing else, canonically encoded.
    PemStrict = "pem-strict", Stricter;
    /// The block is a PKCS#10 certification request.
    Pkcs10 = "pkcs10", Go;
    /// Strict DER: universal tags (but the attributes' `[0]`), constructed exactly for SEQUENCE/SET.
    DerStrict = "der-strict", Stricter;
    /// PKCS#10 version 1 (0).
    Version = "version", Stricter;
    /// A signature algorithm from the allowed list.
    SignatureAlgorithm = "signature-algorithm", Stricter;
    /// An allowed key type and size.
    PublicKey = "public-key", Stricter;
    /// The self-signature verifies with the request's key.
    Signature = "signature", Stricter;
    /// The subject has organizations and one common name, as UTF8String or PrintableString, nothing else.
    SubjectAttributes = "subject-attributes", Stricter;
    /// No subject alternative names are requested.
    SubjectAltNames = "subject-alt-names", Stricter;
    /// No CA certificate (basicConstraints CA) is requested.
    CaRequested = "ca-requested", Stricter;
    /// No other extension is requested.
    RequestedExtension = "requested-extensions", Stricter;
    /// No request attribute other than extensions (challengePassword, …).
    RequestAttribute = "request-attributes", Stricter;
    /// The common name is `system:open-cluster-management:<cluster>:<agent>`.
    CommonName = "common-name", Go;
    /// The common name's cluster is the label's cluster.
    ClusterName = "cluster-name", Go;
    /// The organizations are the cluster's group, optionally with the managed-clusters group.
    Organizations = "organizations", Go;
    /// No organization is repeated.
    DuplicateOrganization = "duplicate-organization", Stricter;
    /// The requester is the cluster's own agent (renewal) or a bootstrap identity.
    Requester = "requester", Go;
}

/// Why a CSR was refused: one variant per [`CsrRule`], saying what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrRejected {
    /// See [`CsrRule::ClusterLabel`].
    #[error("cluster-label: expected a non-empty label {label}, found {found:?}")]
    ClusterLabel {
        /// The label key.
        label: &'static str,
        /// The label's value, if present.
        found: Option<String>,
    },
    /// See [`CsrRule::AddonLabel`].
    #[error("addon-label: expected no label {label} on a registration csr, found {found:?}")]
    AddonLabel {
        /// The label key.
        label: &'static str,
        /// Its value.
        found: String,
    },
    /// See [`CsrRule::Signer`].
    #[error("signer: expected signer {expected}, found {found:?}")]
    Signer {
        /// The signer wanted.
        expected: &'static str,
        /// The CSR's signer.
        found: String,
    },
    /// See [`CsrRule::Terminal`].
    #[error("terminal: expected a csr neither approved nor denied, found condition {condition}")]
    Terminal {
        /// `Approved` or `Denied`.
        condition: String,
    },
    /// See [`CsrRule::Failed`].
    #[error("failed: expected a csr not marked failed, found condition Failed (status {status:?})")]
    Failed {
        /// The condition's status.
        status: String,
    },
    /// See [`CsrRule::CertificateIssued`].
    #[error(
        "certificate-issued: expected no issued certificate, found {bytes} bytes in status.certificate"
    )]
    CertificateIssued {
        /// The length of `status.certificate`.
        bytes: usize,
    },
    /// See [`CsrRule::Usages`].
    #[error(
        "usages: expected \"client auth\" plus at most \"digital signature\" and \"key encipherment\", each once, found {found:?}"
    )]
    Usages {
        /// The CSR's usages.
        found: Vec<String>,
    },
    /// See [`CsrRule::ExpirationSeconds`].
    #[error("expiration-seconds: expected none or {min}..={max}, found {found}")]
    ExpirationSeconds {
        /// The lower bound.
        min: i32,
        /// The policy's upper bound.
        max: i32,
        /// The CSR's value.
        found: i32,
    },
    /// See [`CsrRule::Pem`].
    #[error("pem: expected a CERTIFICATE REQUEST PEM block, found {found}")]
    Pem {
        /// What the request holds.
        found: String,
    },
    /// See [`CsrRule::PemStrict`].
    #[error(
        "pem-strict: expected exactly one canonical CERTIFICATE REQUEST PEM block, found {found}"
    )]
    PemStrict {
        /// What was wrong.
        found: String,
    },
    /// See [`CsrRule::Pkcs10`].
    #[error("pkcs10: expected a DER PKCS#10 certification request, found {found}")]
    Pkcs10 {
        /// The parse error.
        found: String,
    },
    /// See [`CsrRule::DerStrict`].
    #[error(
        "der-strict: expected strict DER with universal tags but the attributes' [0], found {found}"
    )]
    DerStrict {
        /// What was wrong.
        found: String,
    },
    /// See [`CsrRule::Version`].
    #[error("version: expected PKCS#10 version 0, found {found}")]
    Version {
        /// The version field.
        found: u32,
    },
    /// See [`CsrRule::SignatureAlgorithm`].
    #[error(
        "signature-algorithm: expected sha256/384/512WithRSAEncryption, ecdsa-with-SHA256/384 or Ed25519, found {found}"
    )]
    SignatureAlgorithm {
        /// The algorithm's OID.
        found: String,
    },
    /// See [`CsrRule::PublicKey`].
    #[error(
        "public-key: expected an RSA key of 2048..=8192 bits, an ECDSA P-256 or P-384 key or an Ed25519 key, found {found}"
    )]
    PublicKey {
        /// The key found.
        found: String,
    },
    /// See [`CsrRule::Signature`].
    #[error(
        "signature: expected a self-signature that verifies with the request's key, found {found}"
    )]
    Signature {
        /// The verification error.
        found: String,
    },
    /// See [`CsrRule::SubjectAttributes`].
    #[error(
        "subject-attributes: expected only organizations and one common name, as UTF8String or PrintableString, found {found}"
    )]
    SubjectAttributes {
        /// What the subject holds.
        found: String,
    },
    /// See [`CsrRule::CommonName`].
    #[error(
        "common-name: expected system:open-cluster-management:<cluster>:<agent>, found {found:?}"
    )]
    CommonName {
        /// The common name.
        found: String,
    },
    /// See [`CsrRule::ClusterName`].
    #[error(
        "cluster-name: expected the common name's cluster to be the label's {label:?}, found {found:?}"
    )]
    ClusterName {
        /// The cluster-name label.
        label: String,
        /// The common name's cluster.
        found: String,
    },
    /// See [`CsrRule::Organizations`].
    #[error(
        "organizations: expected {expected:?}, optionally with system:open-cluster-management:managed-clusters, found {found:?}"
    )]
    Organizations {
        /// The cluster's group.
        expected: String,
        /// The subject's organizations.
        found: Vec<String>,
    },
    /// See [`CsrRule::DuplicateOrganization`].
    #[error(
        "duplicate-organization: expected each organization once, found {found:?} more than once"
    )]
    DuplicateOrganization {
        /// The repeated organization.
        found: String,
    },
    /// See [`CsrRule::SubjectAltNames`].
    #[error("subject-alt-names: expected no subject alternative names, found {found}")]
    SubjectAltNames {
        /// The names requested.
        found: String,
    },
    /// See [`CsrRule::CaRequested`].
    #[error("ca-requested: expected no CA certificate, found basicConstraints with CA true")]
    CaRequested,
    /// See [`CsrRule::RequestedExtension`].
    #[error("requested-extensions: expected no requested extensions, found {found}")]
    RequestedExtension {
        /// The extension's OID, or the parse error.
        found: String,
    },
    /// See [`CsrRule::RequestAttribute`].
    #[error("request-attributes: expected no attributes but an extension request, found {found}")]
    RequestAttribute {
        /// The attribute's OID, or the parse error.
        found: String,
    },
    /// See [`CsrRule::Requester`].
    #[error(
        "requester: expected the agent itself ({common_name:?}) or a bootstrap identity, found user {username:?} in groups {groups:?}"
    )]
    Requester {
        /// The CSR's common name.
        common_name: String,
        /// `spec.username`.
        username: String,
        /// `spec.groups`.
        groups: Vec<String>,
    },
}

impl CsrRejected {
    /// The rule that refused the CSR.
    pub fn rule(&self) -> CsrRule {
        match self {
            CsrRejected::ClusterLabel { .. } => CsrRule::ClusterLabel,
            CsrRejected::AddonLabel { .. } => CsrRule::AddonLabel,
            CsrRejected::Signer { .. } => CsrRule::Signer,
            CsrRejected::Terminal { .. } => CsrRule::Terminal,
            CsrRejected::Failed { .. } => CsrRule::Failed,
            CsrRejected::CertificateIssued { .. } => CsrRule::CertificateIssued,
            CsrRejected::Usages { .. } => CsrRule::Usages,
            CsrRejected::ExpirationSeconds { .. } => CsrRule::ExpirationSeconds,
            CsrRejected::Pem { .. } => CsrRule::Pem,
            CsrRejected::PemStrict { .. } => CsrRule::PemStrict,
            CsrRejected::Pkcs10 { .. } => CsrRule::Pkcs10,
            CsrRejected::DerStrict { .. } => CsrRule::DerStrict,
            CsrRejected::Version { .. } => CsrRule::Version,
            CsrRejected::SignatureAlgorithm { .. } => CsrRule::SignatureAlgorithm,
            CsrRejected::PublicKey { .. } => CsrRule::PublicKey,
            CsrRejected::Signature { .. } => CsrRule::Signature,
            CsrRejected::SubjectAttributes { .. } => CsrRule::SubjectAttributes,
            CsrRejected::CommonName { .. } => CsrRule::CommonName,
            CsrRejected::ClusterName { .. } => CsrRule::ClusterName,
            CsrRejected::Organizations { .. } => CsrRule::Organizations,
            CsrRejected::DuplicateOrganization { .. } => CsrRule::DuplicateOrganization,
            CsrRejected::SubjectAltNames { .. } => CsrRule::SubjectAltNames,
            CsrRejected::CaRequested => CsrRule::CaRequested,
            CsrRejected::RequestedExtension { .. } => CsrRule::RequestedExtension,
            CsrRejected::RequestAttribute { .. } => CsrRule::RequestAttribute,
            CsrRejected::Requester { .. } => CsrRule::Requester,
        }
    }
}
