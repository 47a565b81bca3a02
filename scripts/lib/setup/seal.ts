/**
 * GitHub secrets are sent encrypted with the repository's (or environment's) public key as a
 * libsodium sealed box (X25519 + XSalsa20-Poly1305, anonymous sender): only GitHub can open it.
 */
import sodium from 'libsodium-wrappers';

export async function sealSecret(publicKeyBase64: string, value: string): Promise<string> {
  await sodium.ready;
  const key = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), key);
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}
