# Runtime settings shared by every mobilevos config.
default_scope = 'mobilevos'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches this to gloo when there is no GPU.
    dist_cfg=dict(backend='nccl'),
)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Checkpoints are written atomically (temporary file + rename). After each validation the
    # best one by the first metric (J&F-Mean for DAVIS) is kept as best_<metric>_iter_<n>.pth.
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=10000,
        max_keep_ckpts=3,
        save_last=True,
        save_best='auto',
        rule='greater',
        backend_args=dict(backend='atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # --resume continues exactly: the sampler position and the RNG states are stored in checkpoints.
    exact_resume=dict(type='ExactResumeHook'),
    # Logs decoder_positive (share of positive entries of the decoder's last feature map) and stops
    # training when it has been 0 for `patience` iterations: a dead decoder never recovers.
    decoder_collapse=dict(type='DecoderCollapseHook', patience=50),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')
# decoder_positive (DecoderCollapseHook) is averaged over the logging window like the losses
log_processor = dict(by_epoch=False, mean_pattern=r'.*(loss|time|data_time|grad_norm|decoder_positive).*')
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
