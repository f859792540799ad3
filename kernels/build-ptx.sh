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
  # Rebuild only when the source, a header or a shared OpenCL source (.cu files include them) changed.
  if [[ -f "$ptx" && "$ptx" -nt "$cu" && -z "$(find "$here/include" "$here/opencl" -newer "$ptx" -print -quit 2>/dev/null)" ]]; then continue; fi
  if ! "$NVCC" -arch="$arch" -std=c++17 -O3 --ptx -I "$here/include" -o "$ptx" "$cu"; then
    rm -f "$ptx"
    echo "kiln: nvcc failed to compile $cu to PTX ($arch); see its message above" >&2
    exit 1
  fi
done
