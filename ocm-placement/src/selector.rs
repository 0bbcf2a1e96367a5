//! Label selectors, validated and matched as `metav1.LabelSelectorAsSelector` and
//! `labels.Selector` do in Go.
//!
//! OCM uses them for `labelSelector` and `claimSelector` in placement predicates and decision
//! groups, and for `LabelSelector`-type cluster sets.

use crate::model::{LabelSelector, LabelSelectorRequirement};
use std::collections::BTreeMap;

/// Why a selector is invalid; the message follows the Go validation errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SelectorError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone)]
struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

/// A compiled selector. `Nothing` matches no set of labels, `Everything` matches all.
#[derive(Debug, Clone)]
pub struct Selector {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Nothing,
    Everything,
    Requirements(Vec<Requirement>),
}

impl Selector {
    /// A selector that matches nothing (Go's `labels.Nothing()`, what a nil selector becomes).
    pub fn nothing() -> Self {
        Selector {
            kind: Kind::Nothing,
        }
    }

    /// A selector that matches everything.
    pub fn everything() -> Self {
        Selector {
            kind: Kind::Everything,
        }
    }

    /// A selector from `matchLabels` (`key=value` for every entry).
    pub fn from_set(set: &BTreeMap<String, String>) -> Self {
        let reqs = set
            .iter()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                op: Op::In,
                values: vec![v.clone()],
            })
            .collect::<Vec<_>>();
        if reqs.is_empty() {
            Selector::everything()
        } else {
            Selector {
                kind: Kind::Requirements(reqs),
            }
        }
    }

    /// `metav1.LabelSelectorAsSelector`: `None` → nothing, empty → everything.
    pub fn try_from_label_selector(ls: Option<&LabelSelector>) -> Result<Self, SelectorError> {
        let Some(ls) = ls else {
            return Ok(Selector::nothing());
        };
        Self::try_from_parts(&ls.match_labels, &ls.match_expressions)
    }

    /// A claim selector: only `matchExpressions`, never `None`.
    pub fn try_from_expressions(exprs: &[LabelSelectorRequirement]) -> Result<Self, SelectorError> {
        Self::try_from_parts(&BTreeMap::new(), exprs)
    }

    fn try_from_parts(
        match_labels: &BTreeMap<String, String>,
        match_expressions: &[LabelSelectorRequirement],
    ) -> Result<Self, SelectorError> {
        if match_labels.is_empty() && match_expressions.is_empty() {
            return Ok(Selector::everything());
        }
        let mut reqs = Vec::with_capacity(match_labels.len() + match_expressions.len());
        for (k, v) in match_labels {
            let mut errs = Vec::new();
            validate_key(k, &mut errs);
            validate_value(v, "values[0]", &mut errs);
            finish(errs)?;
            reqs.push(Requirement {
                key: k.clone(),
                op: Op::In,
                values: vec![v.clone()],
            });
        }
        for e in match_expressions {
            let op = match e.operator.as_str() {
                "In" => Op::In,
                "NotIn" => Op::NotIn,
                "Exists" => Op::Exists,
                "DoesNotExist" => Op::DoesNotExist,
                other => {
                    return Err(SelectorError(format!(
                        "{other:?} is not a valid label selector operator"
                    )));
                }
            };
            let mut errs = Vec::new();
            validate_key(&e.key, &mut errs);
            match op {
                Op::In | Op::NotIn if e.values.is_empty() => errs.push(
                    "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty".to_owned(),
                ),
                Op::Exists | Op::DoesNotExist if !e.values.is_empty() => errs.push(format!(
                    "values: Invalid value: {:?}: values set must be empty for exists and does not exist",
                    e.values
                )),
                _ => {}
            }
            for (i, v) in e.values.iter().enumerate() {
                validate_value(v, &format!("values[{i}]"), &mut errs);
            }
            finish(errs)?;
            reqs.push(Requirement {
                key: e.key.clone(),
                op,
                values: e.values.clone(),
            });
        }
        Ok(Selector {
            kind: Kind::Requirements(reqs),
        })
    }

    /// Whether a label set matches: every requirement must hold.
    pub fn matches(&self, labels: &dyn Labels) -> bool {
        match &self.kind {
            Kind::Nothing => false,
            Kind::Everything => true,
            Kind::Requirements(reqs) => reqs.iter().all(|r| {
                let v = labels.get(&r.key);
                match r.op {
                    Op::In => v.is_some_and(|v| r.values.iter().any(|x| x == v)),
                    Op::NotIn => v.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                    Op::Exists => v.is_some(),
                    Op::DoesNotExist => v.is_none(),
                }
            }),
        }
    }

    /// Whether this selector matches every label set.
    pub fn is_everything(&self) -> bool {
        matches!(self.kind, Kind::Everything)
    }
}

/// Something a selector can look keys up in.
pub trait Labels {
    /// The value of `key`, if present.
    fn get(&self, key: &str) -> Option<&str>;
}

impl Labels for BTreeMap<String, String> {
    fn get(&self, key: &str) -> Option<&str> {
        BTreeMap::get(self, key).map(String::as_str)
    }
}

