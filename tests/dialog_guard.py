"""Tests never wait on a modal dialog: each one fails the test at once (offscreen nobody answers it)."""
from __future__ import annotations


class ModalDialogOpened(AssertionError):
    """A test reached a modal dialog: offscreen, nobody could ever answer it."""


def refuse_modal_dialogs(monkeypatch) -> None:
    """Make every modal dialog (file dialogs, message boxes, any QDialog.exec) fail the test at once.

    Offscreen nobody answers a dialog: its nested event loop would run until the CI run's own limit, and the
    alarm of pytest-timeout's signal method, raised inside whatever Python slot runs next, would be caught as a
    slot error while the dialog stays open.
    """
    from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

    def refuse(name):
        def opened(*args, **kwargs):
            raise ModalDialogOpened(f"a modal dialog opened ({name}); tests must pass paths and answers directly")
        return opened

    for name in ("getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(refuse(f"QFileDialog.{name}")))
    for name in ("information", "warning", "critical", "question", "about"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse(f"QMessageBox.{name}")))
    monkeypatch.setattr(QDialog, "exec", refuse("QDialog.exec"))
