"""Official documents, checked with real tools: pdffonts, pdftotext, pdftoppm and a QR decoder."""
from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image, ImageDraw

from inspector_app.documents import KINDS, CountySettings, parse_qr_text, qr_text, render
from inspector_app.documents.templates import load_template, templates_dir
from inspector_app.domain.messages import InspectorError, catalogue

zxingcpp = pytest.importorskip("zxingcpp")

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("pdftotext", "pdffonts", "pdftoppm")), reason="poppler-utils not installed"
)

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = CountySettings(
    county_name="某某县",
    bureau_name="某某县应急管理局",
    short_name="文",
    seal_text="某某县应急管理局",
    reconsideration_body="某某县人民政府",
    court="某某县人民法院",
    server_url=None,
)
NUMBERS = {
    "plan": "（文）应急检查〔2025〕3号",
    "check-record": "（文）应急检记〔2025〕7号",
    "rectify-order": "（文）应急责改〔2025〕12号",
    "onsite-measures": "（文）应急现决〔2025〕2号",
    "review-opinion": "（文）应急复查〔2025〕5号",
    "inquiry": None,
}
EXTRA = {
    "plan": {"method": "现场检查、查阅资料、询问有关人员"},
    "review-opinion": {
        "order_number": "（文）应急责改〔2025〕12号",
        "order_date": "2025-05-20",
        "opinions": ["第1项问题已整改完毕。", "第2项问题已整改完毕。", "第3项问题已整改完毕。"],
    },
    "inquiry": {
        "started_at": "2025-05-20T14:00:00+08:00",
        "ended_at": "2025-05-20T15:10:00+08:00",
        "session": "1",
        "place": "某某化工有限公司会议室",
        "interviewee": {
            "name": "李安全", "sex": "男", "age": "45", "id_number": "320100198001010011",
            "employer": "某某化工有限公司", "post": "安全科科长", "address": "某某县某某镇幸福路1号",
            "phone": "13800000000",
        },
        "recorder": "刘洋",
        "present": "无",
        "qa": [{"q": "你单位生产的甲醇钠甲醇溶液是否办理了危险化学品登记？", "a": "还没有办理。"}],
    },
}


def _jpeg(colour: tuple[int, int, int], size=(320, 240)) -> bytes:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 20):
        draw.line([(x, 0), (size[0] - x, size[1])], fill=(255, 255, 255), width=2)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _item(item, seq, matter, content, check, enforce, result, major=False, catalogue_id="jk-2025-registration"):
    return {
        "catalogue": catalogue_id, "version": "2025", "item": item, "seq": seq, "section": "", "matter": matter,
        "content": content, "check_basis": check, "enforcement_basis": enforce, "major_hazard": major,
        "result": result,
    }


