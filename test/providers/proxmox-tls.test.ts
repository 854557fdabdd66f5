/** TLS to the API: a pinned sha256 fingerprint (PVE's self-signed certificate) or a CA file; a wrong pin sends nothing. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { join } from 'node:path'
import t from 'tap'
import { PveSim } from '../sim/proxmox/pve-sim.js'
import { PveApi } from '../../src/providers/proxmox/api.js'
import { httpTransport } from '../../src/providers/proxmox/http.js'

t.test('pinned fingerprint and CA file', async (t) => {
  const dir = t.testdir({})
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  )
  const sim = new PveSim({ tls: { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') } })
  const url = await sim.start()
  t.teardown(() => sim.stop())
  const auth = `PVEAPIToken=${sim.tokenId}=${sim.secret}`
  const pin = new X509Certificate(readFileSync(cert)).fingerprint256

  await t.rejects(
    new PveApi(httpTransport(url, auth)).get('/version'),
    { message: /cannot reach https:\/\/127\.0\.0\.1:\d+: .*(self.signed|certificate)/i },
    'fetch refuses a certificate nobody vouched for',
  )
  const wrong = pin.replace(/^../, pin.startsWith('00') ? '11' : '00')
  await t.rejects(new PveApi(httpTransport(url, auth, { fingerprint: wrong })).get('/version'), { message: /is not the pinned one/, hint: /pvenode cert info/ })
  t.same(sim.headers, [], 'the token never went to a server that did not match the pin')
  t.match(await new PveApi(httpTransport(url, auth, { fingerprint: pin.toLowerCase() })).get('/version'), { release: '8.2' }, 'the pin, in either case')
  t.match(await new PveApi(httpTransport(url, auth, { caFile: cert })).get('/version'), { release: '8.2' }, 'a CA file')
  t.match(await new PveApi(httpTransport(url, auth, { fingerprint: pin })).call('POST', '/pools', { poolid: 'p1' }), null, 'a form body over the pinned connection')
  t.ok(sim.pools.has('p1'))
})
