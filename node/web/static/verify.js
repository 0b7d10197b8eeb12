/* Lantan retirement receipt verifier for the browser, written from docs/PROTOCOL.md:
 * §1 canonical JSON, §2 tags, §3 Ed25519, §6 RFC 9162 proofs, §7 validator sets,
 * §8.2 certificates, §9 sparse Merkle proofs, §10 C2SP notes and §14 receipts.
 * It trusts nothing but the genesis document it is given and reports the first failing
 * step with the code of §14.4, like client/receipt/verify.py. No network, no DOM.
 * Crypto comes from an engine: WebCrypto where the browser has it and it passes a
 * self-test, else the bundled JavaScript of vendor/sha2.js and vendor/ed25519.js.
 */
(function (root) {
  "use strict";

  var Sha2 = root.LantanSha2;
  var Ed = root.LantanEd25519;
  var INTEGER_LIMIT = 9007199254740992; // 2^53
  var SET_CHANGES_MAX = 10000;
  var NESTING_DEPTH_MAX = 64; // §1: no value inside more than 64 arrays and objects
  var PROOF_HASHES_MAX = 128; // §14.4 step 1: tx_proof and result_proof
  var SIGNATURE_LINES_MAX = 100; // §10
  /* §10: a key name is non-empty, without '+', U+0000-U+001F or a character of the Unicode
   * White_Space set, spelled out: JavaScript's \s is another set (it has U+FEFF, not U+0085). */
  var NOT_IN_KEY_NAME = /[\u0000-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000+]/;
  function isKeyName(name) {
    return typeof name === "string" && name.length > 0 && !NOT_IN_KEY_NAME.test(name);
  }

  // ---------------------------------------------------------------- errors

  function ReceiptError(code, detail) {
    this.name = "ReceiptError";
    this.code = code;
    this.detail = detail;
    this.message = code + ": " + detail;
  }
  ReceiptError.prototype = Object.create(Error.prototype);

  function fail(code, detail) {
    throw new ReceiptError(code, detail);
  }

  // ---------------------------------------------------------------- strict JSON (§1)

  function JsonError(message) {
    this.name = "JsonError";
    this.message = message;
  }
  JsonError.prototype = Object.create(Error.prototype);

  /* Parse JSON the way the protocol reads it: integers only (|n| < 2^53), no duplicate
     keys, no lone surrogates. Objects have a null prototype so any key is plain data. */
  function parseJson(text) {
    var at = 0;
    function error(what) {
      throw new JsonError(what + " at offset " + at);
    }
    function skip() {
      while (at < text.length) {
        var c = text.charCodeAt(at);
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) at++;
        else break;
      }
    }
    var depth = 0; // the arrays and objects around the value being read
    function value() {
      skip();
      if (depth > NESTING_DEPTH_MAX) error("nested more than " + NESTING_DEPTH_MAX + " deep");
      var c = text[at];
      if (c === "{") return object();
      if (c === "[") return array();
      if (c === '"') return string();
      if (c === "-" || (c >= "0" && c <= "9")) return number();
      if (text.startsWith("true", at)) { at += 4; return true; }
      if (text.startsWith("false", at)) { at += 5; return false; }
      if (text.startsWith("null", at)) { at += 4; return null; }
      return error("unexpected " + (c === undefined ? "end of text" : JSON.stringify(c)));
    }
    function object() {
      var result = Object.create(null);
      at++;
      depth++;
      skip();
      if (text[at] === "}") { at++; depth--; return result; }
      for (;;) {
        skip();
        if (text[at] !== '"') error("expected a key");
        var key = string();
        if (Object.prototype.hasOwnProperty.call(result, key)) error("duplicate key " + JSON.stringify(key));
        skip();
        if (text[at] !== ":") error("expected ':'");
        at++;
        result[key] = value();
        skip();
        if (text[at] === ",") { at++; continue; }
        if (text[at] === "}") { at++; depth--; return result; }
        error("expected ',' or '}'");
      }
    }
    function array() {
      var result = [];
      at++;
      depth++;
      skip();
      if (text[at] === "]") { at++; depth--; return result; }
      for (;;) {
        result.push(value());
        skip();
        if (text[at] === ",") { at++; continue; }
        if (text[at] === "]") { at++; depth--; return result; }
        error("expected ',' or ']'");
      }
    }
    function number() {
      var match = /^-?(0|[1-9][0-9]*)([.eE])?/.exec(text.slice(at, at + 40));
      if (match === null) error("bad number");
      if (match[2] !== undefined) error("only integers are allowed");
      var digits = match[0];
      var n = Number(digits);
      if (!(Math.abs(n) < INTEGER_LIMIT) || digits.replace("-", "").length > 16) error("integer out of range");
      at += digits.length;
      return n === 0 ? 0 : n;
    }
    function string() {
      var out = "";
      at++;
      for (;;) {
        if (at >= text.length) error("unterminated string");
        var c = text.charCodeAt(at);
        if (c === 0x22) { at++; break; }
        if (c < 0x20) error("control character in string");
        if (c === 0x5c) {
          var e = text[at + 1];
          var simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
          if (e === "u") {
            var hex = text.slice(at + 2, at + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) error("bad \\u escape");
            out += String.fromCharCode(parseInt(hex, 16));
            at += 6;
          } else if (Object.prototype.hasOwnProperty.call(simple, e)) {
            out += simple[e];
            at += 2;
          } else {
            error("bad escape");
          }
        } else {
          out += text[at];
          at++;
        }
      }
      if (!wellFormed(out)) error("lone surrogate in string");
      return out;
    }
    var result = value();
    skip();
    if (at !== text.length) error("trailing data");
    return result;
  }

  function wellFormed(s) {
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        var next = s.charCodeAt(i + 1);
        if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
        i++;
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- RFC 8785 (§1)

  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  /* JCS: keys sorted by UTF-16 code units (the default string order), ES number and
     string serialization (JSON.stringify is exactly RFC 8785 for well-formed strings). */
  function jcs(v) {
    if (v === null || v === true || v === false) return String(v);
    if (typeof v === "number") {
      if (!Number.isInteger(v) || !(Math.abs(v) < INTEGER_LIMIT)) throw new JsonError("not an integer");
      return String(v);
    }
    if (typeof v === "string") return JSON.stringify(v);
    if (Array.isArray(v)) return "[" + v.map(jcs).join(",") + "]";
    var keys = Object.keys(v).sort();
    return "{" + keys.map(function (k) { return JSON.stringify(k) + ":" + jcs(v[k]); }).join(",") + "}";
  }

  var encoder = new TextEncoder();
  function utf8(s) {
    return encoder.encode(s);
  }
  function canonical(v) {
    return utf8(jcs(v));
  }

  // ---------------------------------------------------------------- bytes

  function concat() {
    var total = 0, i;
    for (i = 0; i < arguments.length; i++) total += arguments[i].length;
    var out = new Uint8Array(total), offset = 0;
    for (i = 0; i < arguments.length; i++) {
      out.set(arguments[i], offset);
      offset += arguments[i].length;
    }
    return out;
  }
  function hex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }
  function unhex(s) {
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function compareBytes(a, b) {
    for (var i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }
  var B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  /* Standard base64 with padding (RFC 4648 §4), canonical only; null when invalid. */
  function unbase64(s) {
    if (typeof s !== "string" || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
    var bits = 0, value = 0, out = [];
    var body = s.replace(/=+$/, "");
    for (var i = 0; i < body.length; i++) {
      value = (value << 6) | B64.indexOf(body[i]);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out.push((value >> bits) & 255);
      }
    }
    if ((value & ((1 << bits) - 1)) !== 0) return null; // non-zero padding bits: not canonical
    var bytes = Uint8Array.from(out);
    return base64(bytes) === s ? bytes : null;
  }
  function base64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i += 3) {
      var n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
      s += i + 1 < bytes.length ? B64[(n >> 6) & 63] : "=";
      s += i + 2 < bytes.length ? B64[n & 63] : "=";
    }
    return s;
  }

  // ---------------------------------------------------------------- crypto engines

  var ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  var RFC8032_TEST2 = {
    publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature:
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da" +
      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
  };

  function jsEngineParts() {
    return {
      sha256: function (bytes) { return Promise.resolve(Sha2.sha256(bytes)); },
      sha512: function (bytes) { return Promise.resolve(Sha2.sha512(bytes)); }
    };
  }

  async function webCryptoDigest(subtle, name, expectedHexOfAbc) {
    try {
      var digest = new Uint8Array(await subtle.digest(name, utf8("abc")));
      if (expectedHexOfAbc !== undefined && hex(digest) !== expectedHexOfAbc) return null;
      return function (bytes) {
        return subtle.digest(name, bytes).then(function (d) { return new Uint8Array(d); });
      };
    } catch (e) {
      return null;
    }
  }

  async function webCryptoEd25519(subtle) {
    var keys = new Map();
    async function verify(publicKey, message, signature) {
      if (!Ed.strictChecks(publicKey, signature)) return false;
      var id = hex(publicKey);
      try {
        if (!keys.has(id)) keys.set(id, await subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]));
        return await subtle.verify({ name: "Ed25519" }, keys.get(id), signature, message);
      } catch (e) {
        return false;
      }
    }
    try {
      var t = RFC8032_TEST2;
      var good = await verify(unhex(t.publicKey), unhex(t.message), unhex(t.signature));
      var tampered = unhex(t.signature);
      tampered[0] ^= 1;
      var bad = await verify(unhex(t.publicKey), unhex(t.message), tampered);
      return good && !bad ? verify : null;
    } catch (e) {
      return null;
    }
  }

  /* The crypto this browser offers: WebCrypto where present and passing a known-answer
     self-test, else the bundled JavaScript. The labels say which one ran. */
  async function selectEngine() {
    var subtle = root.crypto && root.crypto.subtle;
    var js = jsEngineParts();
    var sha256 = subtle ? await webCryptoDigest(subtle, "SHA-256", ABC_SHA256) : null;
    var sha512 = subtle ? await webCryptoDigest(subtle, "SHA-512") : null;
    var ed = subtle ? await webCryptoEd25519(subtle) : null;
    var sha512For = sha512 || js.sha512;
    var engine = {
      sha256: sha256 || js.sha256,
      ed25519: ed || function (publicKey, message, signature) {
        return Ed.verify(publicKey, message, signature, sha512For);
      },
      labels: {
        sha256: sha256 ? "WebCrypto" : "JavaScript (FIPS 180-4)",
        ed25519: ed ? "WebCrypto" : "JavaScript (RFC 8032)"
      },
      secureContext: !!root.isSecureContext,
      subtle: !!subtle
    };
    // The JavaScript fallbacks check themselves too: a wrong answer here is a broken build.
    if (!sha256 && hex(Sha2.sha256(utf8("abc"))) !== ABC_SHA256) throw new Error("SHA-256 self-test failed");
    return engine;
  }

  // ---------------------------------------------------------------- hashing (§2, §6, §9)

  function tag(name) {
    return concat(utf8("lantan/v1/" + name), new Uint8Array([0]));
  }
  var TAG_TX = tag("tx");
  var TAG_VOTE = tag("vote");
  var TAG_HEADER = tag("header");
  var TAG_VALIDATORS = tag("validators");
  var TAG_GENESIS = tag("genesis");
  var TAG_RECEIPT = tag("receipt");
  var EMPTY = new Uint8Array(32);

  function Hasher(engine) {
    this.engine = engine;
  }
  Hasher.prototype.h = function () {
    return this.engine.sha256(concat.apply(null, arguments));
  };
  Hasher.prototype.tagged = function (tagBytes, value) {
    return this.h(tagBytes, canonical(value));
  };
  Hasher.prototype.leaf = function (bytes) {
    return this.h(new Uint8Array([0]), bytes);
  };
  Hasher.prototype.node = function (left, right) {
    return this.h(new Uint8Array([1]), left, right);
  };

  /* RFC 9162 §2.1.3.2: the root an inclusion path gives, or null when its shape is wrong. */
  async function rootFromInclusion(hasher, leafHash, index, size, path) {
    if (!(index < size)) return null;
    var fn = index, sn = size - 1, r = leafHash;
    for (var i = 0; i < path.length; i++) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await hasher.node(path[i], r);
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await hasher.node(r, path[i]);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  function bit(bytes, depth) {
    return (bytes[depth >> 3] >> (7 - (depth & 7))) & 1;
  }

  /* §9: the state root a proof gives for key with value bytes (inclusion) or null
     (non-inclusion); null when the proof does not fit the key. */
  async function smtRoot(hasher, key, valueBytes, proof) {
    var k = await hasher.h(utf8(key));
    var siblings = proof.siblings.map(unhex);
    var m = siblings.length;
    var c;
    if (valueBytes !== null) {
      var valueHash = await hasher.h(valueBytes);
      if (proof.leaf === null || proof.leaf.key_hash !== hex(k) || proof.leaf.value_hash !== hex(valueHash)) return null;
      c = await hasher.h(new Uint8Array([2]), k, valueHash);
    } else if (proof.leaf === null) {
      c = EMPTY;
    } else {
      var other = unhex(proof.leaf.key_hash);
      if (equal(other, k)) return null;
      for (var d = 0; d < m; d++) if (bit(other, d) !== bit(k, d)) return null;
      c = await hasher.h(new Uint8Array([2]), other, unhex(proof.leaf.value_hash));
    }
    for (var depth = m - 1; depth >= 0; depth--) {
      c = bit(k, depth) === 1
        ? await hasher.h(new Uint8Array([3]), siblings[depth], c)
        : await hasher.h(new Uint8Array([3]), c, siblings[depth]);
    }
    return c;
  }

  // ---------------------------------------------------------------- form (§14.1)

  var HEADER_FIELDS = [
    "protocol_version", "chain_id", "height", "time_ms", "prev_hash", "history_root", "tx_root",
    "results_root", "state_root", "validators_hash", "next_validators_hash", "evidence_root", "proposer"
  ];
  var HEADER_HASHES = HEADER_FIELDS.filter(function (f) {
    return ["protocol_version", "height", "time_ms"].indexOf(f) < 0;
  });

  function malformed(where, what) {
    fail("MALFORMED", where + ": " + what);
  }
  function obj(v, fields, where) {
    if (!isObject(v)) malformed(where, "expected an object");
    var keys = Object.keys(v);
    for (var i = 0; i < fields.length; i++) {
      if (!Object.prototype.hasOwnProperty.call(v, fields[i])) malformed(where, "missing field " + fields[i]);
    }
    for (i = 0; i < keys.length; i++) if (fields.indexOf(keys[i]) < 0) malformed(where, "unknown field " + keys[i]);
    return v;
  }
  function int(v, where) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= INTEGER_LIMIT) malformed(where, "expected an integer >= 0");
    return v;
  }
  function str(v, where) {
    if (typeof v !== "string") malformed(where, "expected a string");
    return v;
  }
  /* A string of at most `most` Unicode code points (not UTF-16 units, which JS counts). */
  function text(v, most, where) {
    str(v, where);
    if (v.length > most && Array.from(v).length > most) malformed(where, "longer than " + most + " characters");
    return v;
  }
  function list(v, where) {
    if (!Array.isArray(v)) malformed(where, "expected a list");
    return v;
  }
  function hexField(v, size, where) {
    if (typeof v !== "string" || v.length !== size * 2 || !/^[0-9a-f]*$/.test(v)) malformed(where, "expected " + size + " bytes of lowercase hex");
    return v;
  }

  function checkHeader(h, where) {
    obj(h, HEADER_FIELDS, where);
    int(h.protocol_version, where + ".protocol_version");
    int(h.height, where + ".height");
    int(h.time_ms, where + ".time_ms");
    HEADER_HASHES.forEach(function (f) { hexField(h[f], 32, where + "." + f); });
  }
  function checkCertificateForm(c, where) {
    obj(c, ["height", "round", "block_hash", "signatures"], where);
    int(c.height, where + ".height");
    int(c.round, where + ".round");
    hexField(c.block_hash, 32, where + ".block_hash");
    checkSignatureList(c.signatures, "validator", 1000, where + ".signatures");
  }
  /* A certificate's or a signed tx's signatures: at most max objects {key, signature}. */
  function checkSignatureList(signatures, key, max, where) {
    if (list(signatures, where).length > max) malformed(where, "more than " + max);
    signatures.forEach(function (s, i) {
      var at = where + "[" + i + "]";
      obj(s, [key, "signature"], at);
      hexField(s[key], 32, at + "." + key);
      hexField(s.signature, 64, at + ".signature");
    });
  }
  function checkSetForm(s, where) {
    obj(s, ["validators", "quorum"], where);
    int(s.quorum, where + ".quorum");
    list(s.validators, where + ".validators").forEach(function (v, i) {
      var at = where + ".validators[" + i + "]";
      obj(v, ["name", "public_key", "note_verifier_key"], at);
      str(v.name, at + ".name");
      hexField(v.public_key, 32, at + ".public_key");
      str(v.note_verifier_key, at + ".note_verifier_key");
    });
  }
  function checkProofForm(p, where) {
    obj(p, ["leaf_index", "tree_size", "hashes"], where);
    int(p.leaf_index, where + ".leaf_index");
    int(p.tree_size, where + ".tree_size");
    if (list(p.hashes, where + ".hashes").length > PROOF_HASHES_MAX) malformed(where + ".hashes", "more than " + PROOF_HASHES_MAX + " hashes");
    p.hashes.forEach(function (h, i) { hexField(h, 32, where + ".hashes[" + i + "]"); });
  }
  /* Format 3: a history_path is at most 64 hex hashes (§14.1). */
  function checkPathForm(p, where) {
    if (list(p, where).length > 64) malformed(where, "more than 64 hashes");
    p.forEach(function (h, i) { hexField(h, 32, where + "[" + i + "]"); });
  }
  function checkSignedTxForm(s, where) {
    obj(s, ["tx", "signatures"], where);
    var tx = obj(s.tx, ["chain_id", "protocol_version", "type", "sender", "nonce", "expires_at_ms", "body"], where + ".tx");
    hexField(tx.chain_id, 32, where + ".tx.chain_id");
    int(tx.protocol_version, where + ".tx.protocol_version");
    text(tx.type, 64, where + ".tx.type");
    hexField(tx.sender, 32, where + ".tx.sender");
    if (int(tx.nonce, where + ".tx.nonce") < 1) malformed(where + ".tx.nonce", "expected an integer >= 1");
    int(tx.expires_at_ms, where + ".tx.expires_at_ms");
    if (!isObject(tx.body)) malformed(where + ".tx.body", "expected an object");
    checkSignatureList(s.signatures, "public_key", 16, where + ".signatures");
  }
  function checkStateEntryForm(e, where) {
    obj(e, ["key", "value", "proof"], where);
    text(e.key, 512, where + ".key");
    if (e.value !== null && !isObject(e.value)) malformed(where + ".value", "expected an object or null");
    obj(e.proof, ["siblings", "leaf"], where + ".proof");
    var siblings = list(e.proof.siblings, where + ".proof.siblings");
    if (siblings.length > 256) malformed(where + ".proof.siblings", "more than 256");
    siblings.forEach(function (h, i) { hexField(h, 32, where + ".proof.siblings[" + i + "]"); });
    if (e.proof.leaf !== null) {
      obj(e.proof.leaf, ["key_hash", "value_hash"], where + ".proof.leaf");
      hexField(e.proof.leaf.key_hash, 32, where + ".proof.leaf.key_hash");
      hexField(e.proof.leaf.value_hash, 32, where + ".proof.leaf.value_hash");
    }
  }

  /* Step 1: the exact shape of §14.1. */
  function checkForm(r) {
    if (!isObject(r) || [1, 2, 3, 4].indexOf(r.receipt_version) < 0) malformed("receipt_version", "expected 1, 2, 3 or 4");
    // Format 4 (ADR 0030) has format 3's fields; it proves more records (step 7).
    var v3 = r.receipt_version >= 3;
    var fields = ["receipt_version", "retirement_id", "tx", "block", "state", "validator_sets", "history_proof"];
    if (r.receipt_version >= 2) fields.push("receipt_digest");
    if (v3) fields.push("checkpoint_header");
    obj(r, fields, "receipt");
    if (r.receipt_version >= 2) hexField(r.receipt_digest, 32, "receipt_digest");
    if (v3) {
      obj(r.checkpoint_header, ["header", "history_path"], "checkpoint_header");
      checkHeader(r.checkpoint_header.header, "checkpoint_header.header");
      checkPathForm(r.checkpoint_header.history_path, "checkpoint_header.history_path");
    }
    hexField(r.retirement_id, 32, "retirement_id");
    obj(r.tx, ["signed_tx", "height", "index", "tx_proof", "result", "result_proof"], "tx");
    checkSignedTxForm(r.tx.signed_tx, "tx.signed_tx");
    int(r.tx.height, "tx.height");
    int(r.tx.index, "tx.index");
    checkProofForm(r.tx.tx_proof, "tx.tx_proof");
    obj(r.tx.result, ["tx_id", "status", "reason"], "tx.result");
    hexField(r.tx.result.tx_id, 32, "tx.result.tx_id");
    if (r.tx.result.status !== "accepted" && r.tx.result.status !== "rejected") malformed("tx.result.status", "expected accepted or rejected");
    if (r.tx.result.reason !== null) text(r.tx.result.reason, 128, "tx.result.reason");
    if ((r.tx.result.status === "accepted") !== (r.tx.result.reason === null)) malformed("tx.result.reason", "null exactly when the status is accepted");
    checkProofForm(r.tx.result_proof, "tx.result_proof");
    obj(r.block, ["header", "certificate"], "block");
    checkHeader(r.block.header, "block.header");
    checkCertificateForm(r.block.certificate, "block.certificate");
    list(r.state, "state").forEach(function (e, i) { checkStateEntryForm(e, "state[" + i + "]"); });
    var changes = list(r.validator_sets, "validator_sets");
    if (changes.length > SET_CHANGES_MAX) malformed("validator_sets", "too many");
    changes.forEach(function (c, i) {
      var at = "validator_sets[" + i + "]";
      obj(c, v3 ? ["header", "certificate", "next_validators", "history_path"] : ["header", "certificate", "next_validators"], at);
      if (v3) checkPathForm(c.history_path, at + ".history_path");
      checkHeader(c.header, at + ".header");
      checkCertificateForm(c.certificate, at + ".certificate");
      if (!isObject(c.next_validators)) malformed(at + ".next_validators", "expected an object"); // its content is step 2's
    });
    text(r.history_proof, 1048576, "history_proof");
  }

  // ---------------------------------------------------------------- sets and certificates (§7, §8.2)

  async function keyId(hasher, name, publicKey, type) {
    return (await hasher.h(utf8(name), new Uint8Array([0x0a, type || 0x01]), publicKey)).subarray(0, 4);
  }

  /* ADR 0021: the genesis's optional witnesses {witnesses: [{name, public_key}], quorum},
   * sorted by key, names unique, 1 <= quorum <= n. */
  function witnessProblem(w) {
    if (!isObject(w) || Object.keys(w).sort().join() !== "quorum,witnesses" || !Array.isArray(w.witnesses)) return "witnesses is not {witnesses, quorum}";
    var n = w.witnesses.length;
    if (!isInt(w.quorum, 1) || w.quorum > n || n > 32) return "witness quorum " + w.quorum + " of " + n;
    for (var i = 0; i < n; i++) {
      var x = w.witnesses[i];
      if (!isObject(x) || Object.keys(x).sort().join() !== "name,public_key" || !isHash(x.public_key)) return "witness " + i + " is not {name, public_key}";
      if (typeof x.name !== "string" || x.name.length === 0 || !isKeyName(x.name) || Array.from(x.name).length > 128) return "bad witness name " + JSON.stringify(x.name);
      if (i > 0 && !(x.public_key > w.witnesses[i - 1].public_key)) return "witnesses not sorted by key, each once";
      for (var j = 0; j < i; j++) if (w.witnesses[j].name === x.name) return "witness name " + JSON.stringify(x.name) + " twice";
    }
    return null;
  }

  /* §14.4 step 5, the witness policy (c2sp.org/tlog-cosignature, Ed25519): a line of a
   * witness (name and key id of type 0x04) carries an 8-byte big-endian timestamp and a
   * signature over "cosignature/v1\ntime <t>\n" || the note text. */
  async function checkCosignatures(ctx, note) {
    var policy = ctx.witnesses, cosigners = new Set(), latest = null;
    for (var i = 0; i < note.signatures.length; i++) {
      var line = note.signatures[i];
      for (var j = 0; j < policy.witnesses.length; j++) {
        var w = policy.witnesses[j], pk = unhex(w.public_key);
        if (w.name !== line.name || !equal(await keyId(ctx.hasher, w.name, pk, 0x04), line.keyId)) continue;
        var raw = line.signature;
        if (raw.length !== 72 || raw[0] >= 0x80) fail("BAD_CHECKPOINT", "the cosignature line of " + w.name + " is not timestamp || signature");
        var t = BigInt(0);
        for (var k = 0; k < 8; k++) t = t * BigInt(256) + BigInt(raw[k]);
        var message = concat(utf8("cosignature/v1\ntime " + t.toString() + "\n"), utf8(note.body));
        if (!(await ctx.engine.ed25519(pk, message, raw.subarray(8)))) fail("BAD_CHECKPOINT", "the cosignature of witness " + w.name + " does not verify");
        cosigners.add(w.name);
        if (latest === null || t > latest) latest = t;
      }
    }
    if (cosigners.size < policy.quorum) fail("WITNESS_QUORUM", cosigners.size + " valid witness cosignatures, the genesis asks " + policy.quorum);
    ctx.cosigners = Array.from(cosigners).sort();
    /* §5: the latest time a verified cosignature signs, the upper edge of when the block
     * was committed (seconds; exact below 2^53, which §10.1's dates are). */
    ctx.witnessedAt = latest === null ? null : Number(latest);
  }

  /* §7: sorted unique keys, n/2 < q <= n, note names and verifier keys that match. */
  async function setProblem(hasher, set) {
    var n = set.validators.length;
    if (n === 0 || !(2 * set.quorum > n) || set.quorum > n) return "quorum " + set.quorum + " of " + n + " is not a majority";
    for (var i = 0; i < n; i++) {
      var v = set.validators[i];
      if (i > 0 && !(v.public_key > set.validators[i - 1].public_key)) return "validators not sorted by key, each once";
      if (!isKeyName(v.name)) return "bad note name " + JSON.stringify(v.name);
      // §7: at most 128 code points, as the CLI's set reader (JS counts UTF-16 units).
      if (Array.from(v.name).length > 128) return "validator name longer than 128 characters";
      for (var j = 0; j < i; j++) if (set.validators[j].name === v.name) return "validator name " + JSON.stringify(v.name) + " twice";
      var pk = unhex(v.public_key);
      var id = await keyId(hasher, v.name, pk);
      var expected = v.name + "+" + hex(id) + "+" + base64(concat(new Uint8Array([1]), pk));
      if (v.note_verifier_key !== expected) return "note_verifier_key of " + v.name + " does not match its key";
    }
    return null;
  }

  function setHash(hasher, set) {
    return hasher.tagged(TAG_VALIDATORS, set);
  }

  function findValidator(set, publicKeyHex) {
    for (var i = 0; i < set.validators.length; i++) if (set.validators[i].public_key === publicKeyHex) return set.validators[i];
    return null;
  }

  /* §14.4 step 3 certificate rules; returns the names of the signers. */
  async function checkCertificate(ctx, certificate, header, set) {
    var keys = certificate.signatures.map(function (s) { return s.validator; });
    var seen = new Set();
    keys.forEach(function (k) {
      if (seen.has(k)) fail("DUPLICATE_SIGNER", "validator " + k.slice(0, 16) + "… signs twice at height " + header.height);
      seen.add(k);
    });
    for (var i = 1; i < keys.length; i++) if (!(keys[i] > keys[i - 1])) fail("MALFORMED", "certificate signatures not sorted by validator");
    var names = keys.map(function (k) {
      var v = findValidator(set, k);
      if (v === null) fail("NOT_A_VALIDATOR", "key " + k.slice(0, 16) + "… is not a validator at height " + header.height);
      return v.name;
    });
    var blockHash = hex(await ctx.hasher.tagged(TAG_HEADER, header));
    if (certificate.height !== header.height || certificate.block_hash !== blockHash) {
      fail("BAD_CERTIFICATE", "certificate is for another block than the header at height " + header.height);
    }
    var vote = { type: "precommit", chain_id: ctx.chainId, height: certificate.height, round: certificate.round, block_hash: certificate.block_hash };
    var message = concat(TAG_VOTE, canonical(vote));
    for (i = 0; i < keys.length; i++) {
      var ok = await ctx.engine.ed25519(unhex(keys[i]), message, unhex(certificate.signatures[i].signature));
      if (!ok) fail("BAD_CERTIFICATE", "precommit signature of " + names[i] + " does not verify at height " + header.height);
    }
    if (keys.length < set.quorum) {
      fail("QUORUM_NOT_REACHED", keys.length + " signatures at height " + header.height + ", quorum is " + set.quorum);
    }
    return names;
  }

  /* §14.2: the set in force at height x. */
  function setInForce(ctx, height) {
    var set = ctx.genesisSet;
    ctx.changes.forEach(function (c) { if (c.header.height < height) set = c.next_validators; });
    return set;
  }

  // ---------------------------------------------------------------- steps 2-5

  async function checkSetChanges(ctx, changes) {
    var set = ctx.genesisSet;
    var previous = -1;
    for (var i = 0; i < changes.length; i++) {
      var c = changes[i], h = c.header;
      var where = "set change at height " + h.height;
      if (h.height <= previous) fail("BAD_SET_CHANGE", "set changes not in ascending height");
      previous = h.height;
      if (h.chain_id !== ctx.chainId) fail("BAD_SET_CHANGE", where + " is on another chain");
      if (h.validators_hash !== hex(await setHash(ctx.hasher, set))) fail("BAD_SET_CHANGE", where + ": validators_hash is not the set in force");
      if (h.next_validators_hash === h.validators_hash) fail("BAD_SET_CHANGE", where + " changes nothing");
      try {
        checkSetForm(c.next_validators, where + ": next_validators");
      } catch (e) {
        if (e instanceof ReceiptError) fail("BAD_SET_CHANGE", e.detail);
        throw e;
      }
      var problem = await setProblem(ctx.hasher, c.next_validators);
      if (problem !== null) fail("BAD_SET_CHANGE", where + ": " + problem);
      if (hex(await setHash(ctx.hasher, c.next_validators)) !== h.next_validators_hash) fail("BAD_SET_CHANGE", where + ": next_validators is not the preimage of next_validators_hash");
      await checkCertificate(ctx, c.certificate, h, set);
      set = c.next_validators;
    }
  }

  async function checkBlock(ctx, receipt) {
    var header = receipt.block.header;
    if (header.chain_id !== ctx.chainId) fail("WRONG_CHAIN", "the block is on chain " + header.chain_id.slice(0, 16) + "…, not this genesis' chain");
    if (header.protocol_version !== 1) fail("BAD_CHAIN", "protocol_version " + header.protocol_version);
    if (header.height !== receipt.tx.height) fail("BAD_CHAIN", "header height " + header.height + " is not tx.height " + receipt.tx.height);
    var set = setInForce(ctx, header.height);
    if (header.validators_hash !== hex(await setHash(ctx.hasher, set))) fail("BAD_CHAIN", "validators_hash is not the set in force at height " + header.height);
    ctx.changes.forEach(function (c) {
      if (c.header.height === header.height && jcs(c.header) !== jcs(header)) fail("BAD_CHAIN", "a set change at this height has another header");
    });
    var listed = ctx.changes.some(function (c) { return c.header.height === header.height; });
    if (header.next_validators_hash !== header.validators_hash && !listed) fail("BAD_CHAIN", "the block changes the validator set, and the receipt does not list the change");
    ctx.signers = await checkCertificate(ctx, receipt.block.certificate, header, set);
    ctx.blockSet = set;
  }

  async function checkTransaction(ctx, receipt) {
    var t = receipt.tx, signed = t.signed_tx, tx = signed.tx, header = receipt.block.header;
    var signingBytes = concat(TAG_TX, canonical(tx));
    if (hex(await ctx.hasher.h(signingBytes)) !== receipt.retirement_id) fail("WRONG_RETIREMENT", "the tx's id is not retirement_id");
    if (tx.chain_id !== ctx.chainId) fail("WRONG_CHAIN", "the tx is for another chain");
    if (tx.protocol_version !== 1) fail("BAD_CHAIN", "a block may not hold a tx of protocol_version " + tx.protocol_version);
    if (tx.expires_at_ms < header.time_ms) fail("BAD_CHAIN", "the tx had expired at the block's time");
    if (tx.type !== "credits.retire_judicial" && tx.type !== "credits.retire") fail("NOT_A_RETIREMENT", "tx type " + tx.type);
    var keys = signed.signatures.map(function (s) { return s.public_key; });
    for (var i = 1; i < keys.length; i++) if (!(keys[i] > keys[i - 1])) fail("BAD_TX_SIGNATURE", "signatures not sorted by key, each once");
    if (keys.indexOf(tx.sender) < 0) fail("BAD_TX_SIGNATURE", "the sender did not sign");
    for (i = 0; i < keys.length; i++) {
      if (!(await ctx.engine.ed25519(unhex(keys[i]), signingBytes, unhex(signed.signatures[i].signature)))) {
        fail("BAD_TX_SIGNATURE", "signature of " + keys[i].slice(0, 16) + "… does not verify");
      }
    }
    var txLeaf = await ctx.hasher.leaf(canonical(signed));
    var txRoot = await rootFromInclusion(ctx.hasher, txLeaf, t.tx_proof.leaf_index, t.tx_proof.tree_size, t.tx_proof.hashes.map(unhex));
    if (t.tx_proof.leaf_index !== t.index || txRoot === null || hex(txRoot) !== header.tx_root) fail("BAD_TX_PROOF", "the tx is not at index " + t.index + " of the block's tx_root");
    var resultLeaf = await ctx.hasher.leaf(canonical(t.result));
    var p = t.result_proof;
    var resultsRoot = await rootFromInclusion(ctx.hasher, resultLeaf, p.leaf_index, p.tree_size, p.hashes.map(unhex));
    if (t.result.tx_id !== receipt.retirement_id || p.leaf_index !== t.index || p.tree_size !== t.tx_proof.tree_size || resultsRoot === null || hex(resultsRoot) !== header.results_root) {
      fail("BAD_RESULT_PROOF", "the result is not at index " + t.index + " of the block's results_root");
    }
    if (t.result.status !== "accepted") fail("TX_NOT_ACCEPTED", "the chain rejected this tx: " + t.result.reason);
  }

  /* §14.3 and §10: the tlog-proof text and its signed note. */
  function parseHistoryProof(text) {
    var lines = text.split("\n");
    if (lines[0] !== "c2sp.org/tlog-proof@v1") fail("BAD_CHECKPOINT", "history_proof does not start with c2sp.org/tlog-proof@v1");
    // c2sp.org/tlog-proof allows an `extra` line here; §14.3 does not (the same detail as client/receipt/history.py).
    if ((lines[1] || "").startsWith("extra")) fail("BAD_CHECKPOINT", "tlog-proof extra data is not allowed in a Lantan receipt");
    var index = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[1] || "");
    if (index === null) fail("BAD_CHECKPOINT", "history_proof has no index line");
    var hashes = [], at = 2;
    while (at < lines.length && lines[at] !== "") {
      var h = unbase64(lines[at]);
      if (h === null || h.length !== 32) fail("BAD_CHECKPOINT", "history_proof hash line " + (at - 1) + " is not a base64 hash");
      hashes.push(h);
      at++;
    }
    if (at >= lines.length) fail("BAD_CHECKPOINT", "history_proof has no checkpoint");
    return { index: Number(index[1]), hashes: hashes, note: lines.slice(at + 1).join("\n") };
  }

  function parseNote(note) {
    var split = note.lastIndexOf("\n\n"); // §10: the last empty line opens the signatures
    if (split < 0 || !note.endsWith("\n")) fail("BAD_CHECKPOINT", "the checkpoint is not a signed note");
    var body = note.slice(0, split + 1);
    var bodyLines = body.split("\n");
    var count = bodyLines.length - 1;
    if (count !== 3) fail("BAD_CHECKPOINT", "the checkpoint text has " + count + (count === 1 ? " line" : " lines") + "; a Lantan checkpoint body has exactly 3");
    var signatureLines = note.slice(split + 2, -1).split("\n");
    if (signatureLines.length > SIGNATURE_LINES_MAX) fail("BAD_CHECKPOINT", "more than " + SIGNATURE_LINES_MAX + " signature lines");
    var signatures = signatureLines.map(function (line) {
      var m = /^\u2014 ([^ ]+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (m !== null && !isKeyName(m[1])) m = null;
      var raw = m === null ? null : unbase64(m[2]);
      if (raw === null || raw.length < 5) fail("BAD_CHECKPOINT", "bad signature line " + JSON.stringify(line.slice(0, 40)));
      return { name: m[1], keyId: raw.subarray(0, 4), signature: raw.subarray(4) };
    });
    return { body: body, origin: bodyLines[0], size: bodyLines[1], root: bodyLines[2], signatures: signatures };
  }

  /* §10: q validators of the set in force at size - 1 signed the note; returns that set. */
  async function checkValidatorQuorum(ctx, note, size) {
    var set = setInForce(ctx, size - 1);
    var signed = new Set();
    var bodyBytes = utf8(note.body);
    for (var i = 0; i < note.signatures.length; i++) {
      var line = note.signatures[i];
      for (var j = 0; j < set.validators.length; j++) {
        var v = set.validators[j];
        var pk = unhex(v.public_key);
        if (v.name !== line.name || !equal(await keyId(ctx.hasher, v.name, pk), line.keyId)) continue;
        if (line.signature.length !== 64 || !(await ctx.engine.ed25519(pk, bodyBytes, line.signature))) {
          fail("BAD_CHECKPOINT", "the checkpoint signature of " + v.name + " does not verify");
        }
        signed.add(v.public_key);
      }
    }
    if (signed.size < set.quorum) fail("CHECKPOINT_QUORUM", signed.size + " valid checkpoint signatures, quorum is " + set.quorum);
    return set;
  }

  async function checkCheckpoint(ctx, receipt) {
    var proof = parseHistoryProof(receipt.history_proof);
    var note = parseNote(proof.note);
    if (!/^[1-9][0-9]{0,15}$/.test(note.size)) fail("BAD_CHECKPOINT", "checkpoint size " + JSON.stringify(note.size));
    var root = unbase64(note.root);
    if (root === null || root.length !== 32) fail("BAD_CHECKPOINT", "checkpoint root is not a base64 hash");
    var size = Number(note.size);
    if (note.origin !== "lantan/" + ctx.chainId) {
      // §14.4 checks the origin first (the code stays); the signatures only tell whether it was altered too.
      var quorumHolds = true;
      try { await checkValidatorQuorum(ctx, note, size); } catch (e) { if (!(e instanceof ReceiptError)) throw e; quorumHolds = false; }
      fail("CHECKPOINT_WRONG_CHAIN", "checkpoint origin " + JSON.stringify(note.origin) + (quorumHolds ? "" : " is not this network's, and its validator signatures do not verify either: the checkpoint was altered, or it is another network's"));
    }
    ctx.changes.forEach(function (c) { if (c.header.height >= size) fail("BAD_SET_CHANGE", "a set change at height " + c.header.height + " is beyond the checkpoint"); });
    var set = await checkValidatorQuorum(ctx, note, size);
    if (ctx.witnesses) await checkCosignatures(ctx, note);
    var height = receipt.tx.height;
    // The too-small checkpoint before the index, as client/receipt/history.py does.
    if (!(height < size)) fail("BAD_HISTORY_PROOF", "the checkpoint (size " + size + ") does not hold height " + height);
    if (proof.index !== height) fail("BAD_HISTORY_PROOF", "tlog-proof index " + proof.index + " is not the header's height " + height);
    var leaf = await ctx.hasher.leaf(canonical(receipt.block.header));
    var computed = await rootFromInclusion(ctx.hasher, leaf, height, size, proof.hashes);
    if (computed === null || !equal(computed, root)) fail("BAD_HISTORY_PROOF", "header " + height + " is not in the checkpoint of size " + size);
    ctx.checkpointSize = size;
    if (receipt.receipt_version >= 3) await checkLogBinding(ctx, receipt, size, root, set);
  }

  /* Step 5, format 3 (ADR 0015): every set-change header and header N - 1 are leaves of the
   * checkpoint's log, and header N - 1 names the set that the listed changes give. */
  async function checkLogBinding(ctx, receipt, size, root, set) {
    async function inLog(header, path) {
      var leaf = await ctx.hasher.leaf(canonical(header));
      var computed = header.height < size ? await rootFromInclusion(ctx.hasher, leaf, header.height, size, path.map(unhex)) : null;
      return computed !== null && equal(computed, root);
    }
    for (var i = 0; i < ctx.changes.length; i++) {
      var c = ctx.changes[i];
      if (!(await inLog(c.header, c.history_path))) fail("BAD_HISTORY_PROOF", "the set change at height " + c.header.height + " is not in the checkpoint's log");
    }
    var last = receipt.checkpoint_header.header;
    if (last.height !== size - 1 || !(await inLog(last, receipt.checkpoint_header.history_path))) {
      fail("BAD_HISTORY_PROOF", "checkpoint_header is not header " + (size - 1) + " of the checkpoint's log");
    }
    if (last.validators_hash !== hex(await setHash(ctx.hasher, set))) fail("BAD_SET_CHANGE", "header " + (size - 1) + " is certified by a set no listed change gives");
    var listed = ctx.changes.some(function (c) { return c.header.height === size - 1; });
    if (last.next_validators_hash !== last.validators_hash && !listed) fail("BAD_SET_CHANGE", "the set change at height " + (size - 1) + " is not listed");
  }

  // ---------------------------------------------------------------- steps 6-8

  async function checkStateProofs(ctx, receipt) {
    var entries = receipt.state;
    for (var i = 1; i < entries.length; i++) {
      if (!(compareBytes(utf8(entries[i - 1].key), utf8(entries[i].key)) < 0)) fail("MALFORMED", "state keys not sorted, each once");
    }
    var records = new Map();
    for (i = 0; i < entries.length; i++) {
      var e = entries[i];
      var root = await smtRoot(ctx.hasher, e.key, e.value === null ? null : canonical(e.value), e.proof);
      if (root === null || hex(root) !== receipt.block.header.state_root) fail("BAD_STATE_PROOF", "the proof of " + e.key + " does not give the header's state_root");
      records.set(e.key, e.value);
    }
    return records;
  }

  function pad16(n) {
    var s = String(n);
    while (s.length < 16) s = "0" + s;
    return s;
  }

  /* §14.7: the schema of each record step 7 reads, checked before any field is used. */
  var SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/, HASH = /^[0-9a-f]{64}$/;
  var ROLES = ["issuer", "trading_centre", "court", "procuratorate", "auditor", "validator", "witness", "verifier", "lender"];
  var STATUSES = ["active", "frozen", "retired", "cancelled", "buffer"];
  function isInt(v, min) { return typeof v === "number" && Number.isInteger(v) && v >= (min || 0) && v < INTEGER_LIMIT; }
  function isText(v, most) { return typeof v === "string" && (v.length <= most || Array.from(v).length <= most); }
  function isSlug(v) { return typeof v === "string" && SLUG.test(v); }
  function isHash(v) { return typeof v === "string" && HASH.test(v); }
  function isList(item, most) {
    return function (v) { return Array.isArray(v) && v.length <= (most || 100000) && v.every(function (x) { return item(x); }); };
  }
  function maybe(check) { return function (v) { return v === null || check(v); }; }
  function oneOf(choices) { return function (v) { return typeof v === "string" && choices.indexOf(v) >= 0; }; }
  var INT = function (v) { return isInt(v, 0); }, INT1 = function (v) { return isInt(v, 1); };
  var TEXT = function (v) { return isText(v, 4096); };
  var DATE = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;
  var METHODOLOGY = /^[A-Za-z0-9]([A-Za-z0-9 .\/_-]{0,46}[A-Za-z0-9])?$/;
  var ECOSYSTEMS = ["salt_marsh", "mudflat", "mangrove", "seagrass", "shellfish", "algae", "mariculture"];
  var REPORT_LABELS = ["monitoring_report", "other", "tenure_certificate", "verification_report"];
  function isDate(v) { return typeof v === "string" && DATE.test(v); }
  function isMethodology(v) { return typeof v === "string" && METHODOLOGY.test(v); }
  function isAmount(v) { return isInt(v, 1) && v <= 1e12; }
  function isDistinctHashes(v) {
    return isList(isHash, 32)(v) && v.length > 0 && new Set(v).size === v.length;
  }
  function isReport(v) {
    return isObject(v) && Object.keys(v).length === 2 && REPORT_LABELS.indexOf(v.label) >= 0 && isHash(v.sha256);
  }
  function isReports(v) {
    if (!isList(isReport, 4)(v)) return false;
    var order = v.map(function (r) { return REPORT_LABELS.indexOf(r.label); });
    for (var i = 1; i < order.length; i++) if (!(order[i - 1] < order[i])) return false;
    return order.indexOf(REPORT_LABELS.indexOf("verification_report")) >= 0;
  }
  function isRange(v) { return Array.isArray(v) && v.length === 2 && INT1(v[0]) && INT1(v[1]) && v[0] <= v[1]; }
  function isObligor(v) {
    return isObject(v) && Object.keys(v).length === 2 && isText(v.masked_name, 32) && isHash(v.id_hash);
  }
  var SCHEMAS = {
    retirement: { retirement_id: isHash, kind: TEXT, account_id: isSlug, batch_id: isSlug, quantity_kg: INT1,
      ranges: isList(isRange), beneficiary: TEXT, purpose: TEXT, reason: TEXT, case_id: maybe(isSlug),
      confirmed_by: maybe(isHash), height: INT, time_ms: INT },
    serials: { batch_id: isSlug, first_serial: INT1, last_serial: INT1, status: oneOf(STATUSES), account_id: maybe(isSlug),
      frozen_by: maybe(isSlug), retirement_id: maybe(isHash), case_id: maybe(isSlug) },
    batch: { batch_id: isSlug, project_id: isSlug, verification_id: isSlug, vintage: INT, quantity_kg: INT, buffer_kg: INT,
      retired_kg: INT, cancelled_kg: INT, tx_id: isHash },
    project: { project_id: isSlug, name_zh: TEXT, name_en: TEXT, ecosystem: TEXT, location: TEXT, accounting_standard: TEXT,
      owner: TEXT, issuer: isSlug, document_hashes: isList(isHash) },
    key: { public_key: isHash, institution_id: isSlug },
    institution: { institution_id: isSlug, name_zh: TEXT, name_en: TEXT, roles: isList(oneOf(ROLES), ROLES.length), public_keys: isList(isHash, 16) },
    "case": { case_id: isSlug, court: isSlug, case_number: TEXT, case_type: TEXT, plaintiff: maybe(isSlug), registered_by: isSlug,
      obligors: isList(isObligor), required_kg: INT, retired_kg: INT, document_hash: isHash, retirement_ids: isList(isHash) },
    // Format 4 (ADR 0030): the verification behind the retired batch.
    verification: { verification_id: isSlug, project_id: isSlug, period_start: isDate, period_end: isDate,
      verification_body: TEXT, report_hashes: isDistinctHashes, verified_kg: isAmount, issued_kg: INT },
    attested_verification: { verification_id: isSlug, project_id: isSlug, period_start: isDate, period_end: isDate,
      methodology_id: isMethodology, methodology_version: isMethodology, net_sink_kg: isAmount, reports: isReports,
      verifier: isSlug, attested_by: isHash, height: INT, issued_kg: INT },
    // Format 4: the case's judgment and closure by its court (ADR 0029).
    case_judgment: { case_id: isSlug, judgment_hash: isHash, judgment_date: isDate,
      compensation_fen: function (v) { return isInt(v, 0) && v <= 1e15; },
      harm_site: function (v) { return isText(v, 128) && v !== ""; }, ecosystem: oneOf(ECOSYSTEMS),
      judged_by: isHash, height: INT },
    case_closure: { case_id: isSlug, outcome: oneOf(["satisfied", "withdrawn", "terminated"]), document_hash: isHash,
      closed_by: isHash, height: INT }
  };
  function schemaChecked(key, record) {
    var schema = SCHEMAS[key.slice(0, key.indexOf("/"))];
    var fields = Object.keys(schema), keys = Object.keys(record);
    var ok = keys.length === fields.length && fields.every(function (f) {
      return Object.prototype.hasOwnProperty.call(record, f) && schema[f](record[f]);
    });
    if (!ok) fail("MALFORMED", key + " does not have the schema of its record type");
    if ("period_start" in schema && record.period_end < record.period_start) fail("MALFORMED", key + ": its period ends before it starts");
    return record;
  }

  /* Step 7: read the records in the order §14.4 gives, each schema-checked when first read. */
  function requiredKeys(ctx, receipt, records) {
    var T = receipt.retirement_id, tx = receipt.tx.signed_tx;
    var keys = new Map();
    function need(key) {
      keys.set(key, true);
      var value = records.get(key);
      if (value === undefined || value === null) fail("MISSING_RECORD", "the receipt lacks " + key);
      return schemaChecked(key, value);
    }
    var r = need("retirement/" + T);
    r.ranges.forEach(function (range) { need("serials/" + r.batch_id + "/" + pad16(range[0])); });
    /* A key the receipt holds either way: a record, or null (proven absent). */
    function present(key) {
      if (!keys.has(key)) keys.set(key, false);
      if (!records.has(key)) fail("MISSING_RECORD", "the receipt lacks " + key);
      var record = records.get(key);
      return record === null ? null : schemaChecked(key, record);
    }
    var batch = need("batch/" + r.batch_id);
    need("project/" + batch.project_id);
    if (receipt.receipt_version >= 4) {
      // The verification behind the batch: recorded by the issuer, or else attested (ADR 0026).
      if (present("verification/" + batch.verification_id) === null) {
        need("institution/" + need("attested_verification/" + batch.verification_id).verifier);
      }
    }
    tx.signatures.forEach(function (s) {
      var record = present("key/" + s.public_key);
      if (record !== null) need("institution/" + record.institution_id);
    });
    // "The retirement's case_id" is the record's, never the tx body's (step 8 compares them).
    if (r.case_id !== null) {
      need("institution/" + need("case/" + r.case_id).court);
      if (receipt.receipt_version >= 4) {
        present("case_judgment/" + r.case_id);
        present("case_closure/" + r.case_id);
      }
    }
    records.forEach(function (_value, key) {
      if (!keys.has(key)) fail("UNEXPECTED_RECORD", "the receipt holds " + key + ", which it does not need");
    });
  }

  function checkMeaning(ctx, receipt, records) {
    var T = receipt.retirement_id, signed = receipt.tx.signed_tx, body = signed.tx.body;
    var judicial = signed.tx.type === "credits.retire_judicial";
    var r = records.get("retirement/" + T);
    var same = r.retirement_id === T && r.height === receipt.tx.height && r.kind === (judicial ? "judicial" : "voluntary") &&
      r.account_id === body.account_id && r.batch_id === body.batch_id && r.quantity_kg === body.quantity_kg &&
      (!judicial || r.case_id === body.case_id);
    if (!same) fail("RETIREMENT_MISMATCH", "the retirement record does not match the tx");
    if (!judicial && (r.case_id !== null || r.confirmed_by !== null)) fail("RETIREMENT_MISMATCH", "a voluntary retirement names a case or a court");
    var signedWords = r.time_ms === receipt.block.header.time_ms && r.beneficiary === body.beneficiary &&
      r.purpose === (judicial ? "alternative_restoration" : body.purpose) && (judicial || r.reason === body.reason);
    if (!signedWords) fail("RETIREMENT_MISMATCH", "the record's time, beneficiary, purpose or reason is not what was signed");
    var total = 0, previousLast = 0;
    r.ranges.forEach(function (range) {
      if (!(range[0] > previousLast)) fail("QUANTITY_MISMATCH", "serial ranges not ascending and disjoint");
      previousLast = range[1];
      total += range[1] - range[0] + 1;
    });
    if (total !== r.quantity_kg) fail("QUANTITY_MISMATCH", "ranges hold " + total + " kg, the retirement " + r.quantity_kg + " kg");
    r.ranges.forEach(function (range) {
      var b = records.get("serials/" + r.batch_id + "/" + pad16(range[0]));
      var ok = b.batch_id === r.batch_id && b.first_serial === range[0] && b.last_serial === range[1] &&
        b.status === "retired" && b.retirement_id === T && b.case_id === r.case_id &&
        b.account_id === r.account_id && b.frozen_by === null;
      if (!ok) fail("SERIALS_MISMATCH", "serial block " + range[0] + "-" + range[1] + " is not retired by this retirement");
    });
    var batch = records.get("batch/" + r.batch_id);
    var project = records.get("project/" + batch.project_id);
    if (batch.batch_id !== r.batch_id || project.project_id !== batch.project_id) fail("RECORD_MISMATCH", "batch or project record does not match");
    records.forEach(function (value, key) {
      var kind = key.slice(0, key.indexOf("/")), name = key.slice(key.indexOf("/") + 1);
      var field = kind === "key" ? "public_key" : kind === "institution" ? "institution_id" : null;
      if (value !== null && field !== null && value[field] !== name) fail("RECORD_MISMATCH", key + " holds another " + field);
    });
    var proven = provenVerification(receipt, records, batch);
    if (proven !== null && (proven.verification_id !== batch.verification_id || proven.project_id !== batch.project_id)) {
      fail("RECORD_MISMATCH", "the verification is not the batch's");
    }
    if (r.case_id !== null) {
      var c = records.get("case/" + r.case_id);
      if (c.case_id !== r.case_id || c.retirement_ids.indexOf(T) < 0) fail("CASE_MISMATCH", "the case does not list this retirement");
      var signers = signed.signatures.map(function (s) { return s.public_key; });
      var keyRecord = records.get("key/" + r.confirmed_by);
      var court = records.get("institution/" + c.court);
      var ok = signers.indexOf(r.confirmed_by) >= 0 && keyRecord && keyRecord.institution_id === c.court &&
        court.roles.indexOf("court") >= 0 && court.public_keys.indexOf(r.confirmed_by) >= 0;
      if (!ok) fail("COURT_ROLE_MISSING", "the retirement is not confirmed by a key of the case's court");
      if (receipt.receipt_version >= 4) {
        [records.get("case_judgment/" + r.case_id), records.get("case_closure/" + r.case_id)].forEach(function (x) {
          if (x && x.case_id !== c.case_id) fail("CASE_MISMATCH", "a judgment or closure of another case");
        });
        if (!(r.quantity_kg <= c.retired_kg && c.retired_kg <= c.required_kg)) fail("CASE_MISMATCH", "the case's total cannot hold this retirement");
      }
    }
  }

  /* Format 4: the verification step 7 read for the batch (recorded or attested), else null. */
  function provenVerification(receipt, records, batch) {
    if (receipt.receipt_version < 4) return null;
    return records.get("verification/" + batch.verification_id) || records.get("attested_verification/" + batch.verification_id);
  }

  /* What a judge reads of the verification (ADR 0030): the attested one's verifier
   * institution, methodology and labelled reports; a recorded one's free-text verifier. */
  function verificationFacts(receipt, records, batch) {
    var v = provenVerification(receipt, records, batch);
    if (v === null || v === undefined) return null;
    var attested = !records.get("verification/" + batch.verification_id);
    var verifier = attested ? records.get("institution/" + v.verifier) : null;
    return {
      verification_id: v.verification_id,
      attested: attested,
      verifier_id: attested ? v.verifier : null,
      verifier_name_zh: verifier ? verifier.name_zh : null,
      verifier_name_en: verifier ? verifier.name_en : null,
      verification_body: attested ? null : v.verification_body,
      period_start: v.period_start,
      period_end: v.period_end,
      methodology_id: attested ? v.methodology_id : null,
      methodology_version: attested ? v.methodology_version : null,
      net_sink_kg: attested ? v.net_sink_kg : v.verified_kg,
      reports: attested ? v.reports.map(function (x) { return { label: x.label, sha256: x.sha256 }; })
        : v.report_hashes.map(function (h) { return { label: "report", sha256: h }; }),
      attested_height: attested ? v.height : null
    };
  }

  /* Format 4: the case's status as of the retirement's block (PROTOCOL.md §14.4, ADR 0029):
   * closed when a closure is proven, else satisfied when retired_kg reaches required_kg,
   * else judgment when a judgment is proven, else registered. */
  function caseStatusFacts(receipt, records, r) {
    if (receipt.receipt_version < 4 || r.case_id === null) return null;
    var c = records.get("case/" + r.case_id);
    var j = records.get("case_judgment/" + r.case_id), closure = records.get("case_closure/" + r.case_id);
    var status = closure ? "closed" : c.retired_kg >= c.required_kg ? "satisfied" : j ? "judgment" : "registered";
    return {
      case_id: c.case_id,
      status: status,
      required_kg: c.required_kg,
      retired_kg: c.retired_kg,
      retirement_ids: c.retirement_ids.slice(),
      satisfies: c.retired_kg === c.required_kg && c.retirement_ids[c.retirement_ids.length - 1] === receipt.retirement_id,
      judgment: j ? { judgment_hash: j.judgment_hash, judgment_date: j.judgment_date, compensation_fen: j.compensation_fen,
        harm_site: j.harm_site, ecosystem: j.ecosystem, height: j.height } : null,
      closure_outcome: closure ? closure.outcome : null,
      closure_document_hash: closure ? closure.document_hash : null,
      closure_height: closure ? closure.height : null
    };
  }

  function facts(ctx, receipt, records, receiptHash) {
    var T = receipt.retirement_id;
    var r = records.get("retirement/" + T);
    var batch = records.get("batch/" + r.batch_id);
    var project = records.get("project/" + batch.project_id);
    var c = r.case_id === null ? null : records.get("case/" + r.case_id);
    var court = c === null ? null : records.get("institution/" + c.court);
    return {
      receipt_id: T,
      receipt_hash: receiptHash,
      chain_id: ctx.chainId,
      kind: r.kind,
      court_id: c === null ? null : c.court,
      court_name_zh: court ? court.name_zh : null,
      court_name_en: court ? court.name_en : null,
      case_id: r.case_id,
      case_number: c === null ? null : c.case_number,
      case_type: c === null ? null : c.case_type,
      obligors_masked: c === null ? [] : (c.obligors || []).map(function (o) { return o.masked_name; }),
      quantity_kg: r.quantity_kg,
      serial_ranges: r.ranges.map(function (range) { return { batch_id: r.batch_id, first_serial: range[0], last_serial: range[1] }; }),
      beneficiary: r.beneficiary,
      reason: r.reason,
      purpose: r.purpose,
      /* A voluntary retirement's reason is the holder's signed text (checked above); a
       * judicial record's is derived from the case record, which the rows show already. */
      reason: r.kind === "judicial" ? null : r.reason,
      project_id: project.project_id,
      project_name_zh: project.name_zh,
      project_name_en: project.name_en,
      ecosystem: project.ecosystem,
      location: project.location,
      accounting_standard: project.accounting_standard,
      vintage: batch.vintage,
      batch_id: r.batch_id,
      height: receipt.tx.height,
      time_ms: receipt.block.header.time_ms,
      signed_by: ctx.signers,
      signer_keys: ctx.blockSet.validators.filter(function (v) { return ctx.signers.indexOf(v.name) >= 0; })
        .map(function (v) { return v.public_key; }),
      validator_count: ctx.blockSet.validators.length,
      quorum: ctx.blockSet.quorum,
      checkpoint_size: ctx.checkpointSize,
      /* ADR 0021: the witnesses whose cosignature verified, by name (sorted, as the CLI
       * lists them) and key; none, and quorum 0, when the genesis names no witnesses. */
      witnessed_by: ctx.cosigners || [],
      witness_keys: (ctx.cosigners || []).map(function (name) {
        return ctx.witnesses.witnesses.filter(function (w) { return w.name === name; })[0].public_key;
      }),
      witnessed_at_s: ctx.witnessedAt === undefined ? null : ctx.witnessedAt,
      witness_quorum: ctx.witnesses ? ctx.witnesses.quorum : 0,
      tx_keys: txKeys(receipt, records),
      verification: verificationFacts(receipt, records, batch),
      case_status: caseStatusFacts(receipt, records, r)
    };
  }

  /* ADR 0024: each key that signed the tx, with the institution and roles its proven records
   * name at the tx's height. An accepted tx in a certified block had every signer in force
   * when it signed (admission refuses a rotated or revoked key), so that is its status. */
  function txKeys(receipt, records) {
    return receipt.tx.signed_tx.signatures.map(function (s) {
      var key = records.get("key/" + s.public_key);
      var holder = key ? records.get("institution/" + key.institution_id) : null;
      return {
        public_key: s.public_key,
        institution_id: holder ? holder.institution_id : null,
        name_zh: holder ? holder.name_zh : null,
        name_en: holder ? holder.name_en : null,
        roles: holder ? holder.roles.slice() : []
      };
    });
  }

  /* Step 9 (§14.6): the digest over the parts no node can change once the block is committed. */
  async function receiptDigest(hasher, receipt) {
    var identity = {
      block_hash: hex(await hasher.tagged(TAG_HEADER, receipt.block.header)),
      result: receipt.tx.result,
      retirement_id: receipt.retirement_id,
      signed_tx: receipt.tx.signed_tx,
      state: receipt.state.map(function (e) { return { key: e.key, value: e.value }; })
    };
    return hex(await hasher.tagged(TAG_RECEIPT, identity));
  }

  // ---------------------------------------------------------------- entry points

  /* The pinned genesis: its chain_id (= its hash, §2) and first validator set. */
  async function loadGenesis(genesisText, engine) {
    var hasher = new Hasher(engine);
    var genesis;
    try {
      genesis = typeof genesisText === "string" ? parseJson(genesisText) : genesisText;
      if (!isObject(genesis)) throw new JsonError("not an object");
      checkSetForm(genesis.validators, "genesis.validators");
    } catch (e) {
      fail("BAD_GENESIS", "the genesis document does not parse: " + (e.detail || e.message));
    }
    var problem = await setProblem(hasher, genesis.validators);
    if (problem !== null) fail("BAD_GENESIS", "genesis validators: " + problem);
    // Absent means no witnesses; an explicit null is refused, as the CLI refuses it.
    var witnesses = "witnesses" in genesis ? genesis.witnesses : null;
    problem = "witnesses" in genesis ? witnessProblem(witnesses) : null;
    if (problem !== null) fail("BAD_GENESIS", "genesis witnesses: " + problem);
    return {
      document: genesis,
      chainId: hex(await hasher.tagged(TAG_GENESIS, genesis)),
      chainName: typeof genesis.chain_name === "string" ? genesis.chain_name : "",
      validators: genesis.validators,
      witnesses: witnesses
    };
  }

  /* Verify receipt text against a loaded genesis; resolves to {valid, code, detail, facts}. */
  var BOM_DETAIL = "the file starts with a byte-order mark: it was re-saved by an editor; use the original file";

  async function verifyReceipt(receiptText, genesis, engine) {
    var hasher = new Hasher(engine);
    try {
      var receipt;
      /* A byte-order mark: an editor re-saved the file (PROTOCOL.md §14.1; the words are
       * client/receipt/codes.py BOM_DETAIL). */
      if (receiptText.charCodeAt(0) === 0xfeff) fail("MALFORMED", BOM_DETAIL);
      try {
        receipt = parseJson(receiptText);
      } catch (e) {
        fail("MALFORMED", "not a JSON receipt: " + e.message);
      }
      checkForm(receipt);
      var ctx = { engine: engine, hasher: hasher, chainId: genesis.chainId, genesisSet: genesis.validators, witnesses: genesis.witnesses, changes: receipt.validator_sets };
      await checkSetChanges(ctx, receipt.validator_sets);
      await checkBlock(ctx, receipt);
      await checkTransaction(ctx, receipt);
      await checkCheckpoint(ctx, receipt);
      var records = await checkStateProofs(ctx, receipt);
      requiredKeys(ctx, receipt, records);
      checkMeaning(ctx, receipt, records);
      var receiptHash = hex(await hasher.h(canonical(receipt)));
      var digest = await receiptDigest(hasher, receipt);
      var shown = facts(ctx, receipt, records, receiptHash);
      if (receipt.receipt_version >= 2 && receipt.receipt_digest !== digest) fail("DIGEST_MISMATCH", "the fixed parts hash to " + digest);
      shown.receipt_version = receipt.receipt_version;
      shown.receipt_digest = digest;
      return { valid: true, code: null, detail: null, facts: shown };
    } catch (e) {
      if (e instanceof ReceiptError) return { valid: false, code: e.code, detail: e.detail, facts: null };
      // A record of unexpected shape that got past its proof: refuse, never crash.
      return { valid: false, code: "MALFORMED", detail: "unexpected content: " + e.message, facts: null };
    }
  }

  var PDF_MAGIC = "%PDF-";

  /* A file that starts "%PDF-" is a receipt's printable copy: it holds no proofs, and
   * "MALFORMED: not UTF-8" would be a verdict on a file that is no receipt at all. The
   * result says so (printable: true), so the page can name the JSON file to choose, as
   * `lantan verify receipt` does (client/cli/verify.py read_receipt_input). */
  function isPrintableCopy(bytes) {
    if (bytes.length < PDF_MAGIC.length) return false;
    for (var i = 0; i < PDF_MAGIC.length; i++) if (bytes[i] !== PDF_MAGIC.charCodeAt(i)) return false;
    return true;
  }

  /* Verify a receipt file's bytes: strict UTF-8, and a byte-order mark is kept so that it
   * fails as JSON (§14.1: a receipt file is UTF-8 JSON text without one). */
  async function verifyReceiptBytes(bytes, genesis, engine) {
    var text;
    if (isPrintableCopy(bytes)) {
      return { valid: false, code: "MALFORMED", printable: true,
        detail: "the file is a PDF, a receipt's printable copy: verify the JSON receipt", facts: null };
    }
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch (e) {
      return { valid: false, code: "MALFORMED", detail: "the receipt file is not UTF-8", facts: null };
    }
    return verifyReceipt(text, genesis, engine);
  }

  /* The chain's free text as a person is shown it (§14.4 "What it shows a judge";
   * client/shown_text.py, the same rule):
   * a control, format (bidi, zero-width), line or paragraph separator or surrogate
   * character is written [U+XXXX], so a newline or a reordering mark in a beneficiary
   * cannot make the page read as another receipt. */
  var HIDDEN = (function () {
    try {
      return new RegExp("[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}]", "gu");
    } catch (error) {
      /* A browser without Unicode property escapes: the same categories' common members. */
      return /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/g;
    }
  })();
  function shown(text) {
    return text.replace(HIDDEN, function (c) {
      var hex = c.codePointAt(0).toString(16).toUpperCase();
      return "[U+" + (hex.length < 4 ? "0000".slice(hex.length) + hex : hex) + "]";
    });
  }

  root.LantanVerify = {
    verifyReceiptBytes: verifyReceiptBytes,
    parseJson: parseJson,
    jcs: jcs,
    selectEngine: selectEngine,
    loadGenesis: loadGenesis,
    BOM_DETAIL: BOM_DETAIL,
    verifyReceipt: verifyReceipt,
    hex: hex,
    shown: shown
  };
})(typeof window !== "undefined" ? window : globalThis);
