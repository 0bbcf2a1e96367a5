//! Examples for the ocm-rs SDK (see the `[[example]]` targets). This library only compiles the
//! README's code, so that the README stays true.
#![doc = include_str!("../README.md")]
