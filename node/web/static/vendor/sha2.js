/* SHA-256 and SHA-512 in plain JavaScript, written for Lantan from FIPS 180-4.
 * The fallback the receipt checker uses when crypto.subtle is missing (pages served
 * over plain http to another host, or browsers without WebCrypto). Synchronous, no
 * dependencies; SHA-512 uses BigInt for its 64-bit words. Apache-2.0, see README.md.
 * Checked against FIPS 180-4 example vectors by tests/browser (and at page load).
 */
(function (root) {
  "use strict";

  var K256 = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);

  /* Message padding of FIPS 180-4 §5.1: 0x80, zeros, then the bit length (big-endian). */
  function pad(message, blockBytes, lengthBytes) {
    var length = message.length;
    var total = Math.ceil((length + 1 + lengthBytes) / blockBytes) * blockBytes;
    var padded = new Uint8Array(total);
    padded.set(message);
    padded[length] = 0x80;
    var bits = length * 8;
    for (var i = 0; i < 8 && bits > 0; i++) {
      padded[total - 1 - i] = bits % 256;
      bits = Math.floor(bits / 256);
    }
    return padded;
  }

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  /* SHA-256 (FIPS 180-4 §6.2). */
  function sha256(message) {
    var h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    ]);
    var padded = pad(message, 64, 8);
    var w = new Uint32Array(64);
    for (var offset = 0; offset < padded.length; offset += 64) {
      for (var t = 0; t < 16; t++) {
        var j = offset + t * 4;
        w[t] = (padded[j] << 24) | (padded[j + 1] << 16) | (padded[j + 2] << 8) | padded[j + 3];
      }
      for (t = 16; t < 64; t++) {
        var s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        var s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 64; t++) {
        var sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var choice = (e & f) ^ (~e & g);
        var temp1 = (k + sum1 + choice + K256[t] + w[t]) | 0;
        var sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var majority = (a & b) ^ (a & c) ^ (b & c);
        var temp2 = (sum0 + majority) | 0;
        k = g; g = f; f = e; e = (d + temp1) | 0;
        d = c; c = b; b = a; a = (temp1 + temp2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
    }
    var out = new Uint8Array(32);
    for (var i = 0; i < 8; i++) {
      out[i * 4] = h[i] >>> 24;
      out[i * 4 + 1] = (h[i] >>> 16) & 255;
      out[i * 4 + 2] = (h[i] >>> 8) & 255;
      out[i * 4 + 3] = h[i] & 255;
    }
    return out;
  }

  var MASK64 = (1n << 64n) - 1n;
  var K512 = [
    "428a2f98d728ae22", "7137449123ef65cd", "b5c0fbcfec4d3b2f", "e9b5dba58189dbbc",
    "3956c25bf348b538", "59f111f1b605d019", "923f82a4af194f9b", "ab1c5ed5da6d8118",
    "d807aa98a3030242", "12835b0145706fbe", "243185be4ee4b28c", "550c7dc3d5ffb4e2",
    "72be5d74f27b896f", "80deb1fe3b1696b1", "9bdc06a725c71235", "c19bf174cf692694",
    "e49b69c19ef14ad2", "efbe4786384f25e3", "0fc19dc68b8cd5b5", "240ca1cc77ac9c65",
    "2de92c6f592b0275", "4a7484aa6ea6e483", "5cb0a9dcbd41fbd4", "76f988da831153b5",
    "983e5152ee66dfab", "a831c66d2db43210", "b00327c898fb213f", "bf597fc7beef0ee4",
    "c6e00bf33da88fc2", "d5a79147930aa725", "06ca6351e003826f", "142929670a0e6e70",
    "27b70a8546d22ffc", "2e1b21385c26c926", "4d2c6dfc5ac42aed", "53380d139d95b3df",
    "650a73548baf63de", "766a0abb3c77b2a8", "81c2c92e47edaee6", "92722c851482353b",
    "a2bfe8a14cf10364", "a81a664bbc423001", "c24b8b70d0f89791", "c76c51a30654be30",
    "d192e819d6ef5218", "d69906245565a910", "f40e35855771202a", "106aa07032bbd1b8",
    "19a4c116b8d2d0c8", "1e376c085141ab53", "2748774cdf8eeb99", "34b0bcb5e19b48a8",
    "391c0cb3c5c95a63", "4ed8aa4ae3418acb", "5b9cca4f7763e373", "682e6ff3d6b2b8a3",
    "748f82ee5defb2fc", "78a5636f43172f60", "84c87814a1f0ab72", "8cc702081a6439ec",
    "90befffa23631e28", "a4506cebde82bde9", "bef9a3f7b2c67915", "c67178f2e372532b",
    "ca273eceea26619c", "d186b8c721c0c207", "eada7dd6cde0eb1e", "f57d4f7fee6ed178",
    "06f067aa72176fba", "0a637dc5a2c898a6", "113f9804bef90dae", "1b710b35131c471b",
    "28db77f523047d84", "32caab7b40c72493", "3c9ebe0a15c9bebc", "431d67c49c100d4c",
    "4cc5d4becb3e42b6", "597f299cfc657e2a", "5fcb6fab3ad6faec", "6c44198c4a475817"
  ].map(function (hex) { return BigInt("0x" + hex); });

  function rotr64(x, n) {
    return ((x >> n) | (x << (64n - n))) & MASK64;
  }

  /* SHA-512 (FIPS 180-4 §6.4). */
  function sha512(message) {
    var h = [
      "6a09e667f3bcc908", "bb67ae8584caa73b", "3c6ef372fe94f82b", "a54ff53a5f1d36f1",
      "510e527fade682d1", "9b05688c2b3e6c1f", "1f83d9abfb41bd6b", "5be0cd19137e2179"
    ].map(function (hex) { return BigInt("0x" + hex); });
    var padded = pad(message, 128, 16);
    var w = new Array(80);
    for (var offset = 0; offset < padded.length; offset += 128) {
      for (var t = 0; t < 16; t++) {
        var word = 0n;
        for (var b = 0; b < 8; b++) word = (word << 8n) | BigInt(padded[offset + t * 8 + b]);
        w[t] = word;
      }
      for (t = 16; t < 80; t++) {
        var s0 = rotr64(w[t - 15], 1n) ^ rotr64(w[t - 15], 8n) ^ (w[t - 15] >> 7n);
        var s1 = rotr64(w[t - 2], 19n) ^ rotr64(w[t - 2], 61n) ^ (w[t - 2] >> 6n);
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & MASK64;
      }
      var a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (t = 0; t < 80; t++) {
        var sum1 = rotr64(e, 14n) ^ rotr64(e, 18n) ^ rotr64(e, 41n);
        var choice = (e & f) ^ (~e & MASK64 & g);
        var temp1 = (k + sum1 + choice + K512[t] + w[t]) & MASK64;
        var sum0 = rotr64(a, 28n) ^ rotr64(a, 34n) ^ rotr64(a, 39n);
        var majority = (a & bb) ^ (a & c) ^ (bb & c);
        var temp2 = (sum0 + majority) & MASK64;
        k = g; g = f; f = e; e = (d + temp1) & MASK64;
        d = c; c = bb; bb = a; a = (temp1 + temp2) & MASK64;
      }
      h = [a, bb, c, d, e, f, g, k].map(function (value, i) { return (h[i] + value) & MASK64; });
    }
    var out = new Uint8Array(64);
    for (var i = 0; i < 8; i++) {
      var value = h[i];
      for (var j = 7; j >= 0; j--) {
        out[i * 8 + j] = Number(value & 255n);
        value >>= 8n;
      }
    }
    return out;
  }

  root.LantanSha2 = { sha256: sha256, sha512: sha512 };
})(typeof window !== "undefined" ? window : globalThis);
