/* The receipt checker page: read a receipt (drop, pick or paste), verify it with
 * verify.js against the genesis pinned in the page, show VALID or INVALID with the
 * reason and what a judge needs. Works served by a node and from file:// alike; it
 * fetches nothing except, when asked with ?receipt=<id> on a served page, that receipt.
 */
(function () {
  "use strict";

  var STRINGS = {
    en: {
      "genesis.title": "Pinned genesis",
      "genesis.chain": "Chain",
      "genesis.hash": "Genesis hash (chain_id)",
      "genesis.validators": "Validators",
      "genesis.crypto": "Crypto used",
      "genesis.other": "Check against another genesis file:",
      "genesis.loaded": "loaded from the file",
      "input.title": "Receipt",
      "input.drop": "Drop a receipt file (.json) here, or pick one:",
      "input.paste": "…or paste the receipt JSON here",
      "input.verify": "Verify",
      "input.empty": "Nothing to verify yet: choose the receipt file (.json) or paste its text above.",
      "lang": "中文",
      "busy": "Checking…",
      "valid": "VALID",
      "invalid": "INVALID",
      "valid.note": "Every signature and proof checked out in this browser against the pinned genesis.",
      "summary.judicial": "It proves: a judicial retirement signed by the court $court for case $case (as the court's case record states it): $kg kg CO2e ($t t CO2e), recorded $when (UTC+8).",
      "summary.voluntary": "It proves: a VOLUNTARY retirement by the account holder, NOT a court's and tied to no court case: $kg kg CO2e ($t t CO2e), recorded $when (UTC+8).",
      "summary.own_words": "Its beneficiary, purpose and reason are the account holder's own words, which no court has checked. Beneficiary: $beneficiary",
      "own_words": "(the account holder's own words)",
      "valid.other": "VALID ONLY for chain $name ($id…)",
      "valid.other.not": "Genesis loaded from the file $file. This is NOT the network this checker was issued for: $pinned_name ($pinned_id…). Do not accept this receipt as proof on that network.",
      "valid.other.note": "Every signature and proof checked out in this browser against the genesis loaded from the file $file, not the pinned genesis.",
      "final.judicial": "These $t t CO2e are permanently retired for this case and can never be sold, transferred or retired again.",
      "final.retired": "These $t t CO2e are permanently retired and can never be sold, transferred or retired again.",
      "technical": "Technical details (signatures, hashes, checkpoint: for an expert)",
      "invalid.note": "This receipt does not prove the retirement. Reason:",
      "invalid.altered": "This receipt does not match the registry's records: it was altered after it was issued, or damaged.",
      "invalid.bom": "The file starts with a byte-order mark: it was re-saved by an editor (e.g. Notepad). Use the original receipt file.",
      "unchecked": "NOT CHECKED",
      "printable.note": "This file is a receipt's printable copy (PDF): it carries no signatures or proofs to check. Choose the receipt's JSON file instead: \u201cReceipt (JSON)\u201d on the retirement's page of the registry, or the file `lantan receipt get` saves.",
      "quantity": "$kg kg CO2e ($t t CO2e)",
      "list.sep": "; ",
      "f.receipt_id": "Receipt id (retirement tx)",
      "f.receipt_digest": "Receipt digest (the same for every copy in this format)",
      "f.receipt_version": "Receipt format",
      "f.receipt_hash": "This file's hash (changes when newer proofs are attached)",
      "f.kind": "Kind",
      "f.court": "Court",
      "f.case_number": "Case number",
      "f.case_type": "Case type",
      "f.obligors": "Obligors (masked)",
      "f.quantity": "Quantity retired",
      "f.serials": "Serial ranges",
      "f.project": "Project",
      "f.location": "Location",
      "f.ecosystem": "Ecosystem",
      "f.standard": "Accounting standard",
      "f.vintage": "Vintage",
      "f.beneficiary": "Beneficiary",
      "f.purpose": "Purpose",
      "f.reason": "Reason",
      "f.block": "Recorded on",
      "f.signed": "Block certified by",
      "f.checkpoint": "Checkpoint size",
      "signed": "$k of $n validators signed (quorum $q)",
      "signed.copies": "Another copy of this receipt may name other validators: each node keeps the quorum it collected.",
      "f.witnessed": "Witnessed by",
      "witnessed": "Independent witnesses that cosigned the checkpoint: $k (the genesis asks $q)",
      "witnessed.at": "Recorded by $when (UTC+8), when the latest of them cosigned this copy's checkpoint (size $size): an upper bound that depends on the copy; the copy with the smallest cosigned checkpoint above height $height gives the tightest (lantan receipt get RETIREMENT_ID --size N). The block's own time is its proposer's clock.",
      "f.tx_keys": "Retirement signed by",
      "f.verification": "Verification behind the credits",
      "f.case_status": "Case status (at this retirement's block)",
      "f.judgment": "Judgment",
      "cs.line": "$status: $retired of $required kg CO2e retired",
      "cs.satisfies": "This retirement brought the case to its required quantity.",
      "j.line": "$date: compensation $yuan yuan; harm site $site ($eco)",
      "j.hash": "judgment document sha256",
      "cs.closed": "closed ($outcome) at height $h",
      "v.attested": "accredited verifier $id, attested at height $h",
      "v.recorded": "recorded by the issuer, not signed by an accredited verifier",
      "v.period": "monitoring period $a – $b",
      "v.methodology": "methodology $m version $v",
      "v.standard": "the project's accounting standard $s",
      "v.net_sink": "verified net sink $kg kg CO2e",
      "key.holder": "account holder (no institution)",
      "key.in_force": "in force at height $h, when it signed (proven by the receipt)",
      "key.later": "A key rotated or revoked later keeps its signatures before that height valid. Later status is not part of the receipt: check it with `lantan verify receipt --key-status URL`.",
      "reason.code": "code",
      "version": "version $v",
      "quorum": "each block needs $q of these $n",
      "height_time": "$t (UTC+8), block height $h",
      "t.file": "Opened from a local file: this page needs no network and makes no requests.",
      "t.https": "Served over HTTPS by $host.",
      "t.local": "Served by this computer ($host).",
      "t.http": "Warning: this page was served over plain HTTP by $host, not localhost. Anyone on the network path could have altered it, including the pinned genesis, and the browser withholds WebCrypto here. Check receipts with the offline checker file, or over HTTPS.",
      "fetch.failed": "Could not fetch receipt $id: $why",
      "genesis.bad": "The pinned genesis does not load:",
      "genesis.chosen_bad": "The chosen file is not a genesis file; the pinned genesis is still the one in use:",
      "genesis.chosen_receipt": "This file is a receipt, not a genesis file: choose it under “Receipt” instead. The pinned genesis is still the one in use.",
      "code.MALFORMED": "The file is not a receipt of the specified form.",
      "code.BAD_GENESIS": "The genesis file does not load.",
      "code.BAD_SET_CHANGE": "A change of the validator set in the receipt is not valid.",
      "code.WRONG_CHAIN": "The receipt belongs to another registry chain.",
      "code.BAD_CHAIN": "The block is not a valid block of this chain.",
      "code.BAD_CERTIFICATE": "The validators' signatures do not match this block.",
      "code.DUPLICATE_SIGNER": "One validator is counted twice among the signatures.",
      "code.NOT_A_VALIDATOR": "A signature is from a key that is not a validator.",
      "code.QUORUM_NOT_REACHED": "Too few validators signed the block.",
      "code.WRONG_RETIREMENT": "The transaction in the receipt is not the retirement it names.",
      "code.NOT_A_RETIREMENT": "The transaction is not a retirement.",
      "code.BAD_TX_SIGNATURE": "A signature on the retirement transaction does not verify.",
      "code.BAD_TX_PROOF": "The transaction is not proven to be in the block.",
      "code.BAD_RESULT_PROOF": "The transaction's result is not proven to be in the block.",
      "code.TX_NOT_ACCEPTED": "The registry recorded this transaction as rejected.",
      "code.BAD_CHECKPOINT": "The signed checkpoint is not valid.",
      "code.CHECKPOINT_WRONG_CHAIN": "The checkpoint belongs to another registry chain.",
      "code.CHECKPOINT_QUORUM": "Too few validators signed the checkpoint.",
      "code.WITNESS_QUORUM": "Too few independent witnesses cosigned the checkpoint: no one outside the validators vouched for this history.",
      "code.BAD_HISTORY_PROOF": "The block is not proven to be in the signed history.",
      "code.BAD_STATE_PROOF": "A registry record is not proven to be in the block's state.",
      "code.MISSING_RECORD": "A record the retirement needs is missing.",
      "code.UNEXPECTED_RECORD": "The receipt holds a record that does not belong to it.",
      "code.RETIREMENT_MISMATCH": "The retirement record does not match the signed transaction.",
      "code.QUANTITY_MISMATCH": "The serial ranges do not add up to the quantity retired.",
      "code.SERIALS_MISMATCH": "The serial numbers are not retired by this retirement.",
      "code.RECORD_MISMATCH": "The batch, project, verification, key or institution records do not match.",
      "code.CASE_MISMATCH": "The case record does not list this retirement.",
      "code.COURT_ROLE_MISSING": "The retirement is not confirmed by the case's court.",
      "code.DIGEST_MISMATCH": "The receipt digest does not match the receipt's content."
    },
    zh: {
      "genesis.title": "固定的创世文件",
      "genesis.chain": "链",
      "genesis.hash": "创世哈希（chain_id）",
      "genesis.validators": "验证节点",
      "genesis.crypto": "所用密码实现",
      "genesis.other": "改用另一个创世文件核验：",
      "genesis.loaded": "读自文件",
      "input.title": "凭证",
      "input.drop": "将凭证文件（.json）拖放到此处，或选择文件：",
      "input.paste": "……或在此粘贴凭证 JSON",
      "input.verify": "核验",
      "input.empty": "尚无可核验的内容：请选择凭证文件（.json），或在上方粘贴其文本。",
      "lang": "English",
      "busy": "核验中……",
      "valid": "有效",
      "invalid": "无效",
      "valid.note": "所有签名与证明均已在本浏览器中依据固定的创世文件核验通过。",
      "summary.judicial": "它证明：由法院 $court 签署的司法注销，案号 $case（以法院的案件记录为准）：$kg kg CO2e（$t t CO2e），记录于 $when（北京时间）。",
      "summary.voluntary": "它证明：账户持有人的自愿注销，并非法院的注销，不对应任何案件：$kg kg CO2e（$t t CO2e），记录于 $when（北京时间）。",
      "summary.own_words": "其受益方、用途与原因是账户持有人自己的文字，未经任何法院审查。受益方：$beneficiary",
      "own_words": "（账户持有人自己的文字）",
      "valid.other": "仅对链 $name（$id…）有效",
      "valid.other.not": "创世文件读自文件 $file。这不是本核验页所属的网络：$pinned_name（$pinned_id…）。不得将本凭证作为该网络上的证明。",
      "valid.other.note": "所有签名与证明均已在本浏览器中依据读自文件 $file 的创世文件核验通过，而非固定的创世文件。",
      "final.judicial": "这 $t t CO2e 已为本案永久注销，不可再出售、转让或再次注销。",
      "final.retired": "这 $t t CO2e 已永久注销，不可再出售、转让或再次注销。",
      "technical": "技术细节（签名、哈希、检查点：供专业人员核对）",
      "invalid.note": "此凭证不能证明该注销。原因：",
      "invalid.altered": "这份凭证与登记簿记录不符：它在出具后被改动过或已损坏。",
      "invalid.bom": "该文件以字节顺序标记（BOM）开头：它被编辑器（如记事本）另存过。请使用原始凭证文件。",
      "unchecked": "未核验",
      "printable.note": "该文件是凭证的打印件（PDF），不含可核验的签名与证明。请改选凭证的 JSON 文件：登记簿该注销页面上的“凭证（JSON）”，或 `lantan receipt get` 保存的文件。",
      "quantity": "$kg kg CO2e（$t t CO2e）",
      "list.sep": "；",
      "f.receipt_id": "凭证编号（注销交易）",
      "f.receipt_digest": "凭证摘要（同一格式的各副本相同）",
      "f.receipt_version": "凭证格式",
      "f.receipt_hash": "本文件哈希（附上更新的证明后会变化）",
      "f.kind": "类别",
      "f.court": "法院",
      "f.case_number": "案号",
      "f.case_type": "案件类型",
      "f.obligors": "义务人（已脱敏）",
      "f.quantity": "注销数量",
      "f.serials": "序列号区间",
      "f.project": "项目",
      "f.location": "位置",
      "f.ecosystem": "生态系统",
      "f.standard": "核算标准",
      "f.vintage": "年份",
      "f.beneficiary": "受益方",
      "f.purpose": "用途",
      "f.reason": "原因",
      "f.block": "登记时间",
      "f.signed": "区块认证",
      "f.checkpoint": "检查点大小",
      "signed": "$n 个验证节点中 $k 个签署（法定数 $q）",
      "signed.copies": "另一份副本可能列出其他验证节点：每个节点保存它收集到的法定签名。",
      "f.witnessed": "见证联署",
      "witnessed": "联署检查点的独立见证方：$k 个（创世文件要求 $q 个）",
      "witnessed.at": "至迟于 $when（北京时间）已登记，即最晚一位见证方联署本副本检查点（大小 $size）之时：此上限因副本而异，包含高度 $height 的最小联署检查点的副本最精确（lantan receipt get RETIREMENT_ID --size N）。区块自身时间为其提议者的时钟。",
      "f.tx_keys": "注销签署方",
      "f.verification": "碳汇所依据的核证",
      "f.case_status": "案件状态（本注销所在区块）",
      "f.judgment": "判决",
      "cs.line": "$status：已注销 $retired / $required kg CO2e",
      "cs.satisfies": "本次注销使案件达到所需数量。",
      "j.line": "$date：赔偿 $yuan 元；损害地点 $site（$eco）",
      "j.hash": "判决书 sha256",
      "cs.closed": "已于高度 $h 结案（$outcome）",
      "v.attested": "经认可的核证机构 $id，于高度 $h 核证",
      "v.recorded": "由签发机构记录，非经认可的核证机构签署",
      "v.period": "监测期 $a 至 $b",
      "v.methodology": "方法学 $m 第 $v 版",
      "v.standard": "项目核算标准 $s",
      "v.net_sink": "核证净碳汇量 $kg kg CO2e",
      "key.holder": "账户持有人（非机构）",
      "key.in_force": "签署时（高度 $h）有效（由本凭证证明）",
      "key.later": "密钥此后被轮换或吊销的，此前的签名仍然有效。此后的状态不属于本凭证：请用 `lantan verify receipt --key-status URL` 查验。",
      "reason.code": "代码",
      "version": "第 $v 版",
      "quorum": "每个区块需其中 $q 个签名（共 $n 个）",
      "height_time": "$t（北京时间），区块高度 $h",
      "t.file": "从本地文件打开：本页无需网络，也不发出任何请求。",
      "t.https": "由 $host 通过 HTTPS 提供。",
      "t.local": "由本机（$host）提供。",
      "t.http": "警告：本页由 $host 通过未加密的 HTTP 提供，而非本机。网络途中任何人都可能篡改本页（包括固定的创世文件），且浏览器在此不提供 WebCrypto。请使用离线核验文件或 HTTPS 核验凭证。",
      "fetch.failed": "无法获取凭证 $id：$why",
      "genesis.bad": "固定的创世文件无法载入：",
      "genesis.chosen_bad": "所选文件不是创世文件；仍使用固定的创世文件：",
      "genesis.chosen_receipt": "所选文件是凭证，不是创世文件：请在“凭证”一栏中选择它。仍使用固定的创世文件。",
      "code.MALFORMED": "该文件不是规定格式的凭证。",
      "code.BAD_GENESIS": "创世文件无法载入。",
      "code.BAD_SET_CHANGE": "凭证中的验证节点变更无效。",
      "code.WRONG_CHAIN": "该凭证属于另一条登记链。",
      "code.BAD_CHAIN": "该区块不是本链的有效区块。",
      "code.BAD_CERTIFICATE": "验证节点的签名与该区块不符。",
      "code.DUPLICATE_SIGNER": "同一验证节点的签名被重复计入。",
      "code.NOT_A_VALIDATOR": "有签名来自非验证节点的密钥。",
      "code.QUORUM_NOT_REACHED": "签署该区块的验证节点不足法定数。",
      "code.WRONG_RETIREMENT": "凭证中的交易不是其所称的注销。",
      "code.NOT_A_RETIREMENT": "该交易不是注销交易。",
      "code.BAD_TX_SIGNATURE": "注销交易上的签名无法核验。",
      "code.BAD_TX_PROOF": "无法证明该交易在区块中。",
      "code.BAD_RESULT_PROOF": "无法证明该交易的结果在区块中。",
      "code.TX_NOT_ACCEPTED": "登记链已将该交易记录为拒绝。",
      "code.BAD_CHECKPOINT": "签名检查点无效。",
      "code.CHECKPOINT_WRONG_CHAIN": "检查点属于另一条登记链。",
      "code.CHECKPOINT_QUORUM": "签署检查点的验证节点不足法定数。",
      "code.WITNESS_QUORUM": "联署检查点的独立见证方不足创世文件要求的数量：验证节点之外无人为这段历史作证。",
      "code.BAD_HISTORY_PROOF": "无法证明该区块在已签名的历史中。",
      "code.BAD_STATE_PROOF": "无法证明某登记记录在该区块的状态中。",
      "code.MISSING_RECORD": "缺少注销所需的记录。",
      "code.UNEXPECTED_RECORD": "凭证含有不属于它的记录。",
      "code.RETIREMENT_MISMATCH": "注销记录与已签名的交易不符。",
      "code.QUANTITY_MISMATCH": "序列号区间之和与注销数量不符。",
      "code.SERIALS_MISMATCH": "这些序列号并非由本次注销所注销。",
      "code.RECORD_MISMATCH": "批次、项目、核证、密钥或机构记录不符。",
      "code.CASE_MISMATCH": "案件记录未列入本次注销。",
      "code.COURT_ROLE_MISSING": "本次注销未经该案法院确认。",
      "code.DIGEST_MISMATCH": "凭证摘要与凭证内容不符。"
    }
  };

  var lang = document.documentElement.lang.indexOf("zh") === 0 ? "zh" : "en";
  var NAMES = JSON.parse(document.getElementById("lantan-names").textContent);
  /* Codes whose check found the receipt's content differs from what the registry signed
   * (client/receipt/codes.py ALTERED_CODES): the page says so in plain words first. */
  var ALTERED = JSON.parse(document.getElementById("lantan-altered").textContent).altered;

  /* A stored code (judicial, mariculture, …) in the page's language; free text as it is. */
  function codeName(code) {
    var names = NAMES[code];
    return names ? names[lang === "zh" ? 1 : 0] : code;
  }
  /* pinned: the genesis the page was issued with; genesis: the one in use (pinned, or one
   * loaded from a file). A VALID against another chain's genesis is not this network's. */
  var state = { engine: null, pinned: null, genesis: null, genesisSource: null, last: null };

  function t(key, values) {
    var s = STRINGS[lang][key] || STRINGS.en[key] || key;
    Object.keys(values || {}).forEach(function (k) { s = s.split("$" + k).join(String(values[k])); });
    return s;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function el(name, attributes, children) {
    var node = document.createElement(name);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(LantanVerify.shown(child)) : child);
    });
    return node;
  }

  function applyStrings() {
    document.querySelectorAll("[data-i18n]").forEach(function (node) { node.textContent = t(node.getAttribute("data-i18n")); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(function (node) {
      node.setAttribute("placeholder", t(node.getAttribute("data-i18n-placeholder")));
    });
    showTransport();
    showGenesis();
    if (state.last) showResult(state.last);
  }

  function isLocalHost(host) {
    return host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host) || /\.localhost$/.test(host);
  }

  function showTransport() {
    var box = byId("transport");
    var protocol = location.protocol, host = location.hostname;
    var key = protocol === "file:" ? "t.file" : protocol === "https:" ? "t.https" : isLocalHost(host) ? "t.local" : "t.http";
    box.textContent = t(key, { host: location.host });
    box.className = "notice " + (key === "t.http" ? "warning" : "info");
    box.setAttribute("data-transport", key.slice(2));
  }

  function showGenesis() {
    var g = state.genesis;
    if (!g) return;
    byId("genesis-name").textContent = g.chainName + (state.genesisSource ? " (" + t("genesis.loaded") + " " + state.genesisSource + ")" : "");
    byId("genesis-chain-id").textContent = g.chainId;
    byId("genesis-validators").textContent = g.validators.validators.map(function (v) {
      var institution = institutionOf(v.public_key);
      return institution ? (lang === "zh" ? institution.name_zh : institution.name_en) + " (" + v.name + ")" : v.name;
    }).join(lang === "zh" ? "、" : "; ") + " · " + t("quorum", { q: g.validators.quorum, n: g.validators.validators.length });
    var labels = state.engine.labels;
    var crypto = byId("crypto-engine");
    crypto.textContent = "SHA-256: " + labels.sha256 + " · Ed25519: " + labels.ed25519;
    crypto.setAttribute("data-sha256", labels.sha256.indexOf("WebCrypto") === 0 ? "webcrypto" : "js");
    crypto.setAttribute("data-ed25519", labels.ed25519.indexOf("WebCrypto") === 0 ? "webcrypto" : "js");
  }

  function tonnes(kg) {
    var whole = Math.floor(kg / 1000), rest = kg % 1000;
    return rest === 0 ? String(whole) : (whole + "." + String(rest + 1000).slice(1)).replace(/0+$/, "");
  }

  function beijingTime(ms) {
    return new Date(ms + 8 * 3600 * 1000).toISOString().replace("T", " ").slice(0, 19);
  }

  function both(zh, en) {
    var first = lang === "zh" ? zh : en, second = lang === "zh" ? en : zh;
    return first && second && first !== second ? first + " / " + second : first || second || "";
  }

  /* The institution holding a validator key in the pinned genesis, or null. */
  function institutionOf(publicKey) {
    var list = (state.genesis && state.genesis.document.institutions) || [];
    for (var i = 0; i < list.length; i++) if ((list[i].public_keys || []).indexOf(publicKey) >= 0) return list[i];
    return null;
  }

  /* "2 of 3 validators signed (quorum 2)", then each signer as an institution, its
   * validator key name in small print. */
  function signerCell(f) {
    var items = f.signer_keys.map(function (key, i) {
      var institution = institutionOf(key);
      var name = institution ? (lang === "zh" ? institution.name_zh : institution.name_en) : f.signed_by[i];
      return el("li", {}, [name, " ", el("small", { class: "key-name" }, [f.signed_by[i]])]);
    });
    return el("div", {}, [
      el("p", { class: "signed-summary" }, [t("signed", { k: f.signed_by.length, n: f.validator_count, q: f.quorum })]),
      el("ul", { class: "signers" }, items),
      el("p", {}, [el("small", {}, [t("signed.copies")])])
    ]);
  }

  /* ADR 0021: who outside the validators cosigned the checkpoint, each as the
   * institution holding its key in the pinned genesis (ADR 0025), its name in small print;
   * an institution named after its key (a local network's witness) shows the name once. */
  function witnessCell(f) {
    var items = f.witness_keys.map(function (key, i) {
      var institution = institutionOf(key);
      var name = institution ? (lang === "zh" ? institution.name_zh : institution.name_en) : f.witnessed_by[i];
      return el("li", {}, name === f.witnessed_by[i] ? [name] : [name, " ", el("small", { class: "key-name" }, [f.witnessed_by[i]])]);
    });
    var parts = [
      el("p", { class: "witnessed-summary" }, [t("witnessed", { k: f.witnessed_by.length, q: f.witness_quorum })]),
      el("ul", { class: "signers" }, items)
    ];
    if (f.witnessed_at_s !== null) {
      parts.push(el("p", { class: "witnessed-at" }, [t("witnessed.at", { when: beijingTime(f.witnessed_at_s * 1000), size: f.checkpoint_size, height: f.height })]));
    }
    return el("div", {}, parts);
  }

  /* The roles a retirement's signer acts in, as client/receipt/key_status.py roles_text
   * shows them: validators sign blocks, never a retirement, so "validator" beside another
   * role is left out ("court, validator" read as if the court had certified the block). */
  function signingRoles(roles) {
    var shown = roles.filter(function (role) { return role !== "validator"; });
    return shown.length ? shown : roles;
  }

  /* ADR 0024: each key that signed the retirement, its institution and roles, and its
   * status at the tx's height (in force: the receipt proves it); a later rotation or
   * revocation is not in the receipt, and the note says where to check it. */
  function txKeyCell(f) {
    var items = f.tx_keys.map(function (k) {
      var who = k.institution_id === null ? t("key.holder")
        : (lang === "zh" ? k.name_zh : k.name_en) + " (" + signingRoles(k.roles).map(codeName).join(lang === "zh" ? "、" : ", ") + ")";
      return el("li", {}, [who, " ", el("small", { class: "key-name" }, [k.public_key.slice(0, 16) + "…"]),
        " — " + t("key.in_force", { h: f.height })]);
    });
    return el("div", {}, [el("ul", { class: "signers" }, items), el("p", {}, [el("small", {}, [t("key.later")])])]);
  }

  /* Format 4 (ADR 0030): the verifier (institution, or an issuer-recorded verification's
   * free text), period, methodology or the project's standard, net sink, labelled reports. */
  function verificationCell(f) {
    var v = f.verification;
    var who = v.attested ? both(v.verifier_name_zh, v.verifier_name_en) + " — " + t("v.attested", { id: v.verifier_id, h: v.attested_height })
      : v.verification_body + " — " + t("v.recorded");
    var how = v.attested ? t("v.methodology", { m: v.methodology_id, v: v.methodology_version }) : t("v.standard", { s: f.accounting_standard });
    var reports = v.reports.map(function (r) {
      return el("li", {}, [codeName(r.label), " ", el("small", { class: "key-name" }, [r.sha256])]);
    });
    return el("div", {}, [
      el("p", {}, [v.verification_id]),
      el("p", {}, [who]),
      el("p", {}, [t("v.period", { a: v.period_start, b: v.period_end }) + t("list.sep") + how]),
      el("p", {}, [t("v.net_sink", { kg: v.net_sink_kg.toLocaleString("en-US") })]),
      el("ul", { class: "signers" }, reports)
    ]);
  }

  /* 12236600 fen -> "122,366.00": integer fen shown as yuan, exactly. */
  function yuan(fen) {
    return Math.floor(fen / 100).toLocaleString("en-US") + "." + String(fen % 100 + 100).slice(1);
  }

  /* Format 4 (ADR 0030): the case's status at the retirement's block, and its closure. */
  function caseStatusCell(cs) {
    var parts = [el("p", {}, [t("cs.line", { status: codeName(cs.status), retired: cs.retired_kg.toLocaleString("en-US"),
      required: cs.required_kg.toLocaleString("en-US") })])];
    if (cs.satisfies) parts.push(el("p", { class: "case-satisfied" }, [t("cs.satisfies")]));
    if (cs.closure_outcome) parts.push(el("p", {}, [t("cs.closed", { outcome: codeName(cs.closure_outcome), h: cs.closure_height })]));
    return el("div", {}, parts);
  }

  function judgmentCell(j) {
    return el("div", {}, [
      el("p", {}, [t("j.line", { date: j.judgment_date, yuan: yuan(j.compensation_fen), site: j.harm_site, eco: codeName(j.ecosystem) })]),
      el("p", {}, [el("small", {}, [t("j.hash") + " ", el("span", { class: "key-name" }, [j.judgment_hash])])])
    ]);
  }

  function factRows(f) {
    var rows = [
      ["f.receipt_id", f.receipt_id],
      ["f.receipt_digest", f.receipt_digest],
      ["f.receipt_version", t("version", { v: f.receipt_version })],
      ["f.receipt_hash", f.receipt_hash],
      ["f.kind", codeName(f.kind)]
    ];
    if (f.kind === "judicial") {
      rows.push(["f.court", both(f.court_name_zh, f.court_name_en) + " (" + f.court_id + ")"]);
      rows.push(["f.case_number", f.case_number]);
      rows.push(["f.case_type", f.case_type]);
      rows.push(["f.obligors", f.obligors_masked.join("、")]);
      if (f.case_status) rows.push(["f.case_status", caseStatusCell(f.case_status)]);
      if (f.case_status && f.case_status.judgment) rows.push(["f.judgment", judgmentCell(f.case_status.judgment)]);
    }
    rows.push(["f.quantity", t("quantity", { kg: f.quantity_kg.toLocaleString("en-US"), t: tonnes(f.quantity_kg) })]);
    rows.push(["f.serials", f.serial_ranges.map(function (r) {
      return r.batch_id + " " + r.first_serial.toLocaleString("en-US") + "–" + r.last_serial.toLocaleString("en-US");
    }).join(t("list.sep"))]);
    rows.push(["f.project", both(f.project_name_zh, f.project_name_en) + " (" + f.project_id + ")"]);
    rows.push(["f.location", f.location]);
    rows.push(["f.ecosystem", codeName(f.ecosystem)]);
    rows.push(["f.standard", f.accounting_standard]);
    rows.push(["f.vintage", String(f.vintage) + " · " + f.batch_id]);
    if (f.kind === "judicial") {
      rows.push(["f.beneficiary", f.beneficiary]);
      rows.push(["f.purpose", codeName(f.purpose)]);
    } else {
      rows.push(["f.beneficiary", ownWords(f.beneficiary)]);
      rows.push(["f.purpose", ownWords(codeName(f.purpose))]);
      if (f.reason !== null && f.reason !== undefined) rows.push(["f.reason", ownWords(f.reason)]);
    }
    if (f.verification) rows.push(["f.verification", verificationCell(f)]);
    rows.push(["f.block", t("height_time", { h: f.height, t: beijingTime(f.time_ms) })]);
    rows.push(["f.signed", signerCell(f)]);
    if (f.witness_quorum) rows.push(["f.witnessed", witnessCell(f)]);
    rows.push(["f.tx_keys", txKeyCell(f)]);
    rows.push(["f.checkpoint", String(f.checkpoint_size)]);
    return rows;
  }

  /* A voluntary retirement's free text, quoted and labelled as its account holder's: it
   * was signed by the holder, and may be written to read like a court's words (h57 F12). */
  function quoted(text) {
    return "\u201c" + text + "\u201d";
  }

  function ownWords(text) {
    return quoted(text) + " " + t("own_words");
  }

  /* What a VALID receipt proves, in one sentence beside the verdict: a clerk who checks a
   * receipt for one case must see at once that it is that case's (and when), not only VALID.
   * A voluntary one's sentence has another shape and names no case: its beneficiary is free
   * text, and in the case's slot it read as the court's ("retired for case …", h57 F12). */
  function summaryText(f) {
    var values = { kg: f.quantity_kg.toLocaleString("en-US"), t: tonnes(f.quantity_kg), when: beijingTime(f.time_ms) };
    if (f.kind !== "judicial") return t("summary.voluntary", values);
    var court = lang === "zh" ? f.court_name_zh || f.court_name_en : f.court_name_en || f.court_name_zh;
    return t("summary.judicial", Object.assign(values, { "case": f.case_number, court: court }));
  }

  /* What retired means, in plain words (stop 57): retired serials never change. */
  function finalText(f) {
    return t(f.kind === "judicial" ? "final.judicial" : "final.retired", { t: tonnes(f.quantity_kg) });
  }

  /* Rows a clerk need not read first: they follow the others under their own heading. */
  var TECHNICAL = ["f.receipt_digest", "f.receipt_version", "f.receipt_hash", "f.signed", "f.witnessed", "f.tx_keys", "f.checkpoint"];

  function showResult(result) {
    state.last = result;
    var box = byId("result");
    box.textContent = "";
    if (result.printable) {
      /* The PDF holds nothing to check: no verdict on it, only which file to choose. */
      box.appendChild(el("p", { id: "verdict", class: "verdict unchecked", "data-verdict": "NOT_CHECKED", "data-code": result.code }, [t("unchecked")]));
      box.appendChild(el("p", { class: "reason" }, [el("strong", { id: "reason-text" }, [t("printable.note")])]));
      return;
    }
    if (result.valid && otherChain()) {
      showOtherChainResult(box, result);
      return;
    }
    var verdict = el("p", { id: "verdict", class: "verdict " + (result.valid ? "valid" : "invalid"), "data-verdict": result.valid ? "VALID" : "INVALID", "data-code": result.code || "" }, [t(result.valid ? "valid" : "invalid")]);
    box.appendChild(verdict);
    if (!result.valid) {
      if (ALTERED.indexOf(result.code) >= 0) box.appendChild(el("p", { id: "altered", class: "altered" }, [el("strong", {}, [t("invalid.altered")])]));
      if (result.detail === LantanVerify.BOM_DETAIL) box.appendChild(el("p", { id: "bom", class: "altered" }, [el("strong", {}, [t("invalid.bom")])]));
      box.appendChild(el("p", { class: "reason" }, [t("invalid.note") + " ", el("strong", { id: "reason-text" }, [t("code." + result.code)])]));
      box.appendChild(el("p", { class: "muted" }, [el("small", {}, [t("reason.code") + " ", el("code", { id: "reason-code" }, [result.code]), " — ", el("span", { id: "reason-detail" }, [result.detail || ""])])]));
      return;
    }
    box.appendChild(el("p", { id: "verdict-summary", class: "verdict-summary", "data-kind": result.facts.kind }, [summaryText(result.facts)]));
    if (result.facts.kind !== "judicial") {
      box.appendChild(el("p", { id: "verdict-own-words" }, [t("summary.own_words", { beneficiary: quoted(result.facts.beneficiary) })]));
    }
    box.appendChild(el("p", { id: "verdict-final", class: "verdict-final" }, [finalText(result.facts)]));
    box.appendChild(el("p", {}, [t("valid.note")]));
    showFacts(box, result);
  }

  /* A genesis chosen from a file that is not the pinned one: whoever hands a clerk a forged
   * receipt can hand over its genesis too, so the verdict box itself says for which chain
   * the receipt is valid and that it is not the network the checker was issued for. */
  function otherChain() {
    return state.pinned !== null && state.genesis !== null && state.genesis.chainId !== state.pinned.chainId;
  }

  function showOtherChainResult(box, result) {
    var g = state.genesis, pinned = state.pinned;
    box.appendChild(el("div", { id: "verdict", class: "verdict other-chain", "data-verdict": "VALID", "data-code": "", "data-chain": "other" }, [
      el("p", { class: "other-chain-head" }, [t("valid.other", { name: g.chainName, id: g.chainId.slice(0, 16) })]),
      el("p", { id: "other-chain-note", class: "other-chain-note" }, [t("valid.other.not",
        { file: state.genesisSource, pinned_name: pinned.chainName, pinned_id: pinned.chainId.slice(0, 16) })])
    ]));
    box.appendChild(el("p", { id: "verdict-summary", class: "verdict-summary" }, [summaryText(result.facts)]));
    box.appendChild(el("p", {}, [t("valid.other.note", { file: state.genesisSource })]));
    showFacts(box, result);
  }

  function showFacts(box, result) {
    var body = el("tbody"), technical = el("tbody");
    factRows(result.facts).forEach(function (row) {
      var value = row[1] instanceof Node ? row[1] : row[1] == null ? "—" : String(row[1]);
      (TECHNICAL.indexOf(row[0]) >= 0 ? technical : body).appendChild(
        el("tr", { "data-fact": row[0].slice(2) }, [el("th", { scope: "row" }, [t(row[0])]), el("td", {}, [value])]));
    });
    box.appendChild(el("div", { id: "facts" }, [
      el("table", { class: "fields" }, [body]),
      el("h3", { id: "technical-title", class: "technical-title" }, [t("technical")]),
      el("table", { class: "fields technical", id: "technical" }, [technical])
    ]));
  }

  /* verify is LantanVerify.verifyReceipt (pasted text) or verifyReceiptBytes (a file). */
  async function verifyWith(verify, receipt) {
    if (!state.genesis) return;
    var box = byId("result");
    box.textContent = t("busy");
    box.setAttribute("data-busy", "1");
    var result = await verify(receipt, state.genesis, state.engine);
    box.removeAttribute("data-busy");
    showResult(result);
  }

  function verifyText(text) { return verifyWith(LantanVerify.verifyReceipt, text); }
  function verifyBytes(bytes) { return verifyWith(LantanVerify.verifyReceiptBytes, bytes); }

  /* start(reader) begins the read; the promise gives convert(reader.result). */
  function readWith(file, start, convert) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(convert(reader.result)); };
      reader.onerror = function () { reject(reader.error); };
      start(reader, file);
    });
  }

  function readFile(file) {
    return readWith(file, function (r, f) { r.readAsText(f, "utf-8"); }, String);
  }

  /* A receipt file as bytes: readAsText would drop a byte-order mark and replace bad UTF-8,
   * so the page would accept files the other verifiers refuse. */
  function readBytes(file) {
    return readWith(file, function (r, f) { r.readAsArrayBuffer(f); }, function (b) { return new Uint8Array(b); });
  }

  /* The receipt the Verify button checks is the one last given: a file chosen or dropped
   * (the pasted text is cleared), or text typed or pasted (the file forgotten). Verify
   * pressed after choosing a file checked the empty text box and showed a red INVALID for a
   * VALID receipt (stop 55); with nothing given it says so, and shows no verdict. */
  var chosenFile = null;

  function useFile(file) {
    chosenFile = file;
    byId("receipt-text").value = "";
    readBytes(file).then(verifyBytes);
  }

  function verifyGiven() {
    var text = byId("receipt-text").value;
    if (text.trim()) return verifyText(text);
    if (chosenFile) return readBytes(chosenFile).then(verifyBytes);
    byId("result").textContent = t("input.empty");
  }

  function wireInputs() {
    var drop = byId("drop-zone");
    drop.addEventListener("dragover", function (event) { event.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      drop.classList.remove("over");
      var file = event.dataTransfer.files[0];
      if (file) useFile(file);
    });
    byId("receipt-file").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (file) useFile(file);
    });
    byId("receipt-text").addEventListener("input", function () {
      chosenFile = null;
      byId("receipt-file").value = "";
    });
    byId("verify-button").addEventListener("click", verifyGiven);
    /* Only the offline file has this button: a served page switches language with the
     * header's link, which re-renders the whole page (title, navigation, footer too). */
    var langButton = byId("checker-lang");
    if (langButton) langButton.addEventListener("click", function () {
      lang = lang === "zh" ? "en" : "zh";
      document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
      applyStrings();
    });
    byId("genesis-file").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (!file) return;
      readFile(file).then(function (text) {
        return useGenesis(text, file.name).catch(function (error) { showChosenGenesisError(text, error); });
      }).catch(showGenesisError);
    });
  }

  async function useGenesis(text, source) {
    state.genesis = await LantanVerify.loadGenesis(text, state.engine);
    state.genesisSource = source;
    state.last = null;
    byId("result").textContent = "";
    showGenesis();
  }

  function showGenesisError(error) {
    byId("result").textContent = t("genesis.bad") + " " + (error.detail || error.message);
  }

  /* A file chosen under "Check against another genesis file" that does not load: the
   * pinned genesis is untouched, and a receipt (JSON or its PDF) picked there by mistake
   * is named as one, not reported as a genesis that "does not parse". */
  function showChosenGenesisError(text, error) {
    byId("result").textContent = looksLikeReceipt(text)
      ? t("genesis.chosen_receipt")
      : t("genesis.chosen_bad") + " " + (error.detail || error.message);
  }

  function looksLikeReceipt(text) {
    if (text.startsWith("%PDF-")) return true;
    try {
      var value = JSON.parse(text);
      return value !== null && typeof value === "object" && "history_proof" in value;
    } catch (ignored) {
      return false;
    }
  }

  async function fetchReceipt(id) {
    if (!/^[0-9a-f]{64}$/.test(id) || location.protocol === "file:") return;
    try {
      var response = await fetch("/v1/receipts/" + id, { headers: { Accept: "application/json" } });
      var text = await response.text();
      if (!response.ok) throw new Error(response.status + " " + text.slice(0, 200));
      byId("receipt-text").value = text;
      await verifyText(text);
    } catch (error) {
      byId("result").textContent = t("fetch.failed", { id: id.slice(0, 16) + "…", why: error.message });
    }
  }

  async function start() {
    wireInputs();
    state.engine = await LantanVerify.selectEngine();
    try {
      await useGenesis(byId("lantan-genesis").textContent, null);
      state.pinned = state.genesis;
    } catch (error) {
      showGenesisError(error);
    }
    applyStrings();
    document.body.setAttribute("data-checker-ready", "1");
    var wanted = new URLSearchParams(location.search).get("receipt");
    if (wanted) await fetchReceipt(wanted);
  }

  start();
})();
