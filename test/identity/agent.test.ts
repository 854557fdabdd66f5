import t, { type Test } from 'tap'
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { run } from '../../src/util/run.js'
import { IDENTITY_AGENT_PATH, IDENTITY_UNIT, identityAgentFiles } from '../../src/media/identity-agent.js'
import { nodeIdentity, seedFiles, writeSeedIso, type NodeIdentity } from '../../src/media/seed.js'
import { sampleInput } from '../fixtures/identity/sample.js'
import { renderHosts } from '../../src/modules/hosts.js'
import type { ResolvedLab } from '../../src/lab/resolve.js'

const here = dirname(fileURLToPath(import.meta.url))
const fixtures = join(here, '..', 'fixtures', 'identity')
const AGENT = join(here, '..', '..', 'templates', 'identity', 'vmlab-identity')
const UNIT = join(here, '..', '..', 'templates', 'identity', IDENTITY_UNIT)
const SYSFS = join(fixtures, 'sysfs')
const LOG = 'var/log/vmlab-identity.log'

const work = await mkdtemp(join(tmpdir(), 'vmlab-agent-'))
t.teardown(() => rm(work, { recursive: true, force: true }))

// As root the test proves real ownership changes; otherwise it uses ids it may chown to.
const asRoot = process.getuid?.() === 0
const STUDENT = asRoot ? { uid: 1000, gid: 1000 } : { uid: process.getuid!(), gid: process.getgid!() }
const SSH_KEYS_GID = asRoot ? 998 : process.getgid!()

type Family = 'el7' | 'el8' | 'el9' | 'debian'
const OSES: { os: string; family: Family; hosts: string }[] = [
  { os: 'centos7', family: 'el7', hosts: 'el-with-base-names' },
  { os: 'rocky8', family: 'el8', hosts: 'el' },
  { os: 'rocky9', family: 'el9', hosts: 'el' },
  { os: 'debian12', family: 'debian', hosts: 'debian' },
]
const SHELLS: [string, ...string[]][] = [['dash'], ['bash', '--posix']]

// The lab NIC's MAC as the fake sysfs has it (enp0s8); upper case on the lab side on purpose.
const identityA = nodeIdentity(sampleInput({ labMac: '52:54:00:AB:CD:11' }))
const identityB = nodeIdentity(
  sampleInput({
    labMac: '52:54:00:ab:cd:11',
    labIp: '192.168.56.21',
    gateway: '192.168.56.1',
    dns: undefined,
    hosts: [
      { ip: '192.168.56.10', fqdn: 'master.localdomain', short: 'master' },
      { ip: '192.168.56.21', fqdn: 'node1.localdomain', short: 'node1' },
    ],
    user: { name: 'student', sudo: false },
  }),
)

let counter = 0
async function put(root: string, path: string, content: string, mode = 0o644, owner?: { uid: number; gid: number }): Promise<void> {
  const full = join(root, path)
  await mkdir(dirname(full), { recursive: true })
  await writeFile(full, content)
  await chmod(full, mode)
  if (owner) await chown(full, owner.uid, owner.gid)
}

async function dir(root: string, path: string, mode = 0o755, owner?: { uid: number; gid: number }): Promise<void> {
  await mkdir(join(root, path), { recursive: true })
  await chmod(join(root, path), mode)
  if (owner) await chown(join(root, path), owner.uid, owner.gid)
}

