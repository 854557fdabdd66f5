import t from 'tap'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FakeGuest, type Answer } from '../helpers/fake-guest.js'
import { FAMILIES, factsFor, fileOut, labWith, probeMatch, probeOutput, runModule, sent, type FamilyCase, type Section } from '../helpers/module-run.js'
import chrony, { CHRONY_TIMING, chronyConfig, chronyModule, waitForTimeSource } from '../../src/modules/chrony.js'
import { contextFor, runModule as runOne } from './docker-lab.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'chrony')
const DEFAULT_CONF: Record<FamilyCase, string> = {
  el7: readFileSync(join(FIXTURES, 'centos7.conf'), 'utf8'),
  el8: readFileSync(join(FIXTURES, 'rocky8.conf'), 'utf8'),
  el9: readFileSync(join(FIXTURES, 'rocky9.conf'), 'utf8'),
  debian: readFileSync(join(FIXTURES, 'debian12.conf'), 'utf8'),
}

const lab = labWith('  - chrony: { server: master }', { nodes: ['master', 'node1', 'node2'] })
const options = lab.modules[0]!.options as Parameters<typeof chronyConfig>[1]

const SOURCES_SYNCED = `MS Name/IP address         Stratum Poll Reach LastRx Last sample               
===============================================================================
^* 192.168.56.10                10   6    17    13   +134us[ +201us] +/- 1123us
`
const SOURCES_WAITING = `MS Name/IP address         Stratum Poll Reach LastRx Last sample               
===============================================================================
^? 192.168.56.10                 0   6     0     -     +0ns[   +0ns] +/-    0ns
`
const TRACKING = `Reference ID    : 7F7F0101 ()
Stratum         : 10
Ref time (UTC)  : Mon Jun 02 09:12:44 2025
System time     : 0.000000000 seconds fast of NTP time
Last offset     : +0.000000000 seconds
RMS offset      : 0.000000000 seconds
Frequency       : 4.113 ppm slow
Residual freq   : +0.000 ppm
Skew            : 0.000 ppm
Root delay      : 0.000000000 seconds
Root dispersion : 0.000000000 seconds
Update interval : 0.0 seconds
Leap status     : Normal
`

const el = (f: FamilyCase): boolean => f !== 'debian'
const confPath = (f: FamilyCase): string => (el(f) ? '/etc/chrony.conf' : '/etc/chrony/chrony.conf')
const unit = (f: FamilyCase): string => (el(f) ? 'chronyd' : 'chrony')

/** The probe's answer: package state (rpm -q or dpkg-query through our sed), the config file, the service. */
function probe(f: FamilyCase, conf: string | undefined, opts: { installed?: boolean; service?: string; dir?: boolean; aptLists?: boolean; time?: Section } = {}): Answer {
  const installed = opts.installed ?? true
  const packages = el(f) ? (installed ? 'installed chrony\n' : 'package chrony is not installed\n') : `${installed ? 'ii  chrony\n' : ''}${opts.aptLists === false ? '' : 'aptlists yes\n'}`
  return {
    match: probeMatch('packages'),
    once: true,
    stdout: probeOutput({
      packages,
      config: fileOut(conf, { ...(opts.dir === false ? { dir: false } : {}) }),
      service: opts.service ?? 'ActiveState=active\nUnitFileState=enabled\n',
      // chronyc (tracking on the server, -n sources elsewhere): by default the daemon did not answer yet.
      time: opts.time ?? { out: '506 Cannot talk to daemon\n', code: 1 },
    }),
  }
}

/** A FakeGuest that also records, in one list, the order of commands and uploads. */
class OrderedGuest extends FakeGuest {
  readonly order: string[] = []
  override async exec(cmd: string | string[], opts: { sudo?: boolean } = {}): ReturnType<FakeGuest['exec']> {
    const r = await super.exec(cmd, opts)
    this.order.push(sent(this).at(-1)!)
    return r
  }
  override async upload(path: string, data: string | Buffer, opts: { mode?: number; owner?: string } = {}): Promise<void> {
    this.order.push(`upload ${path}`)
    return super.upload(path, data, opts)
  }
}

t.test('the configuration for each role', async (t) => {
  t.equal(
    chronyConfig(lab, options, 'server', 'el9'),
    `# Written by vmlab for lab t: this node serves time to the lab network.
local stratum 10
allow 192.168.56.0/24
driftfile /var/lib/chrony/drift
makestep 1 -1
rtcsync
logdir /var/log/chrony
`,
  )
  t.equal(
    chronyConfig(lab, options, 'client', 'debian'),
    `# Written by vmlab for lab t: time comes from master only.
server 192.168.56.10 iburst minpoll -1 maxpoll 6
maxjitter 10
driftfile /var/lib/chrony/chrony.drift
makestep 1 -1
rtcsync
logdir /var/log/chrony
`,
  )
  const upstream = labWith('  - chrony: { server: master, upstream: [ntp.school.example, 10.0.0.1], stratum: 8 }')
  t.match(chronyConfig(upstream, upstream.modules[0]!.options as typeof options, 'server', 'el7'), /^server ntp\.school\.example iburst\nserver 10\.0\.0\.1 iburst\nlocal stratum 8\n/m)
})

