/** The host precheck of `lab up`: memory, disk (dynamic disks and linked clones counted as they grow) and CPUs against the host's figures. */
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BASE_WRITE_GIB, CLONE_WRITE_GIB, hostFit, type FitNode, type HostFigures } from '../../src/engine/host-fit.js'
import { hostFigures } from '../../src/engine/host-figures.js'

const node = (name: string, o: Partial<FitNode> = {}): FitNode => ({ name, cpus: 2, memory: 2048, disk: 20, exists: false, running: false, ...o })
const swarm = { nodes: [node('master'), node('node1'), node('node2')], baseExists: false, baseDisk: 20, liveSnapshots: false }
const host = (o: Partial<HostFigures> = {}): HostFigures => ({ freeMemoryMiB: 16384, freeDiskMiB: 200 * 1024, diskPath: '/vms', cpus: 8, ...o })

t.test('a roomy machine: no error, no warning; the need as counted', async (t) => {
  const fit = hostFit(swarm, host())
  t.same([fit.errors, fit.warnings], [[], []])
  t.same(fit.need, { memoryMiB: 6144, diskMiB: (BASE_WRITE_GIB + 3 * CLONE_WRITE_GIB) * 1024, diskMaxMiB: 80 * 1024, cpus: 6, largestCpus: 2 })
})

t.test('too little memory: an error with both numbers; a near miss a warning', async (t) => {
  const short = hostFit(swarm, host({ freeMemoryMiB: 4000 }))
  t.match(short.errors, [/not enough free memory: 3 nodes to start need 6144 MiB, this machine has 4000 MiB free/])
  const tight = hostFit(swarm, host({ freeMemoryMiB: 6500 }))
  t.same(tight.errors, [])
  t.match(tight.warnings, [/memory is tight: 3 nodes to start need 6144 MiB of the 6500 MiB free/])
})

t.test('running nodes take no more memory; existing ones write no more disk; a reused base writes nothing', async (t) => {
  const again = hostFit({ ...swarm, baseExists: true, nodes: swarm.nodes.map((n) => ({ ...n, exists: true, running: n.name !== 'node2' })) }, host({ freeMemoryMiB: 3000, freeDiskMiB: 10 }))
  t.same([again.errors, again.warnings], [[], []])
  t.same([again.need.memoryMiB, again.need.diskMiB, again.need.cpus], [2048, 0, 2])
})

t.test('disk: linked clones count their own writes, not their full size; the full sizes only warn', async (t) => {
  // 7 GiB are written (4 base + 3 clones); the disks may grow to 80 GiB.
  const fits = hostFit(swarm, host({ freeDiskMiB: 30 * 1024 }))
  t.same(fits.errors, [])
  t.match(fits.warnings, [/disk may run short in \/vms: 30\.0 GiB free, the lab writes about 7168 MiB and its disks may grow to 80\.0 GiB/])
  const short = hostFit(swarm, host({ freeDiskMiB: 5 * 1024 }))
  t.match(short.errors, [/not enough free disk in \/vms: the lab writes about 7168 MiB there, 5120 MiB is free/])
  // Live snapshots keep each new node's memory on disk.
  t.equal(hostFit({ ...swarm, liveSnapshots: true }, host()).need.diskMiB, 7 * 1024 + 6144)
})

t.test('CPUs: a node with more than the host has is an error, the sum over the host a warning', async (t) => {
  t.match(hostFit({ ...swarm, nodes: [node('big', { cpus: 12 })] }, host()).errors, [/node big asks for 12 CPUs, this machine has 8/])
  const shared = hostFit(swarm, host({ cpus: 2 }))
  t.same(shared.errors, [])
  t.match(shared.warnings, [/3 nodes to start have 6 CPUs between them on this machine's 2/])
})

t.test('the host figures are read, for a folder that does not exist yet too', async (t) => {
  const f = await hostFigures(join(mkdtempSync(join(tmpdir(), 'fit-')), 'not', 'yet'))
  t.ok(f.freeMemoryMiB > 0 && f.freeDiskMiB > 0 && f.cpus >= 1, JSON.stringify(f))
})
