#![no_main]
//! See fuzz/README.md and `matcalc_fuzz::equiv` for what this target asserts.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    matcalc_fuzz::equiv(data);
});
