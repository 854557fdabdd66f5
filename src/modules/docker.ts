/**
 * Docker on every node: Docker CE from Docker's repository on EL (pinned to the last EL7 builds on CentOS 7),
 * the distribution's docker.io on Debian; /etc/docker/daemon.json with the lab's registry settings merged in;
 * the service enabled and running; users in the docker group; images loaded from local tarballs.
 * Registry settings take a reload (SIGHUP: containers keep running); new packages take a restart. The unit
 * allows three starts a minute, so neither happens without a change.
 * With a bundle (`lab up --bundle DIR`, or `bundle:` in the lab file) the images the lab names come from it,
 * loaded with `docker load`, and nothing is installed from the internet.
 */
import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, posix } from 'node:path'
import type { Applied, Change, Family, Module, ModuleContext } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { shellQuote } from '../guest/remote-command.js'
import { LabError } from '../util/errors.js'
import { must } from './lib/must.js'
import { changeKeys } from './lib/change-keys.js'
import { probeSections } from './lib/probe-script.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import { installPackages, packagesSection, parsePackages, type PackageState } from './lib/packages.js'
import { fileChange, fileSection, parseFileSection, writeFile, type RemoteFile } from './lib/remote-file.js'
import { applyServiceChanges, parseService, serviceChanges, serviceSection, type ServiceKey, type ServiceState } from './lib/systemd-service.js'
import { DAEMON_JSON, mergeDaemonJson, missingRegistries, infoRegistries, type EffectiveRegistries, type RegistrySettings } from './lib/docker-daemon-json.js'
import { normalizeImage } from './lib/docker-image.js'
import { DOCKER_STATE, infoFailure, parseDockerState, parseImageTags } from './lib/docker-api.js'
import { findImage, readBundle, type ImageArtifact } from '../bundle/manifest.js'
import { labImages, type NeededImage } from '../bundle/lab-needs.js'
import { imageTar } from '../bundle/image-tar.js'

type Options = ModuleOptions<'docker'>
type Ctx = ModuleContext<Options>
type Key = 'repo' | 'conflicts' | 'packages' | 'config' | 'users' | ServiceKey | 'reload' | 'images' | 'bundle-images'

export const DOCKER_CE_REPO = 'https://download.docker.com/linux/centos/docker-ce.repo'
const REPO_FILE = '/etc/yum.repos.d/docker-ce.repo'

/** The repository file the engine (kickstart, base image) adds for Docker CE; Debian uses its own docker.io. */
export function dockerRepo(family: Family): string | undefined {
  return family === 'debian' ? undefined : DOCKER_CE_REPO
}

/** Docker's last builds for EL7 (the repository has nothing newer for it). */
const EL7_PINS: Record<string, string> = {
  'docker-ce': '26.1.4',
  'docker-ce-cli': '26.1.4',
  'containerd.io': '1.6.33',
  'docker-compose-plugin': '2.27.1',
}

const CE = ['docker-ce', 'docker-ce-cli', 'containerd.io', 'docker-compose-plugin']

interface PackageSet {
  /** Installed when missing (names as rpm/dpkg know them). */
  required: string[]
  /** Removed when installed (EL8/9 ship podman's stack, which clashes with containerd.io). */
  conflicts: string[]
  /** What the package manager is told to install for a name (with its pinned version). */
  spec(name: string): string
  /** The tool that adds a repository (EL). */
  repoTool?: string
}

function packageSet(family: Family, version: string | undefined): PackageSet {
  switch (family) {
    case 'el7':
      return {
        required: ['yum-utils', 'container-selinux', ...CE],
        conflicts: [],
        spec: (name) => {
          const pin = version !== undefined && name.startsWith('docker-ce') ? version : EL7_PINS[name]
          return pin === undefined ? name : `${name}-${pin}`
        },
        repoTool: 'yum-utils',
      }
    case 'el8':
    case 'el9':
    case 'el10':
      return {
        required: ['dnf-plugins-core', ...CE],
        conflicts: ['podman', 'buildah', 'runc'],
        spec: (name) => (version !== undefined && name.startsWith('docker-ce') ? `${name}-${version}` : name),
        repoTool: 'dnf-plugins-core',
      }
    case 'debian':
      return {
        required: ['docker.io', 'apparmor'],
        conflicts: [],
        spec: (name) => (version !== undefined && name === 'docker.io' ? `docker.io=${version}` : name),
      }
  }
}

