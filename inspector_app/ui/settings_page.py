"""Settings: the county's names printed on documents, the server, the language, auto-lock, and
the data folder. Everything but the data folder is kept in the store's settings table
(Workspace.set_setting inside Store.write()); the data folder cannot live inside itself, so it is
kept in the user's Qt settings and takes effect at the next start."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QScrollArea, QSpinBox, QVBoxLayout,
    QWidget,
)


from . import services, user_settings
from .i18n import define, tr
from .widgets import buddy, note, title

TITLE = define("ui.set.title", "设置", "Settings")
INTRO = define(
    "ui.set.intro",
    "县区名称、简称、复议机关和法院会印在每份文书上，请按本县实际填写。",
    "The county's names, short name, reconsideration body and court are printed on every document; enter your "
    "county's own.",
)
COUNTY = define("ui.set.county", "县区名称(&C)", "&County")
BUREAU = define("ui.set.bureau", "应急管理局名称(&B)", "Emergency management &bureau")
SHORT = define("ui.set.short", "县区简称（用于文书编号）(&H)", "S&hort name (in document numbers)")
SEAL = define("ui.set.seal", "印章文字（留空则用局名）(&E)", "S&eal text (empty: the bureau's name)")
RECONSIDERATION = define("ui.set.reconsideration", "行政复议机关(&R)", "&Reconsideration body")
COURT = define("ui.set.court", "管辖人民法院(&T)", "Cour&t")
SERVER = define("ui.set.server", "服务器地址(&V)", "Ser&ver address")
SERVER_HINT = define("ui.set.server_hint", "例如 https://inspector.example.gov.cn", "e.g. https://inspector.example.gov.cn")
ENROL_CODE = define("ui.set.enrol_code", "注册码（县局管理员提供，一次有效）(&G)", "Enrolment code (from the county admin, single use) (&G)")
ENROL_HINT = define("ui.set.enrol_hint", "形如 XXXX-XXXX-XXXX-XXXX", "like XXXX-XXXX-XXXX-XXXX")
ENROL = define("ui.set.enrol", "注册本机(&N)", "E&nrol this device")
ENROLLING = define("ui.set.enrolling", "正在向 {url} 注册本机…", "Enrolling this device with {url}…")
ENROLLED_AS = define("ui.set.enrolled_as", "本机已注册为 {device}（服务器 {url}）。", "This device is enrolled as {device} (server {url}).")
NOT_ENROLLED = define("ui.set.not_enrolled", "本机尚未注册到县局服务器。", "This device is not enrolled with a county server.")
ENROL_FAILED = define("ui.set.enrol_failed", "注册未成功：{reason}", "Enrolment failed: {reason}")
ENROL_NEEDS = define("ui.set.enrol_needs", "请填写服务器地址和注册码。", "Enter the server address and the enrolment code.")
LANGUAGE = define("ui.set.language", "界面语言(&L)", "&Language")
AUTOLOCK = define("ui.set.autolock", "无操作多少分钟后自动锁定（0 = 不自动锁定）(&A)", "&Auto-lock after idle minutes (0 = never)")
DATA_DIR = define("ui.set.data_dir", "数据文件夹(&D)", "&Data folder")
DATA_DIR_CHANGE = define("ui.set.data_dir_change", "更改…", "Change…")
DATA_DIR_NOTE = define("ui.set.data_dir_note", "更改数据文件夹后，重新启动程序时生效。", "A new data folder is used from the next start.")
DATA_DIR_SET = define("ui.set.data_dir_set", "下次启动将使用：{path}", "From the next start: {path}")
SAVE = define("ui.set.save", "保存设置 (Ctrl+S)", "Save settings (Ctrl+S)")
SAVED = define("ui.set.saved", "设置已保存。", "Settings saved.")
LOCKED = define("ui.set.locked", "请先解锁。", "Unlock first.")
LANG_ZH = define("ui.set.lang_zh", "简体中文", "Simplified Chinese")
LANG_EN = define("ui.set.lang_en", "English（英语）", "English")



class SettingsPage(QWidget):
    def __init__(self, ctx, nav, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.nav = nav
        self.setObjectName("settingsPage")
        outer = QVBoxLayout(self)
        outer.addWidget(title(tr(TITLE)))
        outer.addWidget(note(tr(INTRO)))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        form = QFormLayout(body)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.fields: dict[str, QLineEdit] = {}
        for key, label in (("county_name", COUNTY), ("bureau_name", BUREAU), ("short_name", SHORT),
                           ("seal_text", SEAL), ("reconsideration_body", RECONSIDERATION), ("court", COURT),
                           ("server_url", SERVER)):
            edit = QLineEdit()
            edit.setObjectName(f"setting_{key}")
            self.fields[key] = edit
            form.addRow(buddy(tr(label), edit), edit)
        self.fields["server_url"].setPlaceholderText(tr(SERVER_HINT))
        # enrolment: the one-time code from the county admin (inspector-server admin enrol-device)
        self.enrol_code = QLineEdit()
        self.enrol_code.setObjectName("setting_enrol_code")
        self.enrol_code.setPlaceholderText(tr(ENROL_HINT))
        enrol_row = QHBoxLayout()
        enrol_row.addWidget(self.enrol_code, 1)
        self.enrol_button = QPushButton(tr(ENROL))
        self.enrol_button.setObjectName("enrolDevice")
        self.enrol_button.setAutoDefault(False)
        self.enrol_button.clicked.connect(self.enrol)
        self.enrol_code.returnPressed.connect(self.enrol)
        enrol_row.addWidget(self.enrol_button)
        form.addRow(buddy(tr(ENROL_CODE), self.enrol_code), enrol_row)
        self.enrol_state = note(tr(NOT_ENROLLED))
        self.enrol_state.setObjectName("enrolState")
        form.addRow("", self.enrol_state)
        self.language = QComboBox()
        self.language.setObjectName("setting_language")
        self.language.addItem(tr(LANG_ZH), "zh")
        self.language.addItem(tr(LANG_EN), "en")
        form.addRow(buddy(tr(LANGUAGE), self.language), self.language)
        self.autolock = QSpinBox()
        self.autolock.setObjectName("setting_autolock")
        self.autolock.setRange(0, 240)
        form.addRow(buddy(tr(AUTOLOCK), self.autolock), self.autolock)
        row = QHBoxLayout()
        self.data_dir = QLineEdit(str(ctx.ws.data_dir))
        self.data_dir.setObjectName("setting_data_dir")
        self.data_dir.setReadOnly(True)
        change = QPushButton(tr(DATA_DIR_CHANGE))
        change.setObjectName("changeDataDir")
        change.setAutoDefault(False)
        change.clicked.connect(self._change_dir)
        row.addWidget(self.data_dir, 1)
        row.addWidget(change)
        form.addRow(buddy(tr(DATA_DIR), self.data_dir), row)
        self.dir_note = note(tr(DATA_DIR_NOTE))
        form.addRow("", self.dir_note)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.status = note("")
        self.status.setObjectName("settingsStatus")
        outer.addWidget(self.status)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.save_button = QPushButton(tr(SAVE))
        self.save_button.setObjectName("saveSettings")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        bottom.addWidget(self.save_button)
        outer.addLayout(bottom)
        from PySide6.QtGui import QKeySequence, QShortcut

        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.refresh()

    def enrol(self) -> None:
        if self.ctx.session.officer is None:
            self.enrol_state.setText(tr(LOCKED))
            return
        url, code = self.fields["server_url"].text().strip(), self.enrol_code.text().strip()
        if not url or not code:
            self.enrol_state.setText(tr(ENROL_NEEDS))
            return
        ws, by = self.ctx.ws, self.ctx.session.cert
        self.enrol_button.setEnabled(False)
        self.enrol_state.setText(tr(ENROLLING, url=url))

        def done(enrolled) -> None:
            self.enrol_button.setEnabled(True)
            self.enrol_code.clear()
            self.enrol_state.setText(tr(ENROLLED_AS, device=enrolled["device_name"], url=enrolled["server"]))
            self.nav.data_changed.emit("settings")
            controller = self.ctx.extra.get("sync")
            if controller is not None:
                controller.refresh()

        def failed(exc) -> None:
            # a wrong or used code, the server down: said here, in words
            from .i18n import error_text

            self.enrol_button.setEnabled(True)
            self.enrol_state.setText(tr(ENROL_FAILED, reason=error_text(exc)))

        self.ctx.ops.run(lambda op: services.sync_enrol(ws, url, code, by=by), kind="read", on_done=done,
                         on_error=failed, label="enrol")

    def _show_enrolment(self, status) -> None:
        if status is not None and status.enrolled:
            self.enrol_state.setText(tr(ENROLLED_AS, device=status.device_name or "", url=status.server_url or ""))

    def refresh(self) -> None:
        controller = self.ctx.extra.get("sync")
        if controller is not None and not getattr(self, "_watching", False):
            self._watching = True
            controller.status_changed.connect(self._show_enrolment)
            self._show_enrolment(controller.status)
        values = services.read_settings(self.ctx.ws)
        for key, edit in self.fields.items():
            edit.setText(values.get(key) or "")
        self.language.setCurrentIndex(max(0, self.language.findData(values.get("language") or "zh")))
        minutes = values.get("autolock_minutes")
        self.autolock.setValue(int(minutes if minutes is not None else services.DEFAULT_AUTOLOCK_MINUTES))

    def values(self) -> dict:
        out = {key: edit.text().strip() for key, edit in self.fields.items()}
        out["language"] = self.language.currentData()
        out["autolock_minutes"] = self.autolock.value()
        return out

    def save(self) -> None:
        if self.ctx.session.officer is None:
            self.status.setText(tr(LOCKED))
            return
        values = self.values()
        before = services.setting(self.ctx.ws, "language") or "zh"
        ws, by = self.ctx.ws, self.ctx.session.cert
        self.save_button.setEnabled(False)

        def done(_r) -> None:
            self.save_button.setEnabled(True)
            self.status.setText(tr(SAVED))
            self.ctx.session.set_autolock_minutes(values["autolock_minutes"])
            user_settings.set_language(values["language"])
            self.nav.data_changed.emit("settings")
            if values["language"] != before and self.ctx.relaunch is not None:
                self.ctx.relaunch()

        def failed(exc) -> None:
            self.save_button.setEnabled(True)
            self.ctx.errors(exc)

        self.ctx.ops.run(lambda op: services.save_settings(ws, values, by=by), kind="write", on_done=done,
                         on_error=failed, label="settings")

    def _change_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr(DATA_DIR), str(self.ctx.ws.data_dir))
        if folder:
            user_settings.set_data_dir(folder)
            self.dir_note.setText(tr(DATA_DIR_SET, path=folder))
