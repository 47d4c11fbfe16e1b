#![no_main]
//! See `synthlint::fuzzing::media_label` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| synthlint::fuzzing::media_label(data));
