#![no_main]
//! See `synthlint::fuzzing::config` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| synthlint::fuzzing::config(data));
