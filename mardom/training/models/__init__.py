"""Models of the training app, one module per subject, re-exported here for Django and for imports."""
