/** Live and cold lab snapshots and resets on the VBoxManage simulator as VirtualBox 7.1 on a Windows and on a macOS host. */
import t from 'tap'
import { liveResetTests, virtualbox } from './live-reset-sim.js'

// Every simulated CLI call starts a Node process: on a busy machine that adds up to minutes.
t.setTimeout(900_000)

liveResetTests(t, 'VirtualBox 7.1 on Windows', (t) => virtualbox(t, '7.1.4r165100', 'windows'))
liveResetTests(t, 'VirtualBox 7.1 on macOS', (t) => virtualbox(t, '7.1.4r165100', 'darwin'))
