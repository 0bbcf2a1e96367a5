use std::path::Path;
use std::sync::{Arc, Mutex};

use super::*;
use crate::binaries::{Build, BuildOutcome, entry_name, main_package};

/// `go build -v` output of a cold build of kube-apiserver, shortened.
const GO_BUILD_V: &str = "\
go: downloading k8s.io/kubernetes v1.35.4
go: downloading k8s.io/component-base v0.35.4
go: downloading github.com/spf13/cobra v1.10.0
internal/goarch
internal/abi
k8s.io/apimachinery/pkg/util/sets
k8s.io/kubernetes/cmd/kube-apiserver/app
";

const MAIN: &str = "k8s.io/kubernetes/cmd/kube-apiserver";

#[test]
fn go_build_output_gives_the_step_and_the_packages_compiled() {
    assert_eq!(parse_go_build_output("", MAIN), (BuildStep::Loading, 0));
    let downloading: String = GO_BUILD_V
        .lines()
        .take(2)
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        parse_go_build_output(&downloading, MAIN),
        (BuildStep::DownloadingModules { modules: 2 }, 0)
    );
    assert_eq!(
        parse_go_build_output(GO_BUILD_V, MAIN),
        (BuildStep::Compiling, 4)
    );
    let linking = format!("{GO_BUILD_V}{MAIN}\n");
    assert_eq!(
        parse_go_build_output(&linking, MAIN),
        (BuildStep::Linking, 5)
    );
    // Compiler errors and `#` headers are not packages.
    let failed = format!(
        "{GO_BUILD_V}# k8s.io/foo\nvendor/foo/a.go:3:2: undefined: bar\ngo: some warning\n"
    );
    assert_eq!(
        parse_go_build_output(&failed, MAIN),
        (BuildStep::Compiling, 4)
    );
}

#[test]
fn the_main_package_is_resolved_against_the_wrapper_module() {
    let go_mod = "// comment\nmodule example.com/wrap\n\ngo 1.26\n";
    assert_eq!(main_package(go_mod, "."), "example.com/wrap");
    assert_eq!(
        main_package(go_mod, "./cmd/helper"),
        "example.com/wrap/cmd/helper"
    );
    assert_eq!(main_package(go_mod, MAIN), MAIN);
}

#[test]
fn durations_read_like_people_write_them() {
    assert_eq!(human(Duration::from_millis(4_240)), "4.2s");
    assert_eq!(human(Duration::from_secs(42)), "42s");
    assert_eq!(human(Duration::from_secs(545)), "9m05s");
}

#[test]
fn events_render_as_one_readable_line() {
    let progress = ProgressEvent::ProgramProgress {
        program: "kube-apiserver".to_string(),
        step: BuildStep::Compiling,
        elapsed: Duration::from_secs(60),
        packages_compiled: 351,
        packages_expected: Some(1856),
    };
    assert_eq!(
        progress.to_string(),
        "building kube-apiserver: compiling, 1m00s elapsed, 351 of about 1856 packages compiled"
    );
    let joining = ProgressEvent::SimulatedClusters {
        available: 250,
        total: 1000,
        elapsed: Duration::from_secs(42),
    };
    assert_eq!(
        joining.to_string(),
        "simulated clusters: 250/1000 available (at 42s)"
    );
    let agents = ProgressEvent::StartupPhase {
        phase: StartupPhase::SimulatedAgents { count: 1000 },
        elapsed: Duration::from_secs(12),
    };
    assert_eq!(
        agents.to_string(),
        "starting 1000 simulated cluster agent(s) (at 12s)"
    );
    let started = ProgressEvent::BuildStarted {
        cache_dir: "/c".into(),
        cache_entry: "/c/entry".into(),
        missing: vec!["kube-apiserver".to_string(), "etcd".to_string()],
    };
    let text = started.to_string();
    for needle in [
        "building kube-apiserver, etcd",
        "/c/entry",
        "cache directory is /c",
        "OCM_TESTENV_CACHE",
        "cargo run -p ocm-testenv -- build",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from {text:?}");
    }
    let phase = ProgressEvent::StartupPhase {
        phase: StartupPhase::Joining {
            cluster: "cluster1".to_string(),
        },
        elapsed: Duration::from_millis(10_300),
    };
    assert_eq!(phase.to_string(), "waiting for cluster1 to join (at 10s)");
    let cached = ProgressEvent::Cached {
        cache_entry: "/c/entry".into(),
        elapsed: Duration::from_millis(12),
    };
    assert_eq!(
        cached.to_string(),
        "using cached build /c/entry (checked in 0.0s)"
    );
    let crds = ProgressEvent::ProgramStarted {
        program: "crds".to_string(),
        index: 6,
        total: 6,
        log: "/c/e/logs/download-ocm-api.log".into(),
    };
    assert_eq!(
        crds.to_string(),
        "[6/6] collecting the OCM CRDs from the Go module cache (log: /c/e/logs/download-ocm-api.log)"
    );
    for e in [progress, started, phase, cached, crds] {
        assert!(!e.to_string().contains('\n'), "{e}");
    }
}

