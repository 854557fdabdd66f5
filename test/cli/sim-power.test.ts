/**
 * `lab halt` and `lab resume` against the VirtualBox and VMware simulators, with stand-in guests answering
 * SSH: the lab powered down (or suspended) between classes and back, whole or `--only` some nodes, and the
 * NDJSON that `--json` prints for these long commands.
 */
import t from 'tap'
import { simLab } from '../helpers/sim-lab.js'
import { startNodeSshds } from '../helpers/node-sshd.js'

t.setTimeout(900_000)

interface Line {
  type?: string
  nodes?: Array<{ node: string; was: string; now: string }>
  error?: string
  exitCode?: number
}

const ndjson = (stdout: string): Line[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line)

let net = 0
// VMware's nodes are reached on their lab address, where the stand-in guests listen: the whole cycle.
t.test('vmware: halt, resume, halt --suspend --only, resume', async (t) => {
  const lab = simLab(t, 'vmware', { name: 'pow', cidr: `127.83.${++net}.0/24`, nodes: ['master', 'node1'] })
  const guests = await startNodeSshds(t, lab.dir)
  const up = await lab.run(['up', ...lab.upArgs], 600_000)
  t.equal(up.code, 0, up.stderr)
  t.equal(lab.running().length, 2)
  t.match(
    up.stderr,
    /lab pow: Rocky Linux 9[^,]*, 2 nodes \(master, node1\) on VMware[^(]*\(--provider\); installs from .*install\.iso: nothing to download/,
    'up opens with one line: lab, OS, nodes, provider and why, download',
  )

  const halted = await lab.run(['halt', '--json'])
  t.equal(halted.code, 0, halted.stderr)
  const lines = ndjson(halted.stdout)
  t.ok(
    lines.slice(0, -1).every((l) => l.type === 'stage' || l.type === 'task'),
    'every line before the result is a progress event',
  )
  t.match(lines.at(-1), {
    type: 'result',
    nodes: [
      { node: 'master', was: 'running', now: 'poweroff' },
      { node: 'node1', was: 'running', now: 'poweroff' },
    ],
  })
  t.same(lab.running(), [], 'nothing runs after lab halt')

  const resumed = await lab.run(['resume'])
  t.equal(resumed.code, 0, resumed.stderr)
  t.match(resumed.stdout, /master\s+poweroff\s+running/)
  t.equal(lab.running().length, 2, 'both run again')
  t.ok(
    guests.commands().some((c) => c.includes('date -u -s @')),
    'the clocks are stepped',
  )

  const suspended = await lab.run(['halt', '--suspend', '--only', 'node1', '--json'])
  t.equal(suspended.code, 0, suspended.stderr)
  t.match(ndjson(suspended.stdout).at(-1), { type: 'result', nodes: [{ node: 'node1', was: 'running', now: 'saved' }] })
  t.equal(lab.running().length, 1, '--only halts only node1')
  const status = JSON.parse((await lab.run(['status', '--json'])).stdout) as { nodes: Array<{ node: string; state: string }> }
  t.same(
    status.nodes.map((n) => [n.node, n.state]),
    [
      ['master', 'running'],
      ['node1', 'saved'],
    ],
    'node1 is suspended (its memory saved), not shut down',
  )
  const back = await lab.run(['resume', '--only', 'node1', '--json'])
  t.equal(back.code, 0, back.stderr)
  t.match(ndjson(back.stdout).at(-1), { type: 'result', nodes: [{ node: 'node1', was: 'saved', now: 'running' }] })

  const unknown = await lab.run(['halt', '--only', 'node9', '--json'])
  t.equal(unknown.code, 2, 'an unknown node is bad input')
  t.match(ndjson(unknown.stdout).at(-1), { error: /node9/, exitCode: 2 })
  t.equal((await lab.run(['destroy', '--force'])).code, 0)
})

// VirtualBox's nodes are reached through NAT port forwards, where no stand-in answers: halt and the boot half of resume.
t.test('virtualbox: halt --suspend saves, halt powers off, resume boots them', async (t) => {
  const lab = simLab(t, 'virtualbox', { name: 'pow', cidr: `127.83.${++net}.0/24`, nodes: ['master', 'node1'] })
  await lab.run(['up', ...lab.upArgs], 600_000)
  t.equal(lab.running().length, 2, 'up stops at SSH with both nodes running')
  const suspended = await lab.run(['halt', '--suspend', '--only', 'master', '--json'])
  t.equal(suspended.code, 0, suspended.stderr)
  t.match(ndjson(suspended.stdout).at(-1), { type: 'result', nodes: [{ node: 'master', was: 'running', now: 'saved' }] })
  const halted = await lab.run(['halt'])
  t.equal(halted.code, 0, halted.stderr)
  t.match(halted.stdout, /master\s+saved\s+saved/)
  t.match(halted.stdout, /node1\s+running\s+poweroff/)
  t.same(lab.running(), [])
  const resumed = await lab.run(['resume', '--json'])
  t.equal(resumed.code, 1, 'resume boots both, then finds no SSH server (none runs here)')
  t.match(ndjson(resumed.stdout).at(-1), { error: /SSH/, exitCode: 1 })
  t.equal(lab.running().length, 2, 'both run again')
  t.equal((await lab.run(['destroy', '--force'])).code, 0)
})
