// Only the header: the driver is in libFuzzer's runtime, which -sanitize=fuzzer links.