/** A cloned base as the installer leaves it: its name, its machine-id, its host keys. */
async function fakeRoot(os: (typeof OSES)[number]): Promise<string> {
  const root = join(work, `root-${os.os}-${++counter}`)
  const el = os.family !== 'debian'
  await put(root, 'etc/os-release', await readFile(join(fixtures, 'os-release', os.os), 'utf8'))
  await put(root, 'etc/hosts', await readFile(join(fixtures, 'hosts', os.hosts), 'utf8'))
  await put(root, 'etc/hostname', 'base.localdomain\n')
  await put(root, 'etc/machine-id', '0123456789abcdef0123456789abcdef\n', 0o444)
  await put(root, 'etc/passwd', `root:x:0:0:root:/root:/bin/bash\nstudent:x:${STUDENT.uid}:${STUDENT.gid}::/home/student:/bin/bash\n`)
  await put(root, 'etc/group', `root:x:0:\n${el ? `ssh_keys:x:${SSH_KEYS_GID}:\n` : ''}student:x:${STUDENT.gid}:\n`)
  for (const type of ['rsa', 'ecdsa', 'ed25519']) {
    await put(root, `etc/ssh/ssh_host_${type}_key`, `old ${type} private key of the base\n`, 0o600)
    await put(root, `etc/ssh/ssh_host_${type}_key.pub`, `ssh-${type} OLD base\n`)
  }
  await put(root, 'etc/ssh/sshd_config', '# stock\n')
  await dir(root, 'root', el ? 0o550 : 0o700)
  await dir(root, 'home/student', 0o700, STUDENT)
  await dir(root, 'etc/sudoers.d', 0o750)
  await dir(root, 'var/lib')
  await dir(root, 'var/log')
  if (os.family === 'el7') {
    await put(root, 'var/lib/dbus/machine-id', '0123456789abcdef0123456789abcdef\n')
    await put(root, 'etc/sysconfig/network-scripts/ifcfg-enp0s3', 'TYPE=Ethernet\nBOOTPROTO=dhcp\nDEVICE=enp0s3\nONBOOT=yes\n')
  }
  if (os.family === 'el8' || os.family === 'el9') await dir(root, 'etc/NetworkManager/system-connections')
  if (os.family === 'debian') await put(root, 'etc/systemd/network/20-uplink.network', '[Match]\nName=enp0s3\n\n[Network]\nDHCP=yes\n')
  return root
}

async function seedDir(identity: NodeIdentity, name: string): Promise<string> {
  const seed = join(work, `seed-${name}-${++counter}`)
  for (const f of seedFiles(identity)) {
    await mkdir(dirname(join(seed, f.path)), { recursive: true })
    await writeFile(join(seed, f.path), f.data, { mode: f.mode ?? 0o644 })
  }
  return seed
}

async function agent(root: string, env: Record<string, string>, shell: string[] = ['dash']) {
  const [file, ...args] = shell as [string, ...string[]]
  return run(file, [...args, AGENT], {
    env: { VMLAB_ROOT: root, VMLAB_SYSFS: SYSFS, VMLAB_NO_LIVE: '1', VMLAB_SEED_WAIT: '0', ...env },
    reject: false,
  })
}

/** Every path under root with type, mode, owner and content (the agent's own log left out). */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const rel of (await readdir(root, { recursive: true })).sort()) {
    if (rel === LOG) continue
    const full = join(root, rel)
    const st = await lstat(full)
    const head = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`
    if (st.isSymbolicLink()) out[rel] = `link ${await readlink(full)}`
    else if (st.isDirectory()) out[rel] = `dir ${head}`
    else out[rel] = `file ${head} ${await readFile(full, 'utf8')}`
  }
  return out
}

async function fileOf(root: string, path: string): Promise<{ content: string; mode: number; uid: number; gid: number }> {
  const st = await lstat(join(root, path))
  return { content: await readFile(join(root, path), 'utf8'), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid }
}

function hostsAfter(hostsFixture: string, identity: NodeIdentity): string {
  const kept: Record<string, string> = {
    el: '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n',
    'el-with-base-names': '127.0.0.1 localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n',
    debian: '127.0.0.1\tlocalhost\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n',
  }
  return `${kept[hostsFixture]}# BEGIN vmlab\n${identity.hosts.map((h) => `${h.ip} ${h.fqdn} ${h.short}\n`).join('')}# END vmlab\n`
}

/** A lab of the identity's nodes, as the hosts module sees it. */
const labOf = (identity: NodeIdentity) => ({ nodes: identity.hosts.map((h) => ({ ip: h.ip, fqdn: h.fqdn, name: h.short })) }) as unknown as ResolvedLab

