/**
 * The Debian 12 image for the QEMU provider, for real: build it (or take it from the cache),
 * boot a linked clone under TCG with an identity seed disc and a vde lab NIC, log in with the
 * OpenSSH client against the pinned host key, take and restore a live snapshot over QMP, stop
 * it, and leave nothing behind but the cached image.
 *
 * Needs root (debootstrap) unless the image is cached, and the Debian packages
 * qemu-system-x86 qemu-utils debootstrap vde-switch openssh-client (CI installs them).
 */
import t from 'tap'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../../src/util/run.js'
import { which } from '../../src/util/which.js'
import { nodeIdentity, writeSeedIso } from '../../src/media/seed.js'
import { generateHostKeys, generateUserKey } from '../../src/media/ssh-keys.js'
import { buildDebianImage, type DebianImage } from '../../src/providers/qemu/image-debian.js'
import { cacheRoot } from '../../src/providers/qemu/image-cache.js'
import { DISK_NODE, startVm, stopVm, vmFiles, vmPid, vmRunning, type VmSpec } from '../../src/providers/qemu/qemu-vm.js'
import { loadVmSnapshot, QmpError, saveVmSnapshot, withQmp } from '../../src/providers/qemu/qmp.js'
import { stopwatch } from '../helpers/stopwatch.js'

t.setTimeout(30 * 60_000)

const TOOLS: [string, string][] = [
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['qemu-img', 'qemu-utils'],
  ['debootstrap', 'debootstrap'],
  ['vde_switch', 'vde-switch'],
  ['ssh', 'openssh-client'],
]
const missing = TOOLS.filter(([tool]) => which(tool, ['/usr/sbin', '/sbin']) === undefined)
if (missing.length > 0) {
  throw new Error(`the QEMU image test needs ${missing.map(([x]) => x).join(', ')}: apt-get install ${missing.map(([, p]) => p).join(' ')}`)
}

const { timings, timed } = stopwatch()

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** QEMU processes whose command line mentions `path`. */
async function qemuProcessesUsing(path: string): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.startsWith('qemu-system') || cmdline.includes('/qemu-system')) {
      if (cmdline.includes(path)) found.push(Number(entry))
    }
  }
  return found
}

const cacheDir = cacheRoot()
let image: DebianImage

t.test('build the image, then find it in the cache', async (t) => {
  image = await timed('build', () => buildDebianImage({ cacheDir, onProgress: (e) => t.comment(`${e.stage}: ${e.message}`) }))
  t.comment(image.built ? `built in ${image.durationMs} ms: ${JSON.stringify(image.manifest.timings)}` : `taken from the cache in ${image.durationMs} ms`)
  t.match(image.manifest.kernelArgs, /root=\/dev\/vda/)
  t.ok(image.manifest.sizes.disk > 100 * 1024 * 1024, 'the qcow2 holds a system')

  const again = await timed('cache hit', () => buildDebianImage({ cacheDir }))
  t.equal(again.built, false, 'same inputs: no second build')
  t.equal(again.dir, image.dir)
  t.ok(again.durationMs < 2_000, `cache hit took ${again.durationMs} ms`)
  const left = (await readdir(join(cacheDir, 'images'))).filter((n) => n.includes('.partial-'))
  t.same(left, [], 'no staging directory is left in the cache')
})

