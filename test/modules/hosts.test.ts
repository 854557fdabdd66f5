import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { FAMILIES, factsFor, fileOut, labWith, probeMatch, probeOutput, runModule, sent } from '../helpers/module-run.js'
import { renderHosts } from '../../src/modules/hosts.js'

const EL_HOSTS = `127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4
::1         localhost localhost.localdomain localhost6 localhost6.localdomain6
`
// Debian's installer and debootstrap-built images name the machine on 127.0.1.1: on a clone, the base's name.
const DEBIAN_HOSTS = `127.0.0.1\tlocalhost
127.0.1.1\tdebian-base.localdomain\tdebian-base

# The following lines are desirable for IPv6 capable hosts
::1     localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
`
const BLOCK = `# BEGIN vmlab
192.168.56.10 master.localdomain master
192.168.56.11 node1.localdomain node1
# END vmlab
`
const WANTED = {
  el: EL_HOSTS + BLOCK,
  debian: `127.0.0.1\tlocalhost

# The following lines are desirable for IPv6 capable hosts
::1     localhost ip6-localhost ip6-loopback
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
${BLOCK}`,
}

function probe(hostname: string, running: string, hosts: string): { match: RegExp; stdout: string; once: true } {
  return {
    match: probeMatch('hostname'),
    once: true,
    stdout: probeOutput({ hostname: fileOut(hostname), running: `${running}\n`, hosts: fileOut(hosts), hostnamectl: '/usr/bin/hostnamectl\n' }),
  }
}

const lab = labWith('  - hosts')

for (const family of FAMILIES) {
  const el = family !== 'debian'
  const base = el ? EL_HOSTS : DEBIAN_HOSTS
  const wanted = el ? WANTED.el : WANTED.debian
  const baseName = el ? 'localhost.localdomain' : 'debian-base.localdomain'

  t.test(`${family}: a fresh clone gets its name and every node in /etc/hosts`, async (t) => {
    const guest = new FakeGuest([probe(`${baseName}\n`, baseName, base), probe('node1.localdomain\n', 'node1.localdomain', wanted), { match: /^hostnamectl |^restorecon /, stdout: '' }])
    const r = await runModule(lab, 'hosts', 'node1', guest, factsFor(family))
    t.equal(r.status, 'changed', r.reason ?? '')
    t.same(
      r.changes.map((c) => [c.key, c.what]),
      [
        ['hostname', 'set the host name to node1.localdomain'],
        ['hosts', 'write /etc/hosts'],
      ],
    )
    t.equal(r.changes[0]!.diff, `--- /etc/hostname\n+++ /etc/hostname\n@@ -1 +1 @@\n-${baseName}\n+node1.localdomain\n`)
    t.same(sent(guest), ['PROBE', 'hostnamectl set-hostname node1.localdomain', ...(el ? ['restorecon -- /etc/hosts'] : []), 'PROBE'])
    t.same(guest.uploads, [{ path: '/etc/hosts', data: wanted, mode: 0o644 }])
  })

  t.test(`${family}: a second run on the converged node plans nothing and probes once`, async (t) => {
    const guest = new FakeGuest([probe('node1.localdomain\n', 'node1.localdomain', wanted)])
    const r = await runModule(lab, 'hosts', 'node1', guest, factsFor(family))
    t.equal(r.status, 'ok', r.reason ?? '')
    t.same(r.changes, [])
    t.same(sent(guest), ['PROBE'])
  })
}

t.test('the Debian diff drops the stale 127.0.1.1 line and appends the block', async (t) => {
  const guest = new FakeGuest([probe('node1.localdomain\n', 'node1.localdomain', DEBIAN_HOSTS)])
  const r = await runModule(lab, 'hosts', 'node1', guest, factsFor('debian'), { check: true })
  t.equal(
    r.changes[0]!.diff,
    `--- /etc/hosts
+++ /etc/hosts
@@ -1,7 +1,10 @@
 127.0.0.1\tlocalhost
-127.0.1.1\tdebian-base.localdomain\tdebian-base
 
 # The following lines are desirable for IPv6 capable hosts
 ::1     localhost ip6-localhost ip6-loopback
 ff02::1 ip6-allnodes
 ff02::2 ip6-allrouters
+# BEGIN vmlab
+192.168.56.10 master.localdomain master
+192.168.56.11 node1.localdomain node1
+# END vmlab
`,
  )
})