function networkFile(family: Family, identity: NodeIdentity, nmUuid: string): { path: string; mode: number; content: string } {
  const head = '# The lab network (written by vmlab-identity)\n'
  const dns = identity.dns ?? []
  if (family === 'el7') {
    return {
      path: 'etc/sysconfig/network-scripts/ifcfg-enp0s8',
      mode: 0o644,
      content:
        head +
        'NAME=vmlab-lab\nDEVICE=enp0s8\nHWADDR=52:54:00:AB:CD:11\nTYPE=Ethernet\nONBOOT=yes\nBOOTPROTO=none\n' +
        `IPADDR=${identity.labIp}\nPREFIX=24\n` +
        (identity.gateway ? `GATEWAY=${identity.gateway}\n` : 'DEFROUTE=no\n') +
        dns.map((d, i) => `DNS${i + 1}=${d}\n`).join('') +
        (dns.length > 0 ? 'DOMAIN=localdomain\n' : '') +
        'IPV6INIT=no\nNM_CONTROLLED=yes\n',
    }
  }
  if (family === 'debian') {
    return {
      path: 'etc/systemd/network/10-vmlab-lab.network',
      mode: 0o644,
      content:
        head +
        '[Match]\nMACAddress=52:54:00:ab:cd:11\n\n[Network]\n' +
        `Address=${identity.labIp}/24\n` +
        (identity.gateway ? `Gateway=${identity.gateway}\n` : '') +
        dns.map((d) => `DNS=${d}\n`).join('') +
        (dns.length > 0 ? 'Domains=localdomain\n' : ''),
    }
  }
  return {
    path: 'etc/NetworkManager/system-connections/vmlab-lab.nmconnection',
    mode: 0o600,
    content:
      head +
      `[connection]\nid=vmlab-lab\nuuid=${nmUuid}\ntype=ethernet\nautoconnect=true\nautoconnect-priority=100\n\n` +
      '[ethernet]\nmac-address=52:54:00:AB:CD:11\n\n' +
      '[ipv4]\nmethod=manual\n' +
      (identity.gateway ? `address1=${identity.labIp}/24,${identity.gateway}\n` : `address1=${identity.labIp}/24\nnever-default=true\n`) +
      (dns.length > 0 ? `dns=${dns.join(';')};\ndns-search=localdomain;\n` : '') +
      '\n[ipv6]\nmethod=ignore\n',
  }
}

function nmUuidOf(identity: NodeIdentity): string {
  const env = seedFiles(identity).find((f) => f.path === 'vmlab/identity.env')!.data
  return /^VMLAB_NM_UUID='([^']+)'$/m.exec(env)![1]!
}

async function assertApplied(t: Test, root: string, os: (typeof OSES)[number], identity: NodeIdentity, baseMachineId: string) {
  const el89 = os.family === 'el8' || os.family === 'el9'
  t.same(await fileOf(root, 'etc/hostname'), { content: 'node1.localdomain\n', mode: 0o644, uid: 0, gid: 0 }, 'hostname')
  const hosts = (await fileOf(root, 'etc/hosts')).content
  t.equal(hosts, hostsAfter(os.hosts, identity), '/etc/hosts')
  t.equal(renderHosts(hosts, labOf(identity), []), hosts, 'the hosts module finds /etc/hosts as it wants it: a first hosts step has nothing to do')
  const machineId = await fileOf(root, 'etc/machine-id')
  t.match(machineId.content, /^[0-9a-f]{32}\n$/, 'machine-id format')
  t.not(machineId.content, baseMachineId, 'machine-id is new')
  t.equal(machineId.mode, 0o444)
  if (os.family === 'el7') t.equal(await readlink(join(root, 'var/lib/dbus/machine-id')), '/etc/machine-id', 'D-Bus copy now a link')

  const key = await fileOf(root, 'etc/ssh/ssh_host_ed25519_key')
  t.equal(key.content, identity.hostKeys.ed25519.private, 'private host key')
  t.equal(key.mode, el89 ? 0o640 : 0o600, 'private host key mode')
  t.equal(key.gid, el89 ? SSH_KEYS_GID : 0, 'private host key group')
  t.same(await fileOf(root, 'etc/ssh/ssh_host_ed25519_key.pub'), { content: `${identity.hostKeys.ed25519.public}\n`, mode: 0o644, uid: 0, gid: 0 })
  t.same((await readdir(join(root, 'etc/ssh'))).sort(), ['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub', 'sshd_config'], 'other host keys gone')

  const keys = `${identity.authorizedKeys.join('\n')}\n`
  t.equal((await lstat(join(root, 'root/.ssh'))).mode & 0o777, 0o700)
  t.same(await fileOf(root, 'root/.ssh/authorized_keys'), { content: keys, mode: 0o600, uid: 0, gid: 0 }, "root's keys")
  const userDir = await lstat(join(root, 'home/student/.ssh'))
  t.same([userDir.mode & 0o777, userDir.uid, userDir.gid], [0o700, STUDENT.uid, STUDENT.gid], "student's .ssh")
  t.same(await fileOf(root, 'home/student/.ssh/authorized_keys'), { content: keys, mode: 0o600, ...STUDENT }, "student's keys")
  if (identity.user?.sudo) {
    t.same(await fileOf(root, 'etc/sudoers.d/vmlab-student'), { content: 'student ALL=(ALL) NOPASSWD:ALL\n', mode: 0o440, uid: 0, gid: 0 })
  } else {
    t.same(await readdir(join(root, 'etc/sudoers.d')), [], 'no sudo rights')
  }

  const net = networkFile(os.family, identity, nmUuidOf(identity))
  t.same(await fileOf(root, net.path), { content: net.content, mode: net.mode, uid: 0, gid: 0 }, 'lab NIC configuration')
  t.same(await fileOf(root, 'var/lib/vmlab/instance-id'), { content: `${identity.instanceId}\n`, mode: 0o644, uid: 0, gid: 0 })
  t.match(await readFile(join(root, LOG), 'utf8'), `identity ${identity.instanceId} applied`)
}

