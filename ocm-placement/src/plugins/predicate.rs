use crate::model::{ClusterSelector, ManagedCluster};
use crate::plugin::{Filter, Filtered, PluginError, ScheduleContext};
use crate::selector::Selector;

#[cfg(feature = "cel")]
pub use crate::cel::CelLimits;

/// `Predicate`: a cluster passes if it matches **any** predicate; inside one
/// `requiredClusterSelector` the label selector, the claim selector and every CEL expression
/// must all match.
///
/// Invalid label or claim selectors and CEL expressions that do not parse are
/// misconfigurations (checked only when there are clusters to filter, as upstream). See
/// [`crate::cel`] for the CEL environment and its limits.
#[derive(Debug, Clone, Default)]
pub struct Predicate {
    #[cfg(feature = "cel")]
    limits: CelLimits,
}

impl Predicate {
    /// The plugin with default CEL limits.
    pub fn new() -> Self {
        Predicate::default()
    }

    /// The plugin with the given CEL limits.
    #[cfg(feature = "cel")]
    pub fn with_cel_limits(limits: CelLimits) -> Self {
        Predicate { limits }
    }
}

/// A compiled `ClusterSelector` (label, claim and CEL parts).
pub(crate) struct CompiledSelector {
    labels: Selector,
    claims: Selector,
    #[cfg(feature = "cel")]
    cel: Option<std::sync::Arc<crate::cel::CompiledCel>>,
}

impl CompiledSelector {
    /// Label and claim selectors only (decision groups do not support CEL).
    pub(crate) fn without_cel(
        label_selector: &crate::model::LabelSelector,
        claim_selector: &crate::model::ClusterClaimSelector,
    ) -> Result<Self, String> {
        Ok(CompiledSelector {
            labels: Selector::try_from_label_selector(Some(label_selector)).map_err(|e| e.0)?,
            claims: Selector::try_from_expressions(&claim_selector.match_expressions)
                .map_err(|e| e.0)?,
            #[cfg(feature = "cel")]
            cel: None,
        })
    }

    /// Whether the label and claim parts match.
    pub(crate) fn matches_labels_and_claims(&self, c: &ManagedCluster) -> bool {
        if !self.labels.matches(&c.labels) {
            return false;
        }
        if self.claims.is_everything() {
            return true;
        }
        self.claims.matches(&crate::selector::Claims(&c.claims))
    }

    #[cfg(feature = "cel")]
    fn compile(sel: &ClusterSelector) -> Result<Self, String> {
        let mut s = Self::without_cel(&sel.label_selector, &sel.claim_selector)?;
        let exprs = &sel.cel_selector.cel_expressions;
        if !exprs.is_empty() {
            s.cel = Some(crate::cel::compile(exprs)?);
        }
        Ok(s)
    }

    #[cfg(not(feature = "cel"))]
    fn compile(sel: &ClusterSelector) -> Result<Self, String> {
        if !sel.cel_selector.cel_expressions.is_empty() {
            return Err("CEL expressions need ocm-placement's `cel` feature".into());
        }
        Self::without_cel(&sel.label_selector, &sel.claim_selector)
    }
}

impl Predicate {
    #[cfg(feature = "cel")]
    fn check_limits(&self, cx: &ScheduleContext<'_>) -> Result<(), PluginError> {
        let n = cx.placement().cel_expressions().count();
        if n > self.limits.max_expressions {
            return Err(PluginError::Misconfigured(format!(
                "too many CEL expressions: expected at most {}, found {n}",
                self.limits.max_expressions
            )));
        }
        for e in cx.placement().cel_expressions() {
            if e.len() > self.limits.max_expression_len {
                return Err(PluginError::Misconfigured(format!(
                    "CEL expression too long: expected at most {} bytes, found {}",
                    self.limits.max_expression_len,
                    e.len()
                )));
            }
        }
        Ok(())
    }
}

impl Filter for Predicate {
    fn name(&self) -> &str {
        crate::filters::PREDICATE
    }

