import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cutShort, decodeVmxValue, encodeVmxValue, Vmx } from '../../src/providers/vmware/vmx.js'
import { checkVmwareMac, renderBaseVmx } from '../../src/providers/vmware/vmx-template.js'
import { InputError } from '../../src/util/errors.js'

const FIX = join(import.meta.dirname, '..', 'fixtures', 'vmware-provider')
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8')

t.test('an unchanged .vmx is written back byte for byte (LF and CRLF)', async (t) => {
  for (const name of ['vmware-written.vmx', 'vmware-written-windows.vmx']) {
    const text = fixture(name)
    t.equal(Vmx.parse(text).toString(), text, name)
  }
})

t.test('reading: case-insensitive keys, quoted and bare values, |XX escapes', async (t) => {
  const v = Vmx.parse(fixture('vmware-written.vmx'))
  t.equal(v.get('DISPLAYNAME'), 'vmlab-base-rocky9-1a2b3c4d')
  t.equal(v.get('ide1:0.fileName'), '')
  t.equal(v.get('annotation'), 'Built by vmlab\nQuote: "hi" pipe: |')
  t.equal(v.get('nope'), undefined)
  t.ok(v.has('SCSI0:0.FILENAME'))
  const w = Vmx.parse(fixture('vmware-written-windows.vmx'))
  t.equal(w.get('sata0:1.fileName'), 'C:\\Users\\Jane Doe\\AppData\\Local\\vmlab\\iso\\Rocky-9.6-x86_64-minimal.iso')
  t.equal(w.eol, '\r\n')
})

t.test('editing keeps other lines and their order; new keys go last', async (t) => {
  const text = fixture('vmware-written-windows.vmx')
  const v = Vmx.parse(text)
    .set('memsize', '4096')
    .deletePrefix('sata0:2')
    .delete('ethernet1.generatedAddress')
    .set('sata0:1.fileName', 'C:\\Users\\Jane Doe\\vmlab\\seed "1".iso')
    .set('msg.autoanswer', 'TRUE')
  const out = v.toString()
  const lines = out.split('\r\n')
  t.equal(lines[0], '.encoding = "UTF-8"')
  t.ok(lines.includes('# comment VMware would keep'), 'comments stay')
  t.equal(lines.indexOf('memsize = "4096"'), text.split('\r\n').indexOf('memsize = "2048"'), 'changed in place')
  t.notOk(out.includes('sata0:2.'), 'a whole device goes')
  t.notOk(out.includes('generatedAddress ='), 'one key goes')
  t.ok(out.includes('ethernet1.generatedAddressOffset = "10"'), 'its neighbour stays')
  t.ok(lines.includes('sata0:1.fileName = "C:\\Users\\Jane Doe\\vmlab\\seed |221|22.iso"'), 'quotes escaped, backslashes literal')
  t.equal(lines[lines.length - 2], 'msg.autoanswer = "TRUE"', 'appended at the end')
  t.equal(lines[lines.length - 1], '', 'ends with CRLF')
  t.equal(Vmx.parse(out).get('sata0:1.fileName'), 'C:\\Users\\Jane Doe\\vmlab\\seed "1".iso', 'round trip')
})

t.test('a duplicated key: the last one counts, set leaves one', async (t) => {
  const v = Vmx.parse('a = "1"\nb = "2"\nA = "3"\n')
  t.equal(v.get('a'), '3')
  t.equal(v.set('a', '4').toString(), 'b = "2"\nA = "4"\n')
  t.same(Vmx.parse('a = "1"\nb = "2"\nA = "3"\n').keys(), ['a', 'b'])
})

t.test('value escaping', async (t) => {
  t.equal(encodeVmxValue('a|b"c\td'), 'a|7Cb|22c|09d')
  t.equal(decodeVmxValue('a|7cb|22c|09d'), 'a|b"c\td')
  t.equal(encodeVmxValue('C:\\x y\\z#1'), 'C:\\x y\\z#1')
})

