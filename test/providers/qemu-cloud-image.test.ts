/** Bases from a user's cloud image under QEMU: the command lines, the base seed, the cached copy. */
import t from 'tap'
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { run } from '../../src/util/run.js'
import { qemuArgv, vmFiles } from '../../src/providers/qemu/qemu-vm.js'
import { RecordingRunner } from '../../src/providers/cli-runner.js'
import { freshMachine } from '../../src/providers/qemu/fresh-machine.js'
import { QemuProvider } from '../../src/providers/qemu/provider.js'
import { cachedCloudImage, cloudImageDir } from '../../src/providers/qemu/cloud-image-cache.js'
import { sha256File } from '../../src/engine/cloud-image.js'
import { cloudBaseUserData, writeCloudBaseSeed, type CloudBaseSeed } from '../../src/media/cloud-base-seed.js'
import type { OsInfo } from '../../src/lab/os-catalog.js'

const dir = t.testdir({})

const SEED: CloudBaseSeed = {
  instanceId: 'vmlab-base-cloud',
  packages: ['chrony', 'docker.io'],
  natMac: '52:54:01:00:00:01',
  rootPasswordHash: '$6$salt$' + 'a'.repeat(86),
  user: { name: 'lab', passwordHash: '$6$salt$' + 'b'.repeat(86), sudo: true },
}

t.test('an image-booted VM: its own boot loader, no -kernel and so no clocksource on a command line', async (t) => {
  const argv = qemuArgv({ name: 'n1', accel: 'tcg', cpus: 1, memoryMiB: 512, disk: '/v/disk.qcow2', seed: '/v/seed.iso', sshPort: 2222, files: vmFiles('/v') })
  t.notOk(argv.includes('-kernel'))
  t.notOk(argv.includes('-append'))
  t.notOk(argv.some((a) => a.includes('clocksource')))
  const drives = argv.flatMap((a, i) => (a === '-drive' ? [argv[i + 1]!] : []))
  t.match(drives[0], /^file=\/v\/disk\.qcow2,if=virtio,format=qcow2/, 'the disk comes first: the BIOS boots it')
  t.match(drives[1], /^file=\/v\/seed\.iso,if=virtio,format=raw,readonly=on/)
})

t.test('lab plan --commands: cached copy, overlay as large as the lab disk, first boot with the seed; clones boot the disk', async (t) => {
  const runner = new RecordingRunner(freshMachine)
  const p = new QemuProvider({ lab: 'cloud', runner, dataDir: '/q', env: { VMLAB_CACHE_DIR: '/c' } })
  const network = { id: '/q/networks/cloud.ctl', created: true }
  const os = { id: 'debian12', title: 'Debian 12', family: 'debian' } as OsInfo
  await p.createBase({
    name: 'base',
    os,
    cpus: 1,
    memoryMiB: 1024,
    diskGiB: 20,
    network,
    installTimeoutMs: 1000,
    source: { kind: 'cloud-image', image: '/home/u/cloud.qcow2', sha256: 'f'.repeat(64), seed: { ...SEED, natMac: undefined } as never },
  })
  await p.cloneLinked({
    name: 'node1',
    base: 'base',
    baseSnapshot: 'vmlab-base',
    cpus: 1,
    memoryMiB: 512,
    mac: '52:54:00:56:00:0a',
    seedIso: '/lab/seed.iso',
    network,
    forwards: [],
    initialSnapshot: 'clean',
  })
  await p.start('node1')
  const lines = runner.lines()
  t.match(lines[1], /^qemu-img create -f qcow2 -F qcow2 -b \/home\/u\/cloud\.qcow2 \/q\/vms\/base\/disk\.qcow2 21474836480$/)
  const boots = lines.filter((l) => l.startsWith('qemu-system-x86_64'))
  t.equal(boots.length, 2)
  for (const b of boots) t.notMatch(b, /-kernel/)
  t.match(boots[0], /seed\.iso/, 'the base boots once with its seed')
  t.match(boots[1], /file=\/q\/vms\/node1\/seed\.iso/)
  t.equal(p.uplinkMac('52:54:00:56:00:0a'), '52:54:01:56:00:0a')
  t.ok(p.capabilities.cloudImages)
})

