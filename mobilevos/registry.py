"""The registries of mobilevos.

Every registry that has a counterpart in mmengine is a child of mmengine's root
of the same name, with scope ``mobilevos``. A config can therefore name our own
classes (``type='STMNetwork'``), classes of other OpenMMLab packages with a scope
prefix (``type='mmseg.MobileNetV2'``), and mmengine's own classes
(``type='AdamW'``, ``type='IterBasedTrainLoop'``).

``locations`` lists the modules that are imported the first time a registry is
queried, so ``MODELS.build(cfg)`` works without importing ``mobilevos.models``
first. A plugin registers its classes by being imported, normally through
``custom_imports = dict(imports=['projects.my_plugin'])`` in a config.

What ``build(cfg)`` returns, per registry:

=================  =============================================================
``MODELS``         an ``nn.Module``: networks, backbones, necks, heads, losses
                   (losses live here, as in mmseg), data preprocessors,
                   distillers.
``MEMORY``         a memory bank (``mobilevos.models.memory.BaseMemoryBank``):
                   owns a video's keys and values and decides what to keep.
``PIXEL_SAMPLERS`` a pixel sampler: ``sampler(labels (B,H,W)) -> (B,N) long``
                   flat pixel indices, used by the dense distillation losses.
``TASK_UTILS``     helpers built by models, e.g. forward-output recorders.
``DATASETS``       an mmengine ``BaseDataset``.
``TRANSFORMS``     a callable ``results dict -> results dict``.
``METRICS``        an mmengine ``BaseMetric``.
``HOOKS``          an mmengine ``Hook``.
``LOOPS``          an mmengine loop (``BaseLoop``).
=================  =============================================================
"""
import mmseg.registry  # noqa: F401  (registers the 'mmseg' scope, so 'mmseg.X' types resolve)
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

SCOPE = 'mobilevos'

# -- runner parts -------------------------------------------------------------
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, scope=SCOPE, locations=['mobilevos.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope=SCOPE, locations=['mobilevos.engine'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['mobilevos.engine'])
LOG_PROCESSORS = Registry(
    'log processor', parent=MMENGINE_LOG_PROCESSORS, scope=SCOPE, locations=['mobilevos.engine'])
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, scope=SCOPE, locations=['mobilevos.engine'])
OPTIM_WRAPPERS = Registry(
    'optim wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope=SCOPE, locations=['mobilevos.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
    scope=SCOPE,
    locations=['mobilevos.engine'])
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope=SCOPE, locations=['mobilevos.engine'])

# -- data -----------------------------------------------------------------------
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope=SCOPE, locations=['mobilevos.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope=SCOPE, locations=['mobilevos.datasets'])
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope=SCOPE, locations=['mobilevos.datasets.transforms'])

# -- models ---------------------------------------------------------------------
MODELS = Registry('model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['mobilevos.models'])
MODEL_WRAPPERS = Registry(
    'model wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope=SCOPE, locations=['mobilevos.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope=SCOPE, locations=['mobilevos.models'])
TASK_UTILS = Registry('task util', parent=MMENGINE_TASK_UTILS, scope=SCOPE, locations=['mobilevos.models'])

# Our own roots: mmengine has no counterpart to be a child of.
MEMORY = Registry('memory bank', scope=SCOPE, locations=['mobilevos.models.memory'])
PIXEL_SAMPLERS = Registry('pixel sampler', scope=SCOPE, locations=['mobilevos.models.samplers'])

# -- evaluation and visualisation -----------------------------------------------
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope=SCOPE, locations=['mobilevos.evaluation'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, scope=SCOPE, locations=['mobilevos.evaluation'])
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope=SCOPE, locations=['mobilevos.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, scope=SCOPE, locations=['mobilevos.visualization'])
