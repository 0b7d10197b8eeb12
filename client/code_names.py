"""Chinese and English names of the codes the chain stores, for court-facing text. Pure data.

Records hold machine codes (`judicial`, `alternative_restoration`, `mariculture`,
`retired`, `court`, `credits.retire_judicial`); a clerk must never have to read one. The
PDF, the CLI summary, the web pages and the receipt checker page all name codes from this
one table (the checker gets it embedded as JSON). A code not in the table is free text
(a voluntary retirement's purpose, say) and is shown as it is.
"""

from typing import Final

CODE_NAMES: Final[dict[str, tuple[str, str]]] = {
    # retirement kinds and purposes (contracts/case_records.py)
    "judicial": ("judicial retirement", "司法注销"),
    "voluntary": ("voluntary retirement", "自愿注销"),
    "alternative_restoration": ("alternative ecological restoration", "替代性生态修复"),
    "voluntary_offset": ("voluntary offset", "自愿抵消"),
    # ecosystems (contracts/credit_records.py ECOSYSTEMS)
    "salt_marsh": ("salt marsh", "盐沼"),
    "mudflat": ("mudflat", "滩涂"),
    "mangrove": ("mangrove", "红树林"),
    "seagrass": ("seagrass", "海草床"),
    "shellfish": ("shellfish", "贝类"),
    "algae": ("algae", "藻类"),
    "mariculture": ("mariculture", "海水养殖"),
    # serial block statuses (contracts/credit_records.py SerialStatus)
    "active": ("active", "有效"),
    "frozen": ("frozen", "已冻结"),
    "retired": ("retired", "已注销"),
    "cancelled": ("cancelled", "已作废"),
    "buffer": ("buffer reserve", "缓冲储备"),
    "pledged": ("pledged", "已质押"),
    "escrowed": ("escrowed for auction", "拍卖托管中"),
    # tx results
    "accepted": ("accepted", "已接受"),
    "rejected": ("rejected", "已拒绝"),
    # institution roles (contracts/records.py Role)
    "issuer": ("issuer", "签发机构"),
    "trading_centre": ("trading centre", "交易中心"),
    "court": ("court", "法院"),
    "procuratorate": ("procuratorate", "检察院"),
    "auditor": ("auditor", "审计机构"),
    "validator": ("validator", "验证节点"),
    "witness": ("witness", "见证方"),
    "verifier": ("accredited verifier", "经认可的核证机构"),
    "observer": ("observer", "观察节点"),
    # account kinds (contracts/records.py ACCOUNT_KINDS)
    "enterprise": ("enterprise", "企业"),
    "person": ("person", "个人"),
    "government": ("government", "政府"),
    "ecological": ("ecological account", "生态账户"),
    # tx types (contracts/tx_types.py TxType)
    "institution.register": ("institution registration", "机构登记"),
    "key.register": ("key registration", "密钥登记"),
    "validators.update": ("validator set change", "验证节点变更"),
    "account.open": ("account opening", "开立账户"),
    "project.register": ("project registration", "项目登记"),
    "verification.record": ("verification record", "核证记录"),
    "credits.issue": ("credit issuance", "碳汇签发"),
    "credits.transfer": ("credit transfer", "碳汇转让"),
    "credits.retire": ("voluntary retirement", "自愿注销"),
    "case.register": ("case registration", "案件登记"),
    "credits.retire_judicial": ("judicial retirement", "司法注销"),
    "credits.freeze": ("credit freeze", "碳汇冻结"),
    "credits.unfreeze": ("credit unfreeze", "碳汇解冻"),
    "credits.cancel": ("credit cancellation", "碳汇作废"),
    "insurance.attest": ("insurance attestation", "保险证明"),
    "role.grant": ("role grant", "角色授予"),
    "role.revoke": ("role revocation", "角色撤销"),
    "key.rotate": ("key rotation", "密钥轮换"),
    "key.revoke": ("key revocation", "密钥吊销"),
    "node.announce": ("node address announcement", "节点地址公告"),
    "verification.attest": ("accredited verification", "核证机构核证"),
    # project boundary and tenure (ADR 0027; contracts/tenure_records.py)
    "project.tenure": ("project boundary and tenure", "项目边界与权属登记"),
    "project.tenure_release": ("project tenure release", "项目权属终止"),
    "sea_area_use": ("sea-area use right certificate", "海域使用权证书"),
    "land_tenure": ("land tenure certificate", "不动产权证书"),
    "ended": ("ended", "已终止"),
    "batch.link": ("batch labels and registry links", "批次标签与外部登记关联"),
    # batch labels and the registries an external id names (ADR 0028; contracts/link_records.py)
    "article6_authorized": ("authorized under Article 6", "《巴黎协定》第六条授权"),
    "ccer_eligible": ("CCER eligible", "符合 CCER 要求"),
    "corsia_eligible": ("CORSIA eligible", "符合 CORSIA 要求"),
    "icvcm_ccp": ("ICVCM Core Carbon Principles", "ICVCM 核心碳原则"),
    "judicial_use": ("for judicial use", "司法用途"),
    "ccer": ("CCER (China Certified Emission Reduction)", "国家核证自愿减排量（CCER）"),
    "gold_standard": ("Gold Standard", "黄金标准（Gold Standard）"),
    "isometric": ("Isometric", "Isometric"),
    "verra": ("Verra (VCS)", "Verra（VCS）"),
    "xiamen_ptc": ("Xiamen Property Rights Trading Center", "厦门产权交易中心"),
    # labelled reports of an attested verification (ADR 0026), shown by receipts (ADR 0030)
    "monitoring_report": ("monitoring report", "监测报告"),
    "verification_report": ("verification report", "核证报告"),
    "tenure_certificate": ("tenure certificate", "权属证书"),
    # the one report hash of an issuer-recorded verification (client/receipt/facts.py)
    "report": ("report", "报告"),
    # case lifecycle (ADR 0029; contracts/case_lifecycle_records.py)
    "case.judgment": ("case judgment", "案件判决登记"),
    "case.close": ("case closure", "结案"),
    "registered": ("registered", "已登记"),
    "judgment": ("judgment entered", "已判决"),
    "satisfied": ("satisfied", "已履行"),
    "closed": ("closed", "已结案"),
    "withdrawn": ("withdrawn", "已撤诉"),
    "terminated": ("terminated", "已终结"),
    # consideration (ADR 0031; contracts/consideration_records.py)
    "credits.transfer_priced": ("priced credit transfer", "计价碳汇转让"),
    "consideration": ("consideration", "交易对价"),
    "CNY": ("yuan (CNY)", "人民币"),
    # reversals and insurance claims (ADR 0033; contracts/reversal_records.py)
    "reversal.report": ("reversal report", "碳汇损失（逆转）报告"),
    "insurance.claim": ("insurance claim", "保险理赔登记"),
    "storm": ("storm", "风暴"),
    "disease": ("disease", "病害"),
    "land_use_change": ("land-use change", "土地（海域）用途变更"),
    "other": ("other", "其他"),
    "filed": ("filed", "已提出"),
    # pledges (ADR 0032; contracts/pledge_records.py)
    "lender": ("lender", "质权银行"),
    "credits.pledge": ("credit pledge", "碳汇质押"),
    "credits.pledge_release": ("pledge release", "质押解除"),
    "credits.pledge_enforce": ("pledge enforcement", "质押处置"),
    "released": ("released", "已解除"),
    "enforced": ("enforced", "已处置"),
    # sealed-bid auctions (ADR 0034; contracts/auction_records.py)
    "auction.open": ("auction opening", "拍卖挂牌"),
    "auction.bid": ("sealed bid", "密封竞价"),
    "auction.reveal": ("bid reveal", "竞价揭示"),
    "auction.settle": ("auction settlement", "拍卖成交结算"),
    "settled": ("settled", "已成交"),
    "unsold": ("unsold", "流拍"),
    "below_reserve": ("below the reserve price", "低于起拍价"),
    "total_too_large": ("total too large", "总价超限"),
    "open": ("open for bids", "竞拍中"),
    # insurance claim decisions (ADR 0035; contracts/claim_decision_records.py)
    "insurance.claim_decide": ("insurance claim decision", "保险理赔决定登记"),
    "paid": ("paid", "已赔付"),
}


def code_name(code: str, lang: str) -> str:
    """The name of code in "en" or "zh"; a code outside the table is free text, as it is."""
    names = CODE_NAMES.get(code)
    return code if names is None else names[1 if lang == "zh" else 0]


def bilingual_name(code: str) -> str:
    """ "海水养殖 mariculture" for print, where both languages stand side by side."""
    names = CODE_NAMES.get(code)
    return code if names is None else f"{names[1]} {names[0]}"