for (const family of FAMILIES) {
  t.test(`${family}: a client drops the distribution's sources for the master, restarts, and waits for ^*`, async (t) => {
    const wanted = chronyConfig(lab, options, 'client', family)
    const guest = new FakeGuest([probe(family, DEFAULT_CONF[family]), { match: /^(restorecon|systemctl) /, stdout: '' }, { match: 'chronyc -n sources', stdout: SOURCES_SYNCED }])
    const r = await runModule(lab, 'chrony', 'node1', guest, factsFor(family))
    t.equal(r.status, 'changed', r.reason ?? '')
    t.same(
      r.changes.map((c) => [c.key, c.what]),
      [
        ['config', `write ${confPath(family)}`],
        ['restart', `restart ${unit(family)}`],
      ],
    )
    const diff = r.changes[0]!.diff!
    t.match(diff, new RegExp(`^--- ${confPath(family)}\n\\+\\+\\+ ${confPath(family)}\n@@ -1,`))
    t.match(diff, /^\+server 192\.168\.56\.10 iburst minpoll -1 maxpoll 6$/m)
    t.match(diff, /^-(pool|server) \d\.(rocky|centos|debian)\.pool\.ntp\.org iburst$/m)
    t.match(diff, /^-makestep 1(\.0)? 3$/m)
    t.match(diff, /^\+makestep 1 -1$/m)
    if (family === 'el9' || family === 'debian') t.match(diff, /^-sourcedir \/run\/chrony-dhcp$/m, 'no time sources from DHCP')
    t.same(sent(guest), ['PROBE', ...(el(family) ? [`restorecon -- ${confPath(family)}`] : []), `systemctl restart ${unit(family)}`, 'chronyc -n sources'])
    t.same(guest.uploads, [{ path: confPath(family), data: wanted, mode: 0o644 }])

    const again = new FakeGuest([probe(family, wanted), { match: 'chronyc -n sources', stdout: SOURCES_SYNCED }])
    const second = await runModule(lab, 'chrony', 'node1', again, factsFor(family))
    t.equal(second.status, 'ok', 'a second run plans nothing')
    t.same(sent(again), ['PROBE', 'chronyc -n sources'], 'and only verifies')
  })

  t.test(`${family}: the server serves the lab network and answers chronyc tracking`, async (t) => {
    const wanted = chronyConfig(lab, options, 'server', family)
    const guest = new FakeGuest([probe(family, DEFAULT_CONF[family]), { match: /^(restorecon|systemctl) /, stdout: '' }, { match: 'chronyc tracking', stdout: TRACKING }])
    const r = await runModule(lab, 'chrony', 'master', guest, factsFor(family))
    t.equal(r.status, 'changed', r.reason ?? '')
    t.match(r.changes[0]!.diff, /^\+local stratum 10\n\+allow 192\.168\.56\.0\/24$/m)
    t.same(sent(guest).slice(-2), [`systemctl restart ${unit(family)}`, 'chronyc tracking'])
    t.equal(guest.uploads[0]!.data, wanted)
  })
}

t.test('debian without chrony: the configuration is written before the package, so it never starts with the pool', async (t) => {
  const guest = new OrderedGuest([
    probe('debian', undefined, { installed: false, service: 'ActiveState=inactive\nUnitFileState=\n', dir: false }),
    { match: /^(mkdir|env|systemctl) /, stdout: '' },
    { match: 'chronyc -n sources', stdout: SOURCES_SYNCED },
  ])
  const r = await runModule(lab, 'chrony', 'node2', guest, factsFor('debian'))
  t.equal(r.status, 'changed', r.reason ?? '')
  t.same(
    r.changes.map((c) => c.what),
    ['create /etc/chrony/chrony.conf', 'install chrony', 'enable chrony', 'restart chrony'],
  )
  t.equal(
    r.changes[0]!.diff,
    `--- /dev/null
+++ /etc/chrony/chrony.conf
@@ -0,0 +1,7 @@
+# Written by vmlab for lab t: time comes from master only.
+server 192.168.56.10 iburst minpoll -1 maxpoll 6
+maxjitter 10
+driftfile /var/lib/chrony/chrony.drift
+makestep 1 -1
+rtcsync
+logdir /var/log/chrony
`,
  )
  t.same(guest.order, [
    'PROBE',
    'mkdir -p -- /etc/chrony',
    'upload /etc/chrony/chrony.conf',
    "env 'DEBIAN_FRONTEND=noninteractive' 'UCF_FORCE_CONFFOLD=1' apt-get -y -o 'DPkg::Lock::Timeout=300' -o 'Dpkg::Options::=--force-confdef' -o 'Dpkg::Options::=--force-confold' install chrony",
    'systemctl enable chrony',
    'systemctl restart chrony',
    'chronyc -n sources',
  ])
})

