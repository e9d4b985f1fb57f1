"""Sphinx configuration: Markdown pages through MyST, as OpenMMLab's docs do.

Build: python -m sphinx -W --keep-going -b html docs docs/_build/html
"""
import os.path as osp

_version = {}
with open(osp.join(osp.dirname(__file__), '..', 'mobilevos', 'version.py')) as f:
    exec(f.read(), _version)

project = 'mobilevos'
author = 'mobilevos contributors'
copyright = '2026, mobilevos contributors'
release = _version['__version__']
version = release

extensions = ['myst_parser']
source_suffix = {'.md': 'markdown'}
master_doc = 'index'
exclude_patterns = ['_build']
myst_enable_extensions = ['colon_fence', 'dollarmath']
myst_heading_anchors = 3
html_theme = 'alabaster'
html_static_path = []
