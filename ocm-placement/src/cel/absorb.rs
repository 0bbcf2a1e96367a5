//! cel-go's error absorption in `exists` and `all`.
//!
//! In cel-go the accumulator of a comprehension may hold an error, and the logical operators
//! absorb it when a later element decides: `[{}, {"y": 2}].exists(t, t.y == 2)` is `true`
//! (`error || true`), `[{}, {"y": 2}].all(t, t.y == 3)` is `false`. The Rust engine stops at
//! the first error instead. [`rewrite`] replaces the loop condition, step and result of the
//! `exists` and `all` macros by functions (registered by [`register`]) that keep an error
//! marker in the accumulator and raise it only at the end, as cel-go does. `exists_one`,
//! `map` and `filter` propagate errors in cel-go too and are left alone.

use kube_cel::cel::common::ast::{CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr};
use kube_cel::cel::common::ast::{LiteralValue, operators};
use kube_cel::cel::{Context, ExecutionError, FunctionContext, Value};
use std::sync::Arc;

const EXISTS_CONTINUE: &str = "@ocm_exists_continue";
const ALL_CONTINUE: &str = "@ocm_all_continue";
const EXISTS_STEP: &str = "@ocm_exists_step";
const ALL_STEP: &str = "@ocm_all_step";
const RESULT: &str = "@ocm_result";
/// The accumulator's error marker (never a value of a user's expression: only these
/// functions write the accumulator).
const MARKER: &str = "\u{0}ocm-placement: error in a comprehension";

fn marker() -> Value {
    Value::String(Arc::new(MARKER.to_owned()))
}

fn is_marker(v: &Value) -> bool {
    matches!(v, Value::String(s) if s.as_str() == MARKER)
}

/// The predicate's outcome: `Some(b)` for a boolean, `None` for an error or another type.
fn predicate(ftx: &FunctionContext, pred: &IdedExpr) -> Option<bool> {
    match Value::resolve(pred, ftx.ptx) {
        Ok(Value::Bool(b)) => Some(b),
        _ => None,
    }
}

fn exists_step(
    ftx: &FunctionContext,
    accu: Value,
    pred: IdedExpr,
) -> Result<Value, ExecutionError> {
    if accu == Value::Bool(true) {
        return Ok(accu);
    }
    Ok(match predicate(ftx, &pred) {
        Some(true) => Value::Bool(true),
        Some(false) => accu,
        None => marker(),
    })
}

fn all_step(ftx: &FunctionContext, accu: Value, pred: IdedExpr) -> Result<Value, ExecutionError> {
    if accu == Value::Bool(false) {
        return Ok(accu);
    }
    Ok(match predicate(ftx, &pred) {
        Some(false) => Value::Bool(false),
        Some(true) => accu,
        None => marker(),
    })
}

fn result(ftx: &FunctionContext, accu: Value) -> Result<Value, ExecutionError> {
    if is_marker(&accu) {
        return Err(ftx.error("no such key or overload in a comprehension predicate"));
    }
    Ok(accu)
}

/// Registers the functions that [`rewrite`]'s output calls.
pub(crate) fn register(cx: &mut Context<'_>) {
    cx.add_function(EXISTS_CONTINUE, |accu: Value| accu != Value::Bool(true));
    cx.add_function(ALL_CONTINUE, |accu: Value| accu != Value::Bool(false));
    cx.add_function(EXISTS_STEP, exists_step);
    cx.add_function(ALL_STEP, all_step);
    cx.add_function(RESULT, result);
}

fn call(id: u64, name: &str, args: Vec<IdedExpr>) -> IdedExpr {
    IdedExpr {
        id,
        expr: Expr::Call(CallExpr {
            func_name: name.to_owned(),
            target: None,
            args,
        }),
    }
}

