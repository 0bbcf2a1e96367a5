//! Building the programs from Go module source, and the build cache.
//!
//! Two Go modules ship inside this crate (under `go/`) and are written into the
//! cache before building:
//!
//! * `controlplane`: requires `k8s.io/kubernetes` [`versions::KUBERNETES`] with the
//!   staging `replace` block and builds the official `kube-apiserver`,
//!   `kube-controller-manager` and `etcd` ([`versions::ETCD`]) programs, plus the
//!   tiny `ocm-testenv-helper` (certificates, and the watchdog that kills the
//!   children if the parent dies; standard library only);
//! * `ocm`: requires `open-cluster-management.io/ocm` [`versions::OCM`] and builds
//!   `ocm-testenv-ocm`, one binary that runs any of the OCM hub controllers, the
//!   addon conversion webhook or the klusterlet agent.
//!
//! The CRDs come from the Go module cache: `open-cluster-management.io/api`
//! [`versions::OCM_API`] for every API it defines, and the `ocm` module's
//! manifests for `ClusterProfile` and `ClusterProperty`, which the api module does
//! not carry. They are copied into the cache entry next to the binaries.
//!
//! The cache entry is a directory named after the versions and a hash of the Go
//! sources and the Go version, under [`Build::cache_dir`]. Programs that are present
//! are reused; a missing one is built (into a temporary name, then renamed, so an
//! interrupted build leaves nothing half-written). A lock file serialises
//! concurrent builds of the same entry.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::progress::{CRDS, Observers, ProgressEvent, packages_expected, parse_go_build_output};
use crate::versions;

/// Environment variable overriding the cache directory.
pub const CACHE_DIR_ENV: &str = "OCM_TESTENV_CACHE";
/// Environment variable naming the `go` binary to build with.
pub const GO_ENV: &str = "OCM_TESTENV_GO";
/// The controller-runtime envtest convention: a directory holding `kube-apiserver`
/// and `etcd` (and optionally `kube-controller-manager`) to use instead of building them.
pub const KUBEBUILDER_ASSETS_ENV: &str = "KUBEBUILDER_ASSETS";

const CP_GO_MOD: &str = include_str!("../go/controlplane/go.mod");
const CP_GO_SUM: &str = include_str!("../go/controlplane/go.sum");
const HELPER_MAIN: &str = include_str!("../go/controlplane/cmd/ocm-testenv-helper/main.go");
const OCM_GO_MOD: &str = include_str!("../go/ocm/go.mod");
const OCM_GO_SUM: &str = include_str!("../go/ocm/go.sum");
const OCM_MAIN: &str = include_str!("../go/ocm/main.go");

/// Modules whose checksums the public checksum database does not answer for (the
/// pseudo-version of `sigs.k8s.io/about-api` that OCM v1.2.1 pins gives 404 there);
/// their hashes are pinned in the embedded `go.sum` instead.
const GONOSUMDB: &str = "sigs.k8s.io/about-api";

/// CRDs installed on the hub: (module, path inside the module).
pub(crate) const HUB_CRDS: &[(CrdSource, &str)] = &[
    (
        CrdSource::Api,
        "cluster/v1/0000_00_clusters.open-cluster-management.io_managedclusters.crd.yaml",
    ),
    (
        CrdSource::Api,
        "cluster/v1beta2/0000_00_clusters.open-cluster-management.io_managedclustersets.crd.yaml",
    ),
    (
        CrdSource::Api,
        "cluster/v1beta2/0000_01_clusters.open-cluster-management.io_managedclustersetbindings.crd.yaml",
    ),
    (
        CrdSource::Api,
        "cluster/v1beta1/0000_02_clusters.open-cluster-management.io_placements.crd.yaml",
    ),
    (
        CrdSource::Api,
        "cluster/v1beta1/0000_03_clusters.open-cluster-management.io_placementdecisions.crd.yaml",
    ),
    (
        CrdSource::Api,
        "cluster/v1alpha1/0000_05_clusters.open-cluster-management.io_addonplacementscores.crd.yaml",
    ),
    (
        CrdSource::Api,
        "work/v1/0000_00_work.open-cluster-management.io_manifestworks.crd.yaml",
    ),
    (
        CrdSource::Api,
        "work/v1alpha1/0000_00_work.open-cluster-management.io_manifestworkreplicasets.crd.yaml",
    ),
    (
        CrdSource::Api,
        "addon/v1beta1/0000_00_addon.open-cluster-management.io_clustermanagementaddons.crd.yaml",
    ),
    (
        CrdSource::Api,
        "addon/v1beta1/0000_01_addon.open-cluster-management.io_managedclusteraddons.crd.yaml",
    ),
    (
        CrdSource::Api,
        "addon/v1beta1/0000_02_addon.open-cluster-management.io_addondeploymentconfigs.crd.yaml",
    ),
    (
        CrdSource::Api,
        "addon/v1alpha1/0000_03_addon.open-cluster-management.io_addontemplates.crd.yaml",
    ),
    (
        CrdSource::Ocm,
        "manifests/cluster-manager/hub/crds/0000_00_multicluster.x-k8s.io_clusterprofiles.crd.yaml",
    ),
];

