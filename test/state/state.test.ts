import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync, statSync, readFileSync, existsSync, appendFileSync, readdirSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { hostname } from 'node:os'
import { acquireLock } from '../../src/state/lock.js'
import { startTicks } from '../../src/util/proc-stat.js'
import { Journal } from '../../src/state/journal.js'
import { readState, writeState, type LabState } from '../../src/state/state-file.js'
import { readSecrets, writeSecrets } from '../../src/state/secrets.js'
import { writeFileAtomic } from '../../src/util/files.js'

t.test('a second command on the same lab is refused with the holder', async (t) => {
  const dir = t.testdir({})
  const path = join(dir, 'lock')
  // A live holder: another process.
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' })
  t.teardown(() => child.kill())
  writeFileSync(path, JSON.stringify({ pid: child.pid, command: 'lab up', host: (await import('node:os')).hostname(), since: '2026-01-01T00:00:00Z' }))
  await t.rejects(acquireLock(path, 'lab reset'), /this lab is busy: `lab up` \(PID \d+\) has been running since 2026-01-01/)
  t.ok(existsSync(path), 'the holder keeps its lock')
})

t.test('a stale lock (dead PID) is taken over, with a message', async (t) => {
  const dir = t.testdir({})
  const path = join(dir, 'lock')
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await new Promise((r) => child.on('exit', r))
  writeFileSync(path, JSON.stringify({ pid: child.pid, command: 'lab up', host: (await import('node:os')).hostname(), since: 'then' }))
  let stale: unknown
  const lock = await acquireLock(path, 'lab up', { onStale: (held) => (stale = held) })
  t.match(stale, { pid: child.pid, command: 'lab up' })
  t.match(JSON.parse(readFileSync(path, 'utf8')), { pid: process.pid, command: 'lab up' })
  await lock.release()
  t.notOk(existsSync(path), 'released')
})

t.test('lock taken and released in turn', async (t) => {
  const path = join(t.testdir({}), 'sub', 'lock')
  const a = await acquireLock(path, 'one')
  await t.rejects(acquireLock(path, 'two'), /busy: `one`/)
  await a.release()
  const b = await acquireLock(path, 'two')
  await b.release()
})

/** A process that lives `seconds` (or until killed), and a promise of its end. */
function sleeper(seconds: number) {
  const child = spawn('sleep', [String(seconds)], { stdio: 'ignore' })
  const ended = new Promise((r) => child.on('exit', r))
  return { child, ended }
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await new Promise((r) => child.on('exit', r))
  return child.pid!
}

t.test('the lock records the processes its holder runs, and forgets each as it ends', async (t) => {
  const path = join(t.testdir({}), 'lock')
  const lock = await acquireLock(path, 'lab up')
  const read = () => JSON.parse(readFileSync(path, 'utf8')) as { pid: number; children?: Array<{ pid: number; command: string }> }
  t.same(read().children, undefined, 'none at first')
  const untrackA = lock.track({ pid: 101, command: 'VBoxManage clonevm base' })
  const untrackB = lock.track({ pid: 102, command: 'vmrun list' })
  t.same(
    read().children?.map((c) => c.pid),
    [101, 102],
  )
  t.equal(read().pid, process.pid, 'the holder is still this process')
  untrackA()
  t.same(
    read().children?.map((c) => c.command),
    ['vmrun list'],
  )
  untrackB()
  t.same(read().children, undefined)
  t.same(readdirSync(dirname(path)), ['lock'], 'no temporary file left beside the lock')
  await lock.release()
  t.notOk(existsSync(path))
})

