import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isTransient } from '../../lib/docker/push.js'
import { UserError } from '../../lib/errors.js'
import { branchTag, registryAuth, releaseTags } from '../../lib/publish.js'

const BranchTag = suite('branchTag')
for (const [branch, want] of [['main', 'main'], ['feature/Login', 'feature-login'], ['-x-', 'x'], ['..', undefined], ['rel/1.2', 'rel-1.2']] as const) {
  BranchTag(`${branch} → ${want}`, () => assert.is(branchTag(branch), want))
}
BranchTag.run()

const ReleaseTags = suite('releaseTags')
ReleaseTags('commit, branch and extras, each once', () => {
  assert.equal(releaseTags({ sha: 'abc1234', dirty: false }, 'main', ['v1', 'stable', 'main']), ['abc1234', 'main', 'v1', 'stable'])
})
ReleaseTags('a dirty tree says so in the commit tag', () => {
  assert.equal(releaseTags({ sha: 'abc1234', dirty: true }, undefined, []), ['abc1234-dirty'])
})
ReleaseTags('outside git: only the extras', () => {
  assert.equal(releaseTags(undefined, undefined, ['v1']), ['v1'])
})
ReleaseTags('an invalid extra tag is a UserError naming it', () => {
  try {
    releaseTags(undefined, undefined, ['ok', 'no/slash'])
    assert.unreachable('must throw')
  } catch (e) {
    assert.instance(e, UserError)
    assert.match((e as UserError).message, '"no/slash" is not a valid image tag')
  }
})
ReleaseTags.run()

const RegistryAuth = suite('registryAuth')
const auth = (user: string, pass: string) => Buffer.from(`${user}:${pass}`).toString('base64')
RegistryAuth('the environment wins over the config file', () => {
  const a = registryAuth('r.example', { PYPACKAGE_REGISTRY_USERNAME: 'env', PYPACKAGE_REGISTRY_PASSWORD: 'pw' }, { auths: { 'r.example': { auth: auth('file', 'x') } } })
  assert.equal(a, { username: 'env', password: 'pw', serveraddress: 'r.example' })
})
RegistryAuth('docker login\'s auths entry is decoded (also under https://), passwords may hold colons', () => {
  assert.equal(registryAuth('r.example', {}, { auths: { 'https://r.example': { auth: auth('u', 'p:w') } } }), { username: 'u', password: 'p:w', serveraddress: 'r.example' })
})
RegistryAuth('an identity token is passed as such', () => {
  assert.equal(registryAuth('r', {}, { auths: { r: { identitytoken: 'tok' } } }), { identitytoken: 'tok', serveraddress: 'r' })
})
RegistryAuth('no credentials anywhere: anonymous', () => {
  assert.equal(registryAuth('r', {}, undefined), { serveraddress: 'r' })
  assert.equal(registryAuth('r', { PYPACKAGE_REGISTRY_USERNAME: 'only-user' }, { auths: {} }), { serveraddress: 'r' }, 'a username without a password is not used')
})
RegistryAuth.run()

const IsTransient = suite('isTransient')
for (const [msg, want] of [
  ['Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', true],
  ['received unexpected HTTP status: 503 Service Unavailable', true],
  ['net/http: TLS handshake timeout', true],
  ['unauthorized: authentication required', false],
  ['denied: requested access to the resource is denied', false],
  ['invalid reference format', false],
] as const) {
  IsTransient(`${want ? 'retried' : 'not retried'}: ${msg}`, () => assert.is(isTransient(msg), want))
}
IsTransient.run()
