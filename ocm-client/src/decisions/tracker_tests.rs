//! The settle half of the rule, on synthetic watch events and times.

use std::time::Duration;

use kube::runtime::watcher::Event;
use tokio::time::Instant;

use super::super::rule_tests::{page, placement};
use super::*;

const SETTLE: Duration = Duration::from_secs(1);
const MS: Duration = Duration::from_millis(1);

fn names(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("c{i:03}")).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn with_rv<K: kube::ResourceExt>(mut o: K, rv: u32) -> K {
    o.meta_mut().resource_version = Some(rv.to_string());
    o
}

/// A tracker that listed `p` and `pages` at `t0`.
fn listed(t0: Instant, p: Placement, pages: Vec<PlacementDecision>) -> Tracker {
    let mut t = Tracker::new(SETTLE, t0);
    assert_eq!(t.evaluate(t0), Err(Inconsistency::Listing));
    t.apply(Input::Placement(Event::Init), t0);
    t.apply(Input::Placement(Event::InitApply(p)), t0);
    t.apply(Input::Placement(Event::InitDone), t0);
    assert_eq!(t.evaluate(t0), Err(Inconsistency::Listing));
    t.apply(Input::Page(Event::Init), t0);
    for pd in pages {
        t.apply(Input::Page(Event::InitApply(pd)), t0);
    }
    t.apply(Input::Page(Event::InitDone), t0);
    t
}

#[test]
fn ocm_1346_is_held_back_until_the_rewrite_settles() {
    let t0 = Instant::now();
    let old = names(1..151); // c001..c150: page 1 = c001..c100, page 2 = c101..c150
    let status_old = with_rv(placement(&[("", 0, &[1, 2], 150)]), 10);
    let mut t = listed(
        t0,
        status_old,
        vec![
            with_rv(page(1, ("", 0), &refs(&old[..100])), 1),
            with_rv(page(2, ("", 0), &refs(&old[100..])), 2),
        ],
    );
    assert!(matches!(
        t.evaluate(t0 + 500 * MS),
        Err(Inconsistency::Unsettled { .. })
    ));
    let before = t.evaluate(t0 + SETTLE).expect("settled");
    assert_eq!(before.len(), 150);

    // c000 joins: page 1 becomes c000..c099, pushing c100 to page 2.
    let new = names(0..151);
    let t1 = t0 + 5 * SETTLE;
    t.apply(
        Input::Page(Event::Apply(with_rv(
            page(1, ("", 0), &refs(&new[..100])),
            11,
        ))),
        t1,
    );
    // Structurally fine, c100 missing: held back.
    for dt in [0, 100, 999] {
        assert!(
            matches!(
                t.evaluate(t1 + dt * MS),
                Err(Inconsistency::Unsettled { .. })
            ),
            "{dt} ms"
        );
    }
    t.apply(
        Input::Page(Event::Apply(with_rv(
            page(2, ("", 0), &refs(&new[100..])),
            12,
        ))),
        t1 + 50 * MS,
    );
    // New pages, old status: the count is off.
    assert!(matches!(
        t.evaluate(t1 + 2 * SETTLE),
        Err(Inconsistency::GroupCount { .. })
    ));
    let t2 = t1 + 80 * MS;
    t.apply(
        Input::Placement(Event::Apply(with_rv(
            placement(&[("", 0, &[1, 2], 151)]),
            13,
        ))),
        t2,
    );
    assert!(matches!(
        t.evaluate(t2 + 999 * MS),
        Err(Inconsistency::Unsettled { .. })
    ));
    let after = t.evaluate(t2 + SETTLE).expect("settled");
    assert_eq!(after.len(), 151);
    assert!(after.contains("c100") && after.contains("c000"));
}

#[test]
fn a_stall_longer_than_the_window_is_the_documented_limit() {
    let t0 = Instant::now();
    let old = names(1..151);
    let mut t = listed(
        t0,
        with_rv(placement(&[("", 0, &[1, 2], 150)]), 10),
        vec![
            with_rv(page(1, ("", 0), &refs(&old[..100])), 1),
            with_rv(page(2, ("", 0), &refs(&old[100..])), 2),
        ],
    );
    let new = names(0..151);
    t.apply(
        Input::Page(Event::Apply(with_rv(
            page(1, ("", 0), &refs(&new[..100])),
            11,
        ))),
        t0 + SETTLE,
    );
    let partial = t
        .evaluate(t0 + 2 * SETTLE)
        .expect("passes once the window is over");
    assert!(!partial.contains("c100"));
}

#[test]
fn a_relist_at_the_same_versions_does_not_reset_the_window_but_a_change_does() {
    let t0 = Instant::now();
    let p = with_rv(placement(&[("", 0, &[1], 1)]), 5);
    let pd = with_rv(page(1, ("", 0), &["a"]), 4);
    let mut t = listed(t0, p.clone(), vec![pd.clone()]);
    let later = t0 + 3 * SETTLE;
    t.apply(Input::Page(Event::Init), later);
    t.apply(Input::Page(Event::InitApply(pd.clone())), later);
    t.apply(Input::Page(Event::InitDone), later);
    t.apply(Input::Placement(Event::Apply(p)), later);
    assert!(t.evaluate(later).is_ok(), "nothing changed");

    // The pages are deleted with the placement: the empty set, once settled.
    t.apply(Input::Placement(Event::Delete(placement(&[]))), later);
    assert!(matches!(
        t.evaluate(later + 2 * SETTLE),
        Err(Inconsistency::PlacementNotFound { pages: 1 })
    ));
    t.apply(Input::Page(Event::Delete(pd)), later + MS);
    assert!(t.placement_absent());
    assert!(matches!(
        t.evaluate(later + MS),
        Err(Inconsistency::Unsettled { .. })
    ));
    assert_eq!(t.evaluate(later + MS + SETTLE), Ok(DecisionSet::default()));
    assert!(
        t.describe(later + MS + SETTLE)
            .contains("consistent, 0 clusters")
    );
}
