/**
 * What `lab up` on a running lab relies on to skip the modules: a key of the modules as the lab file states
 * them, recorded only after a full run without failure, carried by snapshots and restored with them.
 */
import t from 'tap'
import { parseLab } from '../../src/lab/load.js'
import { appliedAlready, modulesKey, recordApplied, recordSnapshot, restoredFrom } from '../../src/engine/applied-modules.js'
import type { LabState } from '../../src/state/state-file.js'
import type { ModuleResult } from '../../src/modules/module.js'

const LAB = `name: demo
os: debian12
provider: qemu
network: { cidr: 192.168.56.0/24 }
nodes: [{ name: master }, { name: node1 }]
modules:
  - hosts
  - chrony: { server: master }
checks:
  - chrony: { synced_to: master }
`
const lab = parseLab(LAB, 'lab.yaml')
const fresh = (): LabState => ({ version: 1, lab: 'demo', provider: 'qemu', nodes: {}, snapshots: [], stages: {}, createdAt: 'now', updatedAt: 'now' })
const ok: ModuleResult[] = [{ node: 'master', module: 'hosts', status: 'ok' } as ModuleResult, { node: 'node1', module: 'chrony', status: 'changed' } as ModuleResult]

t.test('the key follows the modules, their options and the nodes, not the checks', async (t) => {
  const key = modulesKey(lab)
  t.equal(modulesKey(parseLab(LAB, 'other.yaml')), key, 'same lab text, same key')
  t.not(modulesKey(parseLab(LAB.replace('server: master', 'server: node1'), 'lab.yaml')), key, 'a module option')
  t.not(modulesKey(parseLab(LAB.replace('  - hosts\n', ''), 'lab.yaml')), key, 'a module removed')
  t.not(modulesKey(parseLab(LAB.replace('{ name: node1 }', '{ name: node1, ip: 192.168.56.50 }'), 'lab.yaml')), key, 'a node address')
  t.equal(modulesKey(parseLab(LAB.replace('synced_to: master', 'synced_to: node1'), 'lab.yaml')), key, 'checks do not count')
})

t.test('recorded after a full run without failure only', async (t) => {
  const state = fresh()
  recordApplied(state, lab, ok, { only: ['hosts'] })
  t.equal(appliedAlready(state, lab), undefined, 'a run of some modules is not a full run')
  recordApplied(state, lab, ok, { check: true })
  t.equal(appliedAlready(state, lab), undefined, '--check applies nothing')
  recordApplied(state, lab, ok, {})
  t.match(appliedAlready(state, lab), /^\d{4}-\d\d-\d\dT/)
  t.equal(appliedAlready(state, parseLab(LAB.replace('server: master', 'server: node1'), 'lab.yaml')), undefined, 'the lab file changed since')
  recordApplied(state, lab, [...ok, { node: 'node1', module: 'hosts', status: 'failed', reason: 'x' } as ModuleResult], {})
  t.equal(appliedAlready(state, lab), undefined, 'a failure forgets it')
})

t.test('a snapshot carries it; a restore brings back what the snapshot held', async (t) => {
  const state = fresh()
  recordSnapshot(state, 'before-modules')
  recordApplied(state, lab, ok, {})
  recordSnapshot(state, 'ready')
  t.same(
    state.snapshots.map((s) => [s.name, Boolean(s.provisioned)]),
    [
      ['before-modules', false],
      ['ready', true],
    ],
  )
  restoredFrom(state, 'before-modules')
  t.equal(appliedAlready(state, lab), undefined, 'back before the modules: the next up runs them')
  restoredFrom(state, 'ready')
  t.ok(appliedAlready(state, lab), 'back to ready: applied')
  recordSnapshot(state, 'ready')
  t.equal(state.snapshots.filter((s) => s.name === 'ready').length, 1, 'taken again: replaced, not doubled')
})
