"""Distillers (``MODELS``) and the recorders (``TASK_UTILS``) they use.

A distiller wraps a student and a frozen teacher built from config; recorders
capture module outputs and method outputs by path, and a mapping in the config
says which record feeds which argument of which loss.
"""
from .recorders import (BaseRecorder, MethodOutputsRecorder, ModuleInputsRecorder, ModuleOutputsRecorder,
                        RecorderManager)
from .single_teacher_distiller import SingleTeacherDistiller, TeacherNotFoundError

__all__ = [
    'BaseRecorder', 'MethodOutputsRecorder', 'ModuleInputsRecorder', 'ModuleOutputsRecorder',
    'RecorderManager', 'SingleTeacherDistiller', 'TeacherNotFoundError'
]
