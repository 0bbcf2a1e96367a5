//! Go's `time.ParseDuration`, reproduced exactly (value and error text).

use super::parse::GoResult;

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