    fn filter(
        &self,
        cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Filtered, PluginError> {
        let preds = &cx.placement().spec.predicates;
        if preds.is_empty() || clusters.is_empty() {
            return Ok(Filtered::all(clusters.len()));
        }
        #[cfg(feature = "cel")]
        self.check_limits(cx)?;
        let compiled = preds
            .iter()
            .map(|p| CompiledSelector::compile(&p.required_cluster_selector))
            .collect::<Result<Vec<_>, _>>()
            .map_err(PluginError::Misconfigured)?;

        // The engine is needed only for expressions outside the native subset.
        #[cfg(feature = "cel")]
        let env = compiled
            .iter()
            .any(|c| {
                c.cel
                    .as_ref()
                    .is_some_and(|c| !c.is_empty() && !c.is_native())
            })
            .then(|| {
                let scores = compiled
                    .iter()
                    .any(|c| c.cel.as_ref().is_some_and(|c| c.engine_needs_scores()));
                crate::cel::CelEnv::new(clusters, &self.limits, scores)
            });

        #[cfg(feature = "cel")]
        let sections = crate::cel::Sections::needed(cx.placement().cel_expressions());
        let mut keep = Vec::with_capacity(clusters.len());
        for c in clusters {
            #[cfg(feature = "cel")]
            let mut value = None;
            let mut ok = false;
            for sel in &compiled {
                if !sel.matches_labels_and_claims(c) {
                    continue;
                }
                #[cfg(feature = "cel")]
                if let Some(cel) = &sel.cel
                    && !cel.is_empty()
                {
                    let matched = match (cel.native_matches(c), &env) {
                        (Some(m), _) => m,
                        (None, Some(env)) => {
                            let v =
                                value.get_or_insert_with(|| crate::cel::cluster_value(c, sections));
                            env.matches(cel, v).map_err(PluginError::Error)?
                        }
                        (None, None) => false,
                    };
                    if !matched {
                        continue;
                    }
                }
                ok = true;
                break;
            }
            keep.push(ok);
        }
        Ok(Filtered::new(keep))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        AddOnPlacementScore, ClusterPredicate, LabelSelector, LabelSelectorRequirement, Placement,
        PlacementSpec, Snapshot,
    };
    use crate::plugins::testutil::{cx, refs};

    fn placement(preds: Vec<ClusterSelector>) -> Placement {
        let spec = PlacementSpec {
            predicates: preds.into_iter().map(ClusterPredicate::new).collect(),
            ..Default::default()
        };
        Placement::new("ns", "p").with_spec(spec)
    }

    fn snapshot() -> Snapshot {
        Snapshot::new()
            .with_cluster(
                ManagedCluster::new("a")
                    .with_label("env", "prod")
                    .with_claim("region", "us"),
            )
            .with_cluster(
                ManagedCluster::new("b")
                    .with_label("env", "dev")
                    .with_claim("region", "eu"),
            )
            .with_cluster(
                ManagedCluster::new("c")
                    .with_label("env", "prod")
                    .with_claim("region", "eu")
                    .with_score(AddOnPlacementScore::new("res").with_item("cpu", 80)),
            )
    }

    #[test]
    fn predicates_or_selectors_and() {
        let p = placement(vec![
            ClusterSelector::default()
                .with_labels(LabelSelector::default().with_label("env", "prod"))
                .with_claim(LabelSelectorRequirement::new("region", "In", &["us"])),
            ClusterSelector::default()
                .with_labels(LabelSelector::default().with_label("env", "dev")),
        ]);
        let s = snapshot();
        assert_eq!(
            Predicate::new()
                .filter(&cx(&p, &s), &refs(&s))
                .map(|f| f.keep),
            Ok(vec![true, true, false])
        );
    }

    #[test]
    fn invalid_selector_is_misconfigured() {
        let p =
            placement(vec![ClusterSelector::default().with_claim(
                LabelSelectorRequirement::new("region", "Gt", &["1"]),
            )]);
        let s = snapshot();
        assert!(matches!(
            Predicate::new().filter(&cx(&p, &s), &refs(&s)),
            Err(PluginError::Misconfigured(_))
        ));
    }

    #[cfg(feature = "cel")]
    #[test]
    fn cel_with_scores() {
        let p = placement(vec![
            ClusterSelector::default()
                .with_cel(r#"managedCluster.metadata.labels["env"] == "prod""#)
                .with_cel(
                    r#"managedCluster.scores("res").exists(s, s.name == "cpu" && s.value > 50)"#,
                ),
        ]);
        let s = snapshot();
        assert_eq!(
            Predicate::new()
                .filter(&cx(&p, &s), &refs(&s))
                .map(|f| f.keep),
            Ok(vec![false, false, true])
        );
    }

    #[cfg(feature = "cel")]
    #[test]
    fn cel_errors() {
        let s = snapshot();
        let p = placement(vec![
            ClusterSelector::default().with_cel("managedCluster.metadata.name =="),
        ]);
        assert!(matches!(
            Predicate::new().filter(&cx(&p, &s), &refs(&s)),
            Err(PluginError::Misconfigured(_))
        ));
        // Runtime errors and non-booleans do not match.
        let p = placement(vec![
            ClusterSelector::default().with_cel("managedCluster.nope.x == 1"),
        ]);
        assert_eq!(
            Predicate::new()
                .filter(&cx(&p, &s), &refs(&s))
                .map(|f| f.keep),
            Ok(vec![false, false, false])
        );
        let p = placement(vec![ClusterSelector::default().with_cel("1")]);
        assert_eq!(
            Predicate::new()
                .filter(&cx(&p, &s), &refs(&s))
                .map(|f| f.keep),
            Ok(vec![false, false, false])
        );
        let limited = Predicate::with_cel_limits(CelLimits::default().max_expression_len(4));
        let p = placement(vec![ClusterSelector::default().with_cel("true == true")]);
        assert!(matches!(
            limited.filter(&cx(&p, &s), &refs(&s)),
            Err(PluginError::Misconfigured(_))
        ));
    }
}
