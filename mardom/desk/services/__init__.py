"""Writes of the desk app (DESIGN.md: services), one module per subject."""
