//! A real Open Cluster Management control plane for tests.
//!
//! `ocm-testenv` starts, as separate processes on 127.0.0.1:
//!
//! * **etcd** (one, shared: every cluster has its own key prefix),
//! * a **kube-apiserver** for the hub and one per managed cluster,
//! * **kube-controller-manager** per cluster (the hub's runs the real
//!   `kubernetes.io/kube-apiserver-client` CSR signer; all run the namespace and
//!   garbage-collector controllers),
//! * the **Go OCM hub**: registration controller, work manager, placement
//!   controller, addon manager and the addon conversion webhook,
//! * a **klusterlet agent** (registration + work, singleton mode) per managed cluster,
//!
//! installs the upstream OCM CRDs, and waits until every managed cluster has joined
//! through the real flow — bootstrap kubeconfig, CSR, approval by the hub, signing
//! by the real signer — and is `ManagedClusterConditionAvailable=True`.
//!
//! ```no_run
//! use ocm_testenv::TestEnv;
//!
//! # async fn demo() -> Result<(), ocm_testenv::Error> {
//! let env = TestEnv::builder().managed_clusters(2).start().await?;
//! let hub: kube::Client = env.hub().client();
//! let cluster1 = env.managed_cluster("cluster1").expect("started above");
//! println!("cluster1 kubeconfig: {}", cluster1.kubeconfig_path().display());
//! # let _ = hub;
//! drop(env); // kills every process
//! # Ok(()) }
//! ```
//!
//! An environment is not tied to the runtime that started it (its processes are
//! watched by a thread), so tests in one binary can share it, e.g. through a
//! `static` [`std::sync::OnceLock`] filled from a runtime of its own; each test
//! then takes clients with [`Cluster::connect`]. A `static` is never dropped;
//! the watchdog (see below) stops its processes when the test binary exits.
//! Starting one environment per test binary keeps two-core machines responsive.
//!
//! # Simulated managed clusters
//!
//! Besides managed clusters with their own kube-apiserver and Go klusterlet,
//! [`TestEnvBuilder::simulated_clusters`] adds clusters that are only a Rust registration
//! agent in this process (ocm-client's `agent`), joining the real hub through real CSRs,
//! approval and leases: a thousand of them fit on a laptop. They can be mixed with real
//! ones, stopped and started ([`SimulatedClusterHandle`]), and given a simulated work agent
//! that reports ManifestWork status and feedback as Go's does. See [`simulated`].
//!
//! | feature | default | what |
//! |---|---|---|
//! | `simulated` | on | simulated clusters; depends on `ocm-client` (feature `agent`) and `ocm-api` (see [why](simulated#why-ocm-testenv-depends-on-ocm-client)) |
//! | `cli` | on | the `ocm-testenv` program (`build`, `up --clusters N --simulated-clusters M`) |
//!
//! # Where the programs come from
//!
//! Nothing is downloaded as a binary: the programs are compiled from Go module
//! source (pinned in [`versions`]) with the local Go toolchain, once, into a cache
//! (see [`Build`]; `OCM_TESTENV_CACHE` overrides its location, default
//! `~/.cache/ocm-testenv`). The first build takes a while (14 minutes measured on an idle
//! two-core machine with empty Go caches, longer under load); prebuild with
//! `cargo run -p ocm-testenv -- build`. Users who have
//! envtest binaries can set `KUBEBUILDER_ASSETS` to take `kube-apiserver` and
//! `etcd` from there.
//!
//! # Progress
//!
//! The build and the start report what they do as [`ProgressEvent`]s: which program is
//! compiling, what `go` is doing and how many packages it compiled (every 30 s), where the
//! cache is and how to reuse it, then the start-up phases (`starting etcd`, `installing
//! CRDs`, `waiting for cluster1 to join`, with elapsed times). Receive them with
//! [`TestEnvBuilder::on_event`] or [`Build::on_event`]; they also go to `tracing` at `INFO`
//! (targets `ocm_testenv::build` and `ocm_testenv::start`), so a test with a subscriber
//! logs them. What is printed to standard error:
//!
//! | who | cached build | cold build | start-up phases |
//! |---|---|---|---|
//! | default (`TestEnv::builder()`, `Build::new()`, tests) | nothing | every event | nothing |
//! | `.progress(true)` (the examples, the CLI) | one line | every event | every phase |
//! | `.progress(false)` (the CLI's `--quiet`) | nothing | nothing | nothing |
//!
//! The default prints a cold build even inside `cargo test`: the lines are written to the
//! process's standard error directly, which the test harness does not capture, so a first
//! `cargo test` says why it is slow. See [`progress`] for the rendering and an event stream.
//!
//! # Differences from a real OCM installation
//!
//! * **OCM version.** The Go OCM components are [`versions::OCM`] (v1.2.1), not
//!   v1.3.x: the Go module proxy available to this project refuses every
//!   `open-cluster-management.io/ocm` v1.3.x version. The CRDs are the v1.3.0
//!   ones from `open-cluster-management.io/api` [`versions::OCM_API`] (a superset
//!   of v1.2.1's), plus `ClusterProfile` and `ClusterProperty` from the ocm module.
//! * **No operators.** The cluster-manager and klusterlet operators are not run;
//!   the components they would deploy run directly with cluster-admin
//!   credentials. The registration and work admission webhooks are not installed.
//! * **Acceptance.** By default the hub accepts clusters itself (OCM's
//!   `ManagedClusterAutoApproval` feature gate for the bootstrap user); turn it
//!   off with [`TestEnvBuilder::auto_accept`] and use [`TestEnv::accept_cluster`]
//!   to accept like `clusteradm accept`.
//!
//! # Processes
//!
//! Each child runs in its own process group with its output in
//! `<dir>/logs/<component>.log`. A child that exits is reported
//! ([`TestEnv::check`], and every wait during start-up fails fast with
//! [`Error::ChildExited`] naming the log) and never restarted (a test can restart the hub's
//! kube-apiserver on purpose with [`TestEnv::restart_hub_apiserver`]). Dropping the
//! [`TestEnv`] kills and reaps every child; a small watchdog process kills them
//! as well if the test process itself dies without cleaning up (SIGKILL, a
//! harness timeout), so no orphans are left behind.
//!
//! # Environment variables
//!
//! | variable | meaning |
//! |---|---|
//! | `OCM_TESTENV_CACHE` | cache directory for the built programs |
//! | `OCM_TESTENV_GO` | the `go` binary to build with (default `go` on `PATH`) |
//! | `KUBEBUILDER_ASSETS` | take `kube-apiserver`, `etcd` (and `kube-controller-manager` if present) from this directory |
//!
//! `GOPROXY`, `GOCACHE`, `GOMODCACHE` and the other Go variables are passed through.

pub mod binaries;
pub mod error;
pub mod progress;
pub mod versions;

#[cfg(feature = "simulated")]
pub mod simulated;

mod env;
mod go_program;
mod process;

pub use binaries::{Binaries, Build, BuildOutcome, BuildReport};
pub use env::{
    AGENT_NAMESPACE, BOOTSTRAP_USER, Cluster, HUB, HUB_NAMESPACE, LOCAL_CLUSTER, TestEnv,
    TestEnvBuilder,
};
pub use error::{Error, Result};
pub use go_program::GoProgram;
pub use process::{ProcessInfo, process_alive};
pub use progress::{BuildStep, ProgressEvent, StartupPhase};
#[cfg(feature = "simulated")]
pub use simulated::{SimulatedCluster, SimulatedClusterHandle};
