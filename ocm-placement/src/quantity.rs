//! Kubernetes resource quantities, read the way Go's `resource.Quantity` reads them.
//!
//! The `ResourceAllocatableCPU` and `ResourceAllocatableMemory` prioritizers compare
//! `Quantity.AsApproximateFloat64()` values. To pick the same clusters as Go OCM, this module
//! parses the wire string with the algorithm of `k8s.io/apimachinery/pkg/api/resource`
//! (`ParseQuantity`): an `int64` mantissa and a decimal scale on the fast path, or an exact
//! decimal rounded up to nano precision on the slow path. [`Quantity::approximate_f64`] then
//! computes `mantissa × 10^scale` with Go's `math.Pow10` tables, so the floats (and the
//! truncated scores derived from them) are bit-identical.
//!
//! Gap: Go's slow path uses arbitrary-precision integers; here the decimal mantissa is an
//! `u128` (38 digits). Larger mantissas fall back to a float parse of the string, which can
//! differ from Go in the last bit. Quantities that large do not occur in cluster capacity.

mod canonical;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

/// A Kubernetes resource quantity in its wire form, for example `"4"`, `"3800m"`, `"16Gi"`.
///
/// It serializes as its string. The value is parsed the first time it is read and remembered
/// (as Go's decoder parses a `resource.Quantity` once), so scheduling many placements against
/// one [`Snapshot`](crate::Snapshot) parses each quantity once. Equality, ordering and hashing
/// are those of the string.
///
/// It is kept small (48 bytes, 72 before), since every cluster of a snapshot holds several.
pub struct Quantity {
    raw: Box<str>,
    /// The bits of `approximate_f64` once computed, [`UNREAD`] before, [`INVALID`] when the
    /// string does not parse (both NaNs that no computation produces).
    approx: AtomicU64,
    /// Go's re-encoded string, once computed; `None` when it is `raw`.
    go_string: OnceLock<Option<Box<str>>>,
}

/// [`Quantity::approx`] before the first read.
const UNREAD: u64 = 0x7ff8_0ca1_0000_0001;
/// [`Quantity::approx`] of a string that does not parse.
const INVALID: u64 = 0x7ff8_0ca1_0000_0002;

impl Clone for Quantity {
    fn clone(&self) -> Self {
        Quantity {
            raw: self.raw.clone(),
            approx: AtomicU64::new(self.approx.load(AtomicOrdering::Relaxed)),
            go_string: self.go_string.clone(),
        }
    }
}

