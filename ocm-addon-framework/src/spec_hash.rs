//! The config spec hash, equal to the Go add-on framework's.
//!
//! The add-on manager records, for every config an add-on uses, a hash of that config's
//! content (`ManagedClusterAddOn.status.configReferences[].desiredConfig.specHash`, and the
//! same in `ClusterManagementAddOn` status); agents and rollouts compare these hashes. A Rust
//! component that writes or checks them must produce exactly the bytes Go produces.
//! [`spec_hash`] does, for every object the Go manager can see.
//!
//! ```
//! use serde_json::json;
//!
//! let config = json!({
//!     "apiVersion": "addon.open-cluster-management.io/v1alpha1",
//!     "kind": "AddOnDeploymentConfig",
//!     "metadata": {"name": "cfg", "namespace": "open-cluster-management"},
//!     "spec": {"nodePlacement": {"nodeSelector": {"zone": "a&b"}}, "replicas": 2},
//!     "status": {"ignored": true},
//! });
//! let hash = ocm_addon_framework::spec_hash(&config)?;
//! // The SHA-256 of `{"spec":{"nodePlacement":{"nodeSelector":{"zone":"a\u0026b"}},"replicas":2}}`,
//! // what Go's `GetSpecHash` returns for this object:
//! assert_eq!(hash, "adc81b9b3185f1470e569aaff6e073a7616fc1d35bf9a40d9bc5b0d5fc5c34c6");
//! // Only what Go hashes counts: metadata and status do not.
//! let mut other = config.clone();
//! other["metadata"]["labels"] = json!({"x": "y"});
//! other["status"] = json!({});
//! assert_eq!(ocm_addon_framework::spec_hash(&other)?, hash);
//! # Ok::<(), ocm_addon_framework::SpecHashError>(())
//! ```
//!
//! # What is hashed (Go `pkg/utils.GetSpecHash`, addon-framework v1.3.0)
//!
//! Not only `spec`: every top-level field except `apiVersion`, `kind`, `metadata` and
//! `status`, as a JSON object, written by Go's `encoding/json.Marshal`, then SHA-256, printed
//! as 64 lowercase hex digits. An object with none of those other fields hashes `{}`.
//!
//! # Numbers, as the Go manager sees them
//!
//! The Go manager reads configs through a dynamic informer, whose JSON decoding
//! (`k8s.io/apimachinery` `util/json.Unmarshal`, i.e. `sigs.k8s.io/json` with preserved
//! integers) turns a number literal without a `.` that `strconv.ParseInt` accepts into an
//! `int64`, and every other literal into a `float64` (`strconv.ParseFloat`, correctly rounded; a
//! literal beyond the float64 range is a decoding error). We apply the same rule to each
//! [`serde_json::Number`]: integers in `i64` stay integers, larger `u64`s become the nearest
//! `f64` (as `9223372036854775808` does in Go), floats stay floats.
//!
//! Go then writes an `int64` in decimal, and a `float64` the way `encoding/json` does: the
//! shortest digits that read back to the same float, in plain decimal (`100`, `0.000001`,
//! `100000000000000000000`) when `1e-6 <= |f| < 1e21` or `f == 0`, otherwise in exponent form
//! with a signed exponent of at least two digits, except that `e-0X` is shortened to `e-X`
//! (`1e+21`, `1.2345678901234568e+29`, `1e-7`, `5e-324`). So `1.0` and `1` hash alike. When
//! two shortest digit strings are equally close to the float, Go takes the one ending in an
//! even digit (`1868017273274756.25` is written `1868017273274756.2`; Rust's `{}` would say
//! `…756.3`); so do we.
//!
//! # Strings
//!
//! Keys are sorted by their UTF-8 bytes (Go sorts map keys; for UTF-8 that is code-point
//! order, not UTF-16 order). Strings and keys are escaped as `encoding/json` does with HTML
//! escaping on (Go 1.22 or later): `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, other control
//! characters as `\u00xx` (lowercase hex), `<` `>` `&` as `\u003c` `\u003e` `\u0026`, and
//! U+2028, U+2029 as `\u2028`, `\u2029`. Everything else (DEL, non-ASCII, emoji) is written
//! as raw UTF-8. Go would write invalid UTF-8 as `\ufffd`; a Rust string cannot hold it. (Go
//! before 1.22 wrote `\b` and `\f` as `\u0008` and `\u000c`; addon-framework v1.3.0 needs Go
//! 1.25.)
//!
//! # What a `serde_json::Value` cannot carry
//!
//! The Go manager starts from JSON text; we start from a [`serde_json::Value`], which has
//! already decided some things:
//!
//! - **Negative zero.** serde_json reads both `-0` and `-0.0` as the float `-0.0`, whereas Go
//!   reads `-0` as the integer `0` (hashed `0`) and `-0.0` as the float `-0` (hashed `-0`). We
//!   hash every negative zero as `0`: an API server writes a float `-0` as the text `-0`, which
//!   the Go informer then reads as the integer `0`, so `0` is what the Go manager hashes for any
//!   object it got from a server. Only hand-written text such as `-0.0` fed straight to Go's
//!   decoder differs.
//! - **Float literals.** By default serde_json parses some float literals one unit in the last
//!   place away from Go's correctly rounded `ParseFloat`, even shortest forms an API server
//!   writes (`9.999999999999999e20` becomes `1e21`, `9007199254740993.0` becomes
//!   `9007199254740994`). This crate therefore enables serde_json's `float_roundtrip` feature,
//!   which makes serde_json's parsing correctly rounded, for every crate in the build (Cargo
//!   unifies features); a `Value` parsed in a build without this crate may hold another float.
//! - **Invalid strings.** JSON text with a lone surrogate escape (`"\ud800"`) or invalid UTF-8
//!   is rejected by serde_json; Go decodes it as U+FFFD and hashes that.
//! - **Depth.** serde_json refuses to parse nesting deeper than 128 levels by default; Go's
//!   decoder accepts up to 10000 (deeper is [`SpecHashError::TooDeep`] here).
//! - **A top-level `null`.** Go's decoder turns the text `null` into an empty map (hashed as
//!   `{}`), but the dynamic client then rejects the object for its missing `kind`; a
//!   non-object `Value` is [`SpecHashError::NotAnObject`].
//! - **Duplicate keys.** Both keep the last value, so they agree.
//!
//! With serde_json's `arbitrary_precision` feature a [`serde_json::Number`] keeps its literal
//! text, and the decoding rule above is applied to that text exactly as Go does (then a literal
//! beyond the float64 range is [`SpecHashError::NumberOutOfRange`], as it is a decoding error
//! in Go). Negative zero is still hashed `0`, for the reason above. serde_json's
//! `preserve_order` feature changes nothing: keys are sorted here, not by the map.
//!
//! # How this is checked
//!
//! `tests/spec_hash_differential.rs` hashes generated JSON text (awkward numbers, escapes,
//! non-ASCII keys, nesting; 2000 objects by default, `OCM_ADDON_SPECHASH_CASES` for more)
//! with this function and with the real Go `GetSpecHash` (the program in
//! `tests/go-spechash/`, decoding as the informer does), and requires every hash to be equal.
//! The Go manager's informer talks JSON to the API server (client-go's CBOR support is off by
//! default), which is what is matched here.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::ser::{CharEscape, Formatter};
use serde_json::{Number, Value};
use sha2::{Digest, Sha256};
use std::io;

