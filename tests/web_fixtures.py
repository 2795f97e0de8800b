"""Fixtures of the web-page tests: a real inspector-server (with the web pages) on loopback, a small
county pushed as real signed records with real evidence (a JPEG photo, a WebM clip made by ffmpeg),
staff users, logged-in HTTP clients, and the screenshot tour.

    .venv/bin/python tests/web_fixtures.py screenshots OUT_DIR     # every page, as PNG, for a person

The server is started by ``WebServer``: until sync/server/app.py mounts the pages itself
(``sync.server.web.install(app, ctx)``), the subprocess wraps ``create_app`` with ``install`` before
running the ordinary ``inspector-server serve`` (install is idempotent, so this keeps working after).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import html as html_lib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server_fixtures import Inspector, ServerProcess, enrol, register, sha256_hex

from inspector_app.crypto import signing
from inspector_app.domain import record as record_rules
from inspector_app.domain.enterprise import uscc_check_char
from sync.protocol import wire

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
CHINA = dt.timezone(dt.timedelta(hours=8))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS_NAME = "<script>alert('xss')</script>丙贸易有限公司"

SHIM = (
    "import sys\n"
    "from sync.server import app as _app\n"
    "from sync.server.web import install as _install\n"
    "_create = _app.create_app\n"
    "_app.create_app = lambda ctx: _install(_create(ctx), ctx)\n"
    "from sync.server.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def chromium_path() -> str | None:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    return found


class WebServer(ServerProcess):
    """inspector-server serve with the web pages mounted."""

    def start(self) -> WebServer:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.log = open(self.data_dir / "serve.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SHIM, "--data-dir", str(self.data_dir), "serve", "--port", str(self.port),
             "--log-level", "warning"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {(self.data_dir / 'serve.log').read_text()}")
            try:
                if httpx.get(self.url + "/login", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def add_user(self, name: str, role: str, password: str = PASSWORD, *, expect: int = 0):
        old = os.environ.get("INSPECTOR_USER_PASSWORD")
        os.environ["INSPECTOR_USER_PASSWORD"] = password
        try:
            return self.cli("admin", "add-user", name, "--role", role, "--json", expect=expect)
        finally:
            if old is None:
                os.environ.pop("INSPECTOR_USER_PASSWORD", None)
            else:
                os.environ["INSPECTOR_USER_PASSWORD"] = old


# --- logging in over plain HTTP ---------------------------------------------------------------------
def form_csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, "no CSRF field on the page"
    return html_lib.unescape(m.group(1))


def login(server: ServerProcess, name: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30, follow_redirects=False)
    page = client.get("/login")
    r = client.post("/login", data={"csrf": form_csrf(page.text), "name": name, "password": password,
                                    "next": "/dashboard"})
    assert r.status_code == 303, r.text
    return client


# --- the county -------------------------------------------------------------------------------------
def uscc(n: int) -> str:
    body = f"91350100MA{n:07d}"
    return body + uscc_check_char(body)


def enterprise(code, name, township, kind, *, key: str | None = None) -> dict:
    return {"code": code, "name": name, "address": f"{township}工业园区{code[-3:]}号", "kind": kind,
            "industry": "基础化学原料制造", "township": township, "legal_representative": "王法人",
            "contact_name": "赵联系", "contact_phone": "13800000000",
            "major_hazard_sources": [{"name": "液氯储罐区", "grade": "二级"}] if key == "source" else [],
            "key_processes": ["氯化工艺"] if key == "process" else [],
            "key_chemicals": ["液氨"] if key == "chemical" else []}


def jpeg(label: str, colour=(40, 110, 170)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 760, 560), outline=(255, 255, 255), width=6)
    draw.text((60, 60), label, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def webm(path: Path) -> bytes:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=duration=2:size=320x240:rate=10", "-c:v", "libvpx", "-b:v", "300k", "-an", str(path)],
                   check=True, timeout=60)
    return path.read_bytes()


def reviews_supported() -> bool:
    """Whether the record schema accepts the optional top-level "reviews" (being added by another
    engineer): a record that carries it can then be pushed."""
    people = [{"name": "甲", "cert": "A-1", "public_key": signing.b64(signing.public_key_of(signing.generate_private_key()))},
              {"name": "乙", "cert": "A-2", "public_key": signing.b64(signing.public_key_of(signing.generate_private_key()))}]
    p = record_rules.example_payload(people)
    p["reviews"] = [{"finding": "F1", "record": "ab" * 32, "result": "rectified", "note": "已整改"}]
    return not record_rules.record_problems(p)


def build_payload(inspectors, device_id: str, *, ent: dict, started: dt.datetime, findings: list[dict],
                  evidence: list[dict] = (), amends: dict | None = None, reviews: list[dict] | None = None,
                  audit_seq: int = 1) -> dict:
    items = []
    used = {f["item"] for f in findings}
    for n in range(1, 5):
        code = f"KI-{n:03d}"
        items.append({"catalogue": "key-items-2025", "version": "2025.1", "item": code, "seq": n,
                      "section": "一、安全管理", "matter": ["安全阀等安全附件", "可燃有毒气体检测报警", "特殊作业管理",
                                                              "重大危险源监控"][n - 1],
                      "content": f"检查内容 {n}", "check_basis": ["《危险化学品安全管理条例》第二十条"],
                      "enforcement_basis": ["《中华人民共和国安全生产法》第一百零二条"], "major_hazard": n == 1,
                      "result": "violation" if code in used else "compliant"})
    payload = record_rules.example_payload([i.entry() for i in inspectors], device_id=device_id,
                                           inspection_id=str(uuid.uuid4()))
    payload.update({
        "created_at": (started + dt.timedelta(hours=2)).isoformat(), "started_at": started.isoformat(),
        "ended_at": (started + dt.timedelta(hours=1, minutes=30)).isoformat(), "enterprise": ent, "items": items,
        "findings": [{"location": "1号罐区", "repeat_offence": False, "self_reported": False, "evidence": [], **f}
                     for f in findings],
        "evidence": list(evidence), "amends": amends,
        "audit_head": {"device": device_id, "seq": audit_seq, "hash": sha256_hex(f"{device_id}:{audit_seq}".encode())}})
    if reviews is not None:
        payload["reviews"] = reviews
    return payload


def push(server, token: str, inspectors, payload: dict) -> str:
    data = record_rules.record_bytes(payload)
    sigs = record_rules.sign_record(data, [(i.cert, i.private) for i in inspectors])
    r = httpx.post(server.url + "/api/v1/records", headers={"Authorization": f"Bearer {token}"},
                   json={"record": signing.b64(data), "signatures": sigs}, timeout=30)
    assert r.status_code in (200, 201), r.text
    return r.json()["hash"]


def upload(server, token: str, data: bytes) -> None:
    sha = sha256_hex(data)
    h = {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}
    r = httpx.post(server.url + "/api/v1/uploads/", headers={
        **h, "Upload-Length": str(len(data)), "Upload-Metadata": wire.encode_metadata({"sha256": sha})}, timeout=30)
    assert r.status_code in (200, 201), r.text
    if r.status_code == 201:
        r = httpx.patch(server.url + r.headers["Location"], content=data, timeout=60, headers={
            **h, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
        assert r.status_code == 204, r.text


def evidence_entry(data: bytes, media_type: str, name: str, by: str, when: dt.datetime, **extra) -> dict:
    return {"sha256": sha256_hex(data), "media_type": media_type, "size": len(data), "captured_at": when.isoformat(),
            "file_time": None, "gps": {"lat": "26.074478", "lon": "119.296482"}, "captured_by": by,
            "original_name": name, **extra}


class County:
    """A small county pushed as real signed records. Dates are in ``year`` (last year), plus one
    recent inspection, so the figures do not depend on today's date."""

    def __init__(self, server: ServerProcess, work: Path):
        self.server = server
        self.work = Path(work)
        self.today = dt.datetime.now(CHINA).date()
        self.year = self.today.year - 1
        self.inspectors = [Inspector("张执法", "ZJ-0001"), Inspector("李执法", "ZJ-0002"), Inspector("王执法", "ZJ-0003"),
                           Inspector("赵执法", "ZJ-0004")]
        self.reviews = reviews_supported()
        self.hashes: dict[str, str] = {}
        self.e1 = enterprise(uscc(1), "甲化工有限公司", "城关镇", "production", key="source")
        self.e2 = enterprise(uscc(2), "乙储运有限公司", "东山镇", "storage", key="chemical")
        self.e3 = enterprise(uscc(3), XSS_NAME, "西河乡", "trading")
        self.e4 = enterprise(uscc(4), "丁气体充装站", "西河乡", "gas-filling", key="process")

    def when(self, month: int, day: int, hour: int = 9) -> dt.datetime:
        return dt.datetime(self.year, month, day, hour, 30, tzinfo=CHINA)

    def build(self) -> County:
        s, y = self.server, self.year
        registry = self.work / "registry.json"
        registry.write_text(json.dumps([self.e1, self.e2, self.e3, self.e4], ensure_ascii=False), "utf-8")
        s.admin("import-enterprises", str(registry))
        register(s, self.inspectors)
        self.device = enrol(s, "执法一组笔记本")
        token, did = self.device["token"], self.device["device_id"]
        two = self.inspectors[:2]
        self.photo = jpeg("KI-001 safety valve")
        self.clip = webm(self.work / "clip.webm")
        ev = [evidence_entry(self.photo, "image/jpeg", "IMG_0001.jpg", two[0].cert, self.when(3, 10, 10)),
              evidence_entry(self.clip, "video/webm", "VID_0001.webm", two[1].cert, self.when(3, 10, 10),
                             duration="2.0")]
        seq = iter(range(1, 100))
        h = self.hashes
        h["r1"] = push(s, token, two, build_payload(two, did, ent=self.e1, started=self.when(3, 10), audit_seq=next(seq),
                                                    evidence=ev, findings=[
            {"id": "F1", "item": "KI-001", "description": "1号液氯储罐安全阀未投用", "grade": "major", "deadline": None,
             "evidence": [e["sha256"] for e in ev]},
            {"id": "F2", "item": "KI-002", "description": "罐区可燃气体报警器失效", "grade": "general",
             "deadline": f"{y}-04-10"}]))
        h["r2"] = push(s, token, two, build_payload(two, did, ent=self.e1, started=self.when(6, 15), audit_seq=next(seq),
                                                    findings=[
            {"id": "F1", "item": "KI-002", "description": "报警器再次失效", "grade": "general", "deadline": f"{y}-07-15",
             "repeat_offence": True}]))
        h["r3"] = push(s, token, two, build_payload(two, did, ent=self.e1, started=self.when(9, 1), audit_seq=next(seq),
                                                    findings=[]))
        h["r4"] = push(s, token, two, build_payload(two, did, ent=self.e2, started=self.when(5, 20), audit_seq=next(seq),
                                                    findings=[
            {"id": "F1", "item": "KI-001", "description": "液氨储罐安全阀校验过期", "grade": "general",
             "deadline": f"{y}-06-20"}]))
        if self.reviews:
            h["r5"] = push(s, token, two, build_payload(two, did, ent=self.e2, started=self.when(6, 18), audit_seq=next(seq),
                                                        findings=[], reviews=[
                {"finding": "F1", "record": h["r4"], "result": "rectified", "note": "已校验"}]))
            h["r6"] = push(s, token, two, build_payload(two, did, ent=self.e1, started=self.when(5, 1), audit_seq=next(seq),
                                                        findings=[], reviews=[
                {"finding": "F2", "record": h["r1"], "result": "rectified", "note": "已更换报警器"},
                {"finding": "F1", "record": h["r1"], "result": "not-rectified", "note": "仍未投用"}]))
        h["r7"] = push(s, token, two, build_payload(two, did, ent=self.e3, started=self.when(2, 1), audit_seq=next(seq),
                                                    findings=[
            {"id": "F1", "item": "KI-003", "description": "动火作业未办票", "grade": "general", "deadline": f"{y}-03-01"}]))
        h["r8"] = push(s, token, two, build_payload(two, did, ent=self.e3, started=self.when(2, 1), audit_seq=next(seq),
                                                    amends={"record": h["r7"], "reason": "更正问题描述"}, findings=[
            {"id": "F1", "item": "KI-003", "description": "动火作业未办理作业票<b>（更正）</b>", "grade": "general",
             "deadline": f"{y}-03-01"}]))
        recent = dt.datetime.combine(self.today - dt.timedelta(days=2), dt.time(9, 30), tzinfo=CHINA)
        self.recent = recent
        h["r9"] = push(s, token, two, build_payload(two, did, ent=self.e2, started=recent, audit_seq=next(seq), findings=[
            {"id": "F1", "item": "KI-004", "description": "重大危险源监控系统数据未上传", "grade": "general",
             "deadline": (self.today + dt.timedelta(days=30)).isoformat()}]))
        upload(s, token, self.photo)
        upload(s, token, self.clip)
        return self

    # what the dashboard must show for self.year
    def expected(self) -> dict:
        r = self.reviews
        return {"inspections": 7 if r else 5, "reviews": 2 if r else 0, "findings": 5, "major": 1,
                "open": 4 if r else 6, "overdue": 2 if r else 4, "late": 5, "repeat": 1, "over_cap": 1,
                "coverage": (2, 3), "ontime": 1 if r else 0, "closedlate": 1 if r else 0, "dueopen": 2 if r else 4}