def make_record() -> tuple[dict, dict[str, bytes]]:
    photos = {}
    shas = []
    for colour in [(200, 60, 60), (60, 160, 60), (60, 60, 200), (160, 160, 40)]:
        data = _jpeg(colour)
        sha = hashlib.sha256(data).hexdigest()
        photos[sha] = data
        shas.append(sha)
    record = {
        "schema": "inspector.record/1", "kind": "inspection", "inspection_id": "insp-2025-0007", "device_id": "dev-1",
        "created_at": "2025-05-20T09:00:00+08:00", "started_at": "2025-05-20T09:30:00+08:00",
        "ended_at": "2025-05-20T11:45:00+08:00", "place": "生产车间、甲醇罐区、原料仓库",
        "enterprise": {
            "code": "91320100MA1XXXXX0X", "name": "某某化工有限公司", "address": "某某县化工园区纬三路8号",
            "kind": "production", "industry": "基础化学原料制造", "township": "某某镇",
            "legal_representative": "王建国", "contact_name": "李安全", "contact_phone": "13800000000",
            "major_hazard_sources": [{"name": "甲醇罐区", "grade": "三级"}], "key_processes": ["氯化工艺"],
            "key_chemicals": ["甲醇", "液氯"],
        },
        "inspectors": [
            {"name": "张伟", "cert": "32010020001", "public_key": "AAAA"},
            {"name": "刘洋", "cert": "32010020002", "public_key": "BBBB"},
        ],
        "catalogues": [{"id": "jk-2025-registration", "version": "2025", "title": "2025年化学品登记和鉴定分类专项"}],
        "items": [
            _item("reg-1", 1, "危险化学品登记",
                  "危险化学品生产、进口企业在危险化学品登记综合服务系统登记危险化学品情况，对本企业各类危险化学品进行普查并建立危险化学品管理档案情况",
                  ["《危险化学品登记管理办法》第十二、十八、二十一条", "《危险化学品生产企业安全生产许可证实施办法》第二十条"],
                  ["《危险化学品登记管理办法》第二十九、三十条", "《危险化学品生产企业安全生产许可证实施办法》第四十三条"],
                  "violation"),
            _item("reg-2", 2, "“一书一签”管理",
                  "危险化学品生产（进口）、经营、使用各环节相关企业规范使用“一书一签”传递危险化学品危害信息情况",
                  ["《危险化学品安全管理条例》第十五、三十七条"], ["《危险化学品安全管理条例》第七十八条"], "compliant"),
            _item("reg-3", 3, "储存场所安全警示标志",
                  "危险化学品生产（进口）、经营、使用各环节相关企业危险化学品储存场所安全警示标志规范设置情况",
                  ["《危险化学品安全管理条例》第二十条"], ["《危险化学品安全管理条例》第七十八条"], "violation"),
            _item("mah-20", 20, "危险化学品分区分类储存",
                  "未按国家标准分区分类储存危险化学品，超量、超品种储存危险化学品，相互禁配物质混放混存。",
                  ["《重大生产安全事故隐患判定标准（试行）》第二十项"], ["《安全生产法》第一百零二条"], "violation",
                  major=True, catalogue_id="mah-2017"),
            _item("reg-4", 4, "化学品物理危险性辨识和建档",
                  "检查对象企业化学品普查和物理危险性辨识以及建立化学品物理危险性鉴定与分类管理档案情况",
                  ["《化学品物理危险性鉴定与分类管理办法》第八、十六条"],
                  ["《化学品物理危险性鉴定与分类管理办法》第十九条"], "not-applicable"),
        ],
        "findings": [
            {"id": "f1", "item": "reg-1", "description": "企业生产的甲醇钠甲醇溶液未在危险化学品登记综合服务系统办理登记。",
             "location": "办公楼安全科", "grade": "general", "deadline": "2025-06-20", "repeat_offence": True,
             "self_reported": False, "evidence": [shas[0]]},
            {"id": "f2", "item": "reg-3", "description": "甲醇储罐区未设置安全警示标志。", "location": "甲醇罐区",
             "grade": "general", "deadline": "2025-06-05", "repeat_offence": False, "self_reported": True,
             "evidence": [shas[1], shas[2]]},
            {"id": "f3", "item": "mah-20", "description": "原料仓库内氧化剂高锰酸钾与还原剂硫磺混放混存。",
             "location": "2号原料仓库", "grade": "major", "deadline": "2025-05-25", "repeat_offence": False,
             "self_reported": False, "evidence": [shas[3]]},
        ],
        "evidence": [
            {"sha256": sha, "media_type": "image/jpeg", "size": len(photos[sha]),
             "captured_at": f"2025-05-20T10:1{i}:00+08:00", "file_time": None, "gps": None,
             "captured_by": "32010020001", "original_name": f"IMG_{i}.jpg"}
            for i, sha in enumerate(shas)
        ],
        "quiz": None, "amends": None, "audit_head": {"device": "dev-1", "seq": 42, "hash": "0" * 64},
    }
    return record, photos


def record_hash(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------------------- tools


def pdftotext(path: Path) -> str:
    """The text in content-stream order (-raw): a table cell's lines stay together."""
    done = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True)
    return done.stdout


