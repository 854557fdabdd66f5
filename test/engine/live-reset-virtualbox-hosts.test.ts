/**
 * Live and cold lab snapshots and resets on the VBoxManage simulator as VirtualBox 7.1 on a Windows host
 * (VBoxManage.exe's texts). macOS is not here yet: there VirtualBox 7 has no host-only adapters
 * (`hostonlyif create` fails on /dev/vboxnetctl), and the helper's network set-up asks for one.
 */
import t from 'tap'
import { liveResetTests, virtualbox } from './live-reset-sim.js'

// Every simulated CLI call starts a Node process: on a busy machine that adds up to minutes.
t.setTimeout(900_000)

liveResetTests(t, 'VirtualBox 7.1 on Windows', (t) => virtualbox(t, '7.1.4r165100', 'windows'))
