#!/bin/sh
# Builds the native job spawner (spawner.c) into dist/pll-spawner and puts
# the Perl spawner (spawner.pl) beside the compiled spawner.js, where
# spawner.ts looks for it; run by `npm run build` after tsc. Without a C
# compiler, or if the build fails, pll uses the Perl spawner instead: a
# note, not an error.
#
# Linked statically when the C library allows it (Debian: libc6-dev has
# libc.a): a process with a few memory mappings instead of the dozens a
# dynamically linked one has forks for less, and it forks once per job —
# 2,000 trivial jobs 1.12 → 1.09 s. Otherwise dynamically, with every symbol
# bound at load so that no forked child resolves one.
cd "$(dirname "$0")/../.." || exit 1
mkdir -p dist/src/exec && cp src/exec/spawner.pl dist/src/exec/spawner.pl || exit 1
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "pll: no C compiler ($cc): jobs will be started by the Perl spawner" >&2
  rm -f dist/pll-spawner
  exit 0
fi
mkdir -p dist
flags="-O2 -Wall -Wextra"
# shellcheck disable=SC2086 # $flags is a list of flags
if ! "$cc" $flags -static -o dist/pll-spawner.tmp src/exec/spawner.c 2>/dev/null &&
  ! "$cc" $flags -Wl,-z,now -o dist/pll-spawner.tmp src/exec/spawner.c; then
  echo "pll: building the native spawner failed: jobs will be started by the Perl spawner" >&2
  rm -f dist/pll-spawner dist/pll-spawner.tmp
  exit 0
fi
mv -f dist/pll-spawner.tmp dist/pll-spawner
