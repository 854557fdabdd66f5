import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync, statSync, readFileSync, existsSync, appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { acquireLock } from '../../src/state/lock.js'
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
  const lock = await acquireLock(path, 'lab up', (held) => (stale = held))
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

t.test('journal: appends in order, ignores a torn last line, knows finished steps', async (t) => {
  const j = new Journal(join(t.testdir({}), 'journal.jsonl'))
  await j.append({ step: 'network', phase: 'start' })
  await j.append({ step: 'network', phase: 'done', data: { id: 'vboxnet0' } })
  await j.append({ step: 'clone:master', phase: 'start' })
  appendFileSync(j.path, '{"at":"x","step":"clone:no')
  const entries = await j.read()
  t.same(entries.map((e) => `${e.step}/${e.phase}`), ['network/start', 'network/done', 'clone:master/start'])
  t.same([...(await j.done())], ['network'])
})

t.test('state file round trip, and a damaged one is a clear error with a way out', async (t) => {
  const dir = t.testdir({})
  const path = join(dir, 'state.json')
  t.equal(await readState(path), undefined)
  const s: LabState = { version: 1, lab: 'swarm', provider: 'qemu', nodes: {}, snapshots: [], createdAt: 'now', updatedAt: 'now' }
  await writeState(path, s)
  t.match(await readState(path), { lab: 'swarm', provider: 'qemu' })
  writeFileSync(path, '{"version":1,"lab":')
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
