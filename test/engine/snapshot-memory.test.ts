/**
 * The memory each snapshot keeps, per node: `lab snapshot list` and `lab status` show it where the provider
 * can tell, and say "disk only" for a snapshot without memory; a provider that cannot tell shows names alone.
 */
import t from 'tap'
import { snapshotList } from '../../src/engine/snapshot-commands.js'
import { renderStatus, withMemory } from '../../src/cli/actions/lifecycle.js'
import type { LabContext } from '../../src/engine/lab-context.js'
import type { Provider } from '../../src/providers/provider.js'
import type { LabStatus } from '../../src/engine/status.js'

const MiB = 1024 ** 2

function ctxWith(provider: Partial<Provider>): LabContext {
  const lab = { name: 'demo', nodes: [{ name: 'master' }, { name: 'node1' }] }
  return { provider, loaded: { lab } } as unknown as LabContext
}

t.test('snapshot list carries the memory state per snapshot of each node', async (t) => {
  const memory: Record<string, Record<string, number>> = { 'vmlab-demo-master': { clean: 0, ready: 212 * MiB }, 'vmlab-demo-node1': { clean: 0, ready: 96 * MiB } }
  const list = await snapshotList(
    ctxWith({
      state: async () => 'running',
      snapshotList: async () => ['clean', 'ready'],
      snapshotMemory: async (vm: string) => memory[vm]!,
    }),
  )
  t.same(list, [
    { node: 'master', snapshots: ['clean', 'ready'], memory: { clean: 0, ready: 212 * MiB } },
    { node: 'node1', snapshots: ['clean', 'ready'], memory: { clean: 0, ready: 96 * MiB } },
  ])
  t.equal(withMemory(list[0]!.snapshots, list[0]!.memory), 'clean (disk only), ready (212.0 MiB)')
})

t.test('a provider that cannot tell: names only, and a missing VM has none', async (t) => {
  const list = await snapshotList(ctxWith({ state: async (vm: string) => (vm.endsWith('node1') ? 'missing' : 'poweroff'), snapshotList: async () => ['ready'] }))
  t.same(list, [
    { node: 'master', snapshots: ['ready'] },
    { node: 'node1', snapshots: [] },
  ])
  t.equal(withMemory(list[0]!.snapshots, list[0]!.memory), 'ready')
  t.equal(withMemory([], undefined), '-')
})

t.test('status shows each snapshot with its memory state', async (t) => {
  const s: LabStatus = {
    lab: 'demo',
    provider: 'qemu',
    product: 'QEMU 7.2',
    nodes: [
      { node: 'master', vm: 'vmlab-demo-master', state: 'running', ip: '192.168.56.10', ssh: undefined, snapshots: ['clean', 'ready'], modules: {}, snapshotMemory: { clean: 0, ready: 90 * MiB } },
    ],
  }
  t.match(renderStatus(s), /master\s+running\s+192\.168\.56\.10\s+-\s+clean \(disk only\), ready \(90\.0 MiB\)/)
})
