"""Render an official enforcement document from a record: ``render(kind, record, …) -> RenderResult``.

The layout of each kind is here; every printed word comes from resources/templates/ (templates.py).
A final document needs a signed record (its hash) and a number; an unsigned one is a marked draft with
no number. The PDF is written to a temporary file and moved into place, so a failure never leaves a
half-written document behind. See docs/documents.md.
"""
from __future__ import annotations

import hashlib
import io
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak, Image, KeepTogether, LayoutError, PageBreak, Paragraph, SimpleDocTemplate, Spacer,
)

from inspector_app.domain.messages import InspectorError, UsageError, define, render as render_message
from inspector_app.domain.numbering import parse_number

from . import layout as L
from .fonts import Shaper
from .qr import QrStamp, is_record_hash, qr_text
from .record import RecordView, cn_datetime, parse_date, parse_datetime, ymd
from .settings import CountySettings, check_settings
from .templates import BAD_TEMPLATE, KINDS, Template, load_template

UNKNOWN_KIND = define(
    "documents.unknown_kind",
    "未知的文书种类 {kind}，可选：{choices}",
    "Unknown document kind {kind}; choose from: {choices}",
)
MISSING_NUMBER = define(
    "documents.missing_number",
    "正式文书《{title}》需要文书编号",
    "The final document \"{title}\" needs a document number",
)
NUMBER_MISMATCH = define(
    "documents.number_mismatch",
    "文书编号“{number}”与《{title}》不符，应为 {expected}",
    "Document number \"{number}\" does not fit \"{title}\"; expected {expected}",
)
MISSING_HASH = define(
    "documents.missing_hash",
    "文书需要已签名记录的哈希值（64位小写十六进制），实为“{value}”",
    "The document needs the signed record's hash (64 lowercase hex digits), got \"{value}\"",
)
TOO_FEW_INSPECTORS = define(
    "documents.too_few_inspectors",
    "正式文书须有至少两名执法人员，本记录只有 {count} 名",
    "A final document needs at least two officers; this record has {count}",
)
NO_FINDINGS = define(
    "documents.no_findings",
    "《{title}》没有可列出的问题：{reason}",
    "\"{title}\" has no problems to list: {reason}",
)
BAD_EXTRA = define(
    "documents.bad_extra",
    "文书附加信息有误（{field}）：{reason}",
    "Invalid document input ({field}): {reason}",
)
WRITE_FAILED = define(
    "documents.write_failed",
    "无法写入文书文件 {path}：{reason}",
    "Cannot write the document file {path}: {reason}",
)
MISSING_GLYPHS = define(
    "documents.missing_glyphs",
    "字体中没有以下字符，已印为“□”，请在打印件上手写补正：{chars}",
    "The font lacks these characters; they are printed as \"□\", write them in by hand: {chars}",
)
PHOTO_UNAVAILABLE = define(
    "documents.photo_unavailable",
    "证据 {sha} 的缩略图无法读取，照片附页留有空位",
    "The thumbnail of evidence {sha} could not be read; the photo page shows an empty box",
)
BLANK_FIELD = define(
    "documents.blank_field",
    "《{title}》的“{field}”未提供，已留空待手写",
    "\"{field}\" of \"{title}\" was not given; left blank to fill in by hand",
)

PhotoSource = Callable[[str], "bytes | None"]
_BUILD_LOCK = threading.Lock()


@dataclass(frozen=True)
class RenderWarning:
    code: str
    params: dict

    def text(self, lang: str = "zh") -> str:
        return render_message(self.code, lang, **self.params)


@dataclass
class RenderResult:
    path: Path
    kind: str
    pages: int
    draft: bool
    number: str | None  # as printed; None for drafts and 询问笔录
    qr_text: str
    warnings: list[RenderWarning] = field(default_factory=list)
    missing_chars: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------- context


