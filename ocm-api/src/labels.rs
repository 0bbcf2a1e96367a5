//! labels (being written)
