/** Live and cold lab snapshots and resets on the vmrun simulator, as VMware Workstation (`-T ws`) and Fusion (`-T fusion`). */
import t from 'tap'
import { liveResetTests, vmwareHost } from './live-reset-sim.js'

// Every simulated CLI call starts a Node process: on a busy machine that adds up to minutes.
t.setTimeout(900_000)

liveResetTests(t, 'VMware Workstation', (t) => vmwareHost(t, 'ws'))
liveResetTests(t, 'VMware Fusion', (t) => vmwareHost(t, 'fusion'))
