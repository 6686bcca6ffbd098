#!/usr/bin/env bash
# Checks a command's output shown in the README: the block's first line is "$ tapegrad ARGS",
# the rest is what that command prints. Runs it with the built tapegrad and compares.
# Usage: check_output.sh BLOCK_FILE TAPEGRAD
set -euo pipefail
set -f  # the arguments hold brackets ("layers.0.weight[1,2]"): no globbing
block=$1 tapegrad=$2
first=$(head -n 1 "$block")
args=${first#\$ tapegrad }
[ "$args" != "$first" ] || { echo "the block does not start with '\$ tapegrad': $first" >&2; exit 1; }
expected=$(tail -n +2 "$block")
# Word splitting of $args is intended: the README's command line, as a shell would split it.
# shellcheck disable=SC2086
actual=$("$tapegrad" $args) || { echo "tapegrad $args: exit status $?" >&2; exit 1; }
if [ "$actual" != "$expected" ]; then
  echo "README shows for 'tapegrad $args':" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
echo "README output of 'tapegrad $args' matches"
