//! A type checker for upstream's CEL environment, over the parsed AST: what cel-go's
//! `env.Compile` reports after parsing, so that the same expressions are
//! `PlacementMisconfigured`.
//!
//! It reports undeclared identifiers and functions (`undeclared reference to 'x' (in
//! container '')`), calls that match no overload by arity or argument types (`found no
//! matching overload for 'f' applied to '(int, string)'`), non-boolean operands of `&&`/`||`
//! (`expected type 'bool' but found 'int'`), field selection on a non-map (`type 'int' does
//! not support field selection`) and comprehensions over a non-collection. `managedCluster`
//! is `map(string, dyn)`, so most of what an expression reads from it is `dyn` and checks
//! nothing, as in cel-go.
//!
//! Not reproduced: the column of an error is found by searching the source for the token (the
//! parser keeps no positions), so with a repeated token it can point at another occurrence;
//! cel-go's type parameters are approximated (an empty list is `list(dyn)`); opaque library
//! types print as `kubernetes.*`/`net.*` names that may differ from cel-go's.

use super::types::{P, Sig, Ty, is_namespace, is_type_name, overloads};
use kube_cel::cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue, operators};

/// Where an error points, resolved against the source text.
enum Anchor {
    /// An identifier token.
    Ident(String),
    /// The `(` after a function name.
    Call(String),
    /// An operator token.
    Op(&'static str),
    /// What follows an operator token (its right operand).
    After(&'static str),
    /// The start of the source.
    Start,
}

struct Error {
    anchor: Anchor,
    message: String,
}

struct Checker {
    scopes: Vec<(String, Ty)>,
    errors: Vec<Error>,
}

/// Type variable bindings while matching one overload.
#[derive(Default)]
struct Bindings {
    a: Option<Ty>,
    b: Option<Ty>,
}

fn assignable(p: &P, t: &Ty, bind: &mut Bindings) -> bool {
    let slot = match p {
        P::A => Some(&mut bind.a),
        P::B => Some(&mut bind.b),
        _ => None,
    };
    if let Some(slot) = slot {
        return match slot {
            _ if *t == Ty::Dyn => true,
            Some(bound) if *bound == Ty::Dyn => {
                *slot = Some(t.clone());
                true
            }
            Some(bound) => compatible(bound, t),
            None => {
                *slot = Some(t.clone());
                true
            }
        };
    }
    match (p, t) {
        (_, Ty::Dyn) | (P::Dyn, _) => true,
        (P::Bool, Ty::Bool)
        | (P::Int, Ty::Int)
        | (P::Uint, Ty::Uint)
        | (P::Double, Ty::Double)
        | (P::String, Ty::String)
        | (P::Bytes, Ty::Bytes)
        | (P::Duration, Ty::Duration)
        | (P::Timestamp, Ty::Timestamp)
        | (P::Type, Ty::Type) => true,
        (P::Opaque(a), Ty::Opaque(b)) => a == b,
        (P::List(e), Ty::List(te)) | (P::Optional(e), Ty::Optional(te)) => assignable(e, te, bind),
        (P::Map(k, v), Ty::Map(tk, tv)) => assignable(k, tk, bind) && assignable(v, tv, bind),
        _ => false,
    }
}

/// Two concrete types unify (`dyn` anywhere matches).
fn compatible(a: &Ty, b: &Ty) -> bool {
    match (a, b) {
        (Ty::Dyn, _) | (_, Ty::Dyn) => true,
        (Ty::List(x), Ty::List(y)) | (Ty::Optional(x), Ty::Optional(y)) => compatible(x, y),
        (Ty::Map(k1, v1), Ty::Map(k2, v2)) => compatible(k1, k2) && compatible(v1, v2),
        _ => a == b,
    }
}

fn instantiate(p: &P, bind: &Bindings) -> Ty {
    match p {
        P::Dyn => Ty::Dyn,
        P::Bool => Ty::Bool,
        P::Int => Ty::Int,
        P::Uint => Ty::Uint,
        P::Double => Ty::Double,
        P::String => Ty::String,
        P::Bytes => Ty::Bytes,
        P::Duration => Ty::Duration,
        P::Timestamp => Ty::Timestamp,
        P::Type => Ty::Type,
        P::A => bind.a.clone().unwrap_or(Ty::Dyn),
        P::B => bind.b.clone().unwrap_or(Ty::Dyn),
        P::List(e) => Ty::List(Box::new(instantiate(e, bind))),
        P::Map(k, v) => Ty::Map(
            Box::new(instantiate(k, bind)),
            Box::new(instantiate(v, bind)),
        ),
        P::Optional(e) => Ty::Optional(Box::new(instantiate(e, bind))),
        P::Opaque(n) => Ty::Opaque(n),
    }
}

/// The common type of several (`dyn` when they differ).
fn join(types: impl IntoIterator<Item = Ty>) -> Ty {
    let mut it = types.into_iter();
    let Some(first) = it.next() else {
        return Ty::Dyn;
    };
    it.fold(first, |acc, t| if acc == t { acc } else { Ty::Dyn })
}

fn operator_token(name: &str) -> Option<&'static str> {
    Some(match name {
        operators::EQUALS => "==",
        operators::NOT_EQUALS => "!=",
        operators::LESS => "<",
        operators::LESS_EQUALS => "<=",
        operators::GREATER => ">",
        operators::GREATER_EQUALS => ">=",
        operators::ADD => "+",
        operators::SUBSTRACT | operators::NEGATE => "-",
        operators::MULTIPLY => "*",
        operators::DIVIDE => "/",
        operators::MODULO => "%",
        operators::LOGICAL_NOT => "!",
        operators::CONDITIONAL => "?",
        operators::INDEX => "[",
        operators::IN => "in",
        operators::LOGICAL_AND => "&&",
        operators::LOGICAL_OR => "||",
        _ => return None,
    })
}

impl Checker {
    fn error(&mut self, anchor: Anchor, message: String) {
        self.errors.push(Error { anchor, message });
    }

