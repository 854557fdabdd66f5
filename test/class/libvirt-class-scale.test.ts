/**
 * A class of 30 students × 3 nodes over 3 libvirt hosts, on libvirt's own test driver: each host is a
 * test:/// URI of its own node file (its CPUs and memory as `virsh nodeinfo` reports them), each kept in one
 * virsh session (test/helpers/virsh-session.ts) so that calls see each other as on a real host. The class
 * file's placement, the instance's connection (class up's instance.json) and the provider's calls are the
 * real code; per student, what `lab up` asks of the provider: its network, three linked clones with their
 * seed, start, the live ready snapshot; then `class destroy`'s part. Asserted: placement within capacity,
 * every student on the host the plan chose, names and networks unique, the base uploaded once per host, at
 * most `concurrency` students at work at once per host, nothing left. VMLAB_BENCH=1 prints the figures
 * (bench/class-libvirt.mjs).
 */
import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseClassFile } from '../../src/class/class-file.js'
import { planClass } from '../../src/class/class-plan.js'
import { instantiate, labKey } from '../../src/lab/instance.js'
import { parseLab } from '../../src/lab/load.js'
import { macFor } from '../../src/lab/resolve.js'
import { vmName, vmPrefix } from '../../src/lab/vm-names.js'
import { createProvider } from '../../src/providers/index.js'
import type { LibvirtProvider } from '../../src/providers/libvirt/provider.js'
import { OS_CATALOG } from '../../src/lab/os-catalog.js'
import { mapLimit } from '../../src/util/parallel.js'
import { VirshSessionRunner } from '../helpers/virsh-session.js'

t.setTimeout(600_000)

const STUDENTS = 30
const HOSTS = [
  { name: 'srv1', cpus: 48, memoryMiB: 98304 },
  { name: 'srv2', cpus: 32, memoryMiB: 65536 },
  { name: 'srv3', cpus: 16, memoryMiB: 32768 },
]

function nodeFile(cpus: number, memoryMiB: number): string {
  return `<node>
  <cpu><mhz>2400</mhz><model>vmlab-test</model><active>${cpus}</active><total>${cpus}</total><nodes>1</nodes><sockets>1</sockets><cores>${cpus}</cores><threads>1</threads></cpu>
  <memory>${memoryMiB * 1024}</memory>
  <pool type='dir'><name>default-pool</name><uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid><capacity>4398046511104</capacity><allocation>0</allocation><available>4398046511104</available><target><path>/default-pool</path></target></pool>
</node>
`
}

