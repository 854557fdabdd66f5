import { chmod, lstat, mkdir, readFile, readdir, rm, stat, unlink, writeFile, copyFile } from 'node:fs/promises'
import { dirname, join, posix } from 'node:path'
import { LabError } from '../../util/errors.js'
import { run } from '../../util/run.js'
import { which } from '../../util/which.js'
import { identityAgentFiles } from '../../media/identity-agent.js'
import { isDebianPackage } from '../../lab/install-values.js'
import { BASE_PACKAGES, DEBIAN12_SUITE, ENABLE_UNITS, KERNEL_ARGS, MASK_UNITS, inertConfigs, REMOVE_PATHS, rootfsFiles, type ImageFile } from './debian-rootfs.js'
import { hostDebianMirror, mirrorForGuest } from './host-mirror.js'
import { cacheRoot, commitImage, IMAGE_FILES, imageDir, imageKey, makeStagingDir, readCachedImage, stagingFiles, sweepAbandonedStaging, type CachedImage, type ImageManifest } from './image-cache.js'
import { waitForFileLock } from '../../state/lock.js'

/** Bump when the builder changes what ends up in the image, so old cache entries are not reused. */
export const IMAGE_BUILDER_VERSION = 1

export const DEBIAN12_IMAGE = 'debian12'

/** Files and units baked into the base, e.g. the node identity agent. */
export interface ImageAddOn {
  files: ImageFile[]
  enableUnits: string[]
}

export interface DebianImageOptions {
  /** Cache root (see `cacheRoot()`); images go to `<cacheDir>/images/debian12-<key12>/`. */
  cacheDir?: string
  /** Package mirror; default: the host's own Debian mirror, else deb.debian.org. */
  mirror?: string
  /** Packages modules want baked into the base instead of installed on every node. */
  extraPackages?: readonly string[]
  /** Baked-in agent; default: the node identity agent (`identityAgentFiles()`). */
  agent?: ImageAddOn
  /**
   * Keys root accepts with no seed disc. Only for tests that boot the bare image: lab nodes get
   * theirs from the identity seed, and the published base carries none.
   */
  authorizedKeys?: readonly string[]
  /** Size of the root file system; qcow2 only stores what is used. */
  diskGiB?: number
  /** Build even when a complete image with the same inputs is cached. */
  force?: boolean
  onProgress?: (event: ImageProgress) => void
}

export type ImageStage = 'debootstrap' | 'configure' | 'initramfs' | 'filesystem' | 'convert'

export interface ImageProgress {
  stage: ImageStage | 'waiting' | 'cached' | 'done'
  message: string
}

export interface DebianImage extends CachedImage {
  /** False when the cache already held it. */
  built: boolean
  durationMs: number
}

const DEFAULT_DISK_GIB = 8

/** Everything that decides the image's bytes: their hash names the cache entry. */
export function debianImageInputs(o: DebianImageOptions): Record<string, unknown> {
  return {
    name: DEBIAN12_IMAGE,
    builderVersion: IMAGE_BUILDER_VERSION,
    suite: DEBIAN12_SUITE,
    packages: packageList(o.extraPackages),
    inert: inertConfigs(o.extraPackages ?? []),
    diskGiB: o.diskGiB ?? DEFAULT_DISK_GIB,
    agent: o.agent ?? identityAgentFiles(),
    authorizedKeys: o.authorizedKeys ?? [],
  }
}

function packageList(extra: readonly string[] = []): string[] {
  for (const p of extra) {
    if (!isDebianPackage(p)) throw new LabError(`"${p}" is not a Debian package name`)
  }
  return [...new Set([...BASE_PACKAGES, ...extra])].sort()
}

const BUILD_TOOLS = {
  debootstrap: 'debootstrap',
  'mkfs.ext4': 'e2fsprogs',
  'qemu-img': 'qemu-utils',
  chroot: 'coreutils',
  truncate: 'coreutils',
} as const

type BuildTools = Record<keyof typeof BUILD_TOOLS, string>

// debootstrap and the programs run inside the chroot look for sbin tools on PATH.
const BUILD_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }

/**
 * Checks that this host can run debootstrap and returns where the build tools are (sbin
 * folders included: a user's PATH often lacks them). Says what to do instead when it cannot.
 */