    fn lookup(&self, name: &str) -> Option<Ty> {
        if let Some((_, t)) = self.scopes.iter().rev().find(|(n, _)| n == name) {
            return Some(t.clone());
        }
        if name == "managedCluster" {
            return Some(Ty::Map(Box::new(Ty::String), Box::new(Ty::Dyn)));
        }
        is_type_name(name).then_some(Ty::Type)
    }

    fn check(&mut self, e: &IdedExpr) -> Ty {
        match &e.expr {
            Expr::Unspecified => Ty::Dyn,
            Expr::Literal(l) => match l {
                LiteralValue::Boolean(_) => Ty::Bool,
                LiteralValue::Bytes(_) => Ty::Bytes,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::Int(_) => Ty::Int,
                LiteralValue::Null => Ty::Null,
                LiteralValue::String(_) => Ty::String,
                LiteralValue::UInt(_) => Ty::Uint,
            },
            Expr::Ident(name) => self.lookup(name).unwrap_or_else(|| {
                self.error(
                    Anchor::Ident(name.clone()),
                    format!("undeclared reference to '{name}' (in container '')"),
                );
                Ty::Dyn
            }),
            Expr::List(l) => {
                let elems: Vec<Ty> = l.elements.iter().map(|x| self.check(x)).collect();
                Ty::List(Box::new(join(elems)))
            }
            Expr::Map(m) => {
                let mut keys = Vec::new();
                let mut values = Vec::new();
                for entry in &m.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(me) => {
                            keys.push(self.check(&me.key));
                            values.push(self.check(&me.value));
                        }
                        EntryExpr::StructField(f) => {
                            self.check(&f.value);
                        }
                    }
                }
                Ty::Map(Box::new(join(keys)), Box::new(join(values)))
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        self.check(&f.value);
                    }
                }
                self.error(
                    Anchor::Ident(s.type_name.clone()),
                    format!(
                        "undeclared reference to '{}' (in container '')",
                        s.type_name
                    ),
                );
                Ty::Dyn
            }
            Expr::Select(s) => {
                let operand = self.check(&s.operand);
                let field = match operand {
                    Ty::Map(k, v) if matches!(*k, Ty::String | Ty::Dyn) => *v,
                    Ty::Dyn => Ty::Dyn,
                    other => {
                        self.error(
                            Anchor::Op("."),
                            format!("type '{other}' does not support field selection"),
                        );
                        Ty::Dyn
                    }
                };
                if s.test { Ty::Bool } else { field }
            }
            Expr::Call(c) => self.call(&c.func_name, c.target.as_deref(), &c.args),
            Expr::Comprehension(c) => {
                let range = self.check(&c.iter_range);
                let (first, second) = match &range {
                    Ty::List(e) => (Ty::Int, (**e).clone()),
                    Ty::Map(k, v) => ((**k).clone(), (**v).clone()),
                    Ty::Dyn => (Ty::Dyn, Ty::Dyn),
                    other => {
                        self.error(
                            Anchor::Start,
                            format!(
                                "expression of type '{other}' cannot be range of a comprehension (must be list, map, or dynamic)"
                            ),
                        );
                        (Ty::Dyn, Ty::Dyn)
                    }
                };
                let accu = self.check(&c.accu_init);
                let depth = self.scopes.len();
                match &c.iter_var2 {
                    Some(v2) => {
                        self.scopes.push((c.iter_var.clone(), first));
                        self.scopes.push((v2.clone(), second));
                    }
                    None => {
                        let elem = if matches!(range, Ty::List(_)) {
                            second
                        } else {
                            first
                        };
                        self.scopes.push((c.iter_var.clone(), elem));
                    }
                }
                self.scopes.push((c.accu_var.clone(), accu.clone()));
                self.check(&c.loop_cond);
                self.check(&c.loop_step);
                self.scopes.truncate(depth);
                self.scopes.push((c.accu_var.clone(), accu));
                let result = self.check(&c.result);
                self.scopes.truncate(depth);
                result
            }
        }
    }

    fn call(&mut self, name: &str, target: Option<&IdedExpr>, args: &[IdedExpr]) -> Ty {
        if name == operators::LOGICAL_AND || name == operators::LOGICAL_OR {
            for (i, a) in args.iter().enumerate() {
                let t = self.check(a);
                if !matches!(t, Ty::Bool | Ty::Dyn) {
                    let op = operator_token(name).unwrap_or("");
                    self.error(
                        if i == 0 {
                            Anchor::Start
                        } else {
                            Anchor::After(op)
                        },
                        format!("expected type 'bool' but found '{t}'"),
                    );
                }
            }
            return Ty::Bool;
        }
        // `strings.quote(..)`, `format.dns1123Label()`: a qualified global function.
        let qualified = match target.map(|t| &t.expr) {
            Some(Expr::Ident(ns)) if is_namespace(ns) && self.lookup(ns).is_none() => {
                Some(format!("{ns}.{name}"))
            }
            _ => None,
        };
        let (name, target) = match &qualified {
            Some(q) if overloads(q).is_some() => (q.as_str(), None),
            _ => (name, target),
        };
        let receiver = target.map(|t| self.check(t));
        let arg_types: Vec<Ty> = args.iter().map(|a| self.check(a)).collect();
        let anchor = || match operator_token(name) {
            Some(op) => Anchor::Op(op),
            None => Anchor::Call(name.rsplit('.').next().unwrap_or(name).to_owned()),
        };
        let Some(sigs) = overloads(name) else {
            self.error(
                anchor(),
                format!("undeclared reference to '{name}' (in container '')"),
            );
            return Ty::Dyn;
        };
        let all: Vec<&Ty> = receiver.iter().chain(&arg_types).collect();
        let results: Vec<Ty> = sigs
            .iter()
            .filter(|s: &&Sig| s.member == receiver.is_some() && s.params.len() == all.len())
            .filter_map(|s| {
                let mut bind = Bindings::default();
                s.params
                    .iter()
                    .zip(&all)
                    .all(|(p, t)| assignable(p, t, &mut bind))
                    .then(|| instantiate(&s.result, &bind))
            })
            .collect();
        if results.is_empty() {
            let list = arg_types
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let applied = match &receiver {
                Some(r) => format!("{r}.({list})"),
                None => format!("({list})"),
            };
            self.error(
                anchor(),
                format!("found no matching overload for '{name}' applied to '{applied}'"),
            );
            return Ty::Dyn;
        }
        join(results)
    }
}

