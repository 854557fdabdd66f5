import t from 'tap'
import { FakeGuest } from '../helpers/fake-guest.js'
import { FAMILIES, factsFor, labWith, probeMatch, probeOutput, runModule, sent } from '../helpers/module-run.js'

const guarded = labWith('  - exec: { command: "useradd -m student && touch /var/lib/student.done", creates: /var/lib/student.done }')

for (const family of FAMILIES) {
  t.test(`${family}: runs while the creates path is missing, then never again`, async (t) => {
    const guest = new FakeGuest([
      { match: probeMatch('creates'), once: true, stdout: probeOutput({ creates: { out: '', code: 1 } }) },
      { match: probeMatch('creates'), stdout: probeOutput({ creates: { out: '', code: 0 } }) },
      { match: /^sh -c /, stdout: '' },
    ])
    const r = await runModule(guarded, 'exec', 'node1', guest, factsFor(family))
    t.equal(r.status, 'changed', r.reason ?? '')
    t.same(r.changes, [{ key: 'run', what: 'run `useradd -m student && touch /var/lib/student.done`', why: '/var/lib/student.done does not exist' }])
    t.same(sent(guest), ['PROBE', "sh -c 'useradd -m student && touch /var/lib/student.done'", 'PROBE'])

    const again = new FakeGuest([{ match: probeMatch('creates'), stdout: probeOutput({ creates: { out: '', code: 0 } }) }])
    const second = await runModule(guarded, 'exec', 'node1', again, factsFor(family))
    t.equal(second.status, 'ok')
    t.same(sent(again), ['PROBE'], 'one probe, no verify')
  })
}

t.test('creates and unless are asked in one round trip; unless exiting 0 skips the command', async (t) => {
  const l = labWith('  - exec: { command: [systemctl, set-default, multi-user.target], creates: /nonexistent, unless: "systemctl get-default | grep -qx multi-user.target" }')
  const guest = new FakeGuest([{ match: probeMatch('creates'), stdout: probeOutput({ creates: { out: '', code: 1 }, unless: { out: '', code: 0 } }) }])
  const r = await runModule(l, 'exec', 'master', guest, factsFor('el9'))
  t.equal(r.status, 'ok')
  t.equal(guest.commands.length, 1)
  t.match(guest.commands[0], /sh -c 'systemctl get-default \| grep -qx multi-user\.target' >\/dev\/null 2>&1 <\/dev\/null/)
})

t.test('an argv command is sent word by word; unless failing says so', async (t) => {
  const l = labWith('  - exec: { command: [timedatectl, set-timezone, "Europe/Paris"], unless: "timedatectl show -p Timezone --value | grep -qx Europe/Paris" }')
  const guest = new FakeGuest([
    { match: probeMatch('unless'), stdout: probeOutput({ unless: { out: '', code: 1 } }) },
    { match: 'timedatectl set-timezone Europe/Paris', stdout: '' },
  ])
  const r = await runModule(l, 'exec', 'master', guest, factsFor('el8'))
  t.equal(r.status, 'changed', r.reason ?? '')
  t.match(r.changes[0]!.why, /exited with 1$/)
  t.same(sent(guest), ['PROBE', 'timedatectl set-timezone Europe/Paris'], 'no verify without creates')
})

t.test('without a guard it runs every time, with no probe at all', async (t) => {
  const l = labWith('  - exec: { command: "chronyc makestep" }')
  for (let run = 0; run < 2; run++) {
    const guest = new FakeGuest([{ match: "sh -c 'chronyc makestep'", stdout: '200 OK\n' }])
    const r = await runModule(l, 'exec', 'master', guest, factsFor('debian'))
    t.equal(r.status, 'changed')
    t.equal(r.changes[0]!.why, 'it has no creates/unless guard, so it runs every time')
    t.same(sent(guest), ["sh -c 'chronyc makestep'"])
  }
})

t.test('a failing command fails the node with its stderr', async (t) => {
  const guest = new FakeGuest([
    { match: probeMatch('creates'), stdout: probeOutput({ creates: { out: '', code: 1 } }) },
    { match: /^sh -c /, code: 9, stderr: "useradd: user 'student' already exists\n" },
  ])
  const r = await runModule(guarded, 'exec', 'node1', guest, factsFor('el7'))
  t.equal(r.status, 'failed')
  t.match(r.reason, /exited with 9:\nuseradd: user 'student' already exists/)
})

t.test('a command that does not make its creates path fails verify', async (t) => {
  const guest = new FakeGuest([
    { match: probeMatch('creates'), stdout: probeOutput({ creates: { out: '', code: 1 } }) },
    { match: /^sh -c /, stdout: '' },
  ])
  const r = await runModule(guarded, 'exec', 'node1', guest, factsFor('el9'))
  t.equal(r.status, 'failed')
  t.match(r.reason, /ran but \/var\/lib\/student\.done still does not exist/)
})

t.test('--check reports the run without running', async (t) => {
  const guest = new FakeGuest([{ match: probeMatch('creates'), stdout: probeOutput({ creates: { out: '', code: 1 } }) }])
  const r = await runModule(guarded, 'exec', 'node1', guest, factsFor('debian'), { check: true })
  t.equal(r.status, 'changed')
  t.same(sent(guest), ['PROBE'])
})