t.test("the base seed's user-data: cloud-init accepts it; packages, passwords and the finish step", async (t) => {
  const text = cloudBaseUserData(SEED)
  t.match(text, /^#cloud-config\n/)
  await writeFile(join(dir, 'user-data'), text)
  const r = await run('cloud-init', ['schema', '--config-file', join(dir, 'user-data')])
  t.match(r.stdout, /Valid cloud-config/)
  const doc = parse(text, { version: '1.1' })
  t.same(doc.packages, ['chrony', 'docker.io'])
  t.equal(doc.package_update, true)
  t.equal(doc.disable_root, false)
  t.same(doc.chpasswd, { expire: false, users: [{ name: 'root', password: SEED.rootPasswordHash, type: 'hash' }] })
  t.equal(doc.users[0].hashed_passwd, SEED.user.passwordHash)
  const finish = doc.runcmd[0]
  t.same(finish.slice(0, 5), ['systemd-run', '--no-block', '--unit=vmlab-base-finish', '/bin/sh', '-c'])
  t.match(finish[5], /cloud-init status --wait[\s\S]*cloud-init clean --logs[\s\S]*ssh_host_[\s\S]*machine-id[\s\S]*vmlab-base: ready[\s\S]*systemctl poweroff/)
  const none = parse(cloudBaseUserData({ ...SEED, packages: [] }), { version: '1.1' })
  t.notOk('packages' in none)
  t.notOk('package_update' in none, 'no package lists fetched when nothing is baked')
  t.throws(() => cloudBaseUserData({ ...SEED, packages: ['vim; rm -rf /'] }), /not a package name/)
})

t.test("the base seed's network-config: cloud-init's networkd renderer gives the NAT NIC DHCP by its MAC", async (t) => {
  const iso = join(dir, 'base-seed.iso')
  await writeCloudBaseSeed(iso, SEED)
  const out = join(dir, 'x')
  await mkdir(out)
  await run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', out])
  t.same((await readdir(out)).sort(), ['meta-data', 'network-config', 'user-data'])
  t.equal((await stat(join(out, 'user-data'))).mode & 0o777, 0o600)
  await run('cloud-init', ['devel', 'net-convert', '-p', join(out, 'network-config'), '-k', 'yaml', '-d', join(dir, 'net'), '-D', 'debian', '-O', 'networkd'])
  const file = await readFile(join(dir, 'net', 'etc', 'systemd', 'network', '10-cloud-init-eth0.network'), 'utf8')
  t.match(file, /\[Match\]\nMACAddress=52:54:01:00:00:01\nName=eth0\n/)
  t.match(file, /DHCP=ipv4/)
})

t.test('the cached copy: by content hash, read-only, made once; a file changed under it is caught', async (t) => {
  const cache = join(dir, 'cache')
  const src = join(dir, 'user.qcow2')
  await writeFile(src, Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(70_000, 7)]))
  const sha = await sha256File(src)
  const copy = await cachedCloudImage(cache, src, sha)
  t.equal(copy, join(cloudImageDir(cache, sha), 'cloud.qcow2'))
  t.equal(await sha256File(copy), sha)
  t.equal((await stat(copy)).mode & 0o777, 0o444)
  const before = (await stat(copy)).mtimeMs
  t.equal(await cachedCloudImage(cache, src, sha), copy)
  t.equal((await stat(copy)).mtimeMs, before, 'not copied again')
  await t.rejects(cachedCloudImage(cache, src, 'e'.repeat(64)), /changed while it was being copied/)
  t.same(
    (await readdir(join(cache, 'images'))).filter((n) => n.includes('.partial-')),
    [],
    'no staging folder left',
  )
})

t.test('two labs that need the same cloud image at once copy it once: the second waits for the first, then uses its copy', async (t) => {
  const cache = join(dir, 'cache-together')
  const src = join(dir, 'shared.qcow2')
  await writeFile(src, Buffer.concat([Buffer.from('QFI\xfb', 'latin1'), Buffer.alloc(4_000_000, 3)]))
  const sha = await sha256File(src)
  const told: string[] = []
  const [a, b] = await Promise.all([cachedCloudImage(cache, src, sha, (m) => told.push(m)), cachedCloudImage(cache, src, sha, (m) => told.push(m))])
  t.equal(a, b)
  t.equal(await sha256File(a), sha)
  t.equal(told.length, 1, 'exactly one of them waited')
  t.match(told[0], new RegExp(`^waiting for pid ${process.pid}, which copies the same cloud image into the cache$`))
  t.same((await readdir(join(cache, 'images'))).sort(), [`cloud-${sha.slice(0, 16)}`], 'one copy, no staging folder, the lock freed')
})

t.test("a failed first boot is reported with cloud-init's own status, not the shutdown noise after it", async (t) => {
  const { cloudInitReport } = await import('../../src/providers/qemu/provider.js')
  const console = [
    '[  261.9] cloud-init[434]: *** update-locale: Error',
    '[[0;32m  OK  [0m] Started vmlab-base-finish.service',
    'vmlab-base: cloud-init status:\r',
    'status: error\r',
    "detail:\r\n('locale', ProcessExecutionError(...))\r",
    'vmlab-base: failed\r',
    '[  OK  ] Stopped target cloud-init.target',
  ].join('\n')
  t.equal(cloudInitReport(console), "status: error\ndetail:\n('locale', ProcessExecutionError(...))")
  t.equal(cloudInitReport('vmlab-base: ready\n'), undefined)
})
