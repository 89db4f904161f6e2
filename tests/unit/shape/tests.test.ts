import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { parsePyproject } from '../../../lib/shape/pyproject.js'
import { describeTools, testPlan, type TestPlan } from '../../../lib/shape/tests.js'
import { config } from '../helpers/config.js'
import { userError } from '../helpers/catch.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

const toml = (...l: string[]) => l.join('\n') + '\n'

let tmp = ''
let n = 0
const project = (files: Record<string, string | null>) => writeTree(path.join(tmp, `p${++n}`), { ...files, '.keep': '' })
const pyproject = (...l: string[]) => parsePyproject(toml('[project]', 'name = "app"', ...l))

// ---------------------------------------------------------------------------------------------
const TestPlanTools = suite('testPlan: test tools')
TestPlanTools.before(() => {
  tmp = makeTemp('tests')
})
TestPlanTools.after(() => removeTemp(tmp))

const tools: { name: string; files?: Record<string, string>; pyproject?: string[]; config?: Record<string, unknown>; want: TestPlan['tools'] }[] = [
  // Configuration first.
  {
    name: 'config test.requirements wins over an extra and a requirements file',
    files: { 'ci/test.txt': 'pytest\n', 'requirements-dev.txt': 'pytest\n' },
    pyproject: ['[project.optional-dependencies]', 'test = ["pytest"]'],
    config: { test: { requirements: ['ci/test.txt'], extra: 'dev' } },
    want: { kind: 'requirements', files: ['ci/test.txt'] },
  },
  {
    name: 'config test.extra wins over the detected extra',
    pyproject: ['[project.optional-dependencies]', 'test = ["pytest"]', 'qa = ["pytest", "hypothesis"]'],
    config: { test: { extra: 'qa' } },
    want: { kind: 'extra', name: 'qa' },
  },
  {
    name: 'config test.group: that PEP 735 group, over the detected extra',
    pyproject: ['[project.optional-dependencies]', 'test = ["pytest"]', '', '[dependency-groups]', 'ci = ["pytest", "pytest-cov"]'],
    config: { test: { group: 'ci' } },
    want: { kind: 'group', name: 'ci', requirements: ['pytest', 'pytest-cov'] },
  },
  {
    name: 'config test.group: a poetry group of that name',
    pyproject: ['[tool.poetry.group.qa.dependencies]', 'pytest = "^7"'],
    config: { test: { group: 'qa' } },
    want: { kind: 'group', name: 'poetry qa', requirements: ['pytest'] },
  },
  {
    name: 'config test.extra wins over test.group',
    pyproject: ['[project.optional-dependencies]', 'test = ["pytest"]', '', '[dependency-groups]', 'ci = ["pytest"]'],
    config: { test: { extra: 'test', group: 'ci' } },
    want: { kind: 'extra', name: 'test' },
  },
  // Then detection: extras in the order test, tests, testing, dev.
  { name: 'the test extra before dev', pyproject: ['[project.optional-dependencies]', 'dev = ["ruff"]', 'test = ["pytest"]'], want: { kind: 'extra', name: 'test' } },
  { name: 'the tests extra before testing', pyproject: ['[project.optional-dependencies]', 'testing = ["pytest"]', 'tests = ["pytest"]'], want: { kind: 'extra', name: 'tests' } },
  { name: 'the testing extra before dev', pyproject: ['[project.optional-dependencies]', 'dev = ["ruff"]', 'testing = ["pytest"]'], want: { kind: 'extra', name: 'testing' } },
  { name: 'the dev extra', pyproject: ['[project.optional-dependencies]', 'docs = ["sphinx"]', 'dev = ["pytest"]'], want: { kind: 'extra', name: 'dev' } },
  {
    name: 'an extra before a PEP 735 group',
    pyproject: ['[project.optional-dependencies]', 'dev = ["ruff"]', '', '[dependency-groups]', 'test = ["pytest"]'],
    want: { kind: 'extra', name: 'dev' },
  },
  {
    name: 'a PEP 735 group, include-group expanded',
    pyproject: ['[dependency-groups]', 'lint = ["ruff"]', 'dev = ["pytest>=8", {include-group = "lint"}]'],
    want: { kind: 'group', name: 'dev', requirements: ['pytest>=8', 'ruff'] },
  },
  {
    name: 'a PEP 735 group before a poetry group',
    pyproject: ['[dependency-groups]', 'test = ["pytest"]', '', '[tool.poetry.group.dev.dependencies]', 'black = "*"'],
    want: { kind: 'group', name: 'test', requirements: ['pytest'] },
  },
  {
    name: 'a poetry group',
    pyproject: ['[tool.poetry.group.lint.dependencies]', 'ruff = "*"', '', '[tool.poetry.group.test.dependencies]', 'pytest = "^8"', 'pytest-mock = "*"'],
    want: { kind: 'group', name: 'poetry test', requirements: ['pytest', 'pytest-mock'] },
  },
  {
    name: 'a group before a requirements file',
    files: { 'requirements-dev.txt': 'pytest\n' },
    pyproject: ['[dependency-groups]', 'dev = ["pytest"]'],
    want: { kind: 'group', name: 'dev', requirements: ['pytest'] },
  },
  { name: 'requirements-dev.txt', files: { 'requirements.txt': 'flask\n', 'requirements-dev.txt': '-r requirements.txt\npytest\n' }, want: { kind: 'requirements', files: ['requirements-dev.txt'] } },
  {
    name: 'test-requirements.txt before requirements-dev.txt',
    files: { 'requirements-dev.txt': 'black\n', 'test-requirements.txt': 'pytest\n' },
    want: { kind: 'requirements', files: ['test-requirements.txt'] },
  },
  { name: 'requirements/tests.txt', files: { 'requirements/base.txt': 'django\n', 'requirements/tests.txt': 'pytest-django\n' }, want: { kind: 'requirements', files: ['requirements/tests.txt'] } },
  {
    name: 'requirements/test.txt before requirements/dev.txt',
    files: { 'requirements/dev.txt': 'ipython\n', 'requirements/test.txt': 'pytest\n' },
    want: { kind: 'requirements', files: ['requirements/test.txt'] },
  },
  { name: 'an empty group is passed over', pyproject: ['[dependency-groups]', 'test = []'], want: { kind: 'none' } },
  { name: 'none', files: { 'requirements.txt': 'flask\n' }, pyproject: ['[project.optional-dependencies]', 'docs = ["sphinx"]'], want: { kind: 'none' } },
]
for (const c of tools) {
  TestPlanTools(c.name, () => {
    const source = project(c.files ?? {})
    const plan = testPlan(source, config(c.config), c.pyproject && pyproject(...c.pyproject), undefined)
    assert.equal(plan.tools, c.want, `the test tools should be ${JSON.stringify(c.want)}`)
  })
}

