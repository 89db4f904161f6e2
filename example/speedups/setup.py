# Metadata lives in pyproject.toml; setup.py exists only to declare the C extension.
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("speedups._speedups", ["src/speedups/_speedups.c"]),
    ],
)
