// Guest OS types: the id a script passes (--ostype RedHat_64) and the description
// showvminfo prints (ostype="Red Hat (64-bit)"). The per-release types (RedHat9_64, ...)
// only exist from 7.1 on.

const COMMON = [
  ['Other', 'Other/Unknown', 'Other', 'Other', false],
  ['Other_64', 'Other/Unknown (64-bit)', 'Other', 'Other', true],
  ['Linux26_64', 'Linux 2.6 / 3.x / 4.x / 5.x (64-bit)', 'Linux', 'Linux', true],
  ['RedHat', 'Red Hat (32-bit)', 'Linux', 'Linux', false],
  ['RedHat_64', 'Red Hat (64-bit)', 'Linux', 'Linux', true],
  ['Oracle', 'Oracle (32-bit)', 'Linux', 'Linux', false],
  ['Oracle_64', 'Oracle (64-bit)', 'Linux', 'Linux', true],
  ['Fedora_64', 'Fedora (64-bit)', 'Linux', 'Linux', true],
  ['Debian_64', 'Debian (64-bit)', 'Linux', 'Linux', true],
  ['Ubuntu_64', 'Ubuntu (64-bit)', 'Linux', 'Linux', true],
  ['Windows10_64', 'Windows 10 (64-bit)', 'Windows', 'Microsoft Windows', true],
]

const SINCE_7_1 = [
  ['RedHat7_64', 'Red Hat 7.x (64-bit)', 'Linux', 'Linux', true],
  ['RedHat8_64', 'Red Hat 8.x (64-bit)', 'Linux', 'Linux', true],
  ['RedHat9_64', 'Red Hat 9.x (64-bit)', 'Linux', 'Linux', true],
  ['Oracle7_64', 'Oracle Linux 7.x (64-bit)', 'Linux', 'Linux', true],
  ['Oracle8_64', 'Oracle Linux 8.x (64-bit)', 'Linux', 'Linux', true],
  ['Oracle9_64', 'Oracle Linux 9.x (64-bit)', 'Linux', 'Linux', true],
]

// 7.1's ARM platform has guest types of its own (an x86 type on an ARM VM, or the reverse, is the wrong platform).
const ARM_SINCE_7_1 = [
  ['RedHat_arm64', 'Red Hat (ARM 64-bit)', 'Linux', 'Linux', true],
  ['RedHat9_arm64', 'Red Hat 9.x (ARM 64-bit)', 'Linux', 'Linux', true],
  ['Oracle_arm64', 'Oracle Linux (ARM 64-bit)', 'Linux', 'Linux', true],
  ['Debian_arm64', 'Debian (ARM 64-bit)', 'Linux', 'Linux', true],
]

/** The platform a guest type is for: the `_arm64` ones are the ARM platform's. */
export function osTypePlatform(id) {
  return /_arm64$/i.test(id) ? 'arm' : 'x86'
}

export function osTypes(version) {
  const newer = version.major > 7 || (version.major === 7 && version.minor >= 1)
  return (newer ? [...COMMON, ...SINCE_7_1, ...ARM_SINCE_7_1] : COMMON).map(([id, description, familyId, familyDesc, is64]) => ({
    id,
    description,
    familyId,
    familyDesc,
    is64,
  }))
}

export function findOsType(version, id) {
  return osTypes(version).find((t) => t.id === id)
}
