"""Scoped reads of the training app (DESIGN.md: selectors), one module per subject."""