/// CRDs installed on every managed cluster.
pub(crate) const MANAGED_CRDS: &[(CrdSource, &str)] = &[
    (
        CrdSource::Api,
        "work/v1/0000_01_work.open-cluster-management.io_appliedmanifestworks.crd.yaml",
    ),
    (
        CrdSource::Api,
        "cluster/v1alpha1/0000_02_clusters.open-cluster-management.io_clusterclaims.crd.yaml",
    ),
    (
        CrdSource::Ocm,
        "manifests/klusterlet/managed/clusterproperties.crd.yaml",
    ),
];

/// Which Go module a CRD file is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CrdSource {
    /// `open-cluster-management.io/api` at [`versions::OCM_API`].
    Api,
    /// `open-cluster-management.io/ocm` at [`versions::OCM`].
    Ocm,
}

/// Paths of the programs and CRD manifests one environment runs.
#[derive(Debug, Clone)]
pub struct Binaries {
    kube_apiserver: PathBuf,
    etcd: PathBuf,
    kube_controller_manager: PathBuf,
    ocm: PathBuf,
    helper: PathBuf,
    crds: PathBuf,
}

impl Binaries {
    /// `kube-apiserver`.
    pub fn kube_apiserver(&self) -> &Path {
        &self.kube_apiserver
    }
    /// `etcd`.
    pub fn etcd(&self) -> &Path {
        &self.etcd
    }
    /// `kube-controller-manager`.
    pub fn kube_controller_manager(&self) -> &Path {
        &self.kube_controller_manager
    }
    /// `ocm-testenv-ocm`, the OCM component multiplexer (see `go/ocm/main.go`).
    pub fn ocm(&self) -> &Path {
        &self.ocm
    }
    /// `ocm-testenv-helper`: the certificate writer and the orphan watchdog.
    pub fn helper(&self) -> &Path {
        &self.helper
    }
    /// Directory with `hub/*.crd.yaml` and `managed/*.crd.yaml`.
    pub fn crds(&self) -> &Path {
        &self.crds
    }
}

/// What [`Build::ensure`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildOutcome {
    /// Everything was already in the cache.
    Reused,
    /// Something was built or copied.
    Built {
        /// The programs that were built.
        programs: Vec<String>,
        /// Wall time of the whole step.
        elapsed: Duration,
    },
}

/// The result of [`Build::ensure`].
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Where everything is.
    pub binaries: Binaries,
    /// Whether anything had to be built.
    pub outcome: BuildOutcome,
    /// The cache entry directory.
    pub cache_entry: PathBuf,
}

/// Builds (or finds in the cache) every program a test environment needs.
///
/// It reports what it does as [`ProgressEvent`]s (see [`crate::progress`]): to the
/// callbacks of [`Build::on_event`], to `tracing` (target `ocm_testenv::build`), and to
/// standard error as [`Build::progress`] says — by default only when something has to be
/// compiled, so a cached build prints nothing.
///
/// ```no_run
/// # async fn demo() -> Result<(), ocm_testenv::Error> {
/// let report = ocm_testenv::Build::new().progress(true).ensure().await?;
/// println!("kube-apiserver: {}", report.binaries.kube_apiserver().display());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Build {
    cache_dir: Option<PathBuf>,
    go: Option<PathBuf>,
    pub(crate) observers: Observers,
    /// How often a running `go build` is reported (30 s; shorter in tests).
    pub(crate) progress_interval: Duration,
    kubebuilder_assets: Option<PathBuf>,
    assets_from_env: bool,
}

impl Default for Build {
    fn default() -> Self {
        Self::new()
    }
}