for (const os of OSES) {
  for (const shell of SHELLS) {
    t.test(`${os.os} with ${shell.join(' ')}: applies the identity, then changes nothing`, async (t) => {
      const root = await fakeRoot(os)
      const seed = await seedDir(identityA, os.os)
      const before = await snapshot(root)

      const first = await agent(root, { VMLAB_SEED_DIR: seed }, shell)
      t.equal(first.exitCode, 0, first.stdout + first.stderr)
      t.equal(first.stderr, '')
      await assertApplied(t, root, os, identityA, before['etc/machine-id']!)
      t.same(await readdir(root, { recursive: true }).then((l) => l.filter((p) => p.includes('.vmlab-identity.'))), [], 'no temp files left')

      const applied = await snapshot(root)
      const second = await agent(root, { VMLAB_SEED_DIR: seed }, shell)
      t.equal(second.exitCode, 0)
      t.match(second.stdout, `identity ${identityA.instanceId} is already applied: nothing to do`)
      t.same(await snapshot(root), applied, 'second run: nothing changed')
    })
  }

  t.test(`${os.os}: a new identity is applied over the old one`, async (t) => {
    const root = await fakeRoot(os)
    t.equal((await agent(root, { VMLAB_SEED_DIR: await seedDir(identityA, os.os) })).exitCode, 0)
    const machineIdA = (await fileOf(root, 'etc/machine-id')).content
    const result = await agent(root, { VMLAB_SEED_DIR: await seedDir(identityB, os.os) })
    t.equal(result.exitCode, 0, result.stdout)
    t.match(result.stdout, `previous: ${identityA.instanceId}`)
    await assertApplied(t, root, os, identityB, machineIdA)
    t.match(result.stdout, /removed .*etc\/sudoers\.d\/vmlab-student/)
  })
}

t.test('a base with a partial or no /etc/hosts gets the localhost lines the hosts module would add, in its order', async (t) => {
  const os = OSES[2]!
  const block = `# BEGIN vmlab\n${identityA.hosts.map((h) => `${h.ip} ${h.fqdn} ${h.short}\n`).join('')}# END vmlab\n`
  const v4 = '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n'
  const v6 = '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n'
  const cases: Array<[string, string | undefined, string]> = [
    ['no file', undefined, v4 + v6],
    ['IPv4 only, with the base name', '127.0.0.1 localhost base.localdomain base\n', `${v6}127.0.0.1 localhost\n`],
    ['IPv6 only, and a stray name on its own line', '::1 localhost ip6-localhost\n10.0.2.15 base\n', `${v4}::1 localhost ip6-localhost\n`],
    ['loopback without the name localhost', '127.0.0.1 localhost.localdomain\n::1 localhost\n', `${v4}127.0.0.1 localhost.localdomain\n::1 localhost\n`],
  ]
  for (const [what, before, kept] of cases) {
    const root = await fakeRoot(os)
    if (before === undefined) await rm(join(root, 'etc/hosts'))
    else await put(root, 'etc/hosts', before)
    const r = await agent(root, { VMLAB_SEED_DIR: await seedDir(identityA, os.os) })
    t.equal(r.exitCode, 0, `${what}: the agent succeeds ${r.stderr}`)
    const hosts = (await fileOf(root, 'etc/hosts')).content
    t.equal(hosts, kept + block, `${what}: /etc/hosts`)
    t.equal(renderHosts(hosts, labOf(identityA), []), hosts, `${what}: nothing left for the hosts module`)
  }
})

