#!/usr/bin/env bash
# Compiles every kernels/cuda/*.cu to PTX (one file each) for the given architecture.
# Called by the Maven build; a compile error fails the build. Without nvcc the build
# stops and says so, unless KILN_SKIP_PTX=1 (the CUDA backend then reports the PTX missing).
set -euo pipefail
out="$1"; arch="${2:-sm_90}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$out"
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
if [[ ! -x "$NVCC" ]]; then
  if [[ "${KILN_SKIP_PTX:-0}" == 1 ]]; then echo "kiln: nvcc not found, PTX skipped (KILN_SKIP_PTX=1)"; exit 0; fi
  echo "kiln: nvcc not found (looked on PATH and /usr/local/cuda/bin); set NVCC or KILN_SKIP_PTX=1" >&2; exit 1
fi
shopt -s nullglob
for cu in "$here"/cuda/*.cu; do
  ptx="$out/$(basename "${cu%.cu}").ptx"
  # Rebuild only when the source or the shared header changed.
  if [[ -f "$ptx" && "$ptx" -nt "$cu" && -z "$(find "$here/include" -newer "$ptx" -print -quit)" ]]; then continue; fi
  "$NVCC" -arch="$arch" -std=c++17 -O3 --ptx -I "$here/include" -o "$ptx" "$cu"
done