impl Build {
    /// A build with the defaults: cache directory from [`CACHE_DIR_ENV`], else
    /// `$XDG_CACHE_HOME/ocm-testenv`, else `~/.cache/ocm-testenv`; `go` from
    /// [`GO_ENV`], else `go` on `PATH`; prebuilt programs from [`KUBEBUILDER_ASSETS_ENV`]
    /// when it is set; progress printed to standard error only while compiling.
    pub fn new() -> Self {
        Build {
            cache_dir: None,
            go: None,
            observers: Observers::default(),
            progress_interval: Duration::from_secs(30),
            kubebuilder_assets: None,
            assets_from_env: true,
        }
    }

    /// Use this cache directory.
    pub fn cache_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Build with this `go` binary.
    pub fn go(&mut self, go: impl Into<PathBuf>) -> &mut Self {
        self.go = Some(go.into());
        self
    }

    /// Print every [`ProgressEvent`] to standard error (`true`, one line for a cached
    /// build), or none (`false`).
    ///
    /// Not calling this prints only when something has to be compiled (a cold cache):
    /// the start, a line every 30 s per program, and the end, with the cache directory and
    /// how to reuse it. The lines are written to the process's standard error directly, so
    /// `cargo test` shows them even while it captures the tests' output. Events go to
    /// `tracing` and to [`Build::on_event`] callbacks either way.
    pub fn progress(&mut self, on: bool) -> &mut Self {
        self.observers.set_print(on);
        self
    }

    /// Call `f` with every [`ProgressEvent`] of the build, in order, on the task running
    /// [`Build::ensure`] (so keep it quick; to consume events elsewhere, send them to a
    /// channel). Callbacks add up; they are kept by clones of this `Build`.
    pub fn on_event(&mut self, f: impl Fn(&ProgressEvent) + Send + Sync + 'static) -> &mut Self {
        self.observers.push(std::sync::Arc::new(f));
        self
    }

    /// This build with `extra`'s callbacks (and print setting, if it has one) added.
    pub(crate) fn with_observers(&self, extra: &Observers) -> Build {
        let mut b = self.clone();
        b.observers = self.observers.merged(extra);
        b
    }

    /// Take `kube-apiserver` and `etcd` (and `kube-controller-manager`, if present)
    /// from this directory instead of building them; `None` builds them even when
    /// [`KUBEBUILDER_ASSETS_ENV`] is set.
    pub fn kubebuilder_assets(&mut self, dir: Option<PathBuf>) -> &mut Self {
        self.kubebuilder_assets = dir;
        self.assets_from_env = false;
        self
    }

