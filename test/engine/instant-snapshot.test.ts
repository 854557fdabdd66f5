/**
 * A lab-wide live snapshot: guests release their freed memory first where the hypervisor takes it back
 * (smaller snapshots), an unreachable guest is snapshotted anyway, and existing snapshots are kept or replaced.
 */
import t from 'tap'
import { takeLabSnapshot } from '../../src/engine/instant-snapshot.js'
import type { LabContext } from '../../src/engine/lab-context.js'
import type { Provider } from '../../src/providers/provider.js'
import type { ResolvedNode } from '../../src/lab/resolve.js'
import { FakeGuest } from '../helpers/fake-guest.js'

function fixture(opts: { reclaims: boolean; existing?: string[]; pausing?: boolean; failTake?: string }) {
  const calls: string[] = []
  const snaps = new Map<string, string[]>([
    ['vmlab-demo-master', [...(opts.existing ?? [])]],
    ['vmlab-demo-node1', [...(opts.existing ?? [])]],
  ])
  const paused = new Set<string>()
  const provider = {
    name: 'qemu',
    capabilities: { reclaimsFreedMemory: opts.reclaims },
    state: async (vm: string) => (paused.has(vm) ? 'paused' : 'running'),
    ...(opts.pausing
      ? {
          pause: async (vm: string) => (calls.push(`pause ${vm}`), paused.add(vm)),
          resume: async (vm: string) => (calls.push(`resume ${vm}`), paused.delete(vm)),
        }
      : {}),
    snapshotList: async (vm: string) => snaps.get(vm)!,
    snapshotDelete: async (vm: string, name: string) => {
      calls.push(`delete ${vm} ${name}`)
      snaps.set(
        vm,
        snaps.get(vm)!.filter((s) => s !== name),
      )
    },
    snapshotTake: async (vm: string, name: string, o?: { live?: boolean }) => {
      if (vm === opts.failTake) throw new Error('savevm: No space left on device')
      calls.push(`take ${vm} ${name}${o?.live ? ' live' : ''}${paused.has(vm) ? ' (paused)' : ''}`)
      snaps.get(vm)!.push(name)
    },
  } as unknown as Provider
  const logs: string[] = []
  const ctx = { provider, report: () => {}, log: (l: string) => logs.push(l), loaded: { lab: { name: 'demo' } } } as unknown as LabContext
  const nodes = [{ name: 'master' }, { name: 'node1' }] as ResolvedNode[]
  return { ctx, nodes, calls, logs }
}

t.test('a hypervisor that reclaims freed memory: each guest drops its caches before its snapshot', async (t) => {
  const { ctx, nodes, calls } = fixture({ reclaims: true })
  const guests = new Map(nodes.map((n) => [n.name, new FakeGuest([{ match: /drop_caches/, reply: (c) => (calls.push(`release ${n.name}`), { stdout: c.length ? '' : '' }) }])]))
  const taken = await takeLabSnapshot(ctx, nodes, 'ready', { stage: 's', guest: async (n) => guests.get(n)! })
  t.same(taken, ['master', 'node1'])
  for (const n of nodes) {
    t.ok(calls.indexOf(`release ${n.name}`) >= 0 && calls.indexOf(`release ${n.name}`) < calls.indexOf(`take vmlab-demo-${n.name} ready live`), `${n.name}: memory released, then the live snapshot`)
    t.match(guests.get(n.name)!.commands[0], /^sync && .*fstrim -a.*echo 3 > \/proc\/sys\/vm\/drop_caches/)
    // Compaction held an emulated guest for up to 40 s: long enough for a swarm to move its tasks.
    t.notMatch(guests.get(n.name)!.commands[0], /compact_memory/)
  }
})

t.test('a hypervisor that does not: the guests are left alone', async (t) => {
  const { ctx, nodes, calls } = fixture({ reclaims: false })
  const guest = new FakeGuest()
  await takeLabSnapshot(ctx, nodes, 'ready', { stage: 's', guest: async () => guest })
  t.same(guest.commands, [])
  t.same(calls, ['take vmlab-demo-master ready live', 'take vmlab-demo-node1 ready live'])
})

t.test('a guest that cannot be reached is snapshotted as it is, with a line in the log', async (t) => {
  const { ctx, nodes, calls, logs } = fixture({ reclaims: true })
  const taken = await takeLabSnapshot(ctx, nodes, 'ready', { stage: 's', guest: async () => Promise.reject(new Error('ssh: connection refused')) })
  t.same(taken, ['master', 'node1'])
  t.equal(calls.length, 2)
  t.match(logs[0], /memory not released before the snapshot: ssh: connection refused/)
})

t.test('an existing snapshot is kept, or replaced when asked', async (t) => {
  const kept = fixture({ reclaims: false, existing: ['ready'] })
  t.same(await takeLabSnapshot(kept.ctx, kept.nodes, 'ready', { stage: 's' }), [], 'nothing taken')
  t.same(kept.calls, [])
  const replaced = fixture({ reclaims: false, existing: ['ready'] })
  t.same(await takeLabSnapshot(replaced.ctx, replaced.nodes, 'ready', { stage: 's', replace: true }), ['master', 'node1'])
  t.same(
    replaced.calls.filter((c) => c.startsWith('delete')),
    ['delete vmlab-demo-master ready', 'delete vmlab-demo-node1 ready'],
  )
})

t.test('with pause support every node is paused before the first save and resumed after the last', async (t) => {
  const { ctx, nodes, calls } = fixture({ reclaims: false, pausing: true })
  await takeLabSnapshot(ctx, nodes, 'ready', { stage: 's' })
  const last = (p: string) => Math.max(...calls.flatMap((c, i) => (c.startsWith(p) ? [i] : [])))
  const first = (p: string) => calls.findIndex((c) => c.startsWith(p))
  t.ok(last('pause') < first('take'), `paused together first: ${calls.join(' | ')}`)
  t.ok(last('take') < first('resume'), 'resumed together after')
  t.ok(calls.filter((c) => c.startsWith('take')).every((c) => c.endsWith('(paused)')))
})

t.test('a failed save still resumes every node, and says why', async (t) => {
  const { ctx, nodes, calls } = fixture({ reclaims: false, pausing: true, failTake: 'vmlab-demo-node1' })
  await t.rejects(takeLabSnapshot(ctx, nodes, 'ready', { stage: 's' }), /No space left on device/)
  t.same(calls.filter((c) => c.startsWith('resume')).sort(), ['resume vmlab-demo-master', 'resume vmlab-demo-node1'])
})

t.test('a snapshot only some nodes have (an interrupted run) is taken again on all', async (t) => {
  const g = fixture({ reclaims: false, existing: ['ready'] })
  await g.ctx.provider.snapshotDelete('vmlab-demo-node1', 'ready')
  g.calls.length = 0
  t.same(await takeLabSnapshot(g.ctx, g.nodes, 'ready', { stage: 's' }), ['master', 'node1'])
  t.same([...g.calls].sort(), ['delete vmlab-demo-master ready', 'take vmlab-demo-master ready live', 'take vmlab-demo-node1 ready live'])
})
