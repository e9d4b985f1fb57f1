#!/usr/bin/env bash
# Distributed training with torchrun:  bash tools/dist_train.sh CONFIG NUM_PROCESSES [train.py options]
# On GPUs it uses NCCL; on a CPU-only machine the same command runs gloo processes.
# NNODES, NODE_RANK, MASTER_ADDR and PORT configure multi-node runs.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: bash tools/dist_train.sh CONFIG NUM_PROCESSES [tools/train.py options]" >&2
  exit 2
fi
CONFIG=$1
NPROC=$2
shift 2
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec python -m torch.distributed.run \
  --nnodes="${NNODES:-1}" --node-rank="${NODE_RANK:-0}" \
  --master-addr="${MASTER_ADDR:-127.0.0.1}" --master-port="${PORT:-29500}" \
  --nproc-per-node="$NPROC" \
  tools/train.py "$CONFIG" --launcher pytorch "$@"
