//! A seeded generator of config objects as JSON text (awkward numbers, strings, keys), and
//! locating (building) the Go reference program in `tests/go-spechash/`.
#![allow(dead_code, clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::PathBuf;

pub use ocm_test_support::Rng;

/// Number literals as they may appear in the text. Not here on purpose: a negative zero
/// written as a float (`-0.0`, `-0e0`, `-1e-400`), which a `serde_json::Value` cannot tell
/// from `-0` (see the module docs of `spec_hash`).
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1e21",
    "1e20",
    "1e-7",
    "1e-6",
    "123456789012345678901234567890",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "1.5",
    "0.1",
    "5e-324",
    "1.7976931348623157e308",
    "1.0",
    "100.0",
    "-1.0e-10",
    "1E2",
    "1e+2",
    "0.0",
    "0e0",
    "1e-400",
    "2.5e-8",
    "999999999999999999999",
    "1000000000000000000000",
    "9.999999999999999e20",
    "1e-06",
    "0.000001",
    "0.0000009999999999999999",
    "-1e300",
    "4.9e-324",
    "2.2250738585072014e-308",
    "9007199254740993",
    "9007199254740993.0",
    "0.30000000000000004",
    "3.14159",
    "-2",
    "42",
    "1e15",
    "1e16",
    "123.456e5",
    "1.0e1",
];

const KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "status",
    "spec",
    "data",
    "a",
    "b",
    "Z",
    "z",
    "_",
    "aa",
    "a b",
    "é",
    "e\u{301}",
    "\u{ff61}",
    "\u{1f600}",
    "\u{e000}",
    "\u{ffff}",
    "<k>",
    "&",
    "",
    "\u{2028}",
    "k\u{1}",
    "Spec",
    "items",
    "\u{7f}",
    "日本",
];

const CHARS: &[char] = &[
    'a',
    'b',
    'Z',
    '0',
    ' ',
    '<',
    '>',
    '&',
    '"',
    '\\',
    '/',
    '\u{2028}',
    '\u{2029}',
    '\u{0}',
    '\u{1}',
    '\u{8}',
    '\u{c}',
    '\n',
    '\r',
    '\t',
    '\u{1f}',
    '\u{7f}',
    '\u{80}',
    'é',
    '\u{ff61}',
    '\u{fffd}',
    '\u{ffff}',
    '\u{1f600}',
    '\u{10ffff}',
    '日',
    '\'',
    '+',
    '=',
];

/// One config object as JSON text (one line); occasionally not an object.
pub fn object_text(rng: &mut Rng) -> String {
    let mut out = String::new();
    if rng.pct(1) {
        out.push_str(rng.pick::<&str>(&["[1]", "\"s\"", "true", "1", "[]"]));
        return out;
    }
    let n = rng.below(6);
    out.push('{');
    let mut keys: Vec<&str> = (0..n).map(|_| *rng.pick(KEYS)).collect();
    if rng.pct(40) {
        keys.push("spec");
    }
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        ws(rng, &mut out);
        string(rng, k, &mut out);
        out.push(':');
        ws(rng, &mut out);
        value(rng, 1, &mut out);
    }
    out.push('}');
    out
}

fn ws(rng: &mut Rng, out: &mut String) {
    if rng.pct(10) {
        out.push_str(rng.pick::<&str>(&[" ", "\t", "  ", "\r"]));
    }
}

fn value(rng: &mut Rng, depth: usize, out: &mut String) {
    let composite = if depth < 6 { 30 } else { 0 };
    match rng.below(100) {
        x if x < composite / 2 => {
            out.push('{');
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                }
                let k = if rng.pct(60) {
                    (*rng.pick(KEYS)).to_string()
                } else {
                    random_string(rng)
                };
                string(rng, &k, out);
                out.push(':');
                value(rng, depth + 1, out);
            }
            out.push('}');
        }
        x if x < composite => {
            out.push('[');
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                }
                ws(rng, out);
                value(rng, depth + 1, out);
            }
            out.push(']');
        }
        x if x < 55 => number(rng, out),
        x if x < 85 => {
            let s = random_string(rng);
            string(rng, &s, out);
        }
        x if x < 92 => out.push_str("null"),
        _ => out.push_str(if rng.pct(50) { "true" } else { "false" }),
    }
}

fn number(rng: &mut Rng, out: &mut String) {
    match rng.below(6) {
        0 | 1 => out.push_str(rng.pick::<&str>(NUMBERS)),
        2 => write!(out, "{}", rng.u64() as i64 >> rng.below(64)).unwrap(),
        3 => {
            // Any finite float, in Rust's shortest plain or exponent form.
            let f = f64::from_bits(rng.u64());
            if !f.is_finite() || f == 0.0 {
                out.push('1');
            } else if rng.pct(50) {
                write!(out, "{f:e}").unwrap();
            } else {
                write!(out, "{f:?}").unwrap();
            }
        }
        4 => {
            // A float in a human range, sometimes with a sign and exponent.
            let mant = rng.u64() % 1_000_000;
            let frac = rng.below(7);
            let sign = if rng.pct(30) { "-" } else { "" };
            let mut digits = mant.to_string();
            if frac > 0 && frac < digits.len() {
                digits.insert(digits.len() - frac, '.');
            }
            if mant == 0 {
                digits = "1".into();
            }
            write!(out, "{sign}{digits}").unwrap();
            if rng.pct(40) {
                write!(out, "e{}", rng.below(60) as i64 - 30).unwrap();
            }
        }
        _ => write!(out, "{}", rng.below(1000)).unwrap(),
    }
}

fn random_string(rng: &mut Rng) -> String {
    (0..rng.below(8)).map(|_| *rng.pick(CHARS)).collect()
}

/// `s` as a JSON string literal, each character written raw or as an escape at random (never
/// a lone surrogate: serde_json rejects those, see the module docs).
fn string(rng: &mut Rng, s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        let must = c < ' ' || c == '"' || c == '\\';
        if !must && !rng.pct(15) {
            out.push(c);
            continue;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if rng.pct(50) => out.push_str("\\n"),
            '\u{8}' if rng.pct(50) => out.push_str("\\b"),
            '/' if rng.pct(50) => out.push_str("\\/"),
            _ => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    if rng.pct(50) {
                        write!(out, "\\u{unit:04x}").unwrap();
                    } else {
                        write!(out, "\\u{unit:04X}").unwrap();
                    }
                }
            }
        }
    }
    out.push('"');
}

/// The Go reference program, built into `target/go-spechash/` if missing or stale. `None`
/// (with a notice) when it cannot be built and `OCM_ADDON_REQUIRE_GO` is unset.
pub fn go_spechash() -> Option<PathBuf> {
    ocm_testenv::GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go-spechash"))
        .require_var("OCM_ADDON_REQUIRE_GO")
        .build()
        .expect("the Go reference spec hash must build when OCM_ADDON_REQUIRE_GO is set")
}
