import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { repoRoot } from '../helpers/cli.js'
import { cyclonedxErrors } from '../helpers/cyclonedx.js'
import { makeTemp, removeTemp, writeTree } from './helpers/tmp.js'

// docker/release/sbom.py, run by the host's python3 on fake inputs: a dpkg status file, an
// os-release, the manifest manifest.py writes and a site-packages of .dist-info folders.
const script = path.join(repoRoot, 'docker/release/sbom.py')

interface Component {
  type: string
  'bom-ref'?: string
  name: string
  version: string
  purl: string
  hashes?: { alg: string; content: string }[]
}
interface Bom {
  specVersion: string
  serialNumber?: string
  metadata: { timestamp?: string; tools: { components: { name: string }[] }; component?: { type: string; name: string; version: string } }
  components: Component[]
}

const sha = (c: string) => c.repeat(64)
const MANIFEST = [
  { name: 'Django', version: '3.2.25', wheel: 'django-3.2.25-py3-none-any.whl', sha256: sha('a') },
  { name: 'pollsite', version: '0.1.0', wheel: 'pollsite-0.1.0-py3-none-any.whl', sha256: sha('b') },
  { name: 'speedups', version: '0.1.0', wheel: 'speedups-0.1.0-cp311-cp311-linux_x86_64.whl', sha256: sha('c') },
  { name: 'zope.interface', version: '5.5.2', wheel: 'zope.interface-5.5.2-py3-none-any.whl', sha256: sha('d') },
]
const distInfo = (name: string, version: string) => ({
  [`site/${name.replace(/[-.]/g, '_')}-${version}.dist-info/METADATA`]: `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`,
})
const STATUS = `Package: python3
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 3.11.2-1+b1
Description: interactive high-level object-oriented language (default version)
 Python, the high-level, interactive object oriented language,
 includes an extensive class library.

Package: bsdutils
Essential: yes
Status: install ok installed
Architecture: amd64
Source: util-linux (2.38.1-5+deb12u3)
Version: 1:2.38.1-5+deb12u3
Conffiles:
 /etc/example 0123456789abcdef

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1

Package: removed-long-ago
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
`

/** Write the inputs (with `over` on top) to a fresh folder, run the script; its exit code, stderr and document. */
function runSbom(dir: string, over: Record<string, string> = {}, args: string[] = ['--app', 'pollsite-0.1.0-py3-none-any.whl']) {
  writeTree(dir, {
    'manifest.json': JSON.stringify(MANIFEST),
    status: STATUS,
    'os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n',
    ...distInfo('Django', '3.2.25'),
    ...distInfo('pollsite', '0.1.0'),
    ...distInfo('speedups', '0.1.0'),
    ...distInfo('zope.interface', '5.5.2'),
    // What the virtualenv brought itself: installed, but not from the wheelhouse.
    ...distInfo('pip', '23.0.1'),
    ...over,
  })
  const out = path.join(dir, 'sbom.cdx.json')
  const r = spawnSync(
    'python3',
    [script, path.join(dir, 'manifest.json'), out, '--site', path.join(dir, 'site'), '--dpkg-status', path.join(dir, 'status'), '--os-release', path.join(dir, 'os-release'), ...args],
    { encoding: 'utf8' },
  )
  const text = r.status === 0 ? readFileSync(out, 'utf8') : ''
  return { code: r.status, stderr: r.stderr, text, bom: (text ? JSON.parse(text) : undefined) as Bom }
}

// ---------------------------------------------------------------------------------------------
const Document = suite('sbom.py: the document')
let dir: string
Document.before.each(() => {
  dir = makeTemp('sbom')
})
Document.after.each(() => removeTemp(dir))

Document("is valid CycloneDX 1.5 (the specification's JSON schema)", () => {
  const r = runSbom(dir)
  assert.is(r.code, 0, r.stderr)
  assert.is(r.bom.specVersion, '1.5')
  assert.equal(cyclonedxErrors(r.bom), [], 'the schema finds no error')
})

const wheelCases: { name: string; purl: string; type: string; sha256?: string }[] = [
  { name: 'Django', purl: 'pkg:pypi/django@3.2.25', type: 'library', sha256: sha('a') },
  { name: 'pollsite', purl: 'pkg:pypi/pollsite@0.1.0', type: 'application', sha256: sha('b') },
  { name: 'speedups', purl: 'pkg:pypi/speedups@0.1.0', type: 'library', sha256: sha('c') },
  { name: 'zope.interface', purl: 'pkg:pypi/zope-interface@5.5.2', type: 'library', sha256: sha('d') },
  { name: 'pip', purl: 'pkg:pypi/pip@23.0.1', type: 'library' },
]
Document("every installed wheel: name, version, PEP 503 purl, the manifest's sha256; the app is the application", () => {
  const { bom } = runSbom(dir)
  for (const want of wheelCases) {
    const c = bom.components.find((x) => x.name === want.name)
    assert.ok(c, `${want.name} is a component`)
    assert.is(c!.purl, want.purl, `${want.name}: purl`)
    assert.is(c!['bom-ref'], want.purl, `${want.name}: bom-ref is the purl`)
    assert.is(c!.type, want.type, `${want.name}: type`)
    assert.equal(c!.hashes, want.sha256 ? [{ alg: 'SHA-256', content: want.sha256 }] : undefined, `${want.name}: hashes ${want.sha256 ? 'from the manifest' : 'absent (not from the wheelhouse)'}`)
  }
})

