"""Writes of the training app (DESIGN.md: services), one module per subject."""