    /// The cache directory this build uses.
    pub fn resolved_cache_dir(&self) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.clone();
        }
        if let Some(dir) = std::env::var_os(CACHE_DIR_ENV).filter(|v| !v.is_empty()) {
            return PathBuf::from(dir);
        }
        if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(dir).join("ocm-testenv");
        }
        match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(home) => PathBuf::from(home).join(".cache").join("ocm-testenv"),
            None => std::env::temp_dir().join("ocm-testenv-cache"),
        }
    }

    fn resolved_go(&self) -> PathBuf {
        if let Some(go) = &self.go {
            return go.clone();
        }
        match std::env::var_os(GO_ENV).filter(|v| !v.is_empty()) {
            Some(go) => PathBuf::from(go),
            None => PathBuf::from("go"),
        }
    }

    fn resolved_assets(&self) -> Option<PathBuf> {
        if self.assets_from_env {
            std::env::var_os(KUBEBUILDER_ASSETS_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        } else {
            self.kubebuilder_assets.clone()
        }
    }

    /// Makes sure every program and CRD is in the cache, building what is missing.
    ///
    /// A cold build compiles kube-apiserver, kube-controller-manager, etcd and the
    /// OCM components: expect tens of minutes on two cores. Each `go` invocation
    /// logs to `<cache entry>/logs/`.
    ///
    /// Cancel safety: dropping the future kills the running `go` command; the
    /// cache is left consistent (nothing is published half-written).
    pub async fn ensure(&self) -> Result<BuildReport> {
        let started = Instant::now();
        let go = self.resolved_go();
        let go_version = go_version(&go).await?;
        let cache = self.resolved_cache_dir();
        let entry = cache.join(entry_name(&go_version));
        let logs = entry.join("logs");
        let bin = entry.join("bin");
        for dir in [&entry, &logs, &bin] {
            std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
        }
        let _lock = lock_entry(&entry, &self.observers).await?;

        let assets = self.resolved_assets();
        let (kube_apiserver, etcd, kcm_prebuilt) = match &assets {
            Some(dir) => {
                let apiserver = dir.join("kube-apiserver");
                let etcd = dir.join("etcd");
                for (path, program) in [(&apiserver, "kube-apiserver"), (&etcd, "etcd")] {
                    if !path.is_file() {
                        return Err(Error::AssetMissing {
                            var: KUBEBUILDER_ASSETS_ENV,
                            dir: dir.clone(),
                            program,
                        });
                    }
                }
                let kcm = dir.join("kube-controller-manager");
                (apiserver, etcd, kcm.is_file().then_some(kcm))
            }
            None => (bin.join("kube-apiserver"), bin.join("etcd"), None),
        };
        let kube_controller_manager =
            kcm_prebuilt.unwrap_or_else(|| bin.join("kube-controller-manager"));
        let binaries = Binaries {
            kube_apiserver,
            etcd,
            kube_controller_manager,
            ocm: bin.join("ocm-testenv-ocm"),
            helper: bin.join("ocm-testenv-helper"),
            crds: entry.join("crds"),
        };

        let src = entry.join("src");
        let cp_dir = src.join("controlplane");
        let ocm_dir = src.join("ocm");
        write_sources(&cp_dir, &ocm_dir)?;

        let ldflags = format!(
            "-s -w -X k8s.io/component-base/version.gitVersion={v} \
             -X k8s.io/component-base/version.gitMajor=1 \
             -X k8s.io/component-base/version.gitMinor={minor} \
             -X k8s.io/client-go/pkg/version.gitVersion={v} \
             -X k8s.io/client-go/pkg/version.gitMajor=1 \
             -X k8s.io/client-go/pkg/version.gitMinor={minor}",
            v = versions::KUBERNETES,
            minor = kube_minor(),
        );
        let steps: Vec<(PathBuf, &str, &Path, String, String)> = vec![
            (
                binaries.helper.clone(),
                "ocm-testenv-helper",
                &cp_dir,
                "-s -w".to_string(),
                "./cmd/ocm-testenv-helper".to_string(),
            ),
            (
                binaries.kube_apiserver.clone(),
                "kube-apiserver",
                &cp_dir,
                ldflags.clone(),
                "k8s.io/kubernetes/cmd/kube-apiserver".to_string(),
            ),
            (
                binaries.kube_controller_manager.clone(),
                "kube-controller-manager",
                &cp_dir,
                ldflags,
                "k8s.io/kubernetes/cmd/kube-controller-manager".to_string(),
            ),
            (
                binaries.etcd.clone(),
                "etcd",
                &cp_dir,
                "-s -w".to_string(),
                "go.etcd.io/etcd/server/v3".to_string(),
            ),
            (
                binaries.ocm.clone(),
                "ocm-testenv-ocm",
                &ocm_dir,
                "-s -w".to_string(),
                ".".to_string(),
            ),
        ];
        let crds_done = binaries.crds.join(".complete").is_file();
        let mut missing: Vec<String> = steps
            .iter()
            .filter(|step| !step.0.is_file())
            .map(|step| step.1.to_string())
            .collect();
        if !crds_done {
            missing.push(CRDS.to_string());
        }
        if missing.is_empty() {
            self.observers.emit(&ProgressEvent::Cached {
                cache_entry: entry.clone(),
                elapsed: started.elapsed(),
            });
            return Ok(BuildReport {
                binaries,
                outcome: BuildOutcome::Reused,
                cache_entry: entry,
            });
        }
        self.observers.emit(&ProgressEvent::BuildStarted {
            cache_dir: cache.clone(),
            cache_entry: entry.clone(),
            missing: missing.clone(),
        });
        let total = missing.len();
        let mut built = Vec::new();
        for (out, name, dir, ldflags, package) in steps {
            if out.is_file() {
                continue;
            }
            let log = logs.join(format!("build-{name}.log"));
            self.observers.emit(&ProgressEvent::ProgramStarted {
                program: name.to_string(),
                index: built.len() + 1,
                total,
                log: log.clone(),
            });
            let tmp = out.with_file_name(format!(".{name}.tmp"));
            let go_mod = if dir == cp_dir.as_path() {
                CP_GO_MOD
            } else {
                OCM_GO_MOD
            };
            let watch = BuildWatch {
                observers: &self.observers,
                interval: self.progress_interval,
                program: name,
                main_package: main_package(go_mod, &package),
            };
            let args = vec![
                "build".to_string(),
                "-v".to_string(),
                format!("-ldflags={ldflags}"),
                "-o".to_string(),
                tmp.display().to_string(),
                package,
            ];
            let t = Instant::now();
            run_go(&go, dir, &args, &log, &format!("building {name}"), &watch).await?;
            std::fs::rename(&tmp, &out)
                .map_err(|e| Error::io("renaming build output to", &out, e))?;
            self.observers.emit(&ProgressEvent::ProgramFinished {
                program: name.to_string(),
                elapsed: t.elapsed(),
            });
            built.push(name.to_string());
        }

        if !crds_done {
            let t = Instant::now();
            self.observers.emit(&ProgressEvent::ProgramStarted {
                program: CRDS.to_string(),
                index: built.len() + 1,
                total,
                log: logs.join("download-ocm-api.log"),
            });
            collect_crds(&go, &entry, &binaries.crds, &logs).await?;
            self.observers.emit(&ProgressEvent::ProgramFinished {
                program: CRDS.to_string(),
                elapsed: t.elapsed(),
            });
            built.push(CRDS.to_string());
        }

        let elapsed = started.elapsed();
        self.observers.emit(&ProgressEvent::BuildFinished {
            cache_dir: cache,
            cache_entry: entry.clone(),
            programs: built.clone(),
            elapsed,
        });
        let outcome = BuildOutcome::Built {
            programs: built,
            elapsed,
        };
        Ok(BuildReport {
            binaries,
            outcome,
            cache_entry: entry,
        })
    }

    /// Downloads `module@version` into the Go module cache (through the Go module
    /// proxy) and returns its directory, e.g. to read the upstream CRD manifests of
    /// `open-cluster-management.io/api`. A version the proxy refuses gives
    /// [`Error::ModuleNotServed`].
    pub async fn module_dir(&self, module: &str) -> Result<PathBuf> {
        let go = self.resolved_go();
        go_version(&go).await?;
        let cache = self.resolved_cache_dir();
        let logs = cache.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| Error::io("creating", &logs, e))?;
        let log_name: String = module
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        module_dir(
            &go,
            &cache,
            module,
            &logs.join(format!("download-{log_name}.log")),
        )
        .await
    }
}

