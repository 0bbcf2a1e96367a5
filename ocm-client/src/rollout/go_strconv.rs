//! Go's `strconv.Atoi` and `strconv.ParseFloat`, reproduced exactly where a rollout depends on
//! them (the group index label, percentages), with Go's error text.

use super::parse::GoResult;

/// Go's `strconv.Quote` for the strings a rollout meets (ASCII escapes as Go writes them).
fn strconv_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() && (c as u32) < 0x10000 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.Atoi` on a 64-bit platform, with Go's error text.
pub(crate) fn go_atoi(s: &str) -> GoResult<i64> {
    let syntax = || {
        Err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            strconv_quote(s)
        ))
    };
    let range = || {
        Err(format!(
            "strconv.Atoi: parsing {}: value out of range",
            strconv_quote(s)
        ))
    };
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return syntax();
    }
    // Go's ParseUint stops at the first bad byte (syntax) or at the first overflow (range).
    let mut n: i128 = 0;
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            return syntax();
        }
        n = n * 10 + i128::from(c - b'0');
        if n > i128::from(u64::MAX) {
            return range();
        }
    }
    let n = if neg { -n } else { n };
    i64::try_from(n).or_else(|_| range())
}

fn lower(c: u8) -> u8 {
    c | 0x20
}

/// Go's `underscoreOK` (internal/strconv).
fn underscore_ok(s: &[u8]) -> bool {
    let mut s = s;
    if let Some(b'-' | b'+') = s.first() {
        s = &s[1..];
    }
    let (mut saw, mut i, mut hex) = (b'^', 0usize, false);
    if s.len() >= 2 && s[0] == b'0' && matches!(lower(s[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = lower(s[1]) == b'x';
    }
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (hex && (b'a'..=b'f').contains(&lower(c))) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)`, with Go's error text.
pub(crate) fn go_parse_float(s: &str) -> GoResult<f64> {
    let syntax = || {
        Err(format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            strconv_quote(s)
        ))
    };
    let range = || {
        Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            strconv_quote(s)
        ))
    };
    if let Some(v) = special(s) {
        return v.map_or_else(syntax, Ok);
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut neg = false;
    match b.first() {
        Some(b'+') => i += 1,
        Some(b'-') => {
            i += 1;
            neg = true;
        }
        None => return syntax(),
        _ => {}
    }
    let hex = i + 2 < b.len() && b[i] == b'0' && lower(b[i + 1]) == b'x';
    if hex {
        i += 2;
    }
    let (mut sawdot, mut sawdigits, mut underscores) = (false, false, false);
    let mut mantissa = String::new();
    let mut frac_digits: i64 = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'_' {
            underscores = true;
        } else if c == b'.' {
            if sawdot {
                break;
            }
            sawdot = true;
        } else if c.is_ascii_digit() || (hex && (b'a'..=b'f').contains(&lower(c))) {
            sawdigits = true;
            mantissa.push(c as char);
            if sawdot {
                frac_digits += 1;
            }
        } else {
            break;
        }
        i += 1;
    }
    if !sawdigits {
        return syntax();
    }
    let exp_char = if hex { b'p' } else { b'e' };
    let mut exp: i64 = 0;
    if i < b.len() && lower(b[i]) == exp_char {
        i += 1;
        let mut esign = 1;
        match b.get(i) {
            Some(b'+') => i += 1,
            Some(b'-') => {
                i += 1;
                esign = -1;
            }
            _ => {}
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return syntax();
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            if b[i] == b'_' {
                underscores = true;
            } else if exp < 10_000_000 {
                exp = exp * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        exp *= esign;
    } else if hex {
        return syntax();
    }
    if i != b.len() || (underscores && !underscore_ok(&b[..i])) {
        return syntax();
    }
    let value = if hex {
        hex_value(&mantissa, exp - 4 * frac_digits)
    } else {
        // Rust's parser rounds correctly, as Go's does.
        let text = format!("{mantissa}e{}", exp - frac_digits);
        text.parse::<f64>().unwrap_or(f64::NAN)
    };
    if value.is_infinite() {
        return range();
    }
    Ok(if neg { -value } else { value })
}

/// A hexadecimal mantissa times two to `exp2` (exact for up to 53 significant bits).
fn hex_value(mantissa: &str, exp2: i64) -> f64 {
    let mut m = 0f64;
    for c in mantissa.chars() {
        m = m * 16.0 + f64::from(c.to_digit(16).unwrap_or(0));
    }
    let e = exp2.clamp(-2000, 2000) as i32;
    m * 2f64.powi(e)
}

/// Go's `special`: `inf`, `infinity` (signed or not) and `nan`, case-insensitive. `Some(None)`
/// when a special prefix is followed by more text (a syntax error).
fn special(s: &str) -> Option<Option<f64>> {
    let b = s.as_bytes();
    let first = *b.first()?;
    let prefix = |rest: &[u8], word: &[u8]| {
        rest.iter()
            .zip(word)
            .take_while(|(a, w)| lower(**a) == **w)
            .count()
    };
    let (sign, nsign, rest) = match first {
        b'+' => (1.0, 1, &b[1..]),
        b'-' => (-1.0, 1, &b[1..]),
        b'i' | b'I' => (1.0, 0, b),
        b'n' | b'N' => {
            return (prefix(b, b"nan") == 3).then(|| (b.len() == 3).then_some(f64::NAN));
        }
        _ => return None,
    };
    let mut n = prefix(rest, b"infinity");
    if 3 < n && n < 8 {
        n = 3;
    }
    if n == 3 || n == 8 {
        return Some((nsign + n == b.len()).then_some(sign * f64::INFINITY));
    }
    None
}
