import t from 'tap'
import { tempDir } from '../helpers/temp-dir.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FakeGuest } from '../helpers/fake-guest.js'
import { FAMILIES, factsFor, fileOut, labWith, probeMatch, probeOutput, runModule, sent } from '../helpers/module-run.js'

const MOTD = 'Welcome to the Docker lab.\nAsk your teacher before rebooting master.\n'
const inline = labWith(`  - file: { path: /etc/motd.d/lab, content: ${JSON.stringify(MOTD)}, mode: "0640", owner: "root:wheel" }`)

for (const family of FAMILIES) {
  t.test(`${family}: creates the file with its mode and owner, then leaves it alone`, async (t) => {
    const el = family !== 'debian'
    const guest = new FakeGuest([
      { match: probeMatch('file'), once: true, stdout: probeOutput({ file: fileOut(undefined) }) },
      { match: probeMatch('file'), stdout: probeOutput({ file: fileOut(MOTD, { mode: '640', group: 'wheel', sendContent: false }) }) },
      { match: /^restorecon /, stdout: '' },
    ])
    const r = await runModule(inline, 'file', 'node1', guest, factsFor(family))
    t.equal(r.status, 'changed', r.reason ?? '')
    t.same(r.changes, [
      {
        key: 'file',
        what: 'create /etc/motd.d/lab',
        why: 'the lab gives its content',
        diff: '--- /dev/null\n+++ /etc/motd.d/lab\n@@ -0,0 +1,2 @@\n+Welcome to the Docker lab.\n+Ask your teacher before rebooting master.\n',
      },
    ])
    t.same(guest.uploads, [{ path: '/etc/motd.d/lab', data: MOTD, mode: 0o640, owner: 'root', group: 'wheel' }])
    t.same(sent(guest), ['PROBE', ...(el ? ['restorecon -- /etc/motd.d/lab'] : []), 'PROBE'])

    const again = new FakeGuest([{ match: probeMatch('file'), stdout: probeOutput({ file: fileOut(MOTD, { mode: '640', group: 'wheel', sendContent: false }) }) }])
    const second = await runModule(inline, 'file', 'node1', again, factsFor(family))
    t.equal(second.status, 'ok', 'a second run plans nothing')
    t.same(sent(again), ['PROBE'])
  })
}

t.test('the probe carries the wanted checksum, so an unchanged file is not sent back', async (t) => {
  const guest = new FakeGuest([{ match: probeMatch('file'), stdout: probeOutput({ file: fileOut(MOTD, { mode: '640', group: 'wheel', sendContent: false }) }) }])
  await runModule(inline, 'file', 'node1', guest, factsFor('el9'))
  t.match(guest.commands[0], /\[ "\$s" = [0-9a-f]{64} \] \|\| \{ echo content; base64 -- "\$f"; \}/)
  t.match(guest.commands[0], /f=\/etc\/motd\.d\/lab\n/)
})

t.test('drift: content edited by hand is exactly the diff; --check writes nothing', async (t) => {
  const edited = MOTD.replace('Ask your teacher', 'Feel free')
  const guest = new FakeGuest([{ match: probeMatch('file'), stdout: probeOutput({ file: fileOut(edited, { mode: '640', group: 'wheel' }) }) }])
  const r = await runModule(inline, 'file', 'node1', guest, factsFor('el8'), { check: true })
  t.equal(
    r.changes[0]!.diff,
    `--- /etc/motd.d/lab\n+++ /etc/motd.d/lab\n@@ -1,2 +1,2 @@\n Welcome to the Docker lab.\n-Feel free before rebooting master.\n+Ask your teacher before rebooting master.\n`,
  )
  t.equal(r.changes[0]!.what, 'write /etc/motd.d/lab')
  t.same(sent(guest), ['PROBE'])
  t.same(guest.uploads, [])
})

t.test('only the mode and owner drifted: no diff, one upload fixes both', async (t) => {
  const guest = new FakeGuest([
    { match: probeMatch('file'), once: true, stdout: probeOutput({ file: fileOut(MOTD, { mode: '644', sendContent: false }) }) },
    { match: probeMatch('file'), stdout: probeOutput({ file: fileOut(MOTD, { mode: '640', group: 'wheel', sendContent: false }) }) },
  ])
  const r = await runModule(inline, 'file', 'node1', guest, factsFor('debian'))
  t.same(r.changes, [{ key: 'file', what: 'set mode 0640, group wheel of /etc/motd.d/lab', why: 'the lab gives its content' }])
  t.equal(guest.uploads.length, 1)
})

t.test('a template sees lab, node and nodes; a missing directory is made first', async (t) => {
  const dir = tempDir(t, 'vmlab-file-')
  writeFileSync(join(dir, 'nodes.txt.hbs'), '# {{lab.name}} on {{node.fqdn}}\n{{#each nodes}}{{ip}} {{name}}\n{{/each}}')
  const l = labWith('  - file: { path: /opt/lab/nodes.txt, template: nodes.txt.hbs }')
  const rendered = '# t on node1.localdomain\n192.168.56.10 master\n192.168.56.11 node1\n'
  const guest = new FakeGuest([
    { match: probeMatch('file'), once: true, stdout: probeOutput({ file: fileOut(undefined, { dir: false }) }) },
    { match: probeMatch('file'), stdout: probeOutput({ file: fileOut(rendered, { sendContent: false }) }) },
    { match: /^mkdir /, stdout: '' },
  ])
  const r = await runModule(l, 'file', 'node1', guest, factsFor('debian'), { labDir: dir })
  t.equal(r.status, 'changed', r.reason ?? '')
  t.equal(r.changes[0]!.why, 'rendered from nodes.txt.hbs')
  t.same(guest.uploads, [{ path: '/opt/lab/nodes.txt', data: rendered, mode: 0o644, owner: 'root' }])
  t.same(sent(guest), ['PROBE', 'mkdir -p -- /opt/lab', 'PROBE'])
})

t.test('a template naming something the data lacks fails before touching the node', async (t) => {
  const dir = tempDir(t, 'vmlab-file-')
  writeFileSync(join(dir, 'bad.hbs'), '{{node.hostname}}\n')
  const guest = new FakeGuest([])
  const r = await runModule(labWith('  - file: { path: /etc/x, template: bad.hbs }'), 'file', 'master', guest, factsFor('el9'), { labDir: dir })
  t.equal(r.status, 'failed')
  t.match(r.reason, /^template bad\.hbs: "hostname" not defined/)
  t.same(guest.commands, [])
  const missing = await runModule(labWith('  - file: { path: /etc/x, template: nope.hbs }'), 'file', 'master', guest, factsFor('el9'), { labDir: dir })
  t.match(missing.reason, /cannot read the template nope\.hbs/)
})

t.test('a directory where the file should be fails with the way out', async (t) => {
  const guest = new FakeGuest([{ match: probeMatch('file'), stdout: probeOutput({ file: 'other\n' }) }])
  const r = await runModule(inline, 'file', 'master', guest, factsFor('el7'))
  t.equal(r.status, 'failed')
  t.match(r.reason, /\/etc\/motd\.d\/lab exists but is not a regular file/)
})