class _Ctx:
    def __init__(self, kind, template: Template, view: RecordView, settings: CountySettings, extra: dict,
                 signed: bool, number: str | None, photos: PhotoSource | None):
        self.kind = kind
        self.t = template
        self.view = view
        self.settings = settings
        self.extra = extra
        self.signed = signed
        self.number = number
        self.photos = photos
        self.shaper = Shaper()
        self.s = L.Styles(self.shaper.primary.name)
        self.warnings: list[RenderWarning] = []
        self.values = self._values()

    # text helpers
    def p(self, text: str, style=None) -> Paragraph:
        return Paragraph(self.shaper.markup(text), style or self.s.body)

    def warn(self, code: str, **params) -> None:
        self.warnings.append(RenderWarning(code, params))

    def blank_field(self, name: str) -> None:
        self.warn(BLANK_FIELD, title=self.t.title, field=name)

    def cn_date(self, d) -> str:
        return self.t.text("text.date", **ymd(d)) if d else ""

    def cn_time_span(self, start, end) -> str:
        """检查时间 as the form has it: 年月日时分至月日时分 (formats in _common.toml)."""
        if not start:
            return ""
        parts = {"hour": start.hour, "minute": start.minute, **ymd(start)}
        text = self.t.text("text.time_start", **parts)
        if end:
            key = "text.time_end" if end.year == start.year else "text.time_end_other_year"
            text += self.t.text(key, hour=end.hour, minute=end.minute, **ymd(end))
        return text

    def date_text(self) -> str:
        # extra["date"], else the questioning's own day (询问笔录), else the inspection's
        d = (parse_date(self.extra.get("date"), "extra.date")
             or parse_datetime(self.extra.get("started_at"), "extra.started_at")
             or self.view.day)
        return self.t.text("text.date", **ymd(d)) if d else self.t.text("text.date_blank")

    def marks(self, f) -> str:
        names = []
        if f.grade == "major":
            names.append(self.t.text("labels.grade_major"))
        if f.repeat_offence:
            names.append(self.t.text("labels.repeat_offence"))
        if f.self_reported:
            names.append(self.t.text("labels.self_reported"))
        return "".join(self.t.text("labels.mark", mark=n) for n in names)

    def _values(self) -> dict[str, str]:
        v, e, x = self.view, self.view.ent, self.extra
        sep = self.t.get("wording.name_separator", "、")
        names = sep.join(i.name for i in v.inspectors)
        certs = sep.join(i.cert for i in v.inspectors)
        contact = " ".join(s for s in (e("contact_name"), e("contact_phone")) if s)
        responsible = x.get("responsible_person") or e("legal_representative")
        phone = x.get("responsible_phone") or (
            e("contact_phone") if e("contact_name") and e("contact_name") == responsible else ""
        )
        with_cert = self.t.get("wording.inspector_with_cert")
        values = {
            "enterprise_name": e("name"),
            "enterprise_address": e("address"),
            "enterprise_code": e("code"),
            "legal_representative": e("legal_representative"),
            "contact": contact,
            "contact_name": e("contact_name"),
            "contact_phone": e("contact_phone"),
            "industry": e("industry"),
            "township": e("township"),
            "place": str(v.raw.get("place") or "") or e("address"),
            "inspection_time": self.cn_time_span(v.started_at, v.ended_at),
            "inspection_date": self.cn_date(v.day),
            "inspector_names": names,
            "cert_numbers": certs,
            "inspectors_with_certs": sep.join(
                self.t.text("wording.inspector_with_cert", name=i.name, cert=i.cert) for i in v.inspectors
            ) if with_cert else names,
            "bureau_name": self.settings.bureau_name.strip(),
            "county_name": self.settings.county_name.strip(),
            "short_name": self.settings.short_name.strip(),
            "responsible_person": responsible,
            "responsible_title": x.get("responsible_title", ""),
            "responsible_phone": phone,
            "method": x.get("method", ""),
            "audit_opinion": x.get("audit_opinion", ""),
            "approval_opinion": x.get("approval_opinion", ""),
            "remarks": x.get("remarks", ""),
        }
        if self.kind == "inquiry":
            who = x.get("interviewee") or {}
            start = parse_datetime(x.get("started_at"), "extra.started_at")
            end = parse_datetime(x.get("ended_at"), "extra.ended_at")
            values.update({
                "inquiry_time": self.cn_time_span(start, end),
                "session": str(x.get("session") or ""),
                "inquiry_place": x.get("place") or "",
                "interviewers": sep.join(x["interviewers"]) if x.get("interviewers") else names,
                "recorder": x.get("recorder", ""),
                "present": x.get("present", ""),
            })
            for key in ("name", "sex", "age", "id_number", "employer", "post", "address", "phone"):
                values[f"interviewee_{key}"] = str(who.get(key) or "")
        return values

    def value(self, key: str, where: str) -> str:
        if key not in self.values:
            raise InspectorError(BAD_TEMPLATE, file=self.t.file, field=where, reason=f"未知的取值 {key}")
        return self.values[key]


# ------------------------------------------------------------------------------------- extra input

_EXTRA_STR = ("date", "responsible_person", "responsible_title", "responsible_phone", "method", "audit_opinion",
              "approval_opinion", "remarks", "order_number", "order_date", "basis", "started_at", "ended_at",
              "place", "recorder", "present")


def _check_extra(extra: Any) -> dict:
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        raise InspectorError(BAD_EXTRA, exit_code=2, field="extra", reason="应为对象")
    for key in _EXTRA_STR:
        if key in extra and extra[key] is not None and not isinstance(extra[key], str):
            raise InspectorError(BAD_EXTRA, exit_code=2, field=key, reason="应为文字")
    for key in ("opinions", "decisions"):
        value = extra.get(key)
        if value is not None and not isinstance(value, (str, list)):
            raise InspectorError(BAD_EXTRA, exit_code=2, field=key, reason="应为文字或文字列表")
    if extra.get("qa") is not None:
        qa = extra["qa"]
        if not isinstance(qa, list) or not all(isinstance(x, dict) for x in qa):
            raise InspectorError(BAD_EXTRA, exit_code=2, field="qa", reason="应为 [{q, a}] 列表")
    if extra.get("interviewee") is not None and not isinstance(extra["interviewee"], dict):
        raise InspectorError(BAD_EXTRA, exit_code=2, field="interviewee", reason="应为对象")
    if extra.get("interviewers") is not None and not isinstance(extra["interviewers"], list):
        raise InspectorError(BAD_EXTRA, exit_code=2, field="interviewers", reason="应为列表")
    if extra.get("finding_ids") is not None and not isinstance(extra["finding_ids"], list):
        raise InspectorError(BAD_EXTRA, exit_code=2, field="finding_ids", reason="应为列表")
    return {k: v for k, v in extra.items() if v is not None}


