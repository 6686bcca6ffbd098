#!/usr/bin/env bash
# Runs a browser test (tests/browser/*.mjs) with Node.js and Debian's Chromium. Neither may be
# missing: the test then fails with a message saying what to install, never passes unrun.
# Usage: run.sh SCRIPT.mjs [arguments...]
set -euo pipefail
missing=()
command -v node >/dev/null || missing+=(nodejs)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "browser test: not run, ${missing[*]} missing; install with apt-get install ${missing[*]}" \
       "(scripts/install-deps.sh does)" >&2
  exit 1
fi
exec node "$@"
