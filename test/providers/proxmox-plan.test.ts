/**
 * `lab plan --commands --provider proxmox`: the provider's own code against a recording transport that answers
 * like a fresh one-node cluster; the lines are the HTTP calls `lab up` makes, and the token secret is not among them.
 */
import t from 'tap'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { lab } from '../helpers/cli.js'

const LAB = `name: pvelab
os: rocky9
provider: proxmox
proxmox:
  url: https://pve1.example.org:8006
  token: vmlab@pve!lab
  storage: ceph-vm
  bridge: vmbr7
  pool: vmlab-pvelab
network: { cidr: 10.77.0.0/24 }
nodes: [{ name: master }, { name: node1 }]
`

t.test('the plan lists the HTTP calls, method, path and parameters, without the secret', async (t) => {
  const dir = t.testdir({ 'lab.yaml': LAB })
  const r = await lab(['plan', '--commands'], { cwd: dir, env: { PVE_TOKEN_SECRET: 'do-not-print-me' } })
  t.equal(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  t.equal(lines[0], 'https GET /version')
  t.ok(lines.includes('https POST /pools poolid=vmlab-pvelab comment=vmlab'), 'the pool is made first')
  t.ok(
    lines.some((l) => /^https POST \/nodes\/pve1\/qemu vmid=100 name=vmlab-base-rocky9-x+ pool=vmlab-pvelab .*scsi0=ceph-vm:20 /.test(l)),
    'the base on the lab storage',
  )
  t.ok(lines.includes('https POST /nodes/pve1/qemu/100/template'))
  t.ok(lines.includes('https POST /nodes/pve1/qemu/100/clone newid=101 name=vmlab-pvelab-master pool=vmlab-pvelab target=pve1 full=0'))
  t.ok(lines.some((l) => l.startsWith('https PUT /nodes/pve1/qemu/102/config cores=2 memory=') && l.includes(',bridge=vmbr7 ide3=local:iso/vmlab-pvelab-node1-seed.iso,media=cdrom')))
  t.ok(lines.includes('https POST /nodes/pve1/qemu/102/snapshot snapname=ready vmstate=1'), 'the live snapshot keeps the memory')
  t.notMatch(r.stdout + r.stderr, 'do-not-print-me')
  t.notMatch(r.stdout, /tasks\//, 'a plan polls no task')
})

t.test('a bad proxmox block is refused with its place and the fix', async (t) => {
  const dir = t.testdir({ 'lab.yaml': LAB.replace('vmlab@pve!lab', 'vmlab') })
  const r = await lab(['validate'], { cwd: dir })
  t.equal(r.code, 2)
  t.match(r.stderr, /lab\.yaml:6:\d+/)
  t.match(r.stderr, /USER@REALM!TOKENID/)
  writeFileSync(join(dir, 'lab.yaml'), LAB)
  t.equal((await lab(['validate'], { cwd: dir })).code, 0)
})
