#!/usr/bin/env node
/**
 * Runs when `node-gyp rebuild` fails during `npm install` / `npm ci` (see the
 * "install" script in package.json): print one clear notice and exit 0, so a
 * machine without a C toolchain still installs lmkit — it then runs on the
 * WebAssembly backend, which is embedded in the package and needs no build.
 */
process.stderr.write(
  '\nlmkit: the native backend could not be built (see the node-gyp output above).\n' +
  'lmkit will use its WebAssembly backend instead, which is slower but needs no compiler.\n' +
  'To build the native backend later: install a C compiler, make and python3, then run `npm rebuild lmkit`.\n\n',
);
