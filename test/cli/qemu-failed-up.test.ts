/**
 * A `lab up` on QEMU that fails after the lab network was made (here: the install ISO cannot be had) leaves no
 * vde_switch running, and the next command finds the lab as it was left: `lab destroy` cleans up.
 */
import t from 'tap'
import { join } from 'node:path'
import { writeFileSync } from 'node:fs'
import { lab } from '../helpers/cli.js'
import { processesMentioning } from '../helpers/lab-processes.js'

const LAB = `name: fails
os: rocky9
provider: qemu
network: { cidr: 192.168.57.0/24 }
nodes:
  - { name: master, ip: 192.168.57.10 }
`

t.test('a failed up stops the switch it started', async (t) => {
  const dir = t.testdir({})
  writeFileSync(join(dir, 'lab.yaml'), LAB)
  const qemuDir = join(dir, 'qemu')
  const env = { VMLAB_QEMU_DIR: qemuDir, VMLAB_CACHE_DIR: join(dir, 'cache'), VMLAB_QEMU_ACCEL: 'tcg', VMLAB_STATE_HOME: join(dir, 'home') }
  // Port 9 on loopback refuses at once: the download fails after the network step.
  const r = await lab(['up', 'lab.yaml', '--mirror', 'http://127.0.0.1:9/'], { cwd: dir, env, timeoutMs: 120_000 })
  t.not(r.code, 0, r.stdout + r.stderr)
  t.match(r.stdout + r.stderr, /network done/, 'the network was made before the failure')
  t.same(processesMentioning(qemuDir, /vde_switch/), [], 'no vde_switch left running')
  const again = await lab(['destroy', 'lab.yaml', '--force'], { cwd: dir, env })
  t.equal(again.code, 0, again.stdout + again.stderr)
  t.same(processesMentioning(qemuDir), [], 'nothing of the lab runs')
})
