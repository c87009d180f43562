/** Device identities, their signatures, and payloads sealed to a coordinator's key. */
export {
  DEVICE_PUBLIC_FILE,
  DEVICE_SECRET_FILE,
  defaultDeviceId,
  generateDeviceIdentity,
  publicIdentity,
  readDeviceIdentity,
  readOrCreateDeviceIdentity,
  writeDeviceIdentity,
} from './device-identity';
export type { DeviceIdentity, PublicIdentity } from './device-identity';
export { SIGNATURE_BYTES, SignatureVerifier, signMessage } from './signatures';
export { openPayload, sealPayload } from './seal';
export { x25519 } from './node-keys';
export type { SealedPayload } from './seal';
export { BOX_SECRET_FILE, generateBoxKeyPair, readOrCreateBoxKeyPair } from './box-key';
export type { BoxKeyPair } from './box-key';
