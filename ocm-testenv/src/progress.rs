//! Progress of a build and of a start: typed events, their default rendering, and who
//! receives them.
//!
//! [`Build::ensure`](crate::Build::ensure) and [`TestEnvBuilder::start`](crate::TestEnvBuilder::start)
//! report what they do as [`ProgressEvent`]s. Every event goes
//!
//! * to the callbacks registered with [`Build::on_event`](crate::Build::on_event) or
//!   [`TestEnvBuilder::on_event`](crate::TestEnvBuilder::on_event), in order, on the task
//!   that runs the build or start (keep them quick; send to a channel for an event stream);
//! * to [`tracing`] at `INFO` level, target [`BUILD_TARGET`] (build events) or
//!   [`START_TARGET`] (start-up phases), so it appears in a test's log when a subscriber is
//!   installed;
//! * to standard error, rendered with its [`Display`](std::fmt::Display), as
//!   [`Build::progress`](crate::Build::progress) says. By default only when the build has to
//!   compile something, so that a cold `cargo test` says why it is slow while a cached build
//!   prints nothing. It is written to the process's standard error directly, not through
//!   `eprintln!`, so the test harness does not capture it.
//!
//! ```no_run
//! use ocm_testenv::{Build, ProgressEvent};
//!
//! # async fn demo() -> Result<(), ocm_testenv::Error> {
//! let (tx, rx) = std::sync::mpsc::channel::<ProgressEvent>();
//! let report = Build::new()
//!     .progress(false)
//!     .on_event(move |e| {
//!         let _ = tx.send(e.clone());
//!     })
//!     .ensure()
//!     .await?;
//! for event in rx.try_iter() {
//!     println!("{event}");
//! }
//! # let _ = report;
//! # Ok(()) }
//! ```

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The `tracing` target of build events.
pub const BUILD_TARGET: &str = "ocm_testenv::build";
/// The `tracing` target of start-up phases.
pub const START_TARGET: &str = "ocm_testenv::start";

/// Something a build or a start did, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// Another process holds the cache entry's lock (it is building into it); the build
    /// waits for it.
    WaitingForLock {
        /// The lock file.
        lock: PathBuf,
    },
    /// Every program was in the cache; nothing is built.
    #[non_exhaustive]
    Cached {
        /// The cache entry used.
        cache_entry: PathBuf,
        /// Time spent checking.
        elapsed: Duration,
    },
    /// Some programs are missing from the cache and will be built, in this order.
    #[non_exhaustive]
    BuildStarted {
        /// The cache directory ([`CACHE_DIR_ENV`](crate::binaries::CACHE_DIR_ENV) or the default).
        cache_dir: PathBuf,
        /// The cache entry being filled.
        cache_entry: PathBuf,
        /// The programs to build (`crds` stands for collecting the CRD manifests).
        missing: Vec<String>,
    },
    /// `go build` of one program began.
    #[non_exhaustive]
    ProgramStarted {
        /// The program.
        program: String,
        /// Its position among the programs being built, from 1.
        index: usize,
        /// How many programs are being built.
        total: usize,
        /// The log file `go` writes to.
        log: PathBuf,
    },
    /// A periodic report while one program builds (every 30 s).
    #[non_exhaustive]
    ProgramProgress {
        /// The program.
        program: String,
        /// What `go` is doing, as read from its `-v` output.
        step: BuildStep,
        /// Time since this program's build began.
        elapsed: Duration,
        /// Packages compiled so far (packages found in Go's build cache are not counted).
        packages_compiled: usize,
        /// About how many packages a build with an empty Go build cache compiles for this
        /// program (measured; fewer when Go's build cache is warm).
        packages_expected: Option<usize>,
    },
    /// One program was built and put into the cache.
    #[non_exhaustive]
    ProgramFinished {
        /// The program.
        program: String,
        /// Time its build took.
        elapsed: Duration,
    },
    /// Every missing program was built.
    #[non_exhaustive]
    BuildFinished {
        /// The cache directory.
        cache_dir: PathBuf,
        /// The cache entry now complete.
        cache_entry: PathBuf,
        /// The programs that were built.
        programs: Vec<String>,
        /// Wall time of the whole build.
        elapsed: Duration,
    },
    /// [`TestEnvBuilder::start`](crate::TestEnvBuilder::start) entered a phase.
    #[non_exhaustive]
    StartupPhase {
        /// The phase.
        phase: StartupPhase,
        /// Time since start-up began (the build excluded).
        elapsed: Duration,
    },
    /// Simulated managed clusters are joining: how many are
    /// `ManagedClusterConditionAvailable=True` on the hub so far (reported when the number
    /// changed, at most every 2 s, and when all are).
    #[non_exhaustive]
    SimulatedClusters {
        /// Simulated clusters Available on the hub.
        available: usize,
        /// Simulated clusters in all.
        total: usize,
        /// Time since start-up began (the build excluded).
        elapsed: Duration,
    },
    /// The environment is ready.
    #[non_exhaustive]
    Ready {
        /// Start-up time, the build excluded.
        elapsed: Duration,
    },
}

