//! taints (being written)
