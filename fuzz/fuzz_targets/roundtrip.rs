#![no_main]

mod bodies;

libfuzzer_sys::fuzz_target!(|input: bodies::RoundTrip| bodies::roundtrip(input));
