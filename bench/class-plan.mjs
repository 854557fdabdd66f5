#!/usr/bin/env node
// `lab class plan` for 30 students × 3 nodes over 3 hosts, as a teacher runs it (the whole CLI: start-up,
// class file, lab file, roster, placement, table); the goal is ≤ 1 s. Also the placement function alone.
// Usage: npm run build && node bench/class-plan.mjs [runs]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist/cli/main.js')
const runs = Number(process.argv[2] ?? 10)
const dir = mkdtempSync(join(tmpdir(), 'vmlab-class-plan-'))
writeFileSync(
  join(dir, 'lab.yaml'),
  'name: swarm\nos: rocky9\nnetwork: { cidr: 192.168.56.0/24 }\ndefaults: { cpus: 1, memory: 2048, disk: 10 }\nnodes: [{ name: master }, { name: node1 }, { name: node2 }]\n',
)
writeFileSync(
  join(dir, 'class.yaml'),
  `lab: lab.yaml\npool: 10.60.0.0/16\nhosts:\n${[1, 2, 3].map((i) => `  - { name: srv${i}, provider: libvirt, connection: qemu+ssh://lab@srv${i}/system, memory: 65536, cpus: 32 }`).join('\n')}\n`,
)
writeFileSync(join(dir, 'roster.csv'), `id,name,email\n${Array.from({ length: 30 }, (_, i) => `s${i},Student ${i},s${i}@school.example`).join('\n')}\n`)

const times = []
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [bin, 'class', 'plan', 'roster.csv'], { cwd: dir, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`class plan exited ${r.status}: ${r.stderr}`)
  times.push(Number(process.hrtime.bigint() - t0) / 1e6)
}
times.sort((a, b) => a - b)

const { place } = await import(join(root, 'dist/class/placement.js'))
const hosts = [1, 2, 3].map((i) => ({ name: `srv${i}`, memory: 65536, cpus: 32 }))
const demands = Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, memory: 6144, cpus: 3 }))
const t0 = process.hrtime.bigint()
for (let i = 0; i < 1000; i++) place(hosts, demands)
const placeUs = Number(process.hrtime.bigint() - t0) / 1e3 / 1000

rmSync(dir, { recursive: true, force: true })
const median = times[Math.floor(times.length / 2)]
console.log(`lab class plan, 30 students × 3 nodes over 3 hosts: median ${median.toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times.at(-1).toFixed(0)} ms (${runs} runs; goal ≤ 1000 ms)`)
console.log(`place() alone: ${placeUs.toFixed(1)} µs per plan`)
