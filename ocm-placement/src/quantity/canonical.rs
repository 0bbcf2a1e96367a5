//! Go's `Quantity.String()`: the string a decoded quantity re-encodes to (what
//! `runtime.DefaultUnstructuredConverter` writes, and so what upstream's CEL reads).
//!
//! `ParseQuantity` keeps the original string when it is already canonical (the fast path's
//! "reuse the string" test); otherwise `CanonicalizeBytes` rebuilds it: trailing zeros move
//! into a decimal exponent that is a multiple of 3 with an SI suffix (`1000` → `1k`,
//! `1.5` → `1500m`), binary quantities of at least 1Ki that are whole numbers are written
//! with the largest power-of-1024 suffix that divides them (`4096Mi` → `4Gi`), others
//! fall back to decimal (`0.5Ki` → `512`).

use super::{Format, ParsedQuantity, interpret, parse_quantity_string};

/// `removeInt64Factors` / `removeBigIntFactors`: strips factors of `base` (sign kept).
fn remove_factors(mut v: i128, base: i128) -> (i128, i32) {
    let mut times = 0;
    while v != 0 && v % base == 0 {
        v /= base;
        times += 1;
    }
    (v, times)
}

/// A decimal amount `mantissa × 10^exponent` with the exponent made a multiple of 3.
fn decimal(mantissa: i128, exponent: i32, format: Format) -> Option<String> {
    let (mut amount, times) = remove_factors(mantissa, 10);
    let mut exponent = exponent + times;
    while exponent % 3 != 0 {
        amount = amount.checked_mul(10)?;
        exponent -= 1;
    }
    let suffix = match format {
        Format::DecimalExponent if exponent == 0 => String::new(),
        Format::DecimalExponent => format!("e{exponent}"),
        // Go's suffix table; an exponent outside it gets no suffix (as in Go).
        _ => match exponent {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            18 => "E",
            _ => "",
        }
        .to_owned(),
    };
    Some(format!("{amount}{suffix}"))
}

/// `AsCanonicalBase1024Bytes` of a whole number.
fn binary(value: i128) -> String {
    let (amount, times) = remove_factors(value, 1024);
    let suffix = match times {
        1 => "Ki",
        2 => "Mi",
        3 => "Gi",
        4 => "Ti",
        5 => "Pi",
        6 => "Ei",
        _ => "",
    };
    format!("{amount}{suffix}")
}

/// The string Go writes for a quantity parsed from `s`; `None` when `s` does not parse (Go
/// would refuse the object) or its value is beyond this crate's exact range.
pub(super) fn go_string(s: &str) -> Option<String> {
    if s == "0" {
        return Some(s.to_owned());
    }
    let parsed = ParsedQuantity::parse(s).ok()?;
    let parts = parse_quantity_string(s).ok()?;
    let (_, exponent, mut format) = interpret(parts.suffix)?;
    // (sign × unscaled × 10^-scale), whole-number test.
    let (value, scale): (i128, i32) = match parsed {
        ParsedQuantity::Int { value, scale } => {
            // The fast path's "reuse the string" test.
            let shifted_num = parts.num.len() + parts.denom.len();
            let first_zero = parts
                .num
                .bytes()
                .chain(parts.denom.bytes())
                .next()
                .is_some_and(|b| b == b'0');
            let trailing = parts.num.bytes().chain(parts.denom.bytes()).rev();
            let ends_000 = shifted_num >= 3 && trailing.take(3).all(|b| b == b'0');
            let reuse = match format {
                Format::BinarySi => {
                    let digits: i128 = format!("{}{}", parts.num, parts.denom).parse().ok()?;
                    exponent % 10 == 0 && digits & 0x07 != 0
                }
                _ => scale % 3 == 0 && !ends_000 && !first_zero,
            };
            if reuse && value != 0 {
                return Some(s.to_owned());
            }
            (i128::from(value), -scale)
        }
        ParsedQuantity::Dec {
            negative,
            unscaled,
            scale,
        } => {
            let v = i128::try_from(unscaled).ok()?;
            if format == Format::BinarySi
                && v > 0
                && v < 10i128.checked_pow(scale.try_into().ok()?)?
            {
                // Go's slow path: a binary quantity below 1 becomes decimal.
                format = Format::DecimalSi;
            }
            (if negative { -v } else { v }, scale)
        }
        ParsedQuantity::Approximate(_) => return None,
    };
    if value == 0 {
        return Some("0".to_owned());
    }
    // value × 10^-scale
    if format == Format::BinarySi {
        let unit = 10i128.checked_pow(u32::try_from(scale.max(0)).ok()?)?;
        let whole = if scale >= 0 {
            (value % unit == 0).then(|| value / unit)
        } else {
            value.checked_mul(10i128.checked_pow(u32::try_from(-scale).ok()?)?)
        };
        match whole {
            Some(w) if w.abs() >= 1024 => return Some(binary(w)),
            _ => format = Format::DecimalSi,
        }
    }
    decimal(value, -scale, format)
}

#[cfg(test)]
mod tests {
    use super::go_string;

    #[test]
    fn go_canonical_forms() {
        // Expected values from Go's resource.MustParse(s).String() (apimachinery v0.34).
        for (s, want) in [
            ("0", "0"),
            ("0.0", "0"),
            ("4", "4"),
            ("1000", "1k"),
            ("1500", "1500"),
            ("1.5", "1500m"),
            ("3800m", "3800m"),
            ("4000m", "4"),
            ("0.5", "500m"),
            ("100M", "100M"),
            ("3G", "3G"),
            ("1Gi", "1Gi"),
            ("4096Mi", "4Gi"),
            ("1024Ki", "1Mi"),
            ("1.5Gi", "1536Mi"),
            ("0.5Ki", "512"),
            ("1Ki", "1Ki"),
            ("8Ki", "8Ki"),
            ("2e3", "2e3"),
            ("2000e0", "2e3"),
            ("1E3", "1E3"),
            ("12e-1", "1200e-3"),
            ("-1000", "-1k"),
            ("100n", "100n"),
            ("0.1n", "1n"),
            ("010", "010"),
            ("+1", "+1"),
            ("1000E", "1"),
            ("1.0", "1"),
            ("0.001", "1m"),
            ("1536", "1536"),
            ("2048", "2048"),
            ("1025Ki", "1025Ki"),
            ("-2Gi", "-2Gi"),
            ("16Gi", "16Gi"),
            ("1.5k", "1500"),
            ("12345678901234567890", "12345678901234567890"),
        ] {
            assert_eq!(go_string(s).as_deref(), Some(want), "{s}");
        }
        assert_eq!(go_string("x"), None);
    }
}