def page_texts(path: Path) -> list[str]:
    return pdftotext(path).split("\f")[:-1]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def body_text(path: Path, title: str) -> str:
    """All pages' text without the page furniture (page numbers, continuation headers), squashed:
    what flows across a page break reads as one text again."""
    kept = []
    for page in page_texts(path):
        for line in page.splitlines():
            flat = squash(line)
            if re.fullmatch(r"共\d+页第\d+页", flat) or (flat.startswith(title) and re.search(r"第\d+页$", flat)):
                continue
            kept.append(flat)
    return "".join(kept)


def pdffonts(path: Path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for line in out[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the last six columns are fixed.
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    return rows


def qr_per_page(path: Path, workdir: Path, dpi: int = 150) -> list[list[str]]:
    prefix = workdir / path.stem
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(prefix)], check=True)
    pages = sorted(workdir.glob(f"{path.stem}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    decoded = []
    for png in pages:
        with Image.open(png) as image:
            decoded.append([r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode])
    return decoded


def do_render(kind, record, out, *, photos=None, signed=True, number="default", settings=SETTINGS, extra="default",
              hash_=None):
    return render(
        kind, record,
        record_hash=hash_ if hash_ is not None else record_hash(record),
        signed=signed,
        number=NUMBERS[kind] if number == "default" else number,
        settings=settings,
        out_path=out,
        photos=(photos or {}).get,
        extra=EXTRA.get(kind) if extra == "default" else extra,
    )


@pytest.fixture(scope="module")
def sample():
    return make_record()


# ------------------------------------------------------------------------------------ every kind


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_with_embedded_font_text_and_qr_on_every_page(kind, sample, tmp_path):
    record, photos = sample
    out = tmp_path / f"{kind}.pdf"
    result = do_render(kind, record, out, photos=photos)
    assert out.is_file() and result.pages >= 1 and not result.draft

    fonts = pdffonts(out)
    assert any("WenQuanYi" in f["name"] for f in fonts)
    assert all(f["emb"] == "yes" for f in fonts), fonts  # nothing left to the viewer's fonts
    assert all(f["sub"] == "yes" for f in fonts if "WenQuanYi" in f["name"])

    text = pdftotext(out)
    flat = squash(text)
    assert "某某化工有限公司" in flat
    assert squash("本文书一式两份：一份由应急管理部门备案，一份交被检查单位。") in flat
    title = load_template(kind).title
    assert squash(title) in flat
    if NUMBERS[kind]:
        assert NUMBERS[kind] in flat
        assert result.number == NUMBERS[kind]
    assert "某某县应急管理局（印章）" in flat
    pages = page_texts(out)
    assert len(pages) == result.pages
    for n, page in enumerate(pages, 1):
        assert f"共{result.pages}页第{n}页" in squash(page)

    h = record_hash(record)
    decoded = qr_per_page(out, tmp_path)
    assert len(decoded) == result.pages
    for page in decoded:
        assert len(page) == 1, decoded
        payload = parse_qr_text(page[0])
        assert payload.record_hash == h
        assert payload.number == NUMBERS[kind]
        assert page[0] == f"INSPECTOR:{h}:{NUMBERS[kind] or ''}" == result.qr_text


def test_check_record_content(sample, tmp_path):
    record, photos = sample
    out = tmp_path / "check.pdf"
    result = do_render("check-record", record, out, photos=photos)
    flat = squash(pdftotext(out))
    # The announcement, verbatim from enforcement.md §3, filled with the bureau, names and certificates.
    assert squash(
        "我们是某某县应急管理局行政执法人员张伟、刘洋，证件号码为32010020001、32010020002，"
        "这是我们的证件（出示证件）。现依法对你单位进行现场检查，请予以配合。"
    ) in flat
    assert "2025年5月20日9时30分至5月20日11时45分" in flat
    for finding in record["findings"]:
        assert squash(finding["description"]) in flat
        assert finding["location"] in flat
    assert "【重大事故隐患】" in flat and "【屡查屡犯】" in flat and "【企业自查自报】" in flat
    assert "符合要求的检查事项（共1项）" in flat and "“一书一签”管理" in flat
    assert "化学品物理危险性辨识和建档（不适用）" in flat
    # Signature lines: each officer's name and certificate number printed beside the blank line.
    assert "张伟证号：32010020001" in flat and "刘洋证号：32010020002" in flat
    for label in ("检查人员（签名）", "被检查单位现场负责人（签名）", "见证人（签名）", "身份证号码", "专家（签名）"):
        assert label in flat
    # Photo pages: every evidence thumbnail captioned with its hash prefix and capture time.
    assert "现场检查记录附页：现场照片" in flat
    for ev in record["evidence"]:
        assert ev["sha256"][:16] in flat
    assert "2025-05-2010:10:00" in flat
    assert result.pages >= 2 and result.warnings == []


def test_check_record_embeds_the_photos(sample, tmp_path):
    record, photos = sample
    out = tmp_path / "check.pdf"
    do_render("check-record", record, out, photos=photos)
    listing = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True)
    if listing.returncode == 0:
        rows = [line for line in listing.stdout.splitlines()[2:] if line.strip()]
        assert len(rows) >= len(photos)


def test_rectify_order_deadlines_and_appeal_notice(sample, tmp_path):
    record, photos = sample
    out = tmp_path / "order.pdf"
    do_render("rectify-order", record, out)
    flat = squash(pdftotext(out))
    assert "经查，你单位存在下列问题：" in flat
    # Deadlines differ: one clause per deadline, earliest first; the rest of the sentence verbatim.
    assert squash(
        "现责令你单位对上述第3项问题于2025年5月25日前，第2项问题于2025年6月5日前，第1项问题于2025年6月20日前整改完毕，"
        "达到有关法律法规规章和标准规定的要求。由此造成事故的，依法追究有关人员的责任。整改期间，你单位应当采取措施，"
        "确保安全生产。对安全生产违法行为，将依法予以行政处罚。"
    ) in flat
    assert "整改期限：2025年6月20日前" in flat
    assert squash(
        "如果不服本决定，可以依法在60日内向某某县人民政府申请行政复议，或者在6个月内依法向某某县人民法院提起行政诉讼，"
        "但本决定不停止执行，法律另有规定的除外。"
    ) in flat


def test_rectify_order_same_deadline_is_one_clause(sample, tmp_path):
    record, _ = sample
    record = copy.deepcopy(record)
    for f in record["findings"]:
        f["deadline"] = "2025-06-30"
    out = tmp_path / "order.pdf"
    do_render("rectify-order", record, out)
    assert "现责令你单位对上述第1、2、3项问题于2025年6月30日前整改完毕" in squash(pdftotext(out))


def test_onsite_measures_lists_major_hazards_with_basis(sample, tmp_path):
    record, _ = sample
    out = tmp_path / "measures.pdf"
    result = do_render("onsite-measures", record, out)
    flat = squash(pdftotext(out))
    assert "本机关于2025年5月20日现场检查时，发现你单位有下列违法违规行为和事故隐患：" in flat
    assert "原料仓库内氧化剂高锰酸钾与还原剂硫磺混放混存" in flat
    assert "甲醇储罐区未设置安全警示标志" not in flat  # general findings are not on-site measures
    assert "以上存在的问题无法保证安全生产，依据《安全生产法》第一百零二条的规定，现作出如下现场处理决定：" in flat
    assert "如果不服本决定" in flat
    # No decisions given: blank lines, and the caller is told so.
    assert any(w.code == "documents.blank_field" for w in result.warnings)


def test_onsite_measures_without_major_findings_is_refused(sample, tmp_path):
    record, _ = sample
    record = copy.deepcopy(record)
    for f in record["findings"]:
        f["grade"] = "general"
    out = tmp_path / "measures.pdf"
    with pytest.raises(InspectorError) as err:
        do_render("onsite-measures", record, out)
    assert err.value.code == "documents.no_findings"
    assert not out.exists()


def test_review_opinion_cites_the_order(sample, tmp_path):
    record, _ = sample
    out = tmp_path / "review.pdf"
    do_render("review-opinion", record, out)
    flat = squash(pdftotext(out))
    assert squash(
        "本机关于2025年5月20日作出了责令限期整改的决定[（文）应急责改〔2025〕12号]，经对你单位整改情况进行复查，提出如下意见："
    ) in flat
    assert "第2项问题已整改完毕" in flat
    assert "被复查单位负责人（签名）" in flat


def test_inquiry_fields_notice_and_page_signature(sample, tmp_path):
    record, _ = sample
    out = tmp_path / "inquiry.pdf"
    result = do_render("inquiry", record, out)
    pages = page_texts(out)
    flat = squash("".join(pages))
    for text in ("询问时间", "2025年5月20日14时00分至5月20日15时10分", "第1次询问", "询问地点", "李安全", "320100198001010011",
                 "安全科科长", "询问人", "张伟、刘洋", "记录人", "在场人",
                 "您有如实回答问题的义务，也有陈述、申辩和申请回避的权利",
                 "问：你单位生产的甲醇钠甲醇溶液是否办理了危险化学品登记？", "答：还没有办理。"):
        assert squash(text) in flat, text
    assert result.number is None
    for page in pages:
        assert "被询问人（签名）" in squash(page)


def test_plan_checklist_table(sample, tmp_path):
    record, _ = sample
    out = tmp_path / "plan.pdf"
    do_render("plan", record, out)
    flat = squash(pdftotext(out))
    for text in ("被检查单位", "联系人", "李安全13800000000", "所属行业", "基础化学原料制造", "检查时间", "执法人员",
                 "检查事项", "检查内容", "依据", "检查方式", "现场检查、查阅资料、询问有关人员", "审核意见", "审核人（签名）",
                 "审批意见", "审批人（签名）", "备注", "储存场所安全警示标志", "《危险化学品安全管理条例》第二十条"):
        assert squash(text) in flat, text


def test_qr_is_the_check_url_when_a_server_is_set(sample, tmp_path):
    record, _ = sample
    settings = CountySettings(**{**SETTINGS.__dict__, "server_url": "https://inspector.example.gov.cn/"})
    out = tmp_path / "order.pdf"
    result = do_render("rectify-order", record, out, settings=settings)
    h = record_hash(record)
    expected = f"https://inspector.example.gov.cn/v/{h}?n={quote(NUMBERS['rectify-order'], safe='')}"
    assert result.qr_text == expected
    decoded = qr_per_page(out, tmp_path)
    assert decoded and all(page == [expected] for page in decoded)
    payload = parse_qr_text(decoded[0][0])
    assert payload.record_hash == h and payload.number == NUMBERS["rectify-order"]
    assert payload.server_url == "https://inspector.example.gov.cn"


def test_qr_text_round_trip():
    h = "ab" * 32
    assert parse_qr_text(qr_text(h, "（文）应急责改〔2025〕12号")).number == "（文）应急责改〔2025〕12号"
    assert parse_qr_text(qr_text(h, None, "https://x.example/base")).record_hash == h
    draft = parse_qr_text(qr_text(h, None, "https://x.example", draft=True))
    assert draft.draft and draft.record_hash == h and draft.number is None
    assert parse_qr_text(qr_text(None, None, draft=True)).record_hash is None


# ----------------------------------------------------------------------------------- long inputs


def test_three_hundred_findings_flow_onto_numbered_pages(sample, tmp_path):
    record, _ = sample
    record = copy.deepcopy(record)
    base = record["findings"]
    record["findings"] = [
        dict(base[i % 3], id=f"f{i}", evidence=[],
             description=f"第{i + 1}号问题：" + "储罐区可燃气体检测报警装置未投用，" * (1 + i % 4) + f"此为问题{i + 1}的结尾。")
        for i in range(300)
    ]
    out = tmp_path / "big.pdf"
    result = do_render("check-record", record, out)
    assert result.pages > 1
    pages = page_texts(out)
    assert len(pages) == result.pages
    for n, page in enumerate(pages, 1):
        assert f"共{result.pages}页第{n}页" in squash(page)
    flat = squash("".join(pages))
    assert "发现的问题（共300项）" in flat
    assert "此为问题300的结尾。" in flat and "此为问题1的结尾。" in flat
    decoded = qr_per_page(out, tmp_path)
    h = record_hash(record)
    assert len(decoded) == result.pages
    assert all(len(p) == 1 and parse_qr_text(p[0]).record_hash == h for p in decoded)
    assert all(parse_qr_text(p[0]).number == NUMBERS["check-record"] for p in decoded)


def test_a_five_thousand_character_finding_is_printed_whole(sample, tmp_path):
    record, _ = sample
    record = copy.deepcopy(record)
    long_text = "".join(f"第{i}段" + "现场检查发现储罐区安全附件未正常投用" for i in range(250))[:4990] + "ABCDEFGHIJ"
    long_text = long_text[:5000]
    assert len(long_text) == 5000
    record["findings"][0]["description"] = long_text
    for kind in ("check-record", "rectify-order"):
        out = tmp_path / f"{kind}.pdf"
        result = do_render(kind, record, out)
        assert result.pages > 1
        assert squash(long_text) in body_text(out, load_template(kind).title), kind


def test_a_long_unbroken_latin_run_wraps_instead_of_running_off_the_page(sample, tmp_path):
    record, _ = sample
    record = copy.deepcopy(record)
    record["findings"][0]["location"] = "X" * 400
    record["enterprise"]["address"] = "Y" * 300
    out = tmp_path / "check.pdf"
    do_render("check-record", record, out)
    flat = body_text(out, "现场检查记录")
    assert "X" * 400 in flat and "Y" * 300 in flat
    # Every line pdftotext sees is inside the page: -bbox gives word boxes in points.
    bbox = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True, check=True).stdout
    xmax = [float(m) for m in re.findall(r'xMax="([0-9.]+)"', bbox)]
    assert xmax and max(xmax) <= 595.3


