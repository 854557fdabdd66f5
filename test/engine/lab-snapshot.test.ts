/**
 * A lab-wide live snapshot: guests release their freed memory first where the hypervisor takes it back
 * (smaller snapshots), an unreachable guest is snapshotted anyway, and existing snapshots are kept or replaced.
 */
import t from 'tap'
import { takeLabSnapshot } from '../../src/engine/lab-snapshot.js'
import type { LabContext } from '../../src/engine/lab-context.js'
import type { Provider } from '../../src/providers/provider.js'
import type { ResolvedNode } from '../../src/lab/resolve.js'
import { FakeGuest } from '../helpers/fake-guest.js'

function fixture(opts: { reclaims: boolean; existing?: string[] }) {
  const calls: string[] = []
  const snaps = new Map<string, string[]>([['vmlab-demo-master', [...(opts.existing ?? [])]], ['vmlab-demo-node1', [...(opts.existing ?? [])]]])
  const provider = {
    name: 'qemu',
    reclaimsFreedMemory: opts.reclaims,
    state: async () => 'running',
    snapshotList: async (vm: string) => snaps.get(vm)!,
    snapshotDelete: async (vm: string, name: string) => {
      calls.push(`delete ${vm} ${name}`)
      snaps.set(vm, snaps.get(vm)!.filter((s) => s !== name))
    },
    snapshotTake: async (vm: string, name: string, o?: { live?: boolean }) => {
      calls.push(`take ${vm} ${name}${o?.live ? ' live' : ''}`)
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
  t.same(replaced.calls.filter((c) => c.startsWith('delete')), ['delete vmlab-demo-master ready', 'delete vmlab-demo-node1 ready'])
})
