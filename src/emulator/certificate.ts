// A local certificate authority for the emulator's HTTPS mode, made at startup with node:crypto only
// (zero runtime dependencies): a CA certificate the user trusts (its PEM is what `--ca-file` writes)
// and a server certificate it signs for 127.0.0.1, ::1 and localhost (SAN IP and DNS entries).
//
// node:crypto makes keys and signatures but no X.509, so this file writes the DER itself: only the
// few ASN.1 types a certificate needs. Two certificates, not one self-signed leaf, because strict
// verifiers refuse a CA certificate used as the server's own (rustls, webpki) and Python 3.13's
// default VERIFY_X509_STRICT wants the usual extensions: critical basic constraints and key usage
// on the CA, key identifiers on both, serverAuth and subjectAltName on the leaf.

import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

// --- DER: tag, length, contents -----------------------------------------------------------------

function tlv(tag: number, contents: Uint8Array): Uint8Array {
  const length = contents.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const lengthBytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
    header = [tag, 0x80 | lengthBytes.length, ...lengthBytes];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header);
  out.set(contents, header.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, concat(items));
const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, concat(items));
/** `[n] EXPLICIT`: a constructed context-specific wrapper. */
const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);
const octetString = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);
const utf8String = (text: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(text));
const booleanTrue = (): Uint8Array => tlv(0x01, Uint8Array.of(0xff));

/** A non-negative INTEGER from big-endian bytes, minimal as DER requires. */
function unsignedInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0] as number) & 0x80 ? concat([Uint8Array.of(0), trimmed]) : trimmed);
}

/** BIT STRING holding whole bytes (a key, a signature). */
const bitString = (bytes: Uint8Array): Uint8Array => tlv(0x03, concat([Uint8Array.of(0), bytes]));

function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [40 * (arcs[0] as number) + (arcs[1] as number)];
  for (const arc of arcs.slice(2)) {
    const base128: number[] = [];
    for (let rest = arc; ; rest = Math.floor(rest / 128)) {
      base128.unshift((rest % 128) | (base128.length > 0 ? 0x80 : 0));
      if (rest < 128) break;
    }
    bytes.push(...base128);
  }
  return tlv(0x06, Uint8Array.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), always in seconds and Z. */
function time(ms: number): Uint8Array {
  const iso = new Date(ms).toISOString(); // 2026-12-02T05:18:03.123Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = new Date(ms).getUTCFullYear();
  return year < 2050
    ? tlv(0x17, new TextEncoder().encode(digits.slice(2)))
    : tlv(0x18, new TextEncoder().encode(digits));
}

// --- X.509 pieces -------------------------------------------------------------------------------

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

/** ecdsa-with-SHA256 takes no parameters: the field is absent, not NULL (RFC 5758 3.2). */
const SIGNATURE_ALGORITHM = sequence(objectIdentifier(OID.ecdsaWithSha256));

function name(commonName: string): Uint8Array {
  const attribute = (oid: string, value: string) => set(sequence(objectIdentifier(oid), utf8String(value)));
  return sequence(attribute(OID.organizationName, 'replicate-media emulator'), attribute(OID.commonName, commonName));
}

function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(objectIdentifier(oid), booleanTrue(), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

/** KeyUsage bits, DER-minimal: trailing zero bits dropped and counted as unused. */
function keyUsage(bits: readonly number[]): Uint8Array {
  const last = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(last / 8) + 1);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  return tlv(0x03, concat([Uint8Array.of(7 - (last & 7)), bytes]));
}
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };

/** SubjectAltName entries: iPAddress [7] for IPs (4 or 16 bytes), dNSName [2] for names. */
function subjectAltNames(hosts: readonly string[]): Uint8Array {
  return sequence(
    ...hosts.map((host) =>
      isIP(host) === 0 ? tlv(0x82, new TextEncoder().encode(host)) : tlv(0x87, ipAddressBytes(host)),
    ),
  );
}

function ipAddressBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) return Uint8Array.from(ip.split('.').map(Number));
  // IPv6: expand `::`, then eight 16-bit groups (an embedded IPv4 tail is converted to two groups).
  let text = ip;
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const [a, b, c, d] = (v4Tail[1] as string).split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** A positive 127-bit serial: random, as CAs must make them (and never starting with a zero byte). */
function serialNumber(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40;
  return unsignedInteger(bytes);
}

function spki(publicKey: KeyObject): Uint8Array {
  return new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
}

