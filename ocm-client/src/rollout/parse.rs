//! Go's parsers, reproduced exactly where a rollout depends on them: `time.ParseDuration`,
//! `strconv.ParseFloat` (for percentages), `strconv.Atoi` (for the group index label), and
//! sdk-go's `parseTimeout` and `calculateRolloutSize` on top of them.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// Go's `maxTimeDuration` (`time.Duration(math.MaxInt64)`): "no deadline".
pub(crate) const MAX_DURATION: i64 = i64::MAX;

/// A value-and-reason failure, the reason being Go's error text.
pub(crate) type GoResult<T> = Result<T, String>;

/// Go's `time` package `quote`: bytes that are not printable ASCII as `\xNN`.
fn time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

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

/// Go's `time.ParseDuration`, in nanoseconds, with Go's error text.
pub(crate) fn go_parse_duration(orig: &str) -> GoResult<i64> {
    let invalid = |msg: &str| Err(format!("time: {msg} {}", time_quote(orig)));
    let mut s = orig.as_bytes();
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return invalid("invalid duration");
    }
    const LIMIT: u64 = 1 << 63;
    let mut d: u64 = 0;
    while let Some(&first) = s.first() {
        if !(first == b'.' || first.is_ascii_digit()) {
            return invalid("invalid duration");
        }
        // leadingInt
        let (mut v, mut i) = (0u64, 0usize);
        while i < s.len() && s[i].is_ascii_digit() {
            if v > LIMIT / 10 {
                return invalid("invalid duration");
            }
            v = v * 10 + u64::from(s[i] - b'0');
            if v > LIMIT {
                return invalid("invalid duration");
            }
            i += 1;
        }
        let pre = i > 0;
        s = &s[i..];
        // leadingFraction
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let (mut j, mut overflow) = (0usize, false);
            while j < s.len() && s[j].is_ascii_digit() {
                if !overflow {
                    if f > (LIMIT - 1) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + u64::from(s[j] - b'0');
                        if y > LIMIT {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                j += 1;
            }
            post = j > 0;
            s = &s[j..];
        }
        if !pre && !post {
            return invalid("invalid duration");
        }
        let unit_len = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return invalid("missing unit in duration");
        }
        // The unit ends at an ASCII byte or at the end, so it is whole UTF-8.
        let unit_str = String::from_utf8_lossy(&s[..unit_len]).into_owned();
        s = &s[unit_len..];
        let unit: u64 = match unit_str.as_str() {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => {
                return invalid(&format!(
                    "unknown unit {} in duration",
                    time_quote(&unit_str)
                ));
            }
        };
        if v > LIMIT / unit {
            return invalid("invalid duration");
        }
        v *= unit;
        if f > 0 {
            // Go: uint64(float64(f) * (float64(unit) / scale)), truncating.
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return invalid("invalid duration");
            }
        }
        d += v;
        if d > LIMIT {
            return invalid("invalid duration");
        }
    }
    if neg {
        // Go: -Duration(d), which wraps for d == 1<<63.
        return Ok((d as i64).wrapping_neg());
    }
    if d > LIMIT - 1 {
        return invalid("invalid duration");
    }
    Ok(d as i64)
}