t.test('debian without apt lists: apt-get update before the install', async (t) => {
  const guest = new FakeGuest([
    probe('debian', chronyConfig(lab, options, 'client', 'debian'), { installed: false, aptLists: false, service: 'ActiveState=inactive\nUnitFileState=\n' }),
    { match: /^(env|systemctl) /, stdout: '' },
    { match: 'chronyc -n sources', stdout: SOURCES_SYNCED },
  ])
  const r = await runModule(lab, 'chrony', 'node1', guest, factsFor('debian'))
  t.equal(r.status, 'changed', r.reason ?? '')
  t.same(
    r.changes.map((c) => c.what),
    ['install chrony', 'enable chrony', 'restart chrony'],
  )
  t.same(sent(guest).slice(1, 3), ["env 'DEBIAN_FRONTEND=noninteractive' apt-get -y update", sent(guest)[2]!])
  t.match(sent(guest)[2], / install chrony$/)
})

t.test('stale apt lists: one update and a second try', async (t) => {
  const install = / install chrony$/
  const guest = new FakeGuest([
    probe('debian', chronyConfig(lab, options, 'client', 'debian'), { installed: false }),
    { match: install, once: true, code: 100, stdout: 'Reading package lists...\n', stderr: 'E: Unable to locate package chrony\n' },
    { match: /^(env|systemctl) /, stdout: '' },
    { match: 'chronyc -n sources', stdout: SOURCES_SYNCED },
  ])
  const r = await runModule(lab, 'chrony', 'node1', guest, factsFor('debian'))
  t.equal(r.status, 'changed', r.reason ?? '')
  const cmds = sent(guest)
  t.match(cmds[1], install)
  t.equal(cmds[2], "env 'DEBIAN_FRONTEND=noninteractive' apt-get -y update")
  t.match(cmds[3], install)
})

t.test('EL without chrony: yum or dnf installs it, after the configuration', async (t) => {
  for (const [family, cmd] of [
    ['el7', "yum -y '--setopt=skip_missing_names_on_install=False' install chrony"],
    ['el9', 'dnf -y install chrony'],
  ] as const) {
    const guest = new OrderedGuest([
      probe(family, DEFAULT_CONF[family], { installed: false, service: 'ActiveState=inactive\nUnitFileState=\n' }),
      { match: /^(restorecon|systemctl|yum|dnf) /, stdout: '' },
      { match: 'chronyc tracking', stdout: TRACKING },
    ])
    const r = await runModule(lab, 'chrony', 'master', guest, factsFor(family))
    t.equal(r.status, 'changed', r.reason ?? '')
    t.same(guest.order, ['PROBE', 'upload /etc/chrony.conf', 'restorecon -- /etc/chrony.conf', cmd, 'systemctl enable chronyd', 'systemctl restart chronyd', 'chronyc tracking'], family)
  }
})

t.test('only the service is off: it is started (no restart reason), a masked one unmasked', async (t) => {
  const wanted = chronyConfig(lab, options, 'client', 'el8')
  const guest = new FakeGuest([
    probe('el8', wanted, { service: 'ActiveState=inactive\nUnitFileState=masked\n' }),
    { match: /^systemctl /, stdout: '' },
    { match: 'chronyc -n sources', stdout: SOURCES_SYNCED },
  ])
  const r = await runModule(lab, 'chrony', 'node1', guest, factsFor('el8'))
  t.same(
    r.changes.map((c) => c.what),
    ['unmask and enable chronyd', 'start chronyd'],
  )
  t.same(sent(guest), ['PROBE', 'systemctl unmask chronyd', 'systemctl enable chronyd', 'systemctl start chronyd', 'chronyc -n sources'])
})

