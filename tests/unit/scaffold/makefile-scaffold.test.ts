import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
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
let dir = ''
let bare = ''
Make.before(() => {
  dir = makeTemp('make-team')
  writeFileSync(path.join(dir, 'Makefile'), withInclude(TEAM)!)
  writeFileSync(path.join(dir, MK_FILE), pypackageMk(makeTasks, makeTargets(TEAM)))
  bare = makeTemp('make-bare')
  writeFileSync(path.join(bare, 'Makefile'), withInclude(undefined)!)
  writeFileSync(path.join(bare, MK_FILE), pypackageMk(makeTasks, []))
})
Make.after(() => {
  removeTemp(dir)
  removeTemp(bare)
})

/** The commands `make -n` prints; the tool is called `tool` so the output is stable. */
function dryRun(cwd: string, ...args: string[]): string[] {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of ['PYPACKAGE_TASKS', 'ARGS', 'MAKEFLAGS', 'MFLAGS', 'MAKELEVEL']) delete env[k]
  const out = execFileSync('make', ['-n', '--no-print-directory', 'PYPACKAGE_TASKS=tool', ...args], { cwd, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] })
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

Make.run()
