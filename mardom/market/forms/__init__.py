"""Forms of the market app, one module per subject: exhibitions, shop."""