TestPlanTools('no pyproject at all and no files: none', () => {
  assert.equal(testPlan(project({}), config(), undefined, undefined).tools, { kind: 'none' }, 'nothing declared should give kind none')
})

TestPlanTools("a Pipfile's [dev-packages]: the tools when nothing else declares any, after a test requirements file", () => {
  const pipfile = { packages: ['django'], devPackages: ['pytest', 'pytest-django'] }
  const plan = testPlan(project({}), config(), undefined, undefined, pipfile)
  assert.equal(plan.tools, { kind: 'group', name: 'Pipfile [dev-packages]', requirements: ['pytest', 'pytest-django'] })
  assert.is(describeTools(plan.tools), "the Pipfile's [dev-packages]")
  assert.equal(plan.command, ['python', '-m', 'pytest'], 'pytest among them: pytest runs the tests')
  assert.equal(testPlan(project({ 'requirements-test.txt': 'pytest\n' }), config(), undefined, undefined, pipfile).tools, { kind: 'requirements', files: ['requirements-test.txt'] })
  assert.equal(testPlan(project({}), config(), undefined, undefined, { packages: [], devPackages: [] }).tools, { kind: 'none' }, 'an empty [dev-packages]: none')
})

TestPlanTools('a configured group the pyproject does not declare: a UserError naming it, the key and the groups there are', () => {
  const e = userError(() => testPlan(project({}), config({ test: { group: 'ci' } }), pyproject('[dependency-groups]', 'dev = ["pytest"]'), undefined), 'an unknown group')
  assert.is(e.message, '"test.group" names ci, which pyproject.toml does not declare')
  assert.match(e.hint ?? '', /set it to one of dev/)
  const none = userError(() => testPlan(project({}), config({ test: { group: 'ci' } }), undefined, undefined), 'no pyproject')
  assert.match(none.message, /needs a pyproject\.toml/)
})

TestPlanTools('a configured requirements file that does not exist is a UserError naming it and the key', () => {
  const source = project({ 'requirements-dev.txt': 'pytest\n' })
  const e = userError(() => testPlan(source, config({ test: { requirements: ['requirements/test.txt'] } }), undefined, undefined), 'a missing test requirements file')
  assert.match(e.message, 'requirements/test.txt', 'the message should name the missing file')
  assert.match(e.message, '"test.requirements"', 'the message should name the config key')
  assert.match(e.hint ?? '', '.pypackagerc.json', 'the hint should point at the config file')
})

TestPlanTools.run()

// ---------------------------------------------------------------------------------------------
const TestPlanCommand = suite('testPlan: command')
TestPlanCommand.before(() => {
  tmp = makeTemp('tests-command')
})
TestPlanCommand.after(() => removeTemp(tmp))

const PYTEST = ['python', '-m', 'pytest']
const MANAGE = ['python', 'manage.py', 'test']
const DJANGO = ['python', '-m', 'django', 'test']
const MANAGE_PY = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"

