// Syntax errors (exit code 2): the logo, the error and the command's usage on stderr, in the
// order each VBoxManage generation prints them. The synopses are short summaries of the real
// ones; what callers depend on is the layout and the "VBoxManage: error:" line.
import { Exit } from './report.mjs'

// VBoxManage repeats the error after the usage when the usage is long.
const REPEAT_AFTER_LINES = 16

const USAGE = {
  list: {
    brief: 'List configuration information',
    synopsis: [
      'VBoxManage list [--long] [--sorted] bridgedifs | dhcpservers | dvds | groups | hdds |',
      '    hostdvds | hostinfo | hostonlyifs | hostonlynets | intnets | natnets | ostypes |',
      '    runningvms | systemproperties | vms',
    ],
  },
  showvminfo: {
    brief: 'Show configuration information or log file contents for a virtual machine',
    synopsis: ['VBoxManage showvminfo <uuid|vmname> [--details] [--machinereadable]', 'VBoxManage showvminfo <uuid|vmname> --log=index'],
  },
  createvm: {
    brief: 'Create a new virtual machine',
    synopsis: ['VBoxManage createvm --name=name [--basefolder=basefolder] [--default]', '    [--groups=group-ID [,...]] [--ostype=ostype] [--register] [--uuid=uuid]'],
  },
  modifyvm: {
    brief: 'Change settings for a virtual machine',
    synopsis: [
      'VBoxManage modifyvm <uuid|vmname> [--name=name] [--groups=group [,group...]]',
      '    [--description=description] [--os-type=OS-type] [--memory=size-in-MB]',
      '    [--vram=size-in-MB] [--firmware= bios | efi | efi32 | efi64 ]',
      '    [--ioapic= on | off ] [--cpus=CPU-count] [--rtc-use-utc= on | off ]',
      '    [--graphicscontroller= none | vboxvga | vmsvga | vboxsvga ]',
      '    [--boot1= none | floppy | dvd | disk | net ] [--boot2= none | floppy | dvd | disk | net ]',
      '    [--boot3= none | floppy | dvd | disk | net ] [--boot4= none | floppy | dvd | disk | net ]',
      '    [--audio-enabled= on | off ] [--audio-driver= none | default | null | pulse | alsa ]',
      '    [--nicN= none | null | nat | bridged | intnet | hostonly | hostonlynet | natnetwork ]',
      '    [--nic-typeN= Am79C970A | Am79C973 | 82540EM | 82543GC | 82545EM | virtio ]',
      '    [--cable-connectedN= on | off ] [--host-only-adapterN= none | host-only-net ]',
      '    [--host-only-netN=network-name] [--mac-addressN= auto | MAC-address ]',
      '    [--nat-pfN=[rulename],tcp | udp,[host-IP],hostport,[guest-IP],guestport]',
      '    [--nat-pfN=delete=rulename]',
      '',
      'VBoxManage modifyvm <uuid|vmname> [--recording= on | off ] [--recording-screens= all | none | screen-ID[,screen-ID...] ]',
      '    [--recording-file=filename] [--recording-max-size=MB] [--recording-max-time=seconds]',
    ],
    synopsis6: [
      'VBoxManage modifyvm         <uuid|vmname>',
      '                            [--name <name>]',
      '                            [--groups <group>, ...]',
      '                            [--description <desc>]',
      '                            [--ostype <ostype>]',
      '                            [--memory <memorysize in MB>]',
      '                            [--vram <vramsize in MB>]',
      '                            [--firmware bios|efi|efi32|efi64]',
      '                            [--ioapic on|off]',
      '                            [--cpus <number>]',
      '                            [--rtcuseutc on|off]',
      '                            [--graphicscontroller none|vboxvga|vmsvga|vboxsvga]',
      '                            [--boot<1-4> none|floppy|dvd|disk|net>]',
      '                            [--nic<1-N> none|null|nat|bridged|intnet|hostonly|generic|natnetwork]',
      '                            [--nictype<1-N> Am79C970A|Am79C973|82540EM|82543GC|82545EM|virtio]',
      '                            [--cableconnected<1-N> on|off]',
      '                            [--hostonlyadapter<1-N> none|<devicename>]',
      '                            [--natpf<1-N> [<rulename>],tcp|udp,[<hostip>],<hostport>,[<guestip>],<guestport>]',
      '                            [--natpf<1-N> delete <rulename>]',
      '                            [--macaddress<1-N> auto|<mac>]',
      '                            [--audio none|null|dsound|oss|alsa|pulse|coreaudio]',
    ],
  },
  clonevm: {
    brief: 'Create a clone of an existing virtual machine',
    synopsis: [
      'VBoxManage clonevm <vmname|uuid> [--basefolder=basefolder] [--groups=group,...]',
      '    [--mode= machine | machinechildren | all ] [--name=name]',
      '    [--options= Link | KeepAllMACs | KeepNATMACs | KeepDiskNames | KeepHwUUIDs ]',
      '    [--register] [--snapshot=snapshot-name] [--uuid=uuid]',
    ],
  },
  startvm: {
    brief: 'Start a virtual machine',
    synopsis: ['VBoxManage startvm <uuid|vmname...> [--putenv=name[=value]] [--type= [gui | headless | sdl | separate] ]'],
  },
  controlvm: {
    brief: 'Change state and settings for a running virtual machine',
    synopsis: [
      'VBoxManage controlvm <uuid|vmname> pause',
      'VBoxManage controlvm <uuid|vmname> resume',
      'VBoxManage controlvm <uuid|vmname> reset',
      'VBoxManage controlvm <uuid|vmname> poweroff',
      'VBoxManage controlvm <uuid|vmname> savestate',
      'VBoxManage controlvm <uuid|vmname> acpipowerbutton',
      'VBoxManage controlvm <uuid|vmname> acpisleepbutton',
      'VBoxManage controlvm <uuid|vmname> keyboardputscancode <hex> [<hex>...]',
      'VBoxManage controlvm <uuid|vmname> natpfN [rulename],tcp | udp,host-IP,hostport,guest-IP,guestport',
      'VBoxManage controlvm <uuid|vmname> natpfN delete rulename',
    ],
  },
  unregistervm: {
    brief: 'Unregister a virtual machine',
    synopsis: ['VBoxManage unregistervm <uuid|vmname> [--delete] [--delete-all]'],
  },
  storagectl: {
    brief: 'Manage a storage controller',
    synopsis: [
      'VBoxManage storagectl <uuid|vmname> --name=controller-name [--add= floppy | ide | pcie | sas | sata | scsi | usb ]',
      '    [--controller= BusLogic | I82078 | ICH6 | IntelAhci | LSILogic | LSILogicSAS | NVMe | PIIX3 | PIIX4 | USB | VirtIO ]',
      '    [--bootable= on | off ] [--hostiocache= on | off ] [--portcount=count] [--remove] [--rename=new-controller-name]',
    ],
  },
  storageattach: {
    brief: 'Attach, remove, and modify storage media used by a virtual machine',
    synopsis: [
      'VBoxManage storageattach <uuid|vmname> --storagectl=name [--bandwidthgroup= name | none ]',
      '    [--comment=text] [--device=number] [--discard= on | off ] [--encodedlun=lun]',
      '    [--forceunmount] [--hotpluggable= on | off ] [--initiator=initiator]',
      '    [--intnet] [--lun=lun] [--medium= none | emptydrive | additions | uuid | filename | host:drive | iscsi ]',
      '    [--mtype= normal | writethrough | immutable | shareable | readonly | multiattach ]',
      '    [--nonrotational= on | off ] [--passthrough= on | off ] [--passwordfile=file]',
      '    [--password=password] [--port=number] [--server= name | ip ] [--setparentuuid=uuid]',
      '    [--setuuid=uuid] [--target=target] [--tempeject= on | off ] [--tport=port]',
      '    [--type= dvddrive | fdd | hdd ] [--username=username]',
    ],
  },
  createmedium: {
    brief: 'Create a new medium',
    synopsis: [
      'VBoxManage createmedium [ disk | dvd | floppy ] --filename=filename',
      '    [ --size=megabytes | --sizebyte=bytes ] [--diffparent= UUID | filename ]',
      '    [--format= VDI | VMDK | VHD ] [--variant Standard,Fixed,Split2G,Stream,ESX,Formatted,RawDisk]',
    ],
  },
  closemedium: {
    brief: 'Remove a hard disk, DVD, or floppy image from the media registry',
    synopsis: ['VBoxManage closemedium [ disk | dvd | floppy ] <uuid | filename> [--delete]'],
  },
  snapshot: {
    brief: 'Manage virtual machine snapshots',
    synopsis: [
      'VBoxManage snapshot <uuid|vmname>',
      'VBoxManage snapshot <uuid|vmname> take <snapshot-name> [--description=description] [--live]',
      '    [--uniquename Number,Timestamp,Space,Force]',
      'VBoxManage snapshot <uuid|vmname> delete <snapshot-name>',
      'VBoxManage snapshot <uuid|vmname> restore <snapshot-name>',
      'VBoxManage snapshot <uuid|vmname> restorecurrent',
      'VBoxManage snapshot <uuid|vmname> edit < snapshot-name | --current >',
      '    [--description=description] [--name=new-name]',
      'VBoxManage snapshot <uuid|vmname> list [[--details] | [--machinereadable]]',
      'VBoxManage snapshot <uuid|vmname> showvminfo <snapshot-name>',
    ],
  },
  hostonlyif: {
    brief: 'Manage host-only network interfaces',
    synopsis: [
      'VBoxManage hostonlyif ipconfig <ifname> [--dhcp | --ip=IPv4-address --netmask=IPv4-netmask |',
      '    --ipv6=IPv6-address --netmasklengthv6=length]',
      'VBoxManage hostonlyif create',
      'VBoxManage hostonlyif remove <ifname>',
    ],
  },
  hostonlynet: {
    brief: 'Manage host-only networks',
    synopsis: [
      'VBoxManage hostonlynet add --name=netname [--id=netid] --netmask=mask --lower-ip=address',
      '    --upper-ip=address [ --enable | --disable ]',
      'VBoxManage hostonlynet modify < --name=netname | --id=netid > [--lower-ip=address]',
      '    [--upper-ip=address] [--netmask=mask] [ --enable | --disable ]',
      'VBoxManage hostonlynet remove < --name=netname | --id=netid >',
    ],
  },
  dhcpserver: {
    brief: 'DHCP server management',
    synopsis: [
      'VBoxManage dhcpserver add < --network=netname | --interface=ifname > --server-ip=address',
      '    --netmask=mask --lower-ip=address --upper-ip=address < --enable | --disable >',
      'VBoxManage dhcpserver modify < --network=netname | --interface=ifname > [--server-ip=address]',
      '    [--lower-ip=address] [--upper-ip=address] [--netmask=mask] [ --enable | --disable ]',
      '    [--mac-address=address [--fixed-address=address]]',
      'VBoxManage dhcpserver remove < --network=netname | --interface=ifname >',
    ],
  },
  guestproperty: {
    brief: 'Manage virtual machine guest properties',
    synopsis: [
      'VBoxManage guestproperty get <uuid | vmname> <property-name> [--verbose]',
      'VBoxManage guestproperty enumerate <uuid | vmname> [--no-timestamp] [--no-flags] [--relative] [--old-format]',
      'VBoxManage guestproperty set <uuid | vmname> <property-name> [property-value [--flags=flags]]',
      'VBoxManage guestproperty unset <uuid | vmname> <property-name>',
    ],
  },
}

