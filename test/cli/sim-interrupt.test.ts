/**
 * Fault injection against the VirtualBox simulator: `lab up` killed with SIGKILL at the stages where it
 * creates something (host-only network, base install, clones), then resumed by the next `lab up` or cleaned
 * up by `lab destroy`. No stand-in guest answers here (VirtualBox reaches SSH through a NAT port picked per
 * clone), so a resumed run is followed as far as SSH; the VMware suite follows resumed runs to the end.
 */
import t from 'tap'
import { interruptSuite, midStepCuts, type Cut, type SuiteOptions } from '../helpers/interrupt-suite.js'
import { has } from '../helpers/kill-at.js'

t.setTimeout(1_800_000)
t.jobs = 2

let net = 0
const suite: SuiteOptions = {
  provider: 'virtualbox',
  name: 'cut',
  nodes: ['master', 'node1'],
  guests: false,
  cidr: () => `127.78.${++net}.0/24`,
}

const [midInstall, midClone] = midStepCuts(suite.name, 'master') as [Cut, Cut]
const cut = (name: string, when: Cut['when']): Cut => ({ name, when })

interruptSuite(
  t,
  suite,
  [
    // The interface exists, the journal does not say so yet: destroy removes it, a resumed up owns it.
    cut('while the host-only network is made', (j, lab) => has(j, 'network', 'start') && !has(j, 'network', 'done') && lab.networks().length > 0),
  ],
)
interruptSuite(t, suite, [cut('right after the network', (j) => has(j, 'network', 'done'))], ['destroy'])
interruptSuite(t, suite, [midInstall])
interruptSuite(t, suite, [midClone], ['resume'])
interruptSuite(t, suite, [cut('after the clones', (j) => has(j, 'clone:node1', 'done') && has(j, 'clone:master', 'done'))], ['destroy'])
