#!/usr/bin/env bash
# The main job, end to end, on the embedded synthetic default (a 2-core CPU is enough):
#   1. makes a small synthetic DAVIS-format dataset;
#   2. trains the STCN-R50 teacher for a short schedule   (configs/stcn_r50_synthetic.py);
#   3. distils it into the MobileNetV2 student            (configs/distill_r50_to_mbv2.py);
#   4. tests an untrained student, the teacher and the student on the synthetic val split (J&F), and
#      scores the no-network baseline: each object's first mask copied onto every later frame
#      (tools/analysis/copy_first_mask.py);
#   5. prints a table of J&F, parameters and speed, and writes work_dirs/quickstart/summary.json.
#
# The short schedules are --cfg-options here; the configs keep the paper's recipe. The student is also
# distilled on 3-frame clips (train_dataloader.dataset.num_frames=3) instead of its config's longer
# clips, to keep the quickstart within its time budget.
# Results are on synthetic data with a few minutes of CPU training: they show the pipeline works,
# not what MobileVOS reaches on DAVIS.
#
# The terminal shows progress and results; each run's full log (environment, config, hooks, weight
# initialisation) is in its work dir, <run>/<timestamp>/<timestamp>.log.
#
# Knobs (environment): QUICKSTART_DIR (work_dirs/quickstart), TEACHER_ITERS, STUDENT_ITERS, BATCH,
# TEACHER_LR, STUDENT_LR; VERBOSE=1 also prints the full logs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

WORK="${QUICKSTART_DIR:-work_dirs/quickstart}"
DATA="$WORK/data"
# Sized to finish in about 11-12 minutes on a 2-core CPU (teacher ~2.0 s, student ~1.05 s per iteration).
TEACHER_ITERS="${TEACHER_ITERS:-160}"
STUDENT_ITERS="${STUDENT_ITERS:-160}"
BATCH="${BATCH:-4}"
TEACHER_LR="${TEACHER_LR:-3e-4}"
STUDENT_LR="${STUDENT_LR:-1e-3}"
VERBOSE_FLAG=(); [ -n "${VERBOSE:-}" ] && VERBOSE_FLAG=(--verbose)
START=$SECONDS
say() { printf '\n\033[1m[quickstart %4ds] %s\033[0m\n' "$((SECONDS - START))" "$*"; }

# The quickstart data: 64x64 frames, 8 per video (the configs' default set is 96x96, 10 frames).
VIDEOS=120 VAL_VIDEOS=20 FRAMES=8 SIZE=64 SEED=0
GEN=(num_videos=$VIDEOS num_frames=$FRAMES "size=($SIZE,$SIZE)" seed=$SEED num_val_videos=$VAL_VIDEOS)
DATA_OPTS=()
for prefix in train_dataloader.dataset.dataset val_dataloader.dataset test_dataloader.dataset; do
  DATA_OPTS+=("$prefix.data_root=$DATA")
  for arg in "${GEN[@]}"; do DATA_OPTS+=("$prefix.$arg"); done
done
# One object per training clip halves the per-object decoder work (STCN's static stage does the
# same); testing still segments every object of each video.
TRAIN_OPTS=("${DATA_OPTS[@]}" "train_dataloader.dataset.pipeline.0.size=($SIZE,$SIZE)" train_dataloader.batch_size="$BATCH"
  train_dataloader.dataset.max_objects=1
  train_dataloader.num_workers=0 train_dataloader.persistent_workers=False
  val_dataloader=None val_cfg=None val_evaluator=None default_hooks.logger.interval=10)

say "1/5 synthetic data -> $DATA"
"$PYTHON" tools/data/make_synthetic.py --out "$DATA" --videos $VIDEOS --val-videos $VAL_VIDEOS --frames $FRAMES \
  --size "${SIZE}x${SIZE}" --seed $SEED --reuse

say "2/5 teacher: STCN-R50 (54 M parameters), $TEACHER_ITERS iterations"
"$PYTHON" tools/train.py configs/stcn_r50_synthetic.py --work-dir "$WORK/teacher" "${VERBOSE_FLAG[@]}" --cfg-options "${TRAIN_OPTS[@]}" \
  train_cfg.max_iters="$TEACHER_ITERS" optim_wrapper.optimizer.lr="$TEACHER_LR" \
  "param_scheduler.0.milestones=[$((TEACHER_ITERS * 5 / 6))]" default_hooks.checkpoint.interval="$TEACHER_ITERS"
TEACHER_CKPT="$WORK/teacher/iter_$TEACHER_ITERS.pth"

# Distillation clips: 3 frames here (the config's default is longer) to stay within the time budget.
STUDENT_FRAMES=3
say "3/5 student: MobileNetV2 + ASPP (2.4 M parameters) distilled from the teacher, $STUDENT_ITERS iterations" \
  "on $STUDENT_FRAMES-frame clips (train_dataloader.dataset.num_frames=$STUDENT_FRAMES: shorter than the config's" \
  "clips, for time)"
"$PYTHON" tools/train.py configs/distill_r50_to_mbv2.py --work-dir "$WORK/student" "${VERBOSE_FLAG[@]}" --cfg-options "${TRAIN_OPTS[@]}" \
  train_cfg.max_iters="$STUDENT_ITERS" optim_wrapper.optimizer.lr="$STUDENT_LR" model.teacher_ckpt="$TEACHER_CKPT" \
  train_dataloader.dataset.num_frames="$STUDENT_FRAMES" \
  "param_scheduler.0.milestones=[$((STUDENT_ITERS * 5 / 6))]" default_hooks.checkpoint.interval="$STUDENT_ITERS"
STUDENT_CKPT="$WORK/student/iter_$STUDENT_ITERS.pth"

say "4/5 tests on the synthetic val split (J&F, speed), and the copy-first-mask baseline (no network)"
BASELINE_JSON="$WORK/copy_first_mask.json"
"$PYTHON" tools/analysis/copy_first_mask.py "$DATA" --split val --percent --json "$BASELINE_JSON" | sed -n 1,3p
UNTRAINED_CKPT="$WORK/untrained/student_init.pth"
"$PYTHON" tools/misc/init_checkpoint.py configs/distill_r50_to_mbv2.py "$UNTRAINED_CKPT" --seed 0
for run in untrained:configs/distill_r50_to_mbv2.py:$UNTRAINED_CKPT \
           teacher:configs/stcn_r50_synthetic.py:$TEACHER_CKPT \
           student:configs/distill_r50_to_mbv2.py:$STUDENT_CKPT; do
  IFS=: read -r name config ckpt <<<"$run"
  "$PYTHON" tools/test.py "$config" "$ckpt" --work-dir "$WORK/test_$name" --out "$WORK/test_$name/masks" \
    --cfg-options "${DATA_OPTS[@]}" 2>&1 | grep -E 'J&F-Mean|frames/s|error|Error' | tail -n 4
done

say "5/5 summary"
"$PYTHON" tools/misc/quickstart_summary.py --out "$WORK/summary.json" --baseline "$BASELINE_JSON" \
  --run untrained configs/distill_r50_to_mbv2.py "$UNTRAINED_CKPT" "$WORK/test_untrained" \
  --run teacher configs/stcn_r50_synthetic.py "$TEACHER_CKPT" "$WORK/test_teacher" \
  --run student configs/distill_r50_to_mbv2.py "$STUDENT_CKPT" "$WORK/test_student"
say "done in $((SECONDS - START)) s"