t.test('reads the seed as the disc image carries it', async (t) => {
  const os = OSES[1]!
  const root = await fakeRoot(os)
  const iso = join(work, 'seed.iso')
  await writeSeedIso(iso, identityA)
  const seed = join(work, 'from-iso')
  await run('xorriso', ['-osirrox', 'on', '-indev', iso, '-extract', '/', seed])
  const result = await agent(root, { VMLAB_SEED_DIR: seed })
  t.equal(result.exitCode, 0, result.stdout)
  await assertApplied(t, root, os, identityA, '0123456789abcdef0123456789abcdef\n')
})

t.test('no seed: exit 0 and nothing changes', async (t) => {
  const os = OSES[3]!
  const root = await fakeRoot(os)
  const before = await snapshot(root)
  const missing = await agent(root, { VMLAB_SEED_DIR: join(work, 'no-such-seed') })
  t.equal(missing.exitCode, 0)
  t.match(missing.stdout, 'nothing to do')
  // Detection for real: this machine has no disc labelled cidata, so blkid finds none.
  const detected = await agent(root, {})
  t.equal(detected.exitCode, 0, detected.stderr)
  t.match(detected.stdout, 'no seed disc (volume label cidata): nothing to do')
  t.match(await readFile(join(root, LOG), 'utf8'), 'no seed disc')
  t.same(await snapshot(root), before)
})

/**
 * Seed detection with udevadm, blkid, mount and umount replaced by shell functions that record
 * their calls: bash takes exported functions from the environment and prefers them to any
 * program on the PATH the agent sets (dash has no such thing). The disc holds no vmlab files,
 * so the agent stops right after mounting it and changes nothing live.
 */
async function detectSeed(appears: 'at once' | 'after udev settles' | 'never', env: Record<string, string> = {}) {
  const fake = await mkdtemp(join(work, 'detect-'))
  const record = (name: string) => `echo "${name} $*" >>"$VMLAB_TEST_FAKE/calls"`
  const fakes: Record<string, string> = {
    udevadm: `${record('udevadm')}; : >"$VMLAB_TEST_FAKE/settled"`,
    blkid: `${record('blkid')}; case "$VMLAB_TEST_APPEARS:$*" in "at once:"*LABEL=cidata) echo /dev/fake-seed ;; "after udev settles:"*LABEL=cidata) [ ! -e "$VMLAB_TEST_FAKE/settled" ] || echo /dev/fake-seed ;; esac`,
    mount: record('mount'),
    umount: record('umount'),
    // The mount point in our work directory rather than the host's /run.
    mktemp: `if [ "$1" = -d ]; then command mktemp -d "$VMLAB_TEST_FAKE/vmlab-seed.XXXXXX"; else command mktemp "$@"; fi`,
  }
  const fnEnv = Object.fromEntries(Object.entries(fakes).map(([name, body]) => [`BASH_FUNC_${name}%%`, `() { ${body}; }`]))
  const root = await fakeRoot(OSES[3]!)
  const before = await snapshot(root)
  const result = await agent(root, { VMLAB_NO_LIVE: '', VMLAB_TEST_FAKE: fake, VMLAB_TEST_APPEARS: appears, ...fnEnv, ...env }, ['bash', '--posix'])
  const calls = await readFile(join(fake, 'calls'), 'utf8').then(
    (text) => text.split('\n').filter((l) => l !== ''),
    () => [],
  )
  const mountDir = /seed disc \/dev\/fake-seed mounted at (\S+)/.exec(result.stdout)?.[1]
  return { result, calls, mountDir, fake, root, before }
}

