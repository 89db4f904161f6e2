import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { engineSite } from '../../../lib/docker/client.js'

// ---------------------------------------------------------------------------------------------
const EngineSite = suite('engineSite')

const cases: { name: string; host?: string; sharedDisk?: boolean | null; want: ReturnType<typeof engineSite> }[] = [
  { name: 'no DOCKER_HOST: the local socket shares this disk; ports on loopback', want: { sharedDisk: true, publishIp: '127.0.0.1', reachHost: '127.0.0.1' } },
  { name: 'unix://: the same', host: 'unix:///run/user/1000/docker.sock', want: { sharedDisk: true, publishIp: '127.0.0.1', reachHost: '127.0.0.1' } },
  { name: 'tcp://: another machine; ports on its interfaces, reached at its host', host: 'tcp://build-host:2375', want: { sharedDisk: false, publishIp: '', reachHost: 'build-host' } },
  { name: 'tcp:// on loopback (a dockerd in a container, a tunnel): still not this disk', host: 'tcp://127.0.0.1:2375', want: { sharedDisk: false, publishIp: '', reachHost: '127.0.0.1' } },
  { name: 'ssh://: the remote user\'s engine', host: 'ssh://me@build-host', want: { sharedDisk: false, publishIp: '', reachHost: 'build-host' } },
  { name: 'engine.sharedDisk true over tcp:// (the same machine through a proxy): binds', host: 'tcp://127.0.0.1:2375', sharedDisk: true, want: { sharedDisk: true, publishIp: '', reachHost: '127.0.0.1' } },
  { name: 'engine.sharedDisk false on the socket (a socket forwarded from elsewhere): archives', sharedDisk: false, want: { sharedDisk: false, publishIp: '127.0.0.1', reachHost: '127.0.0.1' } },
  { name: 'engine.sharedDisk null: decided by the address', host: 'tcp://h:2375', sharedDisk: null, want: { sharedDisk: false, publishIp: '', reachHost: 'h' } },
]
for (const c of cases) {
  EngineSite(c.name, () => {
    assert.equal(engineSite(c.host ? { DOCKER_HOST: c.host } : {}, c.sharedDisk), c.want)
  })
}

EngineSite.run()
