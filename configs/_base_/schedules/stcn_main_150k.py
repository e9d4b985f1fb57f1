# STCN's main training stage without BL30K (paper-notes §3): Adam, lr 1e-5, weight decay 1e-7,
# 150K iterations, lr x0.1 at 125K; max-skip curriculum 5 -> 10, 15, 20, 25, 5 at 10/20/30/40/90 %.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-5, weight_decay=1e-7), clip_grad=None)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[125000], gamma=0.1)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=150000, val_interval=10000)
custom_hooks = [
    dict(type='MaxSkipCurriculumHook',
         initial=5,
         values=(10, 15, 20, 25, 5),
         fractions=(0.1, 0.2, 0.3, 0.4, 0.9))
]
# STCN's bootstrapped CE (hardest 15 % of pixels after a 20K -> 70K warm-up) for every network trained on
# this schedule: model.loss_seg = _base_.stcn_loss_seg.
stcn_loss_seg = dict(type='BootstrappedCELoss', start_warm=20000, end_warm=70000, top_p=0.15)