const commands: { name: string; files?: Record<string, string>; pyproject?: string[]; settings?: string; config?: Record<string, unknown>; want: string[] }[] = [
  {
    name: 'config test.command wins over everything',
    files: { 'manage.py': MANAGE_PY, 'pytest.ini': '[pytest]\n' },
    settings: 'mysite.settings',
    config: { test: { command: ['tox', '-e', 'py312'] } },
    want: ['tox', '-e', 'py312'],
  },
  { name: 'not Django, nothing declared: pytest', want: PYTEST },
  { name: 'Django with manage.py, no pytest anywhere: manage.py test', files: { 'manage.py': MANAGE_PY, 'requirements.txt': 'django\n' }, settings: 'mysite.settings', want: MANAGE },
  { name: 'Django without manage.py: django test', files: { 'requirements.txt': 'django\n' }, settings: 'config.settings', want: DJANGO },
  { name: 'Django with pytest.ini', files: { 'manage.py': MANAGE_PY, 'pytest.ini': '[pytest]\nDJANGO_SETTINGS_MODULE = mysite.settings\n' }, settings: 'mysite.settings', want: PYTEST },
  { name: 'Django with conftest.py', files: { 'manage.py': MANAGE_PY, 'conftest.py': 'import pytest\n' }, settings: 'mysite.settings', want: PYTEST },
  {
    name: 'Django with [tool.pytest.ini_options]',
    files: { 'manage.py': MANAGE_PY },
    pyproject: ['[tool.pytest.ini_options]', 'DJANGO_SETTINGS_MODULE = "mysite.settings"'],
    settings: 'mysite.settings',
    want: PYTEST,
  },
  {
    name: 'Django with setup.cfg [tool:pytest]',
    files: { 'manage.py': MANAGE_PY, 'setup.cfg': '[flake8]\nmax-line-length = 100\n\n[tool:pytest]\naddopts = -ra\n' },
    settings: 'mysite.settings',
    want: PYTEST,
  },
  { name: 'Django with setup.cfg but no pytest section', files: { 'manage.py': MANAGE_PY, 'setup.cfg': '[flake8]\nmax-line-length = 100\n' }, settings: 'mysite.settings', want: MANAGE },
  { name: 'Django with tox.ini [pytest]', files: { 'manage.py': MANAGE_PY, 'tox.ini': '[tox]\nenvlist = py312\n\n[pytest]\naddopts = -ra\n' }, settings: 'mysite.settings', want: PYTEST },
  { name: 'Django, pytest-django in requirements-dev.txt', files: { 'manage.py': MANAGE_PY, 'requirements-dev.txt': 'pytest-django==4.8\n' }, settings: 'mysite.settings', want: PYTEST },
  { name: 'Django, coverage only in requirements-dev.txt', files: { 'manage.py': MANAGE_PY, 'requirements-dev.txt': 'coverage\nfactory-boy\n' }, settings: 'mysite.settings', want: MANAGE },
  { name: 'Django, pytest in the test extra', files: { 'manage.py': MANAGE_PY }, pyproject: ['[project.optional-dependencies]', 'test = ["pytest>=8"]'], settings: 'mysite.settings', want: PYTEST },
  { name: 'Django, pytest in a PEP 735 group', files: { 'manage.py': MANAGE_PY }, pyproject: ['[dependency-groups]', 'dev = ["pytest-django"]'], settings: 'mysite.settings', want: PYTEST },
  { name: 'Django, pytest in a poetry group', files: { 'manage.py': MANAGE_PY }, pyproject: ['[tool.poetry.group.dev.dependencies]', 'pytest = "^8"'], settings: 'mysite.settings', want: PYTEST },
]
for (const c of commands) {
  TestPlanCommand(c.name, () => {
    const source = project(c.files ?? {})
    const plan = testPlan(source, config(c.config), c.pyproject && pyproject(...c.pyproject), c.settings)
    assert.equal(plan.command, c.want, `the test command should be ${c.want.join(' ')}`)
  })
}

TestPlanCommand.run()

// ---------------------------------------------------------------------------------------------
const DescribeTools = suite('describeTools')

const described: [TestPlan['tools'], string][] = [
  [{ kind: 'extra', name: 'test' }, 'the "test" extra'],
  [{ kind: 'group', name: 'dev', requirements: ['pytest'] }, 'the dependency group dev'],
  [{ kind: 'group', name: 'poetry test', requirements: ['pytest'] }, 'the poetry group test'],
  [{ kind: 'requirements', files: ['requirements-dev.txt'] }, 'requirements-dev.txt'],
  [{ kind: 'requirements', files: ['requirements/test.txt', 'requirements/lint.txt'] }, 'requirements/test.txt, requirements/lint.txt'],
  [{ kind: 'none' }, 'no test tools declared'],
]
for (const [t, want] of described) {
  DescribeTools(`${JSON.stringify(t)} → ${want}`, () => {
    assert.is(describeTools(t), want, `the tools should be described as "${want}"`)
  })
}

DescribeTools.run()
