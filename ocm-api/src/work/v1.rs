//! `work/v1` (being written)