# --------------------------------------------------------------------------------------- drafts


def test_unsigned_record_is_a_marked_draft_without_number(sample, tmp_path):
    record, photos = sample
    out = tmp_path / "draft.pdf"
    h = record_hash(record)
    result = render("check-record", record, record_hash=h, signed=False, number=NUMBERS["check-record"],
                    settings=SETTINGS, out_path=out, photos=photos.get)
    assert result.draft and result.number is None
    pages = page_texts(out)
    assert len(pages) == result.pages >= 2
    for page in pages:
        assert "草稿 DRAFT — 未签名，不得作为正式文书" in page
    flat = squash("".join(pages))
    assert "（草稿）" in flat
    assert "应急检记〔" not in flat  # no number anywhere
    decoded = qr_per_page(out, tmp_path)
    assert all(p == [f"INSPECTOR:DRAFT:{h}"] for p in decoded)


def test_draft_without_hash_still_has_a_qr(sample, tmp_path):
    record, _ = sample
    out = tmp_path / "draft.pdf"
    result = render("rectify-order", record, record_hash=None, signed=False, number=None, settings=SETTINGS,
                    out_path=out, photos=None)
    assert result.qr_text == "INSPECTOR:DRAFT"
    assert qr_per_page(out, tmp_path) == [["INSPECTOR:DRAFT"]] * result.pages


