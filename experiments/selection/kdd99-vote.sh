#!/usr/bin/env bash
# Issue #17, KDD Cup 99 (docs/results.md "KDD'99: forest + FCNN soft voting, chosen on validation"): the
# forest + honest-best-kdd99's FCNN, soft voting, on leave-attack-type-out validation rows of the
# de-duplicated 10 % file, seeds 1–3, against the baseline on the same rows. `corrected` is never read here
# (bench/kdd99-selection.ts runs with skipTests).
# Usage: experiments/selection/kdd99-vote.sh [out-dir]   (IOT_IDS_DATA_DIR must point at the data)
set -euo pipefail
out=${1:-runs/kdd99-vote}
fcnn='{"classWeight":"balanced","classWeightPower":0.5,"classWeightMax":50,"epochs":1}'
run() { # name task model options
  nice -n 10 node --import tsx bench/kdd99-selection.ts --out "$out" --name "$1" --task "$2" --seeds 1,2,3 \
    --model "$3" --options "$4" --log1p
}
for task in ddos-u2r-normal 5class; do
  run fcnn-honest-best "$task" fcnn "$fcnn"
  run vote-equal "$task" rf-fcnn "{\"fcnn\":$fcnn,\"fcnnWeight\":0.5}"
  run vote-fcnn0.3 "$task" rf-fcnn "{\"fcnn\":$fcnn,\"fcnnWeight\":0.3}"
done
