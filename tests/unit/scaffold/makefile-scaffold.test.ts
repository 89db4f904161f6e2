import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { CLASH_PREFIX, INCLUDE_LINE, makeTargets, makeTasksOf, MK_FILE, pypackageMk, targetNames, withInclude, type MakeTask } from '../../../lib/scaffold/makefile.js'
import { tasks } from '../../../lib/tasks/registry.js'
import { makeTemp, removeTemp } from '../helpers/tmp.js'

const makeTasks: MakeTask[] = makeTasksOf(tasks)

// ---------------------------------------------------------------------------------------------
const MakeTargets = suite('makeTargets')

const targetCases: { name: string; text: string; want: string[] }[] = [
  { name: 'plain targets and several on one line', text: 'test:\n\tpytest\nlint fmt: deps\n\truff .\n', want: ['test', 'lint', 'fmt'] },
  { name: 'double-colon rules', text: 'clean::\n\trm -rf build\n', want: ['clean'] },
  { name: 'not variable assignments', text: 'X := 1\nY ::= 2\nZ = a:b\nW ?= c\nV += d\n', want: [] },
  { name: 'not special or pattern targets', text: '.PHONY: test\n%.o: %.c\n\tcc\n', want: [] },
  { name: 'not recipe lines or conditionals', text: 'ifeq ($(X),1)\nall:\n\techo a: b\nendif\n', want: ['all'] },
  { name: 'a target after a continued line', text: 'A = one \\\n  two\nrelease: build\n', want: ['release'] },
]
for (const c of targetCases) {
  MakeTargets(c.name, () => assert.equal(makeTargets(c.text), c.want, `the targets should be ${JSON.stringify(c.want)}`))
}

MakeTargets.run()

// ---------------------------------------------------------------------------------------------
const TargetNames = suite('targetNames')

TargetNames('a task the Makefile already defines gets the prefix; the others keep their names', () => {
  const names = targetNames(makeTasks, ['test', 'clean', 'lint'])
  assert.is(names.get('test'), `${CLASH_PREFIX}test`, 'test clashes')
  assert.is(names.get('clean'), `${CLASH_PREFIX}clean`, 'clean clashes')
  assert.is(names.get('release'), 'release', 'release is free')
})

TargetNames.run()

// ---------------------------------------------------------------------------------------------
const WithInclude = suite('withInclude')

WithInclude('appends one include line to a Makefile, keeping every byte of it', () => {
  const mine = 'test:\n\tpytest\n'
  const out = withInclude(mine)!
  assert.ok(out.startsWith(mine), 'the Makefile is kept as it was')
  assert.ok(out.trimEnd().endsWith(INCLUDE_LINE), 'the include line comes last')
})
WithInclude('a Makefile that includes it already is left alone; none at all gets just the line', () => {
  assert.is(withInclude(`all:\n\techo\n${INCLUDE_LINE}\n`), undefined, 'no second include')
  assert.is(withInclude(`-include ${MK_FILE}\n`), undefined, 'an optional include counts')
  assert.is(withInclude(undefined), `${INCLUDE_LINE}\n`, 'a new Makefile is the include line')
})

WithInclude.run()

// ---------------------------------------------------------------------------------------------
const Make = suite("pypackage.mk with a team's Makefile (real make -n)")

const TEAM = ["# the team's own", 'all: lint test', '', 'test:', '\techo team-test', '', 'lint:', '\techo team-lint', '', 'clean:', '\techo team-clean', ''].join('\n')
// A target the team added after init, named for pypackage.mk as its header says (above the include line).
const LATER = withInclude(`${TEAM}\nfmt:\n\techo team-fmt\nPYPACKAGE_PROJECT_TARGETS += fmt\n`)!
let dir = ''
let bare = ''
let later = ''
Make.before(() => {
  dir = makeTemp('make-team')
  writeFileSync(path.join(dir, 'Makefile'), withInclude(TEAM)!)
  writeFileSync(path.join(dir, MK_FILE), pypackageMk(makeTasks, makeTargets(TEAM)))
  bare = makeTemp('make-bare')
  writeFileSync(path.join(bare, 'Makefile'), withInclude(undefined)!)
  writeFileSync(path.join(bare, MK_FILE), pypackageMk(makeTasks, []))
  later = makeTemp('make-later')
  writeFileSync(path.join(later, 'Makefile'), LATER)
  writeFileSync(path.join(later, MK_FILE), pypackageMk(makeTasks, makeTargets(TEAM)))
})
Make.after(() => {
  removeTemp(dir)
  removeTemp(bare)
  removeTemp(later)
})