# ------------------------------------------------------------------------------------ bad input


def test_missing_short_name_is_a_clear_error_and_no_file(sample, tmp_path):
    record, _ = sample
    out = tmp_path / "order.pdf"
    settings = CountySettings(**{**SETTINGS.__dict__, "short_name": "  "})
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", record, out, settings=settings)
    assert err.value.code == "documents.missing_setting"
    assert err.value.params["setting"] == "县区简称"
    assert "县区简称" in err.value.text("zh")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("field,label", [("bureau_name", "应急管理局名称"), ("reconsideration_body", "行政复议机关"),
                                         ("court", "管辖人民法院"), ("county_name", "县区名称")])
def test_each_required_setting_is_named(sample, tmp_path, field, label):
    record, _ = sample
    settings = CountySettings(**{**SETTINGS.__dict__, field: ""})
    with pytest.raises(InspectorError) as err:
        do_render("check-record", record, tmp_path / "x.pdf", settings=settings)
    assert err.value.code == "documents.missing_setting" and err.value.params["setting"] == label


def test_final_document_needs_hash_number_and_two_officers(sample, tmp_path):
    record, _ = sample
    out = tmp_path / "x.pdf"
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", record, out, number=None)
    assert err.value.code == "documents.missing_number"
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", record, out, number="（文）应急检记〔2025〕7号")
    assert err.value.code == "documents.number_mismatch"
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", record, out, number="（武）应急责改〔2025〕7号")
    assert err.value.code == "documents.number_mismatch"
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", record, out, number="应急责改2025-7")
    assert err.value.code == "numbering.bad_number"
    with pytest.raises(InspectorError) as err:
        render("rectify-order", record, record_hash=None, signed=True, number=NUMBERS["rectify-order"],
               settings=SETTINGS, out_path=out, photos=None)
    assert err.value.code == "documents.missing_hash"
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", record, out, hash_="not-a-hash")
    assert err.value.code == "documents.missing_hash"
    lonely = copy.deepcopy(record)
    lonely["inspectors"] = lonely["inspectors"][:1]
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", lonely, out)
    assert err.value.code == "documents.too_few_inspectors"
    with pytest.raises(InspectorError) as err:
        do_render("penalty", record, out, number=None, extra=None)
    assert err.value.code == "documents.unknown_kind" and err.value.exit_code == 2
    bad = copy.deepcopy(record)
    bad["findings"][0]["deadline"] = "next week"
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", bad, out)
    assert err.value.code == "documents.bad_record" and "findings[0].deadline" in err.value.text()
    assert not out.exists()


