/**
 * `lab cache up|status|down` with real registries: an upstream docker-registry seeded with an image, a
 * counting proxy in front of it, the cache's pull-through docker-registry in front of that; two clients pull
 * the same image through the cache and the upstream serves each blob once. The bundle is served over HTTP.
 */
import t from 'tap'
import http from 'node:http'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { lab } from '../helpers/cli.js'
import { tempDir } from '../helpers/temp-dir.js'
import { pidAlive } from '../../src/util/pid-alive.js'
import { RegistryClient } from '../../src/bundle/registry-client.js'
import { parseImageRef } from '../../src/bundle/image-ref.js'
import { createBundle } from '../../src/bundle/create.js'
import { silentReporter } from '../../src/engine/events.js'
import { parseLab } from '../../src/lab/load.js'
import { freePort, seedImage, startRegistry } from '../bundle/registry-fixture.js'
import { writeFileSync } from 'node:fs'

const root = tempDir(t, 'vmlab-cache-')
const upstream = await startRegistry(join(root, 'upstream'))
t.teardown(() => upstream.stop())
const seeded = (await seedImage(upstream.url, 'vmlab/tiny', 'v1', ['linux/amd64'])).platforms['linux/amd64']!

// Counts what the upstream is asked, per path, on its way through.
const asked = new Map<string, number>()
const counter = http.createServer((req, res) => {
  const path = req.url ?? '/'
  asked.set(`${req.method} ${path.split('?')[0]}`, (asked.get(`${req.method} ${path.split('?')[0]}`) ?? 0) + 1)
  const fwd = http.request({ host: '127.0.0.1', port: Number(upstream.host.split(':')[1]), path, method: req.method, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers)
    up.pipe(res)
  })
  req.pipe(fwd)
})
await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r))
t.teardown(() => new Promise<void>((r) => counter.close(() => r())))
const counterUrl = `http://127.0.0.1:${(counter.address() as { port: number }).port}`

const labDir = join(root, 'lab')
const labText = 'name: room\nos: debian12\nprovider: qemu\nnetwork: { cidr: 10.71.0.0/24 }\nnodes: [{ name: master }]\nmodules:\n  - docker\n'
await import('node:fs').then((fs) => fs.mkdirSync(labDir, { recursive: true }))
writeFileSync(join(labDir, 'lab.yaml'), labText)
const bundleDir = join(root, 'bundle')
await createBundle(
  { displayName: 'lab.yaml', path: join(labDir, 'lab.yaml'), filesDir: labDir, stateDir: join(labDir, '.lab', 'room'), lab: parseLab(labText, 'lab.yaml') },
  { out: bundleDir, report: silentReporter },
)

const port = await freePort()
const httpPort = await freePort()
const upArgs = ['cache', 'up', 'lab.yaml', '--port', String(port), '--upstream', counterUrl, '--listen', '127.0.0.1', '--bundle', bundleDir, '--http-port', String(httpPort)]
const cacheDir = join(labDir, '.lab', 'room', 'cache')
const pids = (): number[] => {
  try {
    return [...readFileSync(join(cacheDir, `mirror-${counterUrl.slice(7).replace(':', '_')}.json`), 'utf8').matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1]))
  } catch {
    return []
  }
}
// Whatever a failed assertion leaves running is stopped.
t.teardown(async () => {
  await lab(['cache', 'down', 'lab.yaml'], { cwd: labDir })
})

t.test('up: a pull-through mirror of the upstream and the bundle over HTTP, state private', async (t) => {
  const r = await lab(upArgs, { cwd: labDir })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, new RegExp(`mirror-127\\.0\\.0\\.1_\\d+ +running +http://127\\.0\\.0\\.1:${port} `))
  t.match(r.stdout, new RegExp(`bundle-http +running +http://127\\.0\\.0\\.1:${httpPort} `))
  t.equal(statSync(cacheDir).mode & 0o777, 0o700)
  for (const f of ['bundle-http.json', join(`mirror-127.0.0.1_${counterUrl.split(':')[2]}`, 'config.yml')]) t.equal(statSync(join(cacheDir, f)).mode & 0o777, 0o600, f)
  const again = await lab(upArgs, { cwd: labDir })
  t.equal(again.code, 2)
  t.match(again.stderr, /the classroom cache already runs/)
})

