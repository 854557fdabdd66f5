#!/usr/bin/env node
// The provider's part of `lab class up` / `class destroy` for 30 students × 3 nodes over 3 libvirt hosts, on
// libvirt's test:/// driver (no guests boot): placement time, wall time of up and destroy, virsh calls per
// student. Runs test/class/libvirt-class-scale.test.ts, which asserts the behaviour, and prints its figures.
// Usage: node bench/class-libvirt.mjs
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const r = spawnSync('npx', ['tap', '--reporter=tap', 'test/class/libvirt-class-scale.test.ts'], { cwd: root, encoding: 'utf8', env: { ...process.env, VMLAB_BENCH: '1' } })
const figures = r.stdout.split('\n').find((l) => /# plan .* virsh calls/.test(l))
if (r.status !== 0 || !figures) {
  process.stderr.write(r.stdout + r.stderr)
  process.exit(1)
}
console.log(figures.replace(/^\s*# /, ''))
