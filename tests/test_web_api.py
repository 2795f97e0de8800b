"""The county server's web pages over real HTTP (SQLite, and PostgreSQL when configured), on a small
county pushed as real signed records: the dashboard's figures and the lists behind them, exports,
logins, roles, sessions, CSRF, escaping, the public document check, evidence streaming with Range,
documents, draws, the admin pages, and the read model's rules (order-independent indexing)."""
from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re
import time
import uuid

import httpx
import pytest
from server_fixtures import database, db_kind, signed_record  # noqa: F401
from sqlalchemy import delete, func, select, update
from web_fixtures import (
    PASSWORD,
    XSS_NAME,
    County,
    WebServer,
    build_payload,
    evidence_entry,
    form_csrf,
    jpeg,
    login,
    push,
    wait_indexed,
)

from inspector_app.domain import draw as draw_algorithm


@pytest.fixture(scope="module")
def county(tmp_path_factory, db_kind):
    tmp = tmp_path_factory.mktemp("web")
    with database(db_kind) as url:
        server = WebServer(tmp / "server", url).start()
        try:
            server.add_user("jianguan", "supervisor")
            server.add_user("guanli", "admin")
            c = County(server, tmp).build()
            wait_indexed(server, len(c.hashes))
            yield c
        finally:
            server.stop()


@pytest.fixture(scope="module")
def admin(county):
    client = login(county.server, "guanli")
    yield client
    client.close()


@pytest.fixture(scope="module")
def supervisor(county):
    client = login(county.server, "jianguan")
    yield client
    client.close()


CARD = re.compile(r'<a class="card[^"]*" href="([^"]+)"><span class="n">([^<]+)</span><span class="l">([^<]+)</span>')


def cards(page: str) -> dict[str, tuple[str, str]]:
    return {label: (html_lib.unescape(href), n) for href, n, label in CARD.findall(page)}


def total(page: str) -> int:
    return int(re.search(r"共 (\d+) 条", page).group(1))


def no_trace(r: httpx.Response) -> None:
    assert "Traceback" not in r.text and 'File "' not in r.text


# --- the dashboard ----------------------------------------------------------------------------------
def test_dashboard_figures_and_the_lists_behind_them(county, supervisor):
    want = county.expected()
    r = supervisor.get(f"/dashboard?year={county.year}")
    assert r.status_code == 200
    c = cards(r.text)
    assert c["本年检查（次）"][1] == str(want["inspections"])
    assert c["本年发现隐患（项）"][1] == str(want["findings"])
    assert c["未整改隐患"][1] == str(want["open"])
    assert c["逾期未整改"][1] == str(want["overdue"])
    assert c["超过一个月录入的隐患"][1] == str(want["late"])
    assert c["屡查屡犯企业"][1] == str(want["repeat"])
    assert c["超过年度检查上限"][1] == str(want["over_cap"])
    assert c["“两重点一重大”企业覆盖"][1] == "%d/%d" % want["coverage"]
    assert f"其中整改复查 {want['reviews']}" in r.text and f"重大事故隐患 {want['major']}" in r.text
    # every figure's link opens the list it counts
    for label in ("本年检查（次）", "本年发现隐患（项）", "未整改隐患", "逾期未整改", "超过一个月录入的隐患", "屡查屡犯企业",
                  "超过年度检查上限"):
        href, n = c[label]
        page = supervisor.get(href)
        assert page.status_code == 200 and total(page.text) == int(n), (label, href)
    assert total(supervisor.get(c["“两重点一重大”企业覆盖"][0]).text) == want["coverage"][1]
    assert total(supervisor.get(f"/lists/coverage?year={county.year}&covered=0").text) == 1
    # the charts are inline SVG whose bars link to lists: March had 2 findings (R1)
    assert "<svg" in r.text and "http://" not in r.text.split("<main>")[1].replace("http://www.w3.org/2000/svg", "")
    march = supervisor.get(f"/lists/findings?year={county.year}&month=3")
    assert total(march.text) == 2 and f'href="/lists/findings?year={county.year}&amp;month=3"' in r.text
    ontime = supervisor.get(f"/lists/findings?due_year={county.year}&status=ontime")
    assert total(ontime.text) == want["ontime"]
    assert total(supervisor.get(f"/lists/findings?due_year={county.year}&status=overdue").text) == want["dueopen"]
    # by inspector and by enterprise kind
    assert total(supervisor.get(f"/lists/inspections?year={county.year}&cert=ZJ-0001").text) == want["inspections"]
    assert total(supervisor.get(f"/lists/inspections?year={county.year}&kind=production").text) == 4
    # the recent inspection was entered within a month
    recent = supervisor.get(f"/lists/findings?year={county.recent.year}&month={county.recent.month}&late=0")
    assert total(recent.text) >= 1 and "重大危险源监控" in recent.text


