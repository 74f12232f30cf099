"""Writing what the renderers made: files (atomic writes, names) and the appeal packet."""
