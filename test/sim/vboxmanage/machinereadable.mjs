// `showvminfo --machinereadable` and the snapshot tree, key by key in the order VBoxManage
// prints them (VBoxManageInfo.cpp), including its warts: 7.0's bare "Encryption:" line, the
// unquoted "BIOS NVRAM File" key, " rec_screen0", and "VRDEClients==0" for running VMs.
import { findOsType } from './ostypes.mjs'
import { mediumById } from './media.mjs'
import { logFolder, machineDir, MAX_NICS, nvramFile, snapshotFolder } from './machines.mjs'

function escapeString(text) {
  return String(text).replace(/["\\]/g, (c) => `\\${c}`)
}

/** outputMachineReadableString(): key="value", the key quoted when asked or when it holds '='. */
export function mr(key, value, quoteKey = false) {
  const k = quoteKey || key.includes('=') ? `"${escapeString(key)}"` : escapeString(key)
  return `${k}="${escapeString(value)}"`
}

const onoff = (b) => (b ? 'on' : 'off')

/** RTTimeSpecToString() of a millisecond timestamp, as VMStateChangeTime shows it. */
export function stateTime(ms) {
  return new Date(ms).toISOString().replace('Z', '000000')
}

/** The SnapshotName/SnapshotName-1/... tree with the Current* trio after the current node. */
export function snapshotLines(m) {
  const lines = []
  const walk = (snap, suffix) => {
    lines.push(`SnapshotName${suffix}="${snap.name}"`)
    lines.push(`SnapshotUUID${suffix}="${snap.uuid}"`)
    if (snap.description) lines.push(`SnapshotDescription${suffix}="${snap.description}"`)
    if (snap.uuid === m.currentSnapshot) {
      lines.push(`CurrentSnapshotName="${snap.name}"`)
      lines.push(`CurrentSnapshotUUID="${snap.uuid}"`)
      lines.push(`CurrentSnapshotNode="SnapshotName${suffix}"`)
    }
    for (const [i, child] of m.snapshots.filter((s) => s.parent === snap.uuid).entries()) walk(child, `${suffix}-${i + 1}`)
  }
  const root = m.snapshots.find((s) => s.parent === null)
  if (root) walk(root, '')
  return lines
}

function storageLines(ctx, c, major) {
  const lines = []
  for (let port = 0; port < c.portCount; port++) {
    for (let device = 0; device < c.devicesPerPort; device++) {
      const key = (infix) => (infix ? `${c.name}-${infix}-${port}-${device}` : `${c.name}-${port}-${device}`)
      const a = c.attachments.find((x) => x.port === port && x.device === device)
      if (!a) {
        lines.push(mr(key(''), 'none', true))
        continue
      }
      const dvd = a.type === 'dvddrive'
      // Before 7.0 the DVD flags lacked the port and unit numbers.
      const dvdKey = (infix) => (major >= 7 ? key(infix) : `${c.name}-${infix}`)
      if (!a.medium) {
        lines.push(mr(key(''), 'emptydrive', true))
        if (dvd) lines.push(mr(dvdKey('IsEjected'), 'off', true))
        continue
      }
      const medium = mediumById(ctx.state, a.medium)
      lines.push(mr(key(''), medium.location, true))
      lines.push(mr(key('ImageUUID'), medium.uuid, true))
      if (dvd) {
        lines.push(mr(dvdKey('tempeject'), 'off', true))
        lines.push(mr(dvdKey('IsEjected'), 'off', true))
      }
      if (/^(sata|usb)$/i.test(c.name)) lines.push(mr(key('hot-pluggable'), 'off', true))
      lines.push(mr(key('nonrotational'), 'off', true))
      lines.push(mr(key('discard'), 'off', true))
    }
  }
  return lines
}

function nicLines(nic, n) {
  if (!nic.enabled) return [`nic${n}="none"`]
  const lines = []
  let attachment = nic.attachment
  if (nic.attachment === 'nat') lines.push(`natnet${n}="nat"`)
  else if (nic.attachment === 'hostonly') lines.push(`hostonlyadapter${n}="${nic.hostonly}"`)
  else if (nic.attachment === 'hostonlynet') {
    lines.push(`hostonly-network${n}="${nic.hostonlynet}"`)
    attachment = 'hostonlynetwork'
  } else if (nic.attachment === 'bridged') lines.push(`bridgeadapter${n}="${nic.bridged ?? ''}"`)
  else if (nic.attachment === 'intnet') lines.push(`intnet${n}="${nic.intnet ?? 'intnet'}"`)
  lines.push(`macaddress${n}="${nic.mac}"`)
  lines.push(`cableconnected${n}="${onoff(nic.cable)}"`)
  lines.push(`nic${n}="${attachment}"`)
  lines.push(`nictype${n}="${nic.type}"`)
  lines.push(`nicspeed${n}="0"`)
  if (nic.attachment === 'nat') {
    lines.push('mtu="0"', 'sockSnd="64"', 'sockRcv="64"', 'tcpWndSnd="64"', 'tcpWndRcv="64"')
    for (const [i, r] of nic.natpf.entries()) lines.push(`Forwarding(${i})="${r.name},${r.proto},${r.hostip},${r.hostport},${r.guestip},${r.guestport}"`)
  }
  return lines
}

export function vmInfo(ctx, m) {
  const { version } = ctx.env
  const seven = version.major >= 7
  const c = m.config
  const running = m.state === 'running' || m.state === 'paused'
  const L = []
  // 7.0 printed the encryption state as a bare human-readable line; 7.1 made it a key.
  const since71 = version.major > 7 || (seven && version.minor >= 1)
  L.push(mr('name', m.name))
  if (since71) L.push('encryption="disabled"')
  else if (seven) L.push('Encryption:     disabled')
  L.push(mr('groups', m.groups.join(',')))
  if (since71) L.push('platformArchitecture="x86"')
  L.push(mr('ostype', findOsType(version, c.ostype)?.description ?? c.ostype))
  L.push(mr('UUID', m.uuid))
  L.push(mr('CfgFile', m.cfgFile))
  L.push(mr('SnapFldr', snapshotFolder(m)))
  L.push(mr('LogFldr', logFolder(m)))
  L.push(mr('hardwareuuid', m.hardwareuuid))
  L.push(`memory=${c.memory}`)
  L.push('pagefusion="off"')
  L.push(`vram=${c.vram}`)
  L.push('cpuexecutioncap=100', 'hpet="off"', 'cpu-profile="host"', 'chipset="piix3"')
  L.push(`firmware="${c.firmware}"`)
  L.push(`cpus=${c.cpus}`)
  L.push('pae="on"', 'longmode="on"', 'triplefaultreset="off"', 'apic="on"', 'x2apic="on"', 'nested-hw-virt="off"')
  L.push('cpuid-portability-level=0', 'bootmenu="messageandmenu"')
  for (const [i, dev] of c.boot.entries()) L.push(`boot${i + 1}="${dev}"`)
  L.push('acpi="on"', `ioapic="${onoff(c.ioapic)}"`, 'biosapic="apic"', 'biossystemtimeoffset=0')
  if (seven) L.push(`BIOS NVRAM File="${escapeString(nvramFile(m))}"`)
  L.push(`rtcuseutc="${onoff(c.rtcuseutc)}"`)
  L.push('hwvirtex="on"', 'nestedpaging="on"', 'largepages="on"', 'vtxvpid="on"', 'vtxux="on"')
  if (seven) L.push('virtvmsavevmload="on"', 'iommu="none"')
  L.push('paravirtprovider="default"', 'effparavirtprovider="kvm"')
  L.push(`VMState="${m.state}"`)
  L.push(`VMStateChangeTime="${stateTime(m.stateChangeTime)}"`)
  if (m.savedFile) L.push(`VMStateFile="${m.savedFile}"`)
  L.push(`graphicscontroller="${c.graphicscontroller}"`)
  L.push('monitorcount=1', 'accelerate3d="off"', 'accelerate2dvideo="off"')
  L.push('teleporterenabled="off"', 'teleporterport=0', 'teleporteraddress=""', 'teleporterpassword=""')
  L.push('tracing-enabled="off"', 'tracing-allow-vm-access="off"', 'tracing-config=""')
  L.push('autostart-enabled="off"', 'autostart-delay=0', 'defaultfrontend=""', 'vmprocpriority="default"')
  c.storage.forEach((sc, i) => {
    L.push(mr(`storagecontrollername${i}`, sc.name))
    L.push(`storagecontrollertype${i}="${sc.type}"`)
    L.push(`storagecontrollerinstance${i}="${sc.instance}"`)
    L.push(`storagecontrollermaxportcount${i}="${sc.maxPortCount}"`)
    L.push(`storagecontrollerportcount${i}="${sc.portCount}"`)
    L.push(`storagecontrollerbootable${i}="${onoff(sc.bootable)}"`)
  })
  for (const sc of c.storage) L.push(...storageLines(ctx, sc, version.major))
  for (let i = 0; i < MAX_NICS; i++) L.push(...nicLines(c.nics[i], i + 1))
  L.push('hidpointing="ps2mouse"', 'hidkeyboard="ps2kbd"')
  L.push('uart1="off"', 'uart2="off"', 'uart3="off"', 'uart4="off"', 'lpt1="off"', 'lpt2="off"')
  L.push(`audio="${c.audioEnabled ? c.audioDriver : 'none'}"`, 'audio_out="off"', 'audio_in="off"')
  L.push('clipboard="disabled"', 'draganddrop="disabled"')
  if (running) {
    L.push(`SessionName="${m.sessionType === 'gui' ? 'GUI/Qt' : 'headless'}"`)
    L.push('VideoMode="720,400,0"@0,0 1')
  }
  L.push('vrde="off"', 'usb="off"', 'ehci="off"', 'xhci="off"')
  if (running) L.push('VRDEActiveConnection="off"', 'VRDEClients==0')
  L.push('recording_enabled="off"', 'recording_screens=1', ' rec_screen0')
  L.push('rec_screen_enabled="on"', 'rec_screen_id=0', 'rec_screen_video_enabled="on"', 'rec_screen_audio_enabled="off"')
  L.push('rec_screen_dest="File"', mr('rec_screen_dest_filename', `${machineDir(m)}/${m.name}-screen0.webm`))
  L.push('rec_screen_opts="vc_enabled=true,ac_enabled=false,ac_profile=med"', 'rec_screen_video_res_xy="1024x768"')
  L.push('rec_screen_video_rate_kbps=512', 'rec_screen_video_fps=25')
  if (c.description) L.push(mr('description', c.description))
  L.push(...snapshotLines(m))
  L.push('GuestMemoryBalloon=0')
  if (running) L.push(`GuestOSType="${c.ostype}"`, 'GuestAdditionsRunLevel=0')
  return `${L.join('\n')}\n`
}