/// Byte offset of the anchor in `src`, skipping string literals.
fn locate(src: &str, anchor: &Anchor) -> usize {
    let (needle, ident, paren) = match anchor {
        Anchor::Start => return 0,
        Anchor::Ident(n) => (n.as_str(), true, false),
        Anchor::Call(n) => (n.as_str(), true, true),
        Anchor::Op(o) => (*o, o.chars().all(char::is_alphabetic), false),
        Anchor::After(o) => {
            let at = locate(src, &Anchor::Op(o));
            if !src[at..].starts_with(o) {
                return 0;
            }
            let rest = &src[at + o.len()..];
            return src.len() - rest.trim_start().len();
        }
    };
    let bytes = src.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if let Some(q) = quote {
            if b == b'\\' {
                i += 1;
                i += src
                    .get(i..)
                    .and_then(|r| r.chars().next())
                    .map_or(1, char::len_utf8);
                continue;
            }
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if b == b'"' || b == b'\'' {
            quote = Some(b);
            i += 1;
            continue;
        }
        if src[i..].starts_with(needle)
            && (!ident
                || ((i == 0 || !word(bytes[i - 1]))
                    && bytes.get(i + needle.len()).is_none_or(|&c| !word(c))))
        {
            if paren {
                let rest = &src[i + needle.len()..];
                let trimmed = rest.trim_start();
                if trimmed.starts_with('(') {
                    return i + needle.len() + (rest.len() - trimmed.len());
                }
            } else if !(matches!(anchor, Anchor::Ident(_)) && i > 0 && bytes[i - 1] == b'.') {
                return i;
            }
        }
        i += src[i..].chars().next().map_or(1, char::len_utf8);
    }
    0
}