def test_rare_characters_outside_the_font(sample, tmp_path):
    record, _ = sample
    record = copy.deepcopy(record)
    record["enterprise"]["legal_representative"] = "王𪚥"
    record["enterprise"]["name"] = "𠀀某化工有限公司"
    record["findings"][0]["description"] = "仓库管理员𪚥未持证上岗。\u200b"
    out = tmp_path / "check.pdf"
    result = do_render("check-record", record, out)
    text = pdftotext(out)  # check=True: the PDF is valid for poppler
    assert "□某化工有限公司" in squash(text) and "王□" in squash(text)
    assert result.missing_chars == ["𠀀", "𪚥"]
    warning = next(w for w in result.warnings if w.code == "documents.missing_glyphs")
    assert "𠀀" in warning.text() and "U+2A6A5" in warning.text()
    assert all(f["emb"] == "yes" for f in pdffonts(out))
    assert len(qr_per_page(out, tmp_path)[0]) == 1


def test_unreadable_photo_leaves_a_box_and_a_warning(sample, tmp_path):
    record, photos = sample
    broken = dict(photos)
    first = record["findings"][0]["evidence"][0]
    broken[first] = b"not a jpeg"
    out = tmp_path / "check.pdf"
    result = do_render("check-record", record, out, photos=broken)
    assert any(w.code == "documents.photo_unavailable" for w in result.warnings)
    assert "无缩略图" in squash(pdftotext(out))


