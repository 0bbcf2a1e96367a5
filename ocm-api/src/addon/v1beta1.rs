//! `addon/v1beta1` (being written)
