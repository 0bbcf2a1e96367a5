//! feature_gates (being written)
