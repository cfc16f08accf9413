"""labeling: a user's reports → sentences to label → labeled rows (Label Studio)."""
