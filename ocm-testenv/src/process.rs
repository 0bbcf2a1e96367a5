//! Child processes: spawned into their own process group, logged to files,
//! watched for unexpected exits (reported, never restarted), killed on stop.
//!
//! Dropping the supervisor kills the children. For the case where the parent
//! itself dies without running destructors (SIGKILL, a test-harness timeout), a
//! watchdog process (`ocm-testenv-helper watchdog`) holds the read end of a pipe
//! from the parent and learns every child's process group; when the pipe closes
//! without a "stop" line it kills those groups.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::error::{Error, Result};

/// One program of a running environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    /// The component, e.g. `kube-apiserver[hub]` or `klusterlet[cluster1]`.
    pub component: String,
    /// Its process id.
    pub pid: u32,
    /// Its log file (standard output and standard error).
    pub log: PathBuf,
    /// The port it serves on, when it has one.
    pub port: Option<u16>,
}

#[derive(Debug, Clone)]
struct ExitRecord {
    component: String,
    status: String,
    log: PathBuf,
    port: Option<u16>,
}

struct Proc {
    info: ProcessInfo,
    child: Child,
    exited: bool,
    program: PathBuf,
    args: Vec<String>,
}

#[derive(Default)]
struct Inner {
    procs: Mutex<Vec<Proc>>,
    exits: Mutex<Vec<ExitRecord>>,
    stopping: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct Watchdog {
    child: Child,
    stdin: Option<std::process::ChildStdin>,
}

/// Owns every child process of one environment.
pub(crate) struct Supervisor {
    inner: Arc<Inner>,
    monitor: Option<std::thread::JoinHandle<()>>,
    watchdog: Mutex<Option<Watchdog>>,
}

impl Supervisor {
    /// A supervisor; with `helper`, also a watchdog process that kills the
    /// children should this process die without stopping them.
    pub(crate) fn new(helper: Option<&Path>) -> Result<Self> {
        let watchdog = match helper {
            Some(helper) => {
                let mut child = Command::new(helper)
                    .arg("watchdog")
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .process_group(0)
                    .spawn()
                    .map_err(|source| Error::Spawn {
                        component: "watchdog".to_string(),
                        program: helper.to_path_buf(),
                        source,
                    })?;
                let stdin = child.stdin.take();
                Some(Watchdog { child, stdin })
            }
            None => None,
        };
        let inner = Arc::new(Inner::default());
        let watched = Arc::clone(&inner);
        let monitor = std::thread::Builder::new()
            .name("ocm-testenv-monitor".to_string())
            .spawn(move || monitor(&watched))
            .ok();
        Ok(Supervisor {
            inner,
            monitor,
            watchdog: Mutex::new(watchdog),
        })
    }

    fn tell_watchdog(&self, line: &str) {
        if let Some(w) = lock(&self.watchdog).as_mut()
            && let Some(stdin) = w.stdin.as_mut()
        {
            let _ = writeln!(stdin, "{line}");
            let _ = stdin.flush();
        }
    }

    /// Starts `program args…` with its output appended to `log`.
    pub(crate) fn spawn(
        &self,
        component: &str,
        program: &Path,
        args: &[String],
        log: &Path,
        port: Option<u16>,
    ) -> Result<u32> {
        let child = start_child(component, program, args, log)?;
        let pid = child.id();
        self.tell_watchdog(&format!("pid {pid}"));
        tracing::debug!(component, pid, log = %log.display(), "started");
        lock(&self.inner.procs).push(Proc {
            info: ProcessInfo {
                component: component.to_string(),
                pid,
                log: log.to_path_buf(),
                port,
            },
            child,
            exited: false,
            program: program.to_path_buf(),
            args: args.to_vec(),
        });
        Ok(pid)
    }

    /// Kills the running child `component` and starts it again with the same arguments
    /// (an expected exit: not reported). Returns the new process id.
    pub(crate) fn restart(&self, component: &str) -> Result<u32> {
        let mut procs = lock(&self.inner.procs);
        let Some(p) = procs
            .iter_mut()
            .find(|p| p.info.component == component && !p.exited)
        else {
            return Err(Error::InvalidOptions(format!(
                "no running process {component:?} to restart"
            )));
        };
        // Holding the lock: the monitor cannot see this exit.
        let _ = p.child.kill();
        let _ = p.child.wait();
        let child = start_child(component, &p.program, &p.args, &p.info.log)?;
        p.info.pid = child.id();
        p.child = child;
        let pid = p.info.pid;
        drop(procs);
        self.tell_watchdog(&format!("pid {pid}"));
        tracing::info!(component, pid, "restarted");
        Ok(pid)
    }

    /// The running (and exited) children, in start order.
    pub(crate) fn processes(&self) -> Vec<ProcessInfo> {
        lock(&self.inner.procs)
            .iter()
            .map(|p| p.info.clone())
            .collect()
    }

    /// Fails with the first child that exited, if any did.
    pub(crate) fn check(&self) -> Result<()> {
        poll(&self.inner);
        match lock(&self.inner.exits).first() {
            Some(exit) => Err(exit_error(exit)),
            None => Ok(()),
        }
    }

