"""A synthetic VOS dataset in the DAVIS 2017 layout: textured shapes moving over textured backgrounds.

Each video has 1-4 objects (ellipses, rings, polygons, stars, rectangles,
blobs) with their own textures, under affine motion (translation, rotation,
anisotropic scale) with a scale change, drawn back to front over a panning
background. Videos are made so that objects occlude each other, leave the
view and come back, or first appear after frame 0.

Video ``i`` of a split has a *scenario* ``i % 4``: 0 = occlusion + late
appearance + re-entry, 1 = occlusion, 2 = late appearance, 3 = re-entry
(events that need more frames than the video has are dropped); other objects
get events at random. A video is redrawn until its scenario's events can be
seen in its masks, so the first video of each split already has all three
(given >= 3 frames).

Object ids are chosen so that the largest id is visible in frame 0: the
official DAVIS evaluation counts objects ``1..max id of frame 0``, so it
then evaluates late objects too. Everything is a function of ``seed``: video
``i`` of a split depends on ``(seed, split, i)`` only, and the same arguments
give byte-identical files.

Modules: :mod:`.sprites` (textures, shapes, their poses, drawing),
:mod:`.scenes` (scenario planning, :func:`generate_video`), :mod:`.writer`
(the DAVIS-layout files, :func:`make_synthetic_davis`, :func:`ensure_synthetic_davis`).
"""
from .scenes import SCENARIOS, generate_video
from .sprites import SHAPES, TEXTURES
from .writer import GENERATOR_VERSION, ensure_synthetic_davis, make_synthetic_davis

__all__ = [
    'GENERATOR_VERSION', 'SCENARIOS', 'SHAPES', 'TEXTURES', 'ensure_synthetic_davis', 'generate_video',
    'make_synthetic_davis'
]