def test_repeat_offenders_amendments_and_closures(county, supervisor):
    repeat = supervisor.get("/lists/repeat")
    assert "甲化工有限公司" in repeat.text and total(repeat.text) == 1
    over = supervisor.get(f"/lists/overcap?year={county.year}")
    assert "甲化工有限公司" in over.text and ">3<" in over.text
    # R7 was amended by R8: counted once, with the corrected text
    found = supervisor.get(f"/lists/findings?enterprise={county.e3['code']}")
    assert total(found.text) == 1 and "（更正）" in html_lib.unescape(found.text)
    page = supervisor.get(f"/inspections/{county.hashes['r7']}")
    assert "已被更正" in page.text and county.hashes["r8"] in page.text
    page = supervisor.get(f"/inspections/{county.hashes['r8']}")
    assert "更正原因：更正问题描述" in page.text
    if county.reviews:
        page = supervisor.get(f"/inspections/{county.hashes['r1']}")
        assert "逾期后整改" in page.text and county.hashes["r6"] in page.text  # closed by the review record


def test_exports_xlsx_and_csv(county, supervisor):
    from openpyxl import load_workbook

    r = supervisor.get("/lists/findings/export?format=csv&status=overdue")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith("\ufeff".encode("utf-8"))
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["发现日期", "企业名称", "统一社会信用代码"] and len(rows) == 1 + county.expected()["overdue"]
    assert any(XSS_NAME == row[1] for row in rows)  # data as it is (CSV is not HTML)
    r = supervisor.get(f"/lists/inspections/export?format=xlsx&year={county.year}")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    values = list(ws.values)
    assert values[0][0] == "检查日期" and len(values) == 1 + county.expected()["inspections"]
    assert {v[1] for v in values[1:]} >= {"甲化工有限公司", "乙储运有限公司"}
    # malformed export requests: a page saying what is wrong, never a stack trace
    for url, status in (("/lists/findings/export?format=pdf", 400), ("/lists/findings/export", 400),
                        ("/lists/findings/export?format=csv&year=abc", 400), ("/lists/findings/export?format=csv&month=13", 400),
                        ("/lists/nothing/export?format=csv", 404), ("/lists/findings?status=whatever", 400),
                        ("/lists/findings?page=0", 400), ("/dashboard?year=19", 400)):
        r = supervisor.get(url)
        assert r.status_code == status, url
        assert "text/html" in r.headers["content-type"]
        no_trace(r)


