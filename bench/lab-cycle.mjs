#!/usr/bin/env node
// Lab life-cycle figures on QEMU (issue: lifecycle, "Speed"): with the base image cached,
//   1-node `lab up` vs 3-node `lab up` (target: 3 nodes ≤ 1.5× one node),
//   `lab reset` of 3 nodes vs a fresh 3-node `lab up` (target ≤ 0.1×),
//   a second `lab up` on a finished lab, and the disk each linked clone adds (target ≤ 100 MB).
// Usage: npm run build && node bench/lab-cycle.mjs
// (Linux, root for the first image build; takes about half an hour under software emulation.)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir, availableParallelism } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist/cli/main.js')
const work = mkdtempSync(join(tmpdir(), 'vmlab-bench-'))
const env = { ...process.env, VMLAB_QEMU_DIR: join(work, 'qemu'), NO_COLOR: '1' }

function lab(dir, ...args) {
  const t0 = process.hrtime.bigint()
  execFileSync(process.execPath, [bin, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
  return Number(process.hrtime.bigint() - t0) / 1e9
}

/** A Debian lab with the modules every course lab starts with (hosts, chrony); `nodes` sets its size. */
function labDir(name, nodes) {
  const dir = join(work, name)
  const lines = [
    `name: ${name}`,
    'os: debian12',
    'provider: qemu',
    'network: { cidr: 192.168.56.0/24 }',
    'defaults: { cpus: 1, memory: 768, disk: 4 }',
    'nodes:',
    ...nodes.map((n, i) => `  - { name: ${n}, ip: 192.168.56.${10 + i} }`),
    'modules:',
    '  - hosts',
    '  - chrony: { server: master }',
    '',
  ]
  mkdirSync(dir)
  writeFileSync(join(dir, 'lab.yaml'), lines.join('\n'))
  return dir
}

/**
 * CPU seconds the lab's VMs have used so far (user + system of their QEMU processes): under software
 * emulation booting is mostly guest CPU, so n nodes on fewer cores than n cannot come up faster than their
 * CPU time divided by the cores, whatever the tool does.
 */
function vmCpuSeconds(labName) {
  let ticks = 0
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`vmlab-${labName}-`)) continue
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100
}

const one = labDir('bench-one', ['master'])
const three = labDir('bench-three', ['master', 'node1', 'node2'])
try {
  // Warm the image cache so both measurements start from a cached base.
  lab(one, 'up')
  lab(one, 'destroy', '--force')
  const up1 = lab(one, 'up')
  const cpu1 = vmCpuSeconds('bench-one')
  lab(one, 'destroy', '--force')
  const up3 = lab(three, 'up')
  const cpu3 = vmCpuSeconds('bench-three')
  const again = lab(three, 'up')
  const reset = lab(three, 'reset')
  const status = JSON.parse(execFileSync(process.execPath, [bin, 'status', '--json'], { cwd: three, env, encoding: 'utf8' }))
  const mib = (b) => (b / 1024 ** 2).toFixed(0)
  const perClone = status.nodes.map((n) => `${mib(n.diskBytes - (n.snapshotMemoryBytes ?? 0))} + ${mib(n.snapshotMemoryBytes ?? 0)}`)
  console.log(`lab up, 1 node (cached base):  ${up1.toFixed(1)} s`)
  console.log(`lab up, 3 nodes (cached base): ${up3.toFixed(1)} s  (${(up3 / up1).toFixed(2)}× one node; target ≤ 1.5×)`)
  const cores = availableParallelism()
  console.log(
    `VMs' CPU time during up:       1 node ${cpu1.toFixed(1)} s, 3 nodes ${cpu3.toFixed(1)} s; on ${cores} cores 3 nodes need at least ${(cpu3 / cores).toFixed(1)} s (${(cpu3 / cores / up1).toFixed(2)}× one node's up)`,
  )
  console.log(`second lab up, 3 nodes:        ${again.toFixed(1)} s`)
  console.log(`lab reset, 3 nodes:            ${reset.toFixed(1)} s  (${(reset / up3).toFixed(2)}× a fresh up; target ≤ 0.1×)`)
  console.log(`disk per linked clone:         ${perClone.join(', ')} MiB (own disk + "ready" snapshot memory; target ≤ 100 MB); base ${mib(status.base.diskBytes)} MiB`)
} finally {
  for (const dir of [one, three]) {
    try {
      lab(dir, 'destroy', '--force', '--purge')
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true })
}