def test_markup_characters_in_text_are_printed_literally(sample, tmp_path):
    record, _ = sample
    record = copy.deepcopy(record)
    record["findings"][0]["description"] = "阀门<b>编号</b> A&B <font name=x>泄漏"
    out = tmp_path / "order.pdf"
    do_render("rectify-order", record, out)
    assert squash("阀门<b>编号</b> A&B <font name=x>泄漏") in squash(pdftotext(out))


def test_failed_render_leaves_no_file(sample, tmp_path):
    record, _ = sample
    out = tmp_path / "sub" / "missing-dir" / "order.pdf"
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", record, out)
    assert err.value.code == "documents.write_failed"
    assert not out.parent.exists()


# ------------------------------------------------------------------------------------ templates


def test_templates_are_data_with_format_and_source():
    folder = templates_dir()
    for kind in KINDS:
        data = tomllib.loads((folder / f"{kind}.toml").read_text("utf-8"))
        assert data["format"] == 1 and data["kind"] == kind
        assert "enforcement.md §3" in data["source"]
    prefixes = {kind: load_template(kind).prefix for kind in KINDS}
    assert prefixes == {"plan": "应急检查", "check-record": "应急检记", "rectify-order": "应急责改",
                        "onsite-measures": "应急现决", "review-opinion": "应急复查", "inquiry": ""}
    common = tomllib.loads((folder / "_common.toml").read_text("utf-8"))
    assert common["text"]["footer"] == "本文书一式两份：一份由应急管理部门备案，一份交被检查单位。"