t.test('a stale lock whose holder left a hypervisor command running: the next command waits for it, then takes over', async (t) => {
  const path = join(t.testdir({}), 'lock')
  const holder = await deadPid()
  const { child, ended } = sleeper(30)
  t.teardown(() => child.kill())
  writeFileSync(path, JSON.stringify({ pid: holder, command: 'lab up', host: hostname(), since: 'then', children: [{ pid: child.pid, command: 'sleep 30', startTicks: startTicks(child.pid!) }] }))
  const told: string[] = []
  let taken = false
  const acquiring = acquireLock(path, 'lab destroy', {
    onWait: (children, held) => told.push(`wait ${held.command}: ${children.map((c) => `${c.command} ${c.pid}`).join()}`),
    onStale: (held) => told.push(`stale ${held?.command}`),
    pollMs: 20,
  }).then((lock) => {
    taken = true
    return lock
  })
  await new Promise((r) => setTimeout(r, 400))
  t.notOk(taken, 'not taken while the left process runs')
  t.same(told, [`wait lab up: sleep 30 ${child.pid}`], 'told once that it waits')
  child.kill()
  await ended
  const lock = await acquiring
  t.same(told, [`wait lab up: sleep 30 ${child.pid}`, 'stale lab up'], 'then that it takes over')
  t.match(JSON.parse(readFileSync(path, 'utf8')), { pid: process.pid, command: 'lab destroy' })
  await lock.release()
})

t.test('two commands waiting on the same left process: one takes the lock, the other is told the lab is busy', async (t) => {
  const path = join(t.testdir({}), 'lock')
  const holder = await deadPid()
  const { child, ended } = sleeper(30)
  t.teardown(() => child.kill())
  writeFileSync(path, JSON.stringify({ pid: holder, command: 'lab up', host: hostname(), since: 'then', children: [{ pid: child.pid, command: 'sleep 30' }] }))
  const both = Promise.allSettled([acquireLock(path, 'lab up', { pollMs: 20 }), acquireLock(path, 'lab destroy', { pollMs: 35 })])
  // Both are waiting by now; then the left process ends.
  await new Promise((r) => setTimeout(r, 300))
  child.kill()
  await ended
  const results = await both
  const taken = results.filter((r) => r.status === 'fulfilled')
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  t.equal(taken.length, 1, 'one of them has the lock')
  t.equal(refused.length, 1)
  t.match(String(refused[0]?.reason), /this lab is busy/)
  t.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid, "the lock is the winner's, not removed by the other")
  await (taken[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release()
})

t.test('a left process that outlives the wait: a clear error, and the lock is left as it was', async (t) => {
  const path = join(t.testdir({}), 'lock')
  const { child } = sleeper(30)
  t.teardown(() => child.kill())
  const before = JSON.stringify({ pid: await deadPid(), command: 'lab up', host: hostname(), since: 'then', children: [{ pid: child.pid, command: 'sleep 30' }] })
  writeFileSync(path, before)
  await t.rejects(acquireLock(path, 'lab up', { waitMs: 200, pollMs: 20 }), {
    message: new RegExp(`\`sleep 30\` \\(PID ${child.pid}\\), started by \`lab up\` \\(PID \\d+\\) before it stopped, is still running`),
    hint: new RegExp(`kill ${child.pid}\\), then run the command again`),
  })
  t.equal(readFileSync(path, 'utf8'), before, 'the stale lock is untouched')
})

t.test('recorded processes that ended, or whose PID now belongs to another program, are not waited for', async (t) => {
  const path = join(t.testdir({}), 'lock')
  const { child } = sleeper(30)
  t.teardown(() => child.kill())
  // A live PID that started at another time than the one recorded: the system gave the PID to another process.
  const children = [
    { pid: await deadPid(), command: 'sleep 1' },
    { pid: child.pid, command: 'VBoxManage clonevm', startTicks: startTicks(child.pid!)! - 1 },
  ]
  writeFileSync(path, JSON.stringify({ pid: await deadPid(), command: 'lab up', host: hostname(), since: 'then', children }))
  let waited = false
  const lock = await acquireLock(path, 'lab up', { onWait: () => (waited = true), waitMs: 5000 })
  t.notOk(waited, 'taken over without waiting')
  await lock.release()
})

t.test('a damaged lock, or damaged process entries in it, is taken over as stale without waiting', async (t) => {
  const dead = await deadPid()
  for (const body of [
    '{"pid": ' + dead + ', "command": "lab up", "host": "' + hostname() + '", "since": "then", "children": "x"}',
    '{"pid": ' + dead + ', "command": "lab up", "host": "' + hostname() + '", "since": "then", "children": [{"pid": "1"}, null, {"pid": -1, "command": "x"}]}',
    'null',
    '{not json',
  ]) {
    const path = join(t.testdir({}), 'lock')
    writeFileSync(path, body)
    let waited = false
    const lock = await acquireLock(path, 'lab up', { onWait: () => (waited = true), waitMs: 200 })
    t.notOk(waited, `not waited on: ${body}`)
    t.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid)
    await lock.release()
  }
})

