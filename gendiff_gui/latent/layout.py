"""The latent panel's widgets and their arrangement for a projector: the map row on top, detail tabs below."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from gendiff_gui.latent.views.dropped_images import DroppedImagesView
from gendiff_gui.widgets.image_tile import ImageTile
from gendiff_gui.widgets.theme import NORMAL, Theme, scaled_font
from gendiff_gui.latent.views.interpolation import InterpolationView
from gendiff_gui.latent.views.latent_map import LatentMapView
from gendiff_gui.latent.views.linear_weights import LinearWeightsView
from gendiff_gui.latent.views.manifold import TITLE as manifold_title, ManifoldView
from gendiff_gui.latent.views.reconstructions import ReconstructionsView
from gendiff_gui.widgets.tab_sizing import CurrentPageTabs


TILE_PX = 140  # the decoded and nearest images' least side
PRESENTING_TILE_PX = 90  # in the narrow column beside the map, so the manifold keeps a readable width
PRESENTING_MANIFOLD_PX = 2 * PRESENTING_TILE_PX  # its least width there, or its title's and ticks' if wider


class LatentLayout(QWidget):
    """Map | manifold | (decoded at the marker, nearest image, prior samples) above tabs (interpolation,
    reconstructions, dropped images, W/V vs PCA), with a status line; no behaviour (see LatentPanel)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map = LatentMapView()
        self.manifold = ManifoldView()
        self.probe_tile = ImageTile("dec(z) at the marker", min_px=TILE_PX)
        self.nearest_tile = ImageTile("nearest image", min_px=TILE_PX)
        self.nearest_tile.setToolTip("the test image whose code lies nearest the marker")
        self.prior_button = QPushButton("Sample z ~ N(0, I)")
        self.prior_button.setToolTip("Draw 8 codes from the VAE's prior, decode them, and mark them ★ on the map")
        self.fit_button = QPushButton("Fit the map")
        self.fit_button.setToolTip("Zoom the map back to the codes (it follows them again)")
        self.prior_tile = ImageTile("", pad=2, min_px=60)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        tiles = QHBoxLayout()
        tiles.addWidget(self.probe_tile)
        tiles.addWidget(self.nearest_tile)
        column.addLayout(tiles, 3)
        column.addWidget(self.fit_button)
        column.addWidget(self.prior_button)
        column.addWidget(self.prior_tile, 2)
        self._top = top = QSplitter(Qt.Orientation.Horizontal)
        for widget, stretch in ((self.map, 5), (self.manifold, 4), (side, 3)):
            top.addWidget(widget)
            top.setStretchFactor(top.count() - 1, stretch)
        self._sized = False

        self.interpolation = InterpolationView()
        self.reconstructions = ReconstructionsView()
        self.dropped = DroppedImagesView()
        self.weights = LinearWeightsView()
        self.tabs = CurrentPageTabs()
        self.tabs.addTab(self.interpolation, "Interpolation")
        self.tabs.addTab(self.reconstructions, "Reconstructions")
        self.tabs.addTab(self.dropped, "Dropped images")
        self.tabs.addTab(self.weights, "W, V and PCA")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self._split = split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.tabs)
        self._column = QSplitter(Qt.Orientation.Vertical)  # presentation: beside the map, the rest in a column
        self._column.setChildrenCollapsible(False)
        split.addWidget(self._column)
        self._column.hide()
        self._presenting = False
        split.setStretchFactor(0, 3)  # the map is the lesson: it gets most of the height
        split.setStretchFactor(1, 1)
        self._user_sized = False  # the user dragged a divider: their sizes stay
        for splitter in (top, split):
            splitter.splitterMoved.connect(lambda *_: setattr(self, "_user_sized", True))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self.apply_theme(NORMAL)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """The first time the panel is shown, give the map about three quarters of the height."""
        super().showEvent(event)
        if not self._sized and self.height() > 200:
            self._sized = True
            self._apportion()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Keep the proportions below as the window changes size (full screen, a projector), until the user
        drags a divider."""
        super().resizeEvent(event)
        if self._sized and not self._user_sized:
            self._apportion()

    def _apportion(self) -> None:
        """Normal: map : manifold : side column = 5 : 4 : 3 of the width, the map row about 3/4 of the height.
        Presentation: the map as the largest square that leaves 30 % of the width to the column beside it."""
        if self._presenting:
            w, h = self._split.width(), self._split.height()
            if min(w, h) < 100:
                return  # not laid out yet: the resize to come apportions
            side = min(h, w - max(self._column.minimumSizeHint().width(), int(0.3 * w)))
            self._split.setSizes([side, w - side])
            ch, cw = self._column.height(), self._column.width()
            self._column.setSizes([ch * 2 // 5, ch - ch * 2 // 5])
            self._top.setSizes([cw // 2, cw - cw // 2])
            return
        w, h = self._top.width(), self._split.height()
        self._top.setSizes([5 * w // 12, 4 * w // 12, 3 * w // 12])
        self._split.setSizes([int(0.72 * h), h - int(0.72 * h), 0])

    def _arrange(self, presenting: bool) -> None:
        """Normal: the map row (map, manifold, tiles) above the tabs. Presentation: the map, and beside it a column
        with the manifold and the tiles above the tabs (the map gets the height of the screen)."""
        if presenting == self._presenting:
            return
        self._presenting = presenting
        px = PRESENTING_TILE_PX if presenting else TILE_PX  # the column beside the map is narrow: the manifold first
        for tile in (self.probe_tile, self.nearest_tile):
            tile.view.setMinimumSize(px, px)
        if presenting:
            self._split.setOrientation(Qt.Orientation.Horizontal)
            self._split.insertWidget(0, self.map)
            self._column.addWidget(self._top)
            self._column.addWidget(self.tabs)
            self._column.show()
        else:
            self._top.insertWidget(0, self.map)
            self._split.insertWidget(0, self._top)
            self._split.insertWidget(1, self.tabs)
            self._column.hide()
            self._split.setOrientation(Qt.Orientation.Vertical)

    def main_picture(self) -> list[QWidget]:
        """The picture the class looks at: the latent map's plot."""
        return [self.map.canvas]

    def apply_theme(self, theme: Theme = NORMAL) -> None:
        """The main window's hook after it changed the application's look: fonts and sizes follow its font."""
        self._arrange(theme.presentation)  # first: moving widgets to another parent re-resolves their fonts
        for widget in (self.prior_button, self.fit_button, self.tabs, self.tabs.tabBar(), self.status):
            widget.setFont(scaled_font(1.0))
        for view in (self.map, self.manifold, self.probe_tile, self.nearest_tile, self.prior_tile,
                     self.interpolation, self.reconstructions, self.dropped, self.weights):
            view.apply_theme(theme)
        # beside the map the decoded grid keeps its title and tick labels (the tiles had squeezed it to a sliver)
        metrics = QFontMetrics(scaled_font(1.0))
        least = max(PRESENTING_MANIFOLD_PX, metrics.horizontalAdvance(manifold_title) + 6 * metrics.averageCharWidth())
        self.manifold.setMinimumWidth(least if theme.presentation else 0)
        # On a projector the map needs the room more than the gestures' reminder (the teacher knows them).
        self.map.hint.setVisible(not theme.presentation)
        if self._sized:
            self._apportion()

    def exportable_plots(self) -> dict[str, object]:
        """What File > Export plot offers from this panel."""
        return {"Latent map": self.map.plot, "Decoded grid": self.manifold.plot}