    /// Every unexpected exit so far, as errors.
    pub(crate) fn exits(&self) -> Vec<Error> {
        poll(&self.inner);
        lock(&self.inner.exits).iter().map(exit_error).collect()
    }

    /// Kills every child (newest first) and reaps it.
    pub(crate) fn stop(&mut self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        if let Some(handle) = self.monitor.take() {
            let _ = handle.join();
        }
        let mut procs = lock(&self.inner.procs);
        for p in procs.iter_mut().rev() {
            if p.exited {
                continue;
            }
            // SIGKILL: the environment's state is thrown away, so there is nothing
            // to flush, and it cannot be ignored.
            let _ = p.child.kill();
            let _ = p.child.wait();
            p.exited = true;
            tracing::debug!(component = %p.info.component, pid = p.info.pid, "stopped");
        }
        drop(procs);
        self.tell_watchdog("stop");
        if let Some(mut w) = lock(&self.watchdog).take() {
            drop(w.stdin.take());
            let _ = w.child.wait();
        }
    }
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.stop();
    }
}

fn monitor(inner: &Inner) {
    while !inner.stopping.load(Ordering::SeqCst) {
        poll(inner);
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn poll(inner: &Inner) {
    if inner.stopping.load(Ordering::SeqCst) {
        return;
    }
    let mut procs = lock(&inner.procs);
    for p in procs.iter_mut().filter(|p| !p.exited) {
        if let Ok(Some(status)) = p.child.try_wait() {
            p.exited = true;
            let record = ExitRecord {
                component: p.info.component.clone(),
                status: status.to_string(),
                log: p.info.log.clone(),
                port: p.info.port,
            };
            tracing::error!(
                component = %record.component,
                status = %record.status,
                log = %record.log.display(),
                "child process exited unexpectedly; it is not restarted"
            );
            lock(&inner.exits).push(record);
        }
    }
}

/// Starts `program args…` in its own process group with its output appended to `log`.
fn start_child(component: &str, program: &Path, args: &[String], log: &Path) -> Result<Child> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| Error::io("opening log", log, e))?;
    let file2 = file
        .try_clone()
        .map_err(|e| Error::io("opening log", log, e))?;
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(file2)
        // Own process group: a Ctrl-C in the terminal reaches only the parent,
        // which then stops the children in order.
        .process_group(0)
        .spawn()
        .map_err(|source| Error::Spawn {
            component: component.to_string(),
            program: program.to_path_buf(),
            source,
        })
}

fn exit_error(exit: &ExitRecord) -> Error {
    let text = std::fs::read_to_string(&exit.log).unwrap_or_default();
    if let Some(port) = exit.port
        && text.contains("address already in use")
    {
        return Error::PortInUse {
            component: exit.component.clone(),
            port,
            log: exit.log.clone(),
        };
    }
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(5)..].join("\n");
    Error::ChildExited {
        component: exit.component.clone(),
        status: exit.status.clone(),
        log: exit.log.clone(),
        last_lines: tail,
    }
}

/// Is a process with this id still there (and not a zombie)?
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the parenthesised command name.
        Ok(stat) => match stat.rsplit_once(')') {
            Some((_, rest)) => !matches!(rest.trim_start().chars().next(), Some('Z' | 'X')),
            None => true,
        },
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crashed_children_are_reported_and_stop_reaps_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sup = Supervisor::new(None).expect("supervisor");
        let crash_log = dir.path().join("crash.log");
        sup.spawn(
            "crasher",
            Path::new("/bin/sh"),
            &["-c".to_string(), "echo boom; exit 3".to_string()],
            &crash_log,
            None,
        )
        .expect("spawn sh");
        let sleeper = sup
            .spawn(
                "sleeper",
                Path::new("/bin/sleep"),
                &["600".to_string()],
                &dir.path().join("sleep.log"),
                None,
            )
            .expect("spawn sleep");
        let mut err = None;
        for _ in 0..100 {
            if let Err(e) = sup.check() {
                err = Some(e);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        match err {
            Some(Error::ChildExited {
                component,
                log,
                last_lines,
                ..
            }) => {
                assert_eq!(component, "crasher");
                assert_eq!(log, crash_log);
                assert!(last_lines.contains("boom"), "{last_lines}");
            }
            other => panic!("expected ChildExited, got {other:?}"),
        }
        assert!(process_alive(sleeper));
        drop(sup);
        assert!(!process_alive(sleeper));
    }

    #[test]
    fn port_conflicts_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sup = Supervisor::new(None).expect("supervisor");
        sup.spawn(
            "server",
            Path::new("/bin/sh"),
            &[
                "-c".to_string(),
                "echo 'listen tcp 127.0.0.1:4242: bind: address already in use'; exit 1"
                    .to_string(),
            ],
            &dir.path().join("server.log"),
            Some(4242),
        )
        .expect("spawn sh");
        let mut err = None;
        for _ in 0..100 {
            if let Err(e) = sup.check() {
                err = Some(e);
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            matches!(err, Some(Error::PortInUse { port: 4242, .. })),
            "{err:?}"
        );
    }
}
