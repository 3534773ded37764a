"""Scoped reads of the market app (DESIGN.md: selectors), one module per subject: exhibitions, shop."""
