/** The PVE simulator on its own, spoken to with plain fetch as any API client would. */
import t, { type Test } from 'tap'
import { PveSim } from './proxmox/pve-sim.js'
import { API_PARAMS, endpointOf } from './proxmox/schema-check.js'

async function sim(t: Test, opts: ConstructorParameters<typeof PveSim>[0] = {}) {
  const s = new PveSim(opts)
  const url = await s.start()
  t.teardown(() => s.stop())
  const auth = `PVEAPIToken=${s.tokenId}=${s.secret}`
  const call = async (method: string, path: string, params: Record<string, string | number> = {}, authorization = auth) => {
    const form = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))
    const body = method === 'GET' || method === 'DELETE' ? undefined : form
    const q = body ? '' : `?${form}`
    const res = await fetch(`${url}/api2/json${path}${q}`, { method, headers: { authorization }, ...(body ? { body } : {}) })
    const text = await res.text()
    // biome-ignore lint/suspicious/noExplicitAny: the answers have many shapes; each test reads what it asked for.
    return { status: res.status, statusText: res.statusText, body: text, json: (text === '' ? {} : JSON.parse(text)) as { data: any; errors?: Record<string, string>; message?: string } }
  }
  const wait = async (upid: string) => {
    const node = upid.split(':')[1]
    for (;;) {
      const r = await call('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`)
      if (r.json.data.status === 'stopped') return r.json.data as { exitstatus: string; type: string; status: string }
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  return { s, url, call, wait }
}

t.test('answers in the {data} envelope and refuses calls without the token', async (t) => {
  const { call } = await sim(t)
  const v = await call('GET', '/version')
  t.equal(v.status, 200)
  t.match(v.json, { data: { version: /^8\./, release: '8.2' } })
  const none = await call('GET', '/version', {}, '')
  t.equal(none.status, 401)
  t.equal(none.statusText, 'No ticket')
  const wrong = await call('GET', '/version', {}, 'PVEAPIToken=vmlab@pve!lab=nope')
  t.equal(wrong.status, 401)
  t.equal(wrong.body, '', 'a refused login has no JSON body: the reason is the status line')
  t.equal((await call('GET', '/cluster/nextid')).json.data, '100', 'nextid is a string, as PVE sends it')
  const missing = await call('GET', '/nodes/pve1/nothing')
  t.equal(missing.status, 501)
  t.match(missing.json.message, /^Method 'GET \/nodes\/pve1\/nothing' not implemented/)
})

t.test('a VM create is a task with a UPID; a template clones linked; locks and errors look like PVE', async (t) => {
  // Long enough for the calls that look at a task while it runs, on a busy machine.
  const { s, call, wait } = await sim(t, { taskMs: 400 })
  const bad = await call('POST', '/nodes/pve1/qemu', { vmid: 5 })
  t.equal(bad.status, 400)
  t.equal(bad.statusText, 'Parameter verification failed.')
  t.match(bad.json.errors, { vmid: /minimum value of 100/ })
  const upid = (await call('POST', '/nodes/pve1/qemu', { vmid: 100, name: 'base', memory: 1024, scsi0: 'local-lvm:10', net0: 'virtio,bridge=vmbr1' })).json.data as string
  t.match(upid, /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmcreate:100:vmlab@pve!lab:$/)
  const running = await call('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`)
  t.equal(running.json.data.status, 'running')
  t.notOk('exitstatus' in running.json.data, 'a running task has no exit status yet')
  t.match(await wait(upid), { status: 'stopped', exitstatus: 'OK' })
  const dup = await call('POST', '/nodes/pve1/qemu', { vmid: 100, name: 'x' })
  t.equal(dup.status, 500)
  t.equal(dup.statusText, "unable to create VM 100 - VM 100 already exists on node 'pve1'")
  const wrongNode = await call('GET', '/nodes/pve2/qemu/100/config')
  t.match(wrongNode.json.message, "Configuration file 'nodes/pve2/qemu-server/100.conf' does not exist")

  const notTemplate = await call('POST', '/nodes/pve1/qemu/100/clone', { newid: 101, full: 0 })
  t.match(notTemplate.json.message, /Linked clone feature is not supported/)
  await wait((await call('POST', '/nodes/pve1/qemu/100/template')).json.data)
  const clone = (await call('POST', '/nodes/pve1/qemu/100/clone', { newid: 101, name: 'n1', full: 0 })).json.data as string
  t.match(clone, /:qmclone:100:/)
  const locked = await call('POST', '/nodes/pve1/qemu/101/status/start')
  t.equal(locked.status, 500)
  t.equal(locked.statusText, 'VM is locked (clone)')
  await wait(clone)
  t.equal(s.vms.get(101)?.base, 100, 'a linked clone keeps its template')
  await wait((await call('POST', '/nodes/pve1/qemu/101/status/start')).json.data)
  t.equal((await call('GET', '/nodes/pve1/qemu/101/status/current')).json.data.status, 'running')
  const snap = (await call('POST', '/nodes/pve1/qemu/101/snapshot', { snapname: 'clean', vmstate: 1 })).json.data as string
  t.equal((await call('POST', '/nodes/pve1/qemu/101/snapshot', { snapname: 'other' })).statusText, 'VM is locked (snapshot)')
  await wait(snap)
  const list = (await call('GET', '/nodes/pve1/qemu/101/snapshot')).json.data as Array<{ name: string; vmstate?: number }>
  t.same(
    list.map((x) => x.name),
    ['clean', 'current'],
  )
  t.equal(list[0]!.vmstate, 1)
  t.equal((await call('DELETE', '/nodes/pve1/qemu/101', { purge: 1 })).statusText, 'VM 101 is running - destroy failed')
  await wait((await call('POST', '/nodes/pve1/qemu/101/status/stop')).json.data)
  await wait((await call('POST', '/nodes/pve1/qemu/101/snapshot/clean/rollback')).json.data)
  t.equal(s.vms.get(101)?.status, 'running', 'a snapshot with RAM comes back running')
  await wait((await call('POST', '/nodes/pve1/qemu/101/status/stop')).json.data)
  const base = await wait((await call('DELETE', '/nodes/pve1/qemu/100', { purge: 1 })).json.data)
  t.match(base.exitstatus, /is still in use by linked cloned/, 'a template with linked clones stays')
  t.match(await wait((await call('DELETE', '/nodes/pve1/qemu/101', { purge: 1 })).json.data), { exitstatus: 'OK' })
})

t.test('a failed task ends with its error and shows it in its log', async (t) => {
  const { s, call, wait } = await sim(t)
  s.failNextTask('qmcreate', 'unable to create VM 100 - lvcreate \'pve/vm-100-disk-0\' error:   Volume group "pve" has insufficient free space', ['  WARNING: thin pool pve/data is 98% full'])
  const upid = (await call('POST', '/nodes/pve1/qemu', { vmid: 100, name: 'b', scsi0: 'local-lvm:10' })).json.data as string
  t.match(await wait(upid), { exitstatus: /insufficient free space/ })
  const log = (await call('GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`, { start: 0, limit: 50 })).json.data as Array<{ n: number; t: string }>
  t.same(
    log.map((l) => l.n),
    [1, 2],
  )
  t.match(log[1]!.t, /^TASK ERROR: unable to create VM 100/)
})

t.test('a privilege the token lacks is a 403 naming the path and the privilege', async (t) => {
  const { s, call } = await sim(t)
  s.privileges.delete('VM.Allocate')
  const r = await call('POST', '/nodes/pve1/qemu', { vmid: 100, name: 'b' })
  t.equal(r.status, 403)
  t.equal(r.statusText, 'Permission check failed (/vms/100, VM.Allocate)')
  t.equal(s.vms.size, 0, 'nothing was made')
})

t.test('pools, users and ACLs; cluster resources list nodes, VMs and storages', async (t) => {
  const { call } = await sim(t, {
    nodes: [
      { node: 'pve1', maxmem: 2 ** 36, mem: 2 ** 33 },
      { node: 'pve2', maxmem: 2 ** 36, mem: 2 ** 34 },
    ],
  })
  t.equal((await call('POST', '/pools', { poolid: 's01' })).status, 200)
  t.equal((await call('POST', '/pools', { poolid: 's01' })).statusText, "pool 's01' already exists")
  t.equal((await call('POST', '/access/users', { userid: 's01@pve', password: 'secret123' })).status, 200)
  t.equal((await call('PUT', '/access/acl', { path: '/pool/s01', users: 'nobody@pve', roles: 'PVEVMUser' })).statusText, "user 'nobody@pve' does not exist")
  t.equal((await call('PUT', '/access/acl', { path: '/pool/s01', users: 's01@pve', roles: 'PVEVMUser', propagate: 1 })).status, 200)
  t.match((await call('GET', '/access/acl')).json.data, [{ path: '/pool/s01', ugid: 's01@pve', roleid: 'PVEVMUser', type: 'user' }])
  t.equal((await call('DELETE', '/access/users/s01@pve')).status, 200)
  t.same((await call('GET', '/access/acl')).json.data, [], "a user's ACL entries go with it")
  const nodes = (await call('GET', '/cluster/resources', { type: 'node' })).json.data as Array<{ node: string; maxmem: number; mem: number }>
  t.same(
    nodes.map((n) => n.node),
    ['pve1', 'pve2'],
  )
  const storages = (await call('GET', '/cluster/resources', { type: 'storage' })).json.data as Array<{ storage: string; shared: number }>
  t.ok(storages.every((x) => x.shared === 0))
})

t.test('parameters are checked against the published API schema (pve-docs apidata.js), in JSONSchema.pm words', async (t) => {
  const { call } = await sim(t)
  t.match(API_PARAMS.source, /pve-docs [0-9a-f]{7}/, 'the allow-list names the schema it was taken from')
  const unknown = await call('POST', '/nodes/pve1/qemu', { vmid: 100, name: 'base', linked: 1 })
  t.equal(unknown.status, 400)
  t.equal(unknown.statusText, 'Parameter verification failed.')
  t.same(unknown.json.errors, { linked: 'property is not defined in schema and the schema does not allow additional properties' })
  t.equal(unknown.json.data, null)
  t.equal((await call('GET', '/cluster/resources', { type: 'vms' })).json.errors?.type, "value 'vms' does not have a value in the enumeration 'vm, storage, node, sdn'")
  t.equal((await call('POST', '/pools', { poolid: 'p', color: 'red' })).json.errors?.color, 'property is not defined in schema and the schema does not allow additional properties')
  t.equal((await call('POST', '/pools', {})).json.errors?.poolid, 'property is missing and it is not optional')
  t.equal((await call('POST', '/nodes/pve1/qemu', { vmid: 100, name: 'b', net0: 'virtio,bridge=vmbr1', scsi0: 'local-lvm:4' })).status, 200, 'indexed options (net[n], scsi[n]) are known')
  t.equal((await call('POST', '/nodes/pve1/qemu/100/clone', { newid: 101, full: 'true' })).json.errors?.full, "type check ('boolean') failed - got 'true'", "a boolean is '0' or '1'")
  t.equal(
    (await call('POST', '/nodes/pve1/qemu/100/snapshot', { snapname: 'ready', vmstate: 1, memory: 1 })).json.errors?.memory,
    'property is not defined in schema and the schema does not allow additional properties',
  )
  t.equal(
    (await call('PUT', '/nodes/pve1/qemu/100/config', { sshkeys: 'ssh-ed25519 AAAA x@y' })).json.errors?.sshkeys,
    'invalid format - invalid urlencoded string: ssh-ed25519 AAAA x@y\n',
    'cloud-init keys must be URL-encoded',
  )
  t.not((await call('PUT', '/nodes/pve1/qemu/100/config', { sshkeys: encodeURIComponent('ssh-ed25519 AAAA x@y').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`) })).status, 400)
  t.equal((await call('POST', '/access/users', { userid: 's01@pve', password: 'short' })).json.errors?.password, 'value must be at least 8 characters long')
  t.equal(
    (await call('GET', '/nodes/pve1/qemu/100/config', { vmid: 100 })).json.errors?.vmid,
    'property is not defined in schema and the schema does not allow additional properties',
    'a path parameter cannot come again in the query',
  )
})

t.test('every endpoint the simulator serves is in the schema allow-list', async (t) => {
  const { s, call } = await sim(t)
  await call('POST', '/nodes/pve1/qemu', { vmid: 100, name: 'b' })
  for (const [method, path] of [
    ['GET', '/version'],
    ['GET', '/cluster/nextid'],
    ['GET', '/pools'],
    ['GET', '/access/acl'],
    ['GET', '/nodes/pve1/network'],
    ['GET', '/nodes/pve1/qemu/100/snapshot'],
  ] as const)
    await call(method, path)
  for (const c of s.calls) t.ok(endpointOf(c.split(' ')[0]!, c.split(' ')[1]!), `${c} is in the schema`)
})
