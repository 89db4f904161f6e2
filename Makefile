# This repository's Makefile: the tool's tasks as make targets, exactly as `init` writes them into a
# project (pypackage.mk, generated from the task registry; a unit test keeps it in step), run with
# this checkout's own bin.
#   make image docker/builder     make release v1 stable     make run ARGS="--port 0"
#   make test -- -k views         make help release          make -n release
PYPACKAGE_TASKS ?= node $(dir $(lastword $(MAKEFILE_LIST)))bin/pypackage-tasks.js
include $(dir $(lastword $(MAKEFILE_LIST)))pypackage.mk