function addRepoCommand(family: Family): string[] {
  return family === 'el7' ? ['yum-config-manager', '--add-repo', DOCKER_CE_REPO] : ['dnf', 'config-manager', '--add-repo', DOCKER_CE_REPO]
}

export interface DockerProbe {
  packages: PackageState
  /** EL: Docker's repository file is there. */
  repo: boolean
  daemonJson: RemoteFile
  service: ServiceState
  /** The running daemon's registry settings; undefined when docker does not answer. */
  registries?: EffectiveRegistries
  /** Members of the docker group; undefined when the group does not exist yet. */
  groupMembers?: string[]
  /** The wanted users that exist on the node. */
  users: Set<string>
  /** Images the node has, normalized (`busybox:latest`). */
  images: Set<string>
  /** With a bundle: its folder and, per image the lab names, its artifact (undefined: the bundle lacks it). */
  bundle?: { dir: string; images: Array<NeededImage & { artifact: ImageArtifact | undefined }> }
}

export interface DockerTiming {
  /** How long verify waits for dockerd to answer with the lab's settings. */
  ready: Pace
}

export const DOCKER_TIMING: DockerTiming = { ready: { timeoutMs: 30_000, pollMs: 1_000 } }

function wantedRegistries(options: Options): RegistrySettings {
  return { 'registry-mirrors': options.registry_mirrors, 'insecure-registries': options.insecure_registries }
}

function imageSet(out: string, node: string): Set<string> {
  return new Set(
    parseImageTags(out, node)
      .filter((tag) => !tag.includes('<none>'))
      .map(normalizeImage),
  )
}

async function probe(ctx: Ctx): Promise<DockerProbe> {
  const set = packageSet(ctx.facts.family, ctx.options.version)
  const users = ctx.options.users
  const s = await probeSections(ctx.guest, ctx.node.name, {
    packages: packagesSection(ctx.facts.family, [...set.required, ...set.conflicts]),
    repo: `test -f ${REPO_FILE} && echo present; true`,
    daemon: fileSection(DAEMON_JSON),
    service: serviceSection('docker'),
    engine: DOCKER_STATE,
    group: 'getent group docker; true',
    users: [...users.map((u) => `id -u ${shellQuote(u)} >/dev/null 2>&1 && echo ${shellQuote(u)}`), 'true'].join('\n'),
  })
  const engine = parseDockerState(s.engine.out)
  const bundle = await openBundle(ctx)
  const group = s.group.out.trim()
  const registries = engine.info.ok ? infoRegistries(engine.info.out) : undefined
  return {
    packages: parsePackages(s.packages.out),
    repo: s.repo.out.trim() === 'present',
    daemonJson: parseFileSection(DAEMON_JSON, s.daemon.out),
    service: parseService(s.service.out),
    ...(registries === undefined ? {} : { registries }),
    ...(group === '' ? {} : { groupMembers: (group.split(':')[3] ?? '').split(',').filter((u) => u !== '') }),
    users: new Set(s.users.out.split('\n').filter((u) => u !== '')),
    images: (ctx.options.images.length || bundle) && engine.images.ok ? imageSet(engine.images.out, ctx.node.name) : new Set<string>(),
    ...(bundle ? { bundle } : {}),
  }
}

/** The lab's bundle, read on this machine (no round trip to the node); a bad folder or manifest is told as such. */
async function openBundle(ctx: Ctx): Promise<DockerProbe['bundle']> {
  const given = ctx.lab.bundle
  if (given === undefined) return undefined
  const dir = isAbsolute(given) ? given : ctx.labFile(given)
  const opened = await readBundle(dir)
  const images = labImages(ctx.lab, dirname(ctx.labFile('lab'))).map((i) => ({ ...i, artifact: findImage(opened.manifest, i.image) }))
  return { dir: opened.dir, images }
}

/** Bundle images the node does not have yet. */
const absentBundleImages = (probed: Pick<DockerProbe, 'bundle'>, have: Set<string>): ImageArtifact[] =>
  (probed.bundle?.images ?? []).flatMap((i) => (i.artifact && !have.has(normalizeImage(i.artifact.name)) ? [i.artifact] : []))

