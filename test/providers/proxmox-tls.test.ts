/** TLS to the API: a pinned sha256 fingerprint (PVE's self-signed certificate) or a CA file; a wrong pin sends nothing. */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { X509Certificate, createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import t from 'tap'
import { PveSim } from '../sim/proxmox/pve-sim.js'
import { PveApi } from '../../src/providers/proxmox/api.js'
import { httpTransport, multipartBody } from '../../src/providers/proxmox/http.js'

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

  const iso = join(dir, 'big.iso')
  writeFileSync(iso, randomBytes(3 * 2 ** 20 + 17))
  const api = new PveApi(httpTransport(url, auth, { fingerprint: pin }), { pollMs: 5 })
  await api.run('POST', '/nodes/pve1/storage/local/upload', { content: 'iso' }, 'upload', { file: iso, name: 'big.iso' })
  t.ok(sim.volumes.has('pve1/local:iso/big.iso'), 'an upload over the pinned connection arrives')
  t.equal(sim.uploads.at(-1)?.sha256, createHash('sha256').update(readFileSync(iso)).digest('hex'), 'byte for byte')
})

t.test('the upload body is read from the file as it is sent, never whole in memory', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'disk.qcow2')
  const data = randomBytes(2 ** 20 + 5)
  writeFileSync(file, data)
  const body = multipartBody({ content: 'import' }, { file, name: 'a"b.qcow2' })
  const chunks: Buffer[] = []
  for await (const c of body.stream()) chunks.push(c as Buffer)
  t.ok(Math.max(...chunks.slice(1, -1).map((c) => c.length)) <= 64 * 1024, 'the file goes in pieces of at most 64 KiB')
  t.ok(chunks.length > 16, 'many pieces')
  const whole = Buffer.concat(chunks)
  t.equal(whole.length, body.length, 'Content-Length is the exact length, known before the first byte')
  const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': body.type }, body: whole }).formData()
  t.equal(form.get('content'), 'import')
  const f = form.get('filename') as File
  t.equal(f.name, 'a_b.qcow2', 'a quote in the name cannot break the part header')
  t.ok(Buffer.from(await f.arrayBuffer()).equals(data), 'the file, byte for byte')
})
