"""Pages of the production app, one module per subject."""
