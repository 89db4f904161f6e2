import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ignoreTop, sourceFiles, sourceFolders } from '../../../lib/pipeline/sources.js'
import { makeTemp, removeTemp, writeTree } from '../helpers/tmp.js'

// What a wheel is built from: the default excludes, then the project's .gitignore files (with or
// without git), or its .dockerignore when it has one. Each case is a folder on disk.

const Sources = suite('sourceFiles: what the wheel inputs (and the builder copy) take')
let tmp: string
Sources.before.each(() => {
  tmp = makeTemp('sources')
})
Sources.after.each(() => removeTemp(tmp))

const rel = (root: string, files: string[]) => files.map((f) => path.relative(root, f))

Sources('a project from a tarball (no git): its .gitignore is honoured; logs and editor files never count', async () => {
  writeTree(tmp, {
    '.gitignore': 'local_settings.py\n/coverage/\n*.tmp\n',
    'manage.py': '',
    'site/views.py': '',
    'site/local_settings.py': 'SECRET = 1\n',
    'coverage/index.html': '',
    'site/coverage/keep.py': '',
    'notes.tmp': '',
    '.test2.log': 'x',
    'site/.views.py.swp': '',
    'site/views.py~': '',
    'site/.#views.py': '',
  })
  assert.equal(rel(tmp, await sourceFiles(tmp, tmp)), ['.gitignore', 'manage.py', 'site/coverage/keep.py', 'site/views.py'])
})

Sources('nested .gitignore files apply below their folder; a deeper `!` brings a file back', async () => {
  writeTree(tmp, {
    '.gitignore': '*.json\n',
    'app/__init__.py': '',
    'app/data.json': '{}',
    'app/fixtures/.gitignore': '!*.json\n',
    'app/fixtures/initial.json': '[]',
    'other/.gitignore': 'generated/\n',
    'other/generated/x.py': '',
    'generated/y.py': '',
  })
  assert.equal(rel(tmp, await sourceFiles(tmp, tmp)), ['.gitignore', 'app/__init__.py', 'app/fixtures/.gitignore', 'app/fixtures/initial.json', 'generated/y.py', 'other/.gitignore'])
})

Sources('in a git work tree: .git/info/exclude and the .gitignore files above a package folder count too', async () => {
  writeTree(tmp, {
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/info/exclude': 'scratch.py\n',
    '.gitignore': '*.generated.py\n',
    'libs/.gitignore': 'private/\n',
    'libs/speedups/setup.py': '',
    'libs/speedups/scratch.py': '',
    'libs/speedups/fast.generated.py': '',
    'libs/speedups/private/key.py': '',
    'libs/speedups/speedups.c': '',
  })
  const pkg = path.join(tmp, 'libs/speedups')
  assert.is(ignoreTop(pkg, tmp), tmp, 'the work tree is the top')
  assert.equal(rel(pkg, await sourceFiles(pkg, ignoreTop(pkg, tmp))), ['setup.py', 'speedups.c'])
})

Sources('outside git the top is the project root, never above it', async () => {
  writeTree(tmp, { '.gitignore': '*.py\n', 'project/manage.py': '', 'project/pyproject.toml': '' })
  const project = path.join(tmp, 'project')
  assert.is(ignoreTop(project, project), project)
  assert.equal(rel(project, await sourceFiles(project, ignoreTop(project, project))), ['manage.py', 'pyproject.toml'], "a .gitignore above the project (no git) is not the project's")
})

Sources('a .dockerignore is the one authority: it keeps a gitignored build output the wheel must ship', async () => {
  writeTree(tmp, {
    '.gitignore': 'static/dist/\n',
    '.dockerignore': 'docs\n',
    'app/__init__.py': '',
    'static/dist/bundle.js': 'x',
    'docs/index.md': '',
    'app/app.log': '',
  })
  assert.equal(rel(tmp, await sourceFiles(tmp, tmp)), ['.dockerignore', '.gitignore', 'app/__init__.py', 'static/dist/bundle.js'], 'the default excludes still apply (app.log)')
})

Sources("the skip list (wheelhouse, nested packages, the tool's files) is left out whatever the rules say", async () => {
  writeTree(tmp, { '.gitignore': '!wheelhouse\n', 'wheelhouse/a.whl': '', 'm.py': '', 'pypackage.mk': '' })
  assert.equal(rel(tmp, await sourceFiles(tmp, tmp, [path.join(tmp, 'wheelhouse'), path.join(tmp, 'pypackage.mk')])), ['.gitignore', 'm.py'])
})

Sources.run()

// ---------------------------------------------------------------------------------------------
const Folders = suite('sourceFolders: where dev watches for saves')
Folders.before.each(() => {
  tmp = makeTemp('folders')
})
Folders.after.each(() => removeTemp(tmp))

Folders('every folder but the default excludes and the folders given to skip, the package itself first', async () => {
  writeTree(tmp, {
    'site/views.py': '',
    'site/templates/site/index.html': '',
    empty: null,
    'site/__pycache__/views.pyc': '',
    '.git/HEAD': '',
    'node_modules/x/index.js': '',
    'build/lib/site.py': '',
    'wheelhouse/a.whl': '',
    '.pypackage/lock': '',
  })
  assert.equal(rel(tmp, await sourceFolders(tmp, [path.join(tmp, 'wheelhouse')])), ['', 'empty', 'site', 'site/templates', 'site/templates/site'])
})

Folders.run()