export function checkBuildHost(env: NodeJS.ProcessEnv = process.env): BuildTools {
  if (process.platform !== 'linux') {
    throw new LabError(`building the Debian image needs Linux (debootstrap, chroot, mkfs.ext4); this is ${process.platform}`, {
      hint: 'build it on a Linux machine with `sudo lab image build debian12`, then copy its folder under ~/.cache/vmlab/images/ to this machine',
    })
  }
  if (process.getuid?.() !== 0) {
    throw new LabError('building the Debian image needs root: debootstrap and chroot only work as root', {
      hint: 'run `sudo VMLAB_CACHE_DIR=$HOME/.cache/vmlab lab image build debian12` (the variable keeps the image in your own cache)',
    })
  }
  const found: Partial<BuildTools> = {}
  const missing: string[] = []
  for (const [tool, pkg] of Object.entries(BUILD_TOOLS) as [keyof BuildTools, string][]) {
    const path = which(tool, ['/usr/sbin', '/sbin'], env)
    if (path === undefined) missing.push(pkg)
    else found[tool] = path
  }
  if (missing.length > 0) {
    const tools = Object.keys(BUILD_TOOLS).filter((t) => found[t as keyof BuildTools] === undefined)
    throw new LabError(`building the Debian image needs ${tools.join(', ')}, not found on PATH`, {
      hint: `install them: apt-get install ${[...new Set(missing)].join(' ')}`,
    })
  }
  return found as BuildTools
}

/**
 * The Debian 12 base image for the QEMU provider: built with debootstrap into the cache, or
 * taken from it when the same inputs were built before.
 */
export async function buildDebianImage(o: DebianImageOptions = {}): Promise<DebianImage> {
  const started = Date.now()
  const root = o.cacheDir ?? cacheRoot()
  const inputs = debianImageInputs(o)
  const key = imageKey(inputs)
  const finalDir = imageDir(root, DEBIAN12_IMAGE, key)
  const progress = o.onProgress ?? (() => {})

  if (o.force !== true) {
    const cached = await readCachedImage(finalDir, key)
    if (cached !== undefined) {
      progress({ stage: 'cached', message: `using cached image ${finalDir}` })
      return { ...cached, built: false, durationMs: Date.now() - started }
    }
  }
  const tool = checkBuildHost()
  // Two labs that need the same image (a class starting at once) build it once: the second waits, then reuses it.
  const lock = await waitForFileLock(`${finalDir}.lock`, `build of the ${DEBIAN12_IMAGE} image`, {
    onWait: (held) => progress({ stage: 'waiting', message: `waiting for pid ${held.pid}, which builds the same image (${held.command})` }),
  })
  try {
    const cached = o.force === true ? undefined : await readCachedImage(finalDir, key)
    if (cached !== undefined) {
      progress({ stage: 'cached', message: `using cached image ${finalDir}` })
      return { ...cached, built: false, durationMs: Date.now() - started }
    }
    return await buildUnderLock(o, tool, { root, inputs, key, finalDir, progress, started })
  } finally {
    await lock.release()
  }
}

interface BuildTarget {
  root: string
  inputs: Record<string, unknown>
  key: string
  finalDir: string
  progress: (p: ImageProgress) => void
  started: number
}

