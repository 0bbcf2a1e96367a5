//! The size budget of a ManifestWork and how manifests are spread over several works.
//!
//! # How upstream measures
//!
//! Upstream's work webhook (`ocm` `pkg/work/webhook/common/validator.go`, `ValidateManifests`)
//! refuses a work whose manifests total more than **500 KiB (512,000 bytes)**, each manifest
//! counted as `Manifest.Size()`: the protobuf size of its `runtime.RawExtension`, that is the
//! length of its JSON plus one tag byte plus the varint of that length. The JSON is the one the
//! webhook receives, as Go's `encoding/json` writes it (which escapes `<`, `>`, `&`, U+2028 and
//! U+2029). [`manifest_size`] computes exactly that from the manifest's JSON value (the
//! apiserver may shrink the embedded `metadata` further; it never grows it).
//!
//! # Our budget
//!
//! The add-on framework (addon-framework v1.3.0, `agentdeploy`) builds deploy works with
//! sdk-go's `WorkBuilder.WithManifestsLimit(500 * 1024)`, which keeps 80 % of that:
//! **409,600 bytes**, a work taking a manifest only while its total stays *strictly below* it.
//! [`DEFAULT_BUDGET`] is that number and [`split`] that rule, so a split leaves the same margin
//! for later growth as upstream's add-on works do.
//!
//! # How manifests are spread
//!
//! As sdk-go's `WorkBuilder`: manifests sorted by size, largest first (ties keep their order),
//! each added to the current work while the total stays below the budget, otherwise to a new
//! work. Unlike upstream, each work then lists its manifests in the order they were given
//! (upstream keeps the size order), and a manifest that alone reaches the budget is refused
//! ([`BuildError::ManifestTooLarge`]) instead of producing a work the webhook may reject.

use ocm_api::work::v1::Manifest;
use serde_json::Value;

use super::BuildError;

/// Upstream's webhook limit on the manifests of one work, in bytes (500 KiB).
pub const WEBHOOK_LIMIT: usize = 500 * 1024;

/// The default budget of one work: 80 % of [`WEBHOOK_LIMIT`], as the add-on framework uses.
pub const DEFAULT_BUDGET: usize = WEBHOOK_LIMIT * 4 / 5;

/// The size upstream counts for one manifest: `len(json) + 1 + varint_len(len(json))`.
pub fn manifest_size(manifest: &Manifest) -> usize {
    raw_extension_size(go_json_len(manifest.as_value()))
}

/// The total size of a list of manifests, as the webhook sums it.
pub fn manifests_size<'a>(manifests: impl IntoIterator<Item = &'a Manifest>) -> usize {
    manifests.into_iter().map(manifest_size).sum()
}

/// `RawExtension.Size()` for a JSON encoding of `len` bytes.
fn raw_extension_size(len: usize) -> usize {
    let bits = usize::BITS - (len | 1).leading_zeros();
    1 + len + bits.div_ceil(7) as usize
}

/// Spreads manifests of the given sizes over works under `budget`.
///
/// Returns the indices of the manifests of each work, each list in ascending order.
///
/// # Errors
///
/// [`BuildError::ManifestTooLarge`] when one manifest alone reaches the budget.
pub fn split(sizes: &[usize], budget: usize) -> Result<Vec<Vec<usize>>, BuildError> {
    if let Some((index, &size)) = sizes.iter().enumerate().find(|(_, s)| **s >= budget) {
        return Err(BuildError::ManifestTooLarge {
            index,
            size,
            budget,
        });
    }
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|a, b| sizes[*b].cmp(&sizes[*a]));
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut total = 0;
    for index in order {
        match groups.last_mut() {
            Some(group) if total + sizes[index] < budget => {
                group.push(index);
                total += sizes[index];
            }
            _ => {
                groups.push(vec![index]);
                total = sizes[index];
            }
        }
    }
    for group in &mut groups {
        group.sort_unstable();
    }
    Ok(groups)
}

/// The length of `value` as Go's `encoding/json` writes it (compact, HTML-escaped).
pub(crate) fn go_json_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_len(n),
        Value::String(s) => string_len(s),
        Value::Array(items) => {
            2 + items.iter().map(go_json_len).sum::<usize>() + items.len().saturating_sub(1)
        }
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| string_len(k) + 1 + go_json_len(v))
                .sum::<usize>()
                + map.len().saturating_sub(1)
        }
    }
}

