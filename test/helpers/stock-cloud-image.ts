/**
 * A stand-in for a vendor's cloud image (Debian's genericcloud, Rocky's GenericCloud), built here because
 * the test machine cannot download one: Debian 12 with cloud-init and a kernel on a partitioned disk that
 * boots through its own boot loader (syslinux), and nothing of vmlab's (no identity agent, no key, no host
 * keys). Built without mounts or loop devices: sfdisk partitions a plain file, the FAT boot partition is
 * filled with mtools and made bootable with `syslinux --offset`, the root partition is written by
 * `mkfs.ext4 -d` at its offset. Cached by its inputs under <cache>/images/test-stock-cloud-<key12>/.
 */
import { mkdir, readFile, readdir, rm, stat, writeFile, copyFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { run } from '../../src/util/run.js'
import { which } from '../../src/util/which.js'
import { cacheRoot, imageDir, imageKey } from '../../src/providers/qemu/image-cache.js'
import { DEBIAN12_SUITE } from '../../src/providers/qemu/debian-rootfs.js'
import { hostDebianMirror, mirrorForGuest } from '../../src/providers/qemu/host-mirror.js'
import { inRootfs, placeFile, removeRootfs } from '../../src/providers/qemu/image-debian.js'

/** Bump when the recipe below changes what the image holds. */
const RECIPE_VERSION = 1

/** What debootstrap installs on top of minbase. */
const BOOTSTRAP_PACKAGES = ['systemd-sysv', 'udev', 'dbus', 'openssh-server', 'iproute2', 'iputils-ping', 'sudo', 'netbase', 'linux-image-cloud-amd64', 'python3']

/**
 * Installed with apt inside the tree afterwards: debootstrap configures its packages in no particular order,
 * and cloud-init's Python libraries fail to configure before Python itself is.
 */
const APT_PACKAGES = [
  'cloud-init',
  // growpart: cloud-init grows the root partition to the disk the VM is given, as on a vendor image.
  'cloud-guest-utils',
  'fdisk',
]

const MIB = 1024 * 1024
const DISK_BYTES = 3 * 1024 * MIB
const BOOT_START = 1 * MIB
const BOOT_BYTES = 64 * MIB
const ROOT_START = BOOT_START + BOOT_BYTES
const KERNEL_ARGS = 'root=/dev/vda2 ro console=tty0 console=ttyS0,115200'
const SYSLINUX_MBR = '/usr/lib/syslinux/mbr/mbr.bin'

export const STOCK_IMAGE_TOOLS: [string, string][] = [
  ['debootstrap', 'debootstrap'],
  ['sfdisk', 'fdisk'],
  ['mkfs.fat', 'dosfstools'],
  ['mcopy', 'mtools'],
  ['syslinux', 'syslinux'],
  ['mkfs.ext4', 'e2fsprogs'],
  ['qemu-img', 'qemu-utils'],
]

const ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' }

export interface StockCloudImage {
  path: string
  built: boolean
  buildMs: number
}

function guestFiles(guestMirror: string) {
  return [
    { path: '/etc/hostname', mode: 0o644, content: 'localhost\n' },
    { path: '/etc/fstab', mode: 0o644, content: '/dev/vda2\t/\text4\trw,discard,errors=remount-ro\t0\t1\n' },
    { path: '/etc/resolv.conf', mode: 0o644, content: 'nameserver 10.0.2.3\n' },
    { path: '/etc/apt/sources.list', mode: 0o644, content: `deb ${guestMirror} ${DEBIAN12_SUITE} main\n` },
    { path: '/etc/machine-id', mode: 0o444, content: '' },
    // As on Debian's genericcloud: with no system locale, cloud-init's locale module tries to generate
    // en_US.UTF-8, which bookworm's cloud-init cannot do (canonical/cloud-init#4195), and reports an error.
    { path: '/etc/default/locale', mode: 0o644, content: 'LANG=C.UTF-8\n' },
    { path: '/etc/initramfs-tools/conf.d/stock.conf', mode: 0o644, content: 'MODULES=list\nCOMPRESS=gzip\nRESUME=none\n' },
    { path: '/etc/initramfs-tools/modules', mode: 0o644, content: 'virtio_pci\nvirtio_blk\nvirtio_net\next4\n' },
    // Only NoCloud can answer here; probing the others costs boot time under emulation.
    { path: '/etc/cloud/cloud.cfg.d/90-datasources.cfg', mode: 0o644, content: 'datasource_list: [NoCloud, None]\n' },
  ]
}

export function stockImageInputs(): Record<string, unknown> {
  return {
    name: 'test-stock-cloud',
    recipe: RECIPE_VERSION,
    suite: DEBIAN12_SUITE,
    packages: [BOOTSTRAP_PACKAGES, APT_PACKAGES],
    files: guestFiles('MIRROR'),
    kernelArgs: KERNEL_ARGS,
    disk: DISK_BYTES,
  }
}

export function missingStockImageTools(): string[] {
  const missing = STOCK_IMAGE_TOOLS.filter(([tool]) => which(tool, ['/usr/sbin', '/sbin']) === undefined).map(([, pkg]) => pkg)
  return [...new Set(missing)]
}

/** The cached image, or a new one (needs root for debootstrap and chroot). */
export async function stockCloudImage(opts: { cacheDir?: string; onProgress?: (m: string) => void } = {}): Promise<StockCloudImage> {
  const started = Date.now()
  const key = imageKey(stockImageInputs())
  const finalDir = imageDir(opts.cacheDir ?? cacheRoot(), 'test-stock-cloud', key)
  const path = join(finalDir, 'cloud.qcow2')
  const done = JSON.parse(await readFile(join(finalDir, 'done.json'), 'utf8').catch(() => '{}')) as { size?: number }
  if (done.size !== undefined && (await stat(path).catch(() => undefined))?.size === done.size) return { path, built: false, buildMs: 0 }
  const say = opts.onProgress ?? (() => {})
  const missing = missingStockImageTools()
  if (missing.length) throw new Error(`building the stock cloud test image needs: apt-get install ${missing.join(' ')}`)
  if (process.getuid?.() !== 0) throw new Error('building the stock cloud test image needs root (debootstrap, chroot)')

  const staging = `${finalDir}.partial-${process.pid}`
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { recursive: true })
  const rootfs = join(staging, 'rootfs')
  const raw = join(staging, 'disk.raw')
  const fat = join(staging, 'boot.fat')
  try {
    const mirror = (await hostDebianMirror()).replace(/\/+$/, '')
    say(`debootstrap ${DEBIAN12_SUITE} with cloud-init from ${mirror}`)
    await run('debootstrap', ['--variant=minbase', `--include=${BOOTSTRAP_PACKAGES.join(',')}`, DEBIAN12_SUITE, rootfs, mirror], { timeoutMs: 45 * 60_000, env: ENV })
    say('apt-get install cloud-init in the tree')
    await placeFile(rootfs, { path: '/etc/apt/sources.list', mode: 0o644, content: `deb ${mirror} ${DEBIAN12_SUITE} main\n` })
    await placeFile(rootfs, { path: '/etc/resolv.conf', mode: 0o644, content: await readFile('/etc/resolv.conf', 'utf8') })
    const aptEnv = { ...ENV, DEBIAN_FRONTEND: 'noninteractive' }
    await run('chroot', [rootfs, 'apt-get', 'update'], { timeoutMs: 10 * 60_000, env: aptEnv })
    await run('chroot', [rootfs, 'apt-get', 'install', '-y', '--no-install-recommends', ...APT_PACKAGES], { timeoutMs: 30 * 60_000, env: aptEnv })
    for (const f of guestFiles(mirrorForGuest(mirror))) await placeFile(rootfs, f)
    // A vendor image carries no host keys (cloud-init makes them) and no shared machine-id.
    for (const name of await readdir(inRootfs(rootfs, '/etc/ssh'))) if (name.startsWith('ssh_host_')) await rm(inRootfs(rootfs, `/etc/ssh/${name}`))
    await rm(inRootfs(rootfs, '/var/lib/dbus/machine-id'), { force: true })
    await run('chroot', [rootfs, 'systemctl', 'enable', 'systemd-networkd.service', 'serial-getty@ttyS0.service'], { env: ENV })
    await run('chroot', [rootfs, 'update-initramfs', '-u', '-k', 'all'], { timeoutMs: 10 * 60_000, env: ENV })
    await run('chroot', [rootfs, 'apt-get', 'clean'], { env: ENV })
    await rm(inRootfs(rootfs, '/var/lib/apt/lists'), { recursive: true, force: true })
    await mkdir(inRootfs(rootfs, '/var/lib/apt/lists/partial'), { recursive: true })

    say('partitioning and writing the boot and root partitions')
    const boot = await readdir(inRootfs(rootfs, '/boot'))
    const kernel = boot
      .filter((n) => n.startsWith('vmlinuz-'))
      .sort()
      .at(-1)
    if (kernel === undefined) throw new Error('no kernel in the debootstrap tree')
    const version = kernel.slice('vmlinuz-'.length)
    await copyFile(inRootfs(rootfs, `/boot/${kernel}`), join(staging, 'vmlinuz'))
    await copyFile(inRootfs(rootfs, `/boot/initrd.img-${version}`), join(staging, 'initrd.img'))
    await writeFile(join(staging, 'syslinux.cfg'), `DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.img\n  APPEND ${KERNEL_ARGS}\n`)

    await run('truncate', ['-s', String(DISK_BYTES), raw])
    await run('sfdisk', ['--quiet', raw], {
      input: `label: dos\nstart=${BOOT_START / 512}, size=${BOOT_BYTES / 512}, type=6, bootable\nstart=${ROOT_START / 512}, type=83\n`,
      env: ENV,
    })
    await run('dd', [`if=${SYSLINUX_MBR}`, `of=${raw}`, 'bs=440', 'count=1', 'conv=notrunc'])
    // The FAT file system is built apart and copied in: mtools and syslinux work on it as a plain file.
    await run('truncate', ['-s', String(BOOT_BYTES), fat])
    await run('mkfs.fat', ['-F', '16', '-n', 'BOOT', fat], { env: ENV })
    await run('mcopy', ['-i', fat, join(staging, 'vmlinuz'), join(staging, 'initrd.img'), join(staging, 'syslinux.cfg'), '::/'])
    await run('syslinux', ['--install', fat])
    await run('dd', [`if=${fat}`, `of=${raw}`, 'bs=1M', `seek=${BOOT_START / MIB}`, 'conv=notrunc'])
    const rootKiB = (DISK_BYTES - ROOT_START) / 1024
    await run('mkfs.ext4', ['-q', '-F', '-L', 'rootfs', '-E', `offset=${ROOT_START}`, '-d', rootfs, raw, `${rootKiB}k`], { timeoutMs: 10 * 60_000, env: ENV })
    await removeRootfs(rootfs)
    say('converting to qcow2')
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, join(staging, 'cloud.qcow2')], { timeoutMs: 10 * 60_000 })
    for (const f of [raw, fat, join(staging, 'vmlinuz'), join(staging, 'initrd.img'), join(staging, 'syslinux.cfg')]) await rm(f, { force: true })
    const buildMs = Date.now() - started
    await writeFile(join(staging, 'done.json'), JSON.stringify({ key, size: (await stat(join(staging, 'cloud.qcow2'))).size, buildMs, mirror }, null, 2))
    await rm(finalDir, { recursive: true, force: true })
    await rename(staging, finalDir)
    return { path, built: true, buildMs }
  } catch (e) {
    await removeRootfs(rootfs).catch(() => undefined)
    await rm(staging, { recursive: true, force: true }).catch(() => undefined)
    throw e
  }
}
