//! finalizers (being written)
