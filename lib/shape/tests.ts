import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { Config } from '../config/schema.js'
import { UserError } from '../errors.js'
import type { Pyproject } from './pyproject.js'

/** Where a project keeps its test tools, and the command that runs its tests. */
export interface TestPlan {
  tools: { kind: 'extra'; name: string } | { kind: 'group'; name: string; requirements: string[] } | { kind: 'requirements'; files: string[] } | { kind: 'none' }
  command: string[]
}

/** Names tried, in order, for an extra or a dependency group holding the test tools. */
const GROUP_NAMES = ['test', 'tests', 'testing', 'dev']
/** Requirement files that hold test tools, as projects name them. */
const TEST_REQUIREMENTS = [
  'requirements-test.txt',
  'requirements_test.txt',
  'test-requirements.txt',
  'requirements-dev.txt',
  'requirements_dev.txt',
  'dev-requirements.txt',
  'requirements/test*.txt',
  'requirements/dev*.txt',
  'requirements/ci.txt',
]

export function testPlan(source: string, config: Config, pyproject: Pyproject | undefined, settings: string | undefined): TestPlan {
  const tools = testTools(source, config, pyproject)
  return { tools, command: config.test.command ?? testCommand(source, pyproject, tools, settings) }
}

function testTools(source: string, config: Config, pyproject: Pyproject | undefined): TestPlan['tools'] {
  const { extra, requirements } = config.test
  if (requirements) {
    const missing = requirements.find((f) => !existsSync(path.join(source, f)))
    if (missing) throw new UserError(`"test.requirements" names ${missing}, which does not exist`, { hint: 'fix the path (relative to "source") in .pypackagerc.json' })
    return { kind: 'requirements', files: requirements }
  }
  if (extra) return { kind: 'extra', name: extra }
  const extras = pyproject?.extras ?? {}
  const inExtras = GROUP_NAMES.find((n) => extras[n])
  if (inExtras) return { kind: 'extra', name: inExtras }
  const groups = pyproject?.groups ?? {}
  const inGroups = GROUP_NAMES.find((n) => groups[n]?.length)
  if (inGroups) return { kind: 'group', name: inGroups, requirements: groups[inGroups] }
  const poetry = pyproject?.poetryGroups ?? {}
  const inPoetry = GROUP_NAMES.find((n) => poetry[n]?.length)
  if (inPoetry) return { kind: 'group', name: `poetry ${inPoetry}`, requirements: poetry[inPoetry] }
  const files = testRequirementFiles(source)
  if (files.length) return { kind: 'requirements', files: [files[0]] }
  return { kind: 'none' }
}

/**
 * The files of TEST_REQUIREMENTS that `source` has, in the list's order (a `*` matches any part
 * of one name, as fast-glob's, which this spares loading; several matches: in the folder's order).
 */
function testRequirementFiles(source: string): string[] {
  const isFile = (rel: string) => {
    try {
      return statSync(path.join(source, rel)).isFile()
    } catch {
      return false
    }
  }
  const names = (dir: string) => {
    try {
      return readdirSync(path.join(source, dir))
    } catch {
      return []
    }
  }
  return TEST_REQUIREMENTS.flatMap((p) => {
    const [dir, base] = [path.posix.dirname(p), path.posix.basename(p)]
    if (!base.includes('*')) return isFile(p) ? [p] : []
    const [prefix, suffix] = base.split('*')
    const rels = names(dir).filter((n) => n.length >= prefix.length + suffix.length && n.startsWith(prefix) && n.endsWith(suffix))
    return rels.map((n) => path.posix.join(dir, n)).filter(isFile)
  })
}

/** pytest when the project uses it, else Django's test runner for a Django project, else pytest. */
function testCommand(source: string, pyproject: Pyproject | undefined, tools: TestPlan['tools'], settings: string | undefined): string[] {
  const read = (f: string) => (existsSync(path.join(source, f)) ? readFileSync(path.join(source, f), 'utf8') : '')
  const toolText =
    tools.kind === 'group'
      ? tools.requirements.join('\n')
      : tools.kind === 'requirements'
        ? tools.files.map(read).join('\n')
        : tools.kind === 'extra'
          ? (pyproject?.extras[tools.name] ?? []).join('\n')
          : ''
  const usesPytest =
    /\bpytest\b/i.test(toolText) ||
    pyproject?.pytestConfigured ||
    existsSync(path.join(source, 'pytest.ini')) ||
    existsSync(path.join(source, 'conftest.py')) ||
    /^\[tool:pytest\]/m.test(read('setup.cfg')) ||
    /^\[pytest\]/m.test(read('tox.ini'))
  if (usesPytest || !settings) return ['python', '-m', 'pytest']
  return existsSync(path.join(source, 'manage.py')) ? ['python', 'manage.py', 'test'] : ['python', '-m', 'django', 'test']
}

/** For messages: "the test extra", "the PEP 735 group test", "requirements-dev.txt". */
export function describeTools(tools: TestPlan['tools']): string {
  switch (tools.kind) {
    case 'extra':
      return `the "${tools.name}" extra`
    case 'group':
      return tools.name.startsWith('poetry ') ? `the poetry group ${tools.name.slice(7)}` : `the dependency group ${tools.name}`
    case 'requirements':
      return tools.files.join(', ')
    case 'none':
      return 'no test tools declared'
  }
}
