"""Pages of the market app, one module per subject: exhibitions (and booth sales), shop (the storefront)."""