t.test('drift: a pool line added by hand is exactly the diff; --check neither writes nor restarts', async (t) => {
  const wanted = chronyConfig(lab, options, 'client', 'el9')
  const edited = wanted.replace('server 192.168.56.10 iburst minpoll -1 maxpoll 6\n', 'server 192.168.56.10 iburst minpoll -1 maxpoll 6\npool 2.rocky.pool.ntp.org iburst\n')
  const guest = new FakeGuest([probe('el9', edited)])
  const r = await runModule(lab, 'chrony', 'node1', guest, factsFor('el9'), { check: true })
  t.equal(r.status, 'changed')
  t.equal(
    r.changes[0]!.diff,
    `--- /etc/chrony.conf
+++ /etc/chrony.conf
@@ -1,6 +1,5 @@
 # Written by vmlab for lab t: time comes from master only.
 server 192.168.56.10 iburst minpoll -1 maxpoll 6
-pool 2.rocky.pool.ntp.org iburst
 maxjitter 10
 driftfile /var/lib/chrony/drift
 makestep 1 -1
`,
  )
  t.same(
    r.changes.map((c) => c.key),
    ['config', 'restart'],
  )
  t.same(sent(guest), ['PROBE'])
  t.same(guest.uploads, [])
})

t.test('a converged client that follows the master: one round trip, verify needs nothing more', async (t) => {
  const guest = new FakeGuest([probe('el9', chronyConfig(lab, options, 'client', 'el9'), { time: { out: SOURCES_SYNCED } })])
  const r = await runModule(lab, 'chrony', 'node1', guest, factsFor('el9'))
  t.equal(r.status, 'ok', r.reason ?? '')
  t.same(sent(guest), ['PROBE'])
  t.match(guest.commands[0], /echo '#vmlab:begin:time'\nchronyc -n sources\n/)
})

t.test('a converged client that has not selected the master yet: verify waits for it', async (t) => {
  const guest = new FakeGuest([
    probe('el9', chronyConfig(lab, options, 'client', 'el9'), { time: { out: SOURCES_WAITING } }),
    { match: 'chronyc -n sources', stdout: SOURCES_WAITING, once: true },
    { match: 'chronyc -n sources', stdout: SOURCES_SYNCED },
  ])
  const r = await runModule(lab, 'chrony', 'node1', guest, factsFor('el9'))
  t.equal(r.status, 'ok', r.reason ?? '')
  t.same(sent(guest), ['PROBE', 'chronyc -n sources', 'chronyc -n sources'])
})

t.test('verify polls until the master is selected, and fails saying what it saw', async (t) => {
  const node = lab.nodes[1]!
  const waiting = new FakeGuest([
    { match: 'chronyc -n sources', once: true, stdout: SOURCES_WAITING },
    { match: 'chronyc -n sources', stdout: SOURCES_SYNCED },
  ])
  await waitForTimeSource({ guest: waiting, node }, '192.168.56.10', { timeoutMs: 2000, pollMs: 5 })
  t.equal(waiting.commands.length, 2)

  const never = new FakeGuest([{ match: 'chronyc -n sources', stdout: SOURCES_WAITING }])
  await t.rejects(waitForTimeSource({ guest: never, node }, '192.168.56.10', { timeoutMs: 50, pollMs: 5 }), {
    message: /node1 did not select 192\.168\.56\.10 as its time source within 0 s: chronyc -n sources shows "\^\? 192\.168\.56\.10 .*"/,
  })
  const other = new FakeGuest([{ match: 'chronyc -n sources', stdout: SOURCES_SYNCED.replace('192.168.56.10', '162.159.200.1') }])
  await t.rejects(waitForTimeSource({ guest: other, node }, '192.168.56.10', { timeoutMs: 30, pollMs: 5 }), { message: /shows no line for 192\.168\.56\.10/ })
})

t.test("verify waits as long as the module's timing says: a client that never selects the master fails within it", async (t) => {
  t.same(CHRONY_TIMING.sync, { timeoutMs: 60_000, pollMs: 500 }, 'a minute by default')
  const guest = new FakeGuest([probe('el9', chronyConfig(lab, options, 'client', 'el9'), { time: { out: SOURCES_WAITING } }), { match: 'chronyc -n sources', stdout: SOURCES_WAITING }])
  const quick = chronyModule({ sync: { timeoutMs: 30, pollMs: 5 } })
  const ctx = contextFor({ lab, family: 'el9', guests: { node1: guest } }, 'node1', 'client', options)
  const started = Date.now()
  await t.rejects(runOne(quick, ctx), { message: /node1 did not select 192\.168\.56\.10 as its time source within 0 s/ })
  t.ok(Date.now() - started < 5_000, 'within the injected time-out, not the default minute')
  t.ok(guest.commands.length > 2, 'it polled chronyc more than once')
})

t.test('bake: chrony goes into every base (the Debian image builder keeps it disabled and sourceless)', async (t) => {
  for (const family of FAMILIES) t.same(chrony.bake!(family, options), ['chrony'])
})