function plan(ctx: Ctx, probed: DockerProbe): Change<Key>[] {
  const { family } = ctx.facts
  const node = ctx.node.name
  const set = packageSet(family, ctx.options.version)
  const installed = probed.packages.installed
  const changes: Change<Key>[] = []

  if (family !== 'debian' && !probed.repo) {
    changes.push({ key: 'repo', what: addRepoCommand(family).join(' '), why: "Docker CE comes from Docker's repository" })
  }
  const conflicts = set.conflicts.filter((n) => installed.has(n))
  if (conflicts.length) changes.push({ key: 'conflicts', what: `remove ${conflicts.join(' ')}`, why: 'they conflict with docker-ce and containerd.io' })
  const missing = set.required.filter((n) => !installed.has(n))
  const bundle = probed.bundle
  if (bundle) {
    const lacking = bundle.images.filter((i) => i.artifact === undefined)
    if (lacking.length) {
      throw new LabError(`${node}: the bundle ${bundle.dir} has no image ${lacking.map((i) => `${i.image} (${i.by})`).join(', ')}`, {
        hint: `add it with \`lab bundle create LAB --out ${bundle.dir}\` on a machine online (it keeps what the bundle has), or run without the bundle`,
      })
    }
    if (missing.length) {
      throw new LabError(`${node}: ${missing.join(', ')} not installed, and the bundle ${bundle.dir} holds no OS packages (bundles do not collect them yet)`, {
        hint: 'bake them into the base image (the Debian image bakes docker.io; install.packages on EL), or run once without the bundle on a network that reaches the OS repositories',
      })
    }
  }
  if (missing.length) {
    changes.push({
      key: 'packages',
      what: `install ${missing.map(set.spec).join(' ')}`,
      why: family === 'debian' ? "the distribution's docker.io; apparmor lets docker run confine containers" : 'Docker CE and its tools',
    })
  }

  const merged = mergeDaemonJson(probed.daemonJson.content, wantedRegistries(ctx.options), node)
  const config = merged.changed.length
    ? fileChange('config', probed.daemonJson, { path: DAEMON_JSON, content: merged.content }, `the lab sets ${merged.changed.join(' and ')}; other keys are kept`)
    : undefined
  if (config) changes.push(config)

  for (const u of ctx.options.users) {
    if (!probed.users.has(u))
      throw new LabError(`${node}: user ${u} does not exist, so it cannot join the docker group`, { hint: 'create the user first (an exec module before docker), or remove it from docker.users' })
  }
  const outside = ctx.options.users.filter((u) => !(probed.groupMembers ?? []).includes(u))
  if (outside.length) changes.push({ key: 'users', what: `usermod -aG docker ${outside.join(' ')}`, why: 'they run docker without sudo' })

  const installing = [...conflicts, ...missing]
  if (installing.length) {
    changes.push(...serviceChanges('docker', probed.service, `packages changed (${installing.join(', ')})`))
  } else {
    changes.push(...serviceChanges('docker', probed.service))
    if (probed.service.active === 'active') {
      const stale = probed.registries === undefined ? [] : missingRegistries(probed.registries, wantedRegistries(ctx.options))
      if (config) changes.push({ key: 'reload', what: 'systemctl reload docker', why: 'dockerd rereads its registry settings on reload; containers keep running' })
      else if (stale.length) changes.push({ key: 'reload', what: 'systemctl reload docker', why: `dockerd runs without ${stale.join(', ')} from ${DAEMON_JSON}` })
    }
  }

  const absent = absentImages(ctx, probed.images)
  if (absent.length) {
    changes.push({
      key: 'images',
      what: `load ${absent.map((i) => `${i.name} from ${i.file}`).join(', ')}`,
      why: 'the lab brings its images as tarballs (no registry needed)',
    })
  }
  const fromBundle = absentBundleImages(probed, probed.images)
  if (fromBundle.length && bundle) {
    changes.push({
      key: 'bundle-images',
      what: `docker load ${fromBundle.map((i) => i.name).join(', ')} from the bundle ${bundle.dir}`,
      why: 'the lab runs from a bundle: its images come from there, not from a registry',
    })
  }
  return changes
}