impl Quantity {
    /// Wraps a wire string; nothing is validated until the value is read.
    pub fn new(s: impl Into<String>) -> Self {
        Quantity {
            raw: s.into().into_boxed_str(),
            approx: AtomicU64::new(UNREAD),
            go_string: OnceLock::new(),
        }
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The string Go writes for this quantity once decoded (`Quantity.String()`, which is
    /// what `runtime.DefaultUnstructuredConverter` writes and upstream's CEL reads): the wire
    /// string when Go keeps it, else its canonical form (`1000` → `1k`, `4096Mi` → `4Gi`).
    /// A string that does not parse is returned as is (Go would refuse the object).
    pub fn go_string(&self) -> &str {
        self.go_string
            .get_or_init(|| {
                canonical::go_string(&self.raw)
                    .filter(|c| **c != *self.raw)
                    .map(String::into_boxed_str)
            })
            .as_deref()
            .unwrap_or(&self.raw)
    }

    /// Parses the quantity as Go's `resource.ParseQuantity` does.
    pub fn parse(&self) -> Result<ParsedQuantity, QuantityError> {
        ParsedQuantity::parse(&self.raw)
    }

    /// Go's `Quantity.AsApproximateFloat64()` of the parsed value.
    pub fn approximate_f64(&self) -> Result<f64, QuantityError> {
        // Several threads may compute it at once: they store the same bits.
        let bits = match self.approx.load(AtomicOrdering::Relaxed) {
            UNREAD => {
                let bits = self
                    .parse()
                    .map_or(INVALID, |p| p.approximate_f64().to_bits());
                self.approx.store(bits, AtomicOrdering::Relaxed);
                bits
            }
            bits => bits,
        };
        match bits {
            // Parse again for the error (only invalid quantities take this path).
            INVALID => Ok(self.parse()?.approximate_f64()),
            bits => Ok(f64::from_bits(bits)),
        }
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Quantity").field(&self.raw).finish()
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Eq for Quantity {}

impl Hash for Quantity {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.raw.cmp(&other.raw)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Quantity::new)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl AsRef<str> for Quantity {
    fn as_ref(&self) -> &str {
        &self.raw
    }
}

impl From<String> for Quantity {
    fn from(s: String) -> Self {
        Quantity::new(s)
    }
}

impl From<&str> for Quantity {
    fn from(s: &str) -> Self {
        Quantity::new(s)
    }
}

/// Why a quantity string could not be parsed (the Go errors of the same names).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuantityError {
    /// `ErrFormatWrong`.
    #[error(
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', found {0:?}"
    )]
    FormatWrong(String),
    /// `ErrSuffix`.
    #[error("unable to parse quantity's suffix in {0:?}")]
    Suffix(String),
    /// `ErrNumeric`.
    #[error("unable to parse quantity's numeric part in {0:?}")]
    Numeric(String),
}

/// A parsed quantity: Go's `int64Amount` (fast path) or `inf.Dec` (slow path).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ParsedQuantity {
    /// `value × 10^scale` with an `int64` value.
    Int {
        /// The signed mantissa.
        value: i64,
        /// The decimal exponent.
        scale: i32,
    },
    /// `±unscaled × 10^(-scale)`, an exact decimal.
    Dec {
        /// Whether the value is negative.
        negative: bool,
        /// The magnitude of the mantissa.
        unscaled: u128,
        /// The number of decimal places (Go's `inf.Dec` scale).
        scale: i32,
    },
    /// A mantissa too large for `u128`: an approximate float (see the module docs).
    Approximate(f64),
}

const NANO: i32 = -9;
const MAX_INT64_FACTORS: i32 = 18;

struct Parts<'a> {
    positive: bool,
    value: &'a str,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

/// Go's `parseQuantityString`.
fn parse_quantity_string(s: &str) -> Result<Parts<'_>, QuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut positive = true;
    if pos < end {
        match b[0] {
            b'-' => {
                positive = false;
                pos += 1;
            }
            b'+' => pos += 1,
            _ => {}
        }
    }
    // strip leading zeros
    loop {
        if pos >= end {
            return Ok(Parts {
                positive,
                value: "0",
                num: "0",
                denom: "",
                suffix: "",
            });
        }
        if b[pos] == b'0' {
            pos += 1;
        } else {
            break;
        }
    }
    // numerator
    let start = pos;
    let mut i = pos;
    while i < end && is_digit(b[i]) {
        i += 1;
    }
    if i >= end {
        return Ok(Parts {
            positive,
            value: s,
            num: &s[start..end],
            denom: "",
            suffix: "",
        });
    }
    let mut num = &s[start..i];
    pos = i;
    if num.is_empty() {
        num = "0";
    }
    let mut denom = "";
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let dstart = pos;
        let mut i = pos;
        while i < end && is_digit(b[i]) {
            i += 1;
        }
        if i >= end {
            return Ok(Parts {
                positive,
                value: s,
                num,
                denom: &s[dstart..end],
                suffix: "",
            });
        }
        denom = &s[dstart..i];
        pos = i;
    }
    let value = &s[..pos];
    let suffix_start = pos;
    let mut i = pos;
    while i < end && b"eEinumkKMGTP".contains(&b[i]) {
        i += 1;
    }
    if i >= end {
        return Ok(Parts {
            positive,
            value,
            num,
            denom,
            suffix: &s[suffix_start..end],
        });
    }
    pos = i;
    if b[pos] == b'-' || b[pos] == b'+' {
        pos += 1;
    }
    let mut i = pos;
    while i < end && is_digit(b[i]) {
        i += 1;
    }
    if i >= end {
        return Ok(Parts {
            positive,
            value,
            num,
            denom,
            suffix: &s[suffix_start..end],
        });
    }
    Err(QuantityError::FormatWrong(s.to_owned()))
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    DecimalExponent,
    DecimalSi,
    BinarySi,
}

