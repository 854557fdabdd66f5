/** `lab up --iso` with a file that is not an ISO9660 image stops before anything is made: no network, no VM, no process. */
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { simLab } from '../helpers/sim-lab.js'

t.test('a fake ISO is refused before the network is made', async (t) => {
  const lab = simLab(t, 'virtualbox', { name: 'pre', cidr: '127.83.50.0/24', nodes: ['master'] })
  // The ISO `lab up` is given here (lab.upArgs) becomes a download page saved under its name.
  writeFileSync(lab.iso, '<html>this is the download page, not the ISO</html>\n')
  const r = await lab.run(['up', '--json'])
  t.equal(r.code, 2, r.stdout + r.stderr)
  t.match(JSON.parse(r.stdout.trim().split('\n').at(-1)!), { error: /is not an ISO9660 image/, exitCode: 2 })
  t.same(lab.networks(), [], 'no network made')
  t.same(lab.vms(), [], 'no VM made')
})

t.test('a machine short of memory: exit 3 with the numbers and the fix, before anything is made; --force goes on', async (t) => {
  const lab = simLab(t, 'virtualbox', { name: 'fit', cidr: '127.83.51.0/24', nodes: ['master', 'node1'] })
  lab.env.VMLAB_HOST_FIGURES = JSON.stringify({ freeMemoryMiB: 2000, freeDiskMiB: 1 << 20, cpus: 8 })
  const r = await lab.run(['up', '--json'])
  t.equal(r.code, 3, r.stdout + r.stderr)
  t.match(JSON.parse(r.stdout.trim().split('\n').at(-1)!), {
    error: /cannot run fit as it is: not enough free memory: 2 nodes to start need 3072 MiB, this machine has 2000 MiB free; nothing was created/,
    hint: /less memory.*--only.*lab up --force/,
    exitCode: 3,
  })
  t.same(lab.networks(), [], 'no network made')
  t.same(lab.vms(), [], 'no VM made')
  const validate = await lab.run(['validate'])
  t.equal(validate.code, 0, 'validate does not look at the host')
  const forced = await lab.run(['up', '--force', '--no-provision', '--json'])
  // Past the check: the VMs are made (the simulator has no SSH servers, so the run ends at the SSH step).
  t.match(forced.stdout, /"type":"warn","message":"not enough free memory[^"]*\(--force: starting anyway\)"/)
  t.ok(lab.vms().length > 0, 'with --force the VMs are made')
  t.equal((await lab.run(['destroy', '--force'])).code, 0)
})