const debCases: { name: string; purl?: string }[] = [
  { name: 'python3', purl: 'pkg:deb/debian/python3@3.11.2-1%2Bb1?arch=amd64&distro=debian-12' },
  { name: 'bsdutils', purl: 'pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12' },
  { name: 'tzdata', purl: 'pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=debian-12' },
  { name: 'removed-long-ago' },
]
Document('Debian packages dpkg has installed, with deb purls; a removed one is not listed', () => {
  const { bom } = runSbom(dir)
  for (const want of debCases) {
    const c = bom.components.find((x) => x.name === want.name)
    if (!want.purl) {
      assert.is(c, undefined, `${want.name} (config-files only) is not listed`)
      continue
    }
    assert.ok(c, `${want.name} is a component`)
    assert.is(c!.purl, want.purl, `${want.name}: purl (+ percent-encoded, the epoch's : kept)`)
  }
  assert.is(bom.components.length, wheelCases.length + debCases.length - 1, 'nothing else')
})

Document('metadata: the app as the component, pypackage-tasks as the tool, no timestamp or serial number', () => {
  const { bom } = runSbom(dir)
  assert.equal(bom.metadata.component, { type: 'application', name: 'pollsite', version: '0.1.0', purl: 'pkg:pypi/pollsite@0.1.0' })
  assert.equal(
    bom.metadata.tools.components.map((t) => t.name),
    ['pypackage-tasks'],
  )
  assert.is(bom.metadata.timestamp, undefined, 'no timestamp')
  assert.is(bom.serialNumber, undefined, 'no serial number')
})

Document('without --app: no metadata.component, every wheel a library, still valid', () => {
  const r = runSbom(dir, {}, [])
  assert.is(r.code, 0, r.stderr)
  assert.is(r.bom.metadata.component, undefined)
  assert.ok(
    r.bom.components.every((c) => c.type === 'library'),
    'all libraries',
  )
  assert.equal(cyclonedxErrors(r.bom), [])
})

Document('the same inputs give the same bytes', () => {
  const first = runSbom(dir).text
  assert.is(runSbom(dir).text, first)
})

Document('Debian testing (no VERSION_ID): the codename names the distro', () => {
  const { bom } = runSbom(dir, { 'os-release': 'NAME="Debian GNU/Linux"\nVERSION_CODENAME=trixie\nID=debian\n' })
  assert.is(bom.components.find((c) => c.name === 'python3')!.purl, 'pkg:deb/debian/python3@3.11.2-1%2Bb1?arch=amd64&distro=debian-trixie')
})

Document('--app naming a wheel the manifest does not list fails, naming it', () => {
  const r = runSbom(dir, {}, ['--app', 'other-1.0-py3-none-any.whl'])
  assert.is.not(r.code, 0)
  assert.match(r.stderr, /other-1\.0-py3-none-any\.whl is not in/)
})

Document.run()

// ---------------------------------------------------------------------------------------------
const Validator = suite('cyclonedxErrors: the schema check itself')
let valid: Bom
Validator.before(() => {
  const d = makeTemp('sbom-validator')
  valid = runSbom(d).bom
  removeTemp(d)
})

const broken: { name: string; edit: (b: Bom & Record<string, unknown>) => void; at: RegExp }[] = [
  { name: 'an unknown component type', edit: (b) => (b.components[0].type = 'wheel'), at: /^\/components\/0\/type: / },
  { name: 'a hash algorithm spelled wrong', edit: (b) => (b.components[0].hashes![0].alg = 'SHA256'), at: /^\/components\/0\/hashes\/0\/alg: / },
  { name: 'a sha256 that is not hex', edit: (b) => (b.components[0].hashes![0].content = 'not-a-hash'), at: /^\/components\/0\/hashes\/0\/content: / },
  { name: 'a component without a name', edit: (b) => delete (b.components[1] as Partial<Component>).name, at: /^\/components\/1: must have required property 'name'/ },
  { name: 'a property the schema does not define', edit: (b) => (b.sbom = true), at: /^\/: must NOT have additional properties/ },
  { name: 'a timestamp that is not a date-time', edit: (b) => (b.metadata.timestamp = 'yesterday'), at: /^\/metadata\/timestamp: must match format "date-time"/ },
]
for (const c of broken) {
  Validator(`fails on ${c.name}`, () => {
    const doc = structuredClone(valid) as Bom & Record<string, unknown>
    c.edit(doc)
    const errors = cyclonedxErrors(doc)
    assert.ok(
      errors.some((e) => c.at.test(e)),
      `an error matching ${c.at}; got ${JSON.stringify(errors)}`,
    )
  })
}

Validator.run()
