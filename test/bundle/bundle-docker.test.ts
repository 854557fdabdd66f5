/**
 * The docker module with a bundle: the images the lab names are loaded from it (one tar per image, `docker
 * load`), once; an image the bundle lacks, or a docker the node would have to download, stops the plan with
 * the artifact and the bundle named; a folder that is not a bundle is bad input. The bundle is made from the
 * real distribution registry.
 */
import t from 'tap'
import { join } from 'node:path'
import { tempDir } from '../helpers/temp-dir.js'
import { FakeGuest } from '../helpers/fake-guest.js'
import { dockerModule } from '../../src/modules/docker.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'
import { parseLab } from '../../src/lab/load.js'
import { createBundle } from '../../src/bundle/create.js'
import { silentReporter } from '../../src/engine/events.js'
import { actions, contextFor, optionsOf, runModule, swarmLab, type Nodes } from '../modules/docker-lab.js'
import { SWARM_INACTIVE, engineInfo, engineState, sections } from '../modules/docker-fixtures.js'
import { seedImage, startRegistry } from './registry-fixture.js'

type Options = ModuleOptions<'docker'>
const docker = dockerModule({ ready: { timeoutMs: 40, pollMs: 1 } })

const root = tempDir(t, 'vmlab-bundle-docker-')
const registry = await startRegistry(join(root, 'registry'))
t.teardown(() => registry.stop())
const seeded = await seedImage(registry.url, 'vmlab/tiny', 'v1', ['linux/amd64'])
const tiny = `${registry.host}/vmlab/tiny:v1`
const serviceStep = (image: string) => `service: { name: web, image: "${image}", no_resolve_image: true }`
const bundleDir = join(root, 'bundle')
const labText = ['name: t', 'os: debian12', 'network: { cidr: 192.168.56.0/24 }', 'nodes: [{ name: master }]', 'modules:', '  - docker', `  - ${serviceStep(tiny)}`].join('\n')
await createBundle(
  { displayName: 'lab.yaml', path: join(root, 'lab.yaml'), filesDir: root, stateDir: join(root, '.lab'), lab: parseLab(labText, 'lab.yaml') },
  { out: bundleDir, report: silentReporter },
)

const REGISTRY = JSON.stringify({ IndexConfigs: { 'docker.io': { Name: 'docker.io', Mirrors: [], Secure: true, Official: true } }, Mirrors: null, InsecureRegistryCIDRs: ['127.0.0.0/8'] })

function imagesJson(tags: string[]): string {
  return JSON.stringify(tags.map((tag, i) => ({ Id: `sha256:${String(i).padStart(64, '0')}`, RepoTags: [tag], Size: 1 })))
}

function probeAnswer(opts: { installed?: string[]; images?: string[] }, once = true) {
  const installed = opts.installed ?? ['docker.io', 'apparmor']
  return {
    match: /#vmlab:begin:packages/,
    once,
    stdout: sections({
      packages: { out: `${installed.map((n) => `ii  ${n}\n`).join('')}aptlists yes\n` },
      repo: { out: '' },
      daemon: { out: 'absent\n' },
      service: { out: 'ActiveState=active\nUnitFileState=enabled\n' },
      engine: { out: engineState({ info: engineInfo(SWARM_INACTIVE, REGISTRY), images: imagesJson(opts.images ?? []) }) },
      group: { out: '' },
      users: { out: '' },
    }),
  }
}

function ctxFor(guest: FakeGuest, image = tiny, bundle: string = bundleDir) {
  const lab = swarmLab('debian', ['docker', serviceStep(image)])
  lab.bundle = bundle
  const nodes: Nodes = { lab, family: 'debian', guests: { master: guest }, labDir: root }
  return contextFor(nodes, 'master', undefined, optionsOf<Options>(lab, 'docker'))
}

t.test('an image the node lacks is loaded from the bundle, once', async (t) => {
  const hex = seeded.platforms['linux/amd64']!.manifest.slice(7, 23)
  const guest = new FakeGuest([
    probeAnswer({ images: ['nginx:latest'] }),
    { match: `docker load -i /var/tmp/vmlab-bundle-${hex}.tar`, stdout: `Loaded image: ${tiny}\n`, once: true },
    { match: /^rm -f / },
    { match: /^echo '#vmlab:begin:engine'/, stdout: sections({ engine: { out: engineState({ info: engineInfo(SWARM_INACTIVE, REGISTRY), images: imagesJson([tiny, 'nginx:latest']) }) } }) },
    probeAnswer({ images: [tiny, 'nginx:latest'] }, false),
  ])
  const ctx = ctxFor(guest)
  const changes = await runModule(docker, ctx)
  t.same(
    changes.map((c) => [c.key, c.what]),
    [['bundle-images', `docker load ${tiny} from the bundle ${bundleDir}`]],
  )
  t.same(actions(guest).slice(0, 2), [`sudo docker load -i /var/tmp/vmlab-bundle-${hex}.tar`, `sudo rm -f /var/tmp/vmlab-bundle-${hex}.tar`])
  t.equal(guest.uploads.length, 1)
  t.equal(guest.uploads[0]!.mode, 0o600)
  t.match(guest.uploads[0]!.data, `"RepoTags":["${tiny}"]`, 'the docker-archive manifest names the image')
  t.same(await runModule(docker, ctx), [], 'a second run loads nothing')
})

t.test('an image the bundle lacks stops the plan naming the image, the step and the bundle', async (t) => {
  const absent = `${registry.host}/vmlab/absent:v9`
  const guest = new FakeGuest([probeAnswer({})])
  await t.rejects(runModule(docker, ctxFor(guest, absent), { check: true }), {
    message: `master: the bundle ${bundleDir} has no image ${absent} (service web)`,
    hint: /lab bundle create LAB --out .*bundle/,
  })
})

t.test('with a bundle, docker missing on the node is an error, not a download', async (t) => {
  const guest = new FakeGuest([probeAnswer({ installed: [] })])
  await t.rejects(runModule(docker, ctxFor(guest), { check: true }), { message: /master: docker\.io, apparmor not installed, and the bundle .* holds no OS packages/ })
  t.notMatch(guest.commands.join('\n'), /apt-get/)
})

t.test('a folder that is not a bundle is bad input (exit code 2)', async (t) => {
  const guest = new FakeGuest([probeAnswer({})])
  await t.rejects(runModule(docker, ctxFor(guest, tiny, join(root, 'nowhere')), { check: true }), { message: /nowhere is not a bundle: .*manifest\.json does not exist/, exitCode: 2 })
})
