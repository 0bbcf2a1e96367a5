//! A native evaluator for the common shapes of cluster CEL expressions.
//!
//! Most placement CEL selectors compare labels, the cluster name or allocatable/capacity
//! strings: `managedCluster.metadata.labels["zone"] != "z0"`, `"gpu" in
//! managedCluster.metadata.labels`, `managedCluster.metadata.name.startsWith("prod-")`. The
//! CEL engine evaluates them by converting the whole cluster into CEL values for every cluster,
//! which costs microseconds; these shapes need one map lookup.
//!
//! [`lower`] translates a parsed expression into [`Pred`] when every node is in the subset
//! below, and returns `None` otherwise (the engine then evaluates it). The subset is
//! statically typed, so no run-time type dispatch is needed:
//!
//! - boolean: `true`, `false`, `a && b`, `a || b`, `!a`, `s == t`, `s != t`,
//!   `s in ["x", "y"]`, `"k" in M`, `has(M.k)`, `has(managedCluster.metadata.labels)` (and the
//!   two status maps), `s.startsWith(t)`, `s.endsWith(t)`, `s.contains(t)`;
//! - string `s`, `t`: a string literal, `managedCluster.metadata.name`, `M["k"]`, `M.k`;
//! - map `M`: `managedCluster.metadata.labels`, `managedCluster.status.allocatable`,
//!   `managedCluster.status.capacity`.
//!
//! Results follow the engine exactly, errors included, because an error is not `false` under
//! `!` or in `||`/`&&`: reading a missing key or a map the cluster does not have (the JSON form
//! omits empty maps) is an error; `&&` and `||` absorb an error when the other side decides
//! (`false && error` is `false`, `true || error` is `true`), as CEL specifies. A property test
//! compares this evaluator with the engine on generated expressions and clusters.

use crate::model::{ManagedCluster, lookup};
use crate::quantity::Quantity;
use kube_cel::cel::common::ast::operators;
use kube_cel::cel::common::ast::{Expr, IdedExpr, LiteralValue};

/// The CEL variable holding the cluster.
const VAR: &str = "managedCluster";

/// A map of the cluster that an expression can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapRef {
    /// `managedCluster.metadata.labels`.
    Labels,
    /// `managedCluster.status.allocatable`.
    Allocatable,
    /// `managedCluster.status.capacity`.
    Capacity,
}

/// An evaluation error (the engine's error, whatever its kind: only its presence matters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EvalError;

type Eval<T> = Result<T, EvalError>;

impl MapRef {
    /// The value of `key`: `Err` when the map is absent from the cluster's JSON form (it is
    /// omitted when empty) or has no such key.
    fn get<'c>(self, c: &'c ManagedCluster, key: &str) -> Eval<&'c str> {
        let v = match self {
            MapRef::Labels => lookup(&c.labels, key).map(String::as_str),
            MapRef::Allocatable => lookup(&c.allocatable, key).map(Quantity::go_string),
            MapRef::Capacity => lookup(&c.capacity, key).map(Quantity::go_string),
        };
        v.ok_or(EvalError)
    }

    /// Whether the map has `key`: `Err` when the map is absent.
    fn contains(self, c: &ManagedCluster, key: &str) -> Eval<bool> {
        if !self.present(c) {
            return Err(EvalError);
        }
        Ok(match self {
            MapRef::Labels => lookup(&c.labels, key).is_some(),
            MapRef::Allocatable => lookup(&c.allocatable, key).is_some(),
            MapRef::Capacity => lookup(&c.capacity, key).is_some(),
        })
    }

    /// Whether the map is in the cluster's JSON form (it is omitted when empty).
    fn present(self, c: &ManagedCluster) -> bool {
        match self {
            MapRef::Labels => !c.labels.is_empty(),
            MapRef::Allocatable => !c.allocatable.is_empty(),
            MapRef::Capacity => !c.capacity.is_empty(),
        }
    }
}

/// A string-valued expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Str {
    /// A literal.
    Lit(String),
    /// `managedCluster.metadata.name`.
    Name,
    /// `M["k"]` or `M.k`.
    Get(MapRef, String),
}

impl Str {
    fn eval<'a>(&'a self, c: &'a ManagedCluster) -> Eval<&'a str> {
        match self {
            Str::Lit(s) => Ok(s),
            Str::Name => Ok(&c.name),
            Str::Get(m, k) => m.get(c, k),
        }
    }
}

/// A string function called as a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrFn {
    StartsWith,
    EndsWith,
    Contains,
}

