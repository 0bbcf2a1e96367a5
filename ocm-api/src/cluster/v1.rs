//! `cluster/v1` (being written)
