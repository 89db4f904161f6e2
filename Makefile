# A thin front door: the first goal is the task, the words after it are its arguments, so make,
# scripts/ and the CLI cannot drift (no task list is repeated here).
#   make image docker/builder     -> pypackage-tasks image docker/builder
#   make release                  -> pypackage-tasks release
#   make run ARGS="--port 0"      -> pypackage-tasks run --port 0
PYPACKAGE_TASKS ?= node $(dir $(lastword $(MAKEFILE_LIST)))bin/pypackage-tasks.js

TASK := $(firstword $(MAKECMDGOALS))
TASK_ARGS := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))

help:
	@$(PYPACKAGE_TASKS) --help

ifneq ($(TASK),)
# Phony, so a goal that is also a folder (docker/builder) is never "up to date".
.PHONY: $(MAKECMDGOALS)
$(TASK):
	@$(PYPACKAGE_TASKS) $(TASK) $(TASK_ARGS) $(ARGS)
ifneq ($(TASK_ARGS),)
$(TASK_ARGS):
	@:
endif
endif
