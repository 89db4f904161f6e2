import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli } from '../helpers/cli.js'
import { cyclonedxErrors } from '../helpers/cyclonedx.js'
import { containersOf, execIn } from '../helpers/engine.js'
import { copyExampleProject } from '../helpers/project.js'

// The release's SBOM (docker/release/sbom.py): made in the image at build time, copied next to
// the wheelhouse, valid CycloneDX 1.5 by the specification's schema.
const p = copyExampleProject(`pptestsbom${process.pid}`, 'pptest-sbom-')
const cli = (args: string[]) => runCli(args, { cwd: p.dir })
const releaseRef = `${p.project}-release:latest`

interface Component {
  type: string
  name: string
  version: string
  purl: string
  hashes?: { alg: string; content: string }[]
  properties?: { name: string; value: string }[]
}
interface Bom {
  metadata: { component?: { name: string; version: string } }
  components: Component[]
}
const readBom = () => JSON.parse(readFileSync(p.at('wheelhouse-sbom.cdx.json'), 'utf8')) as Bom
const sha256Of = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

const sbom = suite("SBOM of the example's release image (real engine)")

sbom.after(async () => {
  await p.remove()
})

sbom('release: <wheelhouse>-sbom.cdx.json is valid CycloneDX 1.5 and the same bytes as /app/sbom.cdx.json', async () => {
  const r = await cli(['release'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  const errors = cyclonedxErrors(readBom())
  assert.equal(errors, [], `the schema finds no error:\n${errors.join('\n')}`)
  const inImage = await execIn(releaseRef, ['sha256sum', '/app/sbom.cdx.json'])
  assert.is(inImage.output.split(/\s+/)[0], sha256Of(p.at('wheelhouse-sbom.cdx.json')), "the copy is the image's file")
})

sbom('the wheels: Django with the sha256 of the wheel installed; the app as the subject and an application', () => {
  const bom = readBom()
  const django = bom.components.find((c) => c.purl.startsWith('pkg:pypi/django@'))
  assert.ok(django, 'Django is listed')
  assert.is(django!.purl, 'pkg:pypi/django@3.2.25')
  const wheel = django!.properties?.find((x) => x.name === 'pypackage-tasks:wheel')?.value
  assert.ok(wheel, 'Django names its wheel')
  assert.equal(django!.hashes, [{ alg: 'SHA-256', content: sha256Of(p.at(`wheelhouse/${wheel!}`)) }], "the sha256 of the wheelhouse's Django wheel")
  assert.equal(bom.metadata.component && { name: bom.metadata.component.name, version: bom.metadata.component.version }, { name: 'pollsite', version: '0.1.0' })
  assert.is(bom.components.find((c) => c.name === 'pollsite')?.type, 'application')
  const speedups = bom.components.find((c) => c.name === 'speedups')
  assert.is(speedups?.type, 'library', 'a local package is a library')
  assert.ok(speedups?.hashes?.length, 'with its hash')
  const manifest = JSON.parse(readFileSync(p.at('wheelhouse-manifest.json'), 'utf8')) as { name: string }[]
  for (const m of manifest)
    assert.ok(
      bom.components.some((c) => c.name === m.name && c.hashes),
      `${m.name} (from the manifest) is listed with a hash`,
    )
})

sbom('the Debian packages: python3 with a deb purl naming the arch and the release', () => {
  const python3 = readBom().components.find((c) => c.name === 'python3')
  assert.ok(python3, 'python3 is listed')
  assert.match(python3!.purl, /^pkg:deb\/debian\/python3@3\.11\.[^?]+\?arch=[a-z0-9]+&distro=debian-12$/)
  assert.ok(readBom().components.filter((c) => c.purl.startsWith('pkg:deb/')).length > 50, 'the whole OS, not a few packages')
})

sbom('the same image contents give the same bytes: sbom.py run again in the image', async () => {
  const manifest = JSON.parse(readFileSync(p.at('wheelhouse/pypackage-wheels.json'), 'utf8')) as { packages: Record<string, string> }
  const again = await execIn(releaseRef, ['sh', '-c', `python /sbom.py /app/pypackage-manifest.json /tmp/again.json --app ${manifest.packages.app} && sha256sum /tmp/again.json`])
  assert.is(again.code, 0, again.output)
  assert.is(again.output.split(/\s+/)[0], sha256Of(p.at('wheelhouse-sbom.cdx.json')))
})

sbom('inspect names the SBOM, in the image and beside the wheelhouse; leaves no container', async () => {
  const r = await cli(['inspect'])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /SBOM \(CycloneDX 1\.5, wheels and Debian packages\) at \/app\/sbom\.cdx\.json, copied to wheelhouse-sbom\.cdx\.json/)
  assert.equal(await containersOf(p.project), [], 'inspect leaves no container')
})

sbom('a release Dockerfile that makes no SBOM: the old copy is removed, the manifest still copied', async () => {
  const dockerfile = p.at('docker/release/Dockerfile')
  const text = readFileSync(dockerfile, 'utf8')
  const without = text.replace(/ \\\n\s*&& python \/sbom\.py [^;]*;/, ';')
  assert.is.not(without, text, 'the sbom.py call was found')
  writeFileSync(dockerfile, without)
  const r = await cli(['release'])
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`)
  assert.not.ok(existsSync(p.at('wheelhouse-sbom.cdx.json')), 'no SBOM beside the wheelhouse')
  assert.ok(existsSync(p.at('wheelhouse-manifest.json')), 'the manifest is there')
  assert.not.match((await cli(['inspect'])).stdout, /SBOM/, 'inspect names no SBOM')
})

sbom('clean removes the SBOM with the wheelhouse', async () => {
  writeFileSync(p.at('wheelhouse-sbom.cdx.json'), '{}\n')
  const r = await cli(['clean'])
  assert.is(r.code, 0, r.stderr)
  assert.not.ok(existsSync(p.at('wheelhouse-sbom.cdx.json')))
})

sbom.run()