t.test('base .vmx from the template', async (t) => {
  const text = renderBaseVmx({
    name: 'vmlab-base-rocky9-1a2b3c4d',
    guestOs: 'rhel9-64',
    cpus: 2,
    memoryMiB: 2048,
    disk: 'vmlab-base-rocky9-1a2b3c4d.vmdk',
    installIso: '/isos/Rocky 9.iso',
    oemdrvIso: '/state/oemdrv.iso',
  })
  const v = Vmx.parse(text)
  t.equal(text.split('\n')[0], '.encoding = "UTF-8"', '.encoding first')
  t.notMatch(text, /\n\s*\n/, 'no blank lines left by the template blocks')
  const expect: Record<string, string> = {
    'config.version': '8',
    'virtualHW.version': '19',
    guestOS: 'rhel9-64',
    firmware: 'bios',
    numvcpus: '2',
    memsize: '2048',
    'pciBridge4.virtualDev': 'pcieRootPort',
    'scsi0.virtualDev': 'lsilogic',
    'scsi0:0.fileName': 'vmlab-base-rocky9-1a2b3c4d.vmdk',
    'sata0:1.deviceType': 'cdrom-image',
    'sata0:1.fileName': '/isos/Rocky 9.iso',
    'sata0:2.fileName': '/state/oemdrv.iso',
    'ethernet0.connectionType': 'nat',
    'ethernet0.virtualDev': 'e1000',
    'ethernet1.connectionType': 'hostonly',
    'ethernet1.virtualDev': 'e1000',
    'ethernet1.addressType': 'generated',
    'bios.bootOrder': 'hdd,cdrom',
    'uuid.action': 'create',
    'msg.autoanswer': 'TRUE',
  }
  for (const [k, val] of Object.entries(expect)) t.equal(v.get(k), val, k)
  t.notOk(v.has('ethernet1.vnet'))
  t.notOk(v.has('ethernet1.address'))

  const custom = Vmx.parse(renderBaseVmx({ name: 'x', guestOs: 'centos7-64', cpus: 1, memoryMiB: 1024, disk: 'x.vmdk', vnet: 'vmnet2', mac: '00:50:56:3F:00:0A' }))
  t.equal(custom.get('ethernet1.connectionType'), 'custom')
  t.equal(custom.get('ethernet1.vnet'), 'vmnet2')
  t.equal(custom.get('ethernet1.addressType'), 'static')
  t.equal(custom.get('ethernet1.address'), '00:50:56:3f:00:0a')
  t.notOk(custom.has('sata0:1.present'), 'no install disc for a ready image')
})

t.test("static MACs must be in VMware's range", async (t) => {
  t.equal(checkVmwareMac('00:50:56:00:00:00'), '00:50:56:00:00:00')
  t.equal(checkVmwareMac('00:50:56:3F:FF:FF'), '00:50:56:3f:ff:ff')
  for (const bad of ['00:50:56:40:00:00', '00:0c:29:01:02:03', '08:00:27:00:00:01', 'nonsense']) {
    t.throws(() => checkVmwareMac(bad), InputError, bad)
  }
  t.throws(() => checkVmwareMac('00:50:56:40:00:00'), { name: 'InputError', hint: /00:50:56:00:00:00 to 00:50:56:3f:ff:ff/ })
})

t.test('a .vmx cut short (empty, or ending inside a line) is told from a whole one, whatever its other lines', async (t) => {
  const whole = '.encoding = "UTF-8"\nmemsize = "1536"\n'
  t.notOk(cutShort(whole), 'ends with a line end')
  t.notOk(cutShort(whole.replace(/\n$/, '\r\n')), 'CRLF')
  t.notOk(cutShort('.encoding = "UTF-8"\nmemsize = "1536"'), 'a last pair without its line end is whole')
  t.notOk(cutShort('odd line VMware may accept\nmemsize = "1536"\n'), 'an odd line inside is not judged')
  t.ok(cutShort(''), 'empty')
  t.ok(cutShort('.encoding = "UTF-8"\nmemsi'), 'cut inside a key')
  t.ok(cutShort('.encoding = "UTF-8"\nmemsize = "15'), 'cut inside a quoted value')
})

t.test('an arm64 base (Fusion on Apple Silicon): hardware 20, UEFI, NVMe, e1000e, xhci; x86 keeps BIOS, LSI Logic, e1000', async (t) => {
  const values = { name: 'vmlab-base', guestOs: 'arm-rhel9-64', cpus: 2, memoryMiB: 2048, disk: 'base.vmdk', installIso: '/i/Rocky-9.6-aarch64-minimal.iso', oemdrvIso: '/i/oemdrv.iso' }
  const arm = Vmx.parse(renderBaseVmx({ ...values, arm: true }))
  for (const [key, value] of [
    ['guestOS', 'arm-rhel9-64'],
    ['virtualHW.version', '20'],
    ['firmware', 'efi'],
    ['usb_xhci.present', 'TRUE'],
    ['nvme0:0.fileName', 'base.vmdk'],
    ['ethernet0.virtualDev', 'e1000e'],
    ['ethernet1.virtualDev', 'e1000e'],
    ['sata0:1.fileName', '/i/Rocky-9.6-aarch64-minimal.iso'],
  ] as const)
    t.equal(arm.get(key), value, key)
  t.equal(arm.get('scsi0.virtualDev'), undefined, 'no LSI Logic SCSI on ARM')
  const pc = Vmx.parse(renderBaseVmx({ ...values, guestOs: 'rhel9-64' }))
  t.same([pc.get('firmware'), pc.get('virtualHW.version'), pc.get('scsi0.virtualDev'), pc.get('ethernet0.virtualDev'), pc.get('nvme0:0.fileName')], ['bios', '19', 'lsilogic', 'e1000', undefined])
})

t.test('guestOS: arm- ids for aarch64 guests', async (t) => {
  const { vmwareGuestOs } = await import('../../src/providers/vmware/guest-os.js')
  const { osFor } = await import('../../src/lab/os-catalog.js')
  t.equal(vmwareGuestOs(osFor('rocky9', 'aarch64')!), 'arm-rhel9-64')
  t.equal(vmwareGuestOs(osFor('alma10', 'aarch64')!), 'arm-rhel9-64')
  t.equal(vmwareGuestOs(osFor('rocky9', 'x86_64')!), 'rhel9-64')
})
