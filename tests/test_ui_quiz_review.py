"""逢查必考 and 整改复查 in the inspection screen, by keyboard: a paper drawn, answered one question
per page with the option keys and scored (store/quiz.py, audited); an earlier finding reviewed as
已整改 with Y (store/reviews.py, audited)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from inspector_app.store import models
from inspector_app.store import quiz as quiz_store
from inspector_app.ui import services
from ui_fixtures import (  # noqa: F401 - fixtures
    PASSPHRASE, active_dialog, app_window, demo_dir, demo_template, demo_ws, focus, idle, press, type_text,
    unlock_by_keyboard, wait_focus,
)

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _new_inspection(ws, code: str) -> str:
    return services.create_inspection(ws, enterprise_code=code, inspectors=["DEMO-0001", "DEMO-0002"],
                                      catalogue_keys=[(c.id, c.version) for c in services.latest_catalogues(ws)][:1])


def _audit_ops(ws) -> list[str]:
    with ws.store.read() as session:
        return [e.entry.get("detail", {}).get("op") for e in session.scalars(select(models.AuditEntry))]


def test_the_quiz_by_keyboard(qtbot, app_window):
    ctx, window = app_window
    ws = ctx.ws
    inspection = _new_inspection(ws, services.enterprise_codes(ws, "")[0])
    unlock_by_keyboard(qtbot, ctx, window)
    window.open_inspection(inspection)
    idle(qtbot, ctx)
    page = window.inspection
    wait_focus(qtbot, page.table)
    press(qtbot, Qt.Key.Key_Q, CTRL_SHIFT)
    dialog = active_dialog("quizDialog")
    assert dialog is not None and dialog.bank.count() >= 1
    wait_focus(qtbot, dialog.name)
    type_text(qtbot, "张三")
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is dialog.role
    press(qtbot, Qt.Key.Key_Tab)
    assert focus() is dialog.count
    dialog.count.selectAll()
    type_text(qtbot, "3")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.stack.currentIndex() == 1, timeout=10000)
    wait_focus(qtbot, dialog.question_page)
    bank = quiz_store.banks(ws)[dialog.bank.currentData()]
    truth = {q.id: q.answer for q in bank.questions}
    assert len(dialog.paper) == 3
    # an unanswered question does not move on
    press(qtbot, Qt.Key.Key_Return)
    assert dialog.index == 0 and dialog.error.text()
    wrong_once = False
    for n, q in enumerate(dialog.paper):
        answer = truth[q.id]
        assert f"{n + 1}/3" in dialog.progress.text()
        if q.true_false:
            key = Qt.Key.Key_1 if answer == "对" else Qt.Key.Key_2
            if n == 0:  # answer the first one wrong on purpose
                key = Qt.Key.Key_2 if key == Qt.Key.Key_1 else Qt.Key.Key_1
                wrong_once = True
            press(qtbot, key)
        else:
            letters = answer if n else ("B" if answer != "B" else "A")
            wrong_once = wrong_once or n == 0
            for letter in letters:
                press(qtbot, getattr(Qt.Key, f"Key_{letter}"))
        press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10000)
    assert wrong_once and dialog.result["correct"] == 2 and dialog.result["questions"] == 3
    assert "答对 2/3" in dialog.score.text() and "合格" in dialog.score.text()
    idle(qtbot, ctx)
    with ws.store.read() as session:
        quiz = session.get(models.Inspection, inspection).quiz
    person = quiz["persons"][0]
    assert person["name"] == "张三" and person["correct"] == 2 and person["answers"] is not None
    ops = _audit_ops(ws)
    assert "quiz-draw" in ops and "quiz-answer" in ops
    dialog.accept()


def test_review_an_earlier_finding(qtbot, app_window):
    ctx, window = app_window
    ws = ctx.ws
    code = services.enterprise_codes(ws, "")[1]
    earlier = _new_inspection(ws, code)
    items = services.inspection_state(ws, earlier).items
    fid = services.add_finding(ws, earlier, item_id=items[0].item_id, description="消防通道堵塞", grade="general",
                               deadline="2099-01-01")
    services.set_result(ws, earlier, items[0].item_id, "violation")
    for it in items[1:]:
        services.set_result(ws, earlier, it.item_id, "compliant")
    services.sign(ws, earlier, lambda cert: PASSPHRASE)
    later = _new_inspection(ws, code)
    unlock_by_keyboard(qtbot, ctx, window)
    window.open_inspection(later)
    idle(qtbot, ctx)
    panel = window.inspection.reviews
    assert panel.isVisible() and panel.list.count() == 1
    assert "消防通道堵塞" in panel.list.item(0).text() and "未复查" in panel.list.item(0).text()
    panel.list.setFocus()
    wait_focus(qtbot, panel.list)
    press(qtbot, Qt.Key.Key_Y)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: "已整改" in panel.list.item(0).text())
    with ws.store.read() as session:
        review = session.get(models.Review, (later, fid))
        assert review is not None and review.result == "rectified"
    assert "review" in _audit_ops(ws)
    # and changed to 未整改 with the button
    panel.not_rectified.click()
    idle(qtbot, ctx)
    with ws.store.read() as session:
        assert session.get(models.Review, (later, fid)).result == "not-rectified"
