/** Placement, UPIDs, the token secret and the per-student pool, user and ACL. */
import { writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { placeVm } from '../../src/providers/proxmox/placement.js'
import { parseUpid, PveApi } from '../../src/providers/proxmox/api.js'
import { missingPrivilege } from '../../src/providers/proxmox/api-error.js'
import { readTokenSecret } from '../../src/providers/proxmox/settings.js'
import { httpTransport } from '../../src/providers/proxmox/http.js'
import { ensureStudentAccess, removeStudentAccess, studentAccess } from '../../src/providers/proxmox/students.js'
import { PveSim } from '../sim/proxmox/pve-sim.js'
import { pveLab } from './proxmox-helpers.js'

const GiB = 2 ** 30
const nodes = [
  { node: 'pve1', status: 'online', maxmem: 64 * GiB, mem: 40 * GiB },
  { node: 'pve2', status: 'online', maxmem: 64 * GiB, mem: 10 * GiB },
  { node: 'pve3', status: 'offline', maxmem: 256 * GiB, mem: 0 },
]

t.test('placement: most free memory, on the template node unless the storage is shared', async (t) => {
  t.same(placeVm({ nodes, placed: {}, memoryBytes: 2 * GiB }), { node: 'pve2' }, 'an offline node is never chosen')
  t.same(placeVm({ nodes, placed: { pve2: 40 * GiB }, memoryBytes: 2 * GiB }), { node: 'pve1' }, 'what this run placed counts')
  t.same(placeVm({ nodes, template: { node: 'pve1', sharedStorage: false }, placed: {}, memoryBytes: 2 * GiB }), { node: 'pve1' })
  t.same(placeVm({ nodes, template: { node: 'pve1', sharedStorage: true }, placed: {}, memoryBytes: 2 * GiB }), { node: 'pve2' })
  t.same(placeVm({ nodes, allowed: ['pve1'], placed: {}, memoryBytes: 2 * GiB }), { node: 'pve1' })
  t.match(placeVm({ nodes, template: { node: 'pve3', sharedStorage: false }, placed: {}, memoryBytes: GiB }), { problem: /lives on pve3, whose storage is not shared/ })
  t.match(placeVm({ nodes, placed: {}, memoryBytes: 100 * GiB }), { problem: /no node has 102400 MiB free \(most: pve2 with 55296 MiB\)/ })
})

t.test('UPIDs and permission texts are read as PVE writes them', async (t) => {
  t.same(parseUpid('UPID:pve1:00001A2C:00A01A2C:6752A1B0:qmclone:100:vmlab@pve!lab:'), { node: 'pve1', type: 'qmclone', id: '100', user: 'vmlab@pve!lab' })
  t.equal(parseUpid('UPID:pve1:12:qmclone'), undefined)
  t.same(missingPrivilege('Permission check failed (/vms/104, VM.Allocate)'), { path: '/vms/104', privilege: 'VM.Allocate' })
  t.equal(missingPrivilege('Permission check failed'), undefined)
})

t.test('the token secret: from a 0600 file or the environment, never a file others can read', async (t) => {
  const dir = t.testdir({})
  const f = join(dir, 'secret')
  writeFileSync(f, 'abc\n')
  chmodSync(f, 0o644)
  t.throws(() => readTokenSecret({ secretFile: f }), { message: /readable by others \(mode 644\)/, hint: `chmod 600 ${f}` })
  chmodSync(f, 0o600)
  t.equal(readTokenSecret({ secretFile: f }), 'abc')
  t.throws(() => readTokenSecret({ secretFile: join(dir, 'none') }), { message: /does not exist/ })
  t.throws(() => readTokenSecret({}, {}), { message: 'proxmox: no API token secret: PVE_TOKEN_SECRET is not set' })
  t.equal(readTokenSecret({ secretEnv: 'MY_SECRET' }, { MY_SECRET: ' s3 ' }), 's3')
})

t.test('a student gets a pool, a @pve user and PVEVMUser on the pool, once', async (t) => {
  const sim = new PveSim()
  const url = await sim.start()
  t.teardown(() => sim.stop())
  const api = new PveApi(httpTransport(url, `PVEAPIToken=${sim.tokenId}=${sim.secret}`))
  const s01 = studentAccess('s01', { password: 'first-pass' })
  t.same(await ensureStudentAccess(api, s01), ['pool vmlab-s01', 'user s01@pve', 'acl /pool/vmlab-s01 s01@pve PVEVMUser'])
  t.same(await ensureStudentAccess(api, s01), [], 'a second run changes nothing')
  t.same(sim.acl, [{ path: '/pool/vmlab-s01', ugid: 's01@pve', roleid: 'PVEVMUser', type: 'user', propagate: 1 }])
  t.equal(sim.users.get('s01@pve')?.password, 'first-pass')
  await removeStudentAccess(api, s01)
  t.same([sim.pools.size, sim.users.size, sim.acl.length], [0, 0, 0])
  sim.privileges.delete('Realm.AllocateUser')
  t.match(await ensureStudentAccess(api, s01).catch((e: unknown) => e), { status: 403, hint: /lacks Realm.AllocateUser on \/access\/realm\/pve/ })
})

t.test('clones go to the template node on local storage, to the freest node on shared storage', async (t) => {
  const two = [
    { node: 'pve1', maxmem: 64 * GiB, mem: 8 * GiB },
    { node: 'pve2', maxmem: 64 * GiB, mem: 2 * GiB },
  ]
  const local = await pveLab(t, { nodes: two })
  await local.provider.createBase(local.base)
  t.equal(local.sim.vmByName(local.base.name)?.node, 'pve2', 'the base on the freest node')
  local.sim.nodes[1]!.mem = 60 * GiB
  await local.provider.cloneLinked(local.clone('node1', '52:54:00:aa:00:0b'))
  t.equal(local.sim.vmByName('vmlab-lab-node1')?.node, 'pve2', 'local storage: beside its template, though pve1 is freer now')

  const shared = await pveLab(
    t,
    {
      nodes: two,
      storages: [
        { storage: 'local', shared: false, content: ['iso', 'import'] },
        { storage: 'ceph', shared: true, content: ['images'] },
      ],
    },
    { storage: 'ceph' },
  )
  await shared.provider.createBase(shared.base)
  shared.sim.nodes[1]!.mem = 60 * GiB
  await shared.provider.cloneLinked(shared.clone('node1', '52:54:00:aa:00:0b'))
  t.equal(shared.sim.vmByName('vmlab-lab-node1')?.node, 'pve1', 'shared storage: the freest node')
  t.same(
    [...shared.sim.volumes].filter((v) => v.includes('seed')),
    ['pve1/local:iso/vmlab-lab-node1-seed.iso'],
    'the seed disc uploaded to the node the clone runs on',
  )
})