fn number_len(n: &serde_json::Number) -> usize {
    if n.is_i64() || n.is_u64() {
        return n.to_string().len();
    }
    let Some(f) = n.as_f64() else {
        return n.to_string().len();
    };
    // Go decodes a non-integer JSON number into a float64 and writes it back with
    // strconv's shortest form: fixed notation for 1e-6 <= |f| < 1e21, else `1e+21` / `1e-7`.
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        format!("{f}").len()
    } else {
        let s = format!("{f:e}");
        if s.contains("e-") {
            s.len()
        } else {
            s.len() + 1
        }
    }
}

fn string_len(s: &str) -> usize {
    2 + s
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => 6,
            c if (c as u32) < 0x20 => 6,
            c => c.len_utf8(),
        })
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn raw_extension_size_counts_tag_and_varint() {
        assert_eq!(raw_extension_size(0), 2);
        assert_eq!(raw_extension_size(127), 129);
        assert_eq!(raw_extension_size(128), 131);
        assert_eq!(raw_extension_size(16_383), 16_386);
        assert_eq!(raw_extension_size(16_384), 16_388);
    }

    #[test]
    fn go_json_len_is_the_compact_length_plus_go_escapes() {
        for v in [
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b", "n": [1, -2, null, true]}}),
            json!({"s": "quote \" backslash \\ newline \n tab \t uni é ✓"}),
            json!([]),
            json!({}),
            json!(["x"]),
        ] {
            let compact = serde_json::to_vec(&v).map(|b| b.len()).unwrap_or_default();
            assert_eq!(go_json_len(&v), compact, "{v}");
        }
        // Go writes `<` as `\u003c` (HTML escaping) and \u{1} as `\u0001`.
        assert_eq!(go_json_len(&json!("<a&b>")), 2 + 6 + 1 + 6 + 1 + 6);
        assert_eq!(go_json_len(&json!("\u{1}")), 8);
        assert_eq!(go_json_len(&json!("\u{2028}")), 8);
        // Floats as Go's strconv writes them.
        assert_eq!(go_json_len(&json!(1.5)), 3);
        assert_eq!(go_json_len(&json!(100.0)), 3);
        assert_eq!(go_json_len(&json!(1e21)), "1e+21".len());
        assert_eq!(go_json_len(&json!(1e-7)), "1e-7".len());
        assert_eq!(go_json_len(&json!(0.000001)), "0.000001".len());
    }

    #[test]
    fn split_keeps_works_strictly_below_the_budget() {
        // 60 + 40 = 100 is not below 100: two works.
        assert_eq!(split(&[40, 60], 100).ok(), Some(vec![vec![1], vec![0]]));
        // 60 + 39 = 99 fits.
        assert_eq!(split(&[39, 60], 100).ok(), Some(vec![vec![0, 1]]));
    }

    #[test]
    fn split_fills_largest_first_and_keeps_given_order_inside_a_work() {
        // Sorted: 50(1) 30(3) 20(0) 20(2) 10(4); works: [50,30] (80), [20,20,10] (50).
        let groups = split(&[20, 50, 20, 30, 10], 90).ok();
        assert_eq!(groups, Some(vec![vec![1, 3], vec![0, 2, 4]]));
    }

    #[test]
    fn split_refuses_a_manifest_that_reaches_the_budget() {
        assert!(matches!(
            split(&[10, 100, 5], 100),
            Err(BuildError::ManifestTooLarge {
                index: 1,
                size: 100,
                budget: 100
            })
        ));
        assert_eq!(split(&[99], 100).ok(), Some(vec![vec![0]]));
    }

    #[test]
    fn split_of_nothing_is_nothing() {
        assert_eq!(split(&[], 100).ok(), Some(Vec::<Vec<usize>>::new()));
    }

    #[test]
    fn default_budget_is_the_addon_framework_one() {
        assert_eq!(WEBHOOK_LIMIT, 512_000);
        assert_eq!(DEFAULT_BUDGET, 409_600);
    }
}