/** `dockerd --validate` (Docker 23+) checks the merged file before it replaces the old one; older dockerd lacks it. */
async function validateDaemonJson(ctx: Ctx, probed: DockerProbe, content: string): Promise<void> {
  const node = ctx.node.name
  const candidate = `${DAEMON_JSON}.vmlab-check`
  if (!probed.daemonJson.dirExists) await must(ctx.guest, node, ['mkdir', '-p', posix.dirname(DAEMON_JSON)])
  await ctx.guest.upload(candidate, content, { mode: 0o600 })
  const result = await ctx.guest.exec(['dockerd', '--validate', '--config-file', candidate], { sudo: true })
  await must(ctx.guest, node, ['rm', '-f', candidate])
  const said = `${result.stderr}\n${result.stdout}`.trim()
  if (result.code === 0 || /unknown flag: --validate/.test(said)) return
  throw new LabError(`${node}: dockerd rejects the merged ${DAEMON_JSON}: ${said.split('\n').slice(-3).join(' ')}`, {
    hint: `${DAEMON_JSON} was left as it was; correct the keys dockerd names (on the node or in the lab file) and run again`,
  })
}

async function loadImages(ctx: Ctx, probed: DockerProbe): Promise<void> {
  const node = ctx.node.name
  for (const image of ctx.options.images.filter((i) => !probed.images.has(normalizeImage(i.name)))) {
    const local = ctx.labFile(image.file)
    let data: Buffer
    try {
      data = await readFile(local)
    } catch (error) {
      throw new LabError(`cannot read the image tarball ${local} (docker.images: ${image.name}): ${(error as Error).message}`, {
        hint: 'image files are named relative to the lab file',
      })
    }
    const remote = `/var/tmp/vmlab-image-${posix.basename(image.file)}`
    ctx.log(`loading ${image.name} from ${image.file}`)
    await ctx.guest.upload(remote, data, { mode: 0o600 })
    try {
      await must(ctx.guest, node, image.format === 'save' ? ['docker', 'load', '-i', remote] : ['docker', 'import', remote, image.name], { timeoutMs: 600_000 })
    } finally {
      await must(ctx.guest, node, ['rm', '-f', remote])
    }
  }
}

async function apply(ctx: Ctx, changes: Change<Key>[], probed: DockerProbe): Promise<void> {
  const { family } = ctx.facts
  const node = ctx.node.name
  const set = packageSet(family, ctx.options.version)
  const keys = changeKeys(changes)
  const installed = new Set(probed.packages.installed)

  if (keys.has('repo')) {
    if (set.repoTool !== undefined && !installed.has(set.repoTool)) {
      await installPackages(ctx.guest, node, ctx.facts, [set.repoTool], probed.packages)
      installed.add(set.repoTool)
    }
    await must(ctx.guest, node, addRepoCommand(family))
  }
  if (keys.has('conflicts')) {
    await must(ctx.guest, node, [ctx.facts.packageManager === 'yum' ? 'yum' : 'dnf', '-y', 'remove', ...set.conflicts.filter((n) => installed.has(n))])
  }
  if (keys.has('packages')) {
    const specs = set.required.filter((n) => !installed.has(n)).map(set.spec)
    // apt-get takes options after the command word too: recommends would pull in far more than docker needs.
    await installPackages(ctx.guest, node, ctx.facts, family === 'debian' ? ['--no-install-recommends', ...specs] : specs, probed.packages)
  }
  const config = changes.find((c) => c.key === 'config')
  if (config) {
    const merged = mergeDaemonJson(probed.daemonJson.content, wantedRegistries(ctx.options), node)
    await validateDaemonJson(ctx, probed, merged.content)
    // validateDaemonJson made the directory when it was missing.
    await writeFile(ctx.guest, node, ctx.facts, { ...probed.daemonJson, dirExists: true }, { path: DAEMON_JSON, content: merged.content })
  }
  if (keys.has('users')) {
    for (const u of ctx.options.users.filter((u) => !(probed.groupMembers ?? []).includes(u))) await must(ctx.guest, node, ['usermod', '-aG', 'docker', u])
  }
  // A daemon that failed to start (a bad daemon.json) may have used up the unit's three starts a minute.
  if (probed.service.active === 'failed' && (keys.has('start') || keys.has('restart'))) await must(ctx.guest, node, ['systemctl', 'reset-failed', 'docker'])
  await applyServiceChanges(ctx.guest, node, 'docker', probed.service, changes)
  if (keys.has('reload')) await must(ctx.guest, node, ['systemctl', 'reload', 'docker'])
  if (keys.has('images')) await loadImages(ctx, probed)
  if (keys.has('bundle-images')) await loadBundleImages(ctx, probed)
}