t.test('seed detection: looks for the disc first, and waits for udev only when it is not there', async (t) => {
  const probe = await run('bash', ['--posix', '-c', 'type blkid'], { env: { 'BASH_FUNC_blkid%%': '() { :; }' }, reject: false })
  t.match(probe.stdout, 'blkid is a function', 'bash takes the fakes from the environment')
  if (!probe.stdout.includes('function')) return

  const blkid = (label: string) => `blkid -c /dev/null -l -o device -t LABEL=${label}`

  const atOnce = await detectSeed('at once')
  t.equal(atOnce.result.exitCode, 0, atOnce.result.stdout + atOnce.result.stderr)
  t.equal(atOnce.result.stderr, '')
  t.match(atOnce.result.stdout, 'not made by lab')
  t.ok(atOnce.mountDir?.startsWith(join(atOnce.fake, 'vmlab-seed.')), atOnce.result.stdout)
  t.same(atOnce.calls, [blkid('cidata'), `mount -o ro /dev/fake-seed ${atOnce.mountDir}`, `umount ${atOnce.mountDir}`], 'found by blkid: no udevadm')
  await t.rejects(lstat(atOnce.mountDir!), 'mount point removed')
  t.same(await snapshot(atOnce.root), atOnce.before, 'nothing changed')

  const late = await detectSeed('after udev settles')
  t.equal(late.result.exitCode, 0, late.result.stdout + late.result.stderr)
  t.same(
    late.calls,
    [blkid('cidata'), blkid('CIDATA'), 'udevadm settle --timeout=30', blkid('cidata'), `mount -o ro /dev/fake-seed ${late.mountDir}`, `umount ${late.mountDir}`],
    'not there at first: udev settles, then it is found',
  )

  const never = await detectSeed('never')
  t.equal(never.result.exitCode, 0)
  t.match(never.result.stdout, 'no seed disc (volume label cidata): nothing to do')
  t.same(never.calls, [blkid('cidata'), blkid('CIDATA'), 'udevadm settle --timeout=30', blkid('cidata'), blkid('CIDATA')])
  t.same(await snapshot(never.root), never.before, 'nothing changed')

  const notLive = await detectSeed('never', { VMLAB_NO_LIVE: '1' })
  t.equal(notLive.result.exitCode, 0)
  t.match(notLive.result.stdout, 'no seed disc')
  t.same(
    notLive.calls.filter((c) => c.startsWith('udevadm')),
    [],
    'VMLAB_NO_LIVE=1: no udevadm',
  )
  t.ok(notLive.calls.length > 0 && notLive.calls.every((c) => c.startsWith('blkid')), 'it did look')
})

t.test('a seed without vmlab files (plain cloud-init) or a guest with cloud-init: hands off', async (t) => {
  const os = OSES[2]!
  const root = await fakeRoot(os)
  const seed = await seedDir(identityA, 'plain')
  await rm(join(seed, 'vmlab'), { recursive: true })
  const before = await snapshot(root)
  const plain = await agent(root, { VMLAB_SEED_DIR: seed })
  t.equal(plain.exitCode, 0)
  t.match(plain.stdout, 'not made by lab')
  await put(root, 'usr/bin/cloud-init', '#!/bin/sh\n', 0o755)
  const withCloudInit = await agent(root, { VMLAB_SEED_DIR: await seedDir(identityA, 'ci') })
  t.equal(withCloudInit.exitCode, 0)
  t.match(withCloudInit.stdout, 'cloud-init is installed and enabled')
  const after = await snapshot(root)
  delete after.usr
  delete after['usr/bin']
  delete after['usr/bin/cloud-init']
  t.same(after, before)
})

t.test('EL7 without the lab NIC: fails, records nothing, tries again next boot', async (t) => {
  const root = await fakeRoot(OSES[0]!)
  const emptySysfs = join(work, 'sysfs-empty')
  await mkdir(join(emptySysfs, 'lo'), { recursive: true })
  await writeFile(join(emptySysfs, 'lo', 'address'), '00:00:00:00:00:00\n')
  const seed = await seedDir(identityA, 'nonic')
  const result = await agent(root, { VMLAB_SEED_DIR: seed, VMLAB_SYSFS: emptySysfs })
  t.equal(result.exitCode, 1)
  t.match(result.stdout, 'ERROR: no network interface has the lab MAC 52:54:00:ab:cd:11')
  t.match(result.stdout, 'the identity is not recorded')
  await t.rejects(lstat(join(root, 'var/lib/vmlab/instance-id')))
  const retry = await agent(root, { VMLAB_SEED_DIR: seed })
  t.equal(retry.exitCode, 0)
  await assertApplied(t, root, OSES[0]!, identityA, '0123456789abcdef0123456789abcdef\n')
})

