//! CEL cluster selectors (`celSelector.celExpressions`) through kube-cel.
//!
//! The environment mirrors upstream's (`ocm` v1.2.1 `helpers.NewEnv`): the variable
//! `managedCluster`, declared `map(string, dyn)` and bound to the whole cluster as upstream's
//! CEL reads it ([`crate::unstructured`]: Go's typed object converted to unstructured, with
//! its always-written fields, omitted empty ones, re-encoded quantities and times), the member
//! function `managedCluster.scores("<AddOnPlacementScore name>")` returning `[{name, value}]`,
//! and the Kubernetes CEL libraries (kube-cel: strings, lists, regex, URLs, IP/CIDR, semver,
//! format, quantity).
//!
//! Compiling an expression parses it and then type-checks it against that environment as
//! cel-go's `env.Compile` does (undeclared identifiers and functions, overloads by arity and
//! argument type, non-boolean `&&`/`||` operands, field selection on non-maps, comprehension
//! ranges): an error is `PlacementMisconfigured` with cel-go's text
//! (`compilation failed: ERROR: <input>:1:1: undeclared reference to 'x' (in container '')`
//! and the caret lines). `exists` and `all` absorb an element's error when another element
//! decides, as cel-go does.
//!
//! Expressions made only of label, name and allocatable/capacity string tests (`==`, `!=`,
//! `in`, `has()`, `startsWith`/`endsWith`/`contains`, `&&`, `||`, `!`) are evaluated natively,
//! with the engine's results, errors included (a property test compares the two); the others
//! go to the engine, which needs the cluster converted into CEL values for every cluster.
//!
//! Differences from cel-go, documented gaps:
//! - the checker finds an error's column by searching the source for its token (the parser
//!   keeps no positions), so with a repeated token it can point at another occurrence; the
//!   names of the libraries' opaque types in its messages may differ; parse errors are
//!   worded by the Rust parser;
//! - there is no cost model. Instead [`CelLimits`] bounds the number and the length of the
//!   expressions of a placement, and the wall-clock time of one predicate pass; exceeding the
//!   time budget fails the run with an `Error` (upstream's cost limit makes a cluster not
//!   match instead);
//! - `"…".parseJSON()` (upstream's JsonLib) passes the checker but has no implementation
//!   here: it is an evaluation error, so the cluster does not match.

mod absorb;
mod cache;
mod check;
mod native;
mod types;

use crate::model::ManagedCluster;
use kube_cel::KubeCelExt;
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::{Context, ExecutionError, IdedExpr, Program, Value};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// Bounds on CEL work per placement (the Rust engine has no cost budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CelLimits {
    /// Most expressions in one placement (all predicates together).
    pub max_expressions: usize,
    /// Longest expression, in bytes.
    pub max_expression_len: usize,
    /// Wall-clock budget for evaluating every expression over every cluster in one run.
    pub time_budget: Duration,
}

impl Default for CelLimits {
    fn default() -> Self {
        CelLimits {
            max_expressions: 64,
            max_expression_len: 10 * 1024,
            time_budget: Duration::from_secs(10),
        }
    }
}

impl CelLimits {
    /// Sets the maximum number of expressions.
    pub fn max_expressions(mut self, n: usize) -> Self {
        self.max_expressions = n;
        self
    }

    /// Sets the maximum expression length.
    pub fn max_expression_len(mut self, n: usize) -> Self {
        self.max_expression_len = n;
        self
    }

    /// Sets the time budget.
    pub fn time_budget(mut self, d: Duration) -> Self {
        self.time_budget = d;
        self
    }
}

/// Compiled expressions of one cluster selector.
pub(crate) struct CompiledCel {
    /// The parsed expressions, made error-absorbing as cel-go ([`absorb::rewrite`]).
    programs: Vec<IdedExpr>,
    /// The same expressions in the native subset, when all of them are in it.
    native: Option<Vec<native::Pred>>,
    /// Whether an expression the engine evaluates may call `scores()`.
    engine_needs_scores: bool,
}