/** Each image as one tar that `docker load` of any Docker version reads (bundle/image-tar.ts), uploaded and loaded. */
async function loadBundleImages(ctx: Ctx, probed: DockerProbe): Promise<void> {
  const node = ctx.node.name
  for (const image of absentBundleImages(probed, probed.images)) {
    const remote = `/var/tmp/vmlab-bundle-${image.sha256.slice(0, 16)}.tar`
    ctx.log(`loading ${image.name} from the bundle ${probed.bundle!.dir}`)
    await ctx.guest.upload(remote, await imageTar(probed.bundle!.dir, image), { mode: 0o600 })
    try {
      await must(ctx.guest, node, ['docker', 'load', '-i', remote], { timeoutMs: 600_000 })
    } finally {
      await must(ctx.guest, node, ['rm', '-f', remote])
    }
  }
}

async function bundleOnly(ctx: Ctx): Promise<Pick<DockerProbe, 'bundle'>> {
  const bundle = await openBundle(ctx)
  return bundle ? { bundle } : {}
}

async function verify(ctx: Ctx, run: Applied<Key>, timing: DockerTiming): Promise<void> {
  const node = ctx.node.name
  const wanted = wantedRegistries(ctx.options)
  // One read gives the registries verify waits for and the images it checks after.
  const engine = await waitUntil(
    `${node}: docker does not run with the lab's settings`,
    timing.ready,
    async () => {
      const { engine } = await probeSections(ctx.guest, node, { engine: DOCKER_STATE })
      const state = parseDockerState(engine.out)
      const failed = infoFailure(state, engine.code)
      if (failed) throw new NotYet(failed)
      const effective = infoRegistries(state.info.out)
      if (effective === undefined) throw new NotYet(`its info is not what the Engine API prints: ${state.info.out.trim().slice(0, 200)}`)
      const missing = missingRegistries(effective, wanted)
      if (missing.length) throw new NotYet(`its RegistryConfig lacks ${missing.join(', ')}`)
      return state
    },
    `\`systemctl status docker\` and \`journalctl -u docker\` on ${node} tell why`,
  )
  const have = engine.images.ok ? imageSet(engine.images.out, node) : new Set<string>()
  const unloaded = run.applied.some((c) => c.key === 'bundle-images') ? absentBundleImages(await bundleOnly(ctx), have) : []
  if (unloaded.length) {
    throw new LabError(`${node}: ${unloaded.map((i) => i.name).join(', ')} not among the node's images after docker load from the bundle`, {
      hint: 'the bundle was changed since it was made: `lab bundle verify DIR` names what is wrong',
    })
  }
  const absent = absentImages(ctx, have)
  if (absent.length) {
    throw new LabError(`${node}: ${absent.map((i) => `${i.name} (from ${i.file})`).join(', ')} not among the node's images after loading`, {
      hint: 'the tarball holds an image of another name: `docker load` prints what it loaded; name that image in docker.images',
    })
  }
}

const absentImages = (ctx: Ctx, have: Set<string>): Options['images'] => ctx.options.images.filter((i) => !have.has(normalizeImage(i.name)))

/** A run that changed nothing needs no verify round trip when its probe saw the daemon running with the lab's settings. */
function verified(ctx: Ctx, probed: DockerProbe): boolean {
  if (probed.service.active !== 'active' || probed.registries === undefined) return false
  return missingRegistries(probed.registries, wantedRegistries(ctx.options)).length === 0 && absentImages(ctx, probed.images).length === 0 && absentBundleImages(probed, probed.images).length === 0
}

export function dockerModule(timing: DockerTiming = DOCKER_TIMING): Module<Options, DockerProbe, Key> {
  return {
    name: 'docker',
    // EL bases are installed from the ISO, which has no Docker CE: only Debian's docker.io can be baked.
    bake(family, options) {
      if (family !== 'debian') return []
      const set = packageSet(family, options.version)
      return set.required.map(set.spec)
    },
    probe,
    plan,
    apply,
    verified,
    verify: (ctx, run) => verify(ctx, run, timing),
  }
}

export default dockerModule()