/// The import path `go build -v` prints last for `package` (relative to the module of
/// `go_mod` when it starts with `.`), before linking.
pub(crate) fn main_package(go_mod: &str, package: &str) -> String {
    if !package.starts_with('.') {
        return package.to_string();
    }
    let module = go_mod
        .lines()
        .find_map(|l| l.strip_prefix("module "))
        .map(str::trim)
        .unwrap_or_default();
    match package.trim_start_matches('.').trim_start_matches('/') {
        "" => module.to_string(),
        rest => format!("{module}/{rest}"),
    }
}

fn kube_minor() -> &'static str {
    versions::KUBERNETES.split('.').nth(1).unwrap_or("0")
}

/// The cache-entry directory name: versions plus a hash of everything that
/// determines the outputs.
pub(crate) fn entry_name(go_version: &str) -> String {
    let mut h = Fnv64::new();
    for part in [
        CP_GO_MOD,
        CP_GO_SUM,
        HELPER_MAIN,
        OCM_GO_MOD,
        OCM_GO_SUM,
        OCM_MAIN,
        go_version,
    ] {
        h.write(part.as_bytes());
        h.write(&[0]);
    }
    let go_short = go_version
        .split_whitespace()
        .find(|w| w.starts_with("go1"))
        .unwrap_or("go");
    format!(
        "k8s-{}_etcd-{}_ocm-{}_api-{}_{}_{:016x}",
        versions::KUBERNETES,
        versions::ETCD,
        versions::OCM,
        versions::OCM_API,
        go_short,
        h.finish()
    )
}

/// FNV-1a, 64 bit: a stable hash for cache keys (std's hasher is not stable across releases).
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

