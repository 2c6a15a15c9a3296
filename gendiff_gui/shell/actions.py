"""The window's actions, menus and toolbar (File, Training, View), with their shortcuts; no behaviour here.

The one mechanism for the window's keys: an action with a shortcut, added to the window (so it works with the
menu bar hidden); shell/key_router.py makes Space and Page Up/Down reach them from any control."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSizePolicy, QStyle, QToolBar, QWidget


@dataclass
class Actions:
    open: QAction
    save: QAction
    open_session: QAction
    save_session: QAction
    train_folder: QAction
    train_points: QAction
    quit: QAction
    train: QAction
    pause: QAction
    stop: QAction
    reset: QAction
    toggle: QAction
    previous_frame: QAction
    next_frame: QAction
    presentation: QAction
    leave_presentation: QAction
    log_scale: QAction
    export_menu: QMenu
    toolbar: QToolBar
    title: QLabel


def _action(window: QMainWindow, text: str, shortcut=None, tip: str = "", icon=None) -> QAction:
    action = QAction(text, window)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(f"{tip or text} ({QKeySequence(shortcut).toString()})" if shortcut is not None else tip or text)
    action.setStatusTip(tip)
    window.addAction(action)  # shortcuts work even while the toolbar or the menu bar is hidden
    return action


def create_actions(window: QMainWindow) -> Actions:
    sp = QStyle.StandardPixmap
    key = Qt.Key
    a = Actions(
        open=_action(window, "&Open checkpoint…", QKeySequence.StandardKey.Open, "Open a saved model",
                     sp.SP_DialogOpenButton),
        save=_action(window, "&Save checkpoint…", QKeySequence.StandardKey.Save,
                     "Save the model (latest weights) to a .safetensors file", sp.SP_DialogSaveButton),
        open_session=_action(window, "Open session…", "Ctrl+Shift+O",
                             "Reopen a saved session: model, optimiser, data, lesson and views, as they were"),
        save_session=_action(window, "Save session…", "Ctrl+Shift+S",
                             "Keep the model, its optimiser, your data, the lesson and the views in one file"),
        train_folder=_action(window, "Train on a folder…", None,
                             "A folder with one subfolder of images per class becomes the data set (or drop it)"),
        train_points=_action(window, "Train on a points file…", None,
                             "A .csv or .npy of 2-D points (x, y and an optional label) becomes the data set"),
        quit=_action(window, "&Quit", QKeySequence.StandardKey.Quit, "Stop training and close"),
        train=_action(window, "Train", None, "Start or resume training", sp.SP_MediaPlay),
        pause=_action(window, "Pause", None, "Pause training (keeps the optimiser state)", sp.SP_MediaPause),
        stop=_action(window, "Stop", None, "End the run (the weights are kept; Train continues)", sp.SP_MediaStop),
        reset=_action(window, "Reset", None, "A fresh model from the panel's settings", sp.SP_BrowserReload),
        toggle=_action(window, "Play / pause", key.Key_Space,
                       "Play or pause what is on screen: the timeline in a diffusion view, training elsewhere"),
        previous_frame=_action(window, "Previous frame or lesson", key.Key_PageUp,
                               "One frame back on the timeline, else the previous lesson (a presenter's clicker)"),
        next_frame=_action(window, "Next frame or lesson", key.Key_PageDown,
                           "One frame on along the timeline, else the next lesson (a presenter's clicker)"),
        presentation=_action(window, "&Presentation mode", key.Key_F11,
                             "Full screen, large and contrasted, for a projector"),
        leave_presentation=_action(window, "Leave presentation mode", key.Key_Escape),
        log_scale=_action(window, "&Log-scale losses", None, "Plot log10 of the losses"),
        export_menu=QMenu("&Export plot", window),
        toolbar=QToolBar("Training", window),
        title=QLabel(),
    )
    a.quit.setMenuRole(QAction.MenuRole.QuitRole)
    a.presentation.setCheckable(True)
    a.log_scale.setCheckable(True)
    a.leave_presentation.setEnabled(False)

    menu = window.menuBar()
    file_menu = menu.addMenu("&File")
    for item in (a.open, a.save, None, a.open_session, a.save_session, None, a.train_folder, a.train_points, None,
                 a.export_menu, None, a.quit):
        if item is None:
            file_menu.addSeparator()
        elif isinstance(item, QMenu):
            file_menu.addMenu(item)
        else:
            file_menu.addAction(item)
    training = menu.addMenu("&Training")
    for action in (a.train, a.pause, a.stop, a.reset, a.toggle, a.previous_frame, a.next_frame):
        training.addAction(action)
    view = menu.addMenu("&View")
    view.addAction(a.presentation)
    view.addAction(a.leave_presentation)
    view.addAction(a.log_scale)

    bar = a.toolbar
    bar.setObjectName("trainingToolbar")
    bar.setMovable(False)
    bar.setAccessibleName("Training toolbar")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.setIconSize(QSize(22, 22))
    for action in (a.train, a.pause, a.stop, a.reset):
        bar.addAction(action)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    a.title.setObjectName("experimentTitle")
    a.title.setAccessibleName("Model on screen")
    bar.addWidget(a.title)
    bar.addSeparator()
    bar.addAction(a.presentation)
    for action in (a.train, a.pause, a.stop, a.reset, a.presentation):  # Tab reaches them (a toolbar's are NoFocus)
        bar.widgetForAction(action).setFocusPolicy(Qt.FocusPolicy.TabFocus)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return a