/// cel-go's rendering of an issue: `ERROR: <input>:line:col: message` and the source line
/// with a caret.
fn render(src: &str, offset: usize, message: &str) -> String {
    let before = &src[..offset.min(src.len())];
    let line_no = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let col = before[line_start..].chars().count();
    let line = src[line_start..].lines().next().unwrap_or("");
    format!(
        "ERROR: <input>:{line_no}:{}: {message}\n | {line}\n | {}^",
        col + 1,
        ".".repeat(col)
    )
}

/// Checks a parsed expression; `Err` is cel-go's issues text (every error, by position).
pub(crate) fn check(src: &str, expr: &IdedExpr) -> Result<(), String> {
    let mut checker = Checker {
        scopes: Vec::new(),
        errors: Vec::new(),
    };
    checker.check(expr);
    if checker.errors.is_empty() {
        return Ok(());
    }
    let mut located: Vec<(usize, String)> = checker
        .errors
        .iter()
        .map(|e| (locate(src, &e.anchor), e.message.clone()))
        .collect();
    located.sort_by_key(|(o, _)| *o);
    Err(located
        .iter()
        .map(|(o, m)| render(src, *o, m))
        .collect::<Vec<_>>()
        .join("\n"))
}

#[cfg(test)]
mod tests {
    use super::check;
    use kube_cel::cel::Program;

    fn run(src: &str) -> Result<(), String> {
        let p = Program::compile(src).map_err(|e| e.to_string())?;
        check(src, p.expression())
    }