/// `exists` (`false`, `@result || p`) or `all` (`true`, `@result && p`): the macro's
/// predicate and which one it is.
fn macro_of(c: &ComprehensionExpr) -> Option<(bool, &IdedExpr)> {
    let Expr::Literal(LiteralValue::Boolean(init)) = &c.accu_init.expr else {
        return None;
    };
    let Expr::Call(step) = &c.loop_step.expr else {
        return None;
    };
    let exists = match step.func_name.as_str() {
        operators::LOGICAL_OR if !*init.inner() => true,
        operators::LOGICAL_AND if *init.inner() => false,
        _ => return None,
    };
    match (&step.target, &step.args[..]) {
        (
            None,
            [
                IdedExpr {
                    expr: Expr::Ident(a),
                    ..
                },
                p,
            ],
        ) if *a == c.accu_var => Some((exists, p)),
        _ => None,
    }
}

/// The expression with every `exists`/`all` macro made error-absorbing.
pub(crate) fn rewrite(e: &IdedExpr) -> IdedExpr {
    let expr = match &e.expr {
        Expr::Call(c) => Expr::Call(CallExpr {
            func_name: c.func_name.clone(),
            target: c.target.as_deref().map(|t| Box::new(rewrite(t))),
            args: c.args.iter().map(rewrite).collect(),
        }),
        Expr::Select(s) => {
            let mut s = s.clone();
            s.operand = Box::new(rewrite(&s.operand));
            Expr::Select(s)
        }
        Expr::List(l) => {
            let mut l = l.clone();
            l.elements = l.elements.iter().map(rewrite).collect();
            Expr::List(l)
        }
        Expr::Map(m) => {
            let mut m = m.clone();
            for entry in &mut m.entries {
                if let EntryExpr::MapEntry(me) = &mut entry.expr {
                    me.key = rewrite(&me.key);
                    me.value = rewrite(&me.value);
                }
            }
            Expr::Map(m)
        }
        Expr::Comprehension(c) => {
            let mut out = (**c).clone();
            out.iter_range = rewrite(&c.iter_range);
            out.loop_step = rewrite(&c.loop_step);
            out.result = rewrite(&c.result);
            if let Some((exists, pred)) = macro_of(&out).map(|(e, p)| (e, p.clone())) {
                let accu = || IdedExpr {
                    id: c.accu_init.id,
                    expr: Expr::Ident(c.accu_var.clone()),
                };
                let (cont, step) = if exists {
                    (EXISTS_CONTINUE, EXISTS_STEP)
                } else {
                    (ALL_CONTINUE, ALL_STEP)
                };
                out.loop_cond = call(c.loop_cond.id, cont, vec![accu()]);
                out.loop_step = call(c.loop_step.id, step, vec![accu(), pred]);
                out.result = call(c.result.id, RESULT, vec![accu()]);
            }
            Expr::Comprehension(Box::new(out))
        }
        other => other.clone(),
    };
    IdedExpr { id: e.id, expr }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube_cel::KubeCelExt;
    use kube_cel::cel::Program;

    fn eval(src: &str) -> Result<Value, ExecutionError> {
        let p = Program::compile(src).map_err(|e| ExecutionError::function_error("parse", e))?;
        let mut cx = Context::default().with_all();
        register(&mut cx);
        Value::resolve(&rewrite(p.expression()), &cx)
    }

    #[test]
    fn errors_are_absorbed_as_in_cel_go() {
        let t = Ok(Value::Bool(true));
        let f = Ok(Value::Bool(false));
        assert_eq!(eval("[{'x': 1}, {'y': 2}].exists(t, t.y == 2)"), t);
        assert_eq!(eval("[{'y': 2}, {'x': 1}].exists(t, t.y == 2)"), t);
        assert!(eval("[{'x': 1}, {'y': 3}].exists(t, t.y == 2)").is_err());
        assert_eq!(eval("[{'x': 1}, {'y': 2}].all(t, t.y == 3)"), f);
        assert!(eval("[{'x': 1}, {'y': 3}].all(t, t.y == 3)").is_err());
        assert_eq!(
            eval("[1, 2].all(x, x > 0) && [].exists(x, x > 0) == false"),
            t
        );
        assert_eq!(eval("{'a': 1}.exists(k, k == 'a')"), t);
        assert_eq!(eval("[[1], [2]].exists(l, l.all(x, x == 2))"), t);
        assert_eq!(eval("[1, 2, 3].exists_one(x, x == 2)"), t);
        assert_eq!(eval("[1, 2].map(x, x * 2) == [2, 4]"), t);
    }
}