# --- logins, roles, sessions, CSRF --------------------------------------------------------------------
def test_login_wrong_password_expired_session_and_roles(county):
    s = county.server
    anon = httpx.Client(base_url=s.url, timeout=30)
    r = anon.get("/dashboard")
    assert r.status_code == 401 and "请先登录" in r.text and 'name="password"' in r.text
    page = anon.get("/login")
    r = anon.post("/login", data={"csrf": form_csrf(page.text), "name": "jianguan", "password": "wrong password!"})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    r = anon.post("/login", data={"csrf": form_csrf(r.text), "name": "nobody", "password": PASSWORD})
    assert r.status_code == 401 and "用户名或密码不正确" in r.text
    r = anon.post("/login", data={"csrf": "forged", "name": "jianguan", "password": PASSWORD})
    assert r.status_code == 403
    # a good login: HttpOnly, SameSite=Strict cookie; never an open redirect
    page = anon.get("/login")
    r = anon.post("/login", data={"csrf": form_csrf(page.text), "name": "jianguan", "password": PASSWORD,
                                  "next": "//evil.example/steal"})
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    cookie = r.headers["set-cookie"]
    assert "inspector_session=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert anon.get("/dashboard").status_code == 200
    # a supervisor is not an admin
    r = anon.get("/admin/devices")
    assert r.status_code == 403 and "仅限管理员" in r.text
    r = anon.post("/admin/devices/enrol", data={"csrf": "x", "name": "d"})
    assert r.status_code == 403
    # the session expires after 30 idle minutes
    from sync.server.users.models import User, WebSession

    db = s.db()
    from sync.server.users.service import _token_hash

    mine = _token_hash(anon.cookies["inspector_session"])
    with db.write() as session:
        session.execute(update(WebSession).where(WebSession.token_hash == mine).values(last_seen=WebSession.last_seen - 3600))
        stored = session.scalar(select(User.password_hash).where(User.name == "jianguan"))
    db.close()
    assert stored.startswith("argon2id$v=19$m=65536,t=3,p=1$") and PASSWORD not in stored
    r = anon.get("/dashboard")
    assert r.status_code == 401 and "登录已过期" in r.text
    anon.close()


def test_every_post_needs_the_session_csrf_token(county, admin):
    page = admin.get("/admin/devices")
    token = form_csrf(page.text)
    assert admin.post("/admin/devices/enrol", data={"name": "csrf-test"}).status_code == 403
    assert admin.post("/admin/devices/enrol", data={"name": "csrf-test", "csrf": token + "x"}).status_code == 403
    assert admin.post("/admin/devices/enrol", content=b'{"name": "x"}',
                      headers={"content-type": "application/json"}).status_code == 400
    assert admin.post("/logout", data={}).status_code == 403
    r = admin.post("/admin/devices/enrol", data={"name": "csrf-test", "csrf": token, "ttl_hours": "1"})
    assert r.status_code == 200 and "一次性注册码" in r.text


def test_not_found_and_ids_of_nobody(county, supervisor, admin):
    for url in ("/inspections/" + "0" * 64, "/inspections/not-a-hash", "/enterprises/NOPE", "/evidence/" + "1" * 64,
                "/evidence/zz/thumb", "/draws/999999", "/draws/abc", f"/inspections/{'0' * 64}/record.json"):
        r = supervisor.get(url)
        assert r.status_code == 404, url
        no_trace(r)
    for url in ("/admin/devices/999999", "/admin/devices/x", "/admin/reverify/424242"):
        r = admin.get(url)
        assert r.status_code == 404, url
        no_trace(r)
    anon = httpx.Client(base_url=county.server.url)
    assert anon.get("/public/draws/999999").status_code == 404
    assert anon.get(f"/inspections/{county.hashes['r1']}").status_code == 401
    assert anon.get(f"/evidence/{county.hashes['r1']}").status_code == 401
    anon.close()


def test_names_are_escaped(county, supervisor):
    for url in (f"/inspections/{county.hashes['r8']}", f"/enterprises/{county.e3['code']}", "/lists/enterprises",
                f"/lists/findings?enterprise={county.e3['code']}"):
        page = supervisor.get(url).text
        assert "<script>alert" not in page and "&lt;script&gt;alert(" in page, url
    page = supervisor.get(f"/inspections/{county.hashes['r8']}").text
    assert "<b>（更正）</b>" not in page and "&lt;b&gt;（更正）&lt;/b&gt;" in page
    anon = httpx.get(county.server.url + f"/v/{county.hashes['r8']}")
    assert "<script>alert" not in anon.text and "&lt;script&gt;" in anon.text
    r = supervisor.get("/dashboard")
    assert "script-src 'self'" in r.headers["content-security-policy"]