    #[test]
    fn messages_match_cel_go() {
        // Expected messages from cel-go v0.26 through ocm v1.2.1 `helpers.NewEnv`.
        for (src, want) in [
            (
                r#"undeclaredVariable == "x""#,
                "ERROR: <input>:1:1: undeclared reference to 'undeclaredVariable' (in container '')\n | undeclaredVariable == \"x\"\n | ^",
            ),
            (
                r#"1 == "a""#,
                "ERROR: <input>:1:3: found no matching overload for '_==_' applied to '(int, string)'\n | 1 == \"a\"\n | ..^",
            ),
            (
                "size(1, 2)",
                "ERROR: <input>:1:5: found no matching overload for 'size' applied to '(int, int)'\n | size(1, 2)\n | ....^",
            ),
            (
                "foo(1)",
                "ERROR: <input>:1:4: undeclared reference to 'foo' (in container '')\n | foo(1)\n | ...^",
            ),
            (
                "managedCluster.metadata.name.startsWith(1)",
                "ERROR: <input>:1:40: found no matching overload for 'startsWith' applied to 'dyn.(int)'\n | managedCluster.metadata.name.startsWith(1)\n | .......................................^",
            ),
            (
                "managedCluster.scores(1).size() > 0",
                "ERROR: <input>:1:22: found no matching overload for 'scores' applied to 'map(string, dyn).(int)'\n | managedCluster.scores(1).size() > 0\n | .....................^",
            ),
            (
                "managedCluster == 1",
                "ERROR: <input>:1:16: found no matching overload for '_==_' applied to '(map(string, dyn), int)'\n | managedCluster == 1\n | ...............^",
            ),
            (
                "1.a == 1",
                "ERROR: <input>:1:2: type 'int' does not support field selection\n | 1.a == 1\n | .^",
            ),
            (
                r#""a" == null"#,
                "ERROR: <input>:1:5: found no matching overload for '_==_' applied to '(string, null)'\n | \"a\" == null\n | ....^",
            ),
            (
                r#"managedCluster.status.version.kubernetes.startsWith("v1") && 1"#,
                "ERROR: <input>:1:62: expected type 'bool' but found 'int'\n | managedCluster.status.version.kubernetes.startsWith(\"v1\") && 1\n | .............................................................^",
            ),
            (
                "size(managedCluster.metadata.labels, 1) > 0",
                "ERROR: <input>:1:5: found no matching overload for 'size' applied to '(dyn, int)'\n | size(managedCluster.metadata.labels, 1) > 0\n | ....^",
            ),
            (
                "1u == 1",
                "ERROR: <input>:1:4: found no matching overload for '_==_' applied to '(uint, int)'\n | 1u == 1\n | ...^",
            ),
        ] {
            assert_eq!(run(src).err().as_deref(), Some(want), "{src}");
        }
        for ok in [
            r#"managedCluster.status.version.kubernetes.startsWith("v1.3")"#,
            "managedCluster.metadata.name == 1",
            "managedCluster.metadata.labels.exists(k, k == 1)",
            "int(\"1\") == 1",
            "{\"a\": 1}.a == 1",
            "quantity(\"1Gi\").isGreaterThan(quantity(\"1\"))",
            "[].map(x, x + \"a\")",
            "strings.quote(\"a\") == \"a\"",
            "format.dns1123Label().validate(\"a\").hasValue()",
            "optional.of(1).hasValue()",
            "cidr(\"10.0.0.0/8\").containsIP(\"10.0.0.1\")",
            "[1,2].sum() == 3",
            "size(managedCluster) == 1",
            "type(1) == int",
            "[1, \"a\"].size() == 2",
            "managedCluster.scores(\"x\").exists(s, s.value > 1)",
            "has(managedCluster.status.version.kubernetes)",
            "timestamp(\"2020-01-01T00:00:00Z\").getFullYear() == 2020",
        ] {
            assert_eq!(run(ok), Ok(()), "{ok}");
        }
        for bad in [
            "[1].exists(x, x)",
            "1.exists(x, x)",
            "true ? 1 : \"a\"",
            "1 < 2.0",
            "-\"a\"",
            "[1,2][\"a\"] == 1",
            "parseJSON(\"{}\").a == 1",
            "managedCluster.metadata.name.nosuch() == \"a\"",
            "[1, 2].exists(x, x == y)",
        ] {
            assert!(run(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// Any token soup that parses is checked without a panic.
        #[test]
        fn generated_expressions_never_panic(tokens in proptest::collection::vec(
            proptest::sample::select(vec![
                "managedCluster", ".", "metadata", "labels", "status", "scores", "(", ")", "[",
                "]", "{", "}", ",", ":", "==", "!=", "<", "+", "-", "!", "&&", "||", "?", "in",
                "1", "1u", "2.5", "\"a\"", "b\"x\"", "null", "true", "x", "size", "has",
                "exists", "all", "map", "filter", "exists_one", "startsWith", "quantity", "int",
                "strings", "quote", "format", "optional", "of", "dyn", "type", "é", "'", "\\", "\"\\é\" == x",
            ]),
            0..24,
        )) {
            let src = tokens.join(" ");
            let _ = run(&src);
            let _ = run(&tokens.concat());
        }
    }
}
