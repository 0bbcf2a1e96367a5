//! The pinned versions of the programs and modules a test environment is built from.
//!
//! They are part of the build-cache key, so changing one rebuilds.

/// `k8s.io/kubernetes`: kube-apiserver and kube-controller-manager.
pub const KUBERNETES: &str = "v1.35.4";

/// `go.etcd.io/etcd/server/v3`, the version Kubernetes [`KUBERNETES`] pins.
pub const ETCD: &str = "v3.6.5";

/// `open-cluster-management.io/ocm`: the Go hub controllers and the klusterlet agent.
///
/// The issue asked for v1.3.1, but the Go module proxy this project uses refuses
/// every `open-cluster-management.io/ocm` v1.3.x version (HTTP 403, "This module
/// version is not available"), so the newest served patch release is used. It is
/// built on `k8s.io/*` v0.34.3 in its own Go module, so it does not skew with the
/// v1.35 control plane.
pub const OCM: &str = "v1.2.1";

/// `open-cluster-management.io/api`: where the installed CRDs come from.
///
/// Its CRDs are a superset of the ones OCM [`OCM`] ships (new optional fields such
/// as the Placement `sortBy` and `scoreRateLimit`), so the v1.2.1 controllers work
/// against them while clients see the v1.3 wire format.
pub const OCM_API: &str = "v1.3.0";
