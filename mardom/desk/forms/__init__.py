"""Forms of the desk app, one module per subject."""