/// A boolean expression in the native subset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pred {
    Const(bool),
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
    /// `a == b`, or `a != b` when the flag is set.
    Eq(Str, Str, bool),
    /// `s in ["x", ...]`.
    InList(Str, Vec<String>),
    /// `"k" in M`, `has(M.k)`.
    HasKey(MapRef, String),
    /// `has(managedCluster.metadata.labels)` and the like.
    Present(MapRef),
    /// `s.f(t)`.
    Call(StrFn, Str, Str),
}

impl Pred {
    /// Evaluates the expression for a cluster, as the engine would.
    pub(crate) fn eval(&self, c: &ManagedCluster) -> Eval<bool> {
        match self {
            Pred::Const(b) => Ok(*b),
            Pred::And(a, b) => match a.eval(c) {
                Ok(false) => Ok(false),
                Ok(true) => b.eval(c),
                Err(e) => match b.eval(c) {
                    Ok(false) => Ok(false),
                    _ => Err(e),
                },
            },
            Pred::Or(a, b) => match a.eval(c) {
                Ok(true) => Ok(true),
                Ok(false) => b.eval(c),
                Err(e) => match b.eval(c) {
                    Ok(true) => Ok(true),
                    _ => Err(e),
                },
            },
            Pred::Not(a) => a.eval(c).map(|b| !b),
            Pred::Eq(a, b, negate) => {
                let a = a.eval(c)?;
                let b = b.eval(c)?;
                Ok((a == b) != *negate)
            }
            Pred::InList(s, list) => {
                let s = s.eval(c)?;
                Ok(list.iter().any(|x| x == s))
            }
            Pred::HasKey(m, k) => m.contains(c, k),
            Pred::Present(m) => Ok(m.present(c)),
            Pred::Call(f, s, t) => {
                let s = s.eval(c)?;
                let t = t.eval(c)?;
                Ok(match f {
                    StrFn::StartsWith => s.starts_with(t),
                    StrFn::EndsWith => s.ends_with(t),
                    StrFn::Contains => s.contains(t),
                })
            }
        }
    }
}

/// Translates a parsed expression into the native subset, or `None` if any part is outside.
pub(crate) fn lower(e: &IdedExpr) -> Option<Pred> {
    match &e.expr {
        Expr::Literal(LiteralValue::Boolean(b)) => Some(Pred::Const(*b.inner())),
        Expr::Select(s) if s.test => {
            if let Some(m) = map_ref(&s.operand) {
                return Some(Pred::HasKey(m, s.field.clone()));
            }
            named_map(section(&s.operand)?, &s.field).map(Pred::Present)
        }
        Expr::Call(call) if call.target.is_none() => {
            match (call.func_name.as_str(), &call.args[..]) {
                (operators::LOGICAL_AND, [a, b]) => {
                    Some(Pred::And(Box::new(lower(a)?), Box::new(lower(b)?)))
                }
                (operators::LOGICAL_OR, [a, b]) => {
                    Some(Pred::Or(Box::new(lower(a)?), Box::new(lower(b)?)))
                }
                (operators::LOGICAL_NOT, [a]) => Some(Pred::Not(Box::new(lower(a)?))),
                (operators::EQUALS, [a, b]) => Some(Pred::Eq(string(a)?, string(b)?, false)),
                (operators::NOT_EQUALS, [a, b]) => Some(Pred::Eq(string(a)?, string(b)?, true)),
                (operators::IN, [a, b]) => {
                    if let Some(m) = map_ref(b) {
                        let Expr::Literal(LiteralValue::String(k)) = &a.expr else {
                            return None;
                        };
                        return Some(Pred::HasKey(m, k.inner().to_owned()));
                    }
                    let Expr::List(list) = &b.expr else {
                        return None;
                    };
                    if !list.optional_indices.is_empty() {
                        return None;
                    }
                    let items = list
                        .elements
                        .iter()
                        .map(|x| match &x.expr {
                            Expr::Literal(LiteralValue::String(s)) => Some(s.inner().to_owned()),
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()?;
                    Some(Pred::InList(string(a)?, items))
                }
                _ => None,
            }
        }
        Expr::Call(call) => {
            let f = match call.func_name.as_str() {
                "startsWith" => StrFn::StartsWith,
                "endsWith" => StrFn::EndsWith,
                "contains" => StrFn::Contains,
                _ => return None,
            };
            let [arg] = &call.args[..] else {
                return None;
            };
            let target = call.target.as_deref()?;
            Some(Pred::Call(f, string(target)?, string(arg)?))
        }
        _ => None,
    }
}

/// A string-valued expression of the subset.
fn string(e: &IdedExpr) -> Option<Str> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(Str::Lit(s.inner().to_owned())),
        Expr::Select(s) if !s.test => {
            if let Some(m) = map_ref(&s.operand) {
                return Some(Str::Get(m, s.field.clone()));
            }
            (section(&s.operand) == Some("metadata") && s.field == "name").then_some(Str::Name)
        }
        Expr::Call(call) if call.target.is_none() && call.func_name == operators::INDEX => {
            let [m, k] = &call.args[..] else {
                return None;
            };
            let m = map_ref(m)?;
            let Expr::Literal(LiteralValue::String(k)) = &k.expr else {
                return None;
            };
            Some(Str::Get(m, k.inner().to_owned()))
        }
        _ => None,
    }
}