t.test('drift: a line of the block edited by hand shows as exactly that change; --check applies nothing', async (t) => {
  const edited = WANTED.el.replace('192.168.56.10 master.localdomain master', '192.168.56.99 master.localdomain master')
  const guest = new FakeGuest([probe('node1.localdomain\n', 'node1.localdomain', edited)])
  const r = await runModule(lab, 'hosts', 'node1', guest, factsFor('el9'), { check: true })
  t.equal(r.status, 'changed')
  t.equal(
    r.changes[0]!.diff,
    `--- /etc/hosts
+++ /etc/hosts
@@ -1,6 +1,6 @@
 127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4
 ::1         localhost localhost.localdomain localhost6 localhost6.localdomain6
 # BEGIN vmlab
-192.168.56.99 master.localdomain master
+192.168.56.10 master.localdomain master
 192.168.56.11 node1.localdomain node1
 # END vmlab
`,
  )
  t.same(sent(guest), ['PROBE'], '--check only probes')
  t.same(guest.uploads, [])
})

t.test('only the running name differs (set by hand): hostnamectl, no file diff', async (t) => {
  const guest = new FakeGuest([probe('node1.localdomain\n', 'localhost', WANTED.el), probe('node1.localdomain\n', 'node1.localdomain', WANTED.el), { match: /^hostnamectl /, stdout: '' }])
  const r = await runModule(lab, 'hosts', 'node1', guest, factsFor('el8'))
  t.same(r.changes, [{ key: 'hostname', what: 'set the host name to node1.localdomain', why: 'the running name is localhost' }])
  t.same(sent(guest), ['PROBE', 'hostnamectl set-hostname node1.localdomain', 'PROBE'])
})

t.test('without hostnamectl the file is written and the kernel name set with hostname', async (t) => {
  const noCtl = (hostname: string, running: string): { match: RegExp; stdout: string; once: true } => ({
    match: probeMatch('hostname'),
    once: true,
    stdout: probeOutput({ hostname: fileOut(hostname), running: `${running}\n`, hosts: fileOut(WANTED.debian), hostnamectl: { out: '', code: 127 } }),
  })
  const guest = new FakeGuest([noCtl('debian-base\n', 'debian-base'), noCtl('node1.localdomain\n', 'node1.localdomain'), { match: /^hostname /, stdout: '' }])
  const r = await runModule(lab, 'hosts', 'node1', guest, factsFor('debian'))
  t.equal(r.status, 'changed', r.reason ?? '')
  t.same(sent(guest), ['PROBE', 'hostname node1.localdomain', 'PROBE'])
  t.same(guest.uploads, [{ path: '/etc/hostname', data: 'node1.localdomain\n', mode: 0o644 }])
})

t.test('renderHosts: other lines survive, lab names leave them, the agent header goes, extra entries join the block', async (t) => {
  const l = labWith('  - hosts: { extra: [{ ip: 192.168.56.1, names: [gw.localdomain, gw] }] }')
  const extra = (l.modules[0]!.options as { extra: Array<{ ip: string; names: string[] }> }).extra
  const before = [
    '127.0.0.1 localhost master.localdomain master',
    '10.0.0.5 nas.example.org nas # the school NAS',
    '# lab nodes (vmlab)',
    '192.168.56.10 master.localdomain master',
    '192.168.56.11 node1.localdomain node1',
    '',
  ].join('\n')
  const after = renderHosts(before, l, extra)
  t.equal(
    after,
    [
      '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6',
      '127.0.0.1 localhost',
      '10.0.0.5 nas.example.org nas # the school NAS',
      '# BEGIN vmlab',
      '192.168.56.10 master.localdomain master',
      '192.168.56.11 node1.localdomain node1',
      '192.168.56.1 gw.localdomain gw',
      '# END vmlab',
      '',
    ].join('\n'),
  )
  t.equal(renderHosts(after, l, extra), after, 'rendering twice changes nothing')
  const moved = after.replace('# BEGIN vmlab', 'a.b.c.d extra line\n# BEGIN vmlab')
  t.equal(renderHosts(moved, l, extra), moved, 'the block stays where it is')
})
