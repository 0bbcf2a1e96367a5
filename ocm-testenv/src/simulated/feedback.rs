//! Status feedback as the Go work agent computes it (`getFeedbackValues`, the well-known
//! status paths, client-go's jsonpath for the forms OCM's rules use).

use ocm_api::conditions::{self, status};
use ocm_api::work::v1::{
    FeedBackType, FeedbackRule, FeedbackValue, FieldValue, ManifestResourceMeta, ValueType,
};
use serde_json::Value;

/// Go's `getFeedbackValues`.
pub(crate) fn feedback(
    live: &Value,
    meta: &ManifestResourceMeta,
    rules: Option<&[FeedbackRule]>,
) -> (
    Vec<FeedbackValue>,
    k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition,
) {
    let synced = |status: &str, reason: &str, message: String| {
        conditions::new(
            conditions::MANIFEST_STATUS_FEEDBACK_SYNCED,
            status,
            reason,
            message,
        )
    };
    let Some(rules) = rules.filter(|r| !r.is_empty()) else {
        return (
            Vec::new(),
            synced(status::TRUE, "NoStatusFeedbackSynced", String::new()),
        );
    };
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for rule in rules {
        let paths: Vec<(String, String)> = match rule.type_ {
            FeedBackType::WellKnownStatus => {
                let known = well_known(&meta.group, &meta.version, &meta.kind);
                if known.is_empty() {
                    errors.push(format!(
                        "cannot find the wellknown statuses for resource with gvk {}/{}, Kind={}",
                        meta.group, meta.version, meta.kind
                    ));
                }
                known
                    .iter()
                    .map(|(n, p)| (n.to_string(), p.to_string()))
                    .collect()
            }
            FeedBackType::JsonPaths => rule
                .json_paths
                .iter()
                .filter(|p| {
                    let matches = p
                        .version
                        .as_deref()
                        .is_none_or(|v| v.is_empty() || v == meta.version);
                    if !matches {
                        errors.push(format!(
                            "version set in the path {} is not matched for the related resource",
                            p.name
                        ));
                    }
                    matches
                })
                .map(|p| (p.name.clone(), p.path.clone()))
                .collect(),
            _ => {
                errors.push(format!("unsupported feedback rule type {:?}", rule.type_));
                Vec::new()
            }
        };
        for (name, path) in paths {
            match value_at(live, &path) {
                Ok(None) => {}
                Ok(Some(v)) => match field_value(&v) {
                    Some(value) => values.push(FeedbackValue { name, value }),
                    None => errors.push(format!("the type of the value for {name} is not found")),
                },
                Err(e) => errors.push(format!(
                    "failed to parse json path {path} of {name} with error: {e}"
                )),
            }
        }
    }
    if errors.is_empty() {
        (
            values,
            synced(status::TRUE, "StatusFeedbackSynced", String::new()),
        )
    } else {
        let message = format!(
            "Sync status feedback failed with error {}",
            if errors.len() == 1 {
                errors[0].clone()
            } else {
                format!("[{}]", errors.join(", "))
            }
        );
        (
            values,
            synced(status::FALSE, "StatusFeedbackSyncFailed", message),
        )
    }
}

/// Go's well-known status paths (`pkg/work/spoke/statusfeedback/rules`).
fn well_known(group: &str, version: &str, kind: &str) -> &'static [(&'static str, &'static str)] {
    match (group, version, kind) {
        ("apps", "v1", "Deployment") => &[
            ("ReadyReplicas", ".status.readyReplicas"),
            ("Replicas", ".status.replicas"),
            ("AvailableReplicas", ".status.availableReplicas"),
        ],
        ("apps", "v1", "DaemonSet") => &[
            ("NumberReady", ".status.numberReady"),
            ("DesiredNumberScheduled", ".status.desiredNumberScheduled"),
            ("NumberAvailable", ".status.numberAvailable"),
        ],
        ("batch", "v1", "Job") => &[
            (
                "JobComplete",
                r#".status.conditions[?(@.type=="Complete")].status"#,
            ),
            ("JobSucceeded", ".status.succeeded"),
        ],
        ("", "v1", "Pod") => &[
            (
                "PodReady",
                r#".status.conditions[?(@.type=="Ready")].status"#,
            ),
            ("PodPhase", ".status.phase"),
        ],
        _ => &[],
    }
}

pub(crate) fn field_value(v: &Value) -> Option<FieldValue> {
    let empty = |type_| FieldValue {
        type_,
        integer: None,
        string: None,
        boolean: None,
        json_raw: None,
    };
    match v {
        Value::Number(n) => n.as_i64().map(|i| FieldValue {
            integer: Some(i),
            ..empty(ValueType::Integer)
        }),
        Value::String(s) => Some(FieldValue {
            string: Some(s.clone()),
            ..empty(ValueType::String)
        }),
        Value::Bool(b) => Some(FieldValue {
            boolean: Some(*b),
            ..empty(ValueType::Boolean)
        }),
        _ => None,
    }
}

/// The first value a JSON path finds in `obj` (`None`: missing, as Go's `AllowMissingKeys`).
pub(crate) fn value_at(obj: &Value, path: &str) -> Result<Option<Value>, String> {
    let mut current = vec![obj.clone()];
    let mut rest = path.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let (field, tail) = r.split_at(end);
            if field.is_empty() {
                return Err(format!("empty field name at {rest:?}"));
            }
            current = current
                .iter()
                .filter_map(|v| v.get(field).cloned())
                .collect();
            rest = tail;
        } else if let Some(r) = rest.strip_prefix("[?(") {
            let end = r
                .find(")]")
                .ok_or_else(|| format!("unclosed filter at {rest:?}"))?;
            let (filter, tail) = (&r[..end], &r[end + 2..]);
            let (lhs, rhs) = filter
                .split_once("==")
                .ok_or_else(|| format!("unsupported filter {filter:?}"))?;
            let field = lhs
                .trim()
                .strip_prefix("@.")
                .ok_or_else(|| format!("unsupported filter {filter:?}"))?;
            let want = rhs.trim().trim_matches(|c| c == '"' || c == '\'');
            current = current
                .iter()
                .filter_map(Value::as_array)
                .flatten()
                .filter(|item| item.get(field).and_then(Value::as_str) == Some(want))
                .cloned()
                .collect();
            rest = tail;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r
                .find(']')
                .ok_or_else(|| format!("unclosed index at {rest:?}"))?;
            let index: usize = r[..end]
                .trim()
                .parse()
                .map_err(|_| format!("unsupported index {:?}", &r[..end]))?;
            current = current
                .iter()
                .filter_map(|v| v.get(index).cloned())
                .collect();
            rest = &r[end + 1..];
        } else {
            return Err(format!("unexpected {rest:?}"));
        }
    }
    Ok(current.into_iter().next().filter(|v| !v.is_null()))
}
