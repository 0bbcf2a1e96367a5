//! Progress events of a real build against the shared cache (`~/.cache/ocm-testenv`, or
//! `OCM_TESTENV_CACHE`): a cached build says so in one event. Needs Go; the first run on a
//! machine builds everything (prebuild with `cargo run -p ocm-testenv -- build`).

use std::sync::{Arc, Mutex};

use ocm_testenv::{Build, BuildOutcome, ProgressEvent};

#[tokio::test]
async fn a_cached_build_emits_one_cached_event_and_a_cold_one_brackets_its_programs()
-> Result<(), ocm_testenv::Error> {
    let seen: Arc<Mutex<Vec<ProgressEvent>>> = Arc::default();
    let s = seen.clone();
    let report = Build::new()
        .on_event(move |e| s.lock().expect("not poisoned").push(e.clone()))
        .ensure()
        .await?;
    let events = seen.lock().expect("not poisoned").clone();
    for e in &events {
        eprintln!("event: {e}");
    }
    match &report.outcome {
        BuildOutcome::Reused => assert!(
            matches!(&events[..], [ProgressEvent::Cached { cache_entry, .. }] if *cache_entry == report.cache_entry),
            "a cached build emits exactly one Cached event: {events:#?}"
        ),
        BuildOutcome::Built { programs, .. } => {
            assert!(
                matches!(events.first(), Some(ProgressEvent::BuildStarted { missing, .. }) if missing == programs),
                "{events:#?}"
            );
            assert!(
                matches!(events.last(), Some(ProgressEvent::BuildFinished { cache_entry, .. }) if *cache_entry == report.cache_entry),
                "{events:#?}"
            );
        }
        other => panic!("unexpected outcome {other:?}"),
    }
    Ok(())
}