# --- the public check of a paper document ------------------------------------------------------------
def test_public_document_check_shows_only_what_it_should(county):
    number = f"（文）应急检记〔{county.year}〕1号"
    r = httpx.get(county.server.url + f"/v/{county.hashes['r1']}", params={"n": number})
    assert r.status_code == 200
    text = r.text
    assert "记录存在，内容与二维码中的哈希一致" in text and "甲化工有限公司" in text
    assert f"{county.year}-03-10" in text and number in text
    for secret in ("张执法", "李执法", "ZJ-0001", "13800000000", "王法人", "赵联系", "安全阀未投用", "报警器",
                   "IMG_0001", "/evidence/", "1号罐区", "液氯"):
        assert secret not in text, secret
    assert "inspector_session" not in r.headers.get("set-cookie", "")
    r = httpx.get(county.server.url + "/v/" + "e" * 64)
    assert r.status_code == 404 and "没有这份记录" in r.text
    r = httpx.get(county.server.url + "/v/not-a-hash")
    assert r.status_code == 404 and "二维码内容无效" in r.text
    r = httpx.get(county.server.url + f"/v/{county.hashes['r7']}")
    assert "已被更正" in r.text
    r = httpx.get(county.server.url + f"/v/{county.hashes['r1']}", params={"n": "胡乱编号"})
    assert "格式不对" in r.text


