/** Live and cold lab snapshots and resets on the VBoxManage simulator, as VirtualBox 6.1, 7.0 and 7.1. */
import t from 'tap'
import { liveResetTests, virtualbox } from './live-reset-sim.js'

// Every simulated CLI call starts a Node process: on a busy machine that adds up to minutes.
t.setTimeout(900_000)

for (const version of ['6.1.50r161033', '7.0.14r161095', '7.1.4r165100']) {
  liveResetTests(t, `VirtualBox ${version.split('.').slice(0, 2).join('.')}`, (t) => virtualbox(t, version))
}