/// Go's suffixer `interpret`: (base, exponent, format).
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    let dec = |e| Some((10, e, Format::DecimalSi));
    let bin = |e| Some((2, e, Format::BinarySi));
    match suffix {
        "" => dec(0),
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            if rest.is_empty() {
                return None;
            }
            // strconv.ParseInt(…, 10, 64) then int32(…): wrapping truncation.
            let parsed = go_parse_int(rest)?;
            Some((10, parsed as i32, Format::DecimalExponent))
        }
    }
}

/// `strconv.ParseInt(s, 10, 64)` (sign allowed, no underscores).
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(is_digit) {
        return None;
    }
    let mut v: i128 = 0;
    for d in digits.bytes() {
        v = v * 10 + i128::from(d - b'0');
        if v > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    let v = if neg { -v } else { v };
    i64::try_from(v).ok()
}

fn pow10_u128(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

impl ParsedQuantity {
    /// Go's `resource.ParseQuantity`.
    pub fn parse(s: &str) -> Result<Self, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::FormatWrong(s.to_owned()));
        }
        if s == "0" {
            return Ok(ParsedQuantity::Int { value: 0, scale: 0 });
        }
        let p = parse_quantity_string(s)?;
        let (base, exponent, format) =
            interpret(p.suffix).ok_or_else(|| QuantityError::Suffix(s.to_owned()))?;
        let mut precision: i32;
        let mut scale: i32 = 0;
        let mut mantissa: i64 = 1;
        match format {
            Format::DecimalExponent | Format::DecimalSi => {
                scale = exponent;
                precision = MAX_INT64_FACTORS - (p.num.len() + p.denom.len()) as i32;
            }
            Format::BinarySi => {
                if exponent >= 0 && p.denom.is_empty() {
                    mantissa = 1i64 << exponent;
                    precision =
                        15 - p.num.len() as i32 - ((exponent as f32) * 3.0 / 10.0) as i32 - 1;
                } else {
                    precision = -1;
                }
            }
        }
        if p.num.len() > i32::MAX as usize / 2 {
            precision = -1;
        }
        if precision >= 0 {
            scale -= p.denom.len() as i32;
            if scale >= NANO {
                let mut shifted = String::with_capacity(p.num.len() + p.denom.len());
                shifted.push_str(p.num);
                shifted.push_str(p.denom);
                let value =
                    go_parse_int(&shifted).ok_or_else(|| QuantityError::Numeric(s.to_owned()))?;
                if let Some(result) = int64_multiply(value, mantissa) {
                    let result = if p.positive {
                        result
                    } else {
                        result.wrapping_neg()
                    };
                    return Ok(ParsedQuantity::Int {
                        value: result,
                        scale,
                    });
                }
            }
        }
        Self::parse_slow(s, &p, base, exponent, format)
    }

    fn parse_slow(
        s: &str,
        p: &Parts<'_>,
        base: u32,
        exponent: i32,
        format: Format,
    ) -> Result<Self, QuantityError> {
        // inf.Dec.SetString(value): sign, digits, optional fraction.
        let v = p.value.trim_start_matches(['+', '-']);
        let (int_part, frac_part) = match v.split_once('.') {
            Some((a, b)) => (a, b),
            None => (v, ""),
        };
        if (int_part.is_empty() && frac_part.is_empty())
            || !int_part.bytes().all(is_digit)
            || !frac_part.bytes().all(is_digit)
        {
            return Err(QuantityError::Numeric(s.to_owned()));
        }
        let negative = !p.positive;
        let approx = || -> Result<Self, QuantityError> {
            let f: f64 = v
                .parse()
                .map_err(|_| QuantityError::Numeric(s.to_owned()))?;
            let f = if base == 10 {
                f * 10f64.powi(exponent)
            } else {
                f * 2f64.powi(exponent)
            };
            Ok(ParsedQuantity::Approximate(if negative { -f } else { f }))
        };
        let mut unscaled: u128 = 0;
        for d in int_part.bytes().chain(frac_part.bytes()) {
            unscaled = match unscaled
                .checked_mul(10)
                .and_then(|u| u.checked_add(u128::from(d - b'0')))
            {
                Some(u) => u,
                None => return approx(),
            };
        }
        let mut scale = frac_part.len() as i64;
        if base == 10 {
            scale -= i64::from(exponent);
        } else if base == 2 {
            let Ok(sh) = u32::try_from(exponent) else {
                return approx();
            };
            unscaled = match 2u128.checked_pow(sh).and_then(|m| unscaled.checked_mul(m)) {
                Some(u) => u,
                None => return approx(),
            };
        }
        // Round non-zero values to nano precision, away from zero (inf.RoundUp).
        if unscaled != 0 {
            let target = i64::from(-NANO);
            if scale < target {
                let Some(m) = u32::try_from(target - scale).ok().and_then(pow10_u128) else {
                    return approx();
                };
                unscaled = match unscaled.checked_mul(m) {
                    Some(u) => u,
                    None => return approx(),
                };
            } else if scale > target {
                let d = u32::try_from(scale - target).ok().and_then(pow10_u128);
                unscaled = match d {
                    Some(d) => unscaled / d + u128::from(!unscaled.is_multiple_of(d)),
                    None => 1,
                };
            }
            scale = target;
        }
        // BinarySI is capped at MaxInt64.
        if format == Format::BinarySi && scale == 9 {
            let max = (i64::MAX as u128) * 1_000_000_000;
            if unscaled > max {
                return Ok(ParsedQuantity::Dec {
                    negative,
                    unscaled: i64::MAX as u128,
                    scale: 0,
                });
            }
        }
        Ok(ParsedQuantity::Dec {
            negative,
            unscaled,
            scale: scale as i32,
        })
    }

    /// Go's `Quantity.AsApproximateFloat64()`.
    pub fn approximate_f64(&self) -> f64 {
        let (base, exponent) = match *self {
            ParsedQuantity::Int { value, scale } => (value as f64, scale),
            ParsedQuantity::Dec {
                negative,
                unscaled,
                scale,
            } => {
                let b = unscaled as f64;
                (if negative { -b } else { b }, scale.wrapping_neg())
            }
            ParsedQuantity::Approximate(f) => return f,
        };
        if exponent == 0 {
            return base;
        }
        base * go_pow10(exponent)
    }
}