#[test]
fn by_default_only_compiling_is_printed() {
    let cached = ProgressEvent::Cached {
        cache_entry: "/c/e".into(),
        elapsed: Duration::ZERO,
    };
    let finished = ProgressEvent::ProgramFinished {
        program: "etcd".to_string(),
        elapsed: Duration::ZERO,
    };
    let phase = ProgressEvent::StartupPhase {
        phase: StartupPhase::Etcd,
        elapsed: Duration::ZERO,
    };
    let mut o = Observers::default();
    assert!(!o.prints(&cached));
    assert!(o.prints(&finished));
    assert!(!o.prints(&phase));
    o.set_print(true);
    assert!([&cached, &finished, &phase].iter().all(|e| o.prints(e)));
    o.set_print(false);
    assert!(![&cached, &finished, &phase].iter().any(|e| o.prints(e)));
    // A merged set keeps its own print setting unless the other has one.
    assert!(!o.merged(&Observers::default()).prints(&finished));
    let mut on = Observers::default();
    on.set_print(true);
    assert!(o.merged(&on).prints(&cached));
}

type Seen = Arc<Mutex<Vec<ProgressEvent>>>;

fn recorder(build: &mut Build) -> Seen {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    build.on_event(move |e| s.lock().expect("not poisoned").push(e.clone()));
    seen
}

const FAKE_GO_VERSION: &str = "go version go1.99.0-fake linux/amd64";

/// A `go` that answers `version` and, for `build`, prints `-v`-style lines, waits a little
/// and writes the `-o` file.
fn fake_go(dir: &Path) -> std::path::PathBuf {
    let go = dir.join("go");
    let script = format!(
        "#!/bin/sh\n\
         case \"$1\" in\n\
         version) echo '{FAKE_GO_VERSION}' ;;\n\
         build) out=''; while [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then out=\"$2\"; fi; shift; done\n\
         echo 'go: downloading example.com/dep v1.0.0'; echo example.com/dep; echo example.com/dep/sub\n\
         sleep 0.4; : > \"$out\" ;;\n\
         *) echo \"unexpected: $*\" >&2; exit 2 ;;\n\
         esac\n"
    );
    std::fs::write(&go, script).expect("write fake go");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    go
}

