import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { PipConfig } from '../../../lib/config/schema.js'
import { pipEnv } from '../../../lib/pipeline/builder-mounts.js'

const pipDefaults: PipConfig = { indexUrl: null, extraIndexUrls: [], findLinks: [], noIndex: false, buildIsolation: true }
const pip = (over: Partial<PipConfig>): PipConfig => ({ ...pipDefaults, ...over })

// ---------------------------------------------------------------------------------------------
const PipEnv = suite('pipEnv')

const envCases: { name: string; pip: PipConfig; mounts: string[]; want: Record<string, string> }[] = [
  { name: 'defaults: only the version check is silenced', pip: pipDefaults, mounts: [], want: { PIP_DISABLE_PIP_VERSION_CHECK: '1' } },
  { name: 'noIndex', pip: pip({ noIndex: true }), mounts: [], want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INDEX: '1' } },
  {
    name: 'indexUrl',
    pip: pip({ indexUrl: 'https://pypi.example.com/simple' }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_INDEX_URL: 'https://pypi.example.com/simple' },
  },
  {
    name: 'extraIndexUrls joined by spaces, as pip reads a list from the environment',
    pip: pip({ extraIndexUrls: ['https://a.example/simple', 'https://b.example/simple'] }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_EXTRA_INDEX_URL: 'https://a.example/simple https://b.example/simple' },
  },
  {
    name: 'findLinks as the container mounts, not the host paths',
    pip: pip({ findLinks: ['/home/me/wheels', 'vendor'] }),
    mounts: ['/find-links/0', '/find-links/1'],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_FIND_LINKS: '/find-links/0 /find-links/1' },
  },
  {
    name: 'offline: noIndex with findLinks',
    pip: pip({ noIndex: true, findLinks: ['vendor'] }),
    mounts: ['/find-links/0'],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INDEX: '1', PIP_FIND_LINKS: '/find-links/0' },
  },
  {
    name: 'buildIsolation is not an environment setting (it is in the script)',
    pip: pip({ buildIsolation: false }),
    mounts: [],
    want: { PIP_DISABLE_PIP_VERSION_CHECK: '1' },
  },
]
for (const c of envCases) {
  PipEnv(c.name, () => {
    assert.equal(pipEnv(c.pip, c.mounts), c.want, `the builder environment should be ${JSON.stringify(c.want)}`)
  })
}

PipEnv.run()
