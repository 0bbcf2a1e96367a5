//! Serde helpers shared by the API types (crate-private).
//!
//! Go writes `null` for a nil slice, map or pointer even where the field has no `omitempty`.
//! Fields modelled as a plain `Vec`/`BTreeMap`/`String` with `#[serde(default)]` must accept that
//! `null` too, which serde's `default` alone does not: use
//! `#[serde(default, deserialize_with = "crate::serde_util::null_as_default")]`.

use serde::{Deserialize, Deserializer};

/// Deserializes `null` (or an absent field, together with `#[serde(default)]`) as `T::default()`.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `skip_serializing_if` predicate for Go's `omitempty` on numbers and booleans.
pub(crate) fn is_zero<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}