/// What `go build -v` is doing, judged from its output so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildStep {
    /// Resolving the module graph; nothing downloaded or compiled yet.
    Loading,
    /// Downloading modules through the Go module proxy.
    DownloadingModules {
        /// Modules downloaded so far.
        modules: usize,
    },
    /// Compiling packages.
    Compiling,
    /// The main package is compiled; the binary is being linked.
    Linking,
}

/// A phase of [`TestEnvBuilder::start`](crate::TestEnvBuilder::start).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartupPhase {
    /// Writing the certificates and keys.
    Certificates,
    /// Starting etcd and waiting for it to listen.
    Etcd,
    /// Starting the kube-apiservers and waiting for each to serve.
    Apiservers {
        /// How many (the hub and one per managed cluster).
        count: usize,
    },
    /// Starting the kube-controller-managers.
    ControllerManagers,
    /// Installing the OCM CRDs and waiting for them to be established.
    Crds,
    /// Starting the OCM hub components.
    OcmHub,
    /// Starting the klusterlet agents.
    Klusterlets {
        /// How many.
        count: usize,
    },
    /// Waiting for a managed cluster to join and become available.
    Joining {
        /// The managed cluster.
        cluster: String,
    },
    /// Starting the simulated clusters' registration agents (in this process).
    SimulatedAgents {
        /// How many.
        count: usize,
    },
}

impl fmt::Display for BuildStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildStep::Loading => f.write_str("loading the module graph"),
            BuildStep::DownloadingModules { modules } => {
                write!(f, "downloading modules ({modules} so far)")
            }
            BuildStep::Compiling => f.write_str("compiling"),
            BuildStep::Linking => f.write_str("linking"),
        }
    }
}

impl fmt::Display for StartupPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupPhase::Certificates => f.write_str("writing certificates"),
            StartupPhase::Etcd => f.write_str("starting etcd"),
            StartupPhase::Apiservers { count } => write!(f, "starting {count} kube-apiserver(s)"),
            StartupPhase::ControllerManagers => f.write_str("starting kube-controller-managers"),
            StartupPhase::Crds => f.write_str("installing CRDs"),
            StartupPhase::OcmHub => f.write_str("starting the OCM hub"),
            StartupPhase::Klusterlets { count } => {
                write!(f, "starting {count} klusterlet agent(s)")
            }
            StartupPhase::Joining { cluster } => write!(f, "waiting for {cluster} to join"),
            StartupPhase::SimulatedAgents { count } => {
                write!(f, "starting {count} simulated cluster agent(s)")
            }
        }
    }
}

/// A duration as people read it: `4.2s`, `42s`, `9m05s`.
pub(crate) fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 10 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 60 {
        format!("{secs}s")
    } else {
        format!("{}m{:02}s", secs / 60, secs % 60)
    }
}

/// The name the CRD collection step goes by among the programs.
pub(crate) const CRDS: &str = "crds";

const REUSE_HINT: &str = "later runs reuse it; prebuild with `cargo run -p ocm-testenv -- build`, \
                          point OCM_TESTENV_CACHE at it to share it";

impl fmt::Display for ProgressEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProgressEvent::WaitingForLock { lock } => write!(
                f,
                "waiting for another process building into the same cache entry (lock {})",
                lock.display()
            ),
            ProgressEvent::Cached {
                cache_entry,
                elapsed,
            } => write!(
                f,
                "using cached build {} (checked in {})",
                cache_entry.display(),
                human(*elapsed)
            ),
            ProgressEvent::BuildStarted {
                cache_dir,
                cache_entry,
                missing,
            } => write!(
                f,
                "building {} from Go module source into {} (this happens once per cache: \
                 expect 15-30 minutes on two cores with empty Go caches; the cache directory \
                 is {}; {REUSE_HINT})",
                missing.join(", "),
                cache_entry.display(),
                cache_dir.display()
            ),
            ProgressEvent::ProgramStarted {
                program,
                index,
                total,
                log,
            } => {
                write!(f, "[{index}/{total}] ")?;
                if program == CRDS {
                    f.write_str("collecting the OCM CRDs from the Go module cache")?;
                } else {
                    write!(f, "building {program}")?;
                }
                write!(f, " (log: {})", log.display())
            }
            ProgressEvent::ProgramProgress {
                program,
                step,
                elapsed,
                packages_compiled,
                packages_expected,
            } => {
                write!(
                    f,
                    "building {program}: {step}, {} elapsed, {packages_compiled}",
                    human(*elapsed)
                )?;
                if let Some(n) = packages_expected {
                    write!(f, " of about {n}")?;
                }
                f.write_str(" packages compiled")
            }
            ProgressEvent::ProgramFinished { program, elapsed } => {
                let verb = if program == CRDS {
                    "collected"
                } else {
                    "built"
                };
                write!(f, "{verb} {program} in {}", human(*elapsed))
            }
            ProgressEvent::BuildFinished {
                cache_dir,
                cache_entry,
                programs,
                elapsed,
            } => write!(
                f,
                "build finished in {}: {} into {} (cache directory {}; {REUSE_HINT})",
                human(*elapsed),
                programs.join(", "),
                cache_entry.display(),
                cache_dir.display()
            ),
            ProgressEvent::StartupPhase { phase, elapsed } => {
                write!(f, "{phase} (at {})", human(*elapsed))
            }
            ProgressEvent::SimulatedClusters {
                available,
                total,
                elapsed,
            } => write!(
                f,
                "simulated clusters: {available}/{total} available (at {})",
                human(*elapsed)
            ),
            ProgressEvent::Ready { elapsed } => {
                write!(f, "environment ready in {}", human(*elapsed))
            }
        }
    }
}