@contextlib.contextmanager
def running_county(tmp: Path, db_url: str | None = None):
    server = WebServer(tmp / "server", db_url)
    try:
        server.start()
        server.add_user("jianguan", "supervisor")
        server.add_user("guanli", "admin")
        county = County(server, tmp).build()
        yield server, county
    finally:
        server.stop()


def wait_indexed(server, expected_records: int, timeout: float = 10) -> None:
    """The read model is filled in the push transaction; this only guards the start-up catch-up."""
    from sqlalchemy import func, select

    from sync.server.dashboard.models import DashInspection

    db = server.db()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with db.read() as s:
                if s.scalar(select(func.count()).select_from(DashInspection)) >= expected_records:
                    return
            time.sleep(0.1)
    finally:
        db.close()


# --- screenshots ------------------------------------------------------------------------------------
def browser_login(page, server, name: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")


OVERFLOW_JS = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
  .map(e => e.tagName + '.' + e.className).concat(
    document.documentElement.scrollWidth > window.innerWidth ? ['page wider than the window'] : [])"""


def screenshot_tour(server, county: County, out: Path, *, width: int = 1366, problems: list | None = None,
                    browser=None) -> list[Path]:
    """Every page, full length, as PNG in ``out`` (looked at by a person before a change is done).
    Elements whose content is cut off (scrolls sideways) are appended to ``problems``."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            try:
                return screenshot_tour(server, county, out, width=width, problems=problems, browser=b)
            finally:
                b.close()
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    y = county.year
    pages = [
        ("01-login", "/login", None),
        ("02-dashboard", f"/dashboard?year={y}", "guanli"),
        ("03-list-findings-overdue", "/lists/findings?status=overdue", "guanli"),
        ("04-list-coverage", f"/lists/coverage?year={y}", "guanli"),
        ("05-list-repeat", "/lists/repeat", "guanli"),
        ("06-enterprise", f"/enterprises/{county.e1['code']}", "guanli"),
        ("07-inspection", f"/inspections/{county.hashes['r1']}", "guanli"),
        ("08-inspection-amended", f"/inspections/{county.hashes['r8']}", "guanli"),
        ("09-public-verify", f"/v/{county.hashes['r1']}?n=%EF%BC%88%E6%96%87%EF%BC%89%E5%BA%94%E6%80%A5%E6%A3%80%E8%AE%B0%E3%80%94{y}%E3%80%951%E5%8F%B7", None),
        ("10-draws", "/draws", "guanli"),
        ("12-admin-devices", "/admin/devices", "guanli"),
        ("13-admin-device", None, "guanli"),
        ("14-admin-inspectors", "/admin/inspectors", "guanli"),
        ("15-admin-numbers", "/admin/numbers", "guanli"),
        ("16-admin-settings", "/admin/settings", "guanli"),
        ("17-admin-reverify", "/admin/reverify", "guanli"),
        ("18-admin-users", "/admin/users", "guanli"),
        ("19-forbidden", "/admin/devices", "jianguan"),
        ("20-not-found", "/inspections/" + "0" * 64, "guanli"),
    ]
    if True:
        context = browser.new_context(locale="zh-CN", accept_downloads=True, viewport={"width": width, "height": 900})
        page = context.new_page()
        who = None
        for name, path, user in pages:
            if user != who:
                context.clear_cookies()
                if user:
                    browser_login(page, server, user)
                who = user
            if name == "13-admin-device":
                page.goto(server.url + "/admin/devices")
                page.click("table.data a")
            else:
                page.goto(server.url + path)
            target = out / f"{name}.png"
            if problems is not None:
                problems.extend(f"{name}: {what}" for what in page.evaluate(OVERFLOW_JS))
            page.screenshot(path=str(target), full_page=True)
            shots.append(target)
        # a draw, committed then drawn, and an enrolment code with its QR
        page.goto(server.url + "/draws")
        page.fill("input[name=title]", f"{y}年第四季度双随机抽查")
        page.fill("input[name=period]", f"{y}-Q4")
        page.fill("input[name=seed_source]", f"{y}年10月8日 福利彩票3D开奖号码")
        page.click("form[action='/draws'] button[type=submit]")
        page.fill("input[name=seed]", "385")
        page.click("form[action$='/seed'] button[type=submit]")
        page.screenshot(path=str(out / "11-draw.png"), full_page=True)
        shots.append(out / "11-draw.png")
        page.goto(server.url + "/admin/reverify")
        page.click("form[action='/admin/reverify'] button[type=submit]")
        page.wait_for_selector("text=份完好", timeout=30000)
        page.screenshot(path=str(out / "17b-admin-reverify-done.png"), full_page=True)
        shots.append(out / "17b-admin-reverify-done.png")
        page.goto(server.url + "/admin/devices")
        page.fill("input[name=name]", "执法二组笔记本")
        page.click("form[action='/admin/devices/enrol'] button[type=submit]")
        page.screenshot(path=str(out / "21-admin-enrolled.png"), full_page=True)
        shots.append(out / "21-admin-enrolled.png")
        context.close()
    return shots


def _main(argv: list[str]) -> int:
    import tempfile

    if len(argv) != 2 or argv[0] != "screenshots":
        print("usage: tests/web_fixtures.py screenshots OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[1]).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        with running_county(Path(tmp)) as (server, county):
            wait_indexed(server, len(county.hashes))
            for shot in screenshot_tour(server, county, out):
                print(shot)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    raise SystemExit(_main(sys.argv[1:]))
