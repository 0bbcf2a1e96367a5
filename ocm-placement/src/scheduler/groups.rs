//! Step 6: decision groups (upstream `generateDecisionGroups`).

use super::Status;
use crate::model::{IntOrString, ManagedCluster, Placement};
use crate::plugins::predicate::CompiledSelector;
use rustc_hash::FxHashSet as HashSet;

/// Upstream `calculateLength`.
pub(super) fn calculate_length(v: &IntOrString, total: usize) -> Result<usize, String> {
    let length: i64 = match v {
        IntOrString::Int(i) => i64::from(*i),
        IntOrString::String(s) => {
            let err = || format!("{s} invalid type: string is not a percentage");
            let Some(num) = s.strip_suffix('%') else {
                return Err(err());
            };
            let f = go_parse_float(num).ok_or_else(err)?;
            crate::plugins::go_f64_to_i64((f / 100.0 * total as f64).ceil())
        }
    };
    if length <= 0 || length > total as i64 {
        Ok(total)
    } else {
        Ok(length as usize)
    }
}

/// `strconv.ParseFloat(s, 64)` for decimal input (underscores between digits allowed as Go
/// does; hexadecimal floats are not supported and are treated as invalid).
pub(super) fn go_parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if body.starts_with("0x") {
        return None;
    }
    let cleaned: String = if s.contains('_') {
        let b = s.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if c == b'_' {
                let ok = i > 0
                    && i + 1 < b.len()
                    && b[i - 1].is_ascii_digit()
                    && b[i + 1].is_ascii_digit();
                if !ok {
                    return None;
                }
            }
        }
        s.replace('_', "")
    } else {
        s.to_owned()
    };
    match cleaned.to_ascii_lowercase().trim_start_matches(['+', '-']) {
        "inf" | "infinity" | "nan" => {}
        t if t.chars().any(|c| c.is_ascii_alphabetic() && c != 'e') => return None,
        _ => {}
    }
    cleaned.parse::<f64>().ok()
}

/// (group name, cluster names).
pub(super) type Groups = Vec<(String, Vec<String>)>;

/// Upstream `generateDecisionGroups`.
pub(super) fn generate_decision_groups(
    placement: &Placement,
    selected: &[&ManagedCluster],
) -> (Groups, Status) {
    let mut groups: Groups = Vec::new();
    let strategy = &placement.spec.decision_strategy.group_strategy;
    let length = match calculate_length(&strategy.clusters_per_decision_group, selected.len()) {
        Ok(l) => l,
        Err(m) => return (groups, Status::misconfigured(m)),
    };
    let mut pool: HashSet<&str> = selected.iter().map(|c| c.name.as_str()).collect();
    for g in &strategy.decision_groups {
        let sel = match CompiledSelector::without_cel(
            &g.group_cluster_selector.label_selector,
            &g.group_cluster_selector.claim_selector,
        ) {
            Ok(s) => s,
            Err(m) => return (groups, Status::misconfigured(m)),
        };
        let mut matched = Vec::new();
        for c in selected {
            if sel.matches_labels_and_claims(c) && pool.remove(c.name.as_str()) {
                matched.push(c.name.clone());
            }
        }
        divide(&g.group_name, matched, length, &mut groups);
    }
    let rest: Vec<String> = pool.into_iter().map(str::to_owned).collect();
    divide("", rest, length, &mut groups);
    if groups.is_empty() {
        groups.push((String::new(), Vec::new()));
    }
    (groups, Status::success())
}

/// Upstream `divideDecisionGroups`.
fn divide(name: &str, mut matched: Vec<String>, length: usize, out: &mut Groups) {
    matched.sort_unstable();
    if matched.is_empty() {
        return;
    }
    let length = length.max(1);
    let mut rest = matched.into_iter();
    loop {
        let chunk: Vec<String> = rest.by_ref().take(length).collect();
        if chunk.is_empty() {
            break;
        }
        out.push((name.to_owned(), chunk));
    }
}
