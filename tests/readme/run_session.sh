#!/usr/bin/env bash
# Runs the README's model-files session (argument 1, cut from README.md by tests/CMakeLists.txt)
# in a scratch folder laid out like the repository: build/ is this build (argument 2), models/
# the sources' (argument 3). Then checks that each command wrote what it says.
set -euo pipefail
session=$1 build=$2 source=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
ln -s "$build" "$scratch/build"
ln -s "$source/models" "$scratch/models"
cd "$scratch"
bash "$session"
for file in w.safetensors g.safetensors trained.safetensors loss.csv loss.svg row0.svg; do
  if [[ ! -s out/session/$file ]]; then
    echo "the session did not write out/session/$file" >&2
    exit 1
  fi
done
echo "the README session ran and wrote every file"
