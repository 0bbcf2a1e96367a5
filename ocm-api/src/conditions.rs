//! conditions (being written)
