#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::json;

fn input(text: &str) -> String {
    let v: Value = serde_json::from_str(text).unwrap();
    String::from_utf8(spec_hash_input(&v).unwrap()).unwrap()
}

#[test]
fn hashes_what_go_marshals() {
    // Expected bytes as printed by `tests/go-spechash -bytes` (Go's json.Marshal).
    let text = r#"{"kind":"X","spec":{"a":-0,"c":1e21,"d":1e20,"e":1e-7,"f":1e-6,
        "g":123456789012345678901234567890,"h":9223372036854775807,"i":9223372036854775808,
        "j":-9223372036854775809,"k":1.5,"l":0.1,"m":5e-324,"n":1.7976931348623157e308,
        "o":1.0,"p":100.0,"q":-1.0e-10,
        "r":"<>&\u2028\u2029\u0001\b\f\n\r\t\u007f\"\\/é😀","s":[],"t":{},"u":null,"v":true},
        "é":1, "z":2, "Z":3}"#;
    let go = r#"{"Z":3,"spec":{"a":0,"c":1e+21,"d":100000000000000000000,"e":1e-7,"f":0.000001,"g":1.2345678901234568e+29,"h":9223372036854775807,"i":9223372036854776000,"j":-9223372036854776000,"k":1.5,"l":0.1,"m":5e-324,"n":1.7976931348623157e+308,"o":1,"p":100,"q":-1e-10,"r":"\u003c\u003e\u0026\u2028\u2029\u0001\b\f\n\r\tDEL\"\\/é😀","s":[],"t":{},"u":null,"v":true},"z":2,"é":1}"#;
    // Go writes DEL (U+007F) raw.
    let go = go.replace("DEL", "\u{7f}");
    assert_eq!(input(text), go);
    assert_eq!(
        spec_hash(&serde_json::from_str(text).unwrap()).unwrap(),
        "9fa93dbbc1b00c799e4b66922862d98e107b8f6cae94543a1ade84fe0d988fa8"
    );
}

#[test]
fn skips_only_top_level_non_config_fields() {
    let v = json!({"apiVersion": "v1", "kind": "K", "metadata": {}, "status": {},
        "spec": {"kind": "k", "status": 1}, "data": {"metadata": null}});
    assert_eq!(
        String::from_utf8(spec_hash_input(&v).unwrap()).unwrap(),
        r#"{"data":{"metadata":null},"spec":{"kind":"k","status":1}}"#
    );
    let empty = json!({"kind": "K"});
    assert_eq!(spec_hash_input(&empty).unwrap(), b"{}");
    // sha256("{}")
    assert_eq!(
        spec_hash(&empty).unwrap(),
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    );
}

#[test]
fn negative_zero_is_integer_zero() {
    // Go reads `-0` as int64 0; `-0.0` (which serde_json cannot tell from `-0`) Go would write
    // as `-0`: documented.
    assert_eq!(
        input(r#"{"a":-0,"b":-0.0,"c":0.0}"#),
        r#"{"a":0,"b":0,"c":0}"#
    );
}

#[test]
fn rejects_non_objects() {
    for v in [json!(null), json!([1]), json!("s"), json!(1), json!(true)] {
        let err = spec_hash(&v).unwrap_err();
        assert!(
            matches!(err, SpecHashError::NotAnObject { .. }),
            "{v}: {err}"
        );
        assert!(
            err.to_string().starts_with("expected a JSON object"),
            "{err}"
        );
    }
}

/// `{"spec": [[...[1]...]]}` with `arrays` levels of arrays, hashed on a big stack (building,
/// hashing and dropping such a value all recurse).
fn hash_nested(arrays: usize) -> Result<String, SpecHashError> {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut deep = json!(1);
            for _ in 0..arrays {
                deep = Value::Array(vec![deep]);
            }
            let object = Value::Object([("spec".to_string(), deep)].into_iter().collect());
            spec_hash(&object)
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn nesting_limit_is_gos() {
    // With the top-level object, 10000 levels: Go decodes it (hash from `tests/go-spechash`).
    assert_eq!(
        hash_nested(MAX_DEPTH - 1).unwrap(),
        "283f0e7b587a9c5d944005af10ff4bdc49edaed4d4a1e9008d186a8ba3e481f3"
    );
    // 10001 levels: Go's decoder says "exceeded max depth".
    assert!(matches!(
        hash_nested(MAX_DEPTH),
        Err(SpecHashError::TooDeep)
    ));
}

#[test]
fn go_float_forms() {
    let cases = [
        (0.0, "0"),
        (-0.0, "-0"),
        (1.0, "1"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (9.999999999999999e20, "999999999999999900000"),
        (1e-6, "0.000001"),
        (9.99e-7, "9.99e-7"),
        (1e-10, "1e-10"),
        (-1.5e300, "-1.5e+300"),
        (5e-324, "5e-324"),
        (123.456, "123.456"),
        (0.30000000000000004, "0.30000000000000004"),
        // A tie between two shortest forms: Go takes the even digit (Rust's `{}` says ...756.3).
        (1868017273274756.0 + 0.25, "1868017273274756.2"),
    ];
    for (f, want) in cases {
        assert_eq!(go_float(f), want, "{f:e}");
    }
}

#[test]
fn number_literals_decode_as_in_go() {
    // The literal texts a `Number` carries with serde_json's `arbitrary_precision`.
    let decode = |t: &str| match go_number_literal(t.to_string()) {
        Ok(GoValue::Int(i)) => format!("int {i}"),
        Ok(GoValue::Float(f)) => format!("float {}", go_float(f)),
        Ok(_) => unreachable!(),
        Err(e) => format!("err {e}"),
    };
    let cases = [
        ("-0", "int 0"),
        ("-0.0", "int 0"),
        ("1E2", "float 100"),
        ("1.0", "float 1"),
        ("9223372036854775807", "int 9223372036854775807"),
        ("9223372036854775808", "float 9223372036854776000"),
        (
            "123456789012345678901234567890",
            "float 1.2345678901234568e+29",
        ),
        ("1e-400", "int 0"),
        (
            "1e400",
            "err expected a number within the float64 range, found 1e400",
        ),
        (
            "-1e309",
            "err expected a number within the float64 range, found -1e309",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(decode(text), want, "{text}");
    }
}
