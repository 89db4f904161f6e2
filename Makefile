# A thin front door: the first goal is the task, the words after it are its arguments, so make,
# scripts/ and the CLI cannot drift (no task list is repeated here).
#   make image docker/builder     -> pypackage-tasks image docker/builder
#   make release                  -> pypackage-tasks release
#   make run ARGS="--port 0"      -> pypackage-tasks run --port 0
#   make help [task]              -> pypackage-tasks --help / <task> --help
PYPACKAGE_TASKS ?= node $(dir $(lastword $(MAKEFILE_LIST)))bin/pypackage-tasks.js

TASK := $(firstword $(MAKECMDGOALS))
TASK_ARGS := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))

help:
	@$(PYPACKAGE_TASKS) $(TASK_ARGS) --help

ifneq ($(TASK),)
# Phony, so a goal that is also a folder (docker/builder) is never "up to date".
.PHONY: $(MAKECMDGOALS)
ifneq ($(TASK),help)
$(TASK):
	@$(PYPACKAGE_TASKS) $(TASK) $(TASK_ARGS) $(ARGS)
endif
ifneq ($(TASK_ARGS),)
$(TASK_ARGS):
	@:
endif
endif