async function buildUnderLock(o: DebianImageOptions, tool: BuildTools, { root, inputs, key, finalDir, progress, started }: BuildTarget): Promise<DebianImage> {
  await sweepAbandonedStaging(root)
  const mirror = (o.mirror ?? (await hostDebianMirror())).replace(/\/+$/, '')
  const staging = await makeStagingDir(finalDir)
  const rootfs = join(staging, 'rootfs')
  const raw = join(staging, 'base.raw')
  const timings: Record<string, number> = {}
  const stage = async (name: ImageStage, message: string, work: () => Promise<void>): Promise<void> => {
    progress({ stage: name, message })
    const t0 = Date.now()
    await work()
    timings[name] = Date.now() - t0
  }

  try {
    await stage('debootstrap', `debootstrap ${DEBIAN12_SUITE} from ${mirror}`, async () => {
      await run(tool.debootstrap, ['--variant=minbase', `--include=${packageList(o.extraPackages).join(',')}`, DEBIAN12_SUITE, rootfs, mirror], { timeoutMs: 45 * 60_000, env: BUILD_ENV })
    })
    await stage('configure', 'configuring the root file system', async () => {
      await configureRootfs(tool.chroot, rootfs, mirror, o)
    })
    await stage('initramfs', 'rebuilding the initrd with the virtio modules', async () => {
      await run(tool.chroot, [rootfs, 'update-initramfs', '-u', '-k', 'all'], { timeoutMs: 10 * 60_000, env: BUILD_ENV })
    })
    const files = stagingFiles(staging)
    await copyKernel(rootfs, files.kernel, files.initrd)
    await stage('filesystem', 'writing the ext4 file system', async () => {
      await run(tool.truncate, ['-s', `${o.diskGiB ?? DEFAULT_DISK_GIB}G`, raw])
      await run(tool['mkfs.ext4'], ['-q', '-F', '-L', 'vmlab-root', '-d', rootfs, raw], { timeoutMs: 10 * 60_000 })
    })
    await removeRootfs(rootfs)
    await stage('convert', 'converting to qcow2', async () => {
      await run(tool['qemu-img'], ['convert', '-f', 'raw', '-O', 'qcow2', raw, files.disk], { timeoutMs: 10 * 60_000 })
      await rm(raw, { force: true })
    })
    const manifest: ImageManifest = {
      name: DEBIAN12_IMAGE,
      key,
      inputs,
      mirror,
      kernelArgs: KERNEL_ARGS,
      builtAt: new Date().toISOString(),
      buildMs: Date.now() - started,
      timings,
      sizes: {
        disk: (await stat(files.disk)).size,
        kernel: (await stat(files.kernel)).size,
        initrd: (await stat(files.initrd)).size,
      },
    }
    await writeFile(join(staging, IMAGE_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`)
    const image = await commitImage(staging, finalDir, key)
    progress({ stage: 'done', message: `image ready in ${finalDir}` })
    return { ...image, built: true, durationMs: Date.now() - started }
  } catch (e) {
    try {
      await removeRootfs(rootfs)
      await rm(staging, { recursive: true, force: true })
    } catch {
      // Left in place (something is still mounted in it); the next build sweeps it.
    }
    throw e
  }
}

/** A guest path inside the root file system; refuses paths that climb out of it. */
export function inRootfs(rootfs: string, guestPath: string): string {
  const normal = posix.normalize(`/${guestPath}`)
  if (normal.split('/').includes('..')) throw new LabError(`image file path ${guestPath} leaves the root file system`)
  return join(rootfs, normal)
}

export async function placeFile(rootfs: string, f: ImageFile): Promise<void> {
  const target = inRootfs(rootfs, f.path)
  await mkdir(dirname(target), { recursive: true })
  // Unlink first: debootstrap may leave a symlink there (resolv.conf) that points at the host.
  await unlink(target).catch(() => {})
  await writeFile(target, f.content, { mode: f.mode })
  await chmod(target, f.mode)
}

async function removeGlob(rootfs: string, pattern: string): Promise<void> {
  const dir = inRootfs(rootfs, posix.dirname(pattern))
  const base = posix.basename(pattern)
  const re = new RegExp(
    `^${base
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  )
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return
  }
  for (const name of names) if (re.test(name)) await rm(join(dir, name), { force: true })
}

async function configureRootfs(chroot: string, rootfs: string, mirror: string, o: DebianImageOptions): Promise<void> {
  const agent = o.agent ?? identityAgentFiles()
  const files = [...rootfsFiles({ guestMirror: mirrorForGuest(mirror), authorizedKeys: o.authorizedKeys }), ...agent.files]
  if (o.authorizedKeys !== undefined && o.authorizedKeys.length > 0) {
    await mkdir(inRootfs(rootfs, '/root/.ssh'), { recursive: true, mode: 0o700 })
  }
  for (const f of files) await placeFile(rootfs, f)
  for (const p of REMOVE_PATHS) await removeGlob(rootfs, p)
  // systemctl sees the chroot and edits unit links offline.
  await run(chroot, [rootfs, 'systemctl', 'enable', ...ENABLE_UNITS, ...agent.enableUnits], { env: BUILD_ENV })
  await run(chroot, [rootfs, 'systemctl', 'mask', ...MASK_UNITS], { env: BUILD_ENV })
  for (const f of inertConfigs(o.extraPackages ?? [])) await placeFile(rootfs, f)
  await run(chroot, [rootfs, 'apt-get', 'clean'], { env: BUILD_ENV })
  await rm(inRootfs(rootfs, '/var/lib/apt/lists'), { recursive: true, force: true })
  await mkdir(inRootfs(rootfs, '/var/lib/apt/lists/partial'), { recursive: true })
}

async function copyKernel(rootfs: string, kernelTo: string, initrdTo: string): Promise<void> {
  const boot = inRootfs(rootfs, '/boot')
  const names = await readdir(boot)
  const kernels = names.filter((n) => n.startsWith('vmlinuz-')).sort()
  const kernel = kernels[kernels.length - 1]
  if (kernel === undefined) throw new LabError(`no kernel in ${boot} after debootstrap (is linux-image-cloud-amd64 in the package list?)`)
  const version = kernel.slice('vmlinuz-'.length)
  await copyFile(join(boot, kernel), kernelTo)
  await copyFile(join(boot, `initrd.img-${version}`), initrdTo)
}

/** Mount points under `dir` from /proc/self/mountinfo, deepest first. */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  const unescapeOctal = (s: string): string => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))
  return info
    .split('\n')
    .map((line) => unescapeOctal(line.split(' ')[4] ?? ''))
    .filter((p) => p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length)
}

/**
 * Deletes the debootstrap tree. An interrupted debootstrap can leave /proc, /sys or /dev
 * mounted inside it; those are unmounted first, and nothing is deleted while one remains.
 */
export async function removeRootfs(rootfs: string): Promise<void> {
  try {
    await lstat(rootfs)
  } catch {
    return
  }
  for (const m of await mountsUnder(rootfs)) await run('umount', ['-l', m], { reject: false })
  const left = await mountsUnder(rootfs)
  if (left.length > 0) {
    throw new LabError(`cannot remove ${rootfs}: ${left.join(', ')} still mounted`, { hint: `unmount them, then delete ${rootfs}` })
  }
  await rm(rootfs, { recursive: true, force: true })
}
