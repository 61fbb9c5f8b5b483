"""Page routes of the portal, one module per audience."""
