#!/usr/bin/env bash
# Issue #17, KDD Cup 99 (docs/results.md "KDD'99: the AUTODEEP-ID defaults, tempered weights and latent SMOTE
# over seeds"): every candidate on leave-attack-type-out validation rows of the de-duplicated 10 % file,
# seeds 1–3. `corrected` is never read here (bench/kdd99-selection.ts runs with skipTests).
# Usage: experiments/selection/kdd99-round3.sh [out-dir] [group]   (IOT_IDS_DATA_DIR must point at the data)
#   group: plain (no class weights) | weighted (tempered class weights) | all (default)
set -euo pipefail
out=${1:-runs/kdd99-selection}
group=${2:-all}
fcnn='{"classWeight":"balanced","classWeightPower":0.5,"classWeightMax":50,"epochs":1}'
tempered='{"classWeight":"balanced","classWeightPower":0.5,"classWeightMax":50}'
run() { # name task model options [--log1p]
  nice -n 10 node --import tsx bench/kdd99-selection.ts --out "$out" --name "$1" --task "$2" --seeds 1,2,3 \
    --model "$3" --options "$4" "${@:5}"
}
for task in ddos-u2r-normal 5class; do
  if [ "$group" != weighted ]; then
    run fcnn-honest-best $task fcnn "$fcnn" --log1p
    run autodeep-defaults $task vae-bigru '{}'
    run autodeep-smote0.1 $task vae-bigru '{"smoteLatent":true,"smoteRatio":0.1}'
    run autodeep-log1p $task vae-bigru '{}' --log1p
    run vae-bigru-10ep-4x4 $task vae-bigru '{"vae":{"epochs":10},"bigru":{"epochs":10,"featuresPerStep":4}}'
  fi
  if [ "$group" != plain ]; then
    run autodeep-tempered $task vae-bigru "$tempered"
    run autodeep-tempered-log1p $task vae-bigru "$tempered" --log1p
  fi
done
