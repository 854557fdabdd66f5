/**
 * converge(): what follows a node's probe and plan. verify is told which changes were applied (none after a
 * run that planned nothing), and is skipped only when nothing was planned and verified() vouches for the probe.
 */
import t from 'tap'
import { converge } from '../../src/engine/provision.js'
import type { Applied, Change, Module, ModuleContext } from '../../src/modules/module.js'

type Key = 'write' | 'restart'

function recorder(opts: { verified?: boolean } = {}): { mod: Module<unknown, string, Key>; calls: string[]; told: Applied<Key>[] } {
  const calls: string[] = []
  const told: Applied<Key>[] = []
  const mod: Module<unknown, string, Key> = {
    name: 'stub',
    probe: async () => 'probed',
    plan: () => [],
    apply: async (_ctx, changes, probed) => {
      calls.push(`apply ${changes.map((c) => c.key).join(',')} ${probed}`)
    },
    ...(opts.verified === undefined ? {} : { verified: () => opts.verified! }),
    verify: async (_ctx, run) => {
      calls.push('verify')
      told.push(run)
    },
  }
  return { mod, calls, told }
}

const ctx = {} as ModuleContext<unknown>
const changes: Change<Key>[] = [
  { key: 'write', what: 'write /etc/x', why: 'test' },
  { key: 'restart', what: 'restart x', why: 'it changed' },
]

t.test('after an apply, verify is told the changes that were applied', async (t) => {
  for (const verified of [undefined, true, false]) {
    const r = recorder(verified === undefined ? {} : { verified })
    await converge(r.mod, ctx, 'probed', changes)
    t.same(r.calls, ['apply write,restart probed', 'verify'], `verified() ${String(verified)} does not skip verify after a change`)
    t.same(r.told, [{ applied: changes }])
  }
})

t.test('a run that planned nothing: verify is told none were applied, or skipped when verified() vouches for the probe', async (t) => {
  const plain = recorder()
  await converge(plain.mod, ctx, 'probed', [])
  t.same(plain.calls, ['verify'])
  t.same(plain.told, [{ applied: [] }])

  const vouched = recorder({ verified: true })
  await converge(vouched.mod, ctx, 'probed', [])
  t.same(vouched.calls, [], 'verify skipped')

  const doubted = recorder({ verified: false })
  await converge(doubted.mod, ctx, 'probed', [])
  t.same(doubted.told, [{ applied: [] }])
})

t.test('--check applies and verifies nothing', async (t) => {
  const r = recorder()
  let before = 0
  await converge(r.mod, ctx, 'probed', changes, { check: true, beforeApply: () => before++ })
  t.same(r.calls, [])
  t.equal(before, 0)
})
