"""Screenshots of every screen of the app, in Chinese and in English, for a person to look at.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshots.py [OUT_DIR] [--lang zh,en,pseudo]

(or start `Xvfb :99` and set DISPLAY=:99). Builds a demo county in a temporary folder (an open
inspection half walked, an older one with an overdue hazard and a repeat offence, photos in the
vault, a quick recording), drives the app to each screen with the keyboard focus on the control an
inspector would be typing into, and saves one PNG per screen and language. It prints, per screen,
any label, button or title whose text does not fit (ui/layout_check.py).
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSPHRASE = "demo"
SIZE = (1366, 768)  # the usual inspector laptop


def _jpeg(path: Path, colour, label: str) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1024, 768), colour)
    draw = ImageDraw.Draw(image)
    for x in range(0, 1024, 64):
        draw.line([(x, 0), (1024 - x, 768)], fill=(255, 255, 255), width=4)
    try:
        font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 64)
    except OSError:
        font = ImageFont.load_default()
    draw.text((60, 60), label, fill=(255, 255, 0), font=font)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    path.write_bytes(buf.getvalue())
    return path


def make_county(data: Path) -> dict:
    """The demo county with enough history to fill every screen."""
    from inspector_app.store import inspections as inspection_store
    from inspector_app.ui import services
    from inspector_app.workspace import Workspace

    ws = Workspace(data)
    services.load_demo(ws, PASSPHRASE)
    services.save_settings(ws, dict(services.DEMO_COUNTY), by=None)
    officer = services.unlock(ws, "DEMO-0001", PASSPHRASE)
    media = data.parent / "media"
    media.mkdir(exist_ok=True)
    photos = [_jpeg(media / f"IMG_{i:04d}.jpg", c, t) for i, (c, t) in enumerate(
        [((170, 40, 40), "罐区"), ((40, 120, 60), "仓库"), ((40, 70, 160), "控制室"), ((150, 110, 30), "装卸台")])]
    services.import_paths(ws, officer, photos)
    codes = services.enterprise_codes(ws, "")
    key_code = next(c for c in codes if services.enterprise_rows(ws, [c])[0].major_hazard_sources)
    keys = [(c.id, c.version) for c in services.latest_catalogues(ws)]
    # an older inspection, 40 days ago, whose hazards are overdue or due soon, and a repeat offence
    chosen = [ws.catalogues.get(cid, v) for cid, v in keys]
    started = (datetime.now().astimezone() - timedelta(days=40)).isoformat(timespec="seconds")
    with ws.store.write() as session:
        old = inspection_store.create(session, enterprise_code=key_code, inspectors=["DEMO-0001", "DEMO-0002"],
                                      catalogues=chosen, started_at=started)
        old_id = old.id
    old_items = services.inspection_state(ws, old_id).items
    today = date.today()
    services.add_finding(ws, old_id, item_id=old_items[0].item_id, description="应急预案未按规定演练",
                         grade="general", deadline=(today - timedelta(days=5)).isoformat())
    services.add_finding(ws, old_id, item_id=old_items[1].item_id, description="安全阀未定期校验",
                         grade="major" if old_items[1].major_hazard else "general",
                         deadline=(today + timedelta(days=3)).isoformat())
    for it in old_items[2:]:
        services.set_result(ws, old_id, it.item_id, "compliant")
    services.sign(ws, old_id, lambda cert: PASSPHRASE)
    # the open inspection, half walked, at the same enterprise (the first item again: a repeat)
    iid = services.create_inspection(ws, enterprise_code=key_code, inspectors=["DEMO-0001", "DEMO-0002"],
                                     catalogue_keys=keys)
    items = services.inspection_state(ws, iid).items
    services.set_result(ws, iid, items[0].item_id, "violation")
    fid = services.add_finding(ws, iid, item_id=items[0].item_id, description="应急预案仍未演练",
                               location="综合办公楼", grade="general",
                               deadline=(today + timedelta(days=30)).isoformat())
    shas = [r.sha256 for r in services.evidence_rows(ws)]
    services.attach(ws, shas[0], iid, fid)
    for it in items[1:4]:
        services.set_result(ws, iid, it.item_id, "compliant")
    services.set_result(ws, iid, items[4].item_id, "not-applicable")
    services.set_ui_setting(ws, services.LAST_INSPECTION, iid)
    ws.close()
    return {"inspection": iid, "enterprise": key_code, "row": 5}


class Shooter:
    def __init__(self, app, out: Path, lang: str):
        self.app = app
        self.out = out
        self.lang = lang
        self.count = 0
        self.clipped: list[str] = []

    def settle(self, ctx=None, ms: int = 120) -> None:
        import time

        end = time.monotonic() + ms / 1000
        while time.monotonic() < end or (ctx is not None and ctx.ops.active):
            self.app.processEvents()
            time.sleep(0.01)

    def shoot(self, name: str, widget, ctx=None, *, screen: bool = False) -> None:
        from PySide6.QtGui import QGuiApplication

        from inspector_app.ui.layout_check import find_clipped

        self.settle(ctx)
        self.count += 1
        path = self.out / f"{self.lang}-{self.count:02d}-{name}.png"
        if screen:  # video surfaces are only on the screen, not in a widget grab
            QGuiApplication.primaryScreen().grabWindow(widget.winId()).save(str(path))
        else:  # the whole window, frame-less, as the inspector sees it
            widget.grab().save(str(path))
        for c in find_clipped(widget):
            self.clipped.append(f"{path.name}: {c}")
        print(f"  {path.name}")


def run(out: Path, lang: str, template: Path, facts: dict) -> list[str]:
    import shutil

    from PySide6.QtCore import QSize
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtMultimedia import QVideoFrame, QVideoFrameFormat, QVideoFrameInput
    from PySide6.QtWidgets import QApplication

    from inspector_app.app import build
    from inspector_app.ui import services
    from inspector_app.ui.i18n import set_language
    from inspector_app.ui.inspection import FindingEditor, NewInspectionDialog
    from inspector_app.ui.shortcuts import ShortcutsDialog
    from inspector_app.ui.signing import PassphraseDialog
    from inspector_app.workspace import Workspace

    app = QApplication.instance()
    data = Path(tempfile.mkdtemp(prefix=f"inspector-shots-{lang}-")) / "data"
    shutil.copytree(template, data)
    ws = Workspace(data)
    if lang == "en":
        services.save_settings(ws, {"language": "en"}, by=None)
    set_language(lang)
    frame_input = QVideoFrameInput(QVideoFrameFormat(QSize(320, 240), QVideoFrameFormat.PixelFormat.Format_BGRA8888))
    ctx, window = build(ws, frame_input=frame_input)
    shot = Shooter(app, out, lang)
    window.resize(QSize(*SIZE))
    window.show()
    window.activateWindow()
    shot.settle()

    # 1. lock screen, with a wrong passphrase's message
    lock = window.lock_page
    lock.passphrase.setText("wrong")
    lock.unlock()
    shot.settle(ctx)
    lock.passphrase.setText("demo")
    lock.passphrase.setFocus()
    shot.shoot("lock", window, ctx)
    lock.unlock()
    shot.settle(ctx, 300)

    # 2. pages
    window.show_page("home")
    window.home.drafts.setFocus()
    window.home.drafts.setCurrentRow(0)
    shot.shoot("home", window, ctx)
    window.show_page("enterprises")
    search = window.enterprises.search
    search.box.setText("润达")
    search.run_search()
    window.open_enterprise(facts["enterprise"])
    search.box.setFocus()
    shot.shoot("enterprises-search", window, ctx)
    window.enterprises.file.tabs.setCurrentIndex(4)
    window.enterprises.file.findings.setFocus()
    window.enterprises.file.findings.selectRow(0)
    shot.shoot("enterprise-findings", window, ctx)
    window.enterprises.file.tabs.setCurrentIndex(0)
    window.enterprises.file.tabs.setFocus()
    shot.shoot("enterprise-profile", window, ctx)
    window.open_inspection(facts["inspection"])
    window.inspection.select_row(facts["row"])
    window.inspection.table.setFocus()
    shot.shoot("inspection", window, ctx)
    window.show_page("evidence")
    window.evidence.grid.setFocus()
    shot.settle(ctx, 1500)
    shot.shoot("evidence", window, ctx)
    window.show_page("settings")
    window.settings.fields["short_name"].setFocus()
    shot.shoot("settings", window, ctx)

    # 3. dialogs
    dialog = NewInspectionDialog(ctx, None, window)
    dialog.open()
    dialog.search.box.setText("恒泰")
    dialog.search.run_search()
    dialog.search._enter()
    dialog.officers.setFocus()
    shot.shoot("new-inspection", dialog, ctx)
    dialog.reject()
    state = services.inspection_state(ws, facts["inspection"])
    item = next(i for i in state.items if i.major_hazard) if any(i.major_hazard for i in state.items) else state.items[5]
    editor = FindingEditor(ctx, state, item, window)
    editor.open()
    editor.description.setPlainText("液氯罐区紧急切断阀处于手动旁路状态，未投入自动。" if lang == "zh" else
                                    "The emergency shut-off valve of the liquid chlorine tank farm is bypassed.")
    editor.location.setText("液氯罐区" if lang == "zh" else "Chlorine tank farm")
    editor.deadline.setText((date.today() + timedelta(days=15)).isoformat())
    editor._add_evidence(services.evidence_rows(ws)[1].sha256)
    editor.deadline.setFocus()
    shot.settle(ctx, 800)
    shot.shoot("finding-editor", editor, ctx)
    editor.discard()
    prompt = PassphraseDialog("DEMO-0002", "王芳（演示）", None, window)
    prompt.open()
    prompt.passphrase.setText("demo")
    prompt.passphrase.setFocus()
    shot.shoot("sign-passphrase", prompt, ctx)
    prompt.reject()
    help_ = ShortcutsDialog(window)
    help_.open()
    help_.table.setFocus()
    shot.shoot("shortcuts", help_, ctx)
    help_.reject()

    # 4. quick record from the evidence page: the indicator in the status bar
    images = []

    def feed():
        image = QImage(320, 240, QImage.Format.Format_ARGB32)
        image.fill(QColor.fromHsv((len(images) * 10) % 360, 180, 220))
        p = QPainter(image)
        p.drawText(20, 40, f"{len(images)}")
        p.end()
        frame = QVideoFrame(image)
        frame.setStartTime(len(images) * 100_000)
        frame.setEndTime((len(images) + 1) * 100_000)
        if frame_input.sendVideoFrame(frame):
            images.append(1)

    frame_input.readyToSendVideoFrame.connect(feed)
    ctx.capture.start_recording("quick-record")
    for _ in range(60):
        feed()
        shot.settle(None, 20)
    window.evidence.grid.setFocus()
    shot.shoot("quick-record", window, ctx)
    ctx.capture.stop_recording()
    shot.settle(ctx, 800)
    camera = ctx.capture.open_camera_window(window)
    camera.record.setFocus()
    ctx.capture.start_recording("camera")
    for _ in range(30):
        feed()
        shot.settle(None, 20)
    shot.shoot("camera", camera, ctx, screen=True)
    ctx.capture.stop_recording()
    shot.settle(ctx, 500)
    camera.reject()
    window.evidence.refresh()
    window.evidence.view_current()
    shot.settle(ctx, 1500)
    if window.evidence.viewer is not None:
        shot.shoot("viewer", window.evidence.viewer, ctx, screen=True)
        window.evidence.viewer.reject()

    # 5. sign the open inspection, then the documents
    window.open_inspection(facts["inspection"])
    for it in services.inspection_state(ws, facts["inspection"]).items:
        if it.result == "not-checked":
            services.set_result(ws, facts["inspection"], it.item_id, "compliant")
    services.sign(ws, facts["inspection"], lambda cert: PASSPHRASE)
    window.inspection.reload()
    window.inspection.documents()
    docs = window.inspection.documents_dialog
    shot.settle(ctx, 1500)
    docs.list.setFocus()
    if docs.results and len(docs.results) > 1:
        docs.list.setCurrentRow(1)
        shot.settle(ctx, 800)
    shot.shoot("documents", docs, ctx)
    docs.reject()
    window.show_page("inspection")
    window.inspection.table.setFocus()
    shot.shoot("inspection-signed", window, ctx)
    ctx.session.lock()
    shot.settle(ctx)
    window.close()
    ctx.ops.wait_for_workers()
    shot.settle()
    QApplication.instance().removeEventFilter(ctx.extra["events"])
    ws.close()
    return shot.clipped


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default="screenshots", type=Path)
    parser.add_argument("--lang", default="zh,en")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        print("no DISPLAY: run under xvfb-run (or set QT_QPA_PLATFORM=offscreen)", file=sys.stderr)
        return 2
    from inspector_app.ui.qtcompat import guard_singletons

    guard_singletons()
    from PySide6.QtWidgets import QApplication

    from inspector_app.ui import theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    theme.apply(app)
    print(f"font: {app.font().family()}")
    args.out.mkdir(parents=True, exist_ok=True)
    template = Path(tempfile.mkdtemp(prefix="inspector-shots-")) / "data"
    facts = make_county(template)
    clipped = []
    for lang in args.lang.split(","):
        print(f"{lang}:")
        clipped += run(args.out, lang, template, facts)
    if clipped:
        print("text that does not fit:")
        for line in clipped:
            print("  " + line)
    else:
        print("no clipped text found")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
