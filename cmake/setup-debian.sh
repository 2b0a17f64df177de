#!/usr/bin/env bash
# Installs the Debian 12 packages blobflow needs to build and test, and only those that are missing.
# Usage: bash cmake/setup-debian.sh   (as root, or with sudo available)
set -euo pipefail

packages=(
  cmake ninja-build g++ git pkg-config
  libeigen3-dev libboost-dev libboost-iostreams-dev libboost-filesystem-dev
  libgtest-dev librapidcheck-dev
  libtomlplusplus-dev nlohmann-json3-dev
  libgnuplot-iostream-dev gnuplot-nox
  liblemon-dev                       # network simplex: exact discrete optimal transport
  libfftw3-dev                       # the grid/FFT summation engine
  libhwy-dev                         # Google Highway: the SIMD engines' kernel for every vector target
  python3-pot                        # reference tests against POT (Python Optimal Transport)
  pybind11-dev python3-dev python3-numpy   # the Python module blobflow (python/)
  python3-pytest python3-pandas      # its tests (tests/python) and blobflow.load_study's DataFrames
  python3-matplotlib                 # its example's figure (python/examples/convergence.py)
  libopenmpi-dev openmpi-bin         # blobflow study under mpirun (BLOBFLOW_WITH_MPI, on in the test preset)
  clang-tidy                         # .ci/function-lengths.sh: no function longer than 120 lines
  clang-14 libfuzzer-14-dev          # the preset sanitize: ASan + UBSan build and the libFuzzer harnesses (fuzz/)
  texlive-latex-base texlive-latex-recommended  # the test paper_document: pdflatex, booktabs, dcolumn (~2 min, 157 MB
                                     # with poppler-utils)
  poppler-utils                      # pdftoppm: that test's pages as PNG
  chromium                           # the test report_in_browser: index.html in headless Chromium (~1 min, 413 MB)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
