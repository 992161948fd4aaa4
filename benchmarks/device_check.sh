#!/usr/bin/env bash
# One short, prepared GPU check (about 5 minutes on one GPU): the gpu-marked tests, then the profile costs
# on the GPU beside the CPU, then a few hundred paper-size training steps with float32 and bfloat16.
# Run from the repository root with the venv built: bash benchmarks/device_check.sh [OUT_DIR]
set -euo pipefail
out=${1:-device-check}
mkdir -p "$out"
py=${PY:-.venv/bin/python}
nvidia-smi | tee "$out/nvidia-smi.txt" || true
$py -m pytest -q -m gpu -rs tests 2>&1 | tee "$out/gpu-tests.txt"
$py benchmarks/profile_costs.py --device cuda 2>&1 | tee "$out/profile-costs.txt"
$py benchmarks/mixed_precision.py --device cuda --steps 300 2>&1 | tee "$out/mixed-precision.txt"