impl std::fmt::Debug for CompiledCel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledCel")
            .field("programs", &self.programs.len())
            .field("native", &self.native.is_some())
            .finish()
    }
}

/// Compiles expressions (or finds them compiled before, [`cache`]); the error is upstream's
/// message form.
pub(crate) fn compile(exprs: &[String]) -> cache::Compiled {
    cache::get_or_compile(exprs, || compile_uncached(exprs).map(Arc::new))
}

fn compile_uncached(exprs: &[String]) -> Result<CompiledCel, String> {
    let mut programs = Vec::with_capacity(exprs.len());
    for e in exprs {
        match Program::compile(e) {
            Ok(p) => {
                check::check(e, p.expression())
                    .map_err(|issues| format!("compilation failed: {issues}"))?;
                programs.push(p);
            }
            Err(err) => return Err(format!("compilation failed: {err}")),
        }
    }
    let native = programs
        .iter()
        .map(|p: &Program| native::lower(p.expression()))
        .collect::<Option<Vec<_>>>();
    let programs = programs
        .iter()
        .map(|p| absorb::rewrite(p.expression()))
        .collect();
    let engine_needs_scores = native.is_none() && exprs.iter().any(|e| e.contains("scores"));
    Ok(CompiledCel {
        programs,
        native,
        engine_needs_scores,
    })
}

/// Whether scheduling `placement` evaluates a CEL expression with the engine (the only reader
/// of [`ManagedCluster::object`]): a predicate has expressions that compile and are not all in
/// the native subset, which reads the model's fields. A placement whose expressions do not
/// compile is misconfigured and evaluates none.
#[cfg(feature = "controller")]
pub(crate) fn engine_needed(placement: &crate::model::Placement) -> bool {
    placement.spec.predicates.iter().any(|p| {
        let exprs = &p.required_cluster_selector.cel_selector.cel_expressions;
        !exprs.is_empty() && compile(exprs).is_ok_and(|c| !c.is_native())
    })
}

impl CompiledCel {
    pub(crate) fn is_empty(&self) -> bool {
        self.programs.is_empty()
    }

    /// Whether every expression is evaluated natively (no [`CelEnv`] is needed).
    pub(crate) fn is_native(&self) -> bool {
        self.native.is_some()
    }

    /// Whether the engine evaluates an expression that may call `scores()`.
    pub(crate) fn engine_needs_scores(&self) -> bool {
        self.engine_needs_scores
    }

    /// The native result: whether every expression is `true` for the cluster (errors are
    /// `false`, as upstream). `None` when the engine must evaluate them.
    pub(crate) fn native_matches(&self, c: &ManagedCluster) -> Option<bool> {
        let preds = self.native.as_ref()?;
        Some(preds.iter().all(|p| p.eval(c) == Ok(true)))
    }
}

type ScoreIndex = HashMap<String, HashMap<String, Value>>;

/// The Kubernetes CEL libraries without `scores()`, built once.
static ROOT: LazyLock<Context<'static>> = LazyLock::new(root_context);

/// The Kubernetes CEL libraries and the error-absorbing comprehension helpers.
fn root_context() -> Context<'static> {
    let mut cx = Context::default().with_all();
    absorb::register(&mut cx);
    cx
}

/// The root context of a run: the shared one, or one with a `scores()` for the run's clusters.
enum Root {
    Shared,
    WithScores(Box<Context<'static>>),
}

/// An evaluation environment for one scheduling run.
pub(crate) struct CelEnv {
    root: Root,
    deadline: Instant,
    budget: Duration,
}

impl std::fmt::Debug for CelEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CelEnv")
            .field("budget", &self.budget)
            .finish()
    }
}

fn key(s: &str) -> Key {
    Key::String(Arc::new(s.to_owned()))
}

