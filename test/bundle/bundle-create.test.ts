/**
 * `lab bundle create` and `lab bundle verify` against the real distribution registry: the images a lab names
 * are pulled through the v2 API into an OCI layout, files copied, OS packages listed as needing the network,
 * and every file re-hashed by verify, which names what is missing or changed.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { lab } from '../helpers/cli.js'
import { tempDir } from '../helpers/temp-dir.js'
import { digestOf, seedImage, startRegistry } from './registry-fixture.js'
import { readBundle, findImage } from '../../src/bundle/manifest.js'
import { imageTar } from '../../src/bundle/image-tar.js'

const root = tempDir(t, 'vmlab-bundle-')
const registry = await startRegistry(join(root, 'registry'))
t.teardown(() => registry.stop())
const seeded = await seedImage(registry.url, 'vmlab/tiny', 'v1')
await seedImage(registry.url, 'vmlab/web', 'v2', ['linux/amd64'])
const tiny = `${registry.host}/vmlab/tiny:v1`
const web = `${registry.host}/vmlab/web:v2`

const labDir = join(root, 'lab')
mkdirSync(join(labDir, 'files'), { recursive: true })
writeFileSync(join(labDir, 'files', 'motd.tpl'), 'welcome to {{ lab }}\n')
writeFileSync(join(labDir, 'files', 'compose.yaml'), `services:\n  web:\n    image: ${web}\n  again:\n    image: ${tiny}\n`)
writeFileSync(
  join(labDir, 'lab.yaml'),
  [
    'name: offline',
    'os: debian12',
    'provider: qemu',
    'network: { cidr: 10.70.0.0/24 }',
    'nodes: [{ name: master }]',
    'modules:',
    '  - docker',
    `  - service: { name: tiny, image: "${tiny}", no_resolve_image: true }`,
    '  - compose: { node: master, project: shop, file: files/compose.yaml }',
    '  - file: { path: /etc/motd, template: files/motd.tpl }',
    '',
  ].join('\n'),
)
const out = join(root, 'bundle')
const blobGets = () => registry.log().match(/"GET \/v2\/vmlab\/[a-z]+\/blobs\/sha256:[0-9a-f]+ HTTP/g)?.length ?? 0

t.test('create: every artifact of the lab into one folder, a progress line each', async (t) => {
  const started = Date.now()
  const r = await lab(['bundle', 'create', 'lab.yaml', '--out', out], { cwd: labDir })
  const elapsed = Date.now() - started
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^bundle of offline in .*bundle: 5 artifacts, [\d.]+ MB in [\d.]+ s\n$/)
  for (const line of [`image: ${tiny} done`, `image: ${web} done`, 'file: files/compose.yaml done', 'file: files/motd.tpl done']) t.match(r.stderr, line)
  t.match(r.stderr, /warning: OS packages are not in the bundle \(docker\.io, apparmor, docker-compose\): collecting a debian12 repository needs apt-get download/)

  const { manifest } = await readBundle(out)
  t.equal(manifest.lab, 'offline')
  t.same(
    manifest.artifacts.map((a) => [a.kind, a.name]),
    [
      ['image', tiny],
      ['image', web],
      ['file', 'files/compose.yaml'],
      ['file', 'files/motd.tpl'],
      ['package-repo', 'debian12-packages'],
    ],
  )
  const image = findImage(manifest, tiny)!
  const amd64 = seeded.platforms['linux/amd64']!
  t.equal(`sha256:${image.sha256}`, amd64.manifest, 'the linux/amd64 image of the index, not the index')
  t.same(
    image.blobs.map((b) => b.digest),
    [amd64.manifest, amd64.config, amd64.layer],
  )
  t.equal(
    image.size,
    image.blobs.reduce((n, b) => n + b.size, 0),
  )
  const index = JSON.parse(readFileSync(join(out, 'images', 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> }
  t.same(index.manifests.find((m) => m.digest === amd64.manifest)?.annotations['org.opencontainers.image.ref.name'], tiny)
  for (const b of image.blobs) t.equal(digestOf(readFileSync(join(out, 'images', 'blobs', 'sha256', b.digest.slice(7)))), b.digest)
  const motd = manifest.artifacts.find((a) => a.name === 'files/motd.tpl')!
  t.equal(readFileSync(join(out, motd.path), 'utf8'), 'welcome to {{ lab }}\n')
  t.comment(`bundle of 2 test images + 2 files: ${manifest.artifacts.reduce((n, a) => n + ('size' in a ? a.size : 0), 0)} bytes in ${elapsed} ms (CLI start included)`)
})

t.test('create again keeps what is there: no blob is fetched twice', async (t) => {
  const before = blobGets()
  t.equal(before, 4, 'the first run fetched each config and layer once')
  const r = await lab(['bundle', 'create', 'lab.yaml', '--out', out], { cwd: labDir })
  t.equal(r.code, 0, r.stderr)
  t.equal(blobGets(), before)
})

t.test('the image tar is a docker-archive and an OCI layout at once', async (t) => {
  const { manifest, dir } = await readBundle(out)
  const image = findImage(manifest, tiny)!
  const tarFile = join(root, 'tiny.tar')
  writeFileSync(tarFile, await imageTar(dir, image))
  const names = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).trim().split('\n')
  t.same(names.slice(0, 5), ['oci-layout', 'index.json', 'manifest.json', 'blobs/', 'blobs/sha256/'])
  const unpacked = join(root, 'unpacked')
  mkdirSync(unpacked)
  execFileSync('tar', ['-xf', tarFile, '-C', unpacked])
  const docker = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>
  const amd64 = seeded.platforms['linux/amd64']!
  t.same(docker, [{ Config: `blobs/sha256/${amd64.config.slice(7)}`, RepoTags: [tiny], Layers: [`blobs/sha256/${amd64.layer.slice(7)}`] }])
  // What docker load checks: the inflated layer is the config's diff_id.
  const layer = execFileSync('gzip', ['-dc', join(unpacked, docker[0]!.Layers[0]!)])
  const config = JSON.parse(readFileSync(join(unpacked, docker[0]!.Config), 'utf8')) as { rootfs: { diff_ids: string[] } }
  t.equal(digestOf(layer), config.rootfs.diff_ids[0])
  t.match(execFileSync('tar', ['-tf', '-'], { input: layer, encoding: 'utf8' }), /etc\/vmlab-test/)
})

t.test('verify: complete, then each missing or changed file named with its fix', async (t) => {
  const ok = await lab(['bundle', 'verify', out])
  t.equal(ok.code, 0, ok.stderr)
  t.match(ok.stdout, /pending: package-repo debian12-packages \(docker\.io, apparmor, docker-compose\): not collected, needs the network/)
  t.match(ok.stdout, /is complete: 8 files, [\d.]+ MB, every sha256 matches/)

  const { manifest } = await readBundle(out)
  const layer = join(out, 'images', 'blobs', 'sha256', seeded.platforms['linux/amd64']!.layer.slice(7))
  const data = readFileSync(layer)
  data[10] = data[10]! ^ 0xff
  writeFileSync(layer, data)
  const motd = join(out, manifest.artifacts.find((a) => a.name === 'files/motd.tpl')!.path)
  rmSync(motd)
  const bad = await lab(['bundle', 'verify', out])
  t.equal(bad.code, 1)
  t.match(bad.stdout, `CHANGED image ${tiny}: ${layer}: sha256 `)
  t.match(bad.stdout, `fix: remove ${layer} and run \`lab bundle create offline --out ${out}\` again on a machine online`)
  t.match(bad.stdout, `MISSING file files/motd.tpl: ${motd}: not there`)
  t.match(bad.stderr, /2 files missing or changed/)

  const json = await lab(['bundle', 'verify', out, '--json'])
  t.equal(json.code, 1)
  const parsed = JSON.parse(json.stdout) as { problems: Array<{ problem: string; path: string }> }
  t.same(
    parsed.problems.map((p) => [p.problem, p.path]),
    [
      ['sha256', layer],
      ['missing', motd],
    ],
  )
  // Create repairs the bundle once the changed blob is removed, as the fix says.
  rmSync(layer)
  t.equal((await lab(['bundle', 'create', 'lab.yaml', '--out', out], { cwd: labDir })).code, 0)
  t.equal((await lab(['bundle', 'verify', out])).code, 0)
})

t.test('bad input: not a bundle, a damaged manifest, a path that cannot be a folder, an unreachable registry', async (t) => {
  const none = await lab(['bundle', 'verify', join(root, 'nowhere')])
  t.equal(none.code, 2)
  t.match(none.stderr, /nowhere is not a bundle: .*manifest\.json does not exist/)
  const damaged = join(root, 'damaged')
  mkdirSync(damaged)
  writeFileSync(join(damaged, 'manifest.json'), '{"format":"vmlab-bundle/1","lab":"x","created":"now","artifacts":[{"kind":"image","name":"a"}]}')
  const bad = await lab(['bundle', 'verify', damaged])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /damaged\/manifest\.json is not a vmlab bundle manifest \(vmlab-bundle\/1\): artifacts\.0\.source/)
  writeFileSync(join(damaged, 'manifest.json'), '{not json')
  t.match((await lab(['bundle', 'verify', damaged])).stderr, /manifest\.json is not JSON/)

  writeFileSync(join(root, 'a-file'), '')
  const blocked = await lab(['bundle', 'create', 'lab.yaml', '--out', join(root, 'a-file', 'bundle')], { cwd: labDir })
  t.equal(blocked.code, 1)
  t.match(blocked.stderr, /cannot create the folder .*a-file\/bundle: a part of the path is a file where a folder should be/)

  await registry.stop()
  const offline = await lab(['bundle', 'create', 'lab.yaml', '--out', join(root, 'offline')], { cwd: labDir })
  t.equal(offline.code, 1)
  t.match(offline.stderr, `image ${tiny}: cannot reach the registry ${registry.host} for ${tiny}: ECONNREFUSED`)
  t.match(offline.stderr, /could not be collected into/)
  t.match(offline.stderr, /what is there is kept/)
})

t.test('the install ISO comes from the ISO cache (here a stand-in) and is linked or copied in with its sha256', async (t) => {
  const { createBundle } = await import('../../src/bundle/create.js')
  const { parseLab } = await import('../../src/lab/load.js')
  const events: string[] = []
  const iso = join(root, 'stand-in.iso')
  writeFileSync(iso, Buffer.alloc(70_000, 7))
  const elLab = parseLab('name: el\nos: rocky9\nnetwork: { cidr: 10.72.0.0/24 }\nnodes: [{ name: one }]\nmodules: [hosts]\n', 'el.yaml')
  const dir = join(root, 'el-bundle')
  const r = await createBundle(
    { displayName: 'el.yaml', path: join(root, 'el.yaml'), filesDir: root, stateDir: join(root, '.lab', 'el'), lab: elLab },
    { out: dir, report: (e) => e.type === 'task' && e.status !== 'running' && events.push(`${e.node} ${e.title} ${e.status}`), iso: async () => iso },
  )
  const file = elLab.os.isos[0]!.file
  t.same(events, [`iso ${file} done`])
  t.same(r.manifest.artifacts, [{ kind: 'iso', name: file, source: elLab.os.isos[0]!.urls[0], size: 70_000, sha256: digestOf(readFileSync(iso)).slice(7), path: `isos/${file}` }])
  t.same(readFileSync(join(dir, 'isos', file)), readFileSync(iso))
})

t.test('lab up --bundle with a folder that is not a bundle stops before anything is made', async (t) => {
  const dir = join(root, 'up')
  mkdirSync(dir)
  const r = await lab(['up', 'swarm', '--provider', 'qemu', '--bundle', join(root, 'nowhere')], { cwd: dir })
  t.equal(r.code, r.stderr.includes('not installed') ? 3 : 2, r.stderr)
  if (r.code === 2) t.match(r.stderr, /nowhere is not a bundle: .*manifest\.json does not exist/)
})

t.test('validate: a bundle: that is not there is told at its line and column', async (t) => {
  const dir = join(root, 'validate')
  mkdirSync(dir)
  writeFileSync(join(dir, 'lab.yaml'), 'name: v\nos: debian12\nbundle: ../no-bundle\nnetwork: { cidr: 10.73.0.0/24 }\nnodes: [{ name: one }]\n')
  const bad = await lab(['validate', 'lab.yaml'], { cwd: dir })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /lab\.yaml:3:9: bundle: no bundle at .*no-bundle: .*no-bundle\/manifest\.json does not exist/)
  writeFileSync(join(dir, 'lab.yaml'), `name: v\nos: debian12\nbundle: ${out}\nnetwork: { cidr: 10.73.0.0/24 }\nnodes: [{ name: one }]\n`)
  const ok = await lab(['validate', 'lab.yaml'], { cwd: dir })
  t.equal(ok.code, 0, ok.stderr)
})