t.test('boot a linked clone, log in, snapshot and restore live, stop', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'vmlab-e2e-qemu-'))
  const files = vmFiles(work)
  const vdeCtl = join(work, 'lab.ctl')
  const vdePidFile = join(work, 'vde.pid')
  t.teardown(async () => {
    await stopVm(files, { graceMs: 0 }).catch(() => undefined)
    const vdePid = Number(await readFile(vdePidFile, 'utf8').catch(() => ''))
    if (vdePid > 0) {
      try {
        process.kill(vdePid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
    await rm(work, { recursive: true, force: true })
  })

  const disk = join(work, 'node1.qcow2')
  await timed('clone', () => run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', image.disk, disk]))

  const user = generateUserKey('vmlab-e2e')
  const hostKeys = generateHostKeys('node1.localdomain')
  const keyFile = join(work, 'id_ed25519')
  await writeFile(keyFile, user.private, { mode: 0o600 })
  const labIp = '192.168.56.11'
  const labMac = '52:54:00:56:00:11'
  const seed = join(work, 'seed.iso')
  await writeSeedIso(
    seed,
    nodeIdentity({
      hostname: 'node1',
      fqdn: 'node1.localdomain',
      domain: 'localdomain',
      labIp,
      prefix: 24,
      labMac,
      natMac: '52:54:01:56:00:11',
      hosts: [{ ip: labIp, fqdn: 'node1.localdomain', short: 'node1' }],
      authorizedKeys: [user.public],
      hostKeys,
    }),
  )
  await run('vde_switch', ['-s', vdeCtl, '-d', '-p', vdePidFile])

  const sshPort = await freePort()
  const knownHosts = join(work, 'known_hosts')
  // Pinned: the host key is the one the seed disc gave the node, so no trust on first use.
  await writeFile(knownHosts, `[127.0.0.1]:${sshPort} ${hostKeys.ed25519.public}\n`)
  const ssh = (command: string, timeoutMs = 30_000) =>
    run(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${knownHosts}`,
        '-o',
        'GlobalKnownHostsFile=/dev/null',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'ConnectTimeout=10',
        '-o',
        'LogLevel=ERROR',
        '-i',
        keyFile,
        '-p',
        String(sshPort),
        'root@127.0.0.1',
        command,
      ],
      { reject: false, timeoutMs },
    )

  const spec: VmSpec = {
    name: 'node1',
    accel: 'tcg',
    cpus: 2,
    memoryMiB: 512,
    disk,
    kernel: { path: image.kernel, initrd: image.initrd, append: image.manifest.kernelArgs },
    seed,
    sshPort,
    natMac: '52:54:01:56:00:11',
    lab: { vdeSocket: vdeCtl, mac: labMac },
    files,
  }
  const pid = await startVm(spec)
  t.ok(await vmRunning(files), `QEMU runs (pid ${pid})`)

  await timed('boot to SSH', async () => {
    const deadline = Date.now() + 150_000
    let delay = 1_000
    for (;;) {
      const r = await ssh('true', 20_000).catch((e: Error) => ({ exitCode: -1, stderr: e.message }))
      if (r.exitCode === 0) return
      if (Date.now() > deadline) {
        const serial = await readFile(files.serial, 'utf8').catch(() => '')
        throw new Error(`no SSH after 150 s (last: ${r.stderr.trim()})\nserial console:\n${serial.split('\n').slice(-30).join('\n')}`)
      }
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 1.5, 5_000)
    }
  })

  const kernel = await ssh('uname -r')
  t.match(kernel.stdout, /-cloud-amd64\n$/, 'the Debian cloud kernel runs')
  const osRelease = await ssh('cat /etc/os-release')
  t.match(osRelease.stdout, /^VERSION_CODENAME=bookworm$/m, 'Debian 12')
  const identity = await ssh(`hostname; ip -o -4 addr show; cat /etc/machine-id`)
  t.match(identity.stdout, /^node1(\.localdomain)?\n/, 'the identity agent set the host name from the seed disc')
  t.match(identity.stdout, new RegExp(`inet ${labIp.replace(/\./g, '\\.')}/24`), 'the lab NIC has its static address')
  t.match(identity.stdout, /inet 10\.0\.2\.15\/24/, 'the NAT NIC got its address over DHCP')

  await withQmp(files.qmp, async (qmp) => {
    const nodes = await qmp.execute<{ 'node-name': string }[]>('query-named-block-nodes')
    t.ok(
      nodes.some((n) => n['node-name'] === DISK_NODE),
      'the disk has a block node name for QMP jobs',
    )
    await timed('snapshot', () => saveVmSnapshot(qmp, 'clean'))
  })
  const write = await ssh('echo changed > /root/marker && sync && cat /root/marker')
  t.equal(write.stdout, 'changed\n')
  await withQmp(files.qmp, async (qmp) => {
    await timed('restore', () => loadVmSnapshot(qmp, 'clean'))
    await t.rejects(loadVmSnapshot(qmp, 'no-such-snapshot'), QmpError, 'restoring a missing snapshot fails')
    const status = await qmp.execute<{ running: boolean }>('query-status')
    t.equal(status.running, true, 'and leaves the VM running, not paused')
  })
  const after = await timed('SSH after restore', () => ssh('test -e /root/marker; echo $?'))
  t.equal(after.stdout, '1\n', 'the file written after the snapshot is gone')

  const outcome = await timed('stop', () => stopVm(files, { graceMs: 60_000 }))
  t.equal(outcome, 'powerdown', 'the guest shut down on the ACPI power button')
  t.equal(await vmRunning(files), false)
  t.equal(await vmPid(files), undefined)
  t.same(await qemuProcessesUsing(work), [], 'no QEMU process is left')
  t.same(
    (await readdir(work)).filter((n) => n === 'qemu.pid' || n === 'qmp.sock'),
    [],
    'no pid file or socket is left',
  )
})

t.test('nothing is left but the cached image', async (t) => {
  const temp = (await readdir(tmpdir())).filter((n) => n.startsWith('vmlab-e2e-qemu-'))
  t.same(temp, [], 'the work directory is gone')
  t.same(await qemuProcessesUsing(image.disk), [], 'no QEMU process uses the base image')
  t.same((await readdir(image.dir)).sort(), ['base.qcow2', 'initrd.img', 'manifest.json', 'vmlinuz'])
  t.comment(`timings (ms): ${JSON.stringify(timings)}`)
})
