/**
 * Batched probing: probes that ask a node at the same moment share one exec (run here by a real sh), and a
 * provision run of a converged lab costs one round trip per node for every module's probe together; after a
 * change, later steps probe again.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { FakeGuest } from '../helpers/fake-guest.js'
import { factsFor, fileOut, labWith, probeOutput, type Section } from '../helpers/module-run.js'
import { BatchingGuest } from '../../src/engine/probe-batch.js'
import { provision } from '../../src/engine/provision.js'
import { probeSections } from '../../src/modules/lib/probe-script.js'
import { renderHosts } from '../../src/modules/hosts.js'
import { chronyConfig } from '../../src/modules/chrony.js'
import type { ModuleOptions } from '../../src/lab/module-options.js'

/** A guest whose commands run in a local sh, as they would on a node. */
function shellGuest(): FakeGuest {
  return new FakeGuest([{ match: /[\s\S]*/, reply: (cmd) => ({ stdout: execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }) }) }])
}

t.test('probes asked together go out as one exec; equal commands run once; clashing names are kept apart', async (t) => {
  const inner = shellGuest()
  const guest = new BatchingGuest(inner)
  const [first, second] = await Promise.all([
    probeSections(guest, 'n', { a: 'echo one', b: ['printf', '%s', 'two'] }),
    probeSections(guest, 'n', { a: ['sh', '-c', 'echo three; exit 3'], c: ['printf', '%s', 'two'] }),
  ])
  t.equal(inner.commands.length, 1, 'one exec')
  t.equal(guest.batches, 1)
  t.same(first, { a: { code: 0, out: 'one\n' }, b: { code: 0, out: 'two' } })
  t.same(second, { a: { code: 3, out: 'three\n' }, c: { code: 0, out: 'two' } })
  t.equal(inner.commands[0]!.split("printf '%s' two").length - 1, 1, 'the shared command ran once')
  t.match(inner.commands[0], /#vmlab:begin:a_2'/, "the second 'a' got a name of its own")

  const later = await probeSections(guest, 'n', { d: 'echo four' })
  t.same(later, { d: { code: 0, out: 'four\n' } })
  t.equal(inner.commands.length, 2, 'a probe asked later is a round trip of its own')
})

t.test('a read whose commands are all in the script running at that moment shares its answer', async (t) => {
  const inner = shellGuest()
  const exec = inner.exec.bind(inner)
  inner.exec = async (cmd, opts) => {
    await new Promise((r) => setTimeout(r, 300))
    return exec(cmd, opts)
  }
  const guest = new BatchingGuest(inner)
  const first = probeSections(guest, 'n', { info: 'echo info', nodes: 'echo nodes' })
  await new Promise((r) => setTimeout(r, 100))
  const [a, b, c] = await Promise.all([first, probeSections(guest, 'n', { x: 'echo nodes' }), probeSections(guest, 'n', { y: 'echo other' })])
  t.same(a, { info: { code: 0, out: 'info\n' }, nodes: { code: 0, out: 'nodes\n' } })
  t.same(b, { x: { code: 0, out: 'nodes\n' } }, 'answered by the running script')
  t.same(c, { y: { code: 0, out: 'other\n' } })
  t.equal(inner.commands.length, 2, 'the read with a new command needed an exec of its own; the other did not')
})

t.test('a section the node did not report fails only the probes that asked for it, with what the node said', async (t) => {
  const inner = new FakeGuest([{ match: /[\s\S]*/, stdout: '#vmlab:begin:a\nok\n#vmlab:end:a:0\n', stderr: 'sh: 5: syntax error\n' }])
  const guest = new BatchingGuest(inner)
  const [a, b] = await Promise.allSettled([probeSections(guest, 'node1', { a: 'echo ok' }), probeSections(guest, 'node1', { b: 'echo broken' })])
  t.same(a, { status: 'fulfilled', value: { a: { code: 0, out: 'ok' } } })
  t.match(b, { status: 'rejected', reason: { message: /^node1: the probe did not report b \(exit 0\):\nsh: 5: syntax error/ } })
})

const LAB = labWith('  - hosts\n  - chrony: { server: master }', { os: 'rocky9' })
const chronyOptions = LAB.modules[1]!.options as ModuleOptions<'chrony'>
const EL_HOSTS = '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n'
const SYNCED = '^* 192.168.56.10                10   6    17    13   +134us[ +201us] +/- 1123us\n'

/** Section answers of a converged node of LAB (hosts and chrony); `hosts` overrides its /etc/hosts. */
function converged(node: 'master' | 'node1', hosts = renderHosts(EL_HOSTS, LAB, [])): Record<string, Section | string> {
  const role = node === 'master' ? 'server' : 'client'
  return {
    hostname: fileOut(`${node}.localdomain\n`),
    running: `${node}.localdomain\n`,
    hosts: fileOut(hosts),
    hostnamectl: '/usr/bin/hostnamectl\n',
    packages: 'installed chrony\n',
    config: fileOut(chronyConfig(LAB, chronyOptions, role, 'el9')),
    service: 'ActiveState=active\nUnitFileState=enabled\n',
    time: node === 'master' ? 'Reference ID    : 7F7F0101 ()\n' : SYNCED,
  }
}

/** A node that answers any probe script from `answers`, section by section, as the script asks. */
function sectionGuest(answers: () => Record<string, Section | string>): FakeGuest {
  return new FakeGuest([
    {
      match: /^echo '#vmlab:begin:/,
      reply: (cmd) => {
        const names = [...cmd.matchAll(/^echo '#vmlab:begin:([^']+)'$/gm)].map((m) => m[1]!)
        const all = answers()
        return { stdout: probeOutput(Object.fromEntries(names.map((n) => [n, all[n] ?? { out: '', code: 1 }]))) }
      },
    },
    { match: /^(restorecon|systemctl) / },
  ])
}

function accessFor(guests: Record<string, FakeGuest>) {
  return {
    guest: async (node: string) => ({ guest: guests[node]!, facts: factsFor('el9') }),
    secret: async () => 'unused',
    labFile: (rel: string) => rel,
    log: () => {},
  }
}

t.test('a converged lab: every module of a node is probed in one round trip, and nothing else is sent', async (t) => {
  const guests = { master: sectionGuest(() => converged('master')), node1: sectionGuest(() => converged('node1')) }
  const results = await provision(LAB, accessFor(guests))
  t.same(
    results.map((r) => [r.node, r.module, r.status]),
    [
      ['master', 'hosts', 'ok'],
      ['node1', 'hosts', 'ok'],
      ['master', 'chrony', 'ok'],
      ['node1', 'chrony', 'ok'],
    ],
  )
  for (const [name, guest] of Object.entries(guests)) {
    t.equal(guest.commands.length, 1, `${name}: one exec`)
    t.match(guest.commands[0], /#vmlab:begin:hosts'[\s\S]*#vmlab:begin:config'[\s\S]*#vmlab:begin:time'/, `${name}: hosts and chrony sections together`)
  }
})

t.test('after a step changed something, the later steps probe again instead of trusting the early probe', async (t) => {
  let hostsFile = EL_HOSTS
  const node1 = sectionGuest(() => converged('node1', hostsFile))
  const uploads = node1.upload.bind(node1)
  node1.upload = async (path, data, opts) => {
    if (path === '/etc/hosts') hostsFile = String(data)
    return uploads(path, data, opts)
  }
  const guests = { master: sectionGuest(() => converged('master')), node1 }
  const results = await provision(LAB, accessFor(guests))
  t.same(
    results.map((r) => [r.node, r.module, r.status]),
    [
      ['master', 'hosts', 'ok'],
      ['node1', 'hosts', 'changed'],
      ['master', 'chrony', 'ok'],
      ['node1', 'chrony', 'ok'],
    ],
  )
  const chronyProbes = (g: FakeGuest) => g.commands.filter((c) => c.includes("#vmlab:begin:config'")).length
  t.equal(chronyProbes(node1), 2, 'node1: the early probe, then a fresh one after the hosts change')
  t.equal(chronyProbes(guests.master), 2, 'master too: a change anywhere makes every early probe stale')
})

t.test('--check uses the early probes and changes nothing', async (t) => {
  const node1 = sectionGuest(() => converged('node1', EL_HOSTS))
  const guests = { master: sectionGuest(() => converged('master')), node1 }
  const results = await provision(LAB, accessFor(guests), { check: true })
  t.same(
    results.map((r) => r.status),
    ['ok', 'changed', 'ok', 'ok'],
  )
  t.same(node1.uploads, [])
  t.equal(node1.commands.length, 1, 'one exec for the whole plan')
})
