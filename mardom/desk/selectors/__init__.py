"""Scoped reads of the desk app (DESIGN.md: selectors), one module per subject."""
