"""The window itself: main window, menus, docks, messages, theme, files."""
