import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import type { Config } from '../config/schema.js'
import { UserError } from '../errors.js'
import type { Pipfile } from './pipfile.js'
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

export function testPlan(source: string, config: Config, pyproject: Pyproject | undefined, settings: string | undefined, pipfile?: Pipfile): TestPlan {
  const tools = testTools(source, config, pyproject, pipfile)
  return { tools, command: config.test.command ?? testCommand(source, pyproject, tools, settings) }
}

/** The group name a Pipfile's [dev-packages] go by in a TestPlan. */
const PIPFILE_DEV = 'Pipfile [dev-packages]'

function testTools(source: string, config: Config, pyproject: Pyproject | undefined, pipfile: Pipfile | undefined): TestPlan['tools'] {
  const { extra, group, requirements } = config.test
  if (requirements) {
    const missing = requirements.find((f) => !existsSync(path.join(source, f)))
    if (missing) throw new UserError(`"test.requirements" names ${missing}, which does not exist`, { hint: 'fix the path (relative to "source") in .pypackagerc.json' })
    return { kind: 'requirements', files: requirements }
  }
  if (extra) return { kind: 'extra', name: extra }
  if (group) return configuredGroup(group, pyproject)
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
  // Last: [dev-packages] often hold linters and formatters too, so a test-specific source wins.
  if (pipfile?.devPackages.length) return { kind: 'group', name: PIPFILE_DEV, requirements: pipfile.devPackages }
  return { kind: 'none' }
}

/** The group "test.group" names: a PEP 735 group, else a poetry group of that name. */
function configuredGroup(name: string, pyproject: Pyproject | undefined): TestPlan['tools'] {
  const groups = pyproject?.groups ?? {}
  if (Object.hasOwn(groups, name)) return { kind: 'group', name, requirements: groups[name] }
  const poetry = pyproject?.poetryGroups ?? {}
  if (Object.hasOwn(poetry, name)) return { kind: 'group', name: `poetry ${name}`, requirements: poetry[name] }
  const known = [...Object.keys(groups), ...Object.keys(poetry)]
  throw new UserError(`"test.group" names ${name}, which ${pyproject ? 'pyproject.toml does not declare' : 'needs a pyproject.toml, and there is none'}`, {
    hint: known.length
      ? `set it to one of ${known.join(', ')} in .pypackagerc.json, or add the group to [dependency-groups]`
      : `add [dependency-groups] ${name} = ["pytest", …] to pyproject.toml, or remove "test.group" from .pypackagerc.json`,
  })
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
      if (tools.name === PIPFILE_DEV) return "the Pipfile's [dev-packages]"
      return tools.name.startsWith('poetry ') ? `the poetry group ${tools.name.slice(7)}` : `the dependency group ${tools.name}`
    case 'requirements':
      return tools.files.join(', ')
    case 'none':
      return 'no test tools declared'
  }
}
