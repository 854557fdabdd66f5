/** The Proxmox VE provider's whole life of a lab against the PVE simulator: up, snapshots, reset, destroy. */
import t from 'tap'
import { pveLab } from './proxmox-helpers.js'
import { PveApiError } from '../../src/providers/proxmox/api-error.js'
import { TaskError } from '../../src/providers/proxmox/api.js'

t.test('up → snapshot → reset → destroy leaves the cluster as it was', async (t) => {
  const { sim, provider, base, clone } = await pveLab(t)
  const info = await provider.detect()
  t.match(info, { name: 'proxmox', version: '8.2.4', product: 'Proxmox VE 8.2', problems: [] })
  t.same(await provider.ensureNetwork({ lab: 'lab', cidr: '10.10.0.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '10.10.0.1' }), { id: 'vmbr1', created: false })
  await provider.createBase(base)
  const b = sim.vmByName(base.name)!
  t.ok(b.template, 'the base is a template')
  t.equal(b.pool, 'vmlab-lab')
  t.notOk('ide3' in b.config, 'the kickstart disc is detached')
  t.notOk(
    [...sim.volumes].some((v) => v.includes('oemdrv')),
    'and removed from the storage',
  )
  await provider.snapshotTake(base.name, 'vmlab-base')
  t.same(await provider.snapshotList(base.name), ['vmlab-base'], 'a template keeps the name of its snapshot')

  await provider.cloneLinked(clone('node1', '52:54:00:aa:00:0b'))
  const n = sim.vmByName('vmlab-lab-node1')!
  t.equal(n.base, b.vmid, 'a linked clone of the template')
  t.equal(n.config.net0, 'virtio=52:54:00:AA:00:0B,bridge=vmbr1')
  t.equal(n.config.ide3, 'local:iso/vmlab-lab-node1-seed.iso,media=cdrom', 'its seed disc, named after the VM')
  t.same(await provider.snapshotList('vmlab-lab-node1'), ['clean'])
  t.equal(await provider.state('vmlab-lab-node1'), 'poweroff')
  await provider.start('vmlab-lab-node1')
  t.equal(await provider.state('vmlab-lab-node1'), 'running')
  await provider.snapshotTake('vmlab-lab-node1', 'ready', { live: true })
  t.equal(n.snapshots.at(-1)?.vmstate, 1, 'a live snapshot keeps the memory')
  await provider.snapshotRestore('vmlab-lab-node1', 'clean')
  t.equal(await provider.state('vmlab-lab-node1'), 'poweroff', 'back to the clean disk')
  await provider.snapshotRestore('vmlab-lab-node1', 'ready')
  t.equal(await provider.state('vmlab-lab-node1'), 'running', 'a reset to the live snapshot needs no boot')
  await provider.snapshotDelete('vmlab-lab-node1', 'ready')
  t.same(await provider.snapshotList('vmlab-lab-node1'), ['clean'])
  t.same(await provider.list('vmlab-'), [base.name, 'vmlab-lab-node1'])

  await provider.stop('vmlab-lab-node1', { timeoutMs: 5000 })
  t.equal(await provider.state('vmlab-lab-node1'), 'poweroff')
  await provider.stop('vmlab-lab-node1')
  t.pass('a stop of a stopped VM is no error')
  await t.rejects(provider.destroy(base.name), /is still in use by linked cloned/, 'the template stays while a clone uses it')
  await provider.destroy('vmlab-lab-node1')
  await provider.destroy(base.name)
  t.same(await provider.list('vmlab-'), [])
  t.same([...sim.volumes], ['pve1/local:iso/install.iso'], 'only the install ISO stays, for the next base')
  t.equal(await provider.state('vmlab-lab-node1'), 'missing')
  t.ok(
    sim.headers.every((h) => h === `PVEAPIToken=${sim.tokenId}=${sim.secret}`),
    'every call carried the token',
  )
})

t.test('a VM locked by another task is tried again until the lock goes', async (t) => {
  const { sim, provider, base, clone } = await pveLab(t)
  await provider.createBase(base)
  await provider.cloneLinked(clone('node1', '52:54:00:aa:00:0b'))
  const n = sim.vmByName('vmlab-lab-node1')!
  sim.lockFor(n.vmid, 'backup', 250)
  const before = sim.calls.filter((c) => c.endsWith('/status/start')).length
  await provider.start('vmlab-lab-node1')
  t.equal(n.status, 'running')
  t.ok(sim.calls.filter((c) => c.endsWith('/status/start')).length - before >= 2, 'the start was refused, then tried again')
  sim.lockFor(n.vmid, 'backup', 60_000)
  await t.rejects(provider.snapshotTake('vmlab-lab-node1', 'later'), /VM is locked \(backup\)/, 'a lock that stays ends the retries with its words')
})

t.test('a task that fails shows its exit status and log', async (t) => {
  const { sim, provider, base, clone } = await pveLab(t)
  await provider.createBase(base)
  sim.failNextTask('qmclone', 'clone failed: lvcreate \'pve/vm-101-disk-0\' error:   Volume group "pve" has insufficient free space (511 extents): 2560 required.', [
    'create linked clone of drive scsi0 (local-lvm:base-100-disk-0)',
  ])
  const e = await provider.cloneLinked(clone('node1', '52:54:00:aa:00:0b')).catch((x: unknown) => x)
  t.type(e, TaskError)
  const msg = (e as Error).message
  t.match(msg, /linked clone vmlab-lab-node1 of vmlab-base-rocky9-abcdef12 failed: clone failed: lvcreate/)
  t.match(msg, /\| create linked clone of drive scsi0/, 'the task log is in the error')
  t.match(msg, /\| TASK ERROR: clone failed/)
  t.match(msg, /task UPID:pve1:[0-9A-F]{8}:/)
})

t.test('a privilege the token lacks: the error names it, the path and the fix; the secret is nowhere', async (t) => {
  const { sim, provider, base, clone } = await pveLab(t)
  await provider.createBase(base)
  await provider.cloneLinked(clone('node1', '52:54:00:aa:00:0b'))
  sim.privileges.delete('VM.Snapshot')
  const e = (await provider.snapshotTake('vmlab-lab-node1', 'ready').catch((x: unknown) => x)) as PveApiError
  t.type(e, PveApiError)
  t.equal(e.status, 403)
  const vmid = sim.vmByName('vmlab-lab-node1')!.vmid
  t.match(e.message, `Permission check failed (/vms/${vmid}, VM.Snapshot)`)
  t.match(e.hint, `the API token lacks VM.Snapshot on /vms/${vmid}: grant it, e.g. pveum acl modify /vms/${vmid} --tokens`)
  t.notMatch(`${e.message} ${e.hint} ${e.stack}`, sim.secret)
})

t.test('wrong secret: 401 with the fix, the secret not shown', async (t) => {
  const { sim, provider, secretFile } = await pveLab(t)
  const { writeFileSync } = await import('node:fs')
  writeFileSync(secretFile, 'not-the-secret')
  const { ProxmoxProvider } = await import('../../src/providers/proxmox/provider.js')
  const p = new ProxmoxProvider({ settings: { url: (provider as unknown as { s: { url: string } }).s.url, token: sim.tokenId, secretFile, storage: 'local-lvm', bridge: 'vmbr1' } })
  const e = (await p.detect().catch((x: unknown) => x)) as PveApiError
  t.equal(e.status, 401)
  t.match(e.hint, /check proxmox.token/)
  t.notMatch(e.message, 'not-the-secret')
})

t.test('clones started together each get their own VM id (nextid reserves none)', async (t) => {
  const { sim, provider, base, clone } = await pveLab(t)
  await provider.createBase(base)
  await Promise.all([provider.cloneLinked(clone('node1', '52:54:00:00:00:11')), provider.cloneLinked(clone('node2', '52:54:00:00:00:12'))])
  const ids = ['vmlab-lab-node1', 'vmlab-lab-node2'].map((n) => sim.vmByName(n)?.vmid)
  t.ok(
    ids.every((id) => typeof id === 'number'),
    'both clones exist',
  )
  t.not(ids[0], ids[1])
  t.ok(sim.calls.filter((c) => c === 'GET /cluster/nextid').length >= 3, 'the clone that lost the race asked for another id')
})

t.test('privilege preflight: every privilege the token lacks, in one problem, with path and role, before anything is made', async (t) => {
  const { sim, provider } = await pveLab(t)
  for (const p of ['VM.Clone', 'Datastore.AllocateSpace', 'Pool.Allocate', 'SDN.Use']) sim.privileges.delete(p)
  const info = await provider.detect()
  const fatal = info.problems.filter((p) => p.fatal)
  t.equal(fatal.length, 1, 'one problem for all of them')
  const text = fatal[0]!.problem
  t.match(text, /VM\.Clone on \/vms \(or \/pool\/vmlab-lab\) — role PVEVMAdmin/)
  t.match(text, /Datastore\.AllocateSpace on \/storage\/local-lvm — role PVEDatastoreUser/)
  t.match(text, /Pool\.Allocate on \/pool\/vmlab-lab — role PVEPoolAdmin/, 'the pool does not exist yet: making it needs Pool.Allocate')
  t.match(text, /SDN\.Use on \/sdn\/zones\/localnetwork\/vmbr1 — role PVESDNUser/)
  t.notMatch(text, /VM\.Allocate|Datastore\.Audit/, 'only what is missing')
  t.match(fatal[0]!.fix, "pveum acl modify /vms --tokens 'vmlab@pve!lab' --roles PVEVMAdmin")
  t.same(
    sim.calls.filter((c) => !c.startsWith('GET ')),
    [],
    'nothing was made',
  )
  sim.privileges = new Set([...sim.privileges, 'VM.Clone', 'Datastore.AllocateSpace', 'Pool.Allocate', 'SDN.Use'])
  t.same((await provider.detect()).problems, [], 'all granted: no problem')
})

t.test('a privilege granted on a path below does not count above it; one that propagates does', async (t) => {
  const { holds } = await import('../../src/providers/proxmox/privileges.js')
  const perms = { '/vms': { 'VM.Audit': 1, 'VM.Clone': 0 }, '/storage/local': { 'Datastore.Audit': 1 } }
  t.ok(holds(perms, '/vms/101', 'VM.Audit'), 'propagated to a VM')
  t.notOk(holds(perms, '/vms/101', 'VM.Clone'), 'not propagated')
  t.ok(holds(perms, '/vms', 'VM.Clone'), 'on the path itself')
  t.notOk(holds(perms, '/storage/local-lvm', 'Datastore.Audit'), '/storage/local is no parent of /storage/local-lvm')
  t.notOk(holds(perms, '/', 'VM.Audit'))
})

t.test("a class student's instance: their own pool, @pve user and PVEVMUser ACL; the console lines name theirs only", async (t) => {
  const { sim, url, secretFile, dir, base, clone } = await pveLab(t)
  const { ProxmoxProvider } = await import('../../src/providers/proxmox/provider.js')
  const { statSync } = await import('node:fs')
  const { join } = await import('node:path')
  const settings = { url, token: sim.tokenId, secretFile, storage: 'local-lvm', isoStorage: 'local', bridge: 'vmbr1' }
  const student = (id: string) => new ProxmoxProvider({ settings, api: { pollMs: 10 }, student: { id, stateDir: join(dir, id) } })
  const s01 = student('s01')
  t.same(await s01.consoleAccess(), [], 'nothing before up')
  await s01.createBase(base)
  await s01.cloneLinked(clone('node1', '52:54:00:00:01:01'))
  t.equal(sim.vmByName('vmlab-lab-node1')?.pool, 'vmlab-s01', "the clone is in the student's pool")
  t.ok(sim.users.has('s01@pve'))
  t.match(sim.acl, [{ path: '/pool/vmlab-s01', ugid: 's01@pve', roleid: 'PVEVMUser' }])
  t.equal(statSync(join(dir, 's01', 'proxmox-user.json')).mode & 0o777, 0o600, 'the login is kept 0600')
  const password = JSON.parse((await import('node:fs')).readFileSync(join(dir, 's01', 'proxmox-user.json'), 'utf8')).password as string
  t.equal(sim.users.get('s01@pve')?.password, password, 'the password PVE got is the one kept')
  const lines = (await s01.consoleAccess()).join('\n')
  t.match(lines, `Proxmox VE web console: ${url}/`)
  t.match(lines, /user s01, realm "Proxmox VE authentication server" \(s01@pve\)/)
  t.match(lines, 'pool vmlab-s01')
  t.match(lines, password)
  t.same(await student('s02').consoleAccess(), [], "another student's instance shows nothing of s01")
  sim.privileges.delete('User.Modify')
  t.match((await student('s03').detect()).problems, [{ fatal: true, problem: /User\.Modify on \/access\/groups — role PVEUserAdmin/ }], 'a class needs User.Modify, asked before anything is made')
})