/** RFC 5280 4.2.1.2 method 1 spirit: a SHA-1 of the public key, only an identifier (not security). */
function keyIdentifier(key: KeyObject): Uint8Array {
  return new Uint8Array(createHash('sha1').update(spki(key)).digest());
}

interface CertificateFields {
  subject: string;
  issuer: string;
  subjectKey: KeyObject;
  issuerKey: KeyObject;
  notBeforeMs: number;
  notAfterMs: number;
  extensions: Uint8Array[];
}

function signCertificate(fields: CertificateFields): Uint8Array {
  const tbs = sequence(
    explicit(0, unsignedInteger(Uint8Array.of(2))), // version 3
    serialNumber(),
    SIGNATURE_ALGORITHM,
    name(fields.issuer),
    sequence(time(fields.notBeforeMs), time(fields.notAfterMs)),
    name(fields.subject),
    spki(fields.subjectKey),
    explicit(3, sequence(...fields.extensions)),
  );
  // An EC key signs in DER (r, s) form by default, which is what X.509 expects.
  const signature = sign('sha256', tbs, fields.issuerKey);
  return sequence(tbs, SIGNATURE_ALGORITHM, bitString(new Uint8Array(signature)));
}

function pem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// --- the public part ----------------------------------------------------------------------------

/** What the HTTPS server needs, and the one PEM a client must trust. */
export interface LocalCertificates {
  /** The CA certificate: what `--ca-file` writes and clients trust (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, ...). */
  caCertificatePem: string;
  /** The server certificate followed by the CA certificate: the chain the server presents. */
  serverChainPem: string;
  /** The server's private key (PKCS#8 PEM); it never leaves the process. */
  serverKeyPem: string;
  /** The names and addresses the server certificate is valid for. */
  hosts: string[];
}

/** Both certificates stay valid this long: a restart makes new ones anyway. */
const VALIDITY_MS = 365 * 24 * 3_600_000;
/** Back-dated, so a client whose clock runs a little behind still accepts them. */
const BACKDATE_MS = 3_600_000;

/**
 * Makes a fresh CA (the private key is dropped once it has signed) and a server certificate for
 * localhost, 127.0.0.1, ::1 and any `extraHosts` (a host name or an IP the emulator listens on).
 * Uses the wall clock (`nowMs`), never the emulator's: clients check validity against their own.
 * About 2 ms: two P-256 key pairs and two signatures.
 */
export function createLocalCertificates(extraHosts: readonly string[] = [], nowMs = Date.now()): LocalCertificates {
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...extraHosts.map(unbracket)])].filter(
    (host) => host !== '' && host !== '0.0.0.0' && host !== '::',
  );
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const server = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caName = `replicate-media emulator local CA ${new Date(nowMs).toISOString()}`;
  const validity = { notBeforeMs: nowMs - BACKDATE_MS, notAfterMs: nowMs + VALIDITY_MS };
  const caKeyId = keyIdentifier(ca.publicKey);

  const caDer = signCertificate({
    subject: caName,
    issuer: caName,
    subjectKey: ca.publicKey,
    issuerKey: ca.privateKey,
    ...validity,
    extensions: [
      extension(OID.basicConstraints, true, sequence(booleanTrue(), unsignedInteger(Uint8Array.of(0)))), // CA, pathLen 0
      extension(OID.keyUsage, true, keyUsage([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign])),
      extension(OID.subjectKeyIdentifier, false, octetString(caKeyId)),
    ],
  });
  const serverDer = signCertificate({
    subject: hosts[0] as string,
    issuer: caName,
    subjectKey: server.publicKey,
    issuerKey: ca.privateKey,
    ...validity,
    extensions: [
      extension(OID.basicConstraints, true, sequence()), // not a CA
      extension(OID.keyUsage, true, keyUsage([KEY_USAGE.digitalSignature])),
      extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
      extension(OID.subjectAltName, false, subjectAltNames(hosts)),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(server.publicKey))),
      extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, caKeyId))), // [0] keyIdentifier
    ],
  });
  const caCertificatePem = pem('CERTIFICATE', caDer);
  return {
    caCertificatePem,
    serverChainPem: pem('CERTIFICATE', serverDer) + caCertificatePem,
    serverKeyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    hosts,
  };
}

/** `[::1]` → `::1`: URLs bracket IPv6 addresses, certificates do not. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