def _lines(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [s for s in (part.strip() for part in value.split("\n")) if s] if value.strip() else []
    return [str(s).strip() for s in value if str(s).strip()]


# ---------------------------------------------------------------------------------- building blocks


def _head(ctx: _Ctx) -> list:
    out: list = [L.TitleLine(ctx.shaper.plain(ctx.t.title), ctx.shaper.primary.name)]
    if ctx.number:
        out.append(ctx.p(ctx.number, ctx.s.number))
    elif not ctx.signed:
        out.append(ctx.p(ctx.t.text("text.draft_number"), ctx.s.number))
    else:
        out.append(L.spacer(3))
    addressee = ctx.t.get("addressee")
    if addressee:
        out.append(ctx.p(ctx.t.fill(addressee, ctx.values, field="addressee"), ctx.s.body))
    return out


def _label_width(ctx: _Ctx, label: str, size: float = L.BODY) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(ctx.shaper.plain(label), ctx.shaper.primary.name, size) + 5


def _field_rows(ctx: _Ctx, rows: list, where: str, *, grid: bool = False, label_w: float | None = None) -> list:
    """Label：value lines (underlined values), or the cells of a bordered form when grid."""
    out: list = []
    colon = "" if grid else "："
    for r, row in enumerate(rows):
        cells = row.get("row") if isinstance(row, dict) else None
        if not isinstance(cells, list) or not cells:
            raise InspectorError(BAD_TEMPLATE, file=ctx.t.file, field=f"{where}[{r}].row", reason="应为非空列表")
        labels = [c.get("label") for c in cells]
        lw = [
            (label_w if grid else _label_width(ctx, lab + colon)) if lab else 0.0
            for lab in labels
        ]
        weights = [float(c.get("width", 1)) for c in cells]
        free = L.FRAME_W - sum(lw)
        data: list = []
        widths: list = []
        value_cols: list[int] = []
        label_cols: list[int] = []
        min_h = 0.0
        for i, c in enumerate(cells):
            share = free * weights[i] / sum(weights)
            if "text" in c:
                data.append(ctx.p(ctx.t.fill(c["text"], ctx.values, field=f"{where}[{r}]"), ctx.s.label))
                widths.append(share)
                continue
            if "value" not in c or "label" not in c:
                raise InspectorError(BAD_TEMPLATE, file=ctx.t.file, field=f"{where}[{r}]", reason="需要 label 和 value，或 text")
            label_cols.append(len(data))
            data.append(ctx.p(c["label"] + colon, ctx.s.cell_center if grid else ctx.s.label))
            widths.append(lw[i])
            value = ctx.value(c["value"], f"{where}[{r}].value")
            content: list | Paragraph = ctx.p(value, ctx.s.cell if grid else ctx.s.label)
            lines = float(c.get("lines", 0))
            if c.get("signer"):
                signer = c["signer"] + "　　　　　　　　" + ctx.t.text("labels.signature_date")
                # the opinion at the top, room to write, the signer at the bottom right
                content = [content, Spacer(1, max(1.0, lines - 1) * L.SMALL * 1.6), ctx.p(signer, ctx.s.cell_right)]
                lines = 0
            value_cols.append(len(data))
            data.append(content)
            widths.append(share)
            min_h = max(min_h, lines * L.BODY * 1.75)
        if grid:
            style = L.grid_style()
            for col in value_cols:
                style.append(("VALIGN", (col, 0), (col, 0), "TOP" if min_h else "MIDDLE"))
        else:
            style = L.underline_style(value_cols)
        heights = [max(min_h, 9 * mm if grid else 0)] if (min_h or grid) else None
        # A row splits across pages only when it must (a very long value); a short one moves whole.
        long_row = sum(len(ctx.values.get(c.get("value"), "") or "") for c in cells) > 300
        out.append(L.table([data], widths, style, min_heights=heights, split_in_row=1 if long_row else 0))
    return out


def _blank_lines(n: int) -> Any:
    rows = [[""] for _ in range(max(1, n))]
    return L.table(rows, [L.FRAME_W], [("LINEBELOW", (0, 0), (-1, -1), 0.5, L.RULE)], split_in_row=0,
                   min_heights=[9 * mm] * len(rows))


def _width(ctx: _Ctx, text: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(ctx.shaper.plain(text), ctx.shaper.primary.name, size)


def _signature_label(ctx: _Ctx, label: str, limit: float) -> tuple[str, float]:
    """Markup and width of a signature label; a long one breaks before its last （…）, not mid-word."""
    text = label + "："
    full = _width(ctx, text, L.SMALL)
    cut = text.rfind("（")
    if full <= limit or cut <= 0:
        return ctx.shaper.markup(text), full
    head, tail = text[:cut], text[cut:]
    return ctx.shaper.markup(head) + "<br/>" + ctx.shaper.markup(tail), max(_width(ctx, head, L.SMALL), _width(ctx, tail, L.SMALL))


def _signatures(ctx: _Ctx) -> Any:
    """Blank lines for handwritten signatures; each officer's name and certificate printed beside."""
    specs = ctx.t.get("signatures") or []
    if not specs:
        return None
    date = ctx.t.text("labels.signature_date")
    pad = 12  # cell padding, and the no-break spaces that stand in for U+3000 are a little wider
    rows: list[tuple[str, str, bool]] = []  # label markup, printed text, underline the printed cell
    label_w = 0.0
    for n, spec in enumerate(specs):
        label = spec.get("label") if isinstance(spec, dict) else None
        if not label:
            raise InspectorError(BAD_TEMPLATE, file=ctx.t.file, field=f"signatures[{n}].label", reason="缺少此项")
        markup, width = _signature_label(ctx, label, 40 * mm)
        label_w = max(label_w, width)
        if spec.get("each") == "inspector":
            for i, person in enumerate(ctx.view.inspectors or [None]):
                printed = ctx.t.text("labels.inspector_id", name=person.name, cert=person.cert or ctx.t.text("text.blank")) if person else ""
                rows.append((markup if i == 0 else "", printed, False))
        else:
            after = spec.get("after")
            rows.append((markup, after + "：" if after else "", bool(after)))
    label_w += pad
    date_w = _width(ctx, date, L.SMALL) + pad
    printed_w = min(max([_width(ctx, r[1], L.SMALL) for r in rows] + [30 * mm]) + pad, 62 * mm)
    blank_w = L.FRAME_W - label_w - date_w - printed_w
    if blank_w < 26 * mm:  # keep room to sign; the printed text wraps instead
        printed_w -= 26 * mm - blank_w
        blank_w = 26 * mm
    data: list = []
    style: list = [
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for r, (markup, printed, underline_printed) in enumerate(rows):
        data.append([Paragraph(markup, ctx.s.cell), "", ctx.p(printed, ctx.s.cell), ctx.p(date, ctx.s.cell)])
        style.append(("LINEBELOW", (1, r), (1, r), 0.5, L.RULE))
        if underline_printed:
            style.append(("LINEBELOW", (2, r), (2, r), 0.5, L.RULE))
    return L.table(data, [label_w, blank_w, printed_w, date_w], style, split_in_row=0, min_heights=[11 * mm] * len(data))


def _closing(ctx: _Ctx, story: list) -> list:
    """Appeal notice, signatures, seal and date, footer; returns the story with them added.

    Kept together with the last paragraph of the text: a page holding only signatures could be put
    behind some other text.
    """
    block: list = []
    if story and isinstance(story[-1], Paragraph):
        block.append(story.pop())
        # and the headings that must stay with it (KeepTogether is not joined by keepWithNext)
        while story and isinstance(story[-1], Paragraph) and story[-1].getKeepWithNext():
            block.insert(0, story.pop())
    if ctx.t.get("appeal_notice") is True:
        block.append(ctx.p(ctx.t.text("text.appeal_notice", reconsideration_body=ctx.settings.reconsideration_body.strip(),
                                      court=ctx.settings.court.strip()), ctx.s.indented))
    signatures = _signatures(ctx)
    block += [L.spacer(3)] + ([signatures] if signatures is not None else [])
    if ctx.t.get("seal") is True:
        seal = ctx.t.text("text.seal", seal=ctx.settings.seal)
        block += [
            L.spacer(8),
            L.table([["", ctx.p(seal, ctx.s.body)], ["", ctx.p(ctx.date_text(), ctx.s.body)]],
                    [L.FRAME_W - 78 * mm, 78 * mm],
                    [("ALIGN", (1, 0), (1, -1), "CENTER"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]),
        ]
    footer = L.table([[ctx.p(ctx.t.text("text.footer"), ctx.s.small)]], [L.FRAME_W],
                     [("LINEABOVE", (0, 0), (-1, 0), 0.6, L.INK), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                      ("TOPPADDING", (0, 0), (-1, -1), 4)])
    block += [L.spacer(4), footer]
    return story + [KeepTogether(block)]


def _problem_paragraph(ctx: _Ctx, seq: int, f, *, deadline: bool) -> Paragraph:
    w = "wording"
    text = ctx.t.text(f"{w}.problem", seq=seq, description=f.description or ctx.t.text("text.blank"))
    if f.location:
        text += ctx.t.text(f"{w}.problem_location", location=f.location)
    text += ctx.marks(f)
    if deadline:
        text += ctx.t.text(f"{w}.problem_deadline", deadline=ctx.cn_date(f.deadline) if f.deadline else ctx.t.text("text.blank"))
    return ctx.p(text, ctx.s.indented)


def _selected_findings(ctx: _Ctx, default: Callable) -> list:
    wanted = ctx.extra.get("finding_ids")
    if wanted is not None:
        ids = [str(x) for x in wanted]
        by_id = {f.id: f for f in ctx.view.findings}
        unknown = [x for x in ids if x not in by_id]
        if unknown:
            raise InspectorError(BAD_EXTRA, exit_code=2, field="finding_ids", reason=f"记录中没有问题 {', '.join(unknown)}")
        return [by_id[x] for x in ids]
    return [f for f in ctx.view.findings if default(f)]


# ------------------------------------------------------------------------------------------ kinds


def _build_plan(ctx: _Ctx) -> list:
    t = ctx.t
    rows = t.get("fields") or []
    after = t.get("after") or []
    labels = [c.get("label", "") for row in rows + after for c in row.get("row", []) if c.get("label")]
    label_w = max((_label_width(ctx, lab, L.SMALL) for lab in labels), default=20 * mm) + 8
    story = _head(ctx)
    story += _field_rows(ctx, rows, "fields", grid=True, label_w=label_w)
    cl = t.raw("checklist")
    columns = cl.get("columns") or []
    if not columns:
        raise InspectorError(BAD_TEMPLATE, file=t.file, field="checklist.columns", reason="缺少此项")
    total = sum(float(c.get("width", 1)) for c in columns)
    inner = L.FRAME_W - label_w
    widths = [inner * float(c.get("width", 1)) / total for c in columns]
    header = [ctx.p(c["header"], ctx.s.cell_center) for c in columns]
    data = [header]
    sep = cl.get("basis_separator", "；")
    for n, item in enumerate(ctx.view.items, 1):
        cells = []
        for c in columns:
            key = c.get("value")
            if key == "seq":
                value = str(n)
            elif key in ("check_basis", "enforcement_basis"):
                value = sep.join(str(b) for b in item.get(key) or [])
            elif key in ("matter", "content", "section", "item", "catalogue"):
                value = str(item.get(key) or "")
            else:
                raise InspectorError(BAD_TEMPLATE, file=t.file, field="checklist.columns", reason=f"未知的取值 {key}")
            cells.append(ctx.p(value, ctx.s.cell_center if key == "seq" else ctx.s.cell))
        data.append(cells)
    if len(data) == 1:
        data.append([ctx.p("", ctx.s.cell) for _ in columns])
    style = L.grid_style() + [("VALIGN", (0, 0), (-1, -1), "TOP"), ("VALIGN", (0, 0), (-1, 0), "MIDDLE")]
    checklist = L.table(data, widths, style, repeat_rows=1)
    label_cell = ctx.p(cl.get("heading", ""), ctx.s.cell_center)
    # The label column beside the checklist, as one bordered block like the printed form.
    story.append(L.table([[label_cell, checklist]], [label_w, inner],
                         L.grid_style() + [("LEFTPADDING", (1, 0), (1, 0), 0), ("RIGHTPADDING", (1, 0), (1, 0), 0),
                                           ("TOPPADDING", (1, 0), (1, 0), 0), ("BOTTOMPADDING", (1, 0), (1, 0), 0)]))
    story += _field_rows(ctx, after, "after", grid=True, label_w=label_w)
    if not ctx.values.get("method"):
        ctx.blank_field(t.text("names.method"))
    story = _closing(ctx, story)
    return story


def _build_check_record(ctx: _Ctx) -> list:
    t, v = ctx.t, ctx.view
    story = _head(ctx)
    story += _field_rows(ctx, t.get("fields") or [], "fields")
    story.append(L.spacer(2))
    story.append(ctx.p(t.fill(t.raw("wording.announcement"), ctx.values, field="wording.announcement"), ctx.s.indented))
    s = "situation"
    story.append(ctx.p(t.text(f"{s}.heading"), ctx.s.section))
    # Non-compliant: every finding, then violation items that have no finding text.
    with_findings = {f.item_id for f in v.findings}
    bare = [it for it in v.items if it.get("result") == "violation" and str(it.get("item")) not in with_findings]
    count = len(v.findings) + len(bare)
    story.append(ctx.p(t.text(f"{s}.violations", count=count) if count else t.text(f"{s}.violations_none"), ctx.s.section))
    dsep = t.text(f"{s}.detail_separator")
    bsep = t.text(f"{s}.basis_separator")
    groups: list[tuple[int, Any]] = []
    for n, f in enumerate(v.findings, 1):
        item = f.item or {}
        matter = str(item.get("matter") or f.item_id or "")
        story.append(ctx.p(t.text(f"{s}.item_title", seq=n, matter=matter) + ctx.marks(f), ctx.s.section))
        story.append(ctx.p(t.text(f"{s}.finding", description=f.description), ctx.s.detail))
        details = []
        if f.location:
            details.append(t.text(f"{s}.location", location=f.location))
        grade = t.text("labels.grade_major") if f.grade == "major" else t.text("labels.grade_general")
        details.append(t.text(f"{s}.grade", grade=grade))
        if f.deadline:
            details.append(t.text(f"{s}.deadline", deadline=ctx.cn_date(f.deadline)))
        story.append(ctx.p(dsep.join(details), ctx.s.detail))
        if item.get("check_basis"):
            story.append(ctx.p(t.text(f"{s}.check_basis", basis=bsep.join(map(str, item["check_basis"]))), ctx.s.detail))
        if f.evidence:
            group = t.text("photos.group", seq=n)
            story.append(ctx.p(t.text(f"{s}.photos", count=len(f.evidence), group=group), ctx.s.detail))
            groups.append((n, f))
    for k, item in enumerate(bare, len(v.findings) + 1):
        story.append(ctx.p(t.text(f"{s}.item_title", seq=k, matter=str(item.get("matter") or item.get("item"))), ctx.s.section))
        if item.get("content"):
            story.append(ctx.p(t.text(f"{s}.item_content", content=item["content"]), ctx.s.detail))
    compliant = [it for it in v.items if it.get("result") == "compliant"]
    if compliant:
        story.append(ctx.p(t.text(f"{s}.compliant", count=len(compliant)), ctx.s.section))
        for n, item in enumerate(compliant, 1):
            story.append(ctx.p(t.text(f"{s}.compliant_item", seq=n, matter=str(item.get("matter") or item.get("item"))), ctx.s.detail))
    other = [it for it in v.items if it.get("result") in ("not-applicable", "not-checked")]
    if other:
        story.append(ctx.p(t.text(f"{s}.other", count=len(other)), ctx.s.section))
        for n, item in enumerate(other, 1):
            result = t.text(f"{s}.result_not_applicable") if item.get("result") == "not-applicable" else t.text(f"{s}.result_not_checked")
            story.append(ctx.p(t.text(f"{s}.other_item", seq=n, matter=str(item.get("matter") or item.get("item")), result=result), ctx.s.detail))
    story = _closing(ctx, story)
    if groups:
        story += _photo_pages(ctx, groups)
    return story


def _thumbnail(ctx: _Ctx, sha: str, max_w: float, max_h: float):
    data = None
    if ctx.photos is not None:
        try:
            data = ctx.photos(sha)
        except Exception:
            data = None
            ctx.warn(PHOTO_UNAVAILABLE, sha=sha[:16])
    if data:
        try:
            return L.JpegImage(data, hashlib.sha256(data).hexdigest()[:32], max_w, max_h)
        except ValueError:
            pass  # not a plain JPEG: let reportlab decode it
        try:
            img = Image(io.BytesIO(data))
            w, h = img.imageWidth, img.imageHeight
            scale = min(max_w / w, max_h / h)
            img.drawWidth, img.drawHeight = w * scale, h * scale
            return img
        except Exception:
            ctx.warn(PHOTO_UNAVAILABLE, sha=sha[:16])
    return None


def _photo_pages(ctx: _Ctx, groups: list) -> list:
    t, s = ctx.t, "photos"
    story: list = [PageBreak(), ctx.p(t.text(f"{s}.heading"), ctx.s.heading), L.spacer(2)]
    summary_chars = int(t.get(f"{s}.summary_chars", 60))
    col_w = L.FRAME_W / 2
    max_w, max_h = col_w - 6 * mm, 58 * mm
    for n, f in groups:
        summary = f.description if len(f.description) <= summary_chars else f.description[:summary_chars] + "…"
        title = ctx.p(t.text(f"{s}.group_title", seq=n, summary=summary), ctx.s.body)
        cells = []
        for i, sha in enumerate(f.evidence, 1):
            meta = ctx.view.evidence.get(sha, {})
            captured = parse_datetime(meta.get("captured_at"), "evidence.captured_at") if meta.get("captured_at") else None
            caption = ctx.p(t.text(f"{s}.caption", index=i, sha=sha[:16], captured_at=cn_datetime(captured) or "—",
                                   captured_by=str(meta.get("captured_by") or "—")), ctx.s.caption)
            img = _thumbnail(ctx, sha, max_w, max_h)
            if img is None:
                img = L.table([[ctx.p(t.text(f"{s}.unavailable", media_type=str(meta.get("media_type") or "—")), ctx.s.cell_center)]],
                              [max_w], [("BOX", (0, 0), (-1, -1), 0.5, L.RULE), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")],
                              min_heights=[30 * mm])
            cells.append([img, caption])
        rows = [cells[i:i + 2] + ([""] if len(cells[i:i + 2]) == 1 else []) for i in range(0, len(cells), 2)]
        grid = L.table(rows, [col_w, col_w], [("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                             ("BOTTOMPADDING", (0, 0), (-1, -1), 6)], split_in_row=0)
        story += [CondPageBreak(80 * mm), title, grid, L.spacer(3)]
    return story


def _deadline_clauses(ctx: _Ctx, numbered: list) -> str:
    w = "wording"
    groups: dict[Any, list[int]] = {}
    for n, f in numbered:
        groups.setdefault(f.deadline, []).append(n)
    isep = ctx.t.text(f"{w}.item_separator")
    order = sorted(groups, key=lambda d: (d is None, d or 0))
    clauses = []
    for d in order:
        items = isep.join(str(n) for n in groups[d])
        if d is None:
            clauses.append(ctx.t.text(f"{w}.order_clause_blank", items=items))
        else:
            clauses.append(ctx.t.text(f"{w}.order_clause", items=items, **ymd(d)))
    return ctx.t.text(f"{w}.clause_separator").join(clauses)


def _build_rectify_order(ctx: _Ctx) -> list:
    findings = _selected_findings(ctx, lambda f: True)
    if not findings:
        raise InspectorError(NO_FINDINGS, title=ctx.t.title, reason="记录中没有发现问题")
    story = _head(ctx)
    story.append(ctx.p(ctx.t.text("wording.opening"), ctx.s.indented))
    numbered = list(enumerate(findings, 1))
    for n, f in numbered:
        story.append(_problem_paragraph(ctx, n, f, deadline=True))
        if f.deadline is None:
            ctx.blank_field(ctx.t.text("names.deadline", seq=n))
    story.append(ctx.p(ctx.t.text("wording.order", clauses=_deadline_clauses(ctx, numbered)), ctx.s.indented))
    story = _closing(ctx, story)
    return story


def _build_onsite_measures(ctx: _Ctx) -> list:
    t = ctx.t
    findings = _selected_findings(ctx, lambda f: f.grade == "major")
    if not findings:
        raise InspectorError(NO_FINDINGS, title=t.title, reason="记录中没有重大事故隐患")
    story = _head(ctx)
    day = ctx.view.day
    story.append(ctx.p(t.fill(t.raw("wording.opening"), ymd(day) if day else {}, field="wording.opening"), ctx.s.indented))
    for n, f in enumerate(findings, 1):
        story.append(_problem_paragraph(ctx, n, f, deadline=False))
    basis = ctx.extra.get("basis")
    if not basis:
        seen: list[str] = []
        for f in findings:
            for b in (f.item or {}).get("enforcement_basis") or []:
                if str(b) not in seen:
                    seen.append(str(b))
        basis = t.text("wording.basis_separator").join(seen)
    if not basis:
        ctx.blank_field(t.text("names.basis"))
    story.append(ctx.p(t.fill(t.raw("wording.basis"), {"basis": basis}, field="wording.basis"), ctx.s.indented))
    decisions = _lines(ctx.extra.get("decisions"))
    if decisions:
        for n, text in enumerate(decisions, 1):
            story.append(ctx.p(t.text("wording.decision", seq=n, text=text), ctx.s.indented))
    else:
        ctx.blank_field(t.text("names.decisions"))
        story.append(_blank_lines(int(t.get("wording.decisions_blank_lines", 4))))
    story = _closing(ctx, story)
    return story


def _build_review_opinion(ctx: _Ctx) -> list:
    t = ctx.t
    story = _head(ctx)
    order_number = ctx.extra.get("order_number", "").strip()
    if order_number:
        parsed = parse_number(order_number)
        expected = load_template("rectify-order").prefix
        if parsed.prefix != expected:
            raise InspectorError(BAD_EXTRA, exit_code=2, field="order_number", reason=f"应为{expected}文书编号")
        order_number = str(parsed)
    else:
        order_number = t.text("wording.order_number_blank", short_name=ctx.settings.short_name.strip())
        ctx.blank_field(t.text("names.order_number"))
    order_date = parse_date(ctx.extra.get("order_date"), "extra.order_date")
    if order_date is None:
        ctx.blank_field(t.text("names.order_date"))
    values = {"order_number": order_number}
    if order_date:
        values.update({"order_year": order_date.year, "order_month": order_date.month, "order_day": order_date.day})
    story.append(ctx.p(t.fill(t.raw("wording.opening"), values, field="wording.opening"), ctx.s.indented))
    opinions = _lines(ctx.extra.get("opinions"))
    if opinions:
        for n, text in enumerate(opinions, 1):
            story.append(ctx.p(t.text("wording.opinion", seq=n, text=text) if len(opinions) > 1 else text, ctx.s.indented))
    else:
        ctx.blank_field(t.text("names.opinions"))
        story.append(_blank_lines(int(t.get("wording.opinions_blank_lines", 5))))
    story = _closing(ctx, story)
    return story


def _build_inquiry(ctx: _Ctx) -> list:
    t = ctx.t
    story = _head(ctx)
    story += _field_rows(ctx, t.get("fields") or [], "fields")
    story.append(L.spacer(2))
    story.append(ctx.p(t.text("wording.notice"), ctx.s.indented))
    qa = ctx.extra.get("qa") or []
    if qa:
        for pair in qa:
            if pair.get("q"):
                story.append(ctx.p(t.text("wording.question", text=str(pair["q"])), ctx.s.body))
            if pair.get("a") is not None:
                story.append(ctx.p(t.text("wording.answer", text=str(pair["a"])), ctx.s.body))
    else:
        story.append(_blank_lines(int(t.get("wording.qa_blank_lines", 14))))
    story = _closing(ctx, story)
    return story


BUILDERS = {
    "plan": _build_plan,
    "check-record": _build_check_record,
    "rectify-order": _build_rectify_order,
    "onsite-measures": _build_onsite_measures,
    "review-opinion": _build_review_opinion,
    "inquiry": _build_inquiry,
}


# ------------------------------------------------------------------------------------------ render


def _final_number(template: Template, number: str | None, settings: CountySettings) -> str | None:
    if not template.prefix:
        if number:
            raise InspectorError(NUMBER_MISMATCH, exit_code=2, number=number, title=template.title, expected="无编号")
        return None
    if not number:
        raise InspectorError(MISSING_NUMBER, exit_code=2, title=template.title)
    parsed = parse_number(number)
    expected = f"（{settings.short_name.strip()}）{template.prefix}〔年〕N号"
    if parsed.prefix != template.prefix or parsed.short != settings.short_name.strip():
        raise InspectorError(NUMBER_MISMATCH, exit_code=2, number=number, title=template.title, expected=expected)
    return str(parsed)


def render(
    kind: str,
    record: dict,
    *,
    record_hash: str | None,
    signed: bool,
    number: str | None,
    settings: CountySettings,
    out_path: str | os.PathLike,
    photos: PhotoSource | None,
    extra: dict | None = None,
) -> RenderResult:
    """Render one document to out_path (PDF). Raises InspectorError before writing anything on bad input.

    signed=False renders a marked draft with no number, whatever ``number`` says.
    """
    if kind not in KINDS:
        raise UsageError(UNKNOWN_KIND, kind=kind, choices=", ".join(KINDS))
    check_settings(settings)
    template = load_template(kind)
    view = RecordView(record)
    extra = _check_extra(extra)
    if isinstance(record_hash, str):
        record_hash = record_hash.strip().lower()
    if record_hash is not None and not is_record_hash(record_hash):
        raise InspectorError(MISSING_HASH, exit_code=2, value=record_hash)
    printed_number = None
    if signed:
        if record_hash is None:
            raise InspectorError(MISSING_HASH, exit_code=2, value="")
        if len(view.inspectors) < 2:
            raise InspectorError(TOO_FEW_INSPECTORS, count=len(view.inspectors))
        printed_number = _final_number(template, number, settings)
    ctx = _Ctx(kind, template, view, settings, extra, signed, printed_number, photos)
    story = BUILDERS[kind](ctx)

    text = qr_text(record_hash, printed_number, (settings.server_url or "").strip() or None, draft=not signed)
    shown_number = printed_number or (template.text("text.draft_number") if not signed else "")
    furniture = L.PageFurniture(
        font=ctx.shaper.primary.name,
        page_number=lambda page, total: template.text("text.page_number", page=page, total=total),
        qr=QrStamp(text, L.QR_SIZE),
        header=lambda page: ctx.shaper.plain(
            template.text("text.continuation_header", title=template.title, number=shown_number, page=page)),
        draft_mark=None if signed else template.text("text.draft_mark"),
        page_signature=template.get("wording.page_signature"),
    )
    out = Path(out_path)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    title = template.title + (f" {printed_number}" if printed_number else "")
    doc = SimpleDocTemplate(
        str(tmp), pagesize=L.A4,
        leftMargin=L.MARGIN_LEFT, rightMargin=L.MARGIN_RIGHT, topMargin=L.MARGIN_TOP, bottomMargin=L.MARGIN_BOTTOM,
        title=title, author=settings.bureau_name.strip(), subject=f"record {record_hash or '-'}",
        creator="Inspector", keywords=[k for k in (record_hash, printed_number) if k],
        invariant=1, initialFontName=ctx.shaper.primary.name, initialFontSize=L.BODY,
    )
    try:
        with _BUILD_LOCK:
            # Binary streams, not ASCII85: a quarter smaller, and ASCII85 is pure Python (slow) when
            # reportlab's C accelerator is missing. rl_config is global: restored, and builds serialised.
            saved_a85, rl_config.useA85 = rl_config.useA85, 0
            try:
                doc.build(story, canvasmaker=L.canvas_maker(furniture))
            finally:
                rl_config.useA85 = saved_a85
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InspectorError(WRITE_FAILED, path=str(out), reason=exc.strerror or str(exc)) from exc
    except LayoutError as exc:
        tmp.unlink(missing_ok=True)
        raise InspectorError(WRITE_FAILED, path=str(out), reason=f"排版失败：{exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    warnings = ctx.warnings
    missing = list(ctx.shaper.missing)
    if missing:
        warnings.insert(0, RenderWarning(MISSING_GLYPHS, {"chars": "、".join(f"{c}（U+{ord(c):04X}）" for c in missing)}))
    return RenderResult(out, kind, furniture.pages, not signed, printed_number, text, warnings, missing)
