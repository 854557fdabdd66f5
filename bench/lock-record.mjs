#!/usr/bin/env node
// What the lab lock's record of running processes costs (src/state/lock.ts): every process lab starts is
// written into the lock when it starts and when it ends, so a command after a kill knows what is left running.
// Measures one start-and-end record, and a real short process run with and without the record.
// Usage: npm run build && node bench/lock-record.mjs
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')
const { acquireLock } = await import(join(dist, 'state/lock.js'))
const { run, setRunTracker } = await import(join(dist, 'util/run.js'))

const dir = mkdtempSync(join(tmpdir(), 'vmlab-lock-bench-'))
const lock = await acquireLock(join(dir, 'lock'), 'bench')

const records = 2000
const t0 = performance.now()
for (let i = 0; i < records; i++) lock.track({ pid: process.pid, command: 'VBoxManage showvminfo vmlab-swarm-master --machinereadable' })()
const perRecord = (performance.now() - t0) / records

async function runs(n) {
  const t = performance.now()
  for (let i = 0; i < n; i++) await run('true', [])
  return (performance.now() - t) / n
}
const processes = 200
await runs(20)
const bare = await runs(processes)
setRunTracker(({ pid, command }) => lock.track({ pid, command }))
const recorded = await runs(processes)
setRunTracker(undefined)
await lock.release()
rmSync(dir, { recursive: true, force: true })

console.log(`one start-and-end record: ${(perRecord * 1000).toFixed(0)} µs`)
console.log(`run('true'): ${bare.toFixed(2)} ms bare, ${recorded.toFixed(2)} ms recorded in the lock (+${((recorded - bare) * 1000).toFixed(0)} µs)`)
