"""Video inference over a model and a memory bank."""