/// sdk-go's `parseTimeout`: `""` and `"None"` are no deadline; otherwise the value must match
/// `^(([0-9])+[h|m|s])|None$` (anchored at the start for the first branch and at the end for the
/// second only) and then parse as a Go duration.
pub(crate) fn parse_timeout(value: &str) -> GoResult<i64> {
    if value == "None" || value.is_empty() {
        return Ok(MAX_DURATION);
    }
    let b = value.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let first_branch = digits > 0 && matches!(b.get(digits), Some(b'h' | b'm' | b's' | b'|'));
    if !first_branch && !value.ends_with("None") {
        return Err("invalid timeout format".to_owned());
    }
    go_parse_duration(value)
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

/// A threshold as written, for error messages.
pub(crate) fn int_or_string_text(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// sdk-go's `parseRolloutSize`: an int, or a string ending in `%` whose rest parses as a Go float.
pub(crate) fn check_rollout_size(value: Option<&IntOrString>) -> GoResult<()> {
    match value {
        None | Some(IntOrString::Int(_)) => Ok(()),
        Some(IntOrString::String(s)) => match s.strip_suffix('%') {
            Some(number) => go_parse_float(number).map(|_| ()),
            None => Err(format!(
                "'{s}' is an invalid maximum threshold value: string is not a percentage"
            )),
        },
    }
}

/// sdk-go's `calculateRolloutSize`: a number, or `ceil(percent / 100 * total)`; a result `<= 0`
/// or `> total` falls back to `default`. `None` is Go's zero value (the int 0).
pub(crate) fn calculate_rollout_size(
    value: Option<&IntOrString>,
    total: usize,
    default: usize,
) -> GoResult<usize> {
    check_rollout_size(value)?;
    let total_i = i64::try_from(total).unwrap_or(i64::MAX);
    let length: i64 = match value {
        None => 0,
        Some(IntOrString::Int(i)) => i64::from(*i),
        Some(IntOrString::String(s)) => {
            let number = s.strip_suffix('%').unwrap_or_default();
            let f = go_parse_float(number).unwrap_or(0.0);
            // Go: int(math.Ceil(f / 100 * float64(total))); values that do not fit (NaN, ±Inf,
            // huge) end up <= 0 or > total either way and fall back to the default.
            (f / 100.0 * total as f64).ceil() as i64
        }
    };
    if length <= 0 || length > total_i {
        return Ok(default);
    }
    Ok(usize::try_from(length).unwrap_or(default))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(go_parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(go_parse_duration("1.5h"), Ok(5_400_000_000_000));
        assert_eq!(go_parse_duration("-0"), Ok(0));
        assert_eq!(go_parse_duration("2562047h47m16.854775807s"), Ok(i64::MAX));
        assert!(go_parse_duration("2562047h47m16.854775808s").is_err());
        assert_eq!(go_parse_duration("-2562047h47m16.854775808s"), Ok(i64::MIN));
        assert_eq!(
            go_parse_duration("5x").unwrap_err(),
            "time: unknown unit \"x\" in duration \"5x\""
        );
        assert_eq!(
            go_parse_duration("").unwrap_err(),
            "time: invalid duration \"\""
        );
        assert_eq!(
            go_parse_duration("5").unwrap_err(),
            "time: missing unit in duration \"5\""
        );
    }

    #[test]
    fn timeout_regex_is_anchored_on_one_side() {
        assert_eq!(parse_timeout("None"), Ok(MAX_DURATION));
        assert_eq!(parse_timeout("10ms"), Ok(10_000_000));
        assert_eq!(parse_timeout("1.5h").unwrap_err(), "invalid timeout format");
        assert!(parse_timeout("1hNone").is_err());
        assert_eq!(
            parse_timeout("xNone").unwrap_err(),
            "time: invalid duration \"xNone\""
        );
    }

    #[test]
    fn floats_and_sizes_like_go() {
        assert_eq!(go_parse_float("1_0"), Ok(10.0));
        assert_eq!(go_parse_float("0x1p-2"), Ok(0.25));
        assert!(
            go_parse_float("1e400")
                .unwrap_err()
                .ends_with("value out of range")
        );
        assert!(go_parse_float("infx").is_err());
        assert!(go_parse_float("Inf").is_ok_and(f64::is_infinite));
        let pct = |s: &str| IntOrString::String(s.to_owned());
        assert_eq!(calculate_rollout_size(Some(&pct("33.3%")), 10, 10), Ok(4));
        assert_eq!(calculate_rollout_size(Some(&pct("0%")), 10, 7), Ok(7));
        assert_eq!(
            calculate_rollout_size(Some(&IntOrString::Int(11)), 10, 3),
            Ok(3)
        );
        assert!(calculate_rollout_size(Some(&pct("3")), 10, 3).is_err());
        assert_eq!(go_atoi("+7"), Ok(7));
        assert!(
            go_atoi("99999999999999999999")
                .unwrap_err()
                .ends_with("out of range")
        );
    }
}