impl Labels for crate::model::StringMap {
    fn get(&self, key: &str) -> Option<&str> {
        crate::model::lookup(self, key).map(String::as_str)
    }
}

impl Labels for std::collections::HashMap<&str, &str> {
    fn get(&self, key: &str) -> Option<&str> {
        std::collections::HashMap::get(self, key).copied()
    }
}

/// Cluster claims as a label set: a repeated name reads its last value (as Go's map built from
/// the claim list does).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claims<'a>(pub(crate) &'a [crate::model::ClusterClaim]);

impl Labels for Claims<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|c| c.name == key)
            .map(|c| c.value.as_str())
    }
}

fn finish(errs: Vec<String>) -> Result<(), SelectorError> {
    match errs.len() {
        0 => Ok(()),
        1 => Err(SelectorError(errs.into_iter().next().unwrap_or_default())),
        _ => Err(SelectorError(format!("[{}]", errs.join(", ")))),
    }
}

const QUALIFIED_NAME_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_alnum(b[0])
        && is_alnum(b[b.len() - 1])
        && b.iter()
            .all(|&c| is_alnum(c) || c == b'-' || c == b'_' || c == b'.')
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`
fn is_dns1123_subdomain(s: &str) -> bool {
    if s.is_empty() || s.len() > DNS1123_SUBDOMAIN_MAX {
        return false;
    }
    s.split('.').all(|label| {
        let b = label.as_bytes();
        let lower_alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && lower_alnum(b[0])
            && lower_alnum(b[b.len() - 1])
            && b.iter().all(|&c| lower_alnum(c) || c == b'-')
    })
}

const NAME_FMT_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/// `validation.IsQualifiedName`, reported as `key: Invalid value: …`.
fn validate_key(key: &str, errs: &mut Vec<String>) {
    let mut msgs = Vec::new();
    let parts: Vec<&str> = key.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                msgs.push("prefix part must be non-empty".to_owned());
            } else if !is_dns1123_subdomain(prefix) {
                msgs.push("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_owned());
            }
            *name
        }
        _ => {
            msgs.push(format!("a qualified name {NAME_FMT_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
            errs.push(format!("key: Invalid value: {key:?}: {}", msgs.join("; ")));
            return;
        }
    };
    if name.is_empty() {
        msgs.push("name part must be non-empty".to_owned());
    } else if name.len() > QUALIFIED_NAME_MAX {
        msgs.push("name part must be no more than 63 bytes".to_owned());
    }
    if !name.is_empty() && !is_qualified_name_part(name) {
        msgs.push(NAME_FMT_MSG.to_owned());
    }
    if !msgs.is_empty() {
        errs.push(format!("key: Invalid value: {key:?}: {}", msgs.join("; ")));
    }
}

/// `validation.IsValidLabelValue`.
fn validate_value(v: &str, path: &str, errs: &mut Vec<String>) {
    let mut msgs = Vec::new();
    if v.len() > QUALIFIED_NAME_MAX {
        msgs.push("must be no more than 63 bytes".to_owned());
    }
    if !v.is_empty() && !is_qualified_name_part(v) {
        msgs.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".to_owned());
    }
    if !msgs.is_empty() {
        errs.push(format!("{path}: Invalid value: {v:?}: {}", msgs.join("; ")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn operators() {
        let s = Selector::try_from_expressions(&[
            req("a", "In", &["1", "2"]),
            req("b", "NotIn", &["x"]),
        ])
        .unwrap();
        assert!(s.matches(&labels(&[("a", "1")])));
        assert!(!s.matches(&labels(&[("a", "1"), ("b", "x")])));
        assert!(!s.matches(&labels(&[("a", "3")])));
        let s = Selector::try_from_expressions(&[
            req("a", "Exists", &[]),
            req("b", "DoesNotExist", &[]),
        ])
        .unwrap();
        assert!(s.matches(&labels(&[("a", "")])));
        assert!(!s.matches(&labels(&[("a", ""), ("b", "")])));
    }

    #[test]
    fn none_is_nothing_and_empty_is_everything() {
        assert!(
            !Selector::try_from_label_selector(None)
                .unwrap()
                .matches(&labels(&[]))
        );
        assert!(
            Selector::try_from_label_selector(Some(&LabelSelector::default()))
                .unwrap()
                .matches(&labels(&[]))
        );
    }

    #[test]
    fn invalid_selectors_are_errors() {
        assert!(Selector::try_from_expressions(&[req("a", "Gt", &["1"])]).is_err());
        assert!(Selector::try_from_expressions(&[req("a", "In", &[])]).is_err());
        assert!(Selector::try_from_expressions(&[req("a", "Exists", &["x"])]).is_err());
        assert!(Selector::try_from_expressions(&[req("-a", "Exists", &[])]).is_err());
        assert!(Selector::try_from_expressions(&[req("a/b/c", "Exists", &[])]).is_err());
        assert!(Selector::try_from_expressions(&[req("Example.com/b", "Exists", &[])]).is_err());
        assert!(
            Selector::try_from_expressions(&[req("example.com/b", "In", &["bad value"])]).is_err()
        );
        assert!(Selector::try_from_expressions(&[req("example.com/b", "In", &[""])]).is_ok());
    }
}