/// The top-level fields Go leaves out of the hash.
const SKIPPED_FIELDS: [&str; 4] = ["apiVersion", "kind", "metadata", "status"];

/// The deepest nesting Go's JSON decoder accepts (`maxNestingDepth` in its scanner); the
/// top-level object counts as 1.
const MAX_DEPTH: usize = 10_000;

/// Why a config object cannot be hashed the way the Go add-on manager would.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecHashError {
    /// The config is not a JSON object.
    #[error("expected a JSON object as the config, found {found}")]
    NotAnObject {
        /// The JSON type found instead (`"array"`, `"string"`, ...).
        found: &'static str,
    },
    /// A number that Go's decoder rejects: beyond the float64 range (only reachable with
    /// serde_json's `arbitrary_precision` feature, which keeps the literal).
    #[error("expected a number within the float64 range, found {literal}")]
    NumberOutOfRange {
        /// The number's literal text.
        literal: String,
    },
    /// Nesting deeper than Go's JSON decoder accepts.
    #[error("expected at most {MAX_DEPTH} levels of nesting, found more")]
    TooDeep,
}

/// The SHA-256 (lowercase hex) of a config object, equal to Go's
/// `open-cluster-management.io/addon-framework/pkg/utils.GetSpecHash` for the same object as
/// the Go add-on manager reads it. See the [module docs](self) for the rules.
///
/// # Errors
///
/// [`SpecHashError::NotAnObject`] if `object` is not a JSON object,
/// [`SpecHashError::NumberOutOfRange`] for a number Go cannot decode,
/// [`SpecHashError::TooDeep`] for nesting Go cannot decode.
pub fn spec_hash(object: &Value) -> Result<String, SpecHashError> {
    let bytes = spec_hash_input(object)?;
    let digest = Sha256::digest(&bytes);
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// The exact bytes Go hashes: `json.Marshal` of the config fields.
pub(crate) fn spec_hash_input(object: &Value) -> Result<Vec<u8>, SpecHashError> {
    let Value::Object(fields) = object else {
        return Err(SpecHashError::NotAnObject {
            found: type_name(object),
        });
    };
    let kept = fields
        .iter()
        .filter(|(k, _)| !SKIPPED_FIELDS.contains(&k.as_str()));
    let config = GoValue::object(kept, 1)?;
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    // serde_json fails only on a failing writer or a non-string map key; a Vec never fails
    // and every key here is a string.
    #[allow(clippy::expect_used)]
    config
        .serialize(&mut ser)
        .expect("writing JSON with string keys into a Vec cannot fail");
    Ok(out)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as Go's `map[string]interface{}` holds it after decoding, maps with sorted keys.
enum GoValue<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(&'a str),
    Array(Vec<GoValue<'a>>),
    Object(Vec<(&'a str, GoValue<'a>)>),
}

impl<'a> GoValue<'a> {
    fn from_value(v: &'a Value, depth: usize) -> Result<Self, SpecHashError> {
        Ok(match v {
            Value::Null => GoValue::Null,
            Value::Bool(b) => GoValue::Bool(*b),
            Value::Number(n) => go_number(n)?,
            Value::String(s) => GoValue::String(s),
            Value::Array(items) => {
                let depth = check_depth(depth + 1)?;
                GoValue::Array(
                    items
                        .iter()
                        .map(|i| GoValue::from_value(i, depth))
                        .collect::<Result<_, _>>()?,
                )
            }
            Value::Object(fields) => GoValue::object(fields.iter(), check_depth(depth + 1)?)?,
        })
    }

    fn object(
        fields: impl Iterator<Item = (&'a String, &'a Value)>,
        depth: usize,
    ) -> Result<Self, SpecHashError> {
        let mut out = fields
            .map(|(k, v)| Ok((k.as_str(), GoValue::from_value(v, depth)?)))
            .collect::<Result<Vec<_>, SpecHashError>>()?;
        // Byte order of UTF-8, as Go's `strings.Compare`; keys are unique in a `Map`.
        out.sort_unstable_by(|a, b| a.0.cmp(b.0));
        Ok(GoValue::Object(out))
    }
}

fn check_depth(depth: usize) -> Result<usize, SpecHashError> {
    if depth > MAX_DEPTH {
        Err(SpecHashError::TooDeep)
    } else {
        Ok(depth)
    }
}

/// Go's number decoding (`sigs.k8s.io/json` with preserved ints) applied to a number's text:
/// the literal itself with `arbitrary_precision`, otherwise the integer or the shortest float
/// form, which read back to the same value.
fn go_number(n: &Number) -> Result<GoValue<'static>, SpecHashError> {
    go_number_literal(n.to_string())
}

/// Go's decoding of one number literal.
fn go_number_literal(text: String) -> Result<GoValue<'static>, SpecHashError> {
    if !text.contains('.')
        && let Ok(i) = text.parse::<i64>()
    {
        return Ok(GoValue::Int(i));
    }
    match text.parse::<f64>() {
        // See the module docs: a server never hands Go a float negative zero.
        Ok(f) if f.is_finite() && f == 0.0 => Ok(GoValue::Int(0)),
        Ok(f) if f.is_finite() => Ok(GoValue::Float(f)),
        _ => Err(SpecHashError::NumberOutOfRange { literal: text }),
    }
}

impl Serialize for GoValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            GoValue::Null => s.serialize_unit(),
            GoValue::Bool(b) => s.serialize_bool(*b),
            GoValue::Int(i) => s.serialize_i64(*i),
            GoValue::Float(f) => s.serialize_f64(*f),
            GoValue::String(v) => s.serialize_str(v),
            GoValue::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            GoValue::Object(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// serde_json's compact output with Go `encoding/json`'s escaping and float formatting.
struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(go_float(value).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json has escaped `"`, `\` and control characters; Go also escapes these.
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escape = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(escape.as_bytes())?;
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let short = match escape {
            CharEscape::Quote => b'"',
            CharEscape::ReverseSolidus => b'\\',
            CharEscape::Solidus => b'/',
            CharEscape::Backspace => b'b',
            CharEscape::FormFeed => b'f',
            CharEscape::LineFeed => b'n',
            CharEscape::CarriageReturn => b'r',
            CharEscape::Tab => b't',
            CharEscape::AsciiControl(b) => {
                let hex = [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]];
                return w.write_all(&[b'\\', b'u', b'0', b'0', hex[0], hex[1]]);
            }
        };
        w.write_all(&[b'\\', short])
    }
}

/// The shortest digits that read back to `abs` (strconv's `-1` precision), as `d.ddde<exp>`.
/// Rust's `{:e}` finds the shortest length, but when two such digit strings are equally close
/// to the exact binary value it picks the higher, where Go picks the even one (as `{:.Ne}`
/// does): 1868017273274756.25 is `1868017273274756.2` in Go.
fn shortest_digits(abs: f64) -> String {
    let shortest = format!("{abs:e}");
    let len = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.bytes().filter(u8::is_ascii_digit).count());
    let even = format!("{abs:.*e}", len.saturating_sub(1));
    if even != shortest && even.parse::<f64>() == Ok(abs) {
        even
    } else {
        shortest
    }
}

/// Go `encoding/json`'s text for a finite float64 (its `floatEncoder`).
fn go_float(f: f64) -> String {
    let sci = shortest_digits(f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // strconv 'e' form: at least two exponent digits, then Go trims `e-0X` to `e-X`.
        let (head, tail) = digits.split_at(1);
        let dot = if tail.is_empty() { "" } else { "." };
        let exp_text = if exp < 0 {
            format!("-{}", -exp)
        } else {
            format!("+{exp:02}")
        };
        return format!("{sign}{head}{dot}{tail}e{exp_text}");
    }
    // strconv 'f' form with the shortest digits.
    let n = digits.len() as i32;
    let body = if abs == 0.0 {
        "0".to_string()
    } else if exp >= n - 1 {
        format!("{digits}{}", "0".repeat((exp - (n - 1)) as usize))
    } else if exp >= 0 {
        let (int, frac) = digits.split_at((exp + 1) as usize);
        format!("{int}.{frac}")
    } else {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests;
