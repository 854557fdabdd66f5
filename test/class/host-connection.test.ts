/**
 * A class host's connection travels with the instance: the class file says which host (a libvirt URI, a
 * Proxmox VE node) and `lab class up` records it in the instance, so every later command of that student
 * (up, status, reset, destroy) drives that host, not the lab file's. Local hypervisors take no connection,
 * and one machine listed twice would have its capacity counted twice: both are refused, located.
 */
import t from 'tap'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseClassFile } from '../../src/class/class-file.js'
import { instantiate } from '../../src/lab/instance.js'
import { parseLab } from '../../src/lab/load.js'
import { LabFileError } from '../../src/lab/problems.js'
import { accessSheet } from '../../src/class/access-sheet.js'
import { lab } from '../helpers/cli.js'

const head = 'lab: lab.yaml\npool: 10.60.0.0/16\nhosts:\n'

function problems(text: string): string[] {
  try {
    parseClassFile(head + text, '/c/class.yaml')
  } catch (err) {
    if (err instanceof LabFileError) return err.problems.map((p) => `${p.line}:${p.col} ${p.message} | ${p.hint}`)
    throw err
  }
  return []
}

t.test('the class file: a connection only where the provider reaches other machines, each host once', async (t) => {
  t.same(
    problems(
      '  - { name: srv1, provider: libvirt, connection: qemu+ssh://lab@srv1/system, memory: 65536, cpus: 32 }\n' +
        '  - { name: srv2, provider: libvirt, connection: qemu+ssh://lab@srv2/system, memory: 65536, cpus: 32 }\n',
    ),
    [],
  )
  const [vbox] = problems('  - { name: room1, provider: virtualbox, connection: teacher@room1, memory: 16384, cpus: 8 }\n')
  t.match(vbox, /^4:\d+ VirtualBox runs on the machine lab runs on: a virtualbox host has no connection \| leave connection out/)
  const [uri] = problems('  - { name: srv1, provider: libvirt, connection: ssh://srv1, memory: 65536, cpus: 32 }\n')
  t.match(uri, /^4:\d+ connection "ssh:\/\/srv1" is not a libvirt host \| a libvirt URI is qemu:\/\/\/system, qemu\+ssh:\/\/USER@HOST\/system/)
  const [twice] = problems(
    '  - { name: srv1, provider: libvirt, connection: qemu+ssh://lab@srv1/system, memory: 65536, cpus: 32 }\n' +
      '  - { name: again, provider: libvirt, connection: qemu+ssh://lab@srv1/system, memory: 65536, cpus: 32 }\n',
  )
  t.match(twice, /^5:\d+ hosts srv1 and again are the same libvirt host \| give each its own connection, e\.g\. connection: qemu\+ssh/)
  const [local] = problems('  - { name: a, provider: qemu, memory: 8192, cpus: 4 }\n  - { name: b, provider: qemu, memory: 8192, cpus: 4 }\n')
  t.match(local, /^5:\d+ hosts a and b are the same qemu host \(neither has a connection: both are the default one\) \| list this machine once/)
  const [node] = problems('  - { name: pve2, provider: proxmox, connection: "pve 2", memory: 65536, cpus: 32 }\n')
  t.match(node, /is not a Proxmox VE host \| a Proxmox VE connection is the name of a cluster node/)
})

t.test('the instance carries its host; the student sheet shows nothing of it', async (t) => {
  const base = parseLab('name: swarm\nos: debian12\nprovider: auto\nnetwork: { cidr: 192.168.56.0/24 }\nnodes: [{ name: master }]\n', 'lab.yaml')
  const alice = instantiate(base, { id: 'alice', cidr: '10.60.0.0/24', provider: 'libvirt', connection: 'qemu+ssh://teacher-login@srv1/system' })
  t.equal(alice.provider, 'libvirt')
  t.equal(alice.connection, 'qemu+ssh://teacher-login@srv1/system')
  t.equal(instantiate(base, { id: 'bob' }).connection, undefined, 'an instance of no class host keeps the lab file’s')
  const sheet = accessSheet(alice, { privateKey: 'KEY\n', secrets: { userPassword: 'pw', rootPassword: 'rpw', services: {} } } as never, { id: 'alice', name: 'Alice' })
  t.notOk(sheet.text.includes('teacher-login') || Object.values(sheet.files).some((f) => f.includes('teacher-login')), "nothing of the teacher's host login")
})

t.test('lab plan --commands of an instance drives its own host', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-conn-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'lab.yaml'), 'name: cl\nos: debian12\nprovider: libvirt\nlibvirt: { uri: "qemu:///system" }\nnetwork: { cidr: 192.168.91.0/24 }\nnodes: [{ name: master }]\n')
  const inst = join(dir, '.lab', 'cl', 'instances', 'alice')
  await mkdir(inst, { recursive: true, mode: 0o700 })
  await writeFile(join(inst, 'instance.json'), JSON.stringify({ id: 'alice', cidr: '10.60.4.0/24', provider: 'libvirt', connection: 'qemu+ssh://lab@srv2/system' }))
  const own = await lab(['--instance', 'alice', 'plan', '--commands', '-f', 'lab.yaml'], { cwd: dir })
  t.equal(own.code, 0, own.stderr)
  t.match(own.stdout, /virsh -c qemu\+ssh:\/\/lab@srv2\/system /)
  t.notMatch(own.stdout, /qemu:\/\/\/system/, 'not the lab file’s host')
  const plain = await lab(['plan', '--commands', '-f', 'lab.yaml'], { cwd: dir })
  t.equal(plain.code, 0, plain.stderr)
  t.match(plain.stdout, /virsh -c qemu:\/\/\/system /, 'the lab of one keeps the lab file’s host')
})

t.test("the sheet carries the hypervisor's console lines the provider gave, in a section of their own", async (t) => {
  const base = parseLab('name: swarm\nos: debian12\nprovider: auto\nnetwork: { cidr: 192.168.56.0/24 }\nnodes: [{ name: master }]\n', 'lab.yaml')
  const s01 = instantiate(base, { id: 's01', cidr: '10.60.0.0/24', provider: 'proxmox', connection: 'pve2' })
  const creds = { privateKey: 'KEY\n', secrets: { userPassword: 'pw', rootPassword: 'rpw', services: {} } } as never
  const console = ['Proxmox VE web console: https://pve1:8006/', '  user s01, realm "Proxmox VE authentication server" (s01@pve), password x', '  your VMs are in pool vmlab-s01']
  const sheet = accessSheet(s01, creds, { id: 's01', name: 'S' }, { console })
  t.match(sheet.text, /--- console ---\nProxmox VE web console: https:\/\/pve1:8006\/\n {2}user s01, realm .*\n {2}your VMs are in pool vmlab-s01\n/)
  t.notMatch(accessSheet(s01, creds, { id: 's01', name: 'S' }).text, /--- console ---/, 'no section where the provider has none')
})
