"""Pages of the funds app, one module per subject: funds (funds and memberships), loans, draws, statements."""