t.test('an OS it does not know: fails without recording', async (t) => {
  const root = await fakeRoot(OSES[3]!)
  await put(root, 'etc/os-release', 'ID=alpine\nVERSION_ID=3.20.0\n')
  const result = await agent(root, { VMLAB_SEED_DIR: await seedDir(identityA, 'alpine') })
  t.equal(result.exitCode, 1)
  t.match(result.stdout, 'unsupported OS')
  await t.rejects(lstat(join(root, 'var/lib/vmlab/instance-id')))
})

t.test('shellcheck finds nothing in the agent (POSIX sh)', async (t) => {
  const result = await run('shellcheck', ['-s', 'sh', AGENT], { reject: false })
  t.equal(result.exitCode, 0, result.stdout)
  t.match(await readFile(AGENT, 'utf8'), /^#!\/bin\/sh\n/)
})

t.test('identityAgentFiles installs the agent where the unit runs it', async (t) => {
  const { files, enableUnits } = identityAgentFiles()
  t.same(enableUnits, ['vmlab-identity.service'])
  t.same(
    files.map((f) => [f.path, f.mode]),
    [
      ['/usr/local/sbin/vmlab-identity', 0o755],
      ['/etc/systemd/system/vmlab-identity.service', 0o644],
    ],
  )
  t.equal(files[0]!.content, await readFile(AGENT, 'utf8'))
  t.equal(files[1]!.content, await readFile(UNIT, 'utf8'))
  t.match(files[1]!.content, new RegExp(`^ExecStart=${IDENTITY_AGENT_PATH}$`, 'm'))
  t.equal(((await lstat(AGENT)).mode & 0o111) !== 0, true, 'the template itself is executable')
})

/** systemd-analyze verify over a boot that wants our unit next to each OS's real ordering. */
async function orderingProblems(unitText: string, family: string): Promise<string> {
  const units = join(work, `units-${family}-${++counter}`)
  await mkdir(units)
  await writeFile(join(units, IDENTITY_UNIT), unitText.replace(IDENTITY_AGENT_PATH, '/bin/true'))
  const wanted = ['vmlab-identity.service', 'multi-user.target', 'network.target']
  wanted.push(...(await readdir(join(fixtures, 'units', family))))
  await writeFile(join(units, 'vmlab-boot.target'), `[Unit]\nDescription=test boot\nWants=${wanted.join(' ')}\n`)
  const result = await run('systemd-analyze', ['verify', '--man=no', join(units, 'vmlab-boot.target')], {
    // Our units and the OS's first, then systemd's own (the trailing colon).
    env: { SYSTEMD_UNIT_PATH: `${units}:${join(fixtures, 'units', family)}:` },
    reject: false,
  })
  return result.stdout + result.stderr
}

for (const family of ['el7', 'el8', 'debian']) {
  t.test(`the unit has no ordering cycle with ${family}'s sshd and network services`, async (t) => {
    const unit = await readFile(UNIT, 'utf8')
    t.notMatch(await orderingProblems(unit, family), /ordering cycle/i)
    // The check can fail: asking to run after the network, while being before it, is a cycle.
    const broken = unit.replace('After=local-fs.target', 'After=network-online.target network.target local-fs.target')
    t.match(await orderingProblems(broken, family), /Found ordering cycle/)
  })
}

t.test('the unit runs before network and sshd, and pulls in network-pre.target', async (t) => {
  const unit = await readFile(UNIT, 'utf8')
  const before = [...unit.matchAll(/^Before=(.*)$/gm)].flatMap((m) => m[1]!.split(/\s+/))
  for (const u of ['network-pre.target', 'sshd.service', 'ssh.service', 'sshd-keygen.service', 'sshd-keygen@ed25519.service', 'NetworkManager.service', 'systemd-networkd.service']) {
    t.ok(before.includes(u), u)
  }
  t.match(unit, /^Wants=network-pre\.target$/m)
  t.match(unit, /^Type=oneshot$/m)
  t.match(unit, /^WantedBy=multi-user\.target$/m)
})