async fn go_version(go: &Path) -> Result<String> {
    let out = tokio::process::Command::new(go)
        .arg("version")
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|source| Error::GoNotFound {
            go: go.to_path_buf(),
            source,
        })?;
    if !out.status.success() {
        return Err(Error::GoNotFound {
            go: go.to_path_buf(),
            source: std::io::Error::other(format!(
                "exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

async fn lock_entry(entry: &Path, observers: &Observers) -> Result<std::fs::File> {
    let name = entry
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let path = entry.with_file_name(format!("{name}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io("opening lock file", &path, e))?;
    match file.try_lock() {
        Ok(()) => return Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            observers.emit(&ProgressEvent::WaitingForLock { lock: path.clone() });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("locking", &path, e)),
    }
    let locked = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(|e| Error::io("locking", &path, std::io::Error::other(e.to_string())))?;
    locked.map_err(|e| Error::io("locking", &path, e))
}

fn write_sources(cp_dir: &Path, ocm_dir: &Path) -> Result<()> {
    let files: [(PathBuf, &str); 6] = [
        (cp_dir.join("go.mod"), CP_GO_MOD),
        (cp_dir.join("go.sum"), CP_GO_SUM),
        (cp_dir.join("cmd/ocm-testenv-helper/main.go"), HELPER_MAIN),
        (ocm_dir.join("go.mod"), OCM_GO_MOD),
        (ocm_dir.join("go.sum"), OCM_GO_SUM),
        (ocm_dir.join("main.go"), OCM_MAIN),
    ];
    for (path, content) in files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io("creating", parent, e))?;
        }
        if std::fs::read_to_string(&path).ok().as_deref() == Some(content) {
            continue;
        }
        std::fs::write(&path, content).map_err(|e| Error::io("writing", &path, e))?;
    }
    Ok(())
}

fn go_command(go: &Path, dir: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(go);
    cmd.current_dir(dir)
        .env("GOWORK", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=readonly -buildvcs=false")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let nosumdb = match std::env::var("GONOSUMDB") {
        Ok(v) if !v.is_empty() => format!("{v},{GONOSUMDB}"),
        _ => GONOSUMDB.to_string(),
    };
    cmd.env("GONOSUMDB", nosumdb);
    cmd
}

/// Who hears about a running `go build`, and what it builds.
struct BuildWatch<'a> {
    observers: &'a Observers,
    interval: Duration,
    program: &'a str,
    main_package: String,
}

/// Runs `go ARGS` in `dir`, writing its output to `log`, reporting progress every
/// `watch.interval`.
async fn run_go(
    go: &Path,
    dir: &Path,
    args: &[String],
    log: &Path,
    step: &str,
    watch: &BuildWatch<'_>,
) -> Result<()> {
    let file = std::fs::File::create(log).map_err(|e| Error::io("creating", log, e))?;
    let file2 = file.try_clone().map_err(|e| Error::io("opening", log, e))?;
    let mut child = go_command(go, dir)
        .args(args)
        .stdout(file)
        .stderr(file2)
        .spawn()
        .map_err(|source| Error::GoNotFound {
            go: go.to_path_buf(),
            source,
        })?;
    let started = Instant::now();
    let mut ticker = tokio::time::interval(watch.interval);
    ticker.tick().await;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.map_err(|e| Error::io("waiting for go in", dir, e))?,
            _ = ticker.tick() => {
                let output = std::fs::read_to_string(log).unwrap_or_default();
                let (step, packages_compiled) = parse_go_build_output(&output, &watch.main_package);
                watch.observers.emit(&ProgressEvent::ProgramProgress {
                    program: watch.program.to_string(),
                    step,
                    elapsed: started.elapsed(),
                    packages_compiled,
                    packages_expected: packages_expected(watch.program),
                });
            }
        }
    };
    if status.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    if let Some((module, detail)) = module_not_served(&text) {
        return Err(Error::ModuleNotServed {
            module,
            step: step.to_string(),
            detail,
            log: log.to_path_buf(),
        });
    }
    Err(Error::BuildFailed {
        command: format!("{} {}", go.display(), args.join(" ")),
        status: status.to_string(),
        log: log.to_path_buf(),
    })
}

