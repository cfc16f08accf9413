"""store: saved models on disk: the card, the model files, the champion, trusted loading, overlap."""