t.test('clients pull the same image through the cache: upstream fetches do not grow with the clients', async (t) => {
  const ref = parseImageRef(`127.0.0.1:${port}/vmlab/tiny:v1`)
  const blobGets = () => [seeded.config, seeded.layer].map((d) => asked.get(`GET /v2/vmlab/tiny/blobs/${d}`) ?? 0)
  const a = await new RegistryClient().pull(ref, join(root, 'client-a'))
  t.equal(a.manifest.digest, seeded.manifest)
  t.equal(a.fetched, 2)
  // distribution 2.8's proxy, on a miss, stores the blob in the background and streams it to the client, each
  // with a GET of its own (proxyblobstore.ServeBlob): the first client costs two upstream fetches per blob.
  const first = blobGets()
  t.ok(
    first.every((n) => n >= 1 && n <= 2),
    `the first client: ${first} upstream GETs per blob`,
  )
  const until = Date.now() + 5000
  let b = await new RegistryClient().pull(ref, join(root, 'client-b'))
  // The background store may still be committing when the next client asks: wait until it is local.
  while (blobGets().some((n, i) => n !== first[i]) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200))
    b = await new RegistryClient().pull(ref, join(root, `client-b${Date.now()}`))
  }
  const settled = blobGets()
  const rest = await Promise.all([1, 2, 3, 4].map((i) => new RegistryClient().pull(ref, join(root, `client-${i}`))))
  t.equal(b.manifest.digest, seeded.manifest)
  t.ok(
    rest.every((r) => r.fetched === 2 && r.manifest.digest === seeded.manifest),
    'four more clients at once each got every blob',
  )
  t.same(blobGets(), settled, 'from the cache: the upstream was not asked for a blob again')
  t.comment(`upstream GETs per blob: first client ${first}, after 6 clients ${blobGets()}; all asked: ${JSON.stringify(Object.fromEntries(asked))}`)
})

t.test("the bundle's HTTP server serves its files and nothing outside", async (t) => {
  const res = await fetch(`http://127.0.0.1:${httpPort}/manifest.json`)
  t.equal(res.status, 200)
  t.equal(await res.text(), readFileSync(join(bundleDir, 'manifest.json'), 'utf8'))
  const outside = await new Promise<number>((resolve) => http.get({ host: '127.0.0.1', port: httpPort, path: '/..%2f..%2fetc/passwd' }, (r) => (r.resume(), resolve(r.statusCode ?? 0))))
  t.equal(outside, 403)
  t.equal((await fetch(`http://127.0.0.1:${httpPort}/nothing`)).status, 404)
})

t.test('status, then down stops every process', async (t) => {
  const st = await lab(['cache', 'status', 'lab.yaml', '--json'], { cwd: labDir })
  const services = (JSON.parse(st.stdout) as { services: Array<{ kind: string; running: boolean; pid: number }> }).services
  t.same(services.map((s) => [s.kind, s.running]).sort(), [
    ['bundle-http', true],
    ['registry-mirror', true],
  ])
  t.same(pids(), [services.find((s) => s.kind === 'registry-mirror')!.pid])
  const down = await lab(['cache', 'down', 'lab.yaml'], { cwd: labDir })
  t.equal(down.code, 0, down.stderr)
  t.match(down.stdout, /stopped mirror-127\.0\.0\.1_\d+ \(pid \d+\), bundle-http \(pid \d+\)|stopped bundle-http \(pid \d+\), mirror/)
  for (const s of services) t.notOk(pidAlive(s.pid), `pid ${s.pid} is gone`)
  t.match((await lab(['cache', 'status', 'lab.yaml'], { cwd: labDir })).stdout, /the classroom cache is not running/)
})

t.test('bad input changes nothing: an upstream that is no URL, a bundle that is none', async (t) => {
  const badUp = await lab(['cache', 'up', 'lab.yaml', '--upstream', 'docker.io'], { cwd: labDir })
  t.equal(badUp.code, 2)
  t.match(badUp.stderr, /--upstream docker\.io is not a registry's URL/)
  const badBundle = await lab(['cache', 'up', 'lab.yaml', '--bundle', join(root, 'nowhere'), '--listen', '127.0.0.1'], { cwd: labDir })
  t.equal(badBundle.code, 2)
  t.match(badBundle.stderr, /nowhere is not a bundle/)
})