fn score_list(s: &crate::model::AddOnPlacementScore) -> Value {
    let items = s
        .scores
        .iter()
        .map(|i| {
            let mut m = HashMap::with_capacity(2);
            m.insert(key("name"), Value::String(Arc::new(i.name.clone())));
            m.insert(key("value"), Value::Int(i64::from(i.value)));
            Value::Map(Map { map: Arc::new(m) })
        })
        .collect::<Vec<_>>();
    Value::List(Arc::new(items))
}

impl CelEnv {
    /// An environment; with `scores`, its `scores()` reads the given clusters' scores (an
    /// expression that cannot call it does not need the index).
    pub(crate) fn new(clusters: &[&ManagedCluster], limits: &CelLimits, scores: bool) -> Self {
        let deadline = Instant::now() + limits.time_budget;
        if !scores {
            return CelEnv {
                root: Root::Shared,
                deadline,
                budget: limits.time_budget,
            };
        }
        let mut index: ScoreIndex = HashMap::new();
        for c in clusters {
            if c.scores.is_empty() {
                continue;
            }
            let per = index.entry(c.name.clone()).or_default();
            for s in &c.scores {
                per.insert(s.name.clone(), score_list(s));
            }
        }
        let index = Arc::new(index);
        let mut root = root_context();
        root.add_function(
            "scores",
            move |kube_cel::cel::extractors::This(this): kube_cel::cel::extractors::This<Value>,
                  name: Arc<String>|
                  -> Result<Value, ExecutionError> {
                let Value::Map(m) = &this else {
                    return Err(ExecutionError::function_error("scores", "failed to get cluster metadata"));
                };
                let Some(Value::Map(md)) = m.map.get(&key("metadata")) else {
                    return Err(ExecutionError::function_error("scores", "failed to get cluster metadata"));
                };
                let Some(Value::String(cluster)) = md.map.get(&key("name")) else {
                    return Err(ExecutionError::function_error("scores", "failed to get cluster name"));
                };
                match index.get(cluster.as_str()).and_then(|per| per.get(name.as_str())) {
                    Some(v) => Ok(v.clone()),
                    None => Err(ExecutionError::function_error(
                        "scores",
                        format!("failed to get score: addonplacementscore.cluster.open-cluster-management.io {name:?} not found"),
                    )),
                }
            },
        );
        CelEnv {
            root: Root::WithScores(Box::new(root)),
            deadline,
            budget: limits.time_budget,
        }
    }

    /// Whether every expression evaluates to `true` for the cluster. Errors and non-boolean
    /// results are `false`, as upstream. `Err` only when the time budget is spent.
    pub(crate) fn matches(
        &self,
        compiled: &CompiledCel,
        cluster_value: &Value,
    ) -> Result<bool, String> {
        if Instant::now() > self.deadline {
            return Err(format!(
                "CEL evaluation exceeded the time budget of {:?}",
                self.budget
            ));
        }
        let root: &Context<'static> = match &self.root {
            Root::Shared => &ROOT,
            Root::WithScores(r) => r,
        };
        let mut cx = root.new_inner_scope();
        cx.add_variable_from_value("managedCluster", cluster_value.clone());
        for p in &compiled.programs {
            match Value::resolve(p, &cx) {
                Ok(Value::Bool(true)) => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }
}

/// Which top-level parts of `managedCluster` the expressions can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Sections {
    metadata: bool,
    spec: bool,
    status: bool,
}

impl Sections {
    const ALL: Sections = Sections {
        metadata: true,
        spec: true,
        status: true,
    };

    /// A conservative scan of the sources: every `managedCluster` must be followed by
    /// `.metadata`, `.spec`, `.status` or `.scores(`; any other use (indexing, whole-value
    /// use, macros on it, a string containing the name) needs the whole object. The omitted
    /// parts are unreachable, so trimming them cannot change a result; it only saves building
    /// and converting them for every cluster.
    pub(crate) fn needed<'a>(exprs: impl IntoIterator<Item = &'a str>) -> Self {
        const VAR: &str = "managedCluster";
        let mut need = Sections::default();
        for e in exprs {
            let mut rest = e;
            while let Some(pos) = rest.find(VAR) {
                let before = rest[..pos].chars().next_back();
                let after = &rest[pos + VAR.len()..];
                rest = after;
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    // Part of a longer identifier: not the variable.
                    continue;
                }
                let Some(field) = after.strip_prefix('.') else {
                    return Sections::ALL;
                };
                let end = field
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(field.len());
                match &field[..end] {
                    "metadata" => need.metadata = true,
                    "spec" => need.spec = true,
                    "status" => need.status = true,
                    "scores" if field[end..].starts_with('(') => need.metadata = true,
                    _ => return Sections::ALL,
                }
            }
        }
        need
    }
}

