// A shared object without any flux-burst entry point.
extern "C" __attribute__((visibility("default"))) int something_else(void) {
    return 42;
}
