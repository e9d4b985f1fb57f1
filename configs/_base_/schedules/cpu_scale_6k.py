# A CPU-scale schedule (docs/results.md): STCN's main stage compressed to 6K iterations for a 2-core
# CPU. Adam lr 3e-4 (the 1e-5 of STCN's fine-tuning from static pre-training is far too small from
# scratch), lr x0.1 at 5K, validation every 250 iterations, the same max-skip curriculum fractions.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=3e-4, weight_decay=1e-7), clip_grad=None)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[5000], gamma=0.1)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=6000, val_interval=250)
custom_hooks = [
    dict(type='MaxSkipCurriculumHook',
         initial=5,
         values=(10, 15, 20, 25, 5),
         fractions=(0.1, 0.2, 0.3, 0.4, 0.9))
]
# STCN's bootstrapped CE with its warm-up scaled with the schedule (150K -> 6K); every CPU-scale network
# (teacher and students) trains with it: model.loss_seg = _base_.cpu_scale_loss_seg.
cpu_scale_loss_seg = dict(type='BootstrappedCELoss', start_warm=800, end_warm=2800, top_p=0.15)
