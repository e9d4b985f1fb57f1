'''Probes for distributed-training tests, loaded through ``custom_imports``.'''
from .probes import RankProbeHook, ToyBNModel

__all__ = ['RankProbeHook', 'ToyBNModel']
