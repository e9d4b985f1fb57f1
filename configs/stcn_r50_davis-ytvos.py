# STCN-style teacher on real data: DAVIS 2017 train (x5) + YouTube-VOS 2019 train, validated on
# DAVIS 2017 val; STCN's main-stage recipe (150K iterations). Set the data roots in
# _base_/datasets/youtubevos2019_davis2017.py or with --cfg-options.
_base_ = [
    '_base_/models/stcn_r50.py', '_base_/datasets/youtubevos2019_davis2017.py',
    '_base_/schedules/stcn_main_150k.py', '_base_/default_runtime.py'
]
model = _base_.stcn_r50
model.loss_seg = dict(type='BootstrappedCELoss', start_warm=20000, end_warm=70000, top_p=0.15)
