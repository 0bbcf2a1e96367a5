//! `ocm-testenv`: build the programs, or run an environment until interrupted.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ocm_testenv::{Build, BuildOutcome, TestEnv};

/// A real OCM control plane (etcd, kube-apiservers, the Go OCM hub and klusterlets)
/// built from Go module source.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// Do not print build progress and start-up phases to standard error.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build (or find in the cache) every program; prints the cache entry.
    Build {
        /// Cache directory (default: $OCM_TESTENV_CACHE, else ~/.cache/ocm-testenv).
        #[arg(long)]
        cache_dir: Option<PathBuf>,
    },
    /// Start an environment, write its kubeconfigs, and run until interrupted.
    Up {
        /// Number of managed clusters (cluster1, cluster2, …), each with its own
        /// kube-apiserver and Go klusterlet.
        #[arg(long, default_value_t = 1)]
        clusters: usize,
        /// Number of simulated managed clusters (sim-1, sim-2, …): Rust registration agents
        /// in this process that join the hub through the real CSR flow, without an
        /// apiserver or a Go agent each.
        #[arg(long, default_value_t = 0)]
        simulated_clusters: usize,
        /// Also run a simulated work agent for the simulated clusters: their ManifestWorks
        /// get the status the Go work agent would write (Applied, Available), nothing is
        /// applied anywhere.
        #[arg(long)]
        simulated_work_agent: bool,
        /// Directory for kubeconfigs, PKI, logs and etcd data (kept afterwards).
        #[arg(long)]
        dir: PathBuf,
        /// Also make the hub its own managed cluster (`local-cluster`).
        #[arg(long)]
        hub_as_managed_cluster: bool,
        /// Do not start the OCM controllers and agents (control plane and CRDs only).
        #[arg(long)]
        no_ocm: bool,
        /// Cache directory (default: $OCM_TESTENV_CACHE, else ~/.cache/ocm-testenv).
        #[arg(long)]
        cache_dir: Option<PathBuf>,
        /// Start-up timeout in seconds (build excluded).
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
}

fn build(cache_dir: Option<PathBuf>, quiet: bool) -> Build {
    let mut b = Build::new();
    b.progress(!quiet);
    if let Some(dir) = cache_dir {
        b.cache_dir(dir);
    }
    b
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(
                    // kube's watcher warns of every 403 of a simulated agent in the moment
                    // between its approval and the hub creating its RBAC.
                    "warn,kube_runtime::watcher=error",
                )
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ocm-testenv: error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), ocm_testenv::Error> {
    match cli.command {
        Command::Build { cache_dir } => {
            let report = build(cache_dir, cli.quiet).ensure().await?;
            match &report.outcome {
                BuildOutcome::Reused => println!("reused {}", report.cache_entry.display()),
                BuildOutcome::Built { programs, elapsed } => println!(
                    "built {} in {elapsed:.1?} into {}",
                    programs.join(", "),
                    report.cache_entry.display()
                ),
                _ => println!("{}", report.cache_entry.display()),
            }
            Ok(())
        }
        Command::Up {
            clusters,
            simulated_clusters,
            simulated_work_agent,
            dir,
            hub_as_managed_cluster,
            no_ocm,
            cache_dir,
            timeout,
        } => {
            let env = TestEnv::builder()
                .managed_clusters(clusters)
                .simulated_clusters(simulated_clusters)
                .simulated_work_agent(simulated_work_agent)
                .hub_as_managed_cluster(hub_as_managed_cluster)
                .ocm(!no_ocm)
                .dir(&dir)
                .build(build(cache_dir, cli.quiet))
                .timeout(std::time::Duration::from_secs(timeout))
                .start()
                .await?;
            println!("ocm-testenv is up in {:.1?}", env.startup_time());
            println!(
                "  hub: {} (kubeconfig {})",
                env.hub().server(),
                env.hub().kubeconfig_path().display()
            );
            for c in env.managed_clusters() {
                println!(
                    "  managed cluster {}: {} (kubeconfig {})",
                    c.name(),
                    c.server(),
                    c.kubeconfig_path().display()
                );
            }
            if !env.simulated_clusters().is_empty() {
                println!(
                    "  simulated clusters: {} ({} … {}), agents in this process (pid {})",
                    env.simulated_clusters().len(),
                    env.simulated_clusters()[0].name(),
                    env.simulated_clusters()[env.simulated_clusters().len() - 1].name(),
                    std::process::id()
                );
            }
            println!("  processes (logs in {}):", env.log_dir().display());
            for p in env.processes() {
                println!(
                    "    {:<34} pid {:<8} {}",
                    p.component,
                    p.pid,
                    p.log.display()
                );
            }
            println!("press Ctrl-C to stop");
            let mut terminate = tokio::signal::unix::signal(
                tokio::signal::unix::SignalKind::terminate(),
            )
            .map_err(|source| ocm_testenv::Error::Io {
                action: "handling SIGTERM for",
                path: "ocm-testenv".into(),
                source,
            })?;
            let mut interval = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => break,
                    _ = terminate.recv() => break,
                    _ = interval.tick() => {
                        if let Err(e) = env.check() {
                            eprintln!("ocm-testenv: {e}");
                            let _ = env.stop();
                            return Err(e);
                        }
                    }
                }
            }
            eprintln!("ocm-testenv: stopping");
            env.stop()
        }
    }
}
