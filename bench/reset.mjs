#!/usr/bin/env node
// `lab reset` of the 3-node swarm of labs/debian-swarm.yaml on QEMU, warm (issue #19: ≤ 10 s), and the
// memory state each node's live "ready" snapshot keeps (goal ≤ 100 MiB per idle node).
//   lab up once, then RESETS resets (default 3) one after the other, each timed with its stages
//   (restore, clocks, verify) as `lab reset` prints them; the vm-state size per node and snapshot is read
//   with `qemu-img snapshot -U -l` (the VMs run: -U reads without the write lock).
// Usage: npm run build && node bench/reset.mjs            (RESETS=5 node bench/reset.mjs)
// (Linux, the packages of .ci/apt-packages.txt, root for the first image build; ~10 min under emulation.)
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bin = join(root, 'dist/cli/main.js')
const work = mkdtempSync(join(tmpdir(), 'vmlab-bench-reset-'))
const qemuDir = join(work, 'qemu')
const env = { ...process.env, VMLAB_QEMU_DIR: qemuDir, NO_COLOR: '1' }
const resets = Number(process.env.RESETS ?? 3)

function lab(...args) {
  const t0 = process.hrtime.bigint()
  // Progress goes to stderr, the result to stdout: the stage times are read from both.
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 << 20 })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (r.status !== 0) throw new Error(`lab ${args.join(' ')} failed (${r.status}):\n${r.stderr.split('\n').slice(-30).join('\n')}`)
  return { seconds, out: `${r.stdout}\n${r.stderr}` }
}

/** "restore ready done (1.3 s)" → { 'restore ready': 1.3, … }: the stage lines `lab reset` prints. */
function stages(text) {
  const out = {}
  for (const m of text.matchAll(/^\S+ (restore \S+|clocks|verify) done \(([\d.]+) s\)$/gm)) out[m[1]] = Number(m[2])
  return out
}

/** vm-state bytes per snapshot tag of every node's disk. */
function vmStates() {
  const out = {}
  for (const vm of readdirSync(join(qemuDir, 'vms')).filter((d) => /-(master|node\d)$/.test(d))) {
    const info = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output=json', join(qemuDir, 'vms', vm, 'disk.qcow2')], { encoding: 'utf8' }))
    out[vm] = Object.fromEntries((info.snapshots ?? []).map((s) => [s.name, s['vm-state-size']]))
  }
  return out
}

const mib = (b) => (b / 1024 ** 2).toFixed(0)
copyFileSync(join(root, 'labs', 'debian-swarm.yaml'), join(work, 'lab.yaml'))
mkdirSync(join(work, 'images'))
execFileSync(process.execPath, [join(root, 'scripts', 'busybox-image.mjs'), join(work, 'images', 'busybox-rootfs.tar')])
try {
  let up
  try {
    up = lab('up')
  } catch (err) {
    // On a loaded machine a swarm's replicas can miss the module's time limit; finished steps are not redone.
    console.log(`lab up failed once, run again: ${err.message.split('\n').at(-3)}`)
    up = lab('up')
  }
  console.log(`lab up (3 nodes, swarm): ${up.seconds.toFixed(1)} s`)
  for (const [vm, snaps] of Object.entries(vmStates())) {
    console.log(
      `  ${vm}: ${Object.entries(snaps)
        .map(([tag, b]) => `${tag} ${mib(b)} MiB memory state`)
        .join(', ')}`,
    )
  }
  const times = []
  for (let i = 1; i <= resets; i++) {
    const r = lab('reset')
    times.push(r.seconds)
    const s = stages(r.out)
    console.log(
      `lab reset #${i}: ${r.seconds.toFixed(1)} s  (${Object.entries(s)
        .map(([k, v]) => `${k} ${v} s`)
        .join(', ')})`,
    )
  }
  const warm = times.slice(1).length ? times.slice(1) : times
  console.log(`warm reset, 3 nodes: median ${warm.sort((a, b) => a - b)[Math.floor(warm.length / 2)].toFixed(1)} s (goal ≤ 10 s)`)
} finally {
  try {
    lab('destroy', '--force', '--purge')
  } catch {
    // already gone
  }
  rmSync(work, { recursive: true, force: true })
}