/// `managedCluster.<section>`: the section name.
fn section(e: &IdedExpr) -> Option<&str> {
    let Expr::Select(s) = &e.expr else {
        return None;
    };
    if s.test {
        return None;
    }
    match &s.operand.expr {
        Expr::Ident(v) if v == VAR => Some(s.field.as_str()),
        _ => None,
    }
}

/// One of the maps of the subset (a plain field selection, not `has()`).
fn map_ref(e: &IdedExpr) -> Option<MapRef> {
    let Expr::Select(s) = &e.expr else {
        return None;
    };
    if s.test {
        return None;
    }
    named_map(section(&s.operand)?, &s.field)
}

/// The map at `managedCluster.<section>.<field>`, if it is one of the subset's.
fn named_map(section: &str, field: &str) -> Option<MapRef> {
    match (section, field) {
        ("metadata", "labels") => Some(MapRef::Labels),
        ("status", "allocatable") => Some(MapRef::Allocatable),
        ("status", "capacity") => Some(MapRef::Capacity),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube_cel::cel::Program;

    fn lowered(src: &str) -> Option<Pred> {
        lower(Program::compile(src).ok()?.expression())
    }

    #[test]
    fn common_shapes_are_native() {
        for src in [
            r#"managedCluster.metadata.labels["zone"] != "z0""#,
            r#"managedCluster.metadata.labels.env == "prod""#,
            r#""gpu" in managedCluster.metadata.labels"#,
            r#"has(managedCluster.metadata.labels.gpu)"#,
            r#"has(managedCluster.metadata.labels)"#,
            r#"managedCluster.metadata.name.startsWith("prod-") || !(managedCluster.metadata.name in ["a", "b"])"#,
            r#"managedCluster.status.allocatable["cpu"] == "4" && managedCluster.status.capacity.memory.endsWith("Gi")"#,
            "true",
        ] {
            assert!(lowered(src).is_some(), "{src}");
        }
    }

    #[test]
    fn everything_else_is_left_to_the_engine() {
        for src in [
            r#"managedCluster.scores("s").exists(s, s.value > 3)"#,
            r#"managedCluster.metadata.labels["zone"] == 1"#,
            r#"size(managedCluster.metadata.labels) > 0"#,
            r#"managedCluster.metadata.labels.exists(k, k == "a")"#,
            r#"managedCluster["metadata"].name == "a""#,
            r#"managedCluster.metadata.labels[managedCluster.metadata.name] == "a""#,
            r#"has(managedCluster.metadata.name)"#,
            r#"managedCluster.metadata.name.matches("^a")"#,
            r#"managedCluster.spec.hubAcceptsClient"#,
            r#"x.metadata.labels.a == "b""#,
            r#"1 == 1"#,
        ] {
            assert_eq!(lowered(src), None, "{src}");
        }
    }

    #[test]
    fn errors_follow_cel_logic() {
        let bare = ManagedCluster::new("a");
        let labelled = ManagedCluster::new("a").with_label("k", "v");
        let missing = r#"managedCluster.metadata.labels.x == "y""#;
        // Without labels, reading them is an error, absorbed only when the other side decides.
        for (cluster, src, expected) in [
            (&bare, missing.to_owned(), Err(EvalError)),
            (&bare, format!("!({missing})"), Err(EvalError)),
            (&bare, format!("{missing} && false"), Ok(false)),
            (&bare, format!("{missing} || true"), Ok(true)),
            (&bare, format!("{missing} || false"), Err(EvalError)),
            (
                &bare,
                r#""x" in managedCluster.metadata.labels"#.into(),
                Err(EvalError),
            ),
            (
                &bare,
                "has(managedCluster.metadata.labels)".into(),
                Ok(false),
            ),
            (
                &labelled,
                r#""x" in managedCluster.metadata.labels"#.into(),
                Ok(false),
            ),
            (
                &labelled,
                "has(managedCluster.metadata.labels.k)".into(),
                Ok(true),
            ),
            (
                &labelled,
                r#"managedCluster.metadata.labels.x != "v""#.into(),
                Err(EvalError),
            ),
        ] {
            assert_eq!(lowered(&src).unwrap().eval(cluster), expected, "{src}");
        }
    }

    /// The native evaluator agrees with the engine, errors included, on generated expressions.
    mod agrees_with_engine {
        use super::*;
        use crate::cel::{Sections, cluster_value};
        use kube_cel::KubeCelExt;
        use kube_cel::cel::{Context, Value};
        use proptest::prelude::*;

        const WORDS: &[&str] = &["", "a", "prod", "pro", "z0", "4", "Gi", "16Gi", "a\"b"];
        const KEYS: &[&str] = &["env", "zone", "cpu", "memory", "gpu"];
        const MAPS: &[&str] = &[
            "managedCluster.metadata.labels",
            "managedCluster.status.allocatable",
            "managedCluster.status.capacity",
        ];

        fn lit(i: usize) -> String {
            format!("{:?}", WORDS[i % WORDS.len()])
        }

        fn string() -> impl Strategy<Value = String> {
            prop_oneof![
                (0..WORDS.len()).prop_map(lit),
                Just("managedCluster.metadata.name".to_owned()),
                (0..MAPS.len(), 0..KEYS.len(), any::<bool>()).prop_map(|(m, k, dot)| {
                    if dot {
                        format!("{}.{}", MAPS[m], KEYS[k])
                    } else {
                        format!("{}[{:?}]", MAPS[m], KEYS[k])
                    }
                }),
            ]
        }

        fn leaf() -> impl Strategy<Value = String> {
            prop_oneof![
                Just("true".to_owned()),
                Just("false".to_owned()),
                (string(), string(), any::<bool>())
                    .prop_map(|(a, b, eq)| format!("{a} {} {b}", if eq { "==" } else { "!=" })),
                (string(), proptest::collection::vec(0..WORDS.len(), 0..3)).prop_map(|(a, l)| {
                    let l: Vec<String> = l.into_iter().map(lit).collect();
                    format!("{a} in [{}]", l.join(", "))
                }),
                (0..KEYS.len(), 0..MAPS.len())
                    .prop_map(|(k, m)| format!("{:?} in {}", KEYS[k], MAPS[m])),
                (0..MAPS.len(), 0..KEYS.len())
                    .prop_map(|(m, k)| format!("has({}.{})", MAPS[m], KEYS[k])),
                (0..MAPS.len()).prop_map(|m| format!("has({})", MAPS[m])),
                (string(), string(), 0..3usize).prop_map(|(a, b, f)| format!(
                    "{a}.{}({b})",
                    ["startsWith", "endsWith", "contains"][f]
                )),
            ]
        }

        fn pred() -> impl Strategy<Value = String> {
            leaf().prop_recursive(4, 24, 2, |inner| {
                prop_oneof![
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) && ({b})")),
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) || ({b})")),
                    inner.prop_map(|a| format!("!({a})")),
                ]
            })
        }

        fn cluster() -> impl Strategy<Value = ManagedCluster> {
            let entries = || proptest::collection::vec((0..KEYS.len(), 0..WORDS.len()), 0..4);
            (0..WORDS.len(), entries(), entries(), entries()).prop_map(|(n, l, a, c)| {
                let mut m = ManagedCluster::new(WORDS[n]);
                for (k, v) in l {
                    m = m.with_label(KEYS[k], WORDS[v]);
                }
                for (k, v) in a {
                    m.allocatable.insert(KEYS[k].to_owned(), WORDS[v].into());
                }
                for (k, v) in c {
                    m.capacity.insert(KEYS[k].to_owned(), WORDS[v].into());
                }
                m
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn same_result(src in pred(), c in cluster()) {
                let program = Program::compile(&src).unwrap();
                let native = lower(program.expression());
                prop_assert!(native.is_some(), "not native: {}", src);
                let native = native.unwrap().eval(&c);
                let root = Context::default().with_all();
                let mut cx = root.new_inner_scope();
                cx.add_variable_from_value("managedCluster", cluster_value(&c, Sections::ALL));
                let engine = match program.execute(&cx) {
                    Ok(Value::Bool(b)) => Ok(b),
                    _ => Err(EvalError),
                };
                prop_assert_eq!(native, engine, "{} on {:?}", src, c);
            }
        }
    }
}
