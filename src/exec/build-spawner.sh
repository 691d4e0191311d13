#!/bin/sh
# Builds the native job spawner (spawner.c) into dist/pll-spawner; run by
# `npm run build` after tsc. Without a C compiler, or if the build fails,
# pll uses the Perl spawner instead: a note, not an error.
cd "$(dirname "$0")/../.." || exit 1
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "pll: no C compiler ($cc): jobs will be started by the Perl spawner" >&2
  rm -f dist/pll-spawner
  exit 0
fi
mkdir -p dist
if ! "$cc" -O2 -Wall -Wextra -Wl,-z,now -o dist/pll-spawner.tmp src/exec/spawner.c; then
  echo "pll: building the native spawner failed: jobs will be started by the Perl spawner" >&2
  rm -f dist/pll-spawner dist/pll-spawner.tmp
  exit 0
fi
mv -f dist/pll-spawner.tmp dist/pll-spawner
