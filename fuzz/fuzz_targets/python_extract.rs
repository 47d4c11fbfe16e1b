#![no_main]
//! See `synthlint::fuzzing::python_extract` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| synthlint::fuzzing::python_extract(data));
