//! `addon/v1alpha1` (being written)
