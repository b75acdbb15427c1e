// What the compiler targets (release builds: -march=native), for kernels whose register
// blocking depends on it. Read through the importing Swift target's clang flags.
#ifdef __AVX512F__
#define NAS_VECTOR_REGISTER_BYTES 64  // 32 registers of 16 floats
#else
#define NAS_VECTOR_REGISTER_BYTES 32  // AVX2: 16 registers of 8 floats
#endif
