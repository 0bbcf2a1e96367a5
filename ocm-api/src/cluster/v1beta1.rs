//! `cluster/v1beta1` (being written)