fn string(s: &str) -> Value {
    Value::String(Arc::new(s.to_owned()))
}

fn object(entries: Vec<(&str, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries.into_iter().map(|(k, v)| (key(k), v)).collect();
    Value::Map(Map { map: Arc::new(map) })
}

fn string_map(m: &crate::model::StringMap) -> Value {
    let map: HashMap<Key, Value> = m.iter().map(|(k, v)| (key(k), string(v))).collect();
    Value::Map(Map { map: Arc::new(map) })
}

fn quantity_map(m: &crate::model::ResourceList) -> Value {
    let map: HashMap<Key, Value> = m
        .iter()
        .map(|(k, v)| (key(k), string(v.go_string())))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

/// A JSON value as a CEL value, numbers as Go's unstructured form holds them (`int64` when
/// integral, else `float64`).
fn json_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => string(s),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(json_value).collect())),
        serde_json::Value::Object(o) => {
            let map: HashMap<Key, Value> = o.iter().map(|(k, v)| (key(k), json_value(v))).collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

/// The `managedCluster` value of a cluster restricted to `sections`: its
/// [`ManagedCluster::object`] when set, else the shape Go writes for an object with only the
/// model's fields (as [`crate::unstructured::managed_cluster`] of
/// [`crate::wire::managed_cluster`]; a unit test checks they agree).
pub(crate) fn cluster_value(c: &ManagedCluster, sections: Sections) -> Value {
    if let Some(serde_json::Value::Object(o)) = c.object.as_deref() {
        let map: HashMap<Key, Value> = o
            .iter()
            .filter(|(k, _)| match k.as_str() {
                "metadata" => sections.metadata,
                "spec" => sections.spec,
                "status" => sections.status,
                _ => true,
            })
            .map(|(k, v)| (key(k), json_value(v)))
            .collect();
        return Value::Map(Map { map: Arc::new(map) });
    }
    let mut top = Vec::with_capacity(3);
    if sections.metadata {
        let mut md = vec![("name", string(&c.name))];
        if !c.labels.is_empty() {
            md.push(("labels", string_map(&c.labels)));
        }
        top.push(("metadata", object(md)));
    }
    if sections.spec {
        let mut spec = vec![("hubAcceptsClient", Value::Bool(false))];
        if !c.taints.is_empty() {
            let taints = c
                .taints
                .iter()
                .map(|t| {
                    let mut m = vec![("key", string(&t.key))];
                    if !t.value.is_empty() {
                        m.push(("value", string(&t.value)));
                    }
                    m.push(("effect", string(t.effect.as_str())));
                    if let Some(t) = t.time_added {
                        m.push(("timeAdded", string(&crate::wire::time(t))));
                    }
                    object(m)
                })
                .collect();
            spec.push(("taints", Value::List(Arc::new(taints))));
        }
        top.push(("spec", object(spec)));
    }
    if sections.status {
        let mut st = vec![("conditions", Value::Null)];
        if !c.capacity.is_empty() {
            st.push(("capacity", quantity_map(&c.capacity)));
        }
        if !c.allocatable.is_empty() {
            st.push(("allocatable", quantity_map(&c.allocatable)));
        }
        st.push(("version", object(Vec::new())));
        if !c.claims.is_empty() {
            let claims = c
                .claims
                .iter()
                .map(|cl| {
                    let mut m = Vec::with_capacity(2);
                    if !cl.name.is_empty() {
                        m.push(("name", string(&cl.name)));
                    }
                    if !cl.value.is_empty() {
                        m.push(("value", string(&cl.value)));
                    }
                    object(m)
                })
                .collect();
            st.push(("clusterClaims", Value::List(Arc::new(claims))));
        }
        top.push(("status", object(st)));
    }
    object(top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Taint, TaintEffect};

    #[cfg(feature = "controller")]
    #[test]
    fn engine_is_needed_only_outside_the_native_subset() {
        use crate::model::{ClusterPredicate, ClusterSelector, Placement, PlacementSpec};
        let with = |exprs: &[&[&str]]| {
            let mut spec = PlacementSpec::default();
            for e in exprs {
                let mut sel = ClusterSelector::default();
                for x in *e {
                    sel = sel.with_cel(*x);
                }
                spec.predicates.push(ClusterPredicate::new(sel));
            }
            engine_needed(&Placement::new("ns", "p").with_spec(spec))
        };
        let native = r#"managedCluster.metadata.labels["zone"] != "z0""#;
        let engine = r#"managedCluster.status.version.kubernetes.startsWith("v1.3")"#;
        assert!(!with(&[]));
        assert!(!with(&[&[]]));
        assert!(!with(&[&[native]]));
        assert!(with(&[&[engine]]));
        assert!(with(&[&[native, engine]]));
        assert!(with(&[&[native], &[engine]]));
        // Misconfigured: nothing is evaluated.
        assert!(!with(&[&[r#"undeclaredVariable == "x""#]]));
    }

    #[test]
    fn direct_value_matches_wire_json() {
        let c = ManagedCluster::new("a")
            .with_label("env", "prod")
            .with_claim("region", "eu")
            .with_claim("", "x")
            .with_resource("cpu", "2", "4")
            .with_taint(Taint::new("k", "", TaintEffect::NoSelect, None))
            .with_taint(Taint::new(
                "k",
                "v",
                TaintEffect::PreferNoSelect,
                "2026-01-01T00:00:00Z".parse().ok(),
            ));
        let go = |c: &ManagedCluster| {
            json_value(&crate::unstructured::managed_cluster(
                &crate::wire::managed_cluster(c),
            ))
        };
        assert_eq!(cluster_value(&c, Sections::ALL), go(&c));
        let bare = ManagedCluster::new("b");
        assert_eq!(cluster_value(&bare, Sections::ALL), go(&bare));
        let c = c.with_resource("memory", "4096Mi", "1000");
        assert_eq!(cluster_value(&c, Sections::ALL), go(&c));
        // With the object, its value is read as is.
        let with_object = bare.clone().with_object(&crate::wire::managed_cluster(&c));
        assert_eq!(cluster_value(&with_object, Sections::ALL), go(&c));
    }

    #[test]
    fn sections_are_conservative() {
        let n = |e: &str| Sections::needed([e]);
        assert_eq!(
            n(r#"managedCluster.metadata.labels["a"] == "b""#),
            Sections {
                metadata: true,
                spec: false,
                status: false
            }
        );
        assert_eq!(
            n(r#"managedCluster.scores("x").size() > 0"#),
            Sections {
                metadata: true,
                spec: false,
                status: false
            }
        );
        assert_eq!(
            n(
                "managedCluster.status.allocatable.cpu == '1' && managedCluster.spec.taints.size() == 0"
            ),
            Sections {
                metadata: false,
                spec: true,
                status: true
            }
        );
        assert_eq!(n(r#"managedCluster["status"] != null"#), Sections::ALL);
        assert_eq!(n("size(managedCluster) > 0"), Sections::ALL);
        assert_eq!(n("[managedCluster].all(m, has(m.status))"), Sections::ALL);
        assert_eq!(n("managedCluster.exists(k, k == 'status')"), Sections::ALL);
        assert_eq!(n("managedCluster .status"), Sections::ALL);
        assert_eq!(n("true"), Sections::default());
    }
}
