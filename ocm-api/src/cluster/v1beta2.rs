//! `cluster/v1beta2` (being written)
