//! `operator/v1` (being written)