/** `make -n` in `cwd` with an environment that changes nothing from outside: its output and its warnings. */
function makeN(cwd: string, args: string[]): { stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of ['PYPACKAGE_TASKS', 'ARGS', 'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL']) delete env[k]
  const r = spawnSync('make', ['-n', '--no-print-directory', ...args], { cwd, encoding: 'utf8', env })
  assert.is(r.status, 0, `make -n ${args.join(' ')} succeeds:\n${r.stderr}`)
  return { stdout: r.stdout, stderr: r.stderr }
}

/** The commands `make -n` prints; the tool is called `tool` so the output is stable. */
function dryRun(cwd: string, ...args: string[]): string[] {
  const { stdout: out, stderr } = makeN(cwd, ['PYPACKAGE_TASKS=tool', ...args])
  assert.not.match(stderr, /overriding recipe/, `make -n ${args.join(' ')} replaces no recipe:\n${stderr}`)
  return out
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l && l !== ':')
}

const makeCases: { name: string; cwd: () => string; args: string[]; want: string[] }[] = [
  { name: "the team's test still runs its own recipe", cwd: () => dir, args: ['test'], want: ['echo team-test'] },
  { name: "the team's lint and clean too", cwd: () => dir, args: ['lint', 'clean'], want: ['echo team-lint', 'echo team-clean'] },
  { name: "make with no goal is still the team's first target", cwd: () => dir, args: [], want: ['echo team-lint', 'echo team-test'] },
  { name: "the tool's test beside it, arguments after --", cwd: () => dir, args: [`${CLASH_PREFIX}test`, '--', '-k', 'views'], want: ['tool test -- -k views'] },
  { name: "the tool's clean under its prefixed name", cwd: () => dir, args: [`${CLASH_PREFIX}clean`], want: ['tool clean'] },
  { name: 'make image docker/builder', cwd: () => dir, args: ['image', 'docker/builder'], want: ['tool image docker/builder'] },
  { name: 'make release v1 stable', cwd: () => dir, args: ['release', 'v1', 'stable'], want: ['tool release v1 stable'] },
  { name: 'make run ARGS="--port 0"', cwd: () => dir, args: ['run', 'ARGS=--port 0'], want: ['tool run --port 0'] },
  { name: 'make help release', cwd: () => dir, args: ['help', 'release'], want: ['tool release --help'] },
  // After the tool's task, a team target is a goal of its own with its own recipe, not an argument.
  { name: 'make release lint: releases, then the team`s lint', cwd: () => dir, args: ['release', 'lint'], want: ['tool release', 'echo team-lint'] },
  { name: 'make release v1 lint: v1 is the argument, lint the team`s', cwd: () => dir, args: ['release', 'v1', 'lint'], want: ['tool release v1', 'echo team-lint'] },
  { name: 'make release clean test: the team`s clean and test, in order', cwd: () => dir, args: ['release', 'clean', 'test'], want: ['tool release', 'echo team-clean', 'echo team-test'] },
  { name: 'a word in ARGS is always an argument', cwd: () => dir, args: [`${CLASH_PREFIX}test`, 'ARGS=-- -k lint'], want: ['tool test -- -k lint'] },
  {
    name: 'a target added after init, named in PYPACKAGE_PROJECT_TARGETS, keeps its recipe',
    cwd: () => later,
    args: ['release', 'fmt', 'lint'],
    want: ['tool release', 'echo team-fmt', 'echo team-lint'],
  },
  { name: 'a Makefile of ours alone: make shows the tasks', cwd: () => bare, args: [], want: ['tool --help'] },
  { name: 'a Makefile of ours alone: make test -- -k foo keeps the arguments', cwd: () => bare, args: ['test', '--', '-k', 'foo'], want: ['tool test -- -k foo'] },
  // Every task of the registry, with no list of them here.
  ...tasks.filter((t) => !['test', 'clean'].includes(t.name)).map((t) => ({ name: `make ${t.name}`, cwd: () => dir, args: [t.name], want: [`tool ${t.name}`] })),
]
for (const c of makeCases) {
  Make(c.name, () => {
    assert.equal(dryRun(c.cwd(), ...c.args), c.want, `make -n ${c.args.join(' ')} should print ${JSON.stringify(c.want)}`)
  })
}

Make('the project`s own bin when node_modules has it (no npx start-up per call); npx only without it', () => {
  const commands = (cwd: string) =>
    makeN(cwd, ['release'])
      .stdout.split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter(Boolean)
  assert.equal(commands(bare), ['npx --no-install pypackage-tasks release'], 'no local bin: npx')
  const bin = path.join(bare, 'node_modules/.bin/pypackage-tasks')
  mkdirSync(path.dirname(bin), { recursive: true })
  writeFileSync(bin, '#!/bin/sh\n')
  chmodSync(bin, 0o755)
  assert.equal(commands(bare), ['node_modules/.bin/pypackage-tasks release'], 'make -n release prints the local bin, not npx')
})

Make.run()