fn int64_multiply(a: i64, b: i64) -> Option<i64> {
    if a == 0 || b == 0 || a == 1 || b == 1 {
        return Some(a.wrapping_mul(b));
    }
    if a == i64::MIN || b == i64::MIN {
        return None;
    }
    a.checked_mul(b)
}

const POW10TAB: [f64; 32] = [
    1e00, 1e01, 1e02, 1e03, 1e04, 1e05, 1e06, 1e07, 1e08, 1e09, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
];
const POW10POSTAB32: [f64; 10] = [
    1e00, 1e32, 1e64, 1e96, 1e128, 1e160, 1e192, 1e224, 1e256, 1e288,
];
const POW10NEGTAB32: [f64; 11] = [
    1e-00, 1e-32, 1e-64, 1e-96, 1e-128, 1e-160, 1e-192, 1e-224, 1e-256, 1e-288, 1e-320,
];

/// Go's `math.Pow10`, table for table.
pub(crate) fn go_pow10(n: i32) -> f64 {
    if (0..=308).contains(&n) {
        let n = n as usize;
        return POW10POSTAB32[n / 32] * POW10TAB[n % 32];
    }
    if (-323..=0).contains(&n) {
        let m = (-n) as usize;
        return POW10NEGTAB32[m / 32] / POW10TAB[m % 32];
    }
    if n > 0 { f64::INFINITY } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> f64 {
        Quantity::new(s).approximate_f64().unwrap_or(f64::NAN)
    }

    #[test]
    fn stays_small_and_remembers_its_value() {
        assert!(std::mem::size_of::<Quantity>() <= 48);
        let q = Quantity::new("4Gi");
        assert_eq!(q.approximate_f64(), Ok(4294967296.0));
        // A clone carries the remembered value; an invalid string keeps giving its error.
        assert_eq!(q.clone().approximate_f64(), Ok(4294967296.0));
        let bad = Quantity::new("x");
        assert!(bad.approximate_f64().is_err());
        assert!(bad.approximate_f64().is_err());
        assert_eq!(bad.as_str(), "x");
    }

    #[test]
    fn fast_path_values() {
        assert_eq!(f("4"), 4.0);
        // Go: 3800 * math.Pow10(-3), not the literal 3.8.
        assert_eq!(f("3800m"), 3800.0 * (1.0 / 1e3));
        assert_ne!(f("3800m"), 3.8);
        assert_eq!(f("16Gi"), 17179869184.0);
        assert_eq!(f("1k"), 1000.0);
        assert_eq!(f("0"), 0.0);
        assert_eq!(f("-2"), -2.0);
        assert_eq!(
            ParsedQuantity::parse("1.5").ok(),
            Some(ParsedQuantity::Int {
                value: 15,
                scale: -1
            })
        );
    }

    #[test]
    fn slow_path_rounds_to_nano() {
        // 1.5Gi has a fraction with a binary suffix: Go takes the inf.Dec path.
        assert_eq!(
            ParsedQuantity::parse("1.5Gi").ok(),
            Some(ParsedQuantity::Dec {
                negative: false,
                unscaled: 1_610_612_736_000_000_000,
                scale: 9
            })
        );
        assert_eq!(f("1.5Gi"), 1_610_612_736.0);
        // Sub-nano is rounded up.
        assert_eq!(
            ParsedQuantity::parse("1e-12").ok(),
            Some(ParsedQuantity::Dec {
                negative: false,
                unscaled: 1,
                scale: 9
            })
        );
    }

    #[test]
    fn errors() {
        assert!(matches!(
            Quantity::new("").parse(),
            Err(QuantityError::FormatWrong(_))
        ));
        assert!(matches!(
            Quantity::new("1x").parse(),
            Err(QuantityError::FormatWrong(_))
        ));
        assert!(matches!(
            Quantity::new("1Zi").parse(),
            Err(QuantityError::FormatWrong(_)) | Err(QuantityError::Suffix(_))
        ));
        assert!(matches!(
            Quantity::new("1ki").parse(),
            Err(QuantityError::Suffix(_))
        ));
    }

    #[test]
    fn pow10_matches_table_shape() {
        assert_eq!(go_pow10(-9), 1.0 / 1e9);
        assert_eq!(go_pow10(3), 1e3);
        assert_eq!(go_pow10(40), 1e32 * 1e8);
    }

    #[test]
    fn remembered_value_is_the_parsed_value() {
        let q = Quantity::new("3800m");
        let expected = ParsedQuantity::parse("3800m").unwrap().approximate_f64();
        assert_eq!(q.approximate_f64(), Ok(expected));
        assert_eq!(q.approximate_f64(), Ok(expected));
        let bad = Quantity::new("4x");
        assert!(bad.approximate_f64().is_err());
        assert!(bad.approximate_f64().is_err());
        // A clone made after the first read keeps the value; equality is the string's.
        assert_eq!(q.clone(), Quantity::from("3800m"));
        assert_ne!(Quantity::from("3.8"), Quantity::from("3800m"));
        assert_eq!(serde_json::to_string(&q).unwrap(), r#""3800m""#);
        assert_eq!(
            serde_json::from_str::<Quantity>(r#""16Gi""#).unwrap(),
            "16Gi".into()
        );
        assert_eq!(format!("{q:?}"), r#"Quantity("3800m")"#);
    }
}
