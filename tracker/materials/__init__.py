"""Course materials for a session or a module: files kept outside the web root, and links."""
