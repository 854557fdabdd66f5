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
