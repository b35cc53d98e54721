//! Helpers shared by the integration tests (`mod common;`). Each test crate uses only
//! some of them, hence the allowance.
#![allow(dead_code)]

pub mod catalog;
pub mod gen;
pub mod gen_scalar;
