#![no_main]
//! See `synthlint::fuzzing::suppression` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| synthlint::fuzzing::suppression(data));