# --- evidence -----------------------------------------------------------------------------------------
def test_evidence_streams_with_range_and_photos_have_thumbnails(county, supervisor):
    from hashlib import sha256

    clip = county.clip
    sha = sha256(clip).hexdigest()
    r = supervisor.get(f"/evidence/{sha}")
    assert r.status_code == 200 and r.content == clip and r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "video/webm"
    r = supervisor.get(f"/evidence/{sha}", headers={"Range": "bytes=100-1099"})
    assert r.status_code == 206 and r.content == clip[100:1100]
    assert r.headers["content-range"] == f"bytes 100-1099/{len(clip)}"
    r = supervisor.get(f"/evidence/{sha}", headers={"Range": "bytes=-500"})
    assert r.status_code == 206 and r.content == clip[-500:]
    r = supervisor.get(f"/evidence/{sha}", headers={"Range": f"bytes={len(clip)}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(clip)}"
    photo = sha256(county.photo).hexdigest()
    r = supervisor.get(f"/evidence/{photo}/thumb")
    assert r.status_code == 200 and r.content[:3] == b"\xff\xd8\xff"
    from PIL import Image

    assert max(Image.open(io.BytesIO(r.content)).size) == 240
    assert supervisor.get(f"/evidence/{photo}/thumb?size=xxl").status_code == 400
    assert supervisor.get(f"/evidence/{sha}/thumb").status_code == 404  # a video has no photo thumbnail


# --- documents ----------------------------------------------------------------------------------------
def test_documents_are_rendered_from_the_signed_record(county, admin):
    h = county.hashes["r1"]
    page = admin.get(f"/inspections/{h}")
    assert "尚未填写县区设置" in page.text
    token = form_csrf(admin.get("/admin/settings").text)
    r = admin.post("/admin/settings", data={
        "csrf": token, "county_name": "示例县", "bureau_name": "示例县应急管理局", "short_name": "文",
        "seal_text": "", "reconsideration_body": "示例县人民政府", "court": "示例县人民法院",
        "server_url": county.server.url, "annual_target": "1", "annual_cap": "2"})
    assert r.status_code == 303
    token = form_csrf(admin.get(f"/inspections/{h}").text)
    number = f"（文）应急检记〔{county.year}〕7号"
    r = admin.post(f"/inspections/{h}/documents", data={"csrf": token, "kind": "check-record", "number": number})
    assert r.status_code == 200 and r.content[:5] == b"%PDF-" and r.headers["content-type"] == "application/pdf"
    r = admin.post(f"/inspections/{h}/documents", data={"csrf": token, "kind": "check-record", "number": "（文）应急责改〔2025〕1号"})
    assert r.status_code == 400 and "不符" in r.text
    r = admin.post(f"/inspections/{h}/documents", data={"csrf": token, "kind": "nonsense", "number": number})
    assert r.status_code == 400
    # the number is now known for this record, and the public check says so
    v = httpx.get(county.server.url + f"/v/{h}", params={"n": number})
    assert "与本局登记的编号一致" in v.text
    bad_settings = admin.post("/admin/settings", data={"csrf": token, "annual_cap": "zero"})
    assert bad_settings.status_code == 400 and "上限" in bad_settings.text


# --- draws --------------------------------------------------------------------------------------------
def test_a_draw_is_committed_then_drawn_and_verifies(county, supervisor):
    token = form_csrf(supervisor.get("/draws").text)
    r = supervisor.post("/draws", data={"csrf": token, "title": "测试抽查", "period": f"{county.year}-Q4",
                                        "seed_source": "福彩3D", "sample_mode": "count", "sample_value": "1",
                                        "team_size": "2", "conflicts": f"ZJ-0001,{county.e1['code']}\n"})
    assert r.status_code == 303
    url = r.headers["location"]
    draw_id = url.rsplit("/", 1)[1]
    anon = httpx.Client(base_url=county.server.url)
    before = anon.get(f"/public/draws/{draw_id}.json").json()
    assert before["state"] == "committed" and len(before["commitment"]["enterprises"]) == 64
    assert "seed" not in before["inputs"]
    r = supervisor.post(f"{url}/seed", data={"csrf": token, "seed": "385"})
    assert r.status_code == 303
    published = anon.get(f"/public/draws/{draw_id}.json").json()
    assert draw_algorithm.verify(published)["ok"]
    assert published["hashes"]["enterprises"] == before["commitment"]["enterprises"]
    key = {t["enterprise"]: t for t in published["result"]["key"]}
    assert set(key) == {county.e1["code"], county.e2["code"], county.e4["code"]}
    assert "ZJ-0001" not in key[county.e1["code"]]["inspectors"]
    assert len(published["result"]["sampled"]) == 1
    page = anon.get(f"/public/draws/{draw_id}")
    assert page.status_code == 200 and "甲化工有限公司" in page.text and "inspector draw verify" in page.text
    x = anon.get(f"/public/draws/{draw_id}.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"
    again = supervisor.post(f"{url}/seed", data={"csrf": token, "seed": "999"})
    assert again.status_code == 400 and "不可更改" in again.text
    bad = supervisor.post("/draws", data={"csrf": token, "title": "x", "period": "p", "seed_source": "s",
                                          "sample_mode": "count", "sample_value": "1", "team_size": "2",
                                          "conflicts": "only-one-field"})
    assert bad.status_code == 400 and "回避关系第 1 行" in bad.text
    anon.close()


# --- admin pages --------------------------------------------------------------------------------------
def test_admin_enrol_revoke_inspectors_numbers_and_sync_state(county, admin, tmp_path):
    from server_fixtures import Inspector

    from inspector_app.crypto import signing

    s = county.server
    token = form_csrf(admin.get("/admin/devices").text)
    r = admin.post("/admin/devices/enrol", data={"csrf": token, "name": "执法三组笔记本", "ttl_hours": "2"})
    assert r.status_code == 200 and "<svg" in r.text and 'class="qr"' in r.text
    code = re.search(r'id="enrol-code">([A-Z0-9-]+)<', r.text).group(1)
    device_id = str(uuid.uuid4())
    e = httpx.post(s.url + "/api/v1/devices/enrol", json={
        "code": code, "name": "host", "public_key": signing.b64(signing.public_key_of(signing.generate_private_key())),
        "device_id": device_id})
    assert e.status_code == 200
    device_token = e.json()["token"]
    # a pending record (its evidence not uploaded) shows in the device's sync state
    two = county.inspectors[:2]
    photo = jpeg("never uploaded", (200, 30, 30))
    when = dt.datetime(county.year, 8, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    ev = [evidence_entry(photo, "image/jpeg", "IMG_9.jpg", two[0].cert, when)]
    pending = push(s, device_token, two, build_payload(two, device_id, ent=county.e2, started=when, evidence=ev, findings=[
        {"id": "F1", "item": "KI-001", "description": "待补照片", "grade": "general", "deadline": None,
         "evidence": [ev[0]["sha256"]]}]))
    listing = admin.get("/admin/devices").text
    pk = re.search(r'<a href="/admin/devices/(\d+)">执法三组笔记本</a>', listing).group(1)
    detail = admin.get(f"/admin/devices/{pk}").text
    assert pending in detail and ev[0]["sha256"] in detail
    # number blocks
    r = admin.post("/admin/numbers", data={"csrf": token, "device": pk, "prefix": "应急检记", "year": str(county.year),
                                           "count": "50"})
    assert r.status_code == 303 and "执法三组笔记本" in admin.get("/admin/numbers").text
    r = admin.post("/admin/numbers", data={"csrf": token, "device": pk, "prefix": "乱写", "year": "2026", "count": "5"})
    assert r.status_code == 400
    # revoke the device: its token stops working
    assert admin.post(f"/admin/devices/{pk}/revoke", data={"csrf": token}).status_code == 303
    r = httpx.get(s.url + "/api/v1/sync/numbers", headers={"Authorization": f"Bearer {device_token}"})
    assert r.status_code == 401 and r.json()["code"] == "sync.device_revoked"
    # inspectors: a bad key is refused; a good one registered; revoking takes the key out of service
    assert admin.post("/admin/inspectors", data={"csrf": token, "name": "钱执法", "cert": "ZJ-0009",
                                                 "public_key": "not-a-key"}).status_code == 400
    newcomer = Inspector("钱执法", "ZJ-0009")
    assert admin.post("/admin/inspectors", data={"csrf": token, "name": newcomer.name, "cert": newcomer.cert,
                                                 "public_key": newcomer.public}).status_code == 303
    assert "ZJ-0009" in admin.get("/admin/inspectors").text
    assert admin.post("/admin/inspectors/revoke", data={"csrf": token, "cert": "ZJ-0009"}).status_code == 303
    assert "已吊销" in admin.get("/admin/inspectors").text
    assert admin.post("/admin/inspectors/revoke", data={"csrf": token, "cert": "NOBODY"}).status_code == 404
    first = county.device
    data, sigs, _ = signed_record([newcomer, two[0]], first["device_id"], audit_seq=90)
    r = httpx.post(s.url + "/api/v1/records", headers={"Authorization": f"Bearer {first['token']}"},
                   json={"record": signing.b64(data), "signatures": sigs})
    assert r.status_code == 422 and r.json()["code"] == "sync.unknown_key"


def test_reverify_runs_off_the_request_and_reports(county, admin):
    token = form_csrf(admin.get("/admin/reverify").text)
    r = admin.post("/admin/reverify", data={"csrf": token})
    assert r.status_code == 303
    url = r.headers["location"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = admin.get(url + "?format=json").json()
        if job["state"] != "running":
            break
        time.sleep(0.2)
    assert job["state"] == "done" and job["result"]["ok"] == job["result"]["checked"] >= 2
    assert "份完好" in admin.get(url).text


def test_admin_users_page_and_cli(county, admin):
    s = county.server
    s.add_user("short", "supervisor", "123", expect=2)
    s.add_user("jianguan", "supervisor", expect=1)
    out = s.cli("admin", "list-users", "--json")
    assert {u["name"] for u in out} >= {"jianguan", "guanli"}
    token = form_csrf(admin.get("/admin/users").text)
    assert admin.post("/admin/users", data={"csrf": token, "name": "temp", "role": "supervisor",
                                            "password": "long enough pw"}).status_code == 303
    assert admin.post("/admin/users", data={"csrf": token, "name": "temp2", "role": "root",
                                            "password": "long enough pw"}).status_code == 400
    temp = login(s, "temp", "long enough pw")
    assert temp.get("/dashboard").status_code == 200
    uid = re.search(r'action="/admin/users/(\d+)/disable"[^>]*data-confirm="停用用户 temp？"', admin.get("/admin/users").text).group(1)
    assert admin.post(f"/admin/users/{uid}/disable", data={"csrf": token}).status_code == 303
    assert temp.get("/dashboard").status_code == 401
    temp.close()


# --- the read model: order-independent, caught up for records stored before it ---------------------
def test_read_model_catches_up_and_is_order_independent(county, tmp_path):
    from sync.server.blobstore import FolderBlobStore
    from sync.server.context import Context
    from sync.server.dashboard import index
    from sync.server.dashboard.models import (
        DashFinding,
        DashInspection,
        DashInspectionInspector,
        DashReview,
    )
    from sync.server.settings import Settings

    s = county.server
    db = s.db()
    with db.read() as session:
        before = session.scalar(select(func.count()).select_from(DashFinding).where(DashFinding.closed_date.is_not(None)))
        n = session.scalar(select(func.count()).select_from(DashInspection))
    # wipe the read model and rebuild it from the stored records, in reverse order of arrival
    with db.write() as session:
        for model in (DashReview, DashFinding, DashInspectionInspector, DashInspection):
            session.execute(delete(model))
    ctx = Context(settings=Settings(data_dir=s.data_dir, db_url=s.db_url), db=db, blobs=FolderBlobStore(tmp_path))
    from inspector_app.crypto.canonical import loads_strict
    from sync.server.records.models import StoredRecord

    with db.read() as session:
        rows = list(session.scalars(select(StoredRecord).order_by(StoredRecord.seq.desc())))
    for row in rows[: len(rows) // 2]:
        with db.write() as session:
            index.index_record(session, record_hash=row.hash, seq=row.seq, device=row.device,
                               received_at=row.received_at, payload=loads_strict(row.payload))
    assert index.catch_up(ctx) == len(rows) - len(rows) // 2
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(DashInspection)) == n
        assert session.scalar(select(func.count()).select_from(DashFinding)
                              .where(DashFinding.closed_date.is_not(None))) == before
        superseded = session.scalar(select(DashInspection.superseded_by).where(DashInspection.record_hash == county.hashes["r7"]))
        assert superseded == county.hashes["r8"]
        assert session.scalar(select(func.count()).select_from(DashFinding).where(
            DashFinding.record_hash == county.hashes["r7"], DashFinding.active.is_(True))) == 0
    db.close()


def test_late_entry_rule():
    from sync.server.dashboard.index import add_month, entered_late

    assert add_month(dt.date(2025, 1, 31)) == dt.date(2025, 2, 28)
    assert add_month(dt.date(2024, 12, 15)) == dt.date(2025, 1, 15)
    assert not entered_late("2025-03-10T09:00:00+08:00", "2025-04-10T01:00:00+00:00")
    assert entered_late("2025-03-10T09:00:00+08:00", "2025-04-10T16:30:00+00:00")  # 04-11 in China
    assert not entered_late("2025-01-31T09:00:00+08:00", "2025-02-28T10:00:00+08:00")