t.test(`${STUDENTS} students × 3 nodes over 3 libvirt hosts (test:/// driver)`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'vmlab-class-scale-'))
  const runner = new VirshSessionRunner()
  t.teardown(async () => {
    runner.close()
    await rm(dir, { recursive: true, force: true })
  })
  const uri: Record<string, string> = {}
  for (const h of HOSTS) {
    await writeFile(join(dir, `${h.name}.xml`), nodeFile(h.cpus, h.memoryMiB))
    uri[h.name] = `test://${join(dir, `${h.name}.xml`)}`
  }
  for (const f of ['disk.qcow2', 'vmlinuz', 'initrd.img', 'seed.iso']) await writeFile(join(dir, f), 'x'.repeat(1024))

  const lab = parseLab(
    'name: swarm\nos: debian12\nprovider: libvirt\nlibvirt: { uri: "qemu:///system", pool: default-pool }\nnetwork: { cidr: 192.168.56.0/24 }\ndefaults: { cpus: 1, memory: 2048, disk: 10 }\nnodes: [{ name: master }, { name: node1 }, { name: node2 }]\n',
    'lab.yaml',
  )
  const concurrency = 4
  // The class file's capacities are what each host's nodeinfo says: the teacher copies them from virsh.
  const cls = parseClassFile(
    `lab: lab.yaml\npool: 10.60.0.0/16\nconcurrency: ${concurrency}\nhosts:\n${HOSTS.map((h) => `  - { name: ${h.name}, provider: libvirt, connection: "${uri[h.name]}", memory: ${h.memoryMiB}, cpus: ${h.cpus} }`).join('\n')}\n`,
    join(dir, 'class.yaml'),
  )
  const students = Array.from({ length: STUDENTS }, (_, i) => ({ id: `s${i}`, name: `Student ${i}`, email: `s${i}@school.example` }))
  const t0 = performance.now()
  const plan = planClass(cls, lab, students)
  const planMs = performance.now() - t0
  t.same(plan.unplaced, [], 'all fit')
  for (const h of cls.hosts) t.ok(plan.used[h.name]!.memory <= h.memory && plan.used[h.name]!.cpus <= h.cpus, `${h.name} within its capacity`)
  t.equal(new Set(plan.members.map((m) => m.cidr)).size, STUDENTS, 'one network each')

  const providers = new Map<string, LibvirtProvider>()
  const of = async (m: (typeof plan.members)[number]) => {
    const host = cls.hosts.find((h) => h.name === m.host)!
    const inst = instantiate(lab, { id: m.id, cidr: m.cidr, provider: host.provider, ...(host.connection ? { connection: host.connection } : {}) })
    const p = (await createProvider('libvirt', { stateDir: join(dir, 'state', m.id), lab: inst, runner })) as LibvirtProvider
    return { inst, p }
  }

  for (const h of cls.hosts) {
    const p = (await of(plan.members.find((m) => m.host === h.name)!)).p
    t.equal(p.settings.uri, uri[h.name], `the instance drives ${h.name}'s own URI`)
    const cap = await p.hostCapacity()
    t.same([cap.cpus, cap.memoryMiB], [h.cpus, h.memory], `${h.name}'s nodeinfo is the class file's capacity`)
    providers.set(h.name, p)
  }

  // The base: one per host, uploaded once (the first student of each host would make it).
  const base = 'vmlab-base-debian12-0123abcd'
  for (const h of cls.hosts) {
    const p = providers.get(h.name)!
    const net = await p.ensureNetwork({ lab: 'base', cidr: '192.168.250.0/24', prefix: 24, netmask: '255.255.255.0', hostIp: '192.168.250.1' })
    await p.createBase({
      name: base,
      os: OS_CATALOG.debian12,
      cpus: 1,
      memoryMiB: 512,
      // The test driver gives every pool 100 GiB whatever the node file says: small disks, so 48 clones fit.
      diskGiB: 1,
      source: { kind: 'image', disk: join(dir, 'disk.qcow2'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), append: 'root=/dev/vda rw console=ttyS0' },
      network: net,
      installTimeoutMs: 1000,
    })
    await p.snapshotTake(base, 'vmlab-base')
  }
  const uploadsAfterBase = runner.modelled.filter((c) => !c.some((a) => a.endsWith('.seed.iso'))).length
  t.equal(uploadsAfterBase, 3 * 3, 'image, kernel and initrd once per host')

  const callsBefore = runner.calls.length
  const busy = new Map<string, number>()
  const peak = new Map<string, number>()
  const upStart = performance.now()
  const byHost = new Map<string, typeof plan.members>()
  for (const m of plan.members) byHost.set(m.host, [...(byHost.get(m.host) ?? []), m])
  await Promise.all(
    [...byHost.values()].map((list) =>
      mapLimit(list, concurrency, async (m) => {
        busy.set(m.host, (busy.get(m.host) ?? 0) + 1)
        peak.set(m.host, Math.max(peak.get(m.host) ?? 0, busy.get(m.host)!))
        const { inst, p } = await of(m)
        const net = await p.ensureNetwork({ lab: labKey(inst), cidr: inst.network.cidr, prefix: inst.network.prefix, netmask: inst.network.netmask, hostIp: inst.network.hostIp })
        for (const n of inst.nodes)
          await p.cloneLinked({
            name: vmName(inst, n),
            base,
            baseSnapshot: 'vmlab-base',
            cpus: n.cpus,
            memoryMiB: n.memory,
            mac: macFor(inst, n, 'libvirt'),
            seedIso: join(dir, 'seed.iso'),
            network: net,
            forwards: [],
            initialSnapshot: 'clean',
          })
        for (const n of inst.nodes) await p.start(vmName(inst, n))
        for (const n of inst.nodes) await p.pause!(vmName(inst, n))
        for (const n of inst.nodes) await p.snapshotTake(vmName(inst, n), 'ready', { live: true })
        for (const n of inst.nodes) await p.resume!(vmName(inst, n))
        busy.set(m.host, busy.get(m.host)! - 1)
      }),
    ),
  )
  const upMs = performance.now() - upStart
  const upCalls = runner.calls.length - callsBefore
  for (const [host, n] of peak) t.ok(n <= concurrency, `${host}: at most ${concurrency} students at once (${n})`)

  for (const h of cls.hosts) {
    const p = providers.get(h.name)!
    const mine = plan.members.filter((m) => m.host === h.name)
    const vms = await p.list('vmlab-swarm.')
    t.same(vms.sort(), mine.flatMap((m) => lab.nodes.map((n) => vmName({ name: lab.name, instance: m.id }, n))).sort(), `${h.name} runs exactly its students' VMs`)
    const macs = await Promise.all(vms.map(async (vm) => /<mac address='([^']+)'/.exec((await runner.run('virsh', ['-c', uri[h.name]!, 'dumpxml', vm])).stdout)![1]))
    t.equal(new Set(macs).size, macs.length, `${h.name}: no MAC twice`)
  }
  const allVms = plan.members.flatMap((m) => lab.nodes.map((n) => vmName({ name: lab.name, instance: m.id }, n)))
  t.equal(new Set(allVms).size, STUDENTS * 3, '90 names, none twice')

  // class destroy's part: each student's VMs and network, then the base where no student is left.
  const destroyStart = performance.now()
  await Promise.all(
    [...byHost.values()].map((list) =>
      mapLimit(list, concurrency, async (m) => {
        const { inst, p } = await of(m)
        for (const vm of await p.list(vmPrefix(inst))) await p.destroy(vm)
        await p.removeNetwork({ id: `vmlab-${labKey(inst)}`, created: true })
      }),
    ),
  )
  const destroyMs = performance.now() - destroyStart
  for (const h of cls.hosts) {
    const p = providers.get(h.name)!
    await p.destroy(base)
    t.same(await p.list('vmlab-'), [], `${h.name}: no domain left`)
    const v = (a: string[]) => runner.run('virsh', ['-c', uri[h.name]!, ...a]).then((r) => r.stdout)
    t.notMatch(await v(['net-list', '--all', '--name']), /vmlab-swarm/, `${h.name}: no student network left`)
    t.same(
      (await v(['vol-list', 'default-pool'])).split('\n').filter((l) => /vmlab-(swarm|base)/.test(l)),
      [],
      `${h.name}: no disk or seed left`,
    )
  }
  if (process.env.VMLAB_BENCH)
    t.comment(
      `plan ${planMs.toFixed(1)} ms; up (provider part, ${STUDENTS * 3} VMs) ${(upMs / 1000).toFixed(1)} s, ${upCalls} virsh calls = ${(upCalls / STUDENTS).toFixed(1)} per student; destroy ${(destroyMs / 1000).toFixed(1)} s; per host ${[...byHost].map(([h, l]) => `${h}: ${l.length} students`).join(', ')}`,
    )
})
