"""Benchmark: a 20-finding 现场检查记录 with 20 photos against a bare reportlab page, same run.

The baseline is the least any PDF of this content costs: one canvas page, the same embedded CJK font,
the same twenty JPEG thumbnails (≈1000×750) and the same finding texts drawn with drawString. It is
measured twice: as reportlab does it by default (drawImage of the JPEG files, ASCII85-encoded, which is
pure Python without reportlab's C accelerator) and at its fastest (rl_config.useA85 off: the JPEG bytes
copied as they are, which is what the documents do). The ratio is taken against the fastest. The
document is the real thing: layout, tables, signatures, photo pages, page furniture and QR codes.
Goal (issue 6): within 3× the bare page, under 1 s. Prints medians of several runs and the ratio.

    .venv/bin/python bench/documents.py [--runs 7]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFilter  # noqa: E402
from reportlab import rl_config  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from inspector_app.documents import CountySettings, render  # noqa: E402
from inspector_app.documents.fonts import load_fonts  # noqa: E402

SETTINGS = CountySettings(county_name="某某县", bureau_name="某某县应急管理局", short_name="文",
                          seal_text="某某县应急管理局", reconsideration_body="某某县人民政府", court="某某县人民法院")


def photo(i: int, size=(1000, 750)) -> bytes:
    """A photo-like thumbnail: gradients, shapes and some grain, JPEG quality 85."""
    w, h = size
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    draw = ImageDraw.Draw(img)
    for k in range(12):
        x, y = (i * 97 + k * 131) % w, (i * 53 + k * 89) % h
        draw.rectangle([x, y, x + 180, y + 120], fill=((i * 40 + k * 20) % 255, (k * 60) % 255, (i * 15) % 255))
    noise = Image.effect_noise(size, 24).convert("RGB")
    img = Image.blend(img, noise, 0.15).filter(ImageFilter.SMOOTH)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def make_record(n: int = 20) -> tuple[dict, dict[str, bytes]]:
    photos = {}
    findings, evidence, items = [], [], []
    for i in range(n):
        data = photo(i)
        sha = hashlib.sha256(data).hexdigest()
        photos[sha] = data
        items.append({"catalogue": "bench", "version": "1", "item": f"i{i}", "seq": i + 1, "section": "",
                      "matter": f"检查事项{i + 1}：特殊作业管理", "content": "动火、受限空间等特殊作业管理制度执行情况",
                      "check_basis": ["《危险化学品企业特殊作业安全规范》（GB 30871）"], "enforcement_basis": ["《安全生产法》第一百零二条"],
                      "major_hazard": i % 5 == 0, "result": "violation"})
        findings.append({"id": f"f{i}", "item": f"i{i}", "description": f"第{i + 1}项：动火作业票未按规定审批，作业现场未配备气体检测仪，监护人未在场。",
                         "location": f"{i + 1}号装置区", "grade": "major" if i % 5 == 0 else "general",
                         "deadline": "2025-06-30", "repeat_offence": i % 7 == 0, "self_reported": i % 4 == 0,
                         "evidence": [sha]})
        evidence.append({"sha256": sha, "media_type": "image/jpeg", "size": len(data),
                         "captured_at": "2025-05-20T10:00:00+08:00", "file_time": None, "gps": None,
                         "captured_by": "32010020001", "original_name": f"IMG_{i}.jpg"})
    record = {
        "schema": "inspector.record/1", "kind": "inspection", "inspection_id": "bench", "device_id": "bench",
        "created_at": "2025-05-20T09:00:00+08:00", "started_at": "2025-05-20T09:30:00+08:00",
        "ended_at": "2025-05-20T11:45:00+08:00", "place": "生产装置区",
        "enterprise": {"code": "", "name": "某某化工有限公司", "address": "某某县化工园区纬三路8号", "kind": "production",
                       "industry": "基础化学原料制造", "township": "", "legal_representative": "王建国",
                       "contact_name": "李安全", "contact_phone": "13800000000", "major_hazard_sources": [],
                       "key_processes": [], "key_chemicals": []},
        "inspectors": [{"name": "张伟", "cert": "32010020001", "public_key": ""},
                       {"name": "刘洋", "cert": "32010020002", "public_key": ""}],
        "catalogues": [], "items": items, "findings": findings, "evidence": evidence,
        "quiz": None, "amends": None, "audit_head": None,
    }
    return record, photos


def bare_page(record: dict, files: list[Path], out: Path, *, a85: bool = True) -> None:
    """drawImage with JPEG file names (the JPEG is copied, not decoded); a85=False skips ASCII85."""
    saved = rl_config.useA85
    rl_config.useA85 = 1 if a85 else 0
    try:
        _bare_page(record, files, out)
    finally:
        rl_config.useA85 = saved


def _bare_page(record: dict, files: list[Path], out: Path) -> None:
    font = load_fonts()[0].name
    c = Canvas(str(out), pagesize=A4, initialFontName=font)
    c.setFont(font, 10)
    y = 800
    for f in record["findings"]:
        c.drawString(40, y, f["description"])
        y -= 14
    for i, path in enumerate(files):
        c.drawImage(str(path), 40 + (i % 5) * 105, 60 + (i // 5) * 80, width=100, height=75)
    c.showPage()
    c.save()


def document(record: dict, photos: dict[str, bytes], out: Path) -> int:
    h = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
    result = render("check-record", record, record_hash=h, signed=True, number="（文）应急检记〔2025〕7号",
                    settings=SETTINGS, out_path=out, photos=photos.get)
    return result.pages


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    record, photos = make_record()
    size = sum(len(p) for p in photos.values())
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        load_fonts()
        font_load = time.perf_counter() - t0
        bare_out, doc_out = Path(tmp) / "bare.pdf", Path(tmp) / "doc.pdf"
        files = []
        for sha, data in photos.items():
            files.append(Path(tmp) / f"{sha}.jpg")
            files[-1].write_bytes(data)
        t0 = time.perf_counter()
        pages = document(record, photos, doc_out)  # first render: templates and caches warm up here
        first = time.perf_counter() - t0
        bare_page(record, files, bare_out)
        bare_default = median_time(lambda: bare_page(record, files, bare_out), args.runs)
        default_size = bare_out.stat().st_size
        bare = median_time(lambda: bare_page(record, files, bare_out, a85=False), args.runs)
        doc = median_time(lambda: document(record, photos, doc_out), args.runs)
        print(f"photos: {len(photos)} JPEG thumbnails 1000×750, {size / 1e6:.2f} MB")
        print(f"font load (once per process): {font_load * 1000:.0f} ms")
        print(f"bare reportlab page, default drawImage (ASCII85): {bare_default * 1000:.0f} ms, {default_size / 1e6:.2f} MB")
        print(f"bare reportlab page, JPEG bytes as they are:   {bare * 1000:.0f} ms, {bare_out.stat().st_size / 1e6:.2f} MB")
        print(f"check-record, 20 findings, {pages} pages:         {doc * 1000:.0f} ms, {doc_out.stat().st_size / 1e6:.2f} MB"
              f"  (first render in the process: {first * 1000:.0f} ms)")
        ratio = doc / bare
        print(f"ratio: {ratio:.2f}× the fastest bare page, {doc / bare_default:.2f}× the default one  (goal ≤ 3×, and under 1 s: "
              f"{'met' if ratio <= 3 and doc < 1 else 'NOT met'})")


if __name__ == "__main__":
    main()
