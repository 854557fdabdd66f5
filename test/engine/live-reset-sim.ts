/**
 * `lab reset` through the simulators, below the command line: the `ready` snapshot of a running lab is taken
 * at one instant (every node paused, snapshotted, resumed) with the nodes' memory, and the reset resumes the
 * nodes from it without a boot. With `snapshots: cold` the nodes are shut down for a disk-only snapshot, and
 * every reset boots them. The simulators count the guests' boots. Used by live-reset-virtualbox.test.ts and
 * live-reset-vmware.test.ts (one file per hypervisor, so that each stays well inside its time limit).
 */
import type { Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { restoreLabSnapshot, takeLabSnapshot } from '../../src/engine/instant-snapshot.js'
import type { LabContext } from '../../src/engine/lab-context.js'
import type { ResolvedNode } from '../../src/lab/resolve.js'
import type { NetworkHandle, Provider } from '../../src/providers/provider.js'
import * as vbox from '../providers/virtualbox-sim-helpers.js'
import * as vmware from '../providers/vmware-sim-helpers.js'

// Two nodes show the one instant as well as three, in two thirds of the simulator calls.
const NODES = ['master', 'node1'] as const
const vmOf = (node: string) => `vmlab-demo-${node}`

export interface Host {
  provider: Provider
  /** The argv of every hypervisor call so far, joined by spaces. */
  calls(): string[]
  /** How many times each node's guest has booted (a resume from saved memory is no boot). */
  boots(): number[]
}

/** `hostOs`: the simulator answers as VirtualBox on that host does (program name, paths, host-only networks). */
export async function virtualbox(t: Test, version: string, hostOs: 'linux' | 'darwin' | 'windows' = 'linux'): Promise<Host> {
  const h = vbox.simHost(t, { VMLAB_SIM_VBOX_VERSION: version, VMLAB_SIM_HOST_OS: hostOs })
  const p = h.provider({ labNetwork: vbox.LAB_NET })
  const net = await p.ensureNetwork(vbox.LAB_NET)
  await p.createBase(vbox.baseSpec(h, net))
  for (const [i, n] of NODES.entries()) await p.cloneLinked({ ...vbox.cloneSpec(h, net, n, i), forwards: [] })
  const machines = () => (JSON.parse(readFileSync(join(h.root, 'state', 'vbox-state.json'), 'utf8')) as { machines: Array<{ name: string; boots: number }> }).machines
  return {
    provider: p,
    calls: () => h.calls.map((c) => c.join(' ')),
    boots: () => NODES.map((n) => machines().find((m) => m.name === vmOf(n))!.boots),
  }
}

export async function vmwareHost(t: Test, product: 'ws' | 'fusion'): Promise<Host> {
  // Fusion runs on macOS only: the simulator answers with a Mac's paths and texts there.
  const h = vmware.simHost(t, { VMLAB_SIM_VMWARE_PRODUCT: product, VMLAB_SIM_HOST_OS: product === 'fusion' ? 'darwin' : 'linux', VMLAB_SIM_LOCK_SECONDS: '0.2' })
  const calls: string[] = []
  const runner = { dryRun: false, run: (file: string, args: readonly string[], opts?: object) => (calls.push(args.join(' ')), h.runner.run(file, args, opts)) }
  const p = h.provider({ runner, ...(product === 'fusion' ? { platform: 'darwin' as const } : {}) })
  const net: NetworkHandle = await p.ensureNetwork({ lab: 'demo', cidr: vmware.LAB_CIDR, prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.56.1' })
  await p.createBase(vmware.baseSpec(net, { kind: 'iso', ...vmware.installMedia(h) }))
  for (const [i, n] of NODES.entries()) await p.cloneLinked({ ...vmware.cloneSpec(h, net, vmOf(n), i), base: vmware.BASE })
  const boots = () => (JSON.parse(readFileSync(join(h.root, 'state', 'vmware-host.json'), 'utf8')) as { boots?: Record<string, number> }).boots ?? {}
  return {
    provider: p,
    calls: () => calls,
    boots: () => NODES.map((n) => Object.entries(boots()).find(([vmx]) => vmx.endsWith(`${vmOf(n)}.vmx`))?.[1] ?? 0),
  }
}

function context(provider: Provider, snapshots: 'live' | 'cold'): LabContext {
  const nodes = NODES.map((name) => ({ name })) as ResolvedNode[]
  return { provider, report: () => {}, log: () => {}, loaded: { lab: { name: 'demo', nodes, snapshots } } } as unknown as LabContext
}

/** The two lifecycle tests on one simulated host. */
export function liveResetTests(t: Test, title: string, make: (t: Test) => Promise<Host>): void {
  t.test(`${title}: a live ready snapshot, then a reset that resumes every node without a boot`, async (t) => {
    const host = await make(t)
    const p = host.provider
    t.ok(p.capabilities.liveRestore, 'the provider says it restores live')
    const ctx = context(p, 'live')
    const nodes = ctx.loaded.lab.nodes
    for (const n of NODES) await p.start(vmOf(n))
    t.same(host.boots(), [1, 1], 'each node booted once')

    const before = host.calls().length
    t.same(await takeLabSnapshot(ctx, nodes, 'ready', { stage: 's' }), [...NODES])
    const taking = host.calls().slice(before)
    const at = (re: RegExp) => taking.flatMap((c, i) => (re.test(c) ? [i] : []))
    const [pauses, takes, resumes] = [at(/ pause$|^-T \w+ pause /), at(/snapshot \S+ take ready|^-T \w+ snapshot \S+ ready$/), at(/ resume$|^-T \w+ (unpause|start) /)]
    t.equal(pauses.length, NODES.length, 'every node paused')
    t.equal(takes.length, NODES.length, 'every node snapshotted')
    t.equal(resumes.length, NODES.length, 'every node resumed')
    t.ok(Math.max(...pauses) < Math.min(...takes) && Math.max(...takes) < Math.min(...resumes), 'all paused before the first snapshot, resumed after the last')
    t.notOk(
      taking.some((c) => / --live$/.test(c)),
      'no --live on a paused VM (VirtualBox refuses it)',
    )
    for (const n of NODES) t.equal(await p.state(vmOf(n)), 'running', `${n} runs on after the snapshot`)

    await restoreLabSnapshot(ctx, nodes, 'ready', 'restore ready')
    for (const n of NODES) t.equal(await p.state(vmOf(n)), 'running', `${n} runs after the reset`)
    t.same(host.boots(), [1, 1], 'no node booted: each resumed from the memory its snapshot holds')

    // Again: a second reset resumes from the same snapshot (its memory is kept for the next one).
    await restoreLabSnapshot(ctx, nodes, 'ready', 'restore ready')
    for (const n of NODES) t.equal(await p.state(vmOf(n)), 'running')
    t.same(host.boots(), [1, 1])

    // A snapshot taken powered off (the clone's `initial`) still works the old way: the node boots.
    await restoreLabSnapshot(ctx, nodes, 'initial', 'restore initial')
    for (const n of NODES) t.equal(await p.state(vmOf(n)), 'running', `${n} runs after a reset to a powered-off snapshot`)
    t.same(host.boots(), [2, 2], 'each node booted: that snapshot has no memory')
  })

  t.test(`${title}: snapshots: cold shuts the nodes down for a disk-only snapshot, and a reset boots them`, async (t) => {
    const host = await make(t)
    const p = host.provider
    const ctx = context(p, 'cold')
    const nodes = ctx.loaded.lab.nodes
    for (const n of NODES) await p.start(vmOf(n))
    const dropped: string[] = []
    t.same(await takeLabSnapshot(ctx, nodes, 'ready', { stage: 's', drop: async (n) => void dropped.push(n) }), [...NODES])
    t.same(dropped.sort(), [...NODES], "every node's SSH session is forgotten: it reboots")
    for (const n of NODES) t.equal(await p.state(vmOf(n)), 'running', `${n} was started again`)
    t.same(host.boots(), [2, 2], 'booted again after the snapshot')
    t.notOk(
      host.calls().some((c) => / pause$|^-T \w+ pause /.test(c)),
      'nothing paused',
    )

    await restoreLabSnapshot(ctx, nodes, 'ready', 'restore ready')
    for (const n of NODES) t.equal(await p.state(vmOf(n)), 'running', `${n} runs after the reset`)
    t.same(host.boots(), [3, 3], 'a cold snapshot has no memory to resume from: every reset boots')
  })
}