#[tokio::test]
async fn a_cold_build_reports_each_program_in_order_then_a_warm_one_is_cached() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    // The CRDs come from the Go module cache; mark them collected so that only the
    // (fake) compiles run.
    let crds = cache.join(entry_name(FAKE_GO_VERSION)).join("crds");
    std::fs::create_dir_all(&crds).expect("mkdir");
    std::fs::write(crds.join(".complete"), "").expect("marker");
    let mut build = Build::new();
    build
        .go(fake_go(tmp.path()))
        .cache_dir(&cache)
        .kubebuilder_assets(None)
        .progress(false);
    build.progress_interval = Duration::from_millis(100);
    let seen = recorder(&mut build);

    let report = build.ensure().await.expect("fake build");
    let programs = [
        "ocm-testenv-helper",
        "kube-apiserver",
        "kube-controller-manager",
        "etcd",
        "ocm-testenv-ocm",
    ];
    assert!(matches!(&report.outcome, BuildOutcome::Built { programs: p, .. } if p == &programs));
    let events = std::mem::take(&mut *seen.lock().expect("not poisoned"));
    let Some((
        ProgressEvent::BuildStarted {
            cache_dir, missing, ..
        },
        rest,
    )) = events.split_first()
    else {
        panic!("first event is not BuildStarted: {events:#?}");
    };
    assert_eq!(cache_dir, &cache);
    assert_eq!(missing, &programs);
    let Some((ProgressEvent::BuildFinished { cache_entry, .. }, mut rest)) = rest.split_last()
    else {
        panic!("last event is not BuildFinished: {events:#?}");
    };
    assert_eq!(cache_entry, &report.cache_entry);
    for (i, program) in programs.iter().enumerate() {
        let Some((
            ProgressEvent::ProgramStarted {
                program: p,
                index,
                total,
                ..
            },
            after,
        )) = rest.split_first()
        else {
            panic!("expected ProgramStarted for {program}: {events:#?}");
        };
        assert_eq!((p.as_str(), *index, *total), (*program, i + 1, 5));
        let ticks = after
            .iter()
            .take_while(|e| matches!(e, ProgressEvent::ProgramProgress { .. }))
            .count();
        // The fake compiles for 0.4 s and is polled every 0.1 s.
        assert!(ticks >= 1, "no progress for {program}: {events:#?}");
        for e in &after[..ticks] {
            let ProgressEvent::ProgramProgress {
                program: p,
                step,
                packages_compiled,
                ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!(p, program);
            assert_eq!((*step, *packages_compiled), (BuildStep::Compiling, 2));
        }
        let Some(ProgressEvent::ProgramFinished { program: p, .. }) = after.get(ticks) else {
            panic!("expected ProgramFinished for {program}: {events:#?}");
        };
        assert_eq!(p, program);
        rest = &after[ticks + 1..];
    }
    assert!(rest.is_empty(), "unexpected events: {rest:#?}");

    // Everything is in the cache now: one event, and nothing built.
    let again = build.ensure().await.expect("cached build");
    assert_eq!(again.outcome, BuildOutcome::Reused);
    let events = std::mem::take(&mut *seen.lock().expect("not poisoned"));
    assert!(
        matches!(&events[..], [ProgressEvent::Cached { cache_entry, .. }] if *cache_entry == again.cache_entry),
        "{events:#?}"
    );
}

#[tokio::test]
async fn a_build_waiting_for_another_says_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let entry = cache.join(entry_name(FAKE_GO_VERSION));
    std::fs::create_dir_all(&entry).expect("mkdir");
    let lock_path = entry.with_file_name(format!(
        "{}.lock",
        entry
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    let held = std::fs::File::create(&lock_path).expect("lock file");
    held.lock().expect("lock");

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut build = Build::new();
    build
        .go(fake_go(tmp.path()))
        .cache_dir(&cache)
        .kubebuilder_assets(None)
        .progress(false)
        .on_event(move |e| {
            let _ = tx.send(e.clone());
        });
    let waiting = tokio::spawn(async move { build.ensure().await });
    let first = rx.recv().await.expect("an event");
    assert_eq!(first, ProgressEvent::WaitingForLock { lock: lock_path });
    drop(held); // the other "process" is done; the build goes on (and fails on the CRDs)
    let _ = waiting.await.expect("joined");
    assert!(
        matches!(rx.recv().await, Some(ProgressEvent::BuildStarted { .. })),
        "after the lock, the build starts"
    );
}
