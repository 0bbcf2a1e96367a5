//! crds (being written)