export const GENERAL_USAGE = ['VBoxManage [-V|--version] [--dump-build-type] [-q|--nologo] [--settingspw=password]', '    [--settingspwfile=pw-file] [@response-file] [[help] subcommand]']

function year(version) {
  return version.major > 7 || (version.major === 7 && version.minor > 0) || version.patch >= 14 || (version.major === 6 && version.patch >= 50) ? 2024 : 2023
}

export function logo(version) {
  const base = `${version.major}.${version.minor}.${version.patch}`
  if (version.major >= 7) {
    return `Oracle VM VirtualBox Command Line Management Interface Version ${base}\nCopyright (C) 2005-${year(version)} Oracle and/or its affiliates\n\n`
  }
  return `Oracle VM VirtualBox Command Line Management Interface Version ${base}\n(C) 2005-${year(version)} Oracle Corporation\nAll rights reserved.\n\n`
}

/** The usage block for a command, as printBriefCommandOrSubcommandHelp lays it out. */
export function usageText(command, version) {
  const u = USAGE[command]
  const lines = !u ? GENERAL_USAGE : version.major < 7 && u.synopsis6 ? u.synopsis6 : u.synopsis
  if (version.major >= 7) {
    const head = u ? `Usage - ${u.brief}:\n\n` : 'Usage:\n\n'
    return { text: head + lines.map((l) => (l ? `  ${l}\n` : '\n')).join(''), count: lines.length + 2 }
  }
  return { text: `Usage:\n\n${lines.map((l) => (l ? `${l}\n` : '\n')).join('')}`, count: lines.length + 2 }
}

/**
 * errorSyntax()/errorGetOpt(): prints to stderr and ends the command with exit code 2.
 * `blankBeforeUsage` is errorSyntax's extra newline (errorGetOpt has none in 7.x).
 */
export function syntaxError(report, command, message, { blankBeforeUsage = true } = {}) {
  const { version } = report
  const err = `${report.conv.prog}: error: ${message}\n`
  const usage = usageText(command, version)
  report.errRaw(logo(version))
  if (version.major >= 7) {
    report.errRaw(err)
    if (blankBeforeUsage) report.errRaw('\n')
    report.errRaw(usage.text)
    if (usage.count >= REPEAT_AFTER_LINES) report.errRaw(`\n${err}`)
  } else {
    report.errRaw(usage.text)
    report.errRaw(`\n${err}`)
  }
  throw new Exit(2)
}

/** errorArgument(): only the error line, still exit code 2. */
export function argumentError(report, message) {
  report.msg(message)
  throw new Exit(2)
}

/** A command given without arguments prints its usage on stdout and fails. */
export function usageOnly(report, command) {
  report.out(usageText(command, report.version).text)
  throw new Exit(1)
}