/// Finds the line of Go's output that says the proxy (or checksum database)
/// refused a module, and the `path@version` it names.
pub(crate) fn module_not_served(output: &str) -> Option<(String, String)> {
    const MARKERS: &[&str] = &[
        "403 Forbidden",
        "404 Not Found",
        "410 Gone",
        "not available",
        "unknown revision",
        "invalid version",
    ];
    for line in output.lines() {
        if !MARKERS.iter().any(|m| line.contains(m)) {
            continue;
        }
        let module = line
            .split_whitespace()
            .map(|w| w.trim_end_matches(':'))
            .find(|w| w.contains('@') && !w.starts_with("http"))
            .unwrap_or("an unnamed module")
            .to_string();
        return Some((module, line.trim().to_string()));
    }
    None
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModDownload {
    #[serde(default)]
    dir: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

async fn module_dir(go: &Path, cwd: &Path, module: &str, log: &Path) -> Result<PathBuf> {
    // Run outside any module so that nothing tries to record the sums in a go.sum.
    let out = go_command(go, cwd)
        .env("GOFLAGS", "")
        .args(["mod", "download", "-json", module])
        .output()
        .await
        .map_err(|source| Error::GoNotFound {
            go: go.to_path_buf(),
            source,
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let _ = std::fs::write(
        log,
        format!("$ go mod download -json {module}\n{stdout}\n{stderr}"),
    );
    let parsed: Option<ModDownload> = serde_json::from_str(&stdout).ok();
    if let Some(ModDownload {
        dir: Some(dir),
        error: None,
    }) = &parsed
        && out.status.success()
    {
        return Ok(PathBuf::from(dir));
    }
    let message = parsed
        .and_then(|p| p.error)
        .unwrap_or_else(|| stderr.trim().to_string());
    if let Some((_, detail)) = module_not_served(&message) {
        return Err(Error::ModuleNotServed {
            module: module.to_string(),
            step: format!("downloading {module}"),
            detail,
            log: log.to_path_buf(),
        });
    }
    Err(Error::BuildFailed {
        command: format!("{} mod download -json {module}", go.display()),
        status: format!("{}: {}", out.status, message),
        log: log.to_path_buf(),
    })
}

async fn collect_crds(go: &Path, outside_modules: &Path, crds: &Path, logs: &Path) -> Result<()> {
    let api = module_dir(
        go,
        outside_modules,
        &format!("open-cluster-management.io/api@{}", versions::OCM_API),
        &logs.join("download-ocm-api.log"),
    )
    .await?;
    let ocm = module_dir(
        go,
        outside_modules,
        &format!("open-cluster-management.io/ocm@{}", versions::OCM),
        &logs.join("download-ocm.log"),
    )
    .await?;
    for (sub, list) in [("hub", HUB_CRDS), ("managed", MANAGED_CRDS)] {
        let dest = crds.join(sub);
        std::fs::create_dir_all(&dest).map_err(|e| Error::io("creating", &dest, e))?;
        for (i, (source, rel)) in list.iter().enumerate() {
            let from = match source {
                CrdSource::Api => api.join(rel),
                CrdSource::Ocm => ocm.join(rel),
            };
            let name = Path::new(rel)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| format!("crd-{i}.yaml"));
            let to = dest.join(format!("{i:02}-{name}"));
            std::fs::copy(&from, &to).map_err(|e| Error::io("copying CRD manifest", &from, e))?;
        }
    }
    let marker = crds.join(".complete");
    std::fs::write(
        &marker,
        format!("api {}\nocm {}\n", versions::OCM_API, versions::OCM),
    )
    .map_err(|e| Error::io("writing", &marker, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_refusal_is_recognised() {
        let out = "go: downloading foo\ngo: open-cluster-management.io/ocm@v1.3.1: reading https://proxy.golang.org/open-cluster-management.io/ocm/@v/v1.3.1.info: 403 Forbidden\n\tserver response: This module version is not available";
        let (module, detail) = module_not_served(out).expect("recognised");
        assert_eq!(module, "open-cluster-management.io/ocm@v1.3.1");
        assert!(detail.contains("403 Forbidden"));
    }

    #[test]
    fn ordinary_compile_errors_are_not_proxy_refusals() {
        assert!(module_not_served("./main.go:3:2: undefined: foo\n").is_none());
    }

    #[test]
    fn cache_entry_names_carry_the_versions_and_change_with_go() {
        let a = entry_name("go version go1.26.8 linux/amd64");
        let b = entry_name("go version go1.26.9 linux/amd64");
        assert!(a.starts_with("k8s-v1.35.4_etcd-v3.6.5_ocm-v1.2.1_api-v1.3.0_go1.26.8_"));
        assert_ne!(a, b);
        assert_eq!(a, entry_name("go version go1.26.8 linux/amd64"));
    }

    #[test]
    fn fnv_matches_reference_vector() {
        let mut h = Fnv64::new();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }
}
