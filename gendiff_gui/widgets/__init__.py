"""Small shared widgets and looks: theme and fonts, image tiles, tabs, spin box, message bar, drops, plot export,
the one collapsible "More" section, the layout audit."""
