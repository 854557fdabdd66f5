/**
 * waitForFileLock: for work a live holder may be doing for us too (the same image built by two labs at once),
 * the holder is waited for, not refused; a dead holder's lock is taken over at once, as acquireFileLock does.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { acquireFileLock, waitForFileLock } from '../../src/state/lock.js'
import { LabError } from '../../src/util/errors.js'

t.test('a live holder is waited for until it frees the lock; the waiter is told once who it waits for', async (t) => {
  const path = join(t.testdir({}), 'image.lock')
  const held = await acquireFileLock(path, 'build of the debian12 image', () => new LabError('busy'))
  const told: string[] = []
  const started = Date.now()
  setTimeout(() => void held.release(), 700)
  const mine = await waitForFileLock(path, 'second build', { pollMs: 50, onWait: (h) => told.push(`${h.pid} ${h.command}`) })
  t.ok(Date.now() - started >= 650, 'it waited for the holder')
  t.same(told, [`${process.pid} build of the debian12 image`])
  await mine.release()
  t.notOk(existsSync(path), 'freed')
})

t.test('a holder that keeps the lock past waitMs is named in the error, with what to do', async (t) => {
  const path = join(t.testdir({}), 'image.lock')
  const held = await acquireFileLock(path, 'build of the debian12 image', () => new LabError('busy'))
  t.teardown(() => held.release())
  await t.rejects(waitForFileLock(path, 'second build', { pollMs: 20, waitMs: 150 }), {
    name: 'LabError',
    message: new RegExp(`^build of the debian12 image \\(pid ${process.pid} on .+\\) has held ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} since `),
    hint: /stop it; if no lab process runs any more, delete/,
  })
})

t.test('the lock of a process that is gone is taken over without waiting', async (t) => {
  const path = join(t.testdir({}), 'image.lock')
  const child = spawn(process.execPath, ['-e', '0'])
  const pid = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)))
  writeFileSync(path, JSON.stringify({ pid, command: 'build of the debian12 image', host: (await import('node:os')).hostname(), since: new Date().toISOString() }))
  let told = 0
  const started = Date.now()
  const mine = await waitForFileLock(path, 'second build', { pollMs: 1000, onWait: () => told++ })
  t.equal(told, 0)
  t.ok(Date.now() - started < 900, 'no poll was waited')
  await mine.release()
})
