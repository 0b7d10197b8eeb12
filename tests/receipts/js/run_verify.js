/* Runs node/web/static/verify.js (the checker page's verifier) under Node.js: reads
 * {genesis, receipts: {name: text}, files?: {name: base64 bytes}, show?: [fact names],
 * details?: true} on
 * stdin, prints {name: code or ""}, or for a valid receipt the facts named in show when it
 * is given (with details: true, "code: detail"). A file goes through verifyReceiptBytes, as a dropped or picked file does, and
 * its code is followed by " printable" when the page is told it is a printable copy.
 * Given {shown: [text]} instead, prints each text as the page shows it. Test-only. */
const fs = require("fs"), vm = require("vm"), path = require("path");
const dir = process.argv[2];
for (const f of ["vendor/sha2.js", "vendor/ed25519.js", "verify.js"]) vm.runInThisContext(fs.readFileSync(path.join(dir, f), "utf8"), { filename: f });
const input = JSON.parse(fs.readFileSync(0, "utf8"));
// {shown: [text]}: the checker page's display of each text (LantanVerify.shown), alone.
if (input.shown) console.log(JSON.stringify(input.shown.map(LantanVerify.shown)));
else (async () => {
  const engine = await LantanVerify.selectEngine();
  const out = {};
  let genesis;
  try { genesis = await LantanVerify.loadGenesis(input.genesis, engine); }
  catch (e) { console.log(JSON.stringify({ genesis: e.code || String(e) })); return; }
  for (const [name, receipt] of Object.entries(input.receipts)) {
    const r = await LantanVerify.verifyReceipt(receipt, genesis, engine);
    out[name] = !r.valid ? r.code + (input.details ? ": " + r.detail : "") : input.show ? Object.fromEntries(input.show.map((k) => [k, r.facts[k]])) : "";
  }
  for (const [name, file] of Object.entries(input.files || {})) {
    const r = await LantanVerify.verifyReceiptBytes(new Uint8Array(Buffer.from(file, "base64")), genesis, engine);
    out[name] = r.valid ? "" : r.code + (r.printable ? " printable" : "");
  }
  console.log(JSON.stringify(out));
})();
