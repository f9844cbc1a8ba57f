/**
 * Reference row for the cookie group, not a peer: the bare server plus one AES-256-GCM seal
 * per write, with nothing else of a session library. Each /inc also sets a cookie sealed
 * the way sessionkit's is (key object made once, nonces cut from a pool, a 3-byte header
 * as AAD, a payload of the same shape and size). Its ratio is what the cipher alone costs;
 * what sessionkit-cookie loses beyond it is the session layer's.
 */
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { serveBareCookie } from '../lib/bare-cookie-app.js';

const key = createSecretKey(randomBytes(32));
const header = Buffer.from([0x01, 0x4a, 0x7c]);
const aad = Buffer.concat([header, Buffer.from('sid')]);
const id = randomBytes(32).toString('base64url');
const created = Date.now();
let pool = Buffer.alloc(0);
let offset = 0;

function seal(count: number): string {
  if (offset + 12 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const nonce = pool.subarray(offset, (offset += 12));
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad);
  const payload = `[${created},${Date.now() - created},1800000,86400000,0,{"count":${count}},0,0,0,"${id}"]`;
  const body = cipher.update(payload, 'utf8');
  const final = cipher.final();
  return `sid=${Buffer.concat([header, nonce, body, final, cipher.getAuthTag()]).toString('base64url')}`;
}

serveBareCookie(seal);
