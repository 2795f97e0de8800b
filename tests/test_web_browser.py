"""The web pages in a real browser: Debian's Chromium, headless, driven by Playwright, against a real
inspector-server on loopback holding real signed records. Log in, follow a dashboard figure to its
list and export it, play an evidence video, run a draw and verify it with `inspector draw`, and open
the URL in the QR code of a document rendered from a record. Every page is also screenshotted, and
none may be wider than the window (nothing clipped).

Skipped only when Chromium (or the playwright package) is missing."""
from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from web_fixtures import (
    CHROMIUM_ARGS,
    browser_login,
    chromium_path,
    running_county,
    screenshot_tour,
    wait_indexed,
)

if chromium_path() is None:
    pytest.skip("Chromium not found (/usr/bin/chromium; apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    with running_county(tmp_path_factory.mktemp("browser")) as (server, c):
        wait_indexed(server, len(c.hashes))
        yield c


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, county):
    context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    browser_login(pg, county.server, "guanli")
    yield pg
    context.close()


def test_dashboard_figure_to_list_to_exports(page, county, tmp_path):
    from openpyxl import load_workbook

    page.goto(county.server.url + f"/dashboard?year={county.year}")
    card = page.locator("a.card", has_text="逾期未整改")
    assert card.locator(".n").inner_text() == str(county.expected()["overdue"])
    card.click()
    page.wait_for_url("**/lists/findings?status=overdue")
    assert page.locator("h1").inner_text() == "隐患"
    rows = page.locator("table.data tbody tr")
    assert rows.count() == county.expected()["overdue"]
    with page.expect_download() as info:
        page.click("text=导出 Excel")
    xlsx = tmp_path / info.value.suggested_filename
    info.value.save_as(xlsx)
    assert xlsx.suffix == ".xlsx" and "逾期" in xlsx.name
    values = list(load_workbook(xlsx).worksheets[0].values)
    assert values[0][1] == "企业名称" and len(values) == 1 + county.expected()["overdue"]
    assert {"甲化工有限公司"} <= {v[1] for v in values[1:]}
    with page.expect_download() as info:
        page.click("text=导出 CSV")
    raw = Path(info.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert table[0][0] == "发现日期" and len(table) == 1 + county.expected()["overdue"]
    # a chart bar is a link to its list too
    page.goto(county.server.url + f"/dashboard?year={county.year}")
    page.locator(f"svg.chart a[href='/lists/findings?year={county.year}&month=3']").first.click()
    page.wait_for_url(f"**/lists/findings?year={county.year}&month=3")
    assert "共 2 条" in page.inner_text("main")


def test_an_inspection_plays_its_video_and_shows_its_photo(page, county):
    page.goto(county.server.url + f"/inspections/{county.hashes['r1']}")
    assert "2 个签名均有效" in page.inner_text("main") and "签名有效" in page.inner_text("main")
    video = page.locator("video").first
    page.wait_for_function("v => v.readyState >= 1 && isFinite(v.duration)", arg=video.element_handle(), timeout=15000)
    duration = video.evaluate("v => v.duration")
    assert 1.5 < duration < 2.5
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("v => v.currentTime > 0.3", arg=video.element_handle(), timeout=15000)
    assert video.evaluate("v => v.videoWidth") == 320
    # seeking works through Range requests
    video.evaluate("v => { v.currentTime = 1.5; }")
    page.wait_for_function("v => !v.seeking && v.currentTime >= 1.4", arg=video.element_handle(), timeout=15000)
    img = page.locator("figure.evidence img").first
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle(), timeout=15000)
    assert img.evaluate("i => i.naturalWidth") == 240


def test_a_draw_run_in_the_browser_verifies_offline(page, county, tmp_path):
    from test_draw import run_cli

    page.goto(county.server.url + "/draws")
    page.fill("input[name=title]", "浏览器测试抽查")
    page.fill("input[name=period]", f"{county.year}-Q3")
    page.fill("input[name=seed_source]", "开奖号码")
    page.check("input[name=sample_mode][value=count]")
    page.fill("input[name=sample_value]", "1")
    page.click("form[action='/draws'] button[type=submit]")
    page.wait_for_url("**/draws/*")
    assert "待公布种子" in page.inner_text("main") or "录入种子" in page.inner_text("main")
    page.fill("input[name=seed]", "20261123")
    page.click("form[action$='/seed'] button[type=submit]")
    page.wait_for_selector("text=核验方法")
    with page.expect_download() as info:
        page.click("text=下载公示文件（JSON）")
    published = tmp_path / "draw.json"
    info.value.save_as(published)
    code, out, err = run_cli("draw", "verify", str(published))
    assert code == 0, err
    data = json.loads(published.read_text("utf-8"))
    assert data["inputs"]["seed"] == "20261123" and len(data["result"]["key"]) == 3
    data["inputs"]["seed"] = "20261124"
    published.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    code, out, err = run_cli("draw", "verify", str(published))
    assert code == 1 and "hashes.inputs" in err


def test_the_qr_code_of_a_printed_document_opens_the_public_check(browser, county, tmp_path):
    import zxingcpp
    from PIL import Image
    from sqlalchemy import select

    from inspector_app.crypto.canonical import loads_strict
    from inspector_app.documents import CountySettings, parse_qr_text, render
    from sync.server.records.models import StoredRecord

    h = county.hashes["r1"]
    db = county.server.db()
    with db.read() as s:
        payload = loads_strict(s.scalar(select(StoredRecord.payload).where(StoredRecord.hash == h)))
    db.close()
    settings = CountySettings(county_name="示例县", bureau_name="示例县应急管理局", short_name="文",
                              reconsideration_body="示例县人民政府", court="示例县人民法院", server_url=county.server.url)
    number = f"（文）应急检记〔{county.year}〕3号"
    pdf = tmp_path / "check-record.pdf"
    render("check-record", payload, record_hash=h, signed=True, number=number, settings=settings, out_path=pdf, photos=None)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True,
                   timeout=60)
    png = sorted(tmp_path.glob("page*.png"))[0]
    found = [b.text for b in zxingcpp.read_barcodes(Image.open(png))]
    url = next(t for t in found if "/v/" in t)
    assert parse_qr_text(url).record_hash == h and parse_qr_text(url).number == number
    context = browser.new_context(locale="zh-CN")  # a stranger: no login
    pg = context.new_page()
    response = pg.goto(url)
    assert response.status == 200
    text = pg.inner_text("main")
    assert "记录存在，内容与二维码中的哈希一致" in text and "甲化工有限公司" in text and number in text
    assert f"{county.year}-03-10" in text
    for secret in ("张执法", "ZJ-0001", "13800000000", "王法人", "安全阀未投用"):
        assert secret not in pg.content()
    assert pg.locator("video, img").count() == 0
    context.close()


def test_screenshots_of_every_page_fit_the_window(browser, county, tmp_path):
    import os

    out = Path(os.environ.get("INSPECTOR_SCREENSHOTS") or tmp_path / "shots")
    problems: list[str] = []
    shots = screenshot_tour(county.server, county, out, problems=problems, browser=browser)
    assert len(shots) >= 20 and all(p.stat().st_size > 5000 for p in shots)
    assert problems == []
    from PIL import Image

    for shot in shots:
        width, height = Image.open(shot).size
        assert width == 1366, f"{shot.name} is {width} px wide: something overflows the window"
