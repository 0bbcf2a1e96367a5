//! annotations (being written)
