"""The version of the evaluation protocol, kept in a module without dependencies so that light tools
(``tools/experiments``) can read it without importing torch and mmengine.

``EVAL_PROTOCOL`` says how the evaluation loops (:mod:`mobilevos.engine.loops`) feed a video's annotations;
it is logged with every validation and test as ``eval/protocol`` and recorded in results files, so that a
learning curve or a table read later can tell its scores apart.

- 2 (2026-11-28): each annotation frame inputs only the objects that first appear there (the YouTube-VOS
  protocol).
- 1 (before; not logged): the whole ground-truth PNG of every annotation frame, which pasted the true
  masks of the objects already tracked into a late object's first frame.
"""

EVAL_PROTOCOL = 2
