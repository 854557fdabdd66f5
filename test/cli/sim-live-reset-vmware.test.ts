/**
 * The whole command line on the VMware simulator with stand-in guests answering SSH: `lab up` takes the
 * `ready` snapshot with the nodes' memory, and `lab reset` resumes them from it without a boot (the simulator
 * counts boots); with `snapshots: cold` the ready snapshot holds disks only and every reset boots the nodes.
 * (VirtualBox reaches its guests through NAT forwards no stand-in answers: test/engine/live-reset-sim.test.ts
 * covers it below the command line.)
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openSuiteLab, assertNothingLeft, type SuiteOptions } from '../helpers/interrupt-suite.js'
import type { SimLab } from '../helpers/sim-lab.js'

t.setTimeout(1_200_000)

/** The nodes' memory in the lab file test/helpers/sim-lab.ts writes. */
const MEMORY_MIB = 1536

let net = 0
const suite = (snapshots: 'live' | 'cold'): SuiteOptions => ({
  provider: 'vmware',
  name: 'live',
  nodes: ['master', 'node1'],
  installSeconds: 1,
  guests: true,
  snapshots,
  cidr: () => `127.81.${++net}.0/24`,
})

/** Boots of each node's guest so far, from the simulated host's state. */
function boots(lab: SimLab): number[] {
  const counts = (JSON.parse(readFileSync(join(lab.dir, 'state', 'vmware-host.json'), 'utf8')) as { boots?: Record<string, number> }).boots ?? {}
  return ['master', 'node1'].map((n) => Object.entries(counts).find(([vmx]) => vmx.endsWith(`vmlab-live-${n}.vmx`))?.[1] ?? 0)
}

/** The memory state `lab snapshot list --json` gives for `ready`, per node. */
async function readyMemory(lab: SimLab): Promise<number[]> {
  const list = JSON.parse((await lab.run(['snapshot', 'list', '--json'])).stdout) as Array<{ memory?: Record<string, number> }>
  return list.map((n) => n.memory?.ready ?? -1)
}

async function states(lab: SimLab): Promise<string[]> {
  const status = JSON.parse((await lab.run(['status', '--json'])).stdout) as { nodes: Array<{ state: string }> }
  return status.nodes.map((n) => n.state)
}

t.test('live (the default): lab reset resumes every node from the ready snapshot, without a boot', async (t) => {
  const lab = await openSuiteLab(t, suite('live'))
  const up = await lab.run(['up'], 600_000)
  t.equal(up.code, 0, up.stderr)
  const afterUp = boots(lab)
  t.same(afterUp, [1, 1], 'each node booted once, at lab up')
  // The .vmem of a powered-on VM's snapshot is as large as its memory; the .vmsn beside it is added.
  for (const bytes of await readyMemory(lab)) t.ok(bytes >= MEMORY_MIB * 1024 ** 2 && bytes < (MEMORY_MIB + 1) * 1024 ** 2, `ready keeps ${bytes} bytes of memory state`)
  t.match((await lab.run(['snapshot', 'list'])).stdout, /^\s*master\s+clean \(disk only\), ready \(1\.5 GiB\)/m)

  const reset = await lab.run(['reset'])
  t.equal(reset.code, 0, reset.stderr)
  t.match(reset.stdout, /reset master, node1 to "ready"/)
  t.same(await states(lab), ['running', 'running'])
  t.same(boots(lab), afterUp, 'no node booted: they resumed from the memory the snapshot holds')
  const guestLog = readFileSync(join(lab.dir, 'guests', 'commands.log'), 'utf8')
  t.match(guestLog, /date -u -s @\d+/, 'the clocks were stepped')

  t.equal((await lab.run(['destroy', '--force'])).code, 0)
  assertNothingLeft(t, lab, 'live')
})

t.test('snapshots: cold: the ready snapshot is of the disks of nodes shut down, and a reset boots them', async (t) => {
  const lab = await openSuiteLab(t, suite('cold'))
  const up = await lab.run(['up'], 600_000)
  t.equal(up.code, 0, up.stderr)
  t.same(boots(lab), [2, 2], 'booted at lab up, and again after the cold snapshot')
  t.same(await readyMemory(lab), [0, 0], 'a cold ready snapshot keeps no memory')
  t.same(await states(lab), ['running', 'running'], 'the nodes run after lab up')

  const reset = await lab.run(['reset'])
  t.equal(reset.code, 0, reset.stderr)
  t.same(await states(lab), ['running', 'running'])
  t.same(boots(lab), [3, 3], 'every node booted: a cold snapshot has no memory to resume from')

  t.equal((await lab.run(['destroy', '--force'])).code, 0)
  assertNothingLeft(t, lab, 'live')
})
