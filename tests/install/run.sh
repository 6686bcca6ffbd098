#!/usr/bin/env bash
# Installs the built tapegrad into a temporary prefix, then builds and runs programs against it
# as a user would (never against the source tree):
#
#   run.sh full BUILD SOURCE README_DIR   find_package(tapegrad): tests/install/consumer builds
#                                         main.cpp, custom_function.cpp and the README's five
#                                         programs
#   run.sh core BUILD SOURCE README_DIR   the core alone, with Boost, Graphviz and nlohmann-json
#                                         absent: find_package(tapegrad COMPONENTS core) builds
#                                         main.cpp, custom_function.cpp and the README's core
#                                         programs, and so does
#                                         `pkg-config --cflags --libs tapegrad-core`
#
# "Absent" is real: in a private mount namespace (unshare -m, root) empty folders are mounted
# over those libraries' headers and CMake packages, and an empty file over their pkg-config files.
# The compiler's dependency lists are checked too: no hidden library's header may appear.
set -euo pipefail
mode=$1 build=$2 source=$3 readme=$4

hidden_dirs=(/usr/include/boost /usr/include/graphviz /usr/include/nlohmann
  /usr/share/cmake/nlohmann_json)
hidden_dirs+=(/usr/lib/*/cmake/[Bb]oost*)
hidden_files=(/usr/lib/*/pkgconfig/lib{gvc,cgraph,cdt,pathplan,xdot}.pc
  /usr/lib/*/cmake/BoostDetectToolset-*.cmake)
if [ "$mode" = core ] && [ -z "${TAPEGRAD_INSTALL_TEST_HIDDEN:-}" ]; then
  if ! unshare -m --propagation private true 2> /dev/null; then
    echo "run.sh core: cannot make a private mount namespace (needs root and unshare -m)" >&2
    exit 1
  fi
  exec unshare -m --propagation private env TAPEGRAD_INSTALL_TEST_HIDDEN=1 "$0" "$@"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"

if [ "$mode" = core ]; then
  mkdir "$work/empty"
  : > "$work/empty-file"
  for d in "${hidden_dirs[@]}"; do [ -d "$d" ] && mount --bind "$work/empty" "$d"; done
  for f in "${hidden_files[@]}"; do [ -f "$f" ] && mount --bind "$work/empty-file" "$f"; done
  if [ -n "$(find /usr/include/boost /usr/include/graphviz /usr/include/nlohmann -mindepth 1 -print -quit)" ]; then
    echo "run.sh core: the headers of Boost, Graphviz or nlohmann-json are still visible" >&2
    exit 1
  fi
fi

cmake -S "$source/tests/install/consumer" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release -DREADME_DIR="$readme" \
  -DCORE_ONLY=$([ "$mode" = core ] && echo ON || echo OFF) > "$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build"
programs=(consumer custom_function readme_program readme_micrograd readme_function)
[ "$mode" = full ] && programs+=(readme_snippet readme_higher_order)
for program in "${programs[@]}"; do
  echo "== $program"
  "$work/build/$program"
done

if [ "$mode" = core ]; then
  # The dependency lists of the CMake build, and a build through pkg-config alone.
  export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
  flags=$(pkg-config --cflags --libs tapegrad-core)
  echo "== pkg-config --cflags --libs tapegrad-core: $flags"
  # shellcheck disable=SC2086 # the flags are words
  g++ -O1 -MD -MF "$work/pkgconfig.d" "$readme/readme_program.cpp" -o "$work/readme_pkgconfig" \
    $flags
  "$work/readme_pkgconfig"
  deps=$(cat "$work/pkgconfig.d"; ninja -C "$work/build" -t deps)
  if grep -E "boost/|graphviz/|nlohmann/" <<< "$deps"; then
    echo "run.sh core: the consumer's dependencies name a Boost, Graphviz or nlohmann header" >&2
    exit 1
  fi
  grep -q "tapegrad/core.hpp" <<< "$deps" || { echo "no dependency lists found" >&2; exit 1; }
  echo "the core consumer built and ran with Boost, Graphviz and nlohmann-json absent"
fi
