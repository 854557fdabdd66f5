/**
 * A hypervisor command a dead holder left running is recorded with its deadline (its start plus its time limit):
 * past it, the next command ends it, as run() would have, instead of waiting up to 10 min for a hung CLI.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hostname } from 'node:os'
import { acquireLock, type LockChild } from '../../src/state/lock.js'
import { procStat, startTicks } from '../../src/util/proc-stat.js'

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await new Promise((r) => child.on('exit', r))
  return child.pid!
}

/** Running, not a zombie waiting for a parent that is gone. */
const alive = (pid: number) => {
  const state = procStat(pid)?.[0]
  return state !== undefined && state !== 'Z'
}

async function ends(pid: number, ms = 3000): Promise<boolean> {
  for (const until = Date.now() + ms; alive(pid); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > until) return false
  return true
}

/** A hung CLI as run() starts it: leading its own process group, with a process of its own under it. */
function hungCli(t: Test, script = 'sleep 30 & echo $! > "$1"; wait') {
  const pidFile = join(t.testdir(), 'grandchild')
  const child = spawn('sh', ['-c', script, 'sh', pidFile], { stdio: 'ignore', detached: true })
  const ended = new Promise((r) => child.on('exit', r))
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // ended
    }
  })
  return {
    child,
    ended,
    grandchild: async () => {
      for (let i = 0; i < 100; i++) {
        try {
          return Number(readFileSync(pidFile, 'utf8'))
        } catch {
          await new Promise((r) => setTimeout(r, 20))
        }
      }
      throw new Error('the hung CLI did not start')
    },
  }
}

function staleLock(path: string, holder: number, children: LockChild[]): void {
  writeFileSync(path, JSON.stringify({ pid: holder, command: 'lab up', host: hostname(), since: 'then', children }))
}

t.test('a left process past its deadline is ended with what it started, said, and the lock taken at once', async (t) => {
  const path = join(t.testdir(), 'lock')
  const cli = hungCli(t)
  const grandchild = await cli.grandchild()
  staleLock(path, await deadPid(), [{ pid: cli.child.pid!, command: 'VBoxManage --version', startTicks: startTicks(cli.child.pid!)!, deadline: new Date(Date.now() - 1000).toISOString() }])
  const told: string[] = []
  const started = Date.now()
  const lock = await acquireLock(path, 'lab up', {
    onWait: (c) => told.push(`wait ${c.map((x) => x.command)}`),
    onOverdue: (c, held) => told.push(`overdue ${c.map((x) => `${x.command} ${x.pid}`)} of ${held.command}`),
    onStale: () => told.push('stale'),
    pollMs: 20,
  })
  t.ok(Date.now() - started < 3000, 'not waited for')
  t.same(told, [`overdue VBoxManage --version ${cli.child.pid} of lab up`, 'stale'], 'told it is ended, not waited for')
  await cli.ended
  t.ok(await ends(grandchild), 'what it started is ended too (its process group)')
  t.match(JSON.parse(readFileSync(path, 'utf8')), { pid: process.pid })
  await lock.release()
})

t.test('a left process within its deadline is waited for until the deadline, then ended', async (t) => {
  const path = join(t.testdir(), 'lock')
  const cli = hungCli(t)
  staleLock(path, await deadPid(), [{ pid: cli.child.pid!, command: 'VBoxManage clonevm base', deadline: new Date(Date.now() + 600).toISOString() }])
  const told: string[] = []
  const started = Date.now()
  const lock = await acquireLock(path, 'lab up', { onWait: () => told.push('wait'), onOverdue: () => told.push('overdue'), pollMs: 20 })
  const took = Date.now() - started
  t.ok(took >= 500 && took < 4000, `waited until the deadline (${took} ms)`)
  t.same(told, ['wait', 'overdue'])
  await lock.release()
})

t.test('an overdue process that ignores SIGTERM gets SIGKILL after a grace; one without a deadline is waited for as before', async (t) => {
  const path = join(t.testdir(), 'lock')
  const stubborn = hungCli(t, 'trap "" TERM; echo $$ > "$1"; while :; do sleep 1; done')
  await stubborn.grandchild()
  const patient = hungCli(t)
  staleLock(path, await deadPid(), [
    { pid: stubborn.child.pid!, command: 'vmrun -T ws list', deadline: new Date(Date.now() - 1).toISOString() },
    { pid: patient.child.pid!, command: 'VBoxManage clonevm base' },
  ])
  const waiting = acquireLock(path, 'lab up', { pollMs: 20 })
  await stubborn.ended
  t.ok(alive(patient.child.pid!), 'the one without a deadline is left alone')
  process.kill(-patient.child.pid!, 'SIGTERM')
  const lock = await waiting
  await lock.release()
})

t.test('track() records the deadline it is given', async (t) => {
  const path = join(t.testdir(), 'lock')
  const lock = await acquireLock(path, 'lab up')
  const deadline = new Date(Date.now() + 30_000).toISOString()
  const ended = lock.track({ pid: process.pid, command: 'VBoxManage list vms', deadline })
  t.match(JSON.parse(readFileSync(path, 'utf8')).children, [{ pid: process.pid, command: 'VBoxManage list vms', deadline }])
  ended()
  await lock.release()
})
