{
  "targets": [
    {
      "target_name": "lmkit_native",
      "sources": [
        "native/src/addon.c",
        "native/src/dispatch.c",
        "native/src/threads.c",
        "native/src/isa-generic.c",
        "native/src/isa-avx2.c",
        "native/src/isa-avx512.c"
      ],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=fast", "-fno-math-errno", "-fvisibility=hidden", "-pthread", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-O2", "-O0"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-ffp-contract=fast", "-fno-math-errno"]
      }
    }
  ]
}
