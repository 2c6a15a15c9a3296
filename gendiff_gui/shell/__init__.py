"""The window around the lessons: main window, actions, menus, status, settings, the experiment form."""