impl ProgressEvent {
    /// Whether the event tells of compiling (or waiting for someone who compiles): the
    /// events printed by default.
    fn is_slow_path(&self) -> bool {
        matches!(
            self,
            ProgressEvent::WaitingForLock { .. }
                | ProgressEvent::BuildStarted { .. }
                | ProgressEvent::ProgramStarted { .. }
                | ProgressEvent::ProgramProgress { .. }
                | ProgressEvent::ProgramFinished { .. }
                | ProgressEvent::BuildFinished { .. }
        )
    }

    fn is_startup(&self) -> bool {
        matches!(
            self,
            ProgressEvent::StartupPhase { .. }
                | ProgressEvent::SimulatedClusters { .. }
                | ProgressEvent::Ready { .. }
        )
    }
}

/// A progress callback.
pub(crate) type Handler = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// Where events go: callbacks, `tracing`, and standard error as configured.
#[derive(Clone, Default)]
pub(crate) struct Observers {
    handlers: Vec<Handler>,
    /// `None`: print only the slow path; `Some(true)`: print everything; `Some(false)`: never.
    print: Option<bool>,
}

impl fmt::Debug for Observers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observers")
            .field("handlers", &self.handlers.len())
            .field("print", &self.print)
            .finish()
    }
}

impl Observers {
    pub(crate) fn push(&mut self, handler: Handler) {
        self.handlers.push(handler);
    }

    pub(crate) fn set_print(&mut self, print: bool) {
        self.print = Some(print);
    }

    /// `self` with `other`'s callbacks added after its own, and `other`'s print setting if
    /// it has one.
    pub(crate) fn merged(&self, other: &Observers) -> Observers {
        let mut out = self.clone();
        out.handlers.extend(other.handlers.iter().cloned());
        if other.print.is_some() {
            out.print = other.print;
        }
        out
    }

    /// Whether this event is printed to standard error.
    pub(crate) fn prints(&self, event: &ProgressEvent) -> bool {
        match self.print {
            Some(p) => p,
            None => event.is_slow_path(),
        }
    }

    pub(crate) fn emit(&self, event: &ProgressEvent) {
        if event.is_startup() {
            tracing::info!(target: "ocm_testenv::start", "{event}");
        } else {
            tracing::info!(target: "ocm_testenv::build", "{event}");
        }
        if self.prints(event) {
            // Straight to the process's stderr: the test harness captures `eprintln!`, and
            // a user waiting for a cold build must see it.
            let _ = writeln!(std::io::stderr().lock(), "ocm-testenv: {event}");
        }
        for h in &self.handlers {
            h(event);
        }
    }
}

/// What `go build -v` output says so far: the step, and packages compiled.
pub(crate) fn parse_go_build_output(output: &str, main_package: &str) -> (BuildStep, usize) {
    let mut modules = 0;
    let mut packages = 0;
    let mut last_package = "";
    for line in output.lines() {
        if line.starts_with("go: downloading ") {
            modules += 1;
        } else if !line.is_empty()
            && !line.starts_with("go:")
            && !line.starts_with('#')
            && !line.contains(char::is_whitespace)
        {
            packages += 1;
            last_package = line;
        }
    }
    let step = if packages == 0 && modules == 0 {
        BuildStep::Loading
    } else if packages == 0 {
        BuildStep::DownloadingModules { modules }
    } else if last_package == main_package {
        BuildStep::Linking
    } else {
        BuildStep::Compiling
    };
    (step, packages)
}

/// Packages `go build -v` compiled for each program, in build order, with empty Go caches
/// (measured with go1.26.8 on the pinned versions); an estimate for progress lines only.
pub(crate) fn packages_expected(program: &str) -> Option<usize> {
    match program {
        "ocm-testenv-helper" => Some(144),
        "kube-apiserver" => Some(1856),
        "kube-controller-manager" => Some(369),
        "etcd" => Some(109),
        "ocm-testenv-ocm" => Some(968),
        _ => None,
    }
}

#[cfg(test)]
#[path = "progress_tests.rs"]
mod tests;
