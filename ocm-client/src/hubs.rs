//! Several hubs in one process, and a client that follows a rotated hub kubeconfig.
//!
//! The klusterlet rotates its hub client certificate (at 20–25 % of its lifetime left) by
//! rewriting the files its hub kubeconfig points to; add-on agents get their hub kubeconfig the
//! same way. A [`kube::Client`] built once from those files would keep presenting the old
//! certificate until it expires. [`client_from_kubeconfig`] builds a `kube::Client` that checks
//! the kubeconfig file and every file it references (CA, client certificate and key, token
//! file) before a request — at most once per [`ReloadParams::check_interval`] — and rebuilds its
//! connection when one has changed (size, modification time or inode: an atomic rename counts).
//! A change that does not load (a certificate written before its key) keeps the previous
//! connection and is retried at the next change. Watches that are already open keep their
//! connection until they end; the watcher's next request uses the new one.
//!
//! ```no_run
//! use ocm_client::hubs::{Hubs, ReloadParams, client_from_kubeconfig};
//! # async fn run() -> ocm_client::Result<()> {
//! let hubs = Hubs::new();
//! let east = client_from_kubeconfig("/var/run/hub-east/kubeconfig", &ReloadParams::default()).await?;
//! hubs.insert("east", east);
//! hubs.add_kubeconfig("west", "/var/run/hub-west/kubeconfig").await?;
//! for name in hubs.names() {
//!     let client = hubs.get(&name).expect("listed");
//!     println!("{name}: {}", client.apiserver_version().await.map(|v| v.git_version).unwrap_or_default());
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant, SystemTime};

use kube::client::Body;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// A registry of named hub clients, cheap to clone and share between tasks.
#[derive(Clone, Default)]
pub struct Hubs {
    clients: Arc<RwLock<BTreeMap<String, Client>>>,
}

impl std::fmt::Debug for Hubs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hubs")
            .field("names", &self.names())
            .finish()
    }
}

impl Hubs {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a hub; returns the client it replaced.
    pub fn insert(&self, name: impl Into<String>, client: Client) -> Option<Client> {
        self.write().insert(name.into(), client)
    }

    /// Adds a hub from a kubeconfig file with [`client_from_kubeconfig`] (following rotation).
    pub async fn add_kubeconfig(
        &self,
        name: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> Result<Client> {
        let client = client_from_kubeconfig(path, &ReloadParams::default()).await?;
        self.insert(name, client.clone());
        Ok(client)
    }

    /// The client of a hub.
    pub fn get(&self, name: &str) -> Option<Client> {
        self.read().get(name).cloned()
    }

    /// Removes a hub; returns its client.
    pub fn remove(&self, name: &str) -> Option<Client> {
        self.write().remove(name)
    }

    /// The hubs' names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.read().keys().cloned().collect()
    }

    /// Every hub, sorted by name.
    pub fn all(&self) -> Vec<(String, Client)> {
        self.read()
            .iter()
            .map(|(n, c)| (n.clone(), c.clone()))
            .collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Client>> {
        self.clients.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Client>> {
        self.clients.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Options of [`client_from_kubeconfig`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReloadParams {
    /// Look at the files at most this often (default 1 s; zero: before every request).
    pub check_interval: Duration,
    /// The kubeconfig context to use (default: its current context).
    pub context: Option<String>,
}

impl Default for ReloadParams {
    fn default() -> Self {
        Self {
            check_interval: Duration::from_secs(1),
            context: None,
        }
    }
}

impl ReloadParams {
    /// Look at the files at most this often.
    pub fn check_interval(mut self, every: Duration) -> Self {
        self.check_interval = every;
        self
    }

    /// Use this kubeconfig context.
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }
}

/// A `kube::Client` from a kubeconfig file that rebuilds its connection when the file, or a file
/// it references, changes (see the [module docs](self)). Fails when the kubeconfig cannot be
/// loaded now.
pub async fn client_from_kubeconfig(
    path: impl AsRef<Path>,
    params: &ReloadParams,
) -> Result<Client> {
    let path = path.as_ref().to_path_buf();
    let (client, stamps) = load(&path, params).await?;
    let namespace = client.default_namespace().to_string();
    let state = State {
        path,
        params: params.clone(),
        stamps,
        client,
        checked: Instant::now(),
    };
    Ok(Client::new(
        Reloading {
            state: Arc::new(tokio::sync::Mutex::new(state)),
        },
        namespace,
    ))
}

struct State {
    path: PathBuf,
    params: ReloadParams,
    stamps: Vec<Stamp>,
    client: Client,
    checked: Instant,
}

impl State {
    async fn current(&mut self) -> Client {
        if self.checked.elapsed() < self.params.check_interval {
            return self.client.clone();
        }
        self.checked = Instant::now();
        let now: Vec<Stamp> = self.stamps.iter().map(|s| stamp(&s.path)).collect();
        if now == self.stamps {
            return self.client.clone();
        }
        match load(&self.path, &self.params).await {
            Ok((client, stamps)) => {
                tracing::info!(kubeconfig = %self.path.display(), "hub kubeconfig changed: reconnecting");
                self.client = client;
                self.stamps = stamps;
            }
            Err(e) => {
                tracing::warn!(kubeconfig = %self.path.display(), error = %e, "hub kubeconfig changed but does not load: keeping the previous connection");
                self.stamps = now;
            }
        }
        self.client.clone()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    path: PathBuf,
    seen: Option<(u64, Option<SystemTime>, u64)>,
}

fn stamp(path: &Path) -> Stamp {
    let seen = std::fs::metadata(path).ok().map(|m| {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        (m.len(), m.modified().ok(), inode)
    });
    Stamp {
        path: path.to_path_buf(),
        seen,
    }
}

async fn load(path: &Path, params: &ReloadParams) -> Result<(Client, Vec<Stamp>)> {
    let fail = |reason: String| Error::Kubeconfig {
        action: format!("loading kubeconfig {}", path.display()),
        reason,
    };
    // Stamp each file before it is read: a change during the load is then seen at the next
    // check (and costs one more reload), never missed.
    let mut stamps = vec![stamp(path)];
    let kubeconfig = Kubeconfig::read_from(path).map_err(|e| fail(e.to_string()))?;
    for file in referenced_files(&kubeconfig) {
        stamps.push(stamp(Path::new(&file)));
    }
    let options = KubeConfigOptions {
        context: params.context.clone(),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let client = Client::try_from(config).map_err(|e| fail(e.to_string()))?;
    Ok((client, stamps))
}

fn referenced_files(k: &Kubeconfig) -> Vec<String> {
    let clusters = k
        .clusters
        .iter()
        .filter_map(|c| c.cluster.as_ref())
        .filter_map(|c| c.certificate_authority.clone());
    let users = k.auth_infos.iter().filter_map(|a| a.auth_info.as_ref());
    let user_files = users.flat_map(|a| {
        [
            a.client_certificate.clone(),
            a.client_key.clone(),
            a.token_file.clone(),
        ]
        .into_iter()
        .flatten()
    });
    clusters.chain(user_files).collect()
}

#[derive(Clone)]
struct Reloading {
    state: Arc<tokio::sync::Mutex<State>>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower::Service<http::Request<Body>> for Reloading {
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let state = self.state.clone();
        Box::pin(async move {
            let client = state.lock().await.current().await;
            client.send(request).await.map_err(BoxError::from)
        })
    }
}
