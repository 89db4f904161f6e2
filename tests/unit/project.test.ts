import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { UserError } from '../../lib/errors.js'
import { isInside, refuseSecretBuildArgs } from '../../lib/project.js'

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
const IsInside = suite('isInside')

const root = path.resolve('/work/proj')
const inside: [string, boolean][] = [
  [root, true],
  [path.join(root, 'src'), true],
  [path.join(root, 'a/b/c'), true],
  [path.join(root, 'src/../wheelhouse'), true],
  [path.resolve(root, '..'), false],
  [path.resolve(root, '../proj-other'), false],
  [path.resolve(root, '../../etc'), false],
  ['/', false],
]
for (const [p, want] of inside) {
  IsInside(`${p} → ${want}`, () => {
    assert.is(isInside(root, p), want, `"${p}" should ${want ? '' : 'not '}be inside "${root}"`)
  })
}

IsInside.run()

const RefuseSecretBuildArgs = suite('refuseSecretBuildArgs')

for (const name of ['API_TOKEN', 'DB_PASSWORD', 'django_secret_key', 'AWS_SECRET_ACCESS_KEY', 'SSH_KEY', 'PASSWD']) {
  RefuseSecretBuildArgs(`${name} is refused with the safe way named`, () => {
    try {
      refuseSecretBuildArgs({ OK: '1', [name]: 'x' }, '.pypackagerc.json')
      assert.unreachable(`${name} must be refused`)
    } catch (e) {
      assert.instance(e, UserError)
      assert.match((e as UserError).message, `build arg "${name}" looks like a secret`, 'names the arg')
      assert.match((e as UserError).hint ?? '', /run\.env/, 'points at run-time env')
      assert.match((e as UserError).hint ?? '', /--mount=type=secret/, 'points at BuildKit secrets')
    }
  })
}

RefuseSecretBuildArgs('ordinary build args pass', () => {
  refuseSecretBuildArgs({ OS_IMAGE: 'debian:bookworm-slim', PYTHON_VERSION: '3.11', DEBIAN_FRONTEND: 'noninteractive' }, 'x')
})

RefuseSecretBuildArgs.run()