def test_no_legal_wording_in_python():
    phrases = ["现依法对你单位", "本文书一式两份", "如果不服本决定", "经查，你单位", "整改完毕", "现场处理决定",
               "申请回避", "现责令你单位", "本机关于", "无法保证安全生产"]
    for path in (ROOT / "inspector_app" / "documents").glob("*.py"):
        source = path.read_text("utf-8")
        for phrase in phrases:
            assert phrase not in source, (path.name, phrase)


def test_bad_template_is_named(tmp_path):
    for name in ("_common.toml", "plan.toml"):
        shutil.copy(templates_dir() / name, tmp_path / name)
    text = (tmp_path / "plan.toml").read_text("utf-8").replace("format = 1", "format = 99", 1)
    (tmp_path / "plan.toml").write_text(text, "utf-8")
    with pytest.raises(InspectorError) as err:
        load_template("plan", tmp_path)
    assert err.value.code == "documents.bad_template" and "format" in err.value.text()


def test_message_placeholders_match():
    for code, message in catalogue().items():
        if code.startswith(("documents.", "numbering.")):
            assert message.placeholders("zh") == message.placeholders("en"), code


def test_documents_import_without_qt_or_sqlalchemy():
    code = (
        "import sys\n"
        "for name in ('PySide6', 'sqlalchemy'):\n"
        "    sys.modules[name] = None\n"
        "import inspector_app.documents, inspector_app.documents.render, inspector_app.domain.numbering\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_server_url_must_be_a_url(sample, tmp_path):
    record, _ = sample
    settings = CountySettings(**{**SETTINGS.__dict__, "server_url": "inspector.example.gov.cn"})
    with pytest.raises(InspectorError) as err:
        do_render("rectify-order", record, tmp_path / "x.pdf", settings=settings)
    assert err.value.code == "documents.bad_setting" and "服务器地址" in err.value.text()


def test_characters_of_a_fallback_font_are_printed_with_it(sample, tmp_path):
    from inspector_app.documents.fonts import load_fonts

    primary, fallbacks = load_fonts()
    symbol = "☢"
    if ord(symbol) in primary.cmap or not any(ord(symbol) in f.cmap for f in fallbacks):
        pytest.skip("no fallback font with ☢ on this machine")
    record, _ = sample
    record = copy.deepcopy(record)
    record["findings"][0]["description"] = f"储罐区未设置{symbol}警示标志。"
    out = tmp_path / "order.pdf"
    result = do_render("rectify-order", record, out)
    assert result.missing_chars == [] and not any(w.code == "documents.missing_glyphs" for w in result.warnings)
    assert f"储罐区未设置{symbol}警示标志" in squash(pdftotext(out))
    fonts = pdffonts(out)
    assert len({f["name"].split("+")[-1] for f in fonts}) == 2 and all(f["emb"] == "yes" for f in fonts)
