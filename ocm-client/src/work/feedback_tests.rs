//! Unit tests of feedback decoding.

use super::*;
use ocm_api::work::v1::{
    FieldValue, ManifestCondition, ManifestResourceMeta, ManifestResourceStatus, ManifestWorkSpec,
    ManifestWorkStatus, StatusFeedbackResult,
};
use serde::Deserialize;
use serde_json::json;

fn id(name: &str) -> ResourceIdentifier {
    ResourceIdentifier {
        group: "apps".into(),
        resource: "deployments".into(),
        name: name.into(),
        namespace: "default".into(),
    }
}

fn manifest(name: &str, values: Vec<FeedbackValue>) -> ManifestCondition {
    ManifestCondition {
        resource_meta: ManifestResourceMeta {
            ordinal: 0,
            group: "apps".into(),
            version: "v1".into(),
            kind: "Deployment".into(),
            resource: "deployments".into(),
            name: name.into(),
            namespace: "default".into(),
        },
        status_feedbacks: StatusFeedbackResult { values },
        conditions: Vec::new(),
    }
}

fn work(manifests: Vec<ManifestCondition>) -> ManifestWork {
    let mut w = ManifestWork::new("w", ManifestWorkSpec::default());
    w.status = Some(ManifestWorkStatus {
        conditions: Vec::new(),
        resource_status: ManifestResourceStatus { manifests },
    });
    w
}

fn value(name: &str, value: FieldValue) -> FeedbackValue {
    FeedbackValue {
        name: name.into(),
        value,
    }
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Web {
    ready_replicas: i64,
    image: String,
    paused: bool,
    conditions: Vec<Cond>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Cond {
    #[serde(rename = "type")]
    type_: String,
    status: String,
}

fn all_types() -> Vec<FeedbackValue> {
    vec![
        value("readyReplicas", FieldValue::integer(3)),
        value("image", FieldValue::string("nginx:1")),
        value("paused", FieldValue::boolean(true)),
        value(
            "conditions",
            FieldValue::json_raw(r#"[{"type":"Available","status":"True"}]"#),
        ),
    ]
}

#[test]
fn every_value_type_decodes_by_camel_case_name() {
    let w = work(vec![
        manifest("other", vec![]),
        manifest("web", all_types()),
    ]);
    let decoded: Result<Web, _> = feedback(&w, &id("web"));
    assert_eq!(
        decoded.ok(),
        Some(Web {
            ready_replicas: 3,
            image: "nginx:1".into(),
            paused: true,
            conditions: vec![Cond {
                type_: "Available".into(),
                status: "True".into()
            }],
            note: None,
        })
    );
    let map = feedback_values(&w, &id("web")).unwrap_or_default();
    assert_eq!(map.get("readyReplicas"), Some(&json!(3)));
}

#[test]
fn a_missing_value_is_named() {
    let mut values = all_types();
    values.remove(1);
    let err = feedback::<Web>(&work(vec![manifest("web", values)]), &id("web")).err();
    match err {
        Some(FeedbackError::Missing { name, reported }) => {
            assert_eq!(name, "image");
            assert_eq!(reported, ["conditions", "paused", "readyReplicas"]);
        }
        other => panic!("expected Missing, got {other:?}"),
    }
}

#[test]
fn a_mistyped_value_is_named() {
    let mut values = all_types();
    values[0] = value("readyReplicas", FieldValue::string("three"));
    let err = feedback::<Web>(&work(vec![manifest("web", values)]), &id("web")).err();
    match err {
        Some(FeedbackError::Mistyped { name, reason }) => {
            assert_eq!(name, "readyReplicas");
            assert!(reason.contains("expected i64"), "{reason}");
        }
        other => panic!("expected Mistyped, got {other:?}"),
    }
    // Inside a JsonRaw value, the path names the field.
    let mut values = all_types();
    values[3] = value(
        "conditions",
        FieldValue::json_raw(r#"[{"type":"A","status":1}]"#),
    );
    let err = feedback::<Web>(&work(vec![manifest("web", values)]), &id("web")).err();
    assert!(
        matches!(&err, Some(FeedbackError::Mistyped { name, .. }) if name == "conditions[0].status"),
        "{err:?}"
    );
    let mut values = all_types();
    values[3] = value("conditions", FieldValue::json_raw(r#"[{"type":"A"}]"#));
    let err = feedback::<Web>(&work(vec![manifest("web", values)]), &id("web")).err();
    assert!(
        matches!(&err, Some(FeedbackError::Missing { name, .. }) if name == "conditions[0].status"),
        "{err:?}"
    );
}

#[test]
fn invalid_values_are_refused() {
    let mut broken = FieldValue::integer(1);
    broken.integer = None;
    let err = value_map(&[value("n", broken)]).err();
    assert!(
        matches!(&err, Some(FeedbackError::InvalidValue { name, reason }) if name == "n" && reason.contains("integer")),
        "{err:?}"
    );
    let err = value_map(&[value("j", FieldValue::json_raw("{not json"))]).err();
    assert!(matches!(err, Some(FeedbackError::InvalidValue { .. })));
}

#[test]
fn the_identifier_selects_one_manifest() {
    let w = work(vec![
        manifest("web-1", vec![value("n", FieldValue::integer(1))]),
        manifest("web-2", vec![value("n", FieldValue::integer(2))]),
    ]);
    #[derive(Deserialize)]
    struct N {
        n: i64,
    }
    assert_eq!(feedback::<N>(&w, &id("web-2")).map(|v| v.n).ok(), Some(2));
    assert!(matches!(
        feedback::<N>(&w, &id("web-*")),
        Err(FeedbackError::Ambiguous { count: 2, .. })
    ));
    assert!(matches!(
        feedback::<N>(&w, &id("web-3")),
        Err(FeedbackError::NotReported { .. })
    ));
    let mut other_group = id("web-1");
    other_group.group = String::new();
    assert!(matches!(
        feedback::<N>(&w, &other_group),
        Err(FeedbackError::NotReported { .. })
    ));
    assert!(matches!(
        feedback::<N>(
            &ManifestWork::new("w", ManifestWorkSpec::default()),
            &id("web-1")
        ),
        Err(FeedbackError::NotReported { .. })
    ));
    let msg = feedback::<N>(&w, &id("web-3")).err().map(|e| e.to_string());
    assert_eq!(
        msg.as_deref(),
        Some(r#"no status reported for a manifest matching deployments.apps "default/web-3""#)
    );
}

#[test]
fn the_stream_state_yields_only_changes() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct N {
        n: i64,
    }
    let mut state = State::default();
    let mut step = |w: Option<ManifestWork>| {
        state
            .next::<N>(Ok(w), &id("web"), "watching", "ns/w")
            .map(|r| r.map_err(|e| e.to_string()))
    };
    let at = |n: i64| {
        work(vec![manifest(
            "web",
            vec![value("n", FieldValue::integer(n))],
        )])
    };
    assert_eq!(step(Some(work(vec![]))), None, "nothing reported yet");
    assert_eq!(step(Some(at(1))), Some(Ok(N { n: 1 })));
    assert_eq!(step(Some(at(1))), None, "unchanged");
    assert_eq!(step(Some(at(2))), Some(Ok(N { n: 2 })));
    assert!(matches!(step(None), Some(Err(_))), "gone");
    assert_eq!(step(None), None, "gone is said once");
    assert_eq!(step(Some(at(2))), Some(Ok(N { n: 2 })), "back");
}
