#![no_main]
//! See `synthlint::fuzzing::redact` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| synthlint::fuzzing::redact(data));