t.test('a holder stopped while its command still runs leaves the lock for the next command to wait on', async (t) => {
  const path = join(t.testdir({}), 'lock')
  const lock = await acquireLock(path, 'lab up')
  const { child, ended } = sleeper(30)
  t.teardown(() => child.kill())
  lock.track({ pid: child.pid!, command: 'sleep 30' })
  t.same(
    lock.running().map((c) => c.pid),
    [child.pid],
  )
  t.equal(JSON.parse(readFileSync(path, 'utf8')).children[0].startTicks, startTicks(child.pid!), 'recorded with its start time')
  await lock.release()
  t.ok(existsSync(path), 'kept while the command runs')
  child.kill()
  await ended
  t.same(lock.running(), [])
  await lock.release()
  t.notOk(existsSync(path), 'freed once it has ended')
})

t.test('journal: appends in order, ignores a torn last line, knows finished steps', async (t) => {
  const j = new Journal(join(t.testdir({}), 'journal.jsonl'))
  await j.append({ step: 'network', phase: 'start' })
  await j.append({ step: 'network', phase: 'done', data: { id: 'vboxnet0' } })
  await j.append({ step: 'clone:master', phase: 'start' })
  appendFileSync(j.path, '{"at":"x","step":"clone:no')
  const entries = await j.read()
  t.same(
    entries.map((e) => `${e.step}/${e.phase}`),
    ['network/start', 'network/done', 'clone:master/start'],
  )
  t.same([...(await j.done())], ['network'])
})

t.test('state file round trip, and a damaged one is a clear error with a way out', async (t) => {
  const dir = t.testdir({})
  const path = join(dir, 'state.json')
  t.equal(await readState(path), undefined)
  const s: LabState = { version: 1, lab: 'swarm', provider: 'qemu', nodes: {}, snapshots: [], stages: {}, createdAt: 'now', updatedAt: 'now' }
  await writeState(path, s)
  t.match(await readState(path), { lab: 'swarm', provider: 'qemu' })
  writeFileSync(path, '{"version":1,"lab":')
  await t.rejects(readState(path), /state file .* is damaged: it ends early, at byte 19: it was cut off/)
  writeFileSync(path, '{"version":1,\n "lab": x}')
  await t.rejects(readState(path), /state file .* is damaged: it is not valid JSON/)
  try {
    writeFileSync(path, JSON.stringify({ version: 7 }))
    await readState(path)
  } catch (err) {
    t.match((err as { hint?: string }).hint, /lab destroy --force/)
  }
})

t.test('secrets are written 0600 from the start', async (t) => {
  const path = join(t.testdir({}), 'deep', 'secrets.json')
  await writeSecrets(path, { rootPasswordHash: '$6$x$y', userPasswordHash: '$6$x$z', rootPassword: 'pw', services: {} })
  t.equal(statSync(path).mode & 0o777, 0o600)
  t.equal((await readSecrets(path))?.rootPassword, 'pw')
})

t.test('atomic write leaves no temporary file and replaces whole', async (t) => {
  const dir = t.testdir({ 'f.txt': 'old' })
  await writeFileAtomic(join(dir, 'f.txt'), 'new', 0o640)
  t.equal(readFileSync(join(dir, 'f.txt'), 'utf8'), 'new')
  t.equal(statSync(join(dir, 'f.txt')).mode & 0o777, 0o640)
  t.same((await import('node:fs')).readdirSync(dir), ['f.txt'])
})
