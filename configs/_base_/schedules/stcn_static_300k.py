# STCN stage 0 (static images): Adam, lr 1e-5, weight decay 1e-7, 300K iterations, lr x0.1 at 150K.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-5, weight_decay=1e-7), clip_grad=None)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[150000], gamma=0.1)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300000)
# STCN's bootstrapped CE (hardest 15 % of pixels after a 20K -> 70K warm-up), as in the main stage:
# model.loss_seg = _base_.stcn_loss_seg.
stcn_loss_seg = dict(type='BootstrappedCELoss', start_warm=20000, end_warm=70000, top_p=0.15)
