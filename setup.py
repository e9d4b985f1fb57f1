"""Packaging for mobilevos.

Install with ``bash tools/install.sh``: it handles the pinned torch / mmcv stack
that plain pip cannot resolve on its own (see docs/get_started.md).
"""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    """Return the requirement lines of ``requirements/<name>.txt``."""
    with open(osp.join(HERE, 'requirements', f'{name}.txt')) as f:
        lines = (line.split('#', 1)[0].strip() for line in f)
        return [line for line in lines if line]


def read_version():
    namespace = {}
    with open(osp.join(HERE, 'mobilevos', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mobilevos',
    version=read_version(),
    description='Real-time video object segmentation for phones, by distilling '
    'a space-time-memory teacher into small students (MobileVOS, CVPR 2023)',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    python_requires='>=3.11,<3.12',
    packages=find_packages(include=('mobilevos', 'mobilevos.*')),
    install_requires=read_requirements('runtime'),
    extras_require={
        'mim': read_requirements('mminstall'),
        'deploy': read_requirements('deploy'),
        'tests': read_requirements('tests'),
        'docs': read_requirements('docs'),
    },
    classifiers=[
        'Programming Language :: Python :: 3.11',
        'License :: OSI Approved :: Apache Software License',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
    zip_safe=False,
)
