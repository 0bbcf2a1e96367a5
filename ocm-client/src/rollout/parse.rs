//! sdk-go's `parseTimeout`, `parseRolloutSize` and `calculateRolloutSize`, on top of Go's parsers
//! (`go_time`, `go_strconv`).

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub(crate) use super::go_strconv::{go_atoi, go_parse_float};
pub(crate) use super::go_time::go_parse_duration;

/// Go's `maxTimeDuration` (`time.Duration(math.MaxInt64)`): "no deadline".
pub(crate) const MAX_DURATION: i64 = i64::MAX;

/// A value-and-reason failure, the reason being Go's error text.
pub(crate) type GoResult<T> = Result<T, String>;

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
