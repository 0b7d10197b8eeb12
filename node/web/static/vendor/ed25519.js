/* Ed25519 signature verification in plain JavaScript with BigInt, written for Lantan
 * from RFC 8032 §5.1 (point decoding §5.1.3, verification §5.1.7), with the stricter
 * rules libsodium applies (docs/PROTOCOL.md §3): S must be below the group order L, the
 * public key must be a canonical encoding of a point that is not of small order, R must
 * not be of small order, and [S]B - [k]A must encode to exactly the bytes of R.
 * `strictChecks` is also run before WebCrypto's Ed25519, so both paths accept the same
 * signatures. Verification only; never handles secrets, so timing does not matter.
 * Apache-2.0, see README.md. Checked against RFC 8032 §7.1 vectors by tests/browser.
 */
(function (root) {
  "use strict";

  var P = (1n << 255n) - 19n;
  var L = (1n << 252n) + 27742317777372353535851937790883648493n;

  function mod(a) {
    var r = a % P;
    return r >= 0n ? r : r + P;
  }

  function power(base, exponent) {
    var result = 1n;
    base = mod(base);
    while (exponent > 0n) {
      if (exponent & 1n) result = (result * base) % P;
      base = (base * base) % P;
      exponent >>= 1n;
    }
    return result;
  }

  function invert(x) {
    return power(x, P - 2n);
  }

  var D = mod(-121665n * invert(121666n));
  var D2 = mod(2n * D);
  var SQRT_M1 = power(2n, (P - 1n) / 4n);

  /* Points in extended coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, xy = T/Z (§5.1.4). */
  var IDENTITY = { x: 0n, y: 1n, z: 1n, t: 0n };
  var BASE_Y = mod(4n * invert(5n));
  var BASE = (function () {
    var x = recoverX(BASE_Y, 0);
    return { x: x, y: BASE_Y, z: 1n, t: mod(x * BASE_Y) };
  })();

  function add(p, q) {
    var a = mod((p.y - p.x) * (q.y - q.x));
    var b = mod((p.y + p.x) * (q.y + q.x));
    var c = mod(p.t * D2 * q.t);
    var d = mod(p.z * 2n * q.z);
    var e = b - a, f = d - c, g = d + c, h = b + a;
    return { x: mod(e * f), y: mod(g * h), z: mod(f * g), t: mod(e * h) };
  }

  function double(p) {
    var a = mod(p.x * p.x);
    var b = mod(p.y * p.y);
    var c = mod(2n * p.z * p.z);
    var h = a + b;
    var e = h - mod((p.x + p.y) * (p.x + p.y));
    var g = a - b;
    var f = c + g;
    return { x: mod(e * f), y: mod(g * h), z: mod(f * g), t: mod(e * h) };
  }

  function negate(p) {
    return { x: mod(-p.x), y: p.y, z: p.z, t: mod(-p.t) };
  }

  function multiply(scalar, point) {
    var result = IDENTITY;
    var addend = point;
    while (scalar > 0n) {
      if (scalar & 1n) result = add(result, addend);
      addend = double(addend);
      scalar >>= 1n;
    }
    return result;
  }

  function isIdentity(p) {
    return mod(p.x) === 0n && mod(p.y - p.z) === 0n;
  }

  function littleEndian(bytes) {
    var value = 0n;
    for (var i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
    return value;
  }

  /* x from y and the sign bit (§5.1.3 steps 2-4); null when no such point exists. */
  function recoverX(y, sign) {
    var u = mod(y * y - 1n);
    var v = mod(D * y * y + 1n);
    var x = mod(u * power(v, 3n) * power(u * power(v, 7n), (P - 5n) / 8n));
    var vx2 = mod(v * x * x);
    if (vx2 === u) {
      // x is a square root of u/v
    } else if (vx2 === mod(-u)) {
      x = mod(x * SQRT_M1);
    } else {
      return null;
    }
    if (x === 0n && sign === 1) return null;
    if (Number(x & 1n) !== sign) x = mod(-x);
    return x;
  }

  /* Decode a 32-byte point (§5.1.3); null for y >= p or no square root. */
  function decodePoint(bytes) {
    if (bytes.length !== 32) return null;
    var copy = Uint8Array.from(bytes);
    var sign = copy[31] >> 7;
    copy[31] &= 0x7f;
    var y = littleEndian(copy);
    if (y >= P) return null;
    var x = recoverX(y, sign);
    if (x === null) return null;
    return { x: x, y: y, z: 1n, t: mod(x * y) };
  }

  function encodePoint(p) {
    var zInverse = invert(p.z);
    var x = mod(p.x * zInverse);
    var y = mod(p.y * zInverse);
    var out = new Uint8Array(32);
    var value = y;
    for (var i = 0; i < 32; i++) {
      out[i] = Number(value & 255n);
      value >>= 8n;
    }
    out[31] |= Number(x & 1n) << 7;
    return out;
  }

  function hasSmallOrder(point) {
    return isIdentity(double(double(double(point))));
  }

  /* The libsodium rules that RFC 8032 leaves open; true when the inputs may verify. */
  function strictChecks(publicKey, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    if (littleEndian(signature.subarray(32)) >= L) return false;
    var a = decodePoint(publicKey);
    if (a === null || hasSmallOrder(a)) return false;
    var r = decodePoint(signature.subarray(0, 32));
    return r !== null && !hasSmallOrder(r);
  }

  /* RFC 8032 §5.1.7 with the strict rules; sha512 maps bytes to a Promise of 64 bytes. */
  async function verify(publicKey, message, signature, sha512) {
    if (!strictChecks(publicKey, signature)) return false;
    var a = decodePoint(publicKey);
    var s = littleEndian(signature.subarray(32));
    var input = new Uint8Array(64 + message.length);
    input.set(signature.subarray(0, 32));
    input.set(publicKey, 32);
    input.set(message, 64);
    var k = littleEndian(await sha512(input)) % L;
    var check = add(multiply(s, BASE), negate(multiply(k, a)));
    var encoded = encodePoint(check);
    for (var i = 0; i < 32; i++) if (encoded[i] !== signature[i]) return false;
    return true;
  }

  root.LantanEd25519 = { verify: verify, strictChecks: strictChecks };
})(typeof window !== "undefined" ? window : globalThis);
