#!/usr/bin/env bash
# Fails, listing the files, if a C++ source of the repository differs from what clang-format
# makes of it with the repository's .clang-format.
set -euo pipefail
cd "$1"
if ! command -v clang-format > /dev/null; then
  echo "clang-format is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <(find graph ops optim models tools tests bench examples tapegrad.hpp core.hpp io.hpp views.hpp \
  -name '*.cpp' -o -name '*.hpp' | sort)
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" > /dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
  echo "not formatted with .clang-format (run clang-format -i on them):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "${#files[@]} files formatted"
